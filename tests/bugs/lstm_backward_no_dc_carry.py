"""lstm_backward carries the hidden-state gradient back in time but discards each step's dprev_c, so every step starts from a zero cell-state gradient."""

import numpy as np

from impl.rnn_layers import *  # noqa: F403  (everything else correct)
from impl.rnn_layers import _lstm_gates_backward, _sum

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: Every gradient misses the paths through later cell states (invisible when T = 1); dh0 too,
#: since the first step's gate gradients lack them.
BREAKS = {
    ("lstm_backward", "dx"): ("float64", "float32", "float16"),
    ("lstm_backward", "dh0"): ("float64", "float32", "float16"),
    ("lstm_backward", "dWx"): ("float64", "float32", "float16"),
    ("lstm_backward", "dWh"): ("float64", "float32", "float16"),
    ("lstm_backward", "db"): ("float64", "float32", "float16"),
}


def lstm_backward(dh, cache):
    x, h0, Wx, Wh, h, steps = cache
    n, count, hidden = h.shape
    das = [None] * count
    dprev_h = np.zeros_like(dh[:, 0])
    dnext_c = np.zeros_like(dh[:, 0])
    for t in reversed(range(count)):
        das[t], _ = _lstm_gates_backward(dh[:, t] + dprev_h, dnext_c, steps[t])  # dprev_c dropped
        dprev_h = das[t] @ Wh.T
    da = np.stack(das, axis=1)
    prev_h = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    dWx = x.reshape(n * count, -1).T @ da.reshape(n * count, 4 * hidden)
    dWh = prev_h.reshape(n * count, hidden).T @ da.reshape(n * count, 4 * hidden)
    return da @ Wx.T, dprev_h, dWx, dWh, _sum(da, (0, 1))
