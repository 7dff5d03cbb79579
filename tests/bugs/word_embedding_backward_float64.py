"""word_embedding_backward allocates dW with `np.zeros(shape)`, which is float64 whatever W's dtype."""

import numpy as np

from impl.rnn_layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: The values are right (more accurate, even); only the dtype is wrong, which float64 cannot
#: show.
BREAKS = {("word_embedding_backward", "dtype_preserved"): ("float32", "float16")}


def word_embedding_backward(dout, cache):
    x, shape, dtype = cache
    dW = np.zeros(shape)  # float64: should be np.zeros(shape, dtype=dtype)
    np.add.at(dW, x, dout)
    return dW
