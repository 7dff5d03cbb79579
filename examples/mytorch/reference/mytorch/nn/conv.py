import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class Conv1d:
    """Cross-correlation of A (N, in_channels, W_in) with W (out_channels, in_channels,
    kernel_size) plus b (out_channels,), zero padding `padding` on both sides, step `stride`:
    Z (N, out_channels, W_out), W_out = (W_in + 2 * padding - kernel_size) // stride + 1."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        self.stride, self.padding, self.kernel_size = stride, padding, kernel_size
        self.W = np.zeros((out_channels, in_channels, kernel_size))
        self.b = np.zeros(out_channels)

    def forward(self, A):
        self.A_shape = A.shape
        self.padded = np.pad(A, ((0, 0), (0, 0), (self.padding, self.padding)))
        windows = sliding_window_view(self.padded, self.kernel_size, axis=2)
        self.windows = windows[:, :, :: self.stride]  # (N, C_in, W_out, K)
        return np.einsum("ncwk,ock->now", self.windows, self.W) + self.b[:, None]

    def backward(self, dLdZ):
        """dLdZ (N, out_channels, W_out) -> dLdA; stores dLdW and dLdb."""
        self.dLdW = np.einsum("ncwk,now->ock", self.windows, dLdZ)
        self.dLdb = dLdZ.sum(axis=(0, 2))
        dpadded = np.zeros(self.padded.shape, dtype=dLdZ.dtype)
        contribution = np.einsum("now,ock->ncwk", dLdZ, self.W)
        for k in range(self.kernel_size):
            stop = k + self.stride * (dLdZ.shape[2] - 1) + 1
            dpadded[:, :, k : stop : self.stride] += contribution[..., k]
        return dpadded[:, :, self.padding : self.padding + self.A_shape[2]]


class Conv2d:
    """As Conv1d over A (N, in_channels, H, W) with square kernels W (out_channels,
    in_channels, kernel_size, kernel_size)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        self.stride, self.padding, self.kernel_size = stride, padding, kernel_size
        self.W = np.zeros((out_channels, in_channels, kernel_size, kernel_size))
        self.b = np.zeros(out_channels)

    def forward(self, A):
        self.A_shape, p, s = A.shape, self.padding, self.stride
        self.padded = np.pad(A, ((0, 0), (0, 0), (p, p), (p, p)))
        windows = sliding_window_view(self.padded, (self.kernel_size,) * 2, axis=(2, 3))
        self.windows = windows[:, :, ::s, ::s]  # (N, C_in, H_out, W_out, K, K)
        return np.einsum("nchwij,ocij->nohw", self.windows, self.W) + self.b[:, None, None]

    def backward(self, dLdZ):
        """dLdZ (N, out_channels, H_out, W_out) -> dLdA; stores dLdW and dLdb."""
        s, p, k = self.stride, self.padding, self.kernel_size
        self.dLdW = np.einsum("nchwij,nohw->ocij", self.windows, dLdZ)
        self.dLdb = dLdZ.sum(axis=(0, 2, 3))
        dpadded = np.zeros(self.padded.shape, dtype=dLdZ.dtype)
        contribution = np.einsum("nohw,ocij->nchwij", dLdZ, self.W)
        h_out, w_out = dLdZ.shape[2:]
        for i in range(k):
            for j in range(k):
                rows = slice(i, i + s * (h_out - 1) + 1, s)
                cols = slice(j, j + s * (w_out - 1) + 1, s)
                dpadded[:, :, rows, cols] += contribution[..., i, j]
        h, w = self.A_shape[2:]
        return dpadded[:, :, p : p + h, p : p + w]
