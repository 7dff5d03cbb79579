"""batchnorm_forward uses torch's momentum convention: running = (1 - momentum) * running + momentum * batch."""

import numpy as np

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: Invisible at momentum 0.5 only; the cases also draw 0.9 and 0.99.
BREAKS = {
    ("batchnorm_forward", "running_mean"): ("float64", "float32", "float16"),
    ("batchnorm_forward", "running_var"): ("float64", "float32", "float16"),
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
        std = np.sqrt(sample_var + eps)
        xhat = (x - sample_mean) / std
        out = gamma * xhat + beta
        running_mean = (1 - momentum) * running_mean + momentum * sample_mean
        running_var = (1 - momentum) * running_var + momentum * sample_var
    elif mode == "test":
        std = np.sqrt(running_var + eps)
        xhat = (x - running_mean) / std
        out = gamma * xhat + beta
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, (xhat, gamma, std)
