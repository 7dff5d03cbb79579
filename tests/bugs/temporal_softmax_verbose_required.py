"""temporal_softmax_loss takes verbose without a default: the course's captioning model calls
temporal_softmax_loss(scores, captions_out, mask), and then it raises a TypeError."""

import numpy as np

from impl.rnn_layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: Without verbose the call raises, so every check of the loss is an error there.
_ALL = ("float64", "float32", "float16")
BREAKS = {
    ("temporal_softmax_loss", quantity): _ALL
    for quantity in ("loss", "dx", "arguments_unchanged", "dtype_preserved")
}
VERDICT = "error"


def temporal_softmax_loss(x, y, mask, verbose):
    n = x.shape[0]
    shifted = x - x.max(axis=2, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))
    target = np.arange(x.shape[2]) == y[..., None]
    loss = (-log_probs[target & mask[..., None]]).sum() / n
    dx = np.where(mask[..., None], np.exp(log_probs) - target, 0) / n
    if verbose:
        print("dx:", dx.shape)
    return loss, dx
