"""temporal_softmax_loss divides the loss and dx by the number of unmasked tokens (torch's ignore_index averaging) instead of by N."""

import numpy as np

from impl.rnn_layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: Invisible only when exactly N positions are unmasked; with every position masked it is
#: 0 / 0.
BREAKS = {
    ("temporal_softmax_loss", "loss"): ("float64", "float32", "float16"),
    ("temporal_softmax_loss", "dx"): ("float64", "float32", "float16"),
    ("temporal_softmax_loss", "loss_edge"): ("float64", "float32", "float16"),
}


def temporal_softmax_loss(x, y, mask, verbose=False):
    tokens = np.sum(mask)  # the unmasked tokens: should be N = x.shape[0]
    shifted = x - np.max(x, axis=2, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=2, keepdims=True))
    target = np.arange(x.shape[2]) == y[..., None]
    loss = -np.sum(log_probs[target & mask[..., None]]) / tokens
    dx = np.where(mask[..., None], np.exp(log_probs) - target, 0)
    dx /= tokens
    if verbose:
        print("dx:", dx.shape)
    return loss, dx
