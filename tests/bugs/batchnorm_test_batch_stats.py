"""batchnorm_forward computes the batch statistics before the mode switch and normalises with them in test mode too."""

import numpy as np

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: Backward is only checked on train-mode cases, where this forward is right.
BREAKS = {("batchnorm_forward", "out"): ("float64", "float32", "float16")}


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    sample_mean = np.mean(x, axis=0)
    sample_var = np.var(x, axis=0)
    if mode == "train":
        running_mean = momentum * running_mean + (1 - momentum) * sample_mean
        running_var = momentum * running_var + (1 - momentum) * sample_var
    elif mode == "test":
        pass  # meant to use running_mean / running_var here
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)
    std = np.sqrt(sample_var + eps)
    xhat = (x - sample_mean) / std
    out = gamma * xhat + beta
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, (xhat, gamma, std)
