"""temporal_affine_backward sums dout over the batch axis only for db (`dout.sum(axis=0)`, as in affine_backward), leaving a (T, M) array instead of summing over time too."""

import numpy as np

from impl.rnn_layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: db has shape (T, M), not (M,), even when T = 1.
BREAKS = {("temporal_affine_backward", "db"): ("float64", "float32", "float16")}


def temporal_affine_backward(dout, cache):
    x, w = cache
    N, T, D = x.shape
    M = w.shape[1]
    dx = dout @ w.T
    dw = x.reshape(N * T, D).T @ dout.reshape(N * T, M)
    db = np.sum(dout, axis=0)  # should be axis=(0, 1)
    return dx, dw, db
