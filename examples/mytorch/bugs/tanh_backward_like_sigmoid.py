"""Tanh.backward uses sigmoid's derivative A * (1 - A) instead of 1 - A ** 2."""

import numpy as np

_ALL = ("float64", "float32", "float16")
BREAKS = {("Tanh.backward", "dLdZ"): _ALL}


class Tanh:
    def forward(self, Z):
        self.A = np.tanh(Z)
        return self.A

    def backward(self, dLdA):
        return dLdA * self.A * (1 - self.A)
