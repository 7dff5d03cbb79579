import numpy as np


def affine_forward(x, w, b):
    out = np.dot(x.reshape(x.shape[0], -1), w) + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    return np.dot(dout, w.T).reshape(x.shape), np.dot(x.reshape(x.shape[0], -1).T, dout), dout.sum(0)
