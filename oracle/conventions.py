"""Other conventions a submission may have followed, as variants of the oracles.

Keyed by forward name, then by the convention's id; the spec of each forward says what each
id means to a student (``Spec.conventions``). Grading compares a failing submission with
these, to say which convention it follows instead of the course's.
"""

import torch
import torch.nn.functional as F

from oracle import conv_layers, layers, rnn_layers


def _unbiased_running_var(forward):
    def variant(x, gamma, beta, bn_param):
        found = forward(x, gamma, beta, bn_param)
        if bn_param["mode"] == "train":
            flat = x.detach().movedim(1, -1).reshape(-1, x.shape[1])
            momentum = bn_param.get("momentum", 0.9)
            running = bn_param.get("running_var", torch.zeros_like(flat[0]))
            unbiased = flat.var(dim=0, correction=1)  # NaN for one sample, as numpy's
            found["running_var"] = momentum * running + (1 - momentum) * unbiased
        return found

    return variant


def _row_shaped_running_stats(forward):
    def variant(x, gamma, beta, bn_param):
        found = forward(x, gamma, beta, bn_param)
        for key in ("running_mean", "running_var"):
            found[key] = found[key].reshape(1, -1)
        return found

    return variant


def _torch_momentum(forward):
    def variant(x, gamma, beta, bn_param):
        swapped = {**bn_param, "momentum": 1 - bn_param.get("momentum", 0.9)}
        return forward(x, gamma, beta, swapped)

    return variant


def _torch_gate_order(forward):
    """The same cell with a's blocks read as i, f, g, o (torch's order)."""

    def variant(x, h0, *rest):
        *states, Wx, Wh, b = rest

        def reorder(w):
            i, f, g, o = w.chunk(4, dim=-1)
            return torch.cat([i, f, o, g], dim=-1)

        return forward(x, h0, *states, reorder(Wx), reorder(Wh), reorder(b))

    return variant


def svm_loss_over_classes(x, y):
    return {"loss": layers.svm_loss(x, y)["loss"] / x.shape[1]}


def temporal_softmax_loss_per_token(x, y, mask, verbose=False):
    n, t, v = x.shape
    losses = F.cross_entropy(x.reshape(n * t, v), y.reshape(n * t), reduction="none")
    return {"loss": (losses * mask.reshape(n * t)).sum() / mask.sum().clamp(min=1)}


_BATCHNORM_VARIANTS = {
    "unbiased_running_var": _unbiased_running_var,
    "row_shaped_running_stats": _row_shaped_running_stats,
    "torch_momentum": _torch_momentum,
}

#: forward -> convention id -> oracle; each spec names the ids it recognises (``conventions``).
VARIANTS = {
    "batchnorm_forward": {
        name: make(layers.batchnorm_forward) for name, make in _BATCHNORM_VARIANTS.items()
    },
    "spatial_batchnorm_forward": {
        name: make(conv_layers.spatial_batchnorm_forward)
        for name, make in _BATCHNORM_VARIANTS.items()
        if name != "row_shaped_running_stats"
    },
    "lstm_step_forward": {"torch_gate_order": _torch_gate_order(rnn_layers.lstm_step_forward)},
    "lstm_forward": {"torch_gate_order": _torch_gate_order(rnn_layers.lstm_forward)},
    "svm_loss": {"over_classes": svm_loss_over_classes},
    "temporal_softmax_loss": {"per_token": temporal_softmax_loss_per_token},
}
