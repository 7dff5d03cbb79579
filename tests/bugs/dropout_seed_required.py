"""dropout_forward seeds with dropout_param["seed"] unconditionally: the course's notebooks
call it with {"mode": "train", "p": p} and no seed, and then it raises a KeyError."""

import numpy as np

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: Without a seed the forward raises, so every check of both functions is an error there.
_ALL = ("float64", "float32", "float16")
_QUANTITIES = {
    "dropout_forward": (
        "out",
        "seed_reproducible",
        "test_identity",
        "arguments_unchanged",
        "dtype_preserved",
    ),
    "dropout_backward": ("dx", "arguments_unchanged", "dtype_preserved"),
}
BREAKS = {(function, q): _ALL for function, names in _QUANTITIES.items() for q in names}
VERDICT = "error"


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    np.random.seed(dropout_param["seed"])
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p).astype(x.dtype) / x.dtype.type(p)
        return x * mask, mask
    if mode == "test":
        return x.copy(), None
    raise ValueError(f"invalid dropout mode {mode!r}")
