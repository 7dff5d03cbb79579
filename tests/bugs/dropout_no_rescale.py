"""dropout_forward zeroes dropped units but forgets the 1 / p rescale of the survivors (not inverted dropout)."""

import numpy as np

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: The backward multiplies by the cached unscaled mask, so dx lacks the 1 / p as well.
BREAKS = {
    ("dropout_forward", "out"): ("float64", "float32", "float16"),
    ("dropout_backward", "dx"): ("float64", "float32", "float16"),
}


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = None
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p).astype(x.dtype)  # missing / p
        out = x * mask
    elif mode == "test":
        out = x
    return out, mask
