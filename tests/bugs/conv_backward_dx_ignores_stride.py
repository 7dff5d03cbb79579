"""conv_backward_naive scatters each output's gradient back to the window at (i, j) instead of (i * stride, j * stride)."""

import numpy as np

from impl.conv_layers import *  # noqa: F403  (everything else correct)
from impl.conv_layers import _by_channel

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: Invisible at stride 1; dw and db come from the cached windows, which are right.
BREAKS = {("conv_backward_naive", "dx"): ("float64", "float32", "float16")}


def conv_backward_naive(dout, cache):
    windows, w, x_shape, stride, pad = cache
    _, _, out_h, out_w = dout.shape
    _, _, HH, WW = w.shape
    dw = np.tensordot(dout, windows, axes=([0, 2, 3], [0, 2, 3]))
    n, c, h, width = x_shape
    dpadded = np.zeros((n, c, h + 2 * pad, width + 2 * pad), dtype=dout.dtype)
    for i in range(out_h):
        for j in range(out_w):
            # should be dpadded[:, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
            dpadded[:, :, i : i + HH, j : j + WW] += np.tensordot(dout[:, :, i, j], w, axes=(1, 0))
    dx = dpadded[:, :, pad : pad + h, pad : pad + width]
    return dx, dw, _by_channel(dout).sum(axis=1)
