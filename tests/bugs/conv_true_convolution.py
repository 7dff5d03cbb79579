"""conv_forward_naive flips the kernel (a true convolution, as in signal processing) where the layer is a cross-correlation; the backward is consistent with the flip."""

from impl.conv_layers import *  # noqa: F403  (everything else correct)
from impl.conv_layers import _windows
from impl.conv_layers import conv_backward_naive as correlation_backward

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: The output and both gradients that involve the kernel's layout are wrong (dx is routed
#: through the flipped kernel, dw comes back flipped); db does not depend on it.
BREAKS = {
    ("conv_forward_naive", "out"): ("float64", "float32", "float16"),
    ("conv_backward_naive", "dx"): ("float64", "float32", "float16"),
    ("conv_backward_naive", "dw"): ("float64", "float32", "float16"),
}


def conv_forward_naive(x, w, b, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    kernel = w[:, :, ::-1, ::-1]  # flipped: conv2d and the course do not flip
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = _windows(padded, w.shape[2], w.shape[3], stride)
    out = np.tensordot(windows, kernel, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)
    return out + b[:, None, None], (windows, kernel, x.shape, stride, pad)


def conv_backward_naive(dout, cache):
    dx, dkernel, db = correlation_backward(dout, cache)
    dw = dkernel[:, :, ::-1, ::-1]  # the flipped kernel's gradient, flipped back to w's layout
    return dx, dw, db
