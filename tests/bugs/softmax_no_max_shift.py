"""softmax_loss exponentiates the raw logits without subtracting the row maximum, so large logits overflow."""

import numpy as np

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: Logits of scale 1000 overflow exp in every dtype (float64 past ~709): log(inf) makes the
#: log-probabilities -inf or nan, so the loss and dx are not finite.
BREAKS = {
    ("softmax_loss", "loss"): ("float64", "float32", "float16"),
    ("softmax_loss", "dx"): ("float64", "float32", "float16"),
    ("softmax_loss", "loss_edge"): ("float64", "float32", "float16"),
}


def softmax_loss(x, y):
    N = x.shape[0]
    Z = np.sum(np.exp(x), axis=1, keepdims=True)  # no x - x.max(axis=1, keepdims=True)
    log_probs = x - np.log(Z)
    probs = np.exp(log_probs)
    loss = -np.sum(log_probs[np.arange(N), y]) / N
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx
