"""dropout_backward multiplies dout by the cached boolean mask but forgets the 1 / p the forward applied."""

import numpy as np

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: The forward is right (it scales its output by 1 / p itself and caches the raw mask).
BREAKS = {("dropout_backward", "dx"): ("float64", "float32", "float16")}


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = None
    if mode == "train":
        mask = np.random.rand(*x.shape) < p
        out = x * mask / x.dtype.type(p)
    elif mode == "test":
        out = x.copy()
    return out, (dropout_param, mask)


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        dx = dout * mask  # missing / p
    else:
        dx = dout
    return dx
