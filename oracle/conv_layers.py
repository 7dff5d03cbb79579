"""Oracles for the convolutional section of docs/LAYER_API.md, keyed by forward name."""

import torch
import torch.nn.functional as F

from oracle.layers import batchnorm_forward


def conv_forward_naive(x, w, b, conv_param):
    """Cross-correlation of x (N, C, H, W) with w (F, C, HH, WW), zero padding `pad` on
    both sides, `stride`; out (N, F, H', W')."""
    return {"out": F.conv2d(x, w, b, stride=conv_param["stride"], padding=conv_param["pad"])}


def max_pool_forward_naive(x, pool_param):
    """Max over pool_height x pool_width windows every `stride`, no padding; autograd routes
    each window's gradient to its maximum (the domain keeps maxima distinct)."""
    window = (pool_param["pool_height"], pool_param["pool_width"])
    return {"out": F.max_pool2d(x, window, stride=pool_param["stride"])}


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Batchnorm of x (N, C, H, W) per channel over (N, H, W): the fully connected oracle
    on the (N * H * W, C) matrix, running statistics in the course's convention."""
    n, c, h, w = x.shape
    found = batchnorm_forward(x.permute(0, 2, 3, 1).reshape(-1, c), gamma, beta, bn_param)
    found["out"] = found["out"].reshape(n, h, w, c).permute(0, 3, 1, 2)
    return found


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    """Per sample, G groups of C/G contiguous channels normalised over (C/G, H, W) with the
    biased variance; gamma and beta shaped (1, C, 1, 1). Composed from primitives because
    torch's group_norm refuses a group of one value."""
    groups = x.reshape(x.shape[0], G, -1)
    mean = groups.mean(dim=2, keepdim=True)
    var = groups.var(dim=2, correction=0, keepdim=True)
    xhat = ((groups - mean) / torch.sqrt(var + gn_param.get("eps", 1e-5))).reshape(x.shape)
    return {"out": xhat * gamma + beta}


ORACLES = {
    fn.__name__: fn
    for fn in (
        conv_forward_naive,
        max_pool_forward_naive,
        spatial_batchnorm_forward,
        spatial_groupnorm_forward,
    )
}
