# Other students' children run beside it, each with a scratch folder under the same /tmp.
# If it can list its scratch's parent folder, it sabotages its (correct) affine_forward.
import os as _os

_affine_forward = affine_forward


def _listed():
    try:
        return any(n.startswith("layercheck-") for n in _os.listdir(_os.path.dirname(_os.getcwd())))
    except OSError:
        return False


def affine_forward(x, w, b):
    out, cache = _affine_forward(x, w, b)
    return (out + 1 if _listed() else out), cache
