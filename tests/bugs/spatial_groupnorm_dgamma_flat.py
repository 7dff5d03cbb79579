"""spatial_groupnorm_backward returns dgamma and dbeta shaped (C,), as batchnorm's are, instead of gamma's shape (1, C, 1, 1)."""

import numpy as np

from impl.conv_layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: The values are right, the shapes are not.
BREAKS = {
    ("spatial_groupnorm_backward", "dgamma"): ("float64", "float32", "float16"),
    ("spatial_groupnorm_backward", "dbeta"): ("float64", "float32", "float16"),
}


def spatial_groupnorm_backward(dout, cache):
    xhat, gamma, std = cache
    N, C, H, W = dout.shape
    G = std.shape[1]
    dxhat = (dout * gamma).reshape(N, G, -1)
    xhat_g = xhat.reshape(N, G, -1)
    dx = (
        dxhat
        - np.mean(dxhat, axis=2, keepdims=True)
        - xhat_g * np.mean(dxhat * xhat_g, axis=2, keepdims=True)
    ) / std
    dgamma = np.sum(dout * xhat, axis=(0, 2, 3))  # (C,): should keepdims=True, like gamma
    dbeta = np.sum(dout, axis=(0, 2, 3))
    return dx.reshape(N, C, H, W), dgamma, dbeta
