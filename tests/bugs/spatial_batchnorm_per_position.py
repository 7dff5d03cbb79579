"""spatial_batchnorm_forward normalises each (c, h, w) position over the batch alone (axis=0) instead of each channel over (N, H, W), averaging the per-position statistics into the running ones."""

import numpy as np

from impl.conv_layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: The mean of the per-position means is the channel mean, so running_mean is right; the mean
#: of the per-position variances misses the spread between positions, so running_var is not.
#: The backward is consistent with the per-position statistics: dx and dgamma (through xhat)
#: are wrong, dbeta = sum(dout) is not. Test mode uses the running statistics and is right.
BREAKS = {
    ("spatial_batchnorm_forward", "out"): ("float64", "float32", "float16"),
    ("spatial_batchnorm_forward", "running_var"): ("float64", "float32", "float16"),
    ("spatial_batchnorm_backward", "dx"): ("float64", "float32", "float16"),
    ("spatial_batchnorm_backward", "dgamma"): ("float64", "float32", "float16"),
}


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, C, H, W = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(C, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(C, dtype=x.dtype))
    if mode == "train":
        mean = np.mean(x, axis=0)  # (C, H, W): should be np.mean(x, axis=(0, 2, 3))
        var = np.var(x, axis=0)
        running_mean = momentum * running_mean + (1 - momentum) * np.mean(mean, axis=(1, 2))
        running_var = momentum * running_var + (1 - momentum) * np.mean(var, axis=(1, 2))
    elif mode == "test":
        mean = running_mean[:, None, None]
        var = running_var[:, None, None]
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)
    std = np.sqrt(var + eps)
    xhat = (x - mean) / std
    out = gamma[:, None, None] * xhat + beta[:, None, None]
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, (xhat, gamma, std)


def spatial_batchnorm_backward(dout, cache):
    xhat, gamma, std = cache
    dbeta = np.sum(dout, axis=(0, 2, 3))
    dgamma = np.sum(dout * xhat, axis=(0, 2, 3))
    dxhat = dout * gamma[:, None, None]
    dx = (
        dxhat - np.mean(dxhat, axis=0) - xhat * np.mean(dxhat * xhat, axis=0)
    ) / std  # per position, like the forward
    return dx, dgamma, dbeta
