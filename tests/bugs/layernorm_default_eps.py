"""layernorm_forward defaults eps to 1e-4 instead of the documented 1e-5."""

import numpy as np

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: Only cases drawn without "eps" meet it (float16's tolerance covers the difference).
_SEEN = ("float64", "float32")
BREAKS = {
    ("layernorm_forward", "out"): _SEEN,
    ("layernorm_backward", "dx"): _SEEN,
    ("layernorm_backward", "dgamma"): _SEEN,
}


def layernorm_forward(x, gamma, beta, ln_param):
    """x (N, D), gamma/beta (D,); statistics per row over D, biased variance,
    ``ln_param['eps']`` (default 1e-5); identical in train and test."""
    mean = x.mean(axis=1, keepdims=True)
    std = np.sqrt(np.square(x - mean).mean(axis=1, keepdims=True) + ln_param.get("eps", 1e-4))
    xhat = (x - mean) / std
    return gamma * xhat + beta, (xhat, gamma, std)
