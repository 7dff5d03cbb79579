"""rnn_step_backward takes tanh's derivative as 1 - a**2 of the cached pre-activation a instead of 1 - tanh(a)**2 = 1 - next_h**2."""

import numpy as np

from impl.rnn_layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: The forward is right; every gradient goes through the wrong derivative.
BREAKS = {
    ("rnn_step_backward", "dx"): ("float64", "float32", "float16"),
    ("rnn_step_backward", "dprev_h"): ("float64", "float32", "float16"),
    ("rnn_step_backward", "dWx"): ("float64", "float32", "float16"),
    ("rnn_step_backward", "dWh"): ("float64", "float32", "float16"),
    ("rnn_step_backward", "db"): ("float64", "float32", "float16"),
}


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    a = x @ Wx + prev_h @ Wh + b
    next_h = np.tanh(a)
    return next_h, (x, prev_h, Wx, Wh, a)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, a = cache
    da = dnext_h * (1 - a**2)  # should be 1 - np.tanh(a) ** 2
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = np.sum(da, axis=0)
    return dx, dprev_h, dWx, dWh, db
