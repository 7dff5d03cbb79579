"""Reference NumPy recurrent layers: vanilla RNN, LSTM, word embedding, temporal affine and loss.

Conventions are those of ``docs/LAYER_API.md`` (profile ``cs231n``): batch first, one bias
per layer, LSTM gates in the order i, f, o, g. Every function is vectorised except for the
loops over time steps, keeps the floating dtype of its inputs and never modifies its arguments.
"""

import numpy as np


def _sum(a, axis):
    """a.sum(axis) accumulated in at least float32 (float16 sums over leading axes drift),
    returned in a's dtype."""
    return a.sum(axis=axis, dtype=np.promote_types(a.dtype, np.float32)).astype(a.dtype)


def _sigmoid(a):
    """1 / (1 + exp(-a)) without overflow, also in float16: exp only sees -|a|."""
    z = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + z), z / (1 + z))


def _tanh_slope(t):
    """1 - t**2 for t = tanh(a), as (1 - t)(1 + t): exact subtraction near saturation, where
    squaring first would lose the small difference to rounding."""
    return (1 - t) * (1 + t)


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """x (N, D), prev_h (N, H), Wx (D, H), Wh (H, H), b (H,) ->
    next_h (N, H) = tanh(x Wx + prev_h Wh + b)."""
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    """dnext_h (N, H) -> dx (N, D), dprev_h (N, H), dWx (D, H), dWh (H, H), db (H,)."""
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * _tanh_slope(next_h)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, _sum(da, 0)


def rnn_forward(x, h0, Wx, Wh, b):
    """x (N, T, D), h0 (N, H), Wx (D, H), Wh (H, H), b (H,) -> h (N, T, H), the hidden
    state of every step."""
    hs = []
    prev_h = h0
    for t in range(x.shape[1]):
        prev_h = rnn_step_forward(x[:, t], prev_h, Wx, Wh, b)[0]
        hs.append(prev_h)
    h = np.stack(hs, axis=1)
    return h, (x, h0, Wx, Wh, h)


def rnn_backward(dh, cache):
    """dh (N, T, H), the upstream gradient of every h_t -> dx (N, T, D), dh0 (N, H),
    dWx (D, H), dWh (H, H), db (H,); the hidden-state gradient is carried back in time."""
    x, h0, Wx, Wh, h = cache
    n, steps, hidden = h.shape
    das = [None] * steps
    dprev_h = np.zeros_like(dh[:, 0])
    for t in reversed(range(steps)):
        das[t] = (dh[:, t] + dprev_h) * _tanh_slope(h[:, t])
        dprev_h = das[t] @ Wh.T
    da = np.stack(das, axis=1)
    prev_h = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    dWx = x.reshape(n * steps, -1).T @ da.reshape(n * steps, hidden)
    dWh = prev_h.reshape(n * steps, hidden).T @ da.reshape(n * steps, hidden)
    return da @ Wx.T, dprev_h, dWx, dWh, _sum(da, (0, 1))


def word_embedding_forward(x, W):
    """Integer x (N, T) in [0, V), W (V, D) -> out (N, T, D) = W[x]."""
    return W[x], (x, W.shape, W.dtype)


def word_embedding_backward(dout, cache):
    """dout (N, T, D) -> dW (V, D) with W's dtype; repeated indices accumulate."""
    x, shape, dtype = cache
    dW = np.zeros(shape, dtype=dtype)
    np.add.at(dW, x, dout)
    return dW


def _lstm_step(x, prev_h, prev_c, Wx, Wh, b):
    """One LSTM step -> next_h, next_c and the values its backward needs."""
    a = x @ Wx + prev_h @ Wh + b
    hidden = prev_h.shape[1]
    i, f, o = np.split(_sigmoid(a[:, : 3 * hidden]), 3, axis=1)
    g = np.tanh(a[:, 3 * hidden :])
    next_c = f * prev_c + i * g
    tanh_c = np.tanh(next_c)
    return o * tanh_c, next_c, (i, f, o, g, tanh_c, prev_c)


