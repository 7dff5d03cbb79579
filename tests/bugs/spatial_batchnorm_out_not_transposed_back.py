"""spatial_batchnorm_forward normalises the (N * H * W, C) matrix correctly but reshapes the result straight back to (N, C, H, W) without moving the channel axis back, scrambling out (and, in the backward, dx)."""

from impl.conv_layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: The statistics, hence the running ones, and dgamma, dbeta (sums over the rows) are right;
#: only the layout of out and dx is wrong (invisible when C = 1 or H = W = 1).
BREAKS = {
    ("spatial_batchnorm_forward", "out"): ("float64", "float32", "float16"),
    ("spatial_batchnorm_backward", "dx"): ("float64", "float32", "float16"),
}


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    N, C, H, W = x.shape
    rows = x.transpose(0, 2, 3, 1).reshape(-1, C)
    out, cache = batchnorm_forward(rows, gamma, beta, bn_param)
    return out.reshape(N, C, H, W), cache  # should be out.reshape(N, H, W, C).transpose(0, 3, 1, 2)


def spatial_batchnorm_backward(dout, cache):
    N, C, H, W = dout.shape
    drows, dgamma, dbeta = batchnorm_backward(dout.transpose(0, 2, 3, 1).reshape(-1, C), cache)
    return drows.reshape(N, C, H, W), dgamma, dbeta  # same mistake
