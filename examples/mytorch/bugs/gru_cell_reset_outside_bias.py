"""GRUCell applies the reset gate before adding bnh: n = tanh(Wnx x + bnx + r * (Wnh h) +
bnh), the other GRU formulation, where the course (and torch) put bnh inside the gate."""

import numpy as np

_ALL = ("float64", "float32", "float16")
_F, _B = "GRUCell.forward", "GRUCell.backward"
BREAKS = {(_F, "h_t"): _ALL} | {
    (_B, q): _ALL
    for q in ("dx", "dh_prev_t", "dWrx", "dWrh", "dWzx", "dWzh", "dWnx", "dWnh")
    + ("dbrx", "dbrh", "dbzx", "dbzh", "dbnx", "dbnh")
}


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


class GRUCell:
    def __init__(self, input_size, hidden_size):
        d, h = input_size, hidden_size
        for gate in "rzn":
            setattr(self, f"W{gate}x", np.zeros((h, d)))
            setattr(self, f"W{gate}h", np.zeros((h, h)))
            setattr(self, f"b{gate}x", np.zeros(h))
            setattr(self, f"b{gate}h", np.zeros(h))

    def forward(self, x, h_prev_t):
        self.x, self.hidden = x, h_prev_t
        self.r = _sigmoid(x @ self.Wrx.T + self.brx + h_prev_t @ self.Wrh.T + self.brh)
        self.z = _sigmoid(x @ self.Wzx.T + self.bzx + h_prev_t @ self.Wzh.T + self.bzh)
        self.hn = h_prev_t @ self.Wnh.T
        self.n = np.tanh(x @ self.Wnx.T + self.bnx + self.r * self.hn + self.bnh)
        return (1 - self.z) * self.n + self.z * h_prev_t

    def backward(self, delta):
        x, h = self.x, self.hidden
        dn = delta * (1 - self.z) * (1 - self.n * self.n)
        dz = delta * (h - self.n) * self.z * (1 - self.z)
        dr = dn * self.hn * self.r * (1 - self.r)
        dhn = dn * self.r
        dx = dn @ self.Wnx + dz @ self.Wzx + dr @ self.Wrx
        dh = delta * self.z + dhn @ self.Wnh + dz @ self.Wzh + dr @ self.Wrh
        for gate, dgate_x, dgate_h in (("r", dr, dr), ("z", dz, dz), ("n", dn, dhn)):
            setattr(self, f"dW{gate}x", dgate_x.T @ x)
            setattr(self, f"dW{gate}h", dgate_h.T @ h)
            setattr(self, f"db{gate}x", dgate_x.sum(axis=0))
            setattr(self, f"db{gate}h", dgate_h.sum(axis=0))
        self.dbnh = dn.sum(axis=0)
        return dx, dh
