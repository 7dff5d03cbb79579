"""spatial_groupnorm_forward groups the channels with `x.reshape(N, C // G, G, H, W)`, so group g holds the strided channels g, g + G, ... instead of C / G contiguous ones."""

import numpy as np

from impl.conv_layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: The backward uses the same groups: dx and dgamma (through xhat) are wrong, dbeta is not.
#: Invisible when G = 1 or G = C.
BREAKS = {
    ("spatial_groupnorm_forward", "out"): ("float64", "float32", "float16"),
    ("spatial_groupnorm_backward", "dx"): ("float64", "float32", "float16"),
    ("spatial_groupnorm_backward", "dgamma"): ("float64", "float32", "float16"),
}


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    eps = gn_param.get("eps", 1e-5)
    N, C, H, W = x.shape
    groups = x.reshape(N, C // G, G, H, W)  # should be x.reshape(N, G, C // G, H, W)
    mean = np.mean(groups, axis=(1, 3, 4), keepdims=True)
    var = np.var(groups, axis=(1, 3, 4), keepdims=True)
    std = np.sqrt(var + eps)
    xhat = ((groups - mean) / std).reshape(N, C, H, W)
    out = gamma * xhat + beta
    return out, (xhat, gamma, std, G)


def spatial_groupnorm_backward(dout, cache):
    xhat, gamma, std, G = cache
    N, C, H, W = dout.shape
    dbeta = np.sum(dout, axis=(0, 2, 3), keepdims=True)
    dgamma = np.sum(dout * xhat, axis=(0, 2, 3), keepdims=True)
    dxhat = (dout * gamma).reshape(N, C // G, G, H, W)
    xhat = xhat.reshape(N, C // G, G, H, W)
    axes = (1, 3, 4)
    dx = (
        dxhat
        - np.mean(dxhat, axis=axes, keepdims=True)
        - xhat * np.mean(dxhat * xhat, axis=axes, keepdims=True)
    ) / std
    return dx.reshape(N, C, H, W), dgamma, dbeta
