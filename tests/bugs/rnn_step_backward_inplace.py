"""rnn_step_backward computes the pre-activation gradient with `da = dnext_h; da *= 1 - next_h ** 2`, overwriting the caller's dnext_h."""

from impl.rnn_layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: Every returned gradient is right.
BREAKS = {("rnn_step_backward", "arguments_unchanged"): ("float64", "float32", "float16")}


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h  # not a copy
    da *= 1 - next_h**2  # in place: this is the caller's dnext_h
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)
