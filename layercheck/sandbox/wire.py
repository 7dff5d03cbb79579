"""The wire format between the grader and its sandboxed child, both sides of it.

A frame is ``<II`` (JSON length, blob count), the JSON header, then each blob as ``<Q``
length and bytes. Arrays travel as ``.npy`` blobs, read back without pickle. Imports the
standard library and numpy only (the child imports it).
"""

from __future__ import annotations

import io
import json
import math
import re
import struct
from collections.abc import Callable
from typing import Any

import numpy as np

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
PLAIN = (type(None), bool, int, float)
#: Dict keys that travel (the parent's are strings; a submission may add others).
KEYS = (*PLAIN, str)


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
    if not travels(dtype):
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


def travels(dtype: np.dtype) -> bool:
    """Whether arrays of `dtype` travel as .npy: no Python objects, a size per element."""
    return not dtype.hasobject and dtype.itemsize > 0
