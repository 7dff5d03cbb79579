"""relu_backward masks the upstream gradient where dout > 0 instead of where the input x > 0."""

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
BREAKS = {
    ("relu_backward", "dx"): ("float64", "float32", "float16"),
    ("relu_backward", "dx_edge"): ("float64", "float32", "float16"),
}


def relu_backward(dout, cache):
    x = cache
    dx = dout * (dout > 0)  # should be (x > 0)
    return dx
