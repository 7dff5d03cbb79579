"""Conv1d.backward scatters the gradient as if stride were 1 (right at stride 1 only)."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

_ALL = ("float64", "float32", "float16")
BREAKS = {("Conv1d.backward", "dLdA"): _ALL}


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        self.stride, self.padding, self.kernel_size = stride, padding, kernel_size
        self.W = np.zeros((out_channels, in_channels, kernel_size))
        self.b = np.zeros(out_channels)

    def forward(self, A):
        self.A_shape = A.shape
        self.padded = np.pad(A, ((0, 0), (0, 0), (self.padding, self.padding)))
        windows = sliding_window_view(self.padded, self.kernel_size, axis=2)
        self.windows = windows[:, :, :: self.stride]
        return np.einsum("ncwk,ock->now", self.windows, self.W) + self.b[:, None]

    def backward(self, dLdZ):
        self.dLdW = np.einsum("ncwk,now->ock", self.windows, dLdZ)
        self.dLdb = dLdZ.sum(axis=(0, 2))
        dpadded = np.zeros(self.padded.shape, dtype=dLdZ.dtype)
        contribution = np.einsum("now,ock->ncwk", dLdZ, self.W)
        for k in range(self.kernel_size):
            dpadded[:, :, k : k + dLdZ.shape[2]] += contribution[..., k]
        return dpadded[:, :, self.padding : self.padding + self.A_shape[2]]
