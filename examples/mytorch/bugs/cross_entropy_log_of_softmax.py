"""CrossEntropyLoss takes log(softmax(A)) of the probabilities (the starter's form): where a
label's probability underflows, the loss is infinite. Only the edge tier (confident wrong
logits) meets it; the gradient needs the probabilities alone and stays right."""

import numpy as np

_ALL = ("float64", "float32", "float16")
BREAKS = {("CrossEntropyLoss.forward", "L_edge"): _ALL}


class CrossEntropyLoss:
    def forward(self, A, Y):
        self.Y = Y
        shifted = A - A.max(axis=1, keepdims=True)
        self.softmax = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        return -(Y * np.log(self.softmax)).sum() / A.shape[0]

    def backward(self):
        return (self.softmax - self.Y) / self.Y.shape[0]
