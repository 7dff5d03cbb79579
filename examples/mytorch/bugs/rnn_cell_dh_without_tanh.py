"""RNNCell.backward sends delta back to h_prev_t through W_hh without tanh's derivative
(the other gradients are right)."""

import numpy as np

_ALL = ("float64", "float32", "float16")
BREAKS = {("RNNCell.backward", "dh_prev_t"): _ALL}


class RNNCell:
    def __init__(self, input_size, hidden_size):
        self.W_ih = np.zeros((hidden_size, input_size))
        self.W_hh = np.zeros((hidden_size, hidden_size))
        self.b_ih = np.zeros(hidden_size)
        self.b_hh = np.zeros(hidden_size)

    def forward(self, x, h_prev_t):
        self.x, self.h_prev_t = x, h_prev_t
        self.h_t = np.tanh(x @ self.W_ih.T + self.b_ih + h_prev_t @ self.W_hh.T + self.b_hh)
        return self.h_t

    def backward(self, delta):
        dz = delta * (1 - self.h_t * self.h_t)
        self.dW_ih = dz.T @ self.x
        self.dW_hh = dz.T @ self.h_prev_t
        self.db_ih = dz.sum(axis=0)
        self.db_hh = dz.sum(axis=0)
        return dz @ self.W_ih, delta @ self.W_hh
