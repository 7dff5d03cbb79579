"""dropout_forward draws and applies the mask in test mode as well as in train mode."""

import numpy as np

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: The test-mode cache holds a mask too, so the test-mode backward is not dout.
BREAKS = {
    ("dropout_forward", "test_identity"): ("float64", "float32", "float16"),
    ("dropout_backward", "dx"): ("float64", "float32", "float16"),
}


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = (np.random.rand(*x.shape) < p).astype(x.dtype) / x.dtype.type(p)
    if mode == "train":
        out = x * mask
    elif mode == "test":
        out = x * mask  # should be x
    return out, mask
