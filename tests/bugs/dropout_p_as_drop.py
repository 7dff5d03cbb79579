"""dropout_forward treats p as the drop probability (the 2017 convention): keeps with 1 - p, scales by 1 / (1 - p)."""

import numpy as np

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: Survivors are x / (1 - p) instead of x / p, and the backward multiplies by the same
#: cached mask, so dx is wrong too (invisible only at p = 0.5).
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
        mask = ((np.random.rand(*x.shape) >= p) / (1 - p)).astype(x.dtype)  # p as drop probability
        out = x * mask
    elif mode == "test":
        out = x
    return out, mask
