"""spatial_batchnorm_forward reshapes x straight to (N * H * W, C) with `x.reshape(-1, C)`, without moving the channel axis last first, so each column mixes channels and positions."""

from impl.conv_layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: Every statistic and gradient is taken over the wrong groups of entries (invisible only when
#: C = 1 or H = W = 1); the backward reshapes dout the same way.
BREAKS = {
    ("spatial_batchnorm_forward", "out"): ("float64", "float32", "float16"),
    ("spatial_batchnorm_forward", "running_mean"): ("float64", "float32", "float16"),
    ("spatial_batchnorm_forward", "running_var"): ("float64", "float32", "float16"),
    ("spatial_batchnorm_backward", "dx"): ("float64", "float32", "float16"),
    ("spatial_batchnorm_backward", "dgamma"): ("float64", "float32", "float16"),
    ("spatial_batchnorm_backward", "dbeta"): ("float64", "float32", "float16"),
}


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    N, C, H, W = x.shape
    rows = x.reshape(-1, C)  # should be x.transpose(0, 2, 3, 1).reshape(-1, C)
    out, cache = batchnorm_forward(rows, gamma, beta, bn_param)
    return out.reshape(N, C, H, W), cache


def spatial_batchnorm_backward(dout, cache):
    N, C, H, W = dout.shape
    drows, dgamma, dbeta = batchnorm_backward(dout.reshape(-1, C), cache)
    return drows.reshape(N, C, H, W), dgamma, dbeta
