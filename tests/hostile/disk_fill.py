# Fills the disk through its scratch folder: each file under the size limit, but as many as
# it can (2 GB went out in 10 s before scratch was a capped tmpfs). If it writes more than
# the cap, it sabotages its (correct) affine_forward so that the test sees it.
import os as _os

_affine_forward = affine_forward


def _fill():
    block, written = b"\0" * (1 << 20), 0
    try:
        for n in range(300):
            with open(f"fill{n}", "wb") as file:
                file.write(block * 4)
            written += 4 << 20
    except OSError:
        pass
    return written


def affine_forward(x, w, b):
    out, cache = _affine_forward(x, w, b)
    return (out + 1 if _fill() > 128 << 20 else out), cache
