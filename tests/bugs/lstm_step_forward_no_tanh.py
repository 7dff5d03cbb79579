"""lstm_step_forward computes next_h = o * next_c, forgetting the tanh of the cell state; the backward differentiates that formula."""

import numpy as np

from impl.rnn_layers import *  # noqa: F403  (everything else correct)
from impl.rnn_layers import _sigmoid

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: next_c is right; next_h and every gradient (dc and do lack tanh and its derivative) are not.
BREAKS = {
    ("lstm_step_forward", "next_h"): ("float64", "float32", "float16"),
    ("lstm_step_backward", "dx"): ("float64", "float32", "float16"),
    ("lstm_step_backward", "dprev_h"): ("float64", "float32", "float16"),
    ("lstm_step_backward", "dprev_c"): ("float64", "float32", "float16"),
    ("lstm_step_backward", "dWx"): ("float64", "float32", "float16"),
    ("lstm_step_backward", "dWh"): ("float64", "float32", "float16"),
    ("lstm_step_backward", "db"): ("float64", "float32", "float16"),
}


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i = _sigmoid(a[:, :H])
    f = _sigmoid(a[:, H : 2 * H])
    o = _sigmoid(a[:, 2 * H : 3 * H])
    g = np.tanh(a[:, 3 * H :])
    next_c = f * prev_c + i * g
    next_h = o * next_c  # should be o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    dc = dnext_c + dnext_h * o
    di = dc * g * i * (1 - i)
    df = dc * prev_c * f * (1 - f)
    do = dnext_h * next_c * o * (1 - o)
    dg = dc * i * (1 - g**2)
    da = np.hstack([di, df, do, dg])
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dprev_c = dc * f
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = np.sum(da, axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db
