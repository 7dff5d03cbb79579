"""temporal_softmax_loss never applies the mask: padding positions add to the loss and get a gradient."""

import numpy as np

from impl.rnn_layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: Invisible when every position is unmasked.
BREAKS = {
    ("temporal_softmax_loss", "loss"): ("float64", "float32", "float16"),
    ("temporal_softmax_loss", "dx"): ("float64", "float32", "float16"),
    ("temporal_softmax_loss", "loss_edge"): ("float64", "float32", "float16"),
}


def temporal_softmax_loss(x, y, mask, verbose=False):
    N = x.shape[0]
    shifted = x - np.max(x, axis=2, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=2, keepdims=True))
    target = np.arange(x.shape[2]) == y[..., None]
    loss = -np.sum(log_probs[target]) / N  # should be log_probs[target & mask[..., None]]
    dx = (np.exp(log_probs) - target) / N  # and zero where mask is False
    if verbose:
        print("dx:", dx.shape)
    return loss, dx
