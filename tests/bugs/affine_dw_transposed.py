"""affine_backward computes dw as dout.T @ x, which is (M, D), the transpose of w's (D, M)."""

import numpy as np

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
BREAKS = {("affine_backward", "dw"): ("float64", "float32", "float16")}


def affine_backward(dout, cache):
    x, w = cache
    x_rows = x.reshape(x.shape[0], -1)
    dx = dout.dot(w.T).reshape(x.shape)
    dw = dout.T.dot(x_rows)  # torch's Linear layout (M, D), not w's (D, M)
    db = np.sum(dout, axis=0)
    return dx, dw, db
