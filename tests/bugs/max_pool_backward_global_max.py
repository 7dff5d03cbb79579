"""max_pool_backward_naive builds each window's mask with `np.max(window)` over the whole (N, C) block, so only the entries equal to the largest value of all samples and channels get a gradient."""

import numpy as np

from impl.conv_layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: The forward is right; with ties the windows whose maximum is below the block's lose
#: their gradient, so dx_ties fails too (invisible when N = C = 1).
BREAKS = {
    ("max_pool_backward_naive", "dx"): ("float64", "float32", "float16"),
    ("max_pool_backward_naive", "dx_ties"): ("float64", "float32", "float16"),
}


def max_pool_forward_naive(x, pool_param):
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    out_h = 1 + (H - ph) // stride
    out_w = 1 + (W - pw) // stride
    out = np.zeros((N, C, out_h, out_w), dtype=x.dtype)
    for i in range(out_h):
        for j in range(out_w):
            window = x[:, :, i * stride : i * stride + ph, j * stride : j * stride + pw]
            out[:, :, i, j] = np.max(window, axis=(2, 3))
    return out, (x, pool_param)


def max_pool_backward_naive(dout, cache):
    x, pool_param = cache
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    _, _, out_h, out_w = dout.shape
    dx = np.zeros_like(x)
    for i in range(out_h):
        for j in range(out_w):
            window = x[:, :, i * stride : i * stride + ph, j * stride : j * stride + pw]
            mask = window == np.max(window)  # should be np.max(window, axis=(2, 3), keepdims=True)
            dx[:, :, i * stride : i * stride + ph, j * stride : j * stride + pw] += (
                mask * dout[:, :, i, j][:, :, None, None]
            )
    return dx
