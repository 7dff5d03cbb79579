"""svm_loss follows torch's MultiMarginLoss and divides the loss and gradient by N * C instead of N."""

import numpy as np

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
BREAKS = {
    ("svm_loss", "loss"): ("float64", "float32", "float16"),
    ("svm_loss", "dx"): ("float64", "float32", "float16"),
}


def svm_loss(x, y):
    N, C = x.shape
    correct_class_scores = x[np.arange(N), y]
    margins = np.maximum(0, x - correct_class_scores[:, np.newaxis] + 1.0)
    margins[np.arange(N), y] = 0
    loss = np.sum(margins) / (N * C)  # MultiMarginLoss: mean over classes too
    num_pos = np.sum(margins > 0, axis=1)
    dx = np.zeros_like(x)
    dx[margins > 0] = 1
    dx[np.arange(N), y] -= num_pos
    dx /= N * C
    return loss, dx
