import numpy as np


class RNNCell:
    """h_t = tanh(x @ W_ih.T + b_ih + h_prev_t @ W_hh.T + b_hh) for x (N, input_size) and
    h_prev_t (N, hidden_size); W_ih (H, D), W_hh (H, H), b_ih and b_hh (H,)."""

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
        """delta = dL/dh_t (N, H) -> (dx, dh_prev_t); stores dW_ih, dW_hh, db_ih, db_hh."""
        dz = delta * (1 - self.h_t * self.h_t)
        self.dW_ih = dz.T @ self.x
        self.dW_hh = dz.T @ self.h_prev_t
        self.db_ih = dz.sum(axis=0)
        self.db_hh = dz.sum(axis=0)
        return dz @ self.W_ih, dz @ self.W_hh
