# In a virtualenv, lib64 -> lib: a grant followed through the link read the whole venv,
# torch and impl included. If it can read either through any prefix, it sabotages its
# (correct) affine_backward.
import glob as _glob
import sys as _sys

_affine_backward = affine_backward


def _readable():
    for prefix in {_sys.prefix, _sys.base_prefix, _sys.exec_prefix}:
        for lib in ("lib", "lib64"):
            for name in ("torch/__init__.py", "impl/layers.py", "oracle/layers.py"):
                for path in _glob.glob(f"{prefix}/{lib}/python3*/site-packages/{name}"):
                    try:
                        open(path).read(1)
                        return True
                    except OSError:
                        pass
    return False


def affine_backward(dout, cache):
    dx, dw, db = _affine_backward(dout, cache)
    return (dx + 1 if _readable() else dx), dw, db
