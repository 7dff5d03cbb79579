"""ReLU.backward masks with Z >= 0, so at Z exactly 0 the gradient passes (the course's is 0):
only the edge tier's exact zeros show it."""

import numpy as np

_ALL = ("float64", "float32", "float16")
BREAKS = {("ReLU.backward", "dLdZ_edge"): _ALL}


class ReLU:
    def forward(self, Z):
        self.Z = Z
        return np.maximum(Z, 0)

    def backward(self, dLdA):
        return dLdA * (self.Z >= 0)
