"""affine_forward fills a preallocated np.zeros((N, M)) output, which is float64 whatever x's dtype."""

import numpy as np

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
BREAKS = {("affine_forward", "dtype_preserved"): ("float32", "float16")}


def affine_forward(x, w, b):
    N = x.shape[0]
    M = w.shape[1]
    out = np.zeros((N, M))  # default dtype float64
    out += x.reshape(N, -1).dot(w) + b
    cache = (x, w)
    return out, cache
