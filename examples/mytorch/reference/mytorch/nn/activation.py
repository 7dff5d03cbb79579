import numpy as np


class ReLU:
    """A = max(Z, 0); the gradient at Z = 0 is 0."""

    def forward(self, Z):
        self.A = np.maximum(Z, 0)
        return self.A

    def backward(self, dLdA):
        return dLdA * (self.A > 0)


class Sigmoid:
    """A = 1 / (1 + exp(-Z)), computed without overflow for large |Z|."""

    def forward(self, Z):
        e = np.exp(-np.abs(Z))
        self.A = np.where(Z >= 0, 1 / (1 + e), e / (1 + e)).astype(Z.dtype)
        return self.A

    def backward(self, dLdA):
        return dLdA * self.A * (1 - self.A)


class Tanh:
    """A = tanh(Z)."""

    def forward(self, Z):
        self.A = np.tanh(Z)
        return self.A

    def backward(self, dLdA):
        return dLdA * (1 - self.A * self.A)
