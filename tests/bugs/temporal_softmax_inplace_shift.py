"""temporal_softmax_loss subtracts the maximum with `x -= x.max(axis=2, keepdims=True)`, overwriting the caller's logits."""

import numpy as np

from impl.rnn_layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: The shift leaves the softmax unchanged: the loss and dx are right.
BREAKS = {("temporal_softmax_loss", "arguments_unchanged"): ("float64", "float32", "float16")}


def temporal_softmax_loss(x, y, mask, verbose=False):
    N = x.shape[0]
    x -= np.max(x, axis=2, keepdims=True)  # in place: this is the caller's x
    log_probs = x - np.log(np.sum(np.exp(x), axis=2, keepdims=True))
    target = np.arange(x.shape[2]) == y[..., None]
    loss = -np.sum(log_probs[target & mask[..., None]]) / N
    dx = np.where(mask[..., None], np.exp(log_probs) - target, 0) / N
    if verbose:
        print("dx:", dx.shape)
    return loss, dx
