"""dropout_forward never calls np.random.seed, so dropout_param['seed'] has no effect."""

import numpy as np

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
BREAKS = {("dropout_forward", "seed_reproducible"): ("float64", "float32", "float16")}


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    mask = None
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p).astype(x.dtype) / x.dtype.type(p)
        out = x * mask
    elif mode == "test":
        out = x.copy()
    return out, mask
