# Raises its own limits back (address space, CPU, open files, file size). If any goes up,
# it sabotages its (correct) affine_forward.
import resource as _resource

_affine_forward = affine_forward


def _raised():
    for kind in (_resource.RLIMIT_AS, _resource.RLIMIT_CPU, _resource.RLIMIT_NOFILE, _resource.RLIMIT_FSIZE):
        soft, hard = _resource.getrlimit(kind)
        try:
            _resource.setrlimit(kind, (_resource.RLIM_INFINITY, _resource.RLIM_INFINITY))
            return True
        except (ValueError, OSError):
            pass
    return False


def affine_forward(x, w, b):
    out, cache = _affine_forward(x, w, b)
    return (out + 1 if _raised() else out), cache
