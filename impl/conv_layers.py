"""Reference NumPy layers: convolution, max pooling, spatial batch and group normalisation.

Conventions are those of ``docs/LAYER_API.md`` (profile ``cs231n``). Every function is
vectorised (im2col through strided window views, reductions through ``tensordot``), keeps the
floating dtype of its inputs and never modifies its arguments.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from impl.layers import _normalise_backward, batchnorm_backward, batchnorm_forward


def _by_channel(x):
    """(N, C, H, W) -> contiguous (C, N * H * W): reductions along axis 1 are then pairwise."""
    return x.transpose(1, 0, 2, 3).reshape(x.shape[1], -1)


def _windows(x, height, width, stride):
    """Read-only view (N, C, H', W', height, width) of the windows of x at the given stride."""
    return sliding_window_view(x, (height, width), axis=(2, 3))[:, :, ::stride, ::stride]


def conv_forward_naive(x, w, b, conv_param):
    """x (N, C, H, W), w (F, C, HH, WW), b (F,) -> out (N, F, H', W'), the cross-correlation
    of x zero-padded by ``pad`` on every side, H' = 1 + (H + 2 pad - HH) // stride."""
    stride, pad = conv_param["stride"], conv_param["pad"]
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = _windows(padded, w.shape[2], w.shape[3], stride)
    out = np.tensordot(windows, w, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)
    return out + b[:, None, None], (windows, w, x.shape, stride, pad)


def conv_backward_naive(dout, cache):
    """dout (N, F, H', W') -> dx (N, C, H, W), dw (F, C, HH, WW), db (F,); input positions
    that no window covers get a zero gradient."""
    windows, w, x_shape, stride, pad = cache
    _, _, out_h, out_w = dout.shape
    dw = np.tensordot(dout, windows, axes=([0, 2, 3], [0, 2, 3]))
    dcols = np.tensordot(dout, w, axes=(1, 0)).transpose(0, 3, 1, 2, 4, 5)
    n, c, h, width = x_shape
    dpadded = np.zeros((n, c, h + 2 * pad, width + 2 * pad), dtype=dcols.dtype)
    for i in range(w.shape[2]):
        for j in range(w.shape[3]):
            rows = slice(i, i + stride * out_h, stride)
            cols = slice(j, j + stride * out_w, stride)
            dpadded[:, :, rows, cols] += dcols[..., i, j]
    dx = dpadded[:, :, pad : pad + h, pad : pad + width]
    return dx, dw, _by_channel(dout).sum(axis=1)


def max_pool_forward_naive(x, pool_param):
    """x (N, C, H, W) -> out (N, C, H', W'), the maximum of each pool_height x pool_width
    window at the given stride, no padding, H' = 1 + (H - pool_height) // stride."""
    height, width = pool_param["pool_height"], pool_param["pool_width"]
    stride = pool_param["stride"]
    windows = _windows(x, height, width, stride)
    flat = windows.reshape(*windows.shape[:4], height * width)
    argmax = flat.argmax(axis=4)
    out = np.take_along_axis(flat, argmax[..., None], axis=4)[..., 0]
    return out, (x.shape, argmax, width, stride)


def max_pool_backward_naive(dout, cache):
    """dout (N, C, H', W') -> dx (N, C, H, W). Each window's gradient goes to its first
    maximum in row-major order; overlapping windows accumulate."""
    x_shape, argmax, width, stride = cache
    n, c, out_h, out_w = dout.shape
    rows = stride * np.arange(out_h)[:, None] + argmax // width
    cols = stride * np.arange(out_w) + argmax % width
    batch = np.arange(n)[:, None, None, None]
    channels = np.arange(c)[:, None, None]
    dx = np.zeros(x_shape, dtype=dout.dtype)
    np.add.at(dx, (batch, channels, rows, cols), dout)
    return dx


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """x (N, C, H, W), gamma/beta (C,): ``batchnorm_forward`` on the (N * H * W, C) matrix,
    so per-channel statistics over (N, H, W) and running stats (C,) in bn_param. The matrix
    is Fortran-ordered so that its column reductions are pairwise."""
    out, cache = batchnorm_forward(_by_channel(x).T, gamma, beta, bn_param)
    return out.T.reshape(x.shape[1], x.shape[0], *x.shape[2:]).transpose(1, 0, 2, 3), cache


def spatial_batchnorm_backward(dout, cache):
    """dout (N, C, H, W) -> dx (N, C, H, W), dgamma (C,), dbeta (C,), for a train-mode forward."""
    n, c, h, w = dout.shape
    drows, dgamma, dbeta = batchnorm_backward(_by_channel(dout).T, cache)
    return drows.T.reshape(c, n, h, w).transpose(1, 0, 2, 3), dgamma, dbeta


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    """x (N, C, H, W), gamma/beta (1, C, 1, 1); statistics per sample and group of C / G
    contiguous channels over (C / G, H, W), biased variance, ``gn_param['eps']`` (default
    1e-5); identical in train and test."""
    groups = x.reshape(x.shape[0], G, -1)
    mean = groups.mean(axis=2, keepdims=True)
    std = np.sqrt(np.square(groups - mean).mean(axis=2, keepdims=True) + gn_param.get("eps", 1e-5))
    xhat = ((groups - mean) / std).reshape(x.shape)
    return gamma * xhat + beta, (xhat, gamma, std)


def spatial_groupnorm_backward(dout, cache):
    """dout (N, C, H, W) -> dx (N, C, H, W), dgamma (1, C, 1, 1), dbeta (1, C, 1, 1)."""
    xhat, gamma, std = cache
    n, groups = std.shape[:2]
    dxhat = (dout * gamma).reshape(n, groups, -1)
    dx = _normalise_backward(dxhat, xhat.reshape(n, groups, -1), std, 2).reshape(dout.shape)
    dgamma = _by_channel(dout * xhat).sum(axis=1).reshape(gamma.shape)
    return dx, dgamma, _by_channel(dout).sum(axis=1).reshape(gamma.shape)
