# Pipes buffer up to 1 MB each in the kernel, outside RLIMIT_AS: a thousand of them filled
# hold a gigabyte. If it gets more than 64 MB into pipes, it sabotages its (correct)
# affine_forward.
import fcntl as _fcntl
import os as _os

_affine_forward = affine_forward


def _hoarded():
    held, ends = 0, []
    try:
        for _ in range(1000):
            read, write = _os.pipe()
            ends += [read, write]
            _fcntl.fcntl(write, 1031, 1 << 20)  # F_SETPIPE_SZ
            _os.set_blocking(write, False)
            try:
                while True:
                    held += _os.write(write, b"\0" * 65536)
            except BlockingIOError:
                pass
    except OSError:
        pass
    return held


def affine_forward(x, w, b):
    out, cache = _affine_forward(x, w, b)
    return (out + 1 if _hoarded() > 64 << 20 else out), cache
