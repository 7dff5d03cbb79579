"""Reference NumPy layers: fully connected, activations, losses, normalisation, dropout.

Conventions are those of ``docs/LAYER_API.md`` (profile ``cs231n``). Every function is
vectorised, keeps the floating dtype of its inputs and never modifies its arguments (the
running statistics are written back into ``bn_param`` as new arrays).
"""

import numpy as np


def affine_forward(x, w, b):
    """x (N, d1..dk), w (D, M), b (M,) -> out (N, M) = x.reshape(N, D) @ w + b."""
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w)


def affine_backward(dout, cache):
    """dout (N, M) -> dx (x's shape), dw (D, M), db (M,)."""
    x, w = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db


def relu_forward(x):
    """out = max(x, 0), elementwise."""
    return np.maximum(x, 0), x


def relu_backward(dout, cache):
    """dx = dout where x > 0, else 0 (the gradient at exactly 0 is 0)."""
    return np.where(cache > 0, dout, 0)


def svm_loss(x, y):
    """Multiclass hinge loss, margin 1, summed over j != y_i and divided by N.

    x (N, C) scores, y (N,) integer labels -> (loss, dx (N, C)).
    """
    n = x.shape[0]
    rows = np.arange(n)
    margins = np.maximum(x - x[rows, y][:, None] + 1, 0)
    margins[rows, y] = 0
    loss = margins.sum() / n
    positive = (margins > 0).astype(x.dtype)
    positive[rows, y] = -positive.sum(axis=1)
    return loss, positive / n


def softmax_loss(x, y):
    """Mean cross-entropy of softmax(x) against y; stable for large logits.

    x (N, C) logits, y (N,) integer labels -> (loss, dx (N, C)).
    """
    n = x.shape[0]
    rows = np.arange(n)
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[rows, y].sum() / n
    dx = np.exp(log_probs)
    dx[rows, y] -= 1
    return loss, dx / n


def _normalise_backward(dxhat, xhat, std, axis):
    """Gradient through xhat = (x - mean) / std, statistics taken over `axis`."""
    return (
        dxhat
        - dxhat.mean(axis=axis, keepdims=True)
        - xhat * (dxhat * xhat).mean(axis=axis, keepdims=True)
    ) / std


def batchnorm_forward(x, gamma, beta, bn_param):
    """x (N, D), gamma/beta (D,). Train: normalise with the batch mean and biased
    variance, update ``running = momentum * running + (1 - momentum) * batch`` and write
    the new arrays back into bn_param. Test: normalise with the running statistics."""
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    zeros = np.zeros(x.shape[1], dtype=x.dtype)
    running_mean = bn_param.get("running_mean", zeros)
    running_var = bn_param.get("running_var", zeros)
    if mode == "train":
        mean = x.mean(axis=0)
        var = np.square(x - mean).mean(axis=0)
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mean
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
    elif mode == "test":
        mean, var = running_mean, running_var
    else:
        raise ValueError(f"invalid batchnorm mode {mode!r}")
    std = np.sqrt(var + eps)
    xhat = (x - mean) / std
    return gamma * xhat + beta, (xhat, gamma, std)


def batchnorm_backward(dout, cache):
    """dout (N, D) -> dx (N, D), dgamma (D,), dbeta (D,), for a train-mode forward."""
    xhat, gamma, std = cache
    dx = _normalise_backward(dout * gamma, xhat, std, 0)
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)


#: The course asks for a second, simplified backward; the reference's is already simplified.
batchnorm_backward_alt = batchnorm_backward


def layernorm_forward(x, gamma, beta, ln_param):
    """x (N, D), gamma/beta (D,); statistics per row over D, biased variance,
    ``ln_param['eps']`` (default 1e-5); identical in train and test."""
    mean = x.mean(axis=1, keepdims=True)
    std = np.sqrt(np.square(x - mean).mean(axis=1, keepdims=True) + ln_param.get("eps", 1e-5))
    xhat = (x - mean) / std
    return gamma * xhat + beta, (xhat, gamma, std)


def layernorm_backward(dout, cache):
    """dout (N, D) -> dx (N, D), dgamma (D,), dbeta (D,)."""
    xhat, gamma, std = cache
    dx = _normalise_backward(dout * gamma, xhat, std, 1)
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)


def dropout_forward(x, dropout_param):
    """Inverted dropout; ``p`` is the keep probability. Train: keep each unit with
    probability p and scale survivors by 1/p (``np.random.seed(seed)`` first when a seed
    is given). Test: identity."""
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p).astype(x.dtype) / x.dtype.type(p)
        return x * mask, mask
    if mode == "test":
        return x.copy(), None
    raise ValueError(f"invalid dropout mode {mode!r}")


def dropout_backward(dout, cache):
    """dx = dout * mask / p in train mode (the forward's own mask), dout in test mode."""
    mask = cache
    return dout.copy() if mask is None else dout * mask
