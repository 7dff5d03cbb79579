"""word_embedding_backward writes `dW[x] = dout`, so a word that occurs several times keeps only one occurrence's gradient instead of their sum."""

import numpy as np

from impl.rnn_layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: Fancy-index assignment does not accumulate repeated indices; np.add.at does.
BREAKS = {("word_embedding_backward", "dW"): ("float64", "float32", "float16")}


def word_embedding_backward(dout, cache):
    x, shape, dtype = cache
    dW = np.zeros(shape, dtype=dtype)
    dW[x] = dout  # repeated words overwrite each other: should be np.add.at(dW, x, dout)
    return dW
