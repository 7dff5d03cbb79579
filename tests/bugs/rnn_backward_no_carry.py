"""rnn_backward backpropagates each step from its own upstream gradient dh[:, t] alone, dropping the hidden-state gradient carried back from step t + 1."""

import numpy as np

from impl.rnn_layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: Every gradient misses the paths through later steps (invisible when T = 1); dh0 too, since
#: the first step's gradient lacks them.
BREAKS = {
    ("rnn_backward", "dx"): ("float64", "float32", "float16"),
    ("rnn_backward", "dh0"): ("float64", "float32", "float16"),
    ("rnn_backward", "dWx"): ("float64", "float32", "float16"),
    ("rnn_backward", "dWh"): ("float64", "float32", "float16"),
    ("rnn_backward", "db"): ("float64", "float32", "float16"),
}


def rnn_backward(dh, cache):
    x, h0, Wx, Wh, h = cache
    N, T, H = h.shape
    dx = np.zeros_like(x)
    dWx = np.zeros_like(Wx)
    dWh = np.zeros_like(Wh)
    db = np.zeros(H, dtype=dh.dtype)
    dprev_h = np.zeros_like(h0)
    for t in reversed(range(T)):
        prev_h = h[:, t - 1] if t > 0 else h0
        da = dh[:, t] * (1 - h[:, t] ** 2)  # should be (dh[:, t] + dprev_h) * ...
        dx[:, t] = da @ Wx.T
        dprev_h = da @ Wh.T
        dWx += x[:, t].T @ da
        dWh += prev_h.T @ da
        db += np.sum(da, axis=0)
    return dx, dprev_h, dWx, dWh, db
