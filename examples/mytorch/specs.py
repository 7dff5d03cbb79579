"""The MyTorch course's layers (CMU 11-785 style): classes whose ``forward`` returns the
output and whose ``backward`` returns the input's gradient and stores the parameters'
gradients on the object. The API is in ``examples/mytorch/README.md``.

    layercheck check examples/mytorch/reference --specs examples/mytorch/specs.py

Each layer is a `Spec.of_class`: the `Method` says how the class is called, ``torch`` is its
oracle (forward only: gradients come from autograd), ``case`` draws sizes and parameters,
``inputs`` fills the arrays. The constructor's arguments arrive as the dict ``init``.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import strategies as st

from layercheck.api import (
    Case,
    Method,
    Profile,
    Spec,
    away_from_zero,
    dims,
    normal,
    parameters,
    seeds,
)

COURSE = frozenset({"mytorch"})
PROFILES = [
    Profile(
        "mytorch",
        assignments={
            "1": ("Linear", "ReLU", "Sigmoid", "Tanh", "CrossEntropyLoss", "BatchNorm1d"),
            "2": ("Conv1d", "Conv2d", "MaxPool2d", "AvgPool2d"),
            "3": ("RNNCell", "GRUCell"),
        },
    )
]


@st.composite
def _sized(draw, dtype: str, ranges: dict[str, tuple[int, int]], params=None) -> Case:
    """A case with one size per name (lo, hi) and, when given, drawn parameters."""
    sizes = {name: draw(dims(lo, hi)) for name, (lo, hi) in ranges.items()}
    return Case(sizes, dict(draw(params)) if params is not None else {}, dtype, draw(seeds))


# Linear ----------------------------------------------------------------------------------


def _linear_inputs(case: Case) -> dict:
    rng, s = case.rng(), case.sizes
    return {
        "init": {"in_features": s["D"], "out_features": s["M"]},
        "W": normal(rng, (s["M"], s["D"]), case.dtype, scale=1 / math.sqrt(s["D"])),
        "b": normal(rng, (s["M"],), case.dtype),
        "A": normal(rng, (s["N"], s["D"]), case.dtype),
    }


def linear(init, W, b, A):
    return {"Z": F.linear(A, W, b)}


# Activations ------------------------------------------------------------------------------

_ACTIVATION_SIZES = {"N": (1, 16), "D": (1, 16)}
_KINK = parameters(exact_zeros=[False, True])


def _activation_inputs(case: Case) -> dict:
    """Z at scale 3, clear of 0 except, when ``exact_zeros``, about a quarter exactly 0."""
    rng, shape = case.rng(), (case.sizes["N"], case.sizes["D"])
    Z = away_from_zero(normal(rng, shape, case.dtype, scale=3.0), 1e-3)
    if case.params.get("exact_zeros"):
        Z[rng.random(shape) < 0.25] = 0
    return {"init": {}, "Z": Z}


def _relu_at_zero(case: Case, args: dict) -> str | None:
    if case.params["exact_zeros"]:
        return "Z exactly 0, where the course's gradient is 0 (a mask of A > 0)"
    return None


def _activation(name: str, function, params=None, **fields) -> Spec:
    return Spec.of_class(
        Method(name),
        args=("init", "Z"),
        returns=("A",),
        grads=(("dLdZ", "Z"),),
        case=lambda dtype: _sized(dtype, _ACTIVATION_SIZES, params),
        inputs=_activation_inputs,
        torch=lambda init, Z: {"A": function(Z)},
        profiles=COURSE,
        **fields,
    )


# Cross-entropy -----------------------------------------------------------------------------

_LOGIT_SCALES = parameters(scale=[1.0, 10.0, 1000.0])


def _cross_entropy_inputs(case: Case) -> dict:
    rng, n, c = case.rng(), case.sizes["N"], case.sizes["C"]
    return {
        "init": {},
        "A": normal(rng, (n, c), case.dtype, scale=case.params["scale"]),
        "Y": np.eye(c, dtype=case.dtype)[rng.integers(0, c, size=n)],
    }


def _underflow(case: Case, args: dict) -> str | None:
    """Edge tier where a probability underflows the dtype: the course's form
    ``-(Y * log(softmax)).sum()`` then takes 0 * log(0); only a log-sum-exp stays right. The
    gradient needs the probabilities alone and stays in the core tier."""
    A = args["A"].astype(np.float64)
    top = A.max(axis=1, keepdims=True)
    log_softmax = A - top - np.log(np.exp(A - top).sum(axis=1, keepdims=True))
    if log_softmax.min() < math.log(np.finfo(case.dtype).tiny):
        return f"a probability that underflows {case.dtype}, so log(softmax) is infinite"
    return None


def cross_entropy(init, A, Y):
    return {"L": F.cross_entropy(A, Y)}


# BatchNorm1d ------------------------------------------------------------------------------

#: alpha and eps drawn given or absent (None): absent, the defaults 0.9 and 1e-8 apply.
_BATCHNORM = parameters(
    eval=[False, True], alpha=[None, 0.5], eps=[None, 1e-5], scale=[1.0, 0.1, 10.0]
)


def _batchnorm_inputs(case: Case) -> dict:
    rng, p, (n, d) = case.rng(), case.params, (case.sizes["N"], case.sizes["D"])
    init = {"num_features": d} | {k: p[k] for k in ("alpha", "eps") if p[k] is not None}
    return {
        "init": init,
        "BW": normal(rng, (1, d), case.dtype),
        "Bb": normal(rng, (1, d), case.dtype),
        "running_M": normal(rng, (1, d), case.dtype, scale=p["scale"]),
        "running_V": (rng.uniform(0.5, 2.0, (1, d)) * p["scale"] ** 2).astype(case.dtype),
        "Z": normal(rng, (n, d), case.dtype, scale=p["scale"], shift=1.0),
        "eval": p["eval"],
    }


def batchnorm(init, BW, Bb, running_M, running_V, Z, eval):
    alpha, eps = init.get("alpha", 0.9), init.get("eps", 1e-8)
    if eval:
        NZ = (Z - running_M) / torch.sqrt(running_V + eps)
        return {"BZ": BW * NZ + Bb, "running_M": running_M, "running_V": running_V}
    M, V = Z.mean(dim=0, keepdim=True), Z.var(dim=0, correction=0, keepdim=True)
    return {
        "BZ": BW * (Z - M) / torch.sqrt(V + eps) + Bb,
        "running_M": alpha * running_M + (1 - alpha) * M,
        "running_V": alpha * running_V + (1 - alpha) * V,
    }


def _tiny_spread(case: Case, args: dict) -> str | None:
    """float16 batches whose variance plus eps is so small that 1 / sqrt(V + eps) ** 3, a
    factor of the staged backward, overflows: only a reordered formula survives them."""
    if case.dtype != "float16" or args["eval"]:
        return None
    V = args["Z"].astype(np.float64).var(axis=0).min()
    if (V + args["init"].get("eps", 1e-8)) ** -1.5 > float(np.finfo(np.float16).max):
        return "a batch so flat that (V + eps) ** -1.5 overflows float16"
    return None


# Convolution and pooling -------------------------------------------------------------------

#: Shapes are drawn through the output size, so windows fit: W_in = (W_out - 1) * stride
#: + kernel - 2 * padding (drawn again where that is not positive). pad and stride go past 2.
_CONV = parameters(stride=[1, 2, 3], padding=[0, 1, 2, 3])


@st.composite
def _conv_case(draw, dtype: str) -> Case:
    params = dict(draw(_CONV))
    k = draw(dims(1, 4))
    low = -((-(2 * params["padding"] - k + 1)) // params["stride"]) + 1  # input size >= 1
    out = draw(dims(max(low, 1), max(low, 1) + 3))
    sizes = {"N": draw(dims(1, 3)), "C": draw(dims(1, 3)), "O": draw(dims(1, 3)), "K": k}
    sizes["out"] = out
    return Case(sizes, params, dtype, draw(seeds))


def _conv_inputs(case: Case, spatial: int) -> dict:
    rng, s, p = case.rng(), case.sizes, case.params
    width = (s["out"] - 1) * p["stride"] + s["K"] - 2 * p["padding"]
    fan_in = s["C"] * s["K"] ** spatial
    return {
        "init": {
            "in_channels": s["C"],
            "out_channels": s["O"],
            "kernel_size": s["K"],
            "stride": p["stride"],
            "padding": p["padding"],
        },
        "W": normal(rng, (s["O"], s["C"], *(s["K"],) * spatial), case.dtype, 1 / math.sqrt(fan_in)),
        "b": normal(rng, (s["O"],), case.dtype),
        "A": normal(rng, (s["N"], s["C"], *(width,) * spatial), case.dtype),
    }


def _conv_reduction(spatial: int):
    def reduction(case: Case) -> int:
        s = case.sizes
        return max(s["C"] * s["K"] ** spatial, s["N"] * s["out"] ** spatial * s["O"])

    return reduction


def _conv(function):
    def forward(init, W, b, A):
        return {"Z": function(A, W, b, stride=init["stride"], padding=init["padding"])}

    return forward


_POOL = parameters(kernel=[2, 1, 3], stride=[2, 1, 3])


@st.composite
def _pool_case(draw, dtype: str) -> Case:
    sizes = {"N": draw(dims(1, 3)), "C": draw(dims(1, 3)), "out": draw(dims(1, 4))}
    return Case(sizes, dict(draw(_POOL)), dtype, draw(seeds))


def _pool_inputs(case: Case) -> dict:
    """Distinct values (no ties in any dtype: multiples of 1/8 below 2048 / 8), so the
    maximum of every window is unique."""
    rng, s, p = case.rng(), case.sizes, case.params
    size = (s["out"] - 1) * p["stride"] + p["kernel"]
    count = s["N"] * s["C"] * size * size
    values = (rng.permutation(count) - count / 2) / 8
    return {
        "init": {"kernel": p["kernel"], "stride": p["stride"]},
        "A": values.reshape(s["N"], s["C"], size, size).astype(case.dtype),
    }


def _pool(function):
    def forward(init, A):
        return {"Z": function(A, init["kernel"], init["stride"])}

    return forward


# Recurrent cells --------------------------------------------------------------------------

_CELL = {"N": (1, 4), "D": (1, 6), "H": (1, 6)}
_GRU_WEIGHTS = tuple(
    f"{kind}{gate}{source}" for gate in "rzn" for kind, source in (("W", "x"), ("W", "h"))
) + tuple(f"b{gate}{source}" for gate in "rzn" for source in "xh")


def _cell_inputs(case: Case, weights: tuple[str, ...]) -> dict:
    """Weights of scale 1 / sqrt(fan-in): W_ih and W?x (H, D), W_hh and W?h (H, H); biases
    (H,) of scale 0.5; x (N, D), h_prev_t (N, H)."""
    rng, s = case.rng(), case.sizes
    n, d, h = s["N"], s["D"], s["H"]
    found = {"init": {"input_size": d, "hidden_size": h}}
    for name in weights:
        if name.startswith("b"):
            found[name] = normal(rng, (h,), case.dtype, scale=0.5)
        else:
            cols = d if name.endswith(("x", "_ih")) else h
            found[name] = normal(rng, (h, cols), case.dtype, scale=1 / math.sqrt(cols))
    found["x"] = normal(rng, (n, d), case.dtype)
    found["h_prev_t"] = normal(rng, (n, h), case.dtype, scale=0.5)
    return found


_RNN_WEIGHTS = ("W_ih", "W_hh", "b_ih", "b_hh")


def rnn_cell(init, W_ih, W_hh, b_ih, b_hh, x, h_prev_t):
    return {"h_t": torch.tanh(x @ W_ih.T + b_ih + h_prev_t @ W_hh.T + b_hh)}


def gru_cell(init, Wrx, Wrh, Wzx, Wzh, Wnx, Wnh, brx, brh, bzx, bzh, bnx, bnh, x, h_prev_t):
    r = torch.sigmoid(x @ Wrx.T + brx + h_prev_t @ Wrh.T + brh)
    z = torch.sigmoid(x @ Wzx.T + bzx + h_prev_t @ Wzh.T + bzh)
    n = torch.tanh(x @ Wnx.T + bnx + r * (h_prev_t @ Wnh.T + bnh))
    return {"h_t": (1 - z) * n + z * h_prev_t}


def _cell(name: str, weights: tuple[str, ...], oracle) -> Spec:
    return Spec.of_class(
        Method(name, attributes=weights, stored=tuple(f"d{w}" for w in weights)),
        args=("init", *weights, "x", "h_prev_t"),
        returns=("h_t",),
        grads=(("dx", "x"), ("dh_prev_t", "h_prev_t"), *((f"d{w}", w) for w in weights)),
        case=lambda dtype: _sized(dtype, _CELL),
        inputs=lambda case: _cell_inputs(case, weights),
        reduction=lambda case: max(case.sizes.values()) * 3,
        torch=oracle,
        profiles=COURSE,
    )


SPECS = [
    Spec.of_class(
        Method("Linear", attributes=("W", "b"), stored=("dLdW", "dLdb")),
        args=("init", "W", "b", "A"),
        returns=("Z",),
        grads=(("dLdA", "A"), ("dLdW", "W"), ("dLdb", "b")),
        case=lambda dtype: _sized(dtype, {"N": (1, 16), "D": (1, 16), "M": (1, 16)}),
        inputs=_linear_inputs,
        reduction=lambda case: max(case.sizes.values()),
        torch=linear,
        profiles=COURSE,
    ),
    _activation("ReLU", torch.relu, params=_KINK, edge={"dLdZ": _relu_at_zero}),
    _activation("Sigmoid", torch.sigmoid),
    _activation("Tanh", torch.tanh),
    Spec.of_class(
        Method("CrossEntropyLoss", loss=True),
        args=("init", "A", "Y"),
        returns=("L", "dLdA"),
        grads=(("dLdA", "A"),),
        case=lambda dtype: _sized(dtype, {"N": (1, 16), "C": (2, 10)}, _LOGIT_SCALES),
        inputs=_cross_entropy_inputs,
        reduction=lambda case: case.sizes["N"] * case.sizes["C"],
        rounding_scale=lambda quantity, args: 1.0 if quantity == "L" else 1 / len(args["A"]),
        edge={"L": _underflow},
        torch=cross_entropy,
        profiles=COURSE,
    ),
    Spec.of_class(
        Method(
            "BatchNorm1d",
            attributes=("BW", "Bb", "running_M", "running_V"),
            written=("running_M", "running_V"),
            stored=("dLdBW", "dLdBb"),
        ),
        args=("init", "BW", "Bb", "running_M", "running_V", "Z", "eval"),
        returns=("BZ", "running_M", "running_V"),
        upstreams=("BZ",),
        grads=(("dLdZ", "Z"), ("dLdBW", "BW"), ("dLdBb", "Bb")),
        # torch refuses training statistics of one value per feature: N >= 2 in training
        case=lambda dtype: _sized(dtype, {"N": (2, 16), "D": (1, 8)}, _BATCHNORM),
        inputs=_batchnorm_inputs,
        reduction=lambda case: case.sizes["N"],
        checks_backward=lambda case: not case.params["eval"],
        edge={"dLdZ": _tiny_spread},
        torch=batchnorm,
        profiles=COURSE,
    ),
    *(
        Spec.of_class(
            Method(name, attributes=("W", "b"), stored=("dLdW", "dLdb")),
            args=("init", "W", "b", "A"),
            returns=("Z",),
            grads=(("dLdA", "A"), ("dLdW", "W"), ("dLdb", "b")),
            case=_conv_case,
            inputs=lambda case, spatial=spatial: _conv_inputs(case, spatial),
            reduction=_conv_reduction(spatial),
            torch=_conv(function),
            profiles=COURSE,
        )
        for name, spatial, function in (("Conv1d", 1, F.conv1d), ("Conv2d", 2, F.conv2d))
    ),
    *(
        Spec.of_class(
            Method(name),
            args=("init", "A"),
            returns=("Z",),
            grads=(("dLdA", "A"),),
            case=_pool_case,
            inputs=_pool_inputs,
            reduction=lambda case: 9,
            torch=_pool(function),
            profiles=COURSE,
        )
        for name, function in (("MaxPool2d", F.max_pool2d), ("AvgPool2d", F.avg_pool2d))
    ),
    _cell("RNNCell", _RNN_WEIGHTS, rnn_cell),
    _cell("GRUCell", _GRU_WEIGHTS, gru_cell),
]
