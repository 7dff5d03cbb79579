"""The sandboxed child: loads a submission and runs its functions on the parent's request.

Run as ``python -I -m layercheck.child REQUEST_FD REPLY_FD`` (the last two arguments) by
`layercheck.sandbox`, which documents the protocol. This module also holds the wire format
both sides use. It imports the standard library, numpy, `layercheck.target` and
`layercheck.observe`, nothing else.

A frame is ``<II`` (JSON length, blob count), the JSON header, then each blob as ``<Q``
length and bytes. Arrays travel as ``.npy`` blobs, read back without pickle.
"""

from __future__ import annotations

import importlib
import io
import json
import math
import os
import re
import signal
import struct
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from layercheck import observe, target
from layercheck.calls import Method

_HEAD = struct.Struct("<II")
_SIZE = struct.Struct("<Q")
MAX_JSON = 16 << 20
MAX_BLOBS = 1 << 16
MAX_FRAME = 512 << 20
_MAGIC_1 = b"\x93NUMPY\x01\x00"
_PLAIN_HEADER = re.compile(
    rb"\{'descr': '([<>|=]?[a-zA-Z]\d*)', 'fortran_order': (False|True), "
    rb"'shape': \(((?:\d+, ?)*\d*)\), \} *\n"
)
_NPY_HEADERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}
#: JSON scalars: what travels as itself (bool is an int; exact types only).
_PLAIN = (type(None), bool, int, float)
#: Dict keys that travel (the parent's are strings; a submission may add others).
_KEYS = (*_PLAIN, str)
#: Top-level modules a submission may not import.
REFUSED = ("torch", "jax", "tensorflow")


class ProtocolError(Exception):
    """A frame or a value that breaks the wire format; the message is one line."""


def frame(header: dict[str, Any], blobs: list[bytes]) -> list[bytes]:
    """The pieces of one frame, to be written in order."""
    text = json.dumps(header, separators=(",", ":")).encode()
    pieces = [_HEAD.pack(len(text), len(blobs)), text]
    for blob in blobs:
        pieces += [_SIZE.pack(len(blob)), blob]
    return pieces


def unframe(
    read: Callable[[int], bytearray], limit: int = MAX_FRAME
) -> tuple[Any, list[bytearray]]:
    """One frame of at most `limit` bytes, from `read(n)` (exactly n bytes); raises
    ProtocolError on a bad frame."""
    length, count = _HEAD.unpack(read(_HEAD.size))
    if length > MAX_JSON or count > MAX_BLOBS:
        raise ProtocolError(f"a frame announces {length} bytes of JSON and {count} blobs")
    try:
        header = json.loads(bytes(read(length)))
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"a frame's header is not JSON ({type(exc).__name__})") from None
    blobs, total = [], length
    for _ in range(count):
        (size,) = _SIZE.unpack(read(_SIZE.size))
        total += size
        if total > limit:
            raise ProtocolError(f"a frame is over the {limit >> 20} MB limit")
        blobs.append(read(size))
    return header, blobs


def npy(value: np.ndarray | np.generic) -> bytes:
    """`value` as .npy bytes (C order); headers written here for plain dtypes (fast)."""
    value = np.asarray(value)
    descr = np.lib.format.dtype_to_descr(value.dtype)
    if not isinstance(descr, str):  # a structured dtype
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, value, allow_pickle=False)
        return buffer.getvalue()
    header = f"{{'descr': {descr!r}, 'fortran_order': False, 'shape': {value.shape!r}, }}"
    header += " " * (-(len(header) + 11) % 64) + "\n"  # the data starts 64-byte aligned
    data = value.reshape(-1).view(np.uint8) if value.flags.c_contiguous else value.tobytes()
    return b"".join((_MAGIC_1, struct.pack("<H", len(header)), header.encode(), data))


def array(blob: bytearray) -> np.ndarray:
    """A writable plain ndarray over `blob` (.npy bytes), its size checked before anything is
    allocated; no pickle, no object dtype."""
    try:
        shape, fortran, dtype, offset = _npy_header(blob)
    except (KeyError, ValueError, TypeError, struct.error) as exc:
        raise ProtocolError(f"a blob is not a .npy array ({exc})") from None
    if not _travels(dtype):
        raise ProtocolError(f"a blob holds an array of dtype {dtype}")
    if math.prod(shape) * dtype.itemsize != len(blob) - offset:
        raise ProtocolError(f"a .npy blob's size does not match its shape {shape}")
    flat = np.frombuffer(blob, dtype, math.prod(shape), offset)
    return flat.reshape(shape, order="F" if fortran else "C")


