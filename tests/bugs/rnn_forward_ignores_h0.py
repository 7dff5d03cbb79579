"""rnn_forward starts the recurrence from zeros instead of the given initial hidden state h0."""

import numpy as np

from impl.rnn_layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: Every hidden state is wrong, and the (correct) backward works from them: all of its
#: gradients are wrong.
BREAKS = {
    ("rnn_forward", "h"): ("float64", "float32", "float16"),
    ("rnn_backward", "dx"): ("float64", "float32", "float16"),
    ("rnn_backward", "dh0"): ("float64", "float32", "float16"),
    ("rnn_backward", "dWx"): ("float64", "float32", "float16"),
    ("rnn_backward", "dWh"): ("float64", "float32", "float16"),
    ("rnn_backward", "db"): ("float64", "float32", "float16"),
}


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    prev_h = np.zeros_like(h0)  # should be h0
    for t in range(T):
        prev_h, _ = rnn_step_forward(x[:, t], prev_h, Wx, Wh, b)
        h[:, t] = prev_h
    return h, (x, h0, Wx, Wh, h)
