"""lstm_step_backward returns dprev_c = dnext_c * f, leaving out the gradient that reaches the cell state from dnext_h through tanh(next_c)."""

import numpy as np

from impl.rnn_layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: The gate gradients use the full dc, so only dprev_c is wrong.
BREAKS = {("lstm_step_backward", "dprev_c"): ("float64", "float32", "float16")}


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, Wx, Wh, (i, f, o, g, tanh_c, prev_c) = cache
    dc = dnext_c + dnext_h * o * (1 - tanh_c**2)
    da = np.concatenate(
        [
            dc * g * i * (1 - i),
            dc * prev_c * f * (1 - f),
            dnext_h * tanh_c * o * (1 - o),
            dc * i * (1 - g**2),
        ],
        axis=1,
    )
    dprev_c = dnext_c * f  # should be dc * f
    return da @ Wx.T, da @ Wh.T, dprev_c, x.T @ da, prev_h.T @ da, np.sum(da, axis=0)
