"""batchnorm_backward treats the batch mean and variance as constants: dx = dout * gamma / std."""

import numpy as np

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
BREAKS = {("batchnorm_backward", "dx"): ("float64", "float32", "float16")}


def batchnorm_backward(dout, cache):
    xhat, gamma, std = cache
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dx = dout * gamma / std  # missing the paths through the mean and the variance
    return dx, dgamma, dbeta
