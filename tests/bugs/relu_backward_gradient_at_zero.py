"""relu_backward passes the gradient through where x is exactly 0 (mask x >= 0)."""

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: Only inputs exactly at the kink show it: the edge tier (the API fixes the gradient there).
BREAKS = {("relu_backward", "dx_edge"): ("float64", "float32", "float16")}


def relu_backward(dout, cache):
    x = cache
    return dout * (x >= 0)
