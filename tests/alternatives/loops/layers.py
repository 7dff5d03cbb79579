"""A correct, loop-based implementation of the fully connected layers, written unlike impl/
(explicit loops, staged backward passes); used to show the tolerance does not fail honest code."""

import numpy as np


def affine_forward(x, w, b):
    """Computes out = x.reshape(N, D) @ w + b one sample and one output unit at a time.

    Inputs:
    - x: array of shape (N, d_1, ..., d_k)
    - w: weights of shape (D, M), D = d_1 * ... * d_k
    - b: biases of shape (M,)

    Returns a tuple of:
    - out: output of shape (N, M)
    - cache: (x, w, b)
    """
    N = x.shape[0]
    M = w.shape[1]
    x_rows = x.reshape(N, -1)  # a view; never written to
    out = np.zeros((N, M), dtype=x.dtype)
    for i in range(N):
        for j in range(M):
            out[i, j] = np.dot(x_rows[i], w[:, j]) + b[j]
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    """Backward pass of the affine layer.

    Inputs:
    - dout: upstream derivative of shape (N, M)
    - cache: (x, w, b) from affine_forward

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, d_1, ..., d_k)
    - dw: gradient with respect to w, of shape (D, M)
    - db: gradient with respect to b, of shape (M,)
    """
    x, w, b = cache
    N = x.shape[0]
    x_rows = x.reshape(N, -1)
    D = x_rows.shape[1]

    dx_rows = np.zeros((N, D), dtype=x.dtype)
    dw = np.zeros(w.shape, dtype=w.dtype)
    db = np.zeros(b.shape, dtype=b.dtype)
    for i in range(N):
        # out[i] = x[i] @ w + b, so each sample contributes separately.
        dx_rows[i] = np.dot(w, dout[i])
        for k in range(D):
            dw[k] += x_rows[i, k] * dout[i]
        db += dout[i]
    dx = dx_rows.reshape(x.shape)
    return dx, dw, db


def relu_forward(x):
    """out = max(0, x), computed sample by sample. Returns (out, cache = x)."""
    out = x.copy()
    for i in range(x.shape[0]):
        negative = x[i] < 0
        out[i][negative] = 0
    cache = x
    return out, cache


def relu_backward(dout, cache):
    """Routes dout through the units that were strictly positive (gradient 0 at x == 0)."""
    x = cache
    dx = np.zeros(dout.shape, dtype=dout.dtype)
    for i in range(x.shape[0]):
        active = x[i] > 0
        dx[i][active] = dout[i][active]
    return dx


def svm_loss(x, y):
    """Multiclass SVM (hinge) loss, margin 1, averaged over the N samples.

    Inputs:
    - x: scores of shape (N, C)
    - y: integer labels of shape (N,), 0 <= y[i] < C

    Returns (loss, dx) with dx of shape (N, C).
    """
    N, C = x.shape
    loss = x.dtype.type(0)
    dx = np.zeros((N, C), dtype=x.dtype)
    for i in range(N):
        correct_score = x[i, y[i]]
        for j in range(C):
            if j == y[i]:
                continue
            margin = x[i, j] - correct_score + 1
            if margin > 0:
                loss += margin
                dx[i, j] += 1
                dx[i, y[i]] -= 1
    loss = loss / N
    dx /= N
    return loss, dx


def softmax_loss(x, y):
    """Softmax (cross-entropy) loss averaged over the N samples, one row at a time.

    Each row is shifted by its maximum before exponentiating, so large logits cannot
    overflow. Returns (loss, dx) with dx of shape (N, C).
    """
    N, C = x.shape
    loss = x.dtype.type(0)
    dx = np.zeros((N, C), dtype=x.dtype)
    for i in range(N):
        shifted = x[i] - np.max(x[i])
        exp_scores = np.exp(shifted)
        total = np.sum(exp_scores)
        # -log softmax of the correct class, divided by N as we go so that the
        # running total stays in range even in float16.
        row_loss = np.log(total) - shifted[y[i]]
        loss += row_loss / N
        probs = exp_scores / total
        dx[i] = probs
        dx[i, y[i]] -= 1
    dx /= N
    return loss, dx


