"""A correct, loop-based implementation of the recurrent layers, written unlike impl/
(explicit loops over samples and time steps, staged backward passes); used to show the
tolerance does not fail honest code."""

import numpy as np


def _sigmoid(a):
    """A numerically stable sigmoid: exp is only ever taken of a non-positive number."""
    out = np.zeros(a.shape, dtype=a.dtype)
    positive = a >= 0
    negative = ~positive
    out[positive] = 1 / (1 + np.exp(-a[positive]))
    exp_a = np.exp(a[negative])
    out[negative] = exp_a / (1 + exp_a)
    return out


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


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """Forward pass for a single timestep of an LSTM.

    The input data has dimension D, the hidden state has dimension H, and we use a minibatch
    size of N. The activation vector is split into the input, forget and output gates and
    the candidate cell values, in the order i, f, o, g.

    Inputs:
    - x: Input data, of shape (N, D)
    - prev_h: Previous hidden state, of shape (N, H)
    - prev_c: previous cell state, of shape (N, H)
    - Wx: Input-to-hidden weights, of shape (D, 4H)
    - Wh: Hidden-to-hidden weights, of shape (H, 4H)
    - b: Biases, of shape (4H,)

    Returns a tuple of:
    - next_h: Next hidden state, of shape (N, H)
    - next_c: Next cell state, of shape (N, H)
    - cache: Tuple of values needed for backward pass.
    """
    N = x.shape[0]
    H = prev_h.shape[1]
    a = np.zeros((N, 4 * H), dtype=x.dtype)
    for n in range(N):
        a[n] = np.dot(x[n], Wx) + np.dot(prev_h[n], Wh) + b

    i = _sigmoid(a[:, 0:H])
    f = _sigmoid(a[:, H : 2 * H])
    o = _sigmoid(a[:, 2 * H : 3 * H])
    g = np.tanh(a[:, 3 * H : 4 * H])

    next_c = f * prev_c + i * g
    tanh_c = np.tanh(next_c)
    next_h = o * tanh_c
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c)
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    """Backward pass for a single timestep of an LSTM, node by node.

    Inputs:
    - dnext_h: Gradients of next hidden state, of shape (N, H)
    - dnext_c: Gradients of next cell state, of shape (N, H)
    - cache: Values from the forward pass

    Returns a tuple of:
    - dx: Gradient of input data, of shape (N, D)
    - dprev_h: Gradient of previous hidden state, of shape (N, H)
    - dprev_c: Gradient of previous cell state, of shape (N, H)
    - dWx: Gradient of input-to-hidden weights, of shape (D, 4H)
    - dWh: Gradient of hidden-to-hidden weights, of shape (H, 4H)
    - db: Gradient of biases, of shape (4H,)
    """
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    N, D = x.shape
    H = prev_h.shape[1]

    # next_h = o * tanh_c
    do = dnext_h * tanh_c
    dtanh_c = dnext_h * o
    # tanh_c = tanh(next_c); next_c also receives dnext_c from the next step.
    dc = dnext_c + dtanh_c * (1 - tanh_c * tanh_c)
    # next_c = f * prev_c + i * g
    df = dc * prev_c
    dprev_c = dc * f
    di = dc * g
    dg = dc * i
    # Through the nonlinearities: sigmoid' = s (1 - s), tanh' = 1 - t ** 2.
    da = np.zeros((N, 4 * H), dtype=dnext_h.dtype)
    da[:, 0:H] = di * i * (1 - i)
    da[:, H : 2 * H] = df * f * (1 - f)
    da[:, 2 * H : 3 * H] = do * o * (1 - o)
    da[:, 3 * H : 4 * H] = dg * (1 - g * g)

    # a = x Wx + prev_h Wh + b, one sample at a time.
    dx = np.zeros((N, D), dtype=dnext_h.dtype)
    dprev_h = np.zeros((N, H), dtype=dnext_h.dtype)
    dWx = np.zeros(Wx.shape, dtype=dnext_h.dtype)
    dWh = np.zeros(Wh.shape, dtype=dnext_h.dtype)
    db = np.zeros(4 * H, dtype=dnext_h.dtype)
    for n in range(N):
        dx[n] = np.dot(Wx, da[n])
        dprev_h[n] = np.dot(Wh, da[n])
        dWx += np.outer(x[n], da[n])
        dWh += np.outer(prev_h[n], da[n])
        db += da[n]
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    """Forward pass for an LSTM over an entire sequence of data, one time step after
    another. We assume an input sequence composed of T vectors, each of dimension D. The
    LSTM uses a hidden size of H, and we work over a minibatch containing N sequences.
    After running the LSTM forward, we return the hidden states for all timesteps.

    Note that the initial cell state is passed as input, but the initial cell state is set
    to zero. Also note that the cell state is not returned; it is an internal variable to
    the LSTM and is not accessed from outside.

    Inputs:
    - x: Input data of shape (N, T, D)
    - h0: Initial hidden state of shape (N, H)
    - Wx: Weights for input-to-hidden connections, of shape (D, 4H)
    - Wh: Weights for hidden-to-hidden connections, of shape (H, 4H)
    - b: Biases of shape (4H,)

    Returns a tuple of:
    - h: Hidden states for all timesteps of all sequences, of shape (N, T, H)
    - cache: Values needed for the backward pass.
    """
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H), dtype=x.dtype)
    prev_h = h0
    prev_c = np.zeros((N, H), dtype=x.dtype)
    step_caches = []
    for t in range(T):
        next_h, next_c, step_cache = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = next_h
        step_caches.append(step_cache)
        prev_h, prev_c = next_h, next_c
    cache = (step_caches, D)
    return h, cache


