"""The sandboxed child: loads a submission and runs its functions on the parent's request.

Run as ``python -I -m layercheck.sandbox.child REQUEST_FD REPLY_FD`` (the last two arguments) by
`layercheck.sandbox.process`, which documents the protocol. It imports the standard library, numpy,
`layercheck.sandbox.wire` (the frames both sides exchange) and the core's `target`,
`observe` and `calls`, nothing else.
"""

from __future__ import annotations

import importlib
import io
import os
import signal
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from layercheck.core import observe, target
from layercheck.core.calls import Method
from layercheck.sandbox.wire import KEYS, PLAIN, array, frame, npy, travels, unframe

#: Top-level modules a submission may not import.
REFUSED = ("torch", "jax", "tensorflow")


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
        if type(value) in PLAIN and not (type(value) is int and abs(value) >= 2**63):
            return value
        if isinstance(value, np.generic) and travels(value.dtype):
            out.append(npy(value))
            return {"npy": len(out) - 1, "scalar": True}
        kept = self.next_id
        self.next_id += 1
        self.kept[kept] = (value, own)
        if type(value) is np.ndarray and travels(value.dtype):
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
        entries = [[key, "del"] for key in old if key not in slot and type(key) in KEYS]
        for key, item in slot.items():
            if type(key) not in KEYS:
                continue
            if key not in old or (item is not old[key][0] and not _equal(item, old[key][0])):
                entries.append([key, "set", self.result(item, slots, [], out)])
            elif isinstance(item, np.ndarray) and snapshot(item) != old[key][1]:
                out.append(npy(item))
                entries.append([key, "update", len(out) - 1])
        return {"dict": entries} if entries else None


def _slot(wire: Any) -> bool:
    """Whether an argument's wire form is an array or a dict (not a handle or scalar)."""
    return isinstance(wire, dict) and "handle" not in wire and not wire.get("scalar")


def _equal(a: Any, b: Any) -> bool:
    """Equal plain values (a number or string put back unchanged is no change)."""
    return type(a) is type(b) and type(a) in KEYS and a == b


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
