"""relu_forward zeroes the negative entries of x in place and returns x itself as the output."""

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
BREAKS = {("relu_forward", "arguments_unchanged"): ("float64", "float32", "float16")}


def relu_forward(x):
    out = x  # no copy: the caller's x is overwritten
    out[out < 0] = 0
    cache = x
    return out, cache
