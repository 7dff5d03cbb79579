"""svm_loss forgets to zero the correct class's margin, so every row adds a spurious 1 to the loss."""

import numpy as np

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: dx stays right: the spurious margin is the constant 1, and the starter's
#: `dx[margins > 0] = 1; dx[rows, y] -= num_pos` gives the correct class 1 - (count + 1).
BREAKS = {("svm_loss", "loss"): ("float64", "float32", "float16")}


def svm_loss(x, y):
    N = x.shape[0]
    correct_class_scores = x[np.arange(N), y]
    margins = np.maximum(0, x - correct_class_scores[:, np.newaxis] + 1.0)
    # missing: margins[np.arange(N), y] = 0
    loss = np.sum(margins) / N
    num_pos = np.sum(margins > 0, axis=1)
    dx = np.zeros_like(x)
    dx[margins > 0] = 1
    dx[np.arange(N), y] -= num_pos
    dx /= N
    return loss, dx
