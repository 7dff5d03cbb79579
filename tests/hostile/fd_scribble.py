# Writes garbage to every file descriptor it may have inherited: the protocol's pipes, and
# whatever else of the grader's leaked into the child. Its affine_forward breaks the
# protocol; the grader must lose that one call, nothing more.
import os as _os

_affine_forward = affine_forward


def affine_forward(x, w, b):
    for fd in range(3, 64):
        try:
            _os.write(fd, b"\xff" * 64)
        except OSError:
            pass
    return _affine_forward(x, w, b)
