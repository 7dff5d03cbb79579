"""BatchNorm1d normalises (and keeps running) with the unbiased variance (ddof = 1), torch's
running-statistics convention, instead of the course's biased one."""

import numpy as np

_ALL = ("float64", "float32", "float16")
_F, _B = "BatchNorm1d.forward", "BatchNorm1d.backward"
#: float16's flat batches (the edge tier of dLdZ) are met in float16 only.
BREAKS = {(_F, "BZ"): _ALL, (_F, "running_V"): _ALL, (_B, "dLdZ_edge"): ("float16",)} | {
    (_B, q): _ALL for q in ("dLdZ", "dLdBW")
}


class BatchNorm1d:
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
        self.V = Z.var(axis=0, ddof=1, keepdims=True)
        self.NZ = (Z - self.M) / np.sqrt(self.V + self.eps)
        self.running_M = self.alpha * self.running_M + (1 - self.alpha) * self.M
        self.running_V = self.alpha * self.running_V + (1 - self.alpha) * self.V
        return self.BW * self.NZ + self.Bb

    def backward(self, dLdBZ):
        n = dLdBZ.shape[0]
        self.dLdBW = (dLdBZ * self.NZ).sum(axis=0, keepdims=True)
        self.dLdBb = dLdBZ.sum(axis=0, keepdims=True)
        dLdNZ = dLdBZ * self.BW
        inv_std = 1 / np.sqrt(self.V + self.eps)
        return (
            inv_std / n * (n * dLdNZ - dLdNZ.sum(axis=0) - self.NZ * (dLdNZ * self.NZ).sum(axis=0))
        )
