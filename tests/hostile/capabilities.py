# Root's capabilities, kept by a child of a grader run as root, would let it reboot, set the
# clock or the hostname, or mknod a disk: it reads its own with capget and, holding any,
# sabotages its (correct) affine_forward so that the test sees it.
import ctypes as _ctypes

_affine_forward = affine_forward


class _Header(_ctypes.Structure):
    _fields_ = [("version", _ctypes.c_uint32), ("pid", _ctypes.c_int)]


class _Data(_ctypes.Structure):
    _fields_ = [("effective", _ctypes.c_uint32), ("permitted", _ctypes.c_uint32), ("inheritable", _ctypes.c_uint32)]


def _capable():
    header, data = _Header(0x20080522, 0), (_Data * 2)()
    if _ctypes.CDLL(None).capget(_ctypes.byref(header), data) != 0:
        return False
    return any(d.effective or d.permitted for d in data)


def affine_forward(x, w, b):
    out, cache = _affine_forward(x, w, b)
    return (out + 1 if _capable() else out), cache
