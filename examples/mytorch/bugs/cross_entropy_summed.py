"""CrossEntropyLoss sums the loss and its gradient over the batch instead of averaging:
right only at N = 1."""

import numpy as np

_ALL = ("float64", "float32", "float16")
BREAKS = {("CrossEntropyLoss.forward", q): _ALL for q in ("L", "dLdA", "L_edge")}


class CrossEntropyLoss:
    def forward(self, A, Y):
        self.Y = Y
        shifted = A - A.max(axis=1, keepdims=True)
        log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self.softmax = np.exp(log_softmax)
        return -(Y * log_softmax).sum()

    def backward(self):
        return self.softmax - self.Y
