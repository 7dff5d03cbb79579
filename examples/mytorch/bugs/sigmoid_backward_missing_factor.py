"""Sigmoid.backward returns dLdA * A, forgetting the (1 - A) factor."""

import numpy as np

_ALL = ("float64", "float32", "float16")
BREAKS = {("Sigmoid.backward", "dLdZ"): _ALL}


class Sigmoid:
    def forward(self, Z):
        self.A = 1 / (1 + np.exp(-Z))
        return self.A

    def backward(self, dLdA):
        return dLdA * self.A