def _lstm_gates_backward(dnext_h, dnext_c, gates):
    """Gradients of one LSTM step's cell -> da (N, 4H) for the gate pre-activations, dprev_c."""
    i, f, o, g, tanh_c, prev_c = gates
    dc = dnext_c + dnext_h * o * _tanh_slope(tanh_c)
    da = np.concatenate(
        [
            dc * g * i * (1 - i),
            dc * prev_c * f * (1 - f),
            dnext_h * tanh_c * o * (1 - o),
            dc * i * _tanh_slope(g),
        ],
        axis=1,
    )
    return da, dc * f


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """x (N, D), prev_h/prev_c (N, H), Wx (D, 4H), Wh (H, 4H), b (4H,) -> next_h, next_c
    (N, H). a = x Wx + prev_h Wh + b splits into i, f, o, g (sigmoid, sigmoid, sigmoid,
    tanh); next_c = f prev_c + i g; next_h = o tanh(next_c)."""
    next_h, next_c, gates = _lstm_step(x, prev_h, prev_c, Wx, Wh, b)
    return next_h, next_c, (x, prev_h, Wx, Wh, gates)


def lstm_step_backward(dnext_h, dnext_c, cache):
    """dnext_h, dnext_c (N, H) -> dx (N, D), dprev_h (N, H), dprev_c (N, H), dWx (D, 4H),
    dWh (H, 4H), db (4H,)."""
    x, prev_h, Wx, Wh, gates = cache
    da, dprev_c = _lstm_gates_backward(dnext_h, dnext_c, gates)
    return da @ Wx.T, da @ Wh.T, dprev_c, x.T @ da, prev_h.T @ da, _sum(da, 0)


def lstm_forward(x, h0, Wx, Wh, b):
    """x (N, T, D), h0 (N, H), Wx (D, 4H), Wh (H, 4H), b (4H,) -> h (N, T, H); the cell
    state starts at zero and is not returned."""
    hs, steps = [], []
    prev_h, prev_c = h0, np.zeros_like(h0)
    for t in range(x.shape[1]):
        prev_h, prev_c, gates = _lstm_step(x[:, t], prev_h, prev_c, Wx, Wh, b)
        hs.append(prev_h)
        steps.append(gates)
    h = np.stack(hs, axis=1)
    return h, (x, h0, Wx, Wh, h, steps)


def lstm_backward(dh, cache):
    """dh (N, T, H), the upstream gradient of every h_t -> dx (N, T, D), dh0 (N, H),
    dWx (D, 4H), dWh (H, 4H), db (4H,); the gradients of h and c are carried back in time."""
    x, h0, Wx, Wh, h, steps = cache
    n, count, hidden = h.shape
    das = [None] * count
    dprev_h = np.zeros_like(dh[:, 0])
    dprev_c = np.zeros_like(dh[:, 0])
    for t in reversed(range(count)):
        das[t], dprev_c = _lstm_gates_backward(dh[:, t] + dprev_h, dprev_c, steps[t])
        dprev_h = das[t] @ Wh.T
    da = np.stack(das, axis=1)
    prev_h = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    dWx = x.reshape(n * count, -1).T @ da.reshape(n * count, 4 * hidden)
    dWh = prev_h.reshape(n * count, hidden).T @ da.reshape(n * count, 4 * hidden)
    return da @ Wx.T, dprev_h, dWx, dWh, _sum(da, (0, 1))


def temporal_affine_forward(x, w, b):
    """x (N, T, D), w (D, M), b (M,) -> out (N, T, M) = x w + b at every step."""
    return x @ w + b, (x, w)


def temporal_affine_backward(dout, cache):
    """dout (N, T, M) -> dx (N, T, D), dw (D, M), db (M,)."""
    x, w = cache
    dw = x.reshape(-1, x.shape[2]).T @ dout.reshape(-1, dout.shape[2])
    return dout @ w.T, dw, _sum(dout, (0, 1))


def temporal_softmax_loss(x, y, mask, verbose=False):
    """Cross-entropy of softmax(x) against y summed over the unmasked positions and divided
    by N (not by the number of unmasked positions); stable for large logits.

    x (N, T, V) logits, y (N, T) integer labels, boolean mask (N, T) -> (loss, dx (N, T, V));
    masked positions get a zero gradient.
    """
    n = x.shape[0]
    shifted = x - x.max(axis=2, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))
    target = np.arange(x.shape[2]) == y[..., None]
    loss = (-log_probs[target & mask[..., None]]).sum() / n
    dx = np.where(mask[..., None], np.exp(log_probs) - target, 0) / n
    if verbose:
        print("dx:", dx.shape)
    return loss, dx
