"""conv_backward_naive sizes its padded gradient buffer h + (2 + pad) instead of h + 2 * pad: the
two agree at pad = 2, and at pad <= 2 the slice back out of it still has the right shape; at
pad = 3 the buffer is too small and the accumulation raises."""

import numpy as np

from impl.conv_layers import *  # noqa: F403  (everything else correct)
from impl.conv_layers import _by_channel

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: Right for every pad up to 2; at pad = 3 the accumulation raises (a broadcasting error), so
#: every check of the backward is an error there, in every dtype.
_ALL = ("float64", "float32", "float16")
BREAKS = {
    ("conv_backward_naive", quantity): _ALL
    for quantity in ("dx", "dw", "db", "arguments_unchanged", "dtype_preserved")
}
VERDICT = "error"


def conv_backward_naive(dout, cache):
    windows, w, x_shape, stride, pad = cache
    _, _, out_h, out_w = dout.shape
    dw = np.tensordot(dout, windows, axes=([0, 2, 3], [0, 2, 3]))
    dcols = np.tensordot(dout, w, axes=(1, 0)).transpose(0, 3, 1, 2, 4, 5)
    n, c, h, width = x_shape
    dpadded = np.zeros((n, c, h + (2 + pad), width + (2 + pad)), dtype=dcols.dtype)
    for i in range(w.shape[2]):
        for j in range(w.shape[3]):
            rows = slice(i, i + stride * out_h, stride)
            cols = slice(j, j + stride * out_w, stride)
            dpadded[:, :, rows, cols] += dcols[..., i, j]
    dx = dpadded[:, :, pad : pad + h, pad : pad + width]
    return dx, dw, _by_channel(dout).sum(axis=1)
