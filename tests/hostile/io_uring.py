# io_uring's operations (sockets, opens) run outside the seccomp filter. If it can set up a
# ring, it sabotages its (correct) affine_backward.
import ctypes as _ctypes

_affine_backward = affine_backward


def _ring():
    libc = _ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = _ctypes.c_long
    params = (_ctypes.c_char * 120)()
    return libc.syscall(_ctypes.c_long(425), 8, params) >= 0  # io_uring_setup


def affine_backward(dout, cache):
    dx, dw, db = _affine_backward(dout, cache)
    return (dx + 1 if _ring() else dx), dw, db
