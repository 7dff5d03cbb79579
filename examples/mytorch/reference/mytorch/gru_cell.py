import numpy as np


def _sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(z.dtype)


class GRUCell:
    """torch's GRU cell with separate weights, for x (N, input_size), h (N, hidden_size):
        r = sigmoid(x @ Wrx.T + brx + h @ Wrh.T + brh)
        z = sigmoid(x @ Wzx.T + bzx + h @ Wzh.T + bzh)
        n = tanh(x @ Wnx.T + bnx + r * (h @ Wnh.T + bnh))
        h_t = (1 - z) * n + z * h
    W?x (H, D), W?h (H, H), b?? (H,)."""

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
        self.hn = h_prev_t @ self.Wnh.T + self.bnh
        self.n = np.tanh(x @ self.Wnx.T + self.bnx + self.r * self.hn)
        return (1 - self.z) * self.n + self.z * h_prev_t

    def backward(self, delta):
        """delta = dL/dh_t (N, H) -> (dx, dh_prev_t); stores the gradient of every weight
        and bias as d<name> (dWrx, dbrx, ...)."""
        x, h = self.x, self.hidden
        dn = delta * (1 - self.z) * (1 - self.n * self.n)  # through tanh
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
        return dx, dh
