"""max_pool_backward_naive allocates dx with `np.zeros(x_shape)`, which is float64 whatever the input's dtype."""

import numpy as np

from impl.conv_layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: The values are right (the gradients are only copied and added); only the dtype is wrong,
#: which float64 cannot show.
BREAKS = {("max_pool_backward_naive", "dtype_preserved"): ("float32", "float16")}


def max_pool_backward_naive(dout, cache):
    x_shape, argmax, width, stride = cache
    n, c, out_h, out_w = dout.shape
    rows = stride * np.arange(out_h)[:, None] + argmax // width
    cols = stride * np.arange(out_w) + argmax % width
    batch = np.arange(n)[:, None, None, None]
    channels = np.arange(c)[:, None, None]
    dx = np.zeros(x_shape)  # float64: should be np.zeros(x_shape, dtype=dout.dtype)
    np.add.at(dx, (batch, channels, rows, cols), dout)
    return dx
