"""layernorm_forward, copied from batchnorm, still takes the statistics over the batch axis (axis=0)."""

import numpy as np

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: The wrong xhat and std reach the (correct) backward through the cache: dx and dgamma are
#: wrong too, dbeta = sum(dout) is not.
BREAKS = {
    ("layernorm_forward", "out"): ("float64", "float32", "float16"),
    ("layernorm_backward", "dx"): ("float64", "float32", "float16"),
    ("layernorm_backward", "dgamma"): ("float64", "float32", "float16"),
}


def layernorm_forward(x, gamma, beta, ln_param):
    eps = ln_param.get("eps", 1e-5)
    mean = np.mean(x, axis=0, keepdims=True)  # should be axis=1: per sample
    var = np.var(x, axis=0, keepdims=True)
    std = np.sqrt(var + eps)
    xhat = (x - mean) / std
    out = gamma * xhat + beta
    return out, (xhat, gamma, std)
