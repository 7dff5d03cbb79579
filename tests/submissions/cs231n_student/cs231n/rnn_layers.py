from __future__ import print_function, division
from builtins import range
import numpy as np


"""
This file defines layer types that are commonly used for recurrent neural
networks.
"""


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """Run the forward pass for a single timestep of a vanilla RNN that uses a tanh
    activation function, one sample at a time.

    The input data has dimension D, the hidden state has dimension H, and we use a minibatch
    size of N.

    Inputs:
    - x: Input data for this timestep, of shape (N, D).
    - prev_h: Hidden state from previous timestep, of shape (N, H)
    - Wx: Weight matrix for input-to-hidden connections, of shape (D, H)
    - Wh: Weight matrix for hidden-to-hidden connections, of shape (H, H)
    - b: Biases of shape (H,)

    Returns a tuple of:
    - next_h: Next hidden state, of shape (N, H)
    - cache: Tuple of values needed for the backward pass.
    """
    N = x.shape[0]
    H = Wh.shape[0]
    next_h = np.zeros((N, H), dtype=x.dtype)
    for i in range(N):
        a = np.dot(x[i], Wx) + np.dot(prev_h[i], Wh) + b
        next_h[i] = np.tanh(a)
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    """Backward pass for a single timestep of a vanilla RNN.

    Inputs:
    - dnext_h: Gradient of loss with respect to next hidden state, of shape (N, H)
    - cache: Cache object from the forward pass

    Returns a tuple of:
    - dx: Gradients of input data, of shape (N, D)
    - dprev_h: Gradients of previous hidden state, of shape (N, H)
    - dWx: Gradients of input-to-hidden weights, of shape (D, H)
    - dWh: Gradients of hidden-to-hidden weights, of shape (H, H)
    - db: Gradients of bias vector, of shape (H,)
    """
    x, prev_h, Wx, Wh, next_h = cache
    N, D = x.shape
    H = Wh.shape[0]

    dx = np.zeros((N, D), dtype=dnext_h.dtype)
    dprev_h = np.zeros((N, H), dtype=dnext_h.dtype)
    dWx = np.zeros(Wx.shape, dtype=dnext_h.dtype)
    dWh = np.zeros(Wh.shape, dtype=dnext_h.dtype)
    db = np.zeros(H, dtype=dnext_h.dtype)
    for i in range(N):
        # next_h = tanh(a), and tanh'(a) = 1 - tanh(a) ** 2
        da = dnext_h[i] * (1 - next_h[i] * next_h[i])
        # a = x Wx + prev_h Wh + b
        dx[i] = np.dot(Wx, da)
        dprev_h[i] = np.dot(Wh, da)
        dWx += np.outer(x[i], da)
        dWh += np.outer(prev_h[i], da)
        db += da
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    """Run a vanilla RNN forward on an entire sequence of data, one time step after another.

    We assume an input sequence composed of T vectors, each of dimension D. The RNN uses a
    hidden size of H, and we work over a minibatch containing N sequences. After running the
    RNN forward, we return the hidden states for all timesteps.

    Inputs:
    - x: Input data for the entire timeseries, of shape (N, T, D).
    - h0: Initial hidden state, of shape (N, H)
    - Wx: Weight matrix for input-to-hidden connections, of shape (D, H)
    - Wh: Weight matrix for hidden-to-hidden connections, of shape (H, H)
    - b: Biases of shape (H,)

    Returns a tuple of:
    - h: Hidden states for the entire timeseries, of shape (N, T, H).
    - cache: Values needed in the backward pass
    """
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H), dtype=x.dtype)
    step_caches = []
    prev_h = h0
    for t in range(T):
        next_h, step_cache = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        h[:, t, :] = next_h
        step_caches.append(step_cache)
        prev_h = next_h
    cache = (step_caches, D)
    return h, cache


def rnn_backward(dh, cache):
    """Compute the backward pass for a vanilla RNN over an entire sequence of data, from the
    last time step back to the first.

    Inputs:
    - dh: Upstream gradients of all hidden states, of shape (N, T, H)

    NOTE: 'dh' contains the upstream gradients produced by the individual loss functions at
    each timestep, *not* the gradients being passed between timesteps (which you'll have to
    compute yourself by calling rnn_step_backward in a loop).

    Returns a tuple of:
    - dx: Gradient of inputs, of shape (N, T, D)
    - dh0: Gradient of initial hidden state, of shape (N, H)
    - dWx: Gradient of input-to-hidden weights, of shape (D, H)
    - dWh: Gradient of hidden-to-hidden weights, of shape (H, H)
    - db: Gradient of biases, of shape (H,)
    """
    step_caches, D = cache
    N, T, H = dh.shape

    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, H), dtype=dh.dtype)
    dWh = np.zeros((H, H), dtype=dh.dtype)
    db = np.zeros(H, dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)  # nothing flows in after the last step
    for t in reversed(range(T)):
        # h_t feeds both the loss at step t and the next step.
        dcurrent = dh[:, t, :] + dprev_h
        dx_t, dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dcurrent, step_caches[t])
        dx[:, t, :] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dh0 = dprev_h
    return dx, dh0, dWx, dWh, db


def word_embedding_forward(x, W):
    """Forward pass for word embeddings, one word at a time. We operate on minibatches of
    size N where each sequence has length T. We assume a vocabulary of V words, assigning
    each word to a vector of dimension D.

    Inputs:
    - x: Integer array of shape (N, T) giving indices of words. Each element idx of x must
      be in the range 0 <= idx < V.
    - W: Weight matrix of shape (V, D) giving word vectors for all words.

    Returns a tuple of:
    - out: Array of shape (N, T, D) giving word vectors for all input words.
    - cache: Values needed for the backward pass
    """
    N, T = x.shape
    V, D = W.shape
    out = np.zeros((N, T, D), dtype=W.dtype)
    for n in range(N):
        for t in range(T):
            out[n, t] = W[x[n, t]]
    cache = (x, W.shape)
    return out, cache


def word_embedding_backward(dout, cache):
    """Backward pass for word embeddings. We cannot back-propagate into the words since they
    are integers, so we only return gradient for the word embedding matrix. A word used
    several times collects the gradient of every use.

    Inputs:
    - dout: Upstream gradients of shape (N, T, D)
    - cache: Values from the forward pass

    Returns:
    - dW: Gradient of word embedding matrix, of shape (V, D)
    """
    x, W_shape = cache
    N, T = x.shape
    dW = np.zeros(W_shape, dtype=dout.dtype)
    for n in range(N):
        for t in range(T):
            dW[x[n, t]] += dout[n, t]
    return dW