def _npy_header(blob: bytearray) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    """Shape, Fortran order, dtype and data offset of .npy bytes: plain headers parsed here
    (numpy's parser evaluates the header's literal, far slower), others by numpy."""
    if blob[:8] == _MAGIC_1:
        (length,) = struct.unpack_from("<H", blob, 8)
        offset = 10 + length
        plain = _PLAIN_HEADER.fullmatch(blob, 10, offset)
        if plain:
            shape = tuple(int(size) for size in plain[3].split(b",") if size.strip())
            return shape, plain[2] == b"True", np.dtype(plain[1].decode()), offset
    stream = io.BytesIO(blob)
    shape, fortran, dtype = _NPY_HEADERS[np.lib.format.read_magic(stream)](stream)
    return shape, fortran, dtype, stream.tell()


def snapshot(value: Any) -> Any:
    """What `changes` compares with: an array's bytes, a dict's entries and their bytes."""
    if isinstance(value, dict):
        return {key: (item, snapshot(item)) for key, item in value.items()}
    if isinstance(value, np.ndarray):
        return value.shape, value.dtype, value.tobytes()
    return None


class _Child:
    """The child's state: the functions found, and the objects kept for the parent (results
    it sent as handles or arrays), each with the array and dict arguments of its call."""

    def __init__(self, functions: dict[str, Callable], memory_mb: int):
        self.functions, self.memory_mb = functions, memory_mb
        self.kept: dict[int, tuple[Any, list[Any]]] = {}
        self.next_id = 1

    def serve(self, header: dict[str, Any], blobs: list[bytearray]) -> tuple[dict, list[bytes]]:
        """Run one requested call; the reply reports what it raised or returned, and every
        change it made to the arrays and dicts it reached (through kept objects too)."""
        for kept in header["release"]:
            self.kept.pop(kept, None)
        objects: list[Any] = []
        refs: list[int] = []
        args = [self.decode(value, blobs, objects, refs) for value in header["args"]]
        own = [value for value, wire in zip(args, header["args"], strict=True) if _slot(wire)]
        slots = own + [slot for ref in refs for slot in self.kept[ref][1]]
        before = [snapshot(slot) for slot in slots]
        out: list[bytes] = []
        reply: dict[str, Any] = {}
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = self.functions[header["call"]](*args)
        except BaseException as exc:  # SystemExit too: the submission's failure is a verdict
            reply["raised"] = observe.last_line(exc)
        else:
            if isinstance(result, tuple | list):
                items = [self.result(item, slots, own, out) for item in result]
                reply["returned"] = {"list" if isinstance(result, list) else "tuple": items}
            else:
                reply["returned"] = self.result(result, slots, own, out)
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # a replaced or overflowing stream is the submission's affair
                pass
        reply["changes"] = [
            [i, change]
            for i, (slot, old) in enumerate(zip(slots, before, strict=True))
            if (change := self.change(slot, old, slots, out)) is not None
        ]
        return reply, out

    def decode(self, value: Any, blobs: list[bytearray], objects: list, refs: list[int]) -> Any:
        """An argument from the parent; arrays and dicts the parent passed twice arrive as
        one object, and an array the child sent earlier arrives as that object, updated."""
        if not isinstance(value, dict):
            return value
        if "same" in value:
            return objects[value["same"]]
        if "handle" in value:
            refs.append(value["handle"])
            return self.kept[value["handle"]][0]
        if "dict" in value:
            decoded: Any = {}
            objects.append(decoded)
            for key, item in value["dict"]:
                decoded[key] = self.decode(item, blobs, objects, refs)
            return decoded
        decoded = array(blobs[value["npy"]])
        if value.get("scalar"):
            return decoded[()]
        decoded.flags.writeable = not value.get("readonly")
        if "ref" in value:
            refs.append(value["ref"])
            kept = self.kept[value["ref"]][0]
            if snapshot(kept) != snapshot(decoded):
                if kept.shape != decoded.shape or not kept.flags.writeable:
                    kept = decoded
                else:
                    np.copyto(kept, decoded, casting="unsafe")
            decoded = kept
        objects.append(decoded)
        return decoded

    def result(self, value: Any, slots: list, own: list, out: list[bytes]) -> Any:
        """A returned value (or a value written into a dict) for the parent: an argument it
        reached as that argument's slot, a plain array or scalar as itself, anything else
        kept here and sent as a handle with its description."""
        for i, slot in enumerate(slots):
            if value is slot:
                return {"slot": i}
        if type(value) in _PLAIN and not (type(value) is int and abs(value) >= 2**63):
            return value
        if isinstance(value, np.generic) and _travels(value.dtype):
            out.append(npy(value))
            return {"npy": len(out) - 1, "scalar": True}
        kept = self.next_id
        self.next_id += 1
        self.kept[kept] = (value, own)
        if type(value) is np.ndarray and _travels(value.dtype):
            out.append(npy(value))
            return {"npy": len(out) - 1, "ref": kept}
        try:
            description = str(observe.describe(value))[:500]
        except Exception:  # a describe() of the submission's own that fails
            description = f"a {type(value).__name__}"
        return {"handle": kept, "describe": description}

    def change(self, slot: Any, old: Any, slots: list, out: list[bytes]) -> Any:
        """How `slot` differs from its snapshot `old`: its new content for an array; for a
        dict, [key, "set", value], [key, "update", blob] or [key, "del"] per changed key. A
        value put into a dict is kept without the call's arguments (the dict is one of them:
        the parent would keep the two alive through each other)."""
        if isinstance(slot, np.ndarray):
            if snapshot(slot) == old:
                return None
            out.append(npy(slot))
            return {"array": len(out) - 1}
        entries = [[key, "del"] for key in old if key not in slot and type(key) in _KEYS]
        for key, item in slot.items():
            if type(key) not in _KEYS:
                continue
            if key not in old or (item is not old[key][0] and not _equal(item, old[key][0])):
                entries.append([key, "set", self.result(item, slots, [], out)])
            elif isinstance(item, np.ndarray) and snapshot(item) != old[key][1]:
                out.append(npy(item))
                entries.append([key, "update", len(out) - 1])
        return {"dict": entries} if entries else None


