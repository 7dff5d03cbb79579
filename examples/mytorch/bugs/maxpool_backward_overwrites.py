"""MaxPool2d.backward assigns each window's gradient (=) instead of adding it (+=): where
windows overlap (stride below the kernel) and share a maximum, one window's gradient is
lost."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

_ALL = ("float64", "float32", "float16")
BREAKS = {("MaxPool2d.backward", "dLdA"): _ALL}


class MaxPool2d:
    def __init__(self, kernel, stride):
        self.kernel, self.stride = kernel, stride

    def forward(self, A):
        self.A = A
        windows = sliding_window_view(A, (self.kernel, self.kernel), axis=(2, 3))
        return windows[:, :, :: self.stride, :: self.stride].max(axis=(4, 5))

    def backward(self, dLdZ):
        dLdA = np.zeros_like(self.A)
        k, s = self.kernel, self.stride
        for n in range(dLdZ.shape[0]):
            for c in range(dLdZ.shape[1]):
                for i in range(dLdZ.shape[2]):
                    for j in range(dLdZ.shape[3]):
                        window = self.A[n, c, i * s : i * s + k, j * s : j * s + k]
                        r, q = np.unravel_index(window.argmax(), window.shape)
                        dLdA[n, c, i * s + r, j * s + q] = dLdZ[n, c, i, j]
        return dLdA
