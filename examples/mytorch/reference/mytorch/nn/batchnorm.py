import numpy as np


class BatchNorm1d:
    """Batch normalisation of Z (N, num_features) with BW, Bb, running_M and running_V of
    shape (1, num_features). Training: the batch's mean and biased variance, and
    running = alpha * running + (1 - alpha) * batch. Eval: the running statistics."""

    def __init__(self, num_features, alpha=0.9, eps=1e-8):
        self.alpha, self.eps = alpha, eps
        self.BW = np.ones((1, num_features))
        self.Bb = np.zeros((1, num_features))
        self.running_M = np.zeros((1, num_features))
        self.running_V = np.ones((1, num_features))

    def forward(self, Z, eval=False):
        if eval:
            NZ = (Z - self.running_M) / np.sqrt(self.running_V + self.eps)
            return self.BW * NZ + self.Bb
        self.Z = Z
        self.M = Z.mean(axis=0, keepdims=True)
        self.V = Z.var(axis=0, keepdims=True)
        self.NZ = (Z - self.M) / np.sqrt(self.V + self.eps)
        self.running_M = self.alpha * self.running_M + (1 - self.alpha) * self.M
        self.running_V = self.alpha * self.running_V + (1 - self.alpha) * self.V
        return self.BW * self.NZ + self.Bb

    def backward(self, dLdBZ):
        """dLdBZ (N, num_features) -> dLdZ; stores dLdBW and dLdBb (1, num_features)."""
        n = dLdBZ.shape[0]
        self.dLdBW = (dLdBZ * self.NZ).sum(axis=0, keepdims=True)
        self.dLdBb = dLdBZ.sum(axis=0, keepdims=True)
        dLdNZ = dLdBZ * self.BW
        inv_std = 1 / np.sqrt(self.V + self.eps)
        return (
            inv_std / n * (n * dLdNZ - dLdNZ.sum(axis=0) - self.NZ * (dLdNZ * self.NZ).sum(axis=0))
        )
