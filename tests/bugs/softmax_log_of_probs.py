"""softmax_loss shifts by the row maximum but takes np.log of the probabilities, which underflow to 0 for large logits."""

import numpy as np

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: With logits of scale 1000 a label far below its row's maximum has probability exp(-hundreds),
#: 0 in every dtype: the loss is inf where the truth is finite. dx only needs the probabilities
#: themselves, which are right. Only a label whose probability underflows the dtype shows it:
#: the edge tier (the courses' own starter code computes the loss this way).
BREAKS = {("softmax_loss", "loss_edge"): ("float64", "float32", "float16")}


def softmax_loss(x, y):
    N = x.shape[0]
    shifted = x - np.max(x, axis=1, keepdims=True)
    exp_scores = np.exp(shifted)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[np.arange(N), y])) / N  # log(0) = -inf
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx
