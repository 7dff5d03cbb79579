"""affine_backward averages the upstream gradient over the batch for db instead of summing it."""

import numpy as np

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
BREAKS = {("affine_backward", "db"): ("float64", "float32", "float16")}


def affine_backward(dout, cache):
    x, w = cache
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T.dot(dout)
    db = np.mean(dout, axis=0)  # should be np.sum
    return dx, dw, db
