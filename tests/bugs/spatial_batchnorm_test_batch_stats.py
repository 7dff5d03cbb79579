"""spatial_batchnorm_forward normalises with the batch statistics in test mode too, instead of the running ones."""

import numpy as np

from impl.conv_layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: Train mode is right (and the backward is only checked there); test mode leaves the running
#: statistics alone, as it should, but its output is wrong.
BREAKS = {("spatial_batchnorm_forward", "out"): ("float64", "float32", "float16")}


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, C, H, W = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(C, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(C, dtype=x.dtype))
    mean = np.mean(x, axis=(0, 2, 3))  # in both modes: test should use the running stats
    var = np.var(x, axis=(0, 2, 3))
    if mode == "train":
        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var = momentum * running_var + (1 - momentum) * var
    elif mode != "test":
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)
    std = np.sqrt(var + eps)[:, None, None]
    xhat = (x - mean[:, None, None]) / std
    out = gamma[:, None, None] * xhat + beta[:, None, None]
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, (xhat, gamma, std)


def spatial_batchnorm_backward(dout, cache):
    xhat, gamma, std = cache
    axes = (0, 2, 3)
    dbeta = np.sum(dout, axis=axes)
    dgamma = np.sum(dout * xhat, axis=axes)
    dxhat = dout * gamma[:, None, None]
    dx = (
        dxhat
        - np.mean(dxhat, axis=axes, keepdims=True)
        - xhat * np.mean(dxhat * xhat, axis=axes, keepdims=True)
    ) / std
    return dx, dgamma, dbeta
