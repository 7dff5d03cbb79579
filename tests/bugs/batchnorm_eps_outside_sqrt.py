"""batchnorm_forward divides by np.sqrt(var) + eps instead of np.sqrt(var + eps)."""

import numpy as np

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: xhat and std are off by about eps / std (relative), which the cases make visible with
#: eps = 1e-3 and scale 0.1. The wrong xhat and std reach the (correct) backwards through
#: the cache: dx and dgamma = sum(dout * xhat) are wrong too; dbeta = sum(dout) is not. In
#: float16 the error is within a few roundings: once seen on a few of 60 cases, it is met by
#: none of 30 since eps and momentum may also be absent (a larger domain).
_SEEN = ("float64", "float32")
BREAKS = {
    ("batchnorm_forward", "out"): _SEEN,
    ("batchnorm_backward", "dx"): _SEEN,
    ("batchnorm_backward", "dgamma"): _SEEN,
    ("batchnorm_backward_alt", "dx"): _SEEN,
    ("batchnorm_backward_alt", "dgamma"): _SEEN,
}


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    if mode == "train":
        sample_mean = np.mean(x, axis=0)
        sample_var = np.var(x, axis=0)
        std = np.sqrt(sample_var) + eps  # eps belongs under the root
        xhat = (x - sample_mean) / std
        out = gamma * xhat + beta
        running_mean = momentum * running_mean + (1 - momentum) * sample_mean
        running_var = momentum * running_var + (1 - momentum) * sample_var
    elif mode == "test":
        std = np.sqrt(running_var) + eps
        xhat = (x - running_mean) / std
        out = gamma * xhat + beta
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, (xhat, gamma, std)
