# A block device node in scratch (CAP_MKNOD) opens the machine's disk: if it can make one,
# it sabotages its (correct) relu_forward so that the test sees it.
import os as _os
import stat as _stat

_relu_forward = relu_forward


def relu_forward(x):
    try:
        _os.mknod("disk", _stat.S_IFBLK | 0o600, _os.makedev(8, 0))
        made = True
    except OSError:
        made = False
    out, cache = _relu_forward(x)
    return (out - 1 if made else out), cache
