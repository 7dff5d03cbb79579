"""batchnorm_backward_alt sums dout for dgamma, forgetting to multiply by xhat (a copy of dbeta)."""

import numpy as np

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
BREAKS = {("batchnorm_backward_alt", "dgamma"): ("float64", "float32", "float16")}


def batchnorm_backward_alt(dout, cache):
    xhat, gamma, std = cache
    N = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout, axis=0)  # should be np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    dx = (N * dxhat - np.sum(dxhat, axis=0) - xhat * np.sum(dxhat * xhat, axis=0)) / (N * std)
    return dx, dgamma, dbeta
