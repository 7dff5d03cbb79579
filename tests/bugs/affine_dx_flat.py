"""affine_backward returns dx as the flattened (N, D) matrix and never reshapes it back to x's shape."""

import numpy as np

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
BREAKS = {("affine_backward", "dx"): ("float64", "float32", "float16")}


def affine_backward(dout, cache):
    x, w = cache
    dx = dout.dot(w.T)  # (N, D): forgot .reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db
