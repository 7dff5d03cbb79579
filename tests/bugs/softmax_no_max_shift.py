"""softmax_loss exponentiates the raw logits without subtracting the row maximum, so large logits overflow."""

from impl.layers import *  # noqa: F403  (everything else correct)
import numpy as np

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: Logits of scale 1000 overflow exp in every dtype (float64 past ~709).
BREAKS = {
    ("softmax_loss", "loss"): ("float64", "float32", "float16"),
    ("softmax_loss", "dx"): ("float64", "float32", "float16"),
}


def softmax_loss(x, y):
    N = x.shape[0]
    exp_scores = np.exp(x)  # no x - x.max(axis=1, keepdims=True)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[np.arange(N), y])) / N
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx
