"""conv_backward_naive averages the upstream gradient over the batch and positions for db instead of summing it."""

import numpy as np

from impl.conv_layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
BREAKS = {("conv_backward_naive", "db"): ("float64", "float32", "float16")}


def conv_backward_naive(dout, cache):
    windows, w, x_shape, stride, pad = cache
    _, _, out_h, out_w = dout.shape
    dw = np.tensordot(dout, windows, axes=([0, 2, 3], [0, 2, 3]))
    dcols = np.tensordot(dout, w, axes=(1, 0)).transpose(0, 3, 1, 2, 4, 5)
    n, c, h, width = x_shape
    dpadded = np.zeros((n, c, h + 2 * pad, width + 2 * pad), dtype=dcols.dtype)
    for i in range(w.shape[2]):
        for j in range(w.shape[3]):
            rows = slice(i, i + stride * out_h, stride)
            cols = slice(j, j + stride * out_w, stride)
            dpadded[:, :, rows, cols] += dcols[..., i, j]
    dx = dpadded[:, :, pad : pad + h, pad : pad + width]
    db = np.mean(dout, axis=(0, 2, 3))  # should be np.sum
    return dx, dw, db
