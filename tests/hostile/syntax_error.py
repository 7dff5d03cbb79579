import numpy as np


def affine_forward(x, w, b)
    return x.reshape(x.shape[0], -1) @ w + b, (x, w, b)
