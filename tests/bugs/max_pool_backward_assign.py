"""max_pool_backward_naive assigns (`=`) each window's gradient to its maximum instead of accumulating (`+=`), so overlapping windows that share a maximum keep only the last one."""

import numpy as np

from impl.conv_layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: Only overlapping windows (stride < pool size) can share a maximum; the tie check pools
#: side by side windows, so dx_ties passes.
BREAKS = {("max_pool_backward_naive", "dx"): ("float64", "float32", "float16")}


def max_pool_backward_naive(dout, cache):
    x_shape, argmax, width, stride = cache
    n, c, out_h, out_w = dout.shape
    batch, channels = np.arange(n)[:, None], np.arange(c)
    dx = np.zeros(x_shape, dtype=dout.dtype)
    for i in range(out_h):
        for j in range(out_w):
            rows = i * stride + argmax[:, :, i, j] // width
            cols = j * stride + argmax[:, :, i, j] % width
            dx[batch, channels, rows, cols] = dout[:, :, i, j]  # should be +=
    return dx
