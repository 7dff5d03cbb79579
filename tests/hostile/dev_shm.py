# /dev/shm is a tmpfs shared by the machine, outside the scratch cap, and it outlives the
# process. If it can create a file there, it sabotages its (correct) affine_forward.
import os as _os

_affine_forward = affine_forward


def _wrote():
    try:
        fd = _os.open("/dev/shm/layercheck-hoard", _os.O_CREAT | _os.O_WRONLY, 0o600)
    except OSError:
        return False
    _os.close(fd)
    return True


def affine_forward(x, w, b):
    out, cache = _affine_forward(x, w, b)
    return (out + 1 if _wrote() else out), cache
