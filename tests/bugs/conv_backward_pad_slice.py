"""conv_backward_naive unpads dx with the slice `[pad:-pad]`, which is empty when pad == 0."""

import numpy as np

from impl.conv_layers import *  # noqa: F403  (everything else correct)
from impl.conv_layers import _by_channel

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: With pad == 0 the slice 0:-0 selects nothing, so dx has shape (N, C, 0, 0); pad > 0 is right.
BREAKS = {("conv_backward_naive", "dx"): ("float64", "float32", "float16")}


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
    dx = dpadded[:, :, pad:-pad, pad:-pad]  # empty when pad == 0: should be pad:pad + h
    return dx, dw, _by_channel(dout).sum(axis=1)
