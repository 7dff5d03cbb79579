"""spatial_groupnorm_backward backpropagates dout itself into xhat, forgetting the factor gamma (dxhat = dout instead of dout * gamma)."""

import numpy as np

from impl.conv_layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: The cases drawn since eps may be absent include a float16 edge-tier one (a spread whose
#: (var + eps) ** -1.5 overflows float16): the wrong formula fails there too.
BREAKS = {
    ("spatial_groupnorm_backward", "dx"): ("float64", "float32", "float16"),
    ("spatial_groupnorm_backward", "dx_edge"): ("float16",),
}


def spatial_groupnorm_backward(dout, cache):
    xhat, gamma, std = cache
    N, C, H, W = dout.shape
    G = std.shape[1]
    dbeta = np.sum(dout, axis=(0, 2, 3), keepdims=True)
    dgamma = np.sum(dout * xhat, axis=(0, 2, 3), keepdims=True)
    dxhat = dout.reshape(N, G, -1)  # should be (dout * gamma).reshape(N, G, -1)
    xhat_g = xhat.reshape(N, G, -1)
    dx = (
        dxhat
        - np.mean(dxhat, axis=2, keepdims=True)
        - xhat_g * np.mean(dxhat * xhat_g, axis=2, keepdims=True)
    ) / std
    return dx.reshape(N, C, H, W), dgamma, dbeta