def lstm_backward(dh, cache):
    """Backward pass for an LSTM over an entire sequence of data, from the last time step
    back to the first.

    Inputs:
    - dh: Upstream gradients of hidden states, of shape (N, T, H)
    - cache: Values from the forward pass

    Returns a tuple of:
    - dx: Gradient of input data of shape (N, T, D)
    - dh0: Gradient of initial hidden state of shape (N, H)
    - dWx: Gradient of input-to-hidden weight matrix of shape (D, 4H)
    - dWh: Gradient of hidden-to-hidden weight matrix of shape (H, 4H)
    - db: Gradient of biases, of shape (4H,)
    """
    step_caches, D = cache
    N, T, H = dh.shape

    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, 4 * H), dtype=dh.dtype)
    dWh = np.zeros((H, 4 * H), dtype=dh.dtype)
    db = np.zeros(4 * H, dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    dprev_c = np.zeros((N, H), dtype=dh.dtype)  # the final cell state feeds no loss
    for t in reversed(range(T)):
        dcurrent_h = dh[:, t, :] + dprev_h
        grads = lstm_step_backward(dcurrent_h, dprev_c, step_caches[t])
        dx_t, dprev_h, dprev_c, dWx_t, dWh_t, db_t = grads
        dx[:, t, :] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dh0 = dprev_h
    return dx, dh0, dWx, dWh, db


def temporal_affine_forward(x, w, b):
    """Forward pass for a temporal affine layer, one sample and time step at a time. The
    input is a set of D-dimensional vectors arranged into a minibatch of N timeseries, each
    of length T. We use an affine function to transform each of those vectors into a new
    vector of dimension M.

    Inputs:
    - x: Input data of shape (N, T, D)
    - w: Weights of shape (D, M)
    - b: Biases of shape (M,)

    Returns a tuple of:
    - out: Output data of shape (N, T, M)
    - cache: Values needed for the backward pass
    """
    N, T, D = x.shape
    M = b.shape[0]
    out = np.zeros((N, T, M), dtype=x.dtype)
    for n in range(N):
        for t in range(T):
            out[n, t] = np.dot(x[n, t], w) + b
    cache = (x, w, b)
    return out, cache


def temporal_affine_backward(dout, cache):
    """Backward pass for temporal affine layer.

    Input:
    - dout: Upstream gradients of shape (N, T, M)
    - cache: Values from forward pass

    Returns a tuple of:
    - dx: Gradient of input, of shape (N, T, D)
    - dw: Gradient of weights, of shape (D, M)
    - db: Gradient of biases, of shape (M,)
    """
    x, w, b = cache
    N, T, D = x.shape
    dx = np.zeros(x.shape, dtype=dout.dtype)
    dw = np.zeros(w.shape, dtype=dout.dtype)
    db = np.zeros(b.shape, dtype=dout.dtype)
    for n in range(N):
        for t in range(T):
            dx[n, t] = np.dot(w, dout[n, t])
            dw += np.outer(x[n, t], dout[n, t])
            db += dout[n, t]
    return dx, dw, db


def temporal_softmax_loss(x, y, mask, verbose=False):
    """A temporal version of softmax loss for use in RNNs. We assume that we are making
    predictions over a vocabulary of size V for each timestep of a timeseries of length T,
    over a minibatch of size N. The input x gives scores for all vocabulary elements at all
    timesteps, and y gives the indices of the ground-truth element at each timestep. We use
    a cross-entropy loss at each timestep, summing the loss over all timesteps and averaging
    across the minibatch.

    As an additional complication, we may want to ignore the model output at some timesteps,
    since sequences of different length may have been combined into a minibatch and padded
    with NULL tokens. The optional mask argument tells us which elements should contribute
    to the loss.

    Inputs:
    - x: Input scores, of shape (N, T, V)
    - y: Ground-truth indices, of shape (N, T) where each element is in the range
         0 <= y[i, t] < V
    - mask: Boolean array of shape (N, T) where mask[i, t] tells whether or not
      the scores at x[i, t] should contribute to the loss.

    Returns a tuple of:
    - loss: Scalar giving loss
    - dx: Gradient of loss with respect to scores x.
    """
    N, T, V = x.shape
    loss = x.dtype.type(0)
    dx = np.zeros((N, T, V), dtype=x.dtype)
    for n in range(N):
        for t in range(T):
            if not mask[n, t]:
                continue  # padding: no loss, no gradient
            scores = x[n, t]
            top = np.argmax(scores)
            shifted = scores - scores[top]  # at most 0, so exp cannot overflow
            exp_scores = np.exp(shifted)
            # The maximum contributes exp(0) = 1 exactly; keep the rest apart so that a
            # confident prediction (others tiny against 1) keeps its small loss.
            others = np.sum(np.delete(exp_scores, top))
            total = 1 + others
            label = y[n, t]
            # -log softmax of the correct word, divided by N as we go.
            loss += (np.log1p(others) - shifted[label]) / N
            probs = exp_scores / total
            dx[n, t] = probs
            if label == top:
                dx[n, t, label] = -others / total  # probs - 1, without the cancellation
            else:
                dx[n, t, label] -= 1
            dx[n, t] /= N
    if verbose:
        print("dx: ", dx.shape)
    return loss, dx
