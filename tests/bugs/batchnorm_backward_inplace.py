"""batchnorm_backward recentres the cached input with `x -= mean`, overwriting the caller's x."""

import numpy as np

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: The forward caches x itself (not a copy); every returned value is right.
BREAKS = {("batchnorm_backward", "arguments_unchanged"): ("float64", "float32", "float16")}


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    if mode == "train":
        mean = np.mean(x, axis=0)
        var = np.var(x, axis=0)
        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var = momentum * running_var + (1 - momentum) * var
    elif mode == "test":
        mean, var = running_mean, running_var
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)
    out = gamma * (x - mean) / np.sqrt(var + eps) + beta
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, (x, mean, var, gamma, eps)


def batchnorm_backward(dout, cache):
    x, mean, var, gamma, eps = cache
    N = x.shape[0]
    x -= mean  # in place: this is the caller's array
    std = np.sqrt(var + eps)
    xhat = x / std
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    dx = (dxhat - np.sum(dxhat, axis=0) / N - xhat * np.sum(dxhat * xhat, axis=0) / N) / std
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    x, mean, var, gamma, eps = cache
    N = x.shape[0]
    std = np.sqrt(var + eps)
    xhat = (x - mean) / std
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    dx = (N * dxhat - np.sum(dxhat, axis=0) - xhat * np.sum(dxhat * xhat, axis=0)) / (N * std)
    return dx, dgamma, dbeta
