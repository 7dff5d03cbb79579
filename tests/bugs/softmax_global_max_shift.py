"""softmax_loss subtracts the maximum of the whole batch (np.max(x)) instead of each row's maximum."""

from impl.layers import *  # noqa: F403  (everything else correct)
import numpy as np

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: A row whose maximum lies far below the batch's (logits of scale 1000) underflows to all
#: zeros: 0 / 0 probabilities, log(0) in the loss.
BREAKS = {
    ("softmax_loss", "loss"): ("float64", "float32", "float16"),
    ("softmax_loss", "dx"): ("float64", "float32", "float16"),
}


def softmax_loss(x, y):
    N = x.shape[0]
    shifted = x - np.max(x)  # should be np.max(x, axis=1, keepdims=True)
    exp_scores = np.exp(shifted)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[np.arange(N), y])) / N
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx
