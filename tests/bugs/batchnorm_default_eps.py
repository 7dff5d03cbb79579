"""batchnorm_forward defaults eps to 1e-4 instead of the documented 1e-5
(bn_param without 'eps', as the course's notebooks call it)."""

import numpy as np

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: Only cases drawn without "eps" meet it: xhat and std off by about 45e-6 / var (relative),
#: beyond float64 and float32 tolerances, within float16's. The wrong xhat and std reach the
#: (correct) backwards through the cache; dbeta = sum(dout) does not use them.
_SEEN = ("float64", "float32")
BREAKS = {
    ("batchnorm_forward", "out"): _SEEN,
    ("batchnorm_backward", "dx"): _SEEN,
    ("batchnorm_backward", "dgamma"): _SEEN,
    ("batchnorm_backward_alt", "dx"): _SEEN,
    ("batchnorm_backward_alt", "dgamma"): _SEEN,
}


def batchnorm_forward(x, gamma, beta, bn_param):
    """x (N, D), gamma/beta (D,). Train: normalise with the batch mean and biased
    variance, update ``running = momentum * running + (1 - momentum) * batch`` and write
    the new arrays back into bn_param. Test: normalise with the running statistics."""
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-4)
    momentum = bn_param.get("momentum", 0.9)
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
