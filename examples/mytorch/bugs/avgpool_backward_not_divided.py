"""AvgPool2d.backward hands each window's whole gradient to every element instead of a
1 / kernel ** 2 share: right only for kernel 1."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

_ALL = ("float64", "float32", "float16")
BREAKS = {("AvgPool2d.backward", "dLdA"): _ALL}


class AvgPool2d:
    def __init__(self, kernel, stride):
        self.kernel, self.stride = kernel, stride

    def forward(self, A):
        self.A_shape = A.shape
        windows = sliding_window_view(A, (self.kernel, self.kernel), axis=(2, 3))
        return windows[:, :, :: self.stride, :: self.stride].mean(axis=(4, 5))

    def backward(self, dLdZ):
        dLdA = np.zeros(self.A_shape, dtype=dLdZ.dtype)
        k, s = self.kernel, self.stride
        for i in range(dLdZ.shape[2]):
            for j in range(dLdZ.shape[3]):
                dLdA[:, :, i * s : i * s + k, j * s : j * s + k] += dLdZ[:, :, i : i + 1, j : j + 1]
        return dLdA
