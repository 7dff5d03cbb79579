"""Oracles for the recurrent section of docs/LAYER_API.md, keyed by forward name.

Batch first throughout; one bias per cell (torch's RNN and LSTM modules have two); the LSTM's
gates are split i, f, o, g (torch's order is i, f, g, o), so it is composed from primitives.
"""

import torch
import torch.nn.functional as F


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """next_h = tanh(x Wx + prev_h Wh + b)."""
    return {"next_h": torch.tanh(x @ Wx + prev_h @ Wh + b)}


def rnn_forward(x, h0, Wx, Wh, b):
    """x (N, T, D), h0 (N, H) -> h (N, T, H), the hidden state of every step."""
    hs, h = [], h0
    for t in range(x.shape[1]):
        h = rnn_step_forward(x[:, t], h, Wx, Wh, b)["next_h"]
        hs.append(h)
    return {"h": torch.stack(hs, dim=1)}


def word_embedding_forward(x, W):
    """Integer x (N, T) in [0, V) -> out (N, T, D), rows of W (V, D)."""
    return {"out": F.embedding(x, W)}


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """a = x Wx + prev_h Wh + b split into i, f, o, g; next_c = f prev_c + i g;
    next_h = o tanh(next_c)."""
    i, f, o, g = (x @ Wx + prev_h @ Wh + b).chunk(4, dim=1)
    next_c = torch.sigmoid(f) * prev_c + torch.sigmoid(i) * torch.tanh(g)
    return {"next_h": torch.sigmoid(o) * torch.tanh(next_c), "next_c": next_c}


def lstm_forward(x, h0, Wx, Wh, b):
    """x (N, T, D), h0 (N, H), c0 = 0 -> h (N, T, H); the cell state is not returned."""
    hs, h, c = [], h0, torch.zeros_like(h0)
    for t in range(x.shape[1]):
        step = lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
        h, c = step["next_h"], step["next_c"]
        hs.append(h)
    return {"h": torch.stack(hs, dim=1)}


def temporal_affine_forward(x, w, b):
    """x (N, T, D), w (D, M), b (M,) -> out (N, T, M)."""
    return {"out": x @ w + b}


def temporal_softmax_loss(x, y, mask, verbose=False):
    """Cross-entropy of x (N, T, V) against y (N, T), summed over the positions where mask
    is true and divided by N (torch's ignore_index would divide by the unmasked count).
    `verbose` is the course's debug-print flag; it changes no value."""
    n, t, v = x.shape
    losses = F.cross_entropy(x.reshape(n * t, v), y.reshape(n * t), reduction="none")
    return {"loss": (losses * mask.reshape(n * t)).sum() / n}


ORACLES = {
    fn.__name__: fn
    for fn in (
        rnn_step_forward,
        rnn_forward,
        word_embedding_forward,
        lstm_step_forward,
        lstm_forward,
        temporal_affine_forward,
        temporal_softmax_loss,
    )
}
