"""Oracles for the fully connected section of docs/LAYER_API.md, keyed by forward name."""

import torch
import torch.nn.functional as F


def affine_forward(x, w, b):
    """x (N, d1..dk) flattened to (N, D); w (D, M), the transpose of torch's Linear."""
    return {"out": x.reshape(x.shape[0], -1) @ w + b}


def relu_forward(x):
    """torch's relu has gradient 0 at exactly 0, as the course's does."""
    return {"out": torch.relu(x)}


def svm_loss(x, y):
    """Hinge loss summed over j != y_i, divided by N only (MultiMarginLoss also divides by C,
    and has no float16 CPU kernel), so it is composed from primitives."""
    correct = x.gather(1, y[:, None])
    margins = torch.clamp(x - correct + 1, min=0)
    margins = margins.masked_fill(F.one_hot(y, x.shape[1]).bool(), 0)
    return {"loss": margins.sum() / x.shape[0]}


def softmax_loss(x, y):
    """Mean cross-entropy over N."""
    return {"loss": F.cross_entropy(x, y)}


def batchnorm_forward(x, gamma, beta, bn_param):
    """Normalise with the batch's mean and biased variance (train) or the running ones
    (test); running statistics in the course's convention,
    ``momentum * running + (1 - momentum) * batch``. Composed from primitives because
    torch's batch_norm refuses N = 1 in training."""
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    zeros = torch.zeros(x.shape[1], dtype=x.dtype, device=x.device)
    running_mean = bn_param.get("running_mean", zeros)
    running_var = bn_param.get("running_var", zeros)
    if bn_param["mode"] == "test":
        out = (x - running_mean) / torch.sqrt(running_var + eps) * gamma + beta
        return {"out": out, "running_mean": running_mean, "running_var": running_var}
    mean = x.mean(dim=0)
    var = x.var(dim=0, correction=0)
    out = (x - mean) / torch.sqrt(var + eps) * gamma + beta
    mean, var = mean.detach(), var.detach()
    return {
        "out": out,
        "running_mean": momentum * running_mean + (1 - momentum) * mean,
        "running_var": momentum * running_var + (1 - momentum) * var,
    }


def layernorm_forward(x, gamma, beta, ln_param):
    """Per-row statistics over D with the biased variance."""
    eps = ln_param.get("eps", 1e-5)
    return {"out": F.layer_norm(x, x.shape[1:], gamma, beta, eps=eps)}


ORACLES = {
    fn.__name__: fn
    for fn in (
        affine_forward,
        relu_forward,
        svm_loss,
        softmax_loss,
        batchnorm_forward,
        layernorm_forward,
    )
}
