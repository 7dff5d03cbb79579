from builtins import range
import numpy as np

from cs231n.layer_helpers import flatten


def affine_forward(x, w, b):
    out = None
    ###########################################################################
    # TODO: Implement the affine forward pass.                                #
    ###########################################################################
    out = flatten(x).dot(w) + b
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    x, w, b = cache
    dx, dw, db = None, None, None
    dx = dout.dot(w.T).reshape(x.shape)
    dw = flatten(x).T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db
