"""batchnorm_forward defaults momentum to 0.45 instead of the documented 0.9."""

import numpy as np

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: Only training cases drawn without "momentum" meet it: the running statistics move more than
#: twice as far towards the batch's, in every dtype; out and the backwards are right.
_ALL = ("float64", "float32", "float16")
BREAKS = {("batchnorm_forward", "running_mean"): _ALL, ("batchnorm_forward", "running_var"): _ALL}


def batchnorm_forward(x, gamma, beta, bn_param):
    """x (N, D), gamma/beta (D,). Train: normalise with the batch mean and biased
    variance, update ``running = momentum * running + (1 - momentum) * batch`` and write
    the new arrays back into bn_param. Test: normalise with the running statistics."""
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.45)
    zeros = np.zeros(x.shape[1], dtype=x.dtype)
    running_mean = bn_param.get("running_mean", zeros)
    running_var = bn_param.get("running_var", zeros)
    if mode == "train":
        mean = x.mean(axis=0)
        var = np.square(x - mean).mean(axis=0)
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mean
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
    elif mode == "test":
        mean, var = running_mean, running_var
    else:
        raise ValueError(f"invalid batchnorm mode {mode!r}")
    std = np.sqrt(var + eps)
    xhat = (x - mean) / std
    return gamma * xhat + beta, (xhat, gamma, std)
