"""Linear.backward stores dLdW = A.T @ dLdZ, shaped (in_features, out_features): the
transpose of W's shape (square layers hide it only when in = out, and even then the values
are transposed)."""

import numpy as np

_ALL = ("float64", "float32", "float16")
BREAKS = {("Linear.backward", "dLdW"): _ALL}


class Linear:
    def __init__(self, in_features, out_features):
        self.W = np.zeros((out_features, in_features))
        self.b = np.zeros(out_features)

    def forward(self, A):
        self.A = A
        return A @ self.W.T + self.b

    def backward(self, dLdZ):
        self.dLdW = self.A.T @ dLdZ
        self.dLdb = dLdZ.sum(axis=0)
        return dLdZ @ self.W
