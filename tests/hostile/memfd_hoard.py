# memfd holds memory that RLIMIT_AS does not count (3 GB once): if it can make one, it
# sabotages its (correct) relu_forward so that the test sees it.
import os as _os

_relu_forward = relu_forward


def relu_forward(x):
    try:
        _os.close(_os.memfd_create("hoard"))
        made = True
    except OSError:
        made = False
    out, cache = _relu_forward(x)
    return (out + 1 if made else out), cache
