"""Linear.backward averages dLdb over the batch instead of summing it (right only at N = 1)."""

import numpy as np

_ALL = ("float64", "float32", "float16")
BREAKS = {("Linear.backward", "dLdb"): _ALL}


class Linear:
    def __init__(self, in_features, out_features):
        self.W = np.zeros((out_features, in_features))
        self.b = np.zeros(out_features)

    def forward(self, A):
        self.A = A
        return A @ self.W.T + self.b

    def backward(self, dLdZ):
        self.dLdW = dLdZ.T @ self.A
        self.dLdb = dLdZ.mean(axis=0)
        return dLdZ @ self.W
