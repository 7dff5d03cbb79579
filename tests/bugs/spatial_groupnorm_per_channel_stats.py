"""spatial_groupnorm_forward reshapes x to (N, G, C // G, H, W) but takes the statistics over (H, W) alone, normalising each channel on its own (instance norm) instead of each group."""

import numpy as np

from impl.conv_layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: The backward reduces over the same axes: dx and dgamma (through xhat) are wrong, dbeta is
#: not. Invisible when each group is one channel (G = C).
BREAKS = {
    ("spatial_groupnorm_forward", "out"): ("float64", "float32", "float16"),
    ("spatial_groupnorm_backward", "dx"): ("float64", "float32", "float16"),
    ("spatial_groupnorm_backward", "dgamma"): ("float64", "float32", "float16"),
    # The cases drawn since eps may be absent include a float16 edge-tier one (a spread
    # whose (var + eps) ** -1.5 overflows float16): the wrong formula fails there too.
    ("spatial_groupnorm_backward", "dx_edge"): ("float16",),
}


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    eps = gn_param.get("eps", 1e-5)
    N, C, H, W = x.shape
    groups = x.reshape(N, G, C // G, H, W)
    mean = np.mean(groups, axis=(3, 4), keepdims=True)  # should be axis=(2, 3, 4)
    var = np.var(groups, axis=(3, 4), keepdims=True)
    std = np.sqrt(var + eps)
    xhat = ((groups - mean) / std).reshape(N, C, H, W)
    out = gamma * xhat + beta
    return out, (xhat, gamma, std, G)


def spatial_groupnorm_backward(dout, cache):
    xhat, gamma, std, G = cache
    N, C, H, W = dout.shape
    dbeta = np.sum(dout, axis=(0, 2, 3), keepdims=True)
    dgamma = np.sum(dout * xhat, axis=(0, 2, 3), keepdims=True)
    dxhat = (dout * gamma).reshape(N, G, C // G, H, W)
    xhat = xhat.reshape(N, G, C // G, H, W)
    axes = (3, 4)
    dx = (
        dxhat
        - np.mean(dxhat, axis=axes, keepdims=True)
        - xhat * np.mean(dxhat * xhat, axis=axes, keepdims=True)
    ) / std
    return dx.reshape(N, C, H, W), dgamma, dbeta
