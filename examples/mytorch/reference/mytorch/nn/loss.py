import numpy as np


class CrossEntropyLoss:
    """L = mean over the batch of -sum(Y * log softmax(A)) for logits A (N, C) and one-hot
    (or probability) targets Y (N, C); backward() -> dLdA = (softmax(A) - Y) / N."""

    def forward(self, A, Y):
        self.Y = Y
        shifted = A - A.max(axis=1, keepdims=True)
        log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self.softmax = np.exp(log_softmax)
        return -(Y * log_softmax).sum() / A.shape[0]

    def backward(self):
        return (self.softmax - self.Y) / self.Y.shape[0]