def _travels(dtype: np.dtype) -> bool:
    """Whether arrays of `dtype` travel as .npy: no Python objects, a size per element."""
    return not dtype.hasobject and dtype.itemsize > 0


def _slot(wire: Any) -> bool:
    """Whether an argument's wire form is an array or a dict (not a handle or scalar)."""
    return isinstance(wire, dict) and "handle" not in wire and not wire.get("scalar")


def _equal(a: Any, b: Any) -> bool:
    """Equal plain values (a number or string put back unchanged is no change)."""
    return type(a) is type(b) and type(a) in _KEYS and a == b


class _Refuser:
    """A meta-path finder that refuses the frameworks a submission must not use."""

    @staticmethod
    def find_spec(name: str, path: Any = None, module: Any = None) -> None:
        top = name.partition(".")[0]
        if top in REFUSED:
            _raise_at_importer(
                ImportError(f"layercheck refuses to import {top} in a submission", name=name)
            )


def _raise_at_importer(error: ImportError) -> None:
    """Raise `error` from the line that imported, so that `observe.last_line` names it."""
    caller = sys._getframe(1)
    while caller.f_back and _machinery(caller.f_code.co_filename):
        caller = caller.f_back
    line = "\n" * (caller.f_lineno - 1) + "raise error"
    exec(compile(line, caller.f_code.co_filename, "exec"), {"error": error})


def _machinery(filename: str) -> bool:
    return filename in (__file__, importlib.__file__) or filename.startswith("<frozen importlib")


def _reader(fd: int) -> Callable[[int], bytearray]:
    stream = io.FileIO(fd, "rb", closefd=False)

    def read(n: int) -> bytearray:
        buffer = bytearray(n)
        view, got = memoryview(buffer), 0
        while got < n:
            size = stream.readinto(view[got:])
            if not size:
                raise EOFError
            got += size
        return buffer

    return read


def _send(fd: int, header: dict[str, Any], blobs: list[bytes]) -> None:
    for piece in frame(header, blobs):
        view = memoryview(piece)
        while view:
            view = view[os.write(fd, view) :]


def main(argv: list[str]) -> None:
    """Load the submission named in the first request, then answer calls until EOF."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an output flood gets OSError, not a kill
    read, reply_fd = _reader(int(argv[-2])), int(argv[-1])
    try:
        request, _ = unframe(read)
    except EOFError:
        return
    netns = os.stat("/proc/self/ns/net").st_ino if os.path.exists("/proc/self/ns/net") else 0
    where = {"netns": netns, "scratch_dev": os.stat(".").st_dev}
    sys.meta_path.insert(0, _Refuser())
    try:
        methods = {name: Method.from_wire(shape) for name, shape in request["methods"].items()}
        functions, lost = target.load_partial(request["load"], request["names"], methods)
    except target.TargetError as exc:
        _send(reply_fd, {"load_error": str(exc), **where}, [])
        return
    _send(reply_fd, {"ready": sorted(functions), "lost": lost, **where}, [])
    child = _Child(functions, request["memory_mb"])
    while True:
        try:
            header, blobs = unframe(read)
        except EOFError:
            return
        try:
            reply, out = child.serve(header, blobs)
        except MemoryError:
            reply, out = {"fatal": f"exceeded the memory limit ({child.memory_mb} MB)"}, []
        except Exception as exc:  # what the submission did broke the sandbox's own code
            reply, out = {"fatal": f"the sandbox failed: {observe.last_line(exc)}"}, []
        del header, blobs
        _send(reply_fd, reply, out)


if __name__ == "__main__":
    main(sys.argv)
