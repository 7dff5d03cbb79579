"""rnn_backward accumulates dWh from the step's own hidden state h_t instead of the previous one h_{t-1} (h0 at the first step)."""

import numpy as np

from impl.rnn_layers import *  # noqa: F403  (everything else correct)
from impl.rnn_layers import _sum

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
BREAKS = {("rnn_backward", "dWh"): ("float64", "float32", "float16")}


def rnn_backward(dh, cache):
    x, h0, Wx, Wh, h = cache
    n, steps, hidden = h.shape
    das = [None] * steps
    dprev_h = np.zeros_like(dh[:, 0])
    for t in reversed(range(steps)):
        das[t] = (dh[:, t] + dprev_h) * (1 - np.square(h[:, t]))
        dprev_h = das[t] @ Wh.T
    da = np.stack(das, axis=1)
    prev_h = h  # off by one: should be np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    dWx = x.reshape(n * steps, -1).T @ da.reshape(n * steps, hidden)
    dWh = prev_h.reshape(n * steps, hidden).T @ da.reshape(n * steps, hidden)
    return da @ Wx.T, dprev_h, dWx, dWh, _sum(da, (0, 1))
