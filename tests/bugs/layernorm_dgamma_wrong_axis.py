"""layernorm_backward sums dout * xhat over the feature axis (axis=1) for dgamma, since layer norm is "per row"."""

import numpy as np

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
BREAKS = {("layernorm_backward", "dgamma"): ("float64", "float32", "float16")}


def layernorm_backward(dout, cache):
    xhat, gamma, std = cache
    D = dout.shape[1]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=1)  # should be axis=0: gamma is per feature
    dxhat = dout * gamma
    dx = (
        D * dxhat
        - np.sum(dxhat, axis=1, keepdims=True)
        - xhat * np.sum(dxhat * xhat, axis=1, keepdims=True)
    ) / (D * std)
    return dx, dgamma, dbeta
