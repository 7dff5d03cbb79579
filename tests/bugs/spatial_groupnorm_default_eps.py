"""spatial_groupnorm_forward defaults eps to 1e-4 instead of the documented 1e-5
(gn_param = {}, as the course's notebook calls it)."""

import numpy as np

from impl.conv_layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: Only cases drawn without "eps" meet it (float16's tolerance covers the difference).
_SEEN = ("float64", "float32")
BREAKS = {
    ("spatial_groupnorm_forward", "out"): _SEEN,
    ("spatial_groupnorm_backward", "dx"): _SEEN,
    ("spatial_groupnorm_backward", "dgamma"): _SEEN,
}


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    """x (N, C, H, W), gamma/beta (1, C, 1, 1); statistics per sample and group of C / G
    contiguous channels over (C / G, H, W), biased variance, ``gn_param['eps']`` (default
    1e-5); identical in train and test."""
    groups = x.reshape(x.shape[0], G, -1)
    mean = groups.mean(axis=2, keepdims=True)
    std = np.sqrt(np.square(groups - mean).mean(axis=2, keepdims=True) + gn_param.get("eps", 1e-4))
    xhat = ((groups - mean) / std).reshape(x.shape)
    return gamma * xhat + beta, (xhat, gamma, std)
