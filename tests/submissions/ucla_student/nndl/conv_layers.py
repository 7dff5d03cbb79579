import numpy as np
from nndl.layers import *
import pdb


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, cache):
    dx = dout.copy()
    dx[cache <= 0] = 0
    return dx


def conv_forward_naive(x, w, b, conv_param):
    """A naive implementation of the forward pass for a convolutional layer.

    The input consists of N data points, each with C channels, height H and width W. We
    convolve each input with F different filters, where each filter spans all C channels and
    has height HH and width WW (cross-correlation, as torch's conv2d).

    Input:
    - x: Input data of shape (N, C, H, W)
    - w: Filter weights of shape (F, C, HH, WW)
    - b: Biases, of shape (F,)
    - conv_param: A dictionary with the following keys:
      - 'stride': The number of pixels between adjacent receptive fields in the
        horizontal and vertical directions.
      - 'pad': The number of pixels that will be used to zero-pad the input.

    Returns a tuple of:
    - out: Output data, of shape (N, F, H', W') where H' and W' are given by
      H' = 1 + (H + 2 * pad - HH) / stride
      W' = 1 + (W + 2 * pad - WW) / stride
    - cache: (x, w, b, conv_param)
    """
    stride = int(conv_param["stride"])
    pad = int(conv_param["pad"])
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride

    # Zero-pad into a fresh array (works for pad == 0 too; x itself is never written).
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=x.dtype)
    x_pad[:, :, pad : pad + H, pad : pad + W] = x

    out = np.zeros((N, F, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                top = i * stride
                for j in range(W_out):
                    left = j * stride
                    window = x_pad[n, :, top : top + HH, left : left + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    """A naive implementation of the backward pass for a convolutional layer.

    Inputs:
    - dout: Upstream derivatives, of shape (N, F, H', W')
    - cache: A tuple of (x, w, b, conv_param) as in conv_forward_naive

    Returns a tuple of:
    - dx: Gradient with respect to x, of shape (N, C, H, W)
    - dw: Gradient with respect to w, of shape (F, C, HH, WW)
    - db: Gradient with respect to b, of shape (F,)
    """
    x, w, b, conv_param = cache
    stride = int(conv_param["stride"])
    pad = int(conv_param["pad"])
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape

    # A padded copy of x: the cached x stays untouched.
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=x.dtype)
    x_pad[:, :, pad : pad + H, pad : pad + W] = x

    dx_pad = np.zeros(x_pad.shape, dtype=dout.dtype)
    dw = np.zeros(w.shape, dtype=dout.dtype)
    db = np.zeros(b.shape, dtype=dout.dtype)
    for f in range(F):
        # out[n, f, i, j] = sum(window * w[f]) + b[f]: b[f] is added to every output pixel.
        db[f] = np.sum(dout[:, f])
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                top = i * stride
                for j in range(W_out):
                    left = j * stride
                    g = dout[n, f, i, j]
                    window = x_pad[n, :, top : top + HH, left : left + WW]
                    dw[f] += g * window
                    # Windows overlap when stride < filter size: accumulate.
                    dx_pad[n, :, top : top + HH, left : left + WW] += g * w[f]
    # Drop the padding (an explicit slice of length H, so pad == 0 works).
    dx = dx_pad[:, :, pad : pad + H, pad : pad + W].copy()
    return dx, dw, db


def max_pool_forward_naive(x, pool_param):
    """A naive implementation of the forward pass for a max-pooling layer.

    Inputs:
    - x: Input data, of shape (N, C, H, W)
    - pool_param: dictionary with the following keys:
      - 'pool_height': The height of each pooling region
      - 'pool_width': The width of each pooling region
      - 'stride': The distance between adjacent pooling regions

    No padding is necessary here. Output size is given by
      H' = 1 + (H - pool_height) / stride
      W' = 1 + (W - pool_width) / stride

    Returns a tuple of:
    - out: Output data, of shape (N, C, H', W')
    - cache: (x, pool_param)
    """
    pool_height = int(pool_param["pool_height"])
    pool_width = int(pool_param["pool_width"])
    stride = int(pool_param["stride"])
    N, C, H, W = x.shape
    H_out = 1 + (H - pool_height) // stride
    W_out = 1 + (W - pool_width) // stride

    out = np.zeros((N, C, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                top = i * stride
                for j in range(W_out):
                    left = j * stride
                    window = x[n, c, top : top + pool_height, left : left + pool_width]
                    out[n, c, i, j] = np.max(window)
    cache = (x, pool_param)
    return out, cache


def max_pool_backward_naive(dout, cache):
    """A naive implementation of the backward pass for a max-pooling layer.

    Each window's upstream gradient goes to the position of its maximum (the first one on a
    tie); overlapping windows (stride < pool size) accumulate.

    Inputs:
    - dout: Upstream derivatives, of shape (N, C, H', W')
    - cache: A tuple of (x, pool_param) as in the forward pass.

    Returns:
    - dx: Gradient with respect to x, of shape (N, C, H, W)
    """
    x, pool_param = cache
    pool_height = int(pool_param["pool_height"])
    pool_width = int(pool_param["pool_width"])
    stride = int(pool_param["stride"])
    N, C, H, W = x.shape
    _, _, H_out, W_out = dout.shape

    dx = np.zeros(x.shape, dtype=dout.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                top = i * stride
                for j in range(W_out):
                    left = j * stride
                    window = x[n, c, top : top + pool_height, left : left + pool_width]
                    best = np.argmax(window)
                    row, col = np.unravel_index(best, window.shape)
                    dx[n, c, top + row, left + col] += dout[n, c, i, j]
    return dx
