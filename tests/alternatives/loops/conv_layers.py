"""A correct, loop-based implementation of the convolutional layers, written unlike impl/
(explicit loops over samples, filters and output pixels, staged backward passes for the
norms); used to show the tolerance does not fail honest code."""

import numpy as np


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


def _normalise_block(block, eps):
    """The forward graph of one normalisation group (any shape): statistics over every
    element, biased variance. Returns (xhat, xmu, ivar, sqrtvar, mu, var)."""
    mu = np.mean(block)  # float16 is summed in float32 by np.mean, then rounded back
    xmu = block - mu
    sq = xmu * xmu
    var = np.mean(sq)  # biased variance
    sqrtvar = np.sqrt(var + eps)
    ivar = 1 / sqrtvar
    xhat = xmu * ivar
    return xhat, xmu, ivar, sqrtvar, mu, var


def _normalise_block_backward(dxhat, xmu, ivar, sqrtvar):
    """Walks the graph of _normalise_block back node by node, for one group:
    xhat = xmu * ivar, ivar = 1 / sqrtvar, sqrtvar = sqrt(var + eps), var = mean(sq),
    sq = xmu ** 2, xmu = x - mu, mu = mean(x). Returns dx of the block's shape."""
    M = xmu.size
    # xhat = xmu * ivar: two branches, into xmu and into ivar.
    divar = np.sum(dxhat * xmu)
    dxmu1 = dxhat * ivar
    # ivar = 1 / sqrtvar  (divide twice rather than by sqrtvar ** 2, which may be subnormal)
    dsqrtvar = -divar / sqrtvar / sqrtvar
    # sqrtvar = sqrt(var + eps)
    dvar = 0.5 * dsqrtvar / sqrtvar
    # var = (1 / M) * sum of sq, sq = xmu ** 2
    dsq = dvar / M
    dxmu2 = 2 * xmu * dsq
    # xmu = x - mu: x receives both branches directly, mu their negated sum.
    dx1 = dxmu1 + dxmu2
    dmu = -np.sum(dx1)
    # mu = (1 / M) * sum of x
    dx2 = dmu / M
    return dx1 + dx2


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Computes the forward pass for spatial batch normalization.

    Inputs:
    - x: Input data of shape (N, C, H, W)
    - gamma: Scale parameter, of shape (C,)
    - beta: Shift parameter, of shape (C,)
    - bn_param: Dictionary with the following keys:
      - mode: 'train' or 'test'; required
      - eps: Constant for numeric stability
      - momentum: Constant for running mean / variance. momentum=0 means that
        old information is discarded completely at every time step, while
        momentum=1 means that new information is never incorporated.
      - running_mean: Array of shape (C,) giving running mean of features
      - running_var Array of shape (C,) giving running variance of features

    Every channel is normalised on its own, over the N * H * W values it holds. In train
    mode the updated running statistics are stored back in bn_param.

    Returns a tuple of:
    - out: Output data, of shape (N, C, H, W)
    - cache: Values needed for the backward pass
    """
    mode = bn_param["mode"]
    eps = float(bn_param.get("eps", 1e-5))
    momentum = float(bn_param.get("momentum", 0.9))
    N, C, H, W = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(C, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(C, dtype=x.dtype))
    running_mean = np.reshape(running_mean, C)
    running_var = np.reshape(running_var, C)
    gamma_c = np.reshape(gamma, C)
    beta_c = np.reshape(beta, C)

    out = np.zeros(x.shape, dtype=x.dtype)
    xhat = np.zeros(x.shape, dtype=x.dtype)
    xmu = np.zeros(x.shape, dtype=x.dtype)
    ivar = np.zeros(C, dtype=x.dtype)
    sqrtvar = np.zeros(C, dtype=x.dtype)

    if mode == "train":
        new_running_mean = np.zeros(C, dtype=x.dtype)
        new_running_var = np.zeros(C, dtype=x.dtype)
        for c in range(C):
            channel = x[:, c, :, :]
            stats = _normalise_block(channel, eps)
            xhat[:, c], xmu[:, c], ivar[c], sqrtvar[c], mu, var = stats
            new_running_mean[c] = momentum * running_mean[c] + (1 - momentum) * mu
            new_running_var[c] = momentum * running_var[c] + (1 - momentum) * var
        bn_param["running_mean"] = new_running_mean
        bn_param["running_var"] = new_running_var
    elif mode == "test":
        for c in range(C):
            xmu[:, c] = x[:, c, :, :] - running_mean[c]
            sqrtvar[c] = np.sqrt(running_var[c] + eps)
            ivar[c] = 1 / sqrtvar[c]
            xhat[:, c] = xmu[:, c] * ivar[c]
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)

    for c in range(C):
        out[:, c] = gamma_c[c] * xhat[:, c] + beta_c[c]
    cache = (mode, xhat, xmu, ivar, sqrtvar, gamma, beta)
    return out, cache


def spatial_batchnorm_backward(dout, cache):
    """Computes the backward pass for spatial batch normalization, channel by channel,
    walking the computation graph of the forward pass back.

    Inputs:
    - dout: Upstream derivatives, of shape (N, C, H, W)
    - cache: Values from the forward pass

    Returns a tuple of:
    - dx: Gradient with respect to inputs, of shape (N, C, H, W)
    - dgamma: Gradient with respect to scale parameter, of shape (C,)
    - dbeta: Gradient with respect to shift parameter, of shape (C,)
    """
    mode, xhat, xmu, ivar, sqrtvar, gamma, beta = cache
    N, C, H, W = dout.shape
    gamma_c = np.reshape(gamma, C)

    dx = np.zeros(dout.shape, dtype=dout.dtype)
    dgamma = np.zeros(C, dtype=dout.dtype)
    dbeta = np.zeros(C, dtype=dout.dtype)
    for c in range(C):
        # out = gamma * xhat + beta
        dbeta[c] = np.sum(dout[:, c])
        dgamma[c] = np.sum(dout[:, c] * xhat[:, c])
        dxhat = dout[:, c] * gamma_c[c]
        if mode == "test":
            # The running statistics are constants: only xhat = (x - mean) * ivar remains.
            dx[:, c] = dxhat * ivar[c]
        else:
            dx[:, c] = _normalise_block_backward(dxhat, xmu[:, c], ivar[c], sqrtvar[c])
    return dx, np.reshape(dgamma, np.shape(gamma)), np.reshape(dbeta, np.shape(beta))


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    """Computes the forward pass for spatial group normalization.

    In contrast to layer normalization, group normalization splits each entry in the data
    into G contiguous pieces, which it then normalizes independently. Per-feature shifting
    and scaling are then applied to the data, in a manner identical to that of batch
    normalization and layer normalization.

    Inputs:
    - x: Input data of shape (N, C, H, W)
    - gamma: Scale parameter, of shape (1, C, 1, 1)
    - beta: Shift parameter, of shape (1, C, 1, 1)
    - G: Integer number of groups to split into, should be a divisor of C
    - gn_param: Dictionary with the following keys:
      - eps: Constant for numeric stability

    Returns a tuple of:
    - out: Output data, of shape (N, C, H, W)
    - cache: Values needed for the backward pass
    """
    eps = float(gn_param.get("eps", 1e-5))
    N, C, H, W = x.shape
    G = int(G)
    group_size = C // G
    gamma_c = np.reshape(gamma, C)
    beta_c = np.reshape(beta, C)

    out = np.zeros(x.shape, dtype=x.dtype)
    xhat = np.zeros(x.shape, dtype=x.dtype)
    xmu = np.zeros(x.shape, dtype=x.dtype)
    ivar = np.zeros((N, G), dtype=x.dtype)
    sqrtvar = np.zeros((N, G), dtype=x.dtype)
    for n in range(N):
        for g in range(G):
            first, last = g * group_size, (g + 1) * group_size
            block = x[n, first:last, :, :]
            stats = _normalise_block(block, eps)
            xhat[n, first:last], xmu[n, first:last], ivar[n, g], sqrtvar[n, g], _, _ = stats
        for c in range(C):
            out[n, c] = gamma_c[c] * xhat[n, c] + beta_c[c]
    cache = (G, xhat, xmu, ivar, sqrtvar, gamma, beta)
    return out, cache


def spatial_groupnorm_backward(dout, cache):
    """Computes the backward pass for spatial group normalization, one (sample, group)
    block at a time, walking the computation graph of the forward pass back.

    Inputs:
    - dout: Upstream derivatives, of shape (N, C, H, W)
    - cache: Values from the forward pass

    Returns a tuple of:
    - dx: Gradient with respect to inputs, of shape (N, C, H, W)
    - dgamma: Gradient with respect to scale parameter, of shape (1, C, 1, 1)
    - dbeta: Gradient with respect to shift parameter, of shape (1, C, 1, 1)
    """
    G, xhat, xmu, ivar, sqrtvar, gamma, beta = cache
    N, C, H, W = dout.shape
    group_size = C // G
    gamma_c = np.reshape(gamma, C)

    dgamma = np.zeros(C, dtype=dout.dtype)
    dbeta = np.zeros(C, dtype=dout.dtype)
    dxhat = np.zeros(dout.shape, dtype=dout.dtype)
    for c in range(C):
        # out = gamma * xhat + beta, gamma and beta shared by every sample and pixel.
        dbeta[c] = np.sum(dout[:, c])
        dgamma[c] = np.sum(dout[:, c] * xhat[:, c])
        dxhat[:, c] = dout[:, c] * gamma_c[c]

    dx = np.zeros(dout.shape, dtype=dout.dtype)
    for n in range(N):
        for g in range(G):
            first, last = g * group_size, (g + 1) * group_size
            dx[n, first:last] = _normalise_block_backward(
                dxhat[n, first:last], xmu[n, first:last], ivar[n, g], sqrtvar[n, g]
            )
    return dx, np.reshape(dgamma, np.shape(gamma)), np.reshape(dbeta, np.shape(beta))