def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalisation of x (N, D), one feature (column) at a time.

    bn_param: 'mode' ('train' or 'test'), optional 'eps', 'momentum', 'running_mean',
    'running_var'. In train mode the batch mean and biased variance normalise the data and
    the running averages are updated and stored back in bn_param; in test mode the running
    averages are used instead.

    Returns (out, cache); the cache holds every intermediate of the computation graph.
    """
    mode = bn_param["mode"]
    eps = float(bn_param.get("eps", 1e-5))
    momentum = float(bn_param.get("momentum", 0.9))
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))

    if mode == "train":
        mu = np.zeros(D, dtype=x.dtype)
        var = np.zeros(D, dtype=x.dtype)
        for d in range(D):
            column = x[:, d]
            total = x.dtype.type(0)
            for i in range(N):
                total += column[i]
            mu[d] = total / N
            squares = x.dtype.type(0)
            for i in range(N):
                centred = column[i] - mu[d]
                squares += centred * centred
            var[d] = squares / N  # biased variance
        new_running_mean = np.zeros(D, dtype=x.dtype)
        new_running_var = np.zeros(D, dtype=x.dtype)
        for d in range(D):
            new_running_mean[d] = momentum * running_mean[d] + (1 - momentum) * mu[d]
            new_running_var[d] = momentum * running_var[d] + (1 - momentum) * var[d]
        bn_param["running_mean"] = new_running_mean
        bn_param["running_var"] = new_running_var
    elif mode == "test":
        mu = running_mean
        var = running_var
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)

    # The computation graph, step by step.
    xmu = x - mu  # (N, D)
    sqrtvar = np.sqrt(var + eps)  # (D,)
    ivar = 1 / sqrtvar  # (D,)
    xhat = xmu * ivar  # (N, D)
    out = np.zeros((N, D), dtype=x.dtype)
    for i in range(N):
        out[i] = gamma * xhat[i] + beta
    cache = (xhat, gamma, xmu, ivar, sqrtvar, var, eps)
    return out, cache


def batchnorm_backward(dout, cache):
    """Backward pass of batchnorm, walking the computation graph back node by node:
    out = gamma * xhat + beta, xhat = xmu * ivar, ivar = 1 / sqrtvar,
    sqrtvar = sqrt(var + eps), var = mean(xmu ** 2), xmu = x - mu, mu = mean(x).

    Returns (dx, dgamma, dbeta).
    """
    xhat, gamma, xmu, ivar, sqrtvar, var, eps = cache
    N, D = dout.shape
    zero = dout.dtype.type(0)

    # out = gamma * xhat + beta
    dbeta = np.zeros(D, dtype=dout.dtype)
    dgamma = np.zeros(D, dtype=dout.dtype)
    for i in range(N):
        dbeta += dout[i]
        dgamma += dout[i] * xhat[i]
    dxhat = dout * gamma

    dx = np.zeros((N, D), dtype=dout.dtype)
    for d in range(D):
        # xhat = xmu * ivar: two branches, into xmu and into ivar.
        divar = zero
        for i in range(N):
            divar += dxhat[i, d] * xmu[i, d]
        dxmu1 = dxhat[:, d] * ivar[d]
        # ivar = 1 / sqrtvar  (divide twice rather than by sqrtvar ** 2, which may be subnormal)
        dsqrtvar = -divar / sqrtvar[d] / sqrtvar[d]
        # sqrtvar = sqrt(var + eps)
        dvar = 0.5 * dsqrtvar / sqrtvar[d]
        # var = (1 / N) * sum of sq, sq = xmu ** 2
        dsq = dvar / N
        dxmu2 = 2 * xmu[:, d] * dsq
        # xmu = x - mu: x receives both branches directly, mu their negated sum.
        dx1 = dxmu1 + dxmu2
        dmu = zero
        for i in range(N):
            dmu -= dx1[i]
        # mu = (1 / N) * sum of x
        dx2 = dmu / N
        for i in range(N):
            dx[i, d] = dx1[i] + dx2
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    """Batchnorm backward with the gradient simplified on paper:

        dx = gamma / (N * std) * (N * dout - sum_i dout - xhat * sum_i (dout * xhat))

    Same cache as batchnorm_backward; returns (dx, dgamma, dbeta).
    """
    xhat, gamma, xmu, ivar, sqrtvar, var, eps = cache
    N = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dx = (gamma * ivar / N) * (N * dout - dbeta - xhat * dgamma)
    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, ln_param):
    """Layer normalisation of x (N, D): every sample (row) is normalised over its own D
    features with its mean and biased variance, then scaled by gamma and shifted by beta.
    ln_param may hold 'eps' (default 1e-5). Returns (out, cache)."""
    eps = float(ln_param.get("eps", 1e-5))
    N, D = x.shape
    out = np.zeros((N, D), dtype=x.dtype)
    xhat = np.zeros((N, D), dtype=x.dtype)
    std = np.zeros(N, dtype=x.dtype)
    for i in range(N):
        row = x[i]
        mean = np.sum(row) / D
        centred = row - mean
        variance = np.sum(centred * centred) / D
        std[i] = np.sqrt(variance + eps)
        xhat[i] = centred / std[i]
        out[i] = gamma * xhat[i] + beta
    cache = (xhat, gamma, std)
    return out, cache


def layernorm_backward(dout, cache):
    """Backward pass of layer normalisation, sample by sample: within a row the
    statistics are taken over the D features, so the batchnorm formula applies per row.
    Returns (dx, dgamma, dbeta)."""
    xhat, gamma, std = cache
    N, D = dout.shape
    dx = np.zeros((N, D), dtype=dout.dtype)
    dgamma = np.zeros(D, dtype=dout.dtype)
    dbeta = np.zeros(D, dtype=dout.dtype)
    for i in range(N):
        dbeta += dout[i]
        dgamma += dout[i] * xhat[i]
        dxhat = dout[i] * gamma
        sum_dxhat = np.sum(dxhat)
        sum_dxhat_xhat = np.sum(dxhat * xhat[i])
        dx[i] = (D * dxhat - sum_dxhat - xhat[i] * sum_dxhat_xhat) / (D * std[i])
    return dx, dgamma, dbeta


def dropout_forward(x, dropout_param):
    """Inverted dropout. dropout_param: 'p' (probability of KEEPING each unit), 'mode'
    ('train' or 'test'), optional 'seed'. In train mode the kept units are divided by p so
    that nothing changes at test time, where the layer is the identity.
    Returns (out, cache = (dropout_param, mask))."""
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])

    mask = None
    if mode == "train":
        mask = np.random.rand(*x.shape) < p  # True where the unit is kept
        out = np.zeros(x.shape, dtype=x.dtype)
        out[mask] = x[mask] / p
    elif mode == "test":
        out = x.copy()
    else:
        raise ValueError('Invalid forward dropout mode "%s"' % mode)
    cache = (dropout_param, mask)
    return out, cache


def dropout_backward(dout, cache):
    """Backward pass of inverted dropout: the kept units pass dout / p, the dropped ones 0."""
    dropout_param, mask = cache
    mode = dropout_param["mode"]
    if mode == "train":
        dx = np.zeros(dout.shape, dtype=dout.dtype)
        dx[mask] = dout[mask] / dropout_param["p"]
    elif mode == "test":
        dx = dout.copy()
    else:
        raise ValueError('Invalid backward dropout mode "%s"' % mode)
    return dx
