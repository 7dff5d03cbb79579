"""temporal_softmax_loss exponentiates the raw logits without subtracting each position's maximum, so large logits overflow."""

import numpy as np

from impl.rnn_layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: Logits of scale 1000 overflow exp in every dtype (float16 already past about 11): the
#: log-probabilities become -inf or nan, so the loss and dx are not finite.
#: In float32 the loss overflows only on logits whose labels underflow too (the edge tier).
BREAKS = {
    ("temporal_softmax_loss", "loss"): ("float64", "float16"),
    ("temporal_softmax_loss", "dx"): ("float64", "float32", "float16"),
    ("temporal_softmax_loss", "loss_edge"): ("float64", "float32", "float16"),
}


def temporal_softmax_loss(x, y, mask, verbose=False):
    N = x.shape[0]
    log_probs = x - np.log(np.sum(np.exp(x), axis=2, keepdims=True))  # no x - x.max(axis=2)
    target = np.arange(x.shape[2]) == y[..., None]
    loss = -np.sum(log_probs[target & mask[..., None]]) / N
    dx = np.where(mask[..., None], np.exp(log_probs) - target, 0) / N
    if verbose:
        print("dx:", dx.shape)
    return loss, dx
