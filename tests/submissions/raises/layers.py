import numpy as np


def affine_forward(x, w, b):
    out = x.dot(w) + b  # forgets to flatten x: raises when x has more than 2 dims
    return out, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    return dout.dot(w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T.dot(dout), dout.sum(0)


def relu_forward(x):
    raise NotImplementedError("relu_forward is on my list for tomorrow")
