"""softmax_loss subtracts the maximum of the whole batch (np.max(x)) instead of each row's maximum."""

import numpy as np

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: Right for N = 1; with logits of scale 1000 a row whose maximum lies far below the batch's
#: underflows to all zeros: log(0) = -inf, so its log-probabilities are +inf.
BREAKS = {
    ("softmax_loss", "loss"): ("float64", "float32", "float16"),
    ("softmax_loss", "dx"): ("float64", "float32", "float16"),
    ("softmax_loss", "loss_edge"): ("float64", "float32", "float16"),
}


def softmax_loss(x, y):
    N = x.shape[0]
    shifted = x - np.max(x)  # should be np.max(x, axis=1, keepdims=True)
    Z = np.sum(np.exp(shifted), axis=1, keepdims=True)
    log_probs = shifted - np.log(Z)
    probs = np.exp(log_probs)
    loss = -np.sum(log_probs[np.arange(N), y]) / N
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx
