# The batch's secret seed: with it, the plan's cases can be drawn offline and their answers
# memorised. If it can read the seed file, it sabotages its (correct) affine_backward.
_affine_backward = affine_backward


def _read():
    try:
        with open("@SEED@") as file:
            return bool(file.read())
    except OSError:
        return False


def affine_backward(dout, cache):
    dx, dw, db = _affine_backward(dout, cache)
    return (dx + 1 if _read() else dx), dw, db
