import numpy as np


class Linear:
    """Z = A @ W.T + b for A (N, in_features), W (out_features, in_features), b (out_features,)."""

    def __init__(self, in_features, out_features):
        self.W = np.zeros((out_features, in_features))
        self.b = np.zeros(out_features)

    def forward(self, A):
        self.A = A
        return A @ self.W.T + self.b

    def backward(self, dLdZ):
        """dLdZ (N, out_features) -> dLdA (N, in_features); stores dLdW and dLdb (sums
        over the batch)."""
        self.dLdW = dLdZ.T @ self.A
        self.dLdb = dLdZ.sum(axis=0)
        return dLdZ @ self.W
