"""lstm_step_forward and lstm_step_backward split the gate pre-activations in torch's order (i, f, g, o) instead of the course's (i, f, o, g)."""

import numpy as np

from impl.rnn_layers import *  # noqa: F403  (everything else correct)
from impl.rnn_layers import _sigmoid

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: g and o trade places, so next_c and next_h are wrong, and so is every gradient of the
#: (self-consistent) backward; impl's lstm_forward/backward keep their own step.
BREAKS = {
    ("lstm_step_forward", "next_h"): ("float64", "float32", "float16"),
    ("lstm_step_forward", "next_c"): ("float64", "float32", "float16"),
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
    g = np.tanh(a[:, 2 * H : 3 * H])  # torch's order: the course has o here and g last
    o = _sigmoid(a[:, 3 * H :])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, g, o, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, g, o, next_c = cache
    tanh_c = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tanh_c**2)
    di = dc * g * i * (1 - i)
    df = dc * prev_c * f * (1 - f)
    dg = dc * i * (1 - g**2)
    do = dnext_h * tanh_c * o * (1 - o)
    da = np.hstack([di, df, dg, do])  # same order as the forward
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dprev_c = dc * f
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = np.sum(da, axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db
