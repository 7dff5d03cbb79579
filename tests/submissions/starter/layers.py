from builtins import range
import numpy as np


def affine_forward(x, w, b):
    out = None
    ###########################################################################
    # TODO: Implement the affine forward pass. Store the result in out.       #
    ###########################################################################
    pass
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    x, w, b = cache
    dx, dw, db = None, None, None
    pass
    return dx, dw, db


def relu_forward(x):
    pass


def svm_loss(x, y):
    loss, dx = None, None
    pass
    return loss, dx
