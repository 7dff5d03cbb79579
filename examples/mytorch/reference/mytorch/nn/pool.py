import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class _Pool2d:
    def __init__(self, kernel, stride):
        self.kernel, self.stride = kernel, stride

    def _windows(self, A):
        windows = sliding_window_view(A, (self.kernel, self.kernel), axis=(2, 3))
        return windows[:, :, :: self.stride, :: self.stride]  # (N, C, H_out, W_out, k, k)

    def _spread(self, weights):
        """Sum each window's (N, C, H_out, W_out, k, k) weights back onto A's positions."""
        dLdA = np.zeros(self.A_shape, dtype=weights.dtype)
        h_out, w_out = weights.shape[2:4]
        s = self.stride
        for i in range(self.kernel):
            for j in range(self.kernel):
                rows = slice(i, i + s * (h_out - 1) + 1, s)
                cols = slice(j, j + s * (w_out - 1) + 1, s)
                dLdA[:, :, rows, cols] += weights[..., i, j]
        return dLdA


class MaxPool2d(_Pool2d):
    """The maximum of each kernel x kernel window of A (N, C, H, W), windows `stride`
    apart (they may overlap); the gradient goes to the window's maximum."""

    def forward(self, A):
        self.A_shape = A.shape
        windows = self._windows(A)
        Z = windows.max(axis=(4, 5))
        self.is_max = windows == Z[..., None, None]
        return Z

    def backward(self, dLdZ):
        return self._spread(self.is_max * dLdZ[..., None, None])


class AvgPool2d(_Pool2d):
    """The mean of each kernel x kernel window of A (N, C, H, W), windows `stride` apart."""

    def forward(self, A):
        self.A_shape = A.shape
        return self._windows(A).mean(axis=(4, 5))

    def backward(self, dLdZ):
        share = dLdZ / (self.kernel * self.kernel)
        ones = np.ones((self.kernel, self.kernel), dtype=dLdZ.dtype)
        return self._spread(share[..., None, None] * ones)
