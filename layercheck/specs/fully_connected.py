"""Specs of the fully connected section of docs/LAYER_API.md."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st

from layercheck.core.cases import (
    Case,
    away_from_zero,
    dims,
    labels,
    normal,
    parameters,
    seeds,
    trailing_dims,
)
from layercheck.core.dtypes import EPS
from layercheck.specs import COURSE_API, Spec, properties

# Value distributions: activations at several scales, shifted so that variances cancel.
SCALES = [1.0, 0.1, 10.0]
SHIFTS = [0.0, 2.0]
#: A parameter dict's optional keys: None draws the key absent, so the documented default
#: (eps 1e-5, momentum 0.9: docs/LAYER_API.md) is what the implementation must use.
EPSILONS = [1e-5, 1e-3, None]


def _feature_dims(sizes: dict[str, int]) -> list[int]:
    return [size for name, size in sizes.items() if name.startswith("d")]


@st.composite
def _affine_case(draw, dtype: str) -> Case:
    n = draw(dims(1, 16))
    features = draw(trailing_dims(6))
    m = draw(dims(1, 16))
    sizes = {"N": n, **{f"d{i + 1}": d for i, d in enumerate(features)}, "M": m}
    return Case(sizes, {}, dtype, draw(seeds))


def _affine_inputs(case: Case) -> dict[str, Any]:
    rng, features = case.rng(), _feature_dims(case.sizes)
    d, m = math.prod(features), case.sizes["M"]
    return {
        "x": normal(rng, (case.sizes["N"], *features), case.dtype),
        "w": normal(rng, (d, m), case.dtype, scale=1 / math.sqrt(d)),
        "b": normal(rng, (m,), case.dtype),
    }


@st.composite
def _relu_case(draw, dtype: str) -> Case:
    features = draw(trailing_dims(8))
    sizes = {"N": draw(dims(1, 16)), **{f"d{i + 1}": d for i, d in enumerate(features)}}
    return Case(sizes, draw(_RELU_PARAMETERS), dtype, draw(seeds))


_RELU_PARAMETERS = parameters(exact_zeros=[False, True])


def _relu_at_zero(case: Case, args: dict[str, Any]) -> str | None:
    if case.params["exact_zeros"]:
        return "x exactly 0, where the API's gradient is 0 (a mask of x > 0, not x >= 0)"
    return None


def _relu_inputs(case: Case) -> dict[str, Any]:
    """Inputs clear of 0 except, when ``exact_zeros``, about a quarter exactly 0: the API fixes
    the gradient there (0), so the kink is part of the contract."""
    rng, shape = case.rng(), (case.sizes["N"], *_feature_dims(case.sizes))
    x = away_from_zero(normal(rng, shape, case.dtype), 1e-3)
    if case.params["exact_zeros"]:
        x[rng.random(shape) < 0.25] = 0
    return {"x": x}


@st.composite
def _classifier_case(draw, dtype: str, scales: st.SearchStrategy[dict]) -> Case:
    sizes = {"N": draw(dims(1, 32)), "C": draw(dims(2, 16))}
    return Case(sizes, draw(scales), dtype, draw(seeds))


def _classifier_inputs(case: Case) -> dict[str, Any]:
    rng, n, c = case.rng(), case.sizes["N"], case.sizes["C"]
    return {
        "x": normal(rng, (n, c), case.dtype, scale=case.params["scale"]),
        "y": labels(rng, n, c),
    }


def _softmax_rounding(quantity: str, args: dict[str, Any]) -> float:
    """A softmax loss's terms round Z >= 1 (log Z to u) and probabilities near 1 (to u),
    whatever the loss: u per term of the mean loss, u / N per element of dx."""
    return 1.0 if quantity == "loss" else 1.0 / len(args["y"])


_SVM_SCALES = parameters(scale=[1.0, 0.5, 3.0])
#: Logits of scale 1000 overflow exp() in any dtype unless the row maximum is subtracted.
_SOFTMAX_SCALES = parameters(scale=[1.0, 10.0, 1000.0])


def confident_logits(case: Case, args: dict[str, Any]) -> str | None:
    """A loss is edge tier where a label's true probability is below the dtype's smallest
    normal number (logits of scale 1000 in float64, of scale 10 in float16): the courses'
    ``log(probs)`` form (their starter code) takes the log of a probability that underflowed,
    infinite or far off; only a log-sum-exp stays right. The gradient stays in the core tier:
    it needs the probabilities alone."""
    x = args["x"].astype(np.float64)
    rows, labels = x.reshape(-1, x.shape[-1]), args["y"].reshape(-1)
    top = rows.max(axis=1)
    log_z = top + np.log(np.exp(rows - top[:, None]).sum(axis=1))
    log_p = rows[np.arange(len(rows)), labels] - log_z
    if log_p.min(initial=0.0) < math.log(np.finfo(case.dtype).tiny):
        return f"a label whose probability underflows {case.dtype}, so log(probs) is infinite"
    return None


def _svm_inputs(case: Case) -> dict[str, Any]:
    """Scores whose margins x_ij - x_iy + 1 stay clear of the hinge by many roundings."""
    args = _classifier_inputs(case)
    x, y = args["x"], args["y"]
    rows = np.arange(x.shape[0])
    correct = x[rows, y].astype(np.float64)[:, None]
    margins = x.astype(np.float64) - correct + 1
    gap = 8 * EPS[case.dtype] * (np.abs(x).astype(np.float64) + np.abs(correct) + 1)
    close = np.abs(margins) < gap
    close[rows, y] = False
    nudged = correct - 1 + np.where(margins < 0, -2, 2) * gap
    args["x"] = np.where(close, nudged, x).astype(case.dtype)
    return args


@st.composite
def _norm_case(draw, dtype: str, n_max: int, d_max: int, batchnorm: bool) -> Case:
    params = draw(BATCHNORM_PARAMETERS if batchnorm else _LAYERNORM)
    # torch refuses training with one value per channel: N = 1 is drawn in test mode only.
    n_min = 2 if params.get("mode") == "train" else 1
    sizes = {"N": draw(dims(n_min, n_max)), "D": draw(dims(1, d_max))}
    return Case(sizes, params, dtype, draw(seeds))


_LAYERNORM = parameters(eps=EPSILONS, scale=SCALES, shift=SHIFTS)
#: Other conventions of batch normalization a failing forward may follow (spatial too).
BATCHNORM_CONVENTIONS = {
    "unbiased_running_var": "the unbiased variance in the running statistics (torch's convention)",
    "row_shaped_running_stats": "running statistics shaped (1, D) instead of (D,)",
    "torch_momentum": (
        "torch's momentum convention (running = (1 - momentum) * running + momentum * batch)"
    ),
}
BATCHNORM_PARAMETERS = parameters(
    # Test mode follows training, which leaves running statistics behind.
    where=lambda p: p["mode"] == "train" or p["running_stats"],
    mode=["train", "test"],
    running_stats=[False, True],
    eps=EPSILONS,
    scale=SCALES,
    shift=SHIFTS,
    momentum=[0.9, 0.5, 0.99, None],
)


def norm_inputs(
    case: Case, x_shape: tuple[int, ...], channels: tuple[int, ...], param_dict: str
) -> dict[str, Any]:
    """x of `x_shape` (scaled and shifted by the case's parameters), gamma and beta of shape
    `channels`, and the parameter dict: eps, then mode and momentum (each absent where the
    case draws None) and, when the case asks for them, running statistics (a batchnorm's)."""
    rng, p = case.rng(), case.params
    args = {
        "x": normal(rng, x_shape, case.dtype, scale=p["scale"], shift=p["shift"]),
        "gamma": normal(rng, channels, case.dtype),
        "beta": normal(rng, channels, case.dtype),
        param_dict: {} if p["eps"] is None else {"eps": p["eps"]},
    }
    if "mode" in p:
        args[param_dict]["mode"] = p["mode"]
        if p["momentum"] is not None:
            args[param_dict]["momentum"] = p["momentum"]
    if p.get("running_stats"):
        args[param_dict]["running_mean"] = normal(rng, channels, case.dtype, scale=p["scale"])
        var = rng.uniform(0.5, 2.0, channels) * p["scale"] ** 2
        args[param_dict]["running_var"] = var.astype(case.dtype)
    return args


#: float16's largest value.
_HALF_MAX = float(np.finfo(np.float16).max)


def degenerate_spread(groups: Callable[[dict[str, Any]], np.ndarray], param_dict: str):
    """The edge-tier test of a normalisation's dx in float16: a group of values (a row of
    ``groups(args)``, the values one mean and variance are taken over) whose spread is so
    small that ``(var + eps) ** -1.5``, a factor of the course's staged backward
    (``dsqrtvar = -1 / sqrtvar**2 * divar``, then ``0.5 / sqrtvar``), overflows float16.
    Only a reordered formula survives such a case."""

    def why(case: Case, args: dict[str, Any]) -> str | None:
        if case.dtype != "float16" or args[param_dict].get("mode", "train") != "train":
            return None
        var = groups(args).astype(np.float64).var(axis=1)
        eps = args[param_dict].get("eps", 1e-5)
        if (var.min() + eps) ** -1.5 > _HALF_MAX:
            return "a spread so small that (var + eps) ** -1.5 overflows float16"
        return None

    return why


def _norm_inputs(case: Case, param_dict: str) -> dict[str, Any]:
    n, d = case.sizes["N"], case.sizes["D"]
    return norm_inputs(case, (n, d), (d,), param_dict)


@st.composite
def _dropout_case(draw, dtype: str) -> Case:
    sizes = {"N": draw(dims(1, 32)), "D": draw(dims(1, 32))}
    value_seed = draw(seeds)
    params = dict(draw(_DROPOUT_P))  # a copy: sampled_from hands out shared dicts
    params["mask_seed"] = value_seed % 2**31 if params.pop("seeded") else None
    return Case(sizes, params, dtype, value_seed)


#: Keep (or drop) probabilities, and whether dropout_param carries a seed: absent, the mask
#: comes from the candidate's global RNG (seeded first: failures shrink to reproducible masks).
_DROPOUT_P = parameters(
    p=[0.5, *(round(0.05 * k, 2) for k in range(1, 20) if k != 10)], seeded=[True, False]
)


def _dropout_inputs(case: Case) -> dict[str, Any]:
    shape = (case.sizes["N"], case.sizes["D"])
    return {"x": away_from_zero(normal(case.rng(), shape, case.dtype), 1e-3)}


SPECS = (
    Spec(
        forward="affine_forward",
        backward=("affine_backward",),
        args=("x", "w", "b"),
        returns=("out",),
        grads=(("dx", "x"), ("dw", "w"), ("db", "b")),
        case=_affine_case,
        inputs=_affine_inputs,
        reduction=lambda case: max(
            case.sizes["N"], case.sizes["M"], math.prod(_feature_dims(case.sizes))
        ),
        profiles=COURSE_API,
    ),
    Spec(
        forward="relu_forward",
        backward=("relu_backward",),
        args=("x",),
        returns=("out",),
        grads=(("dx", "x"),),
        case=_relu_case,
        inputs=_relu_inputs,
        edge={"dx": _relu_at_zero},
        profiles=COURSE_API,
    ),
    Spec(
        forward="svm_loss",
        backward=(),
        args=("x", "y"),
        returns=("loss", "dx"),
        grads=(("dx", "x"),),
        case=lambda dtype: _classifier_case(dtype, _SVM_SCALES),
        inputs=_svm_inputs,
        reduction=lambda case: case.sizes["N"] * case.sizes["C"],
        conventions={"over_classes": "torch's MultiMarginLoss, which also divides by C"},
        profiles=COURSE_API,
    ),
    Spec(
        forward="softmax_loss",
        backward=(),
        args=("x", "y"),
        returns=("loss", "dx"),
        grads=(("dx", "x"),),
        case=lambda dtype: _classifier_case(dtype, _SOFTMAX_SCALES),
        inputs=_classifier_inputs,
        reduction=lambda case: case.sizes["N"] * case.sizes["C"],
        rounding_scale=_softmax_rounding,
        edge={"loss": confident_logits},
        profiles=COURSE_API,
    ),
    Spec(
        forward="batchnorm_forward",
        backward=("batchnorm_backward", "batchnorm_backward_alt"),
        args=("x", "gamma", "beta", "bn_param"),
        returns=("out",),
        grads=(("dx", "x"), ("dgamma", "gamma"), ("dbeta", "beta")),
        written=(("bn_param", "running_mean"), ("bn_param", "running_var")),
        case=lambda dtype: _norm_case(dtype, 32, 16, batchnorm=True),
        inputs=lambda case: _norm_inputs(case, "bn_param"),
        reduction=lambda case: case.sizes["N"],
        checks_backward=lambda case: case.params["mode"] == "train",
        edge={"dx": degenerate_spread(lambda args: args["x"].T, "bn_param")},
        conventions=BATCHNORM_CONVENTIONS,
        profiles=COURSE_API,
    ),
    Spec(
        forward="layernorm_forward",
        backward=("layernorm_backward",),
        args=("x", "gamma", "beta", "ln_param"),
        returns=("out",),
        grads=(("dx", "x"), ("dgamma", "gamma"), ("dbeta", "beta")),
        case=lambda dtype: _norm_case(dtype, 16, 32, batchnorm=False),
        inputs=lambda case: _norm_inputs(case, "ln_param"),
        reduction=lambda case: max(case.sizes["N"], case.sizes["D"]),
        edge={"dx": degenerate_spread(lambda args: args["x"], "ln_param")},
        profiles=frozenset({"cs231n"}),
    ),
    Spec(
        forward="dropout_forward",
        backward=("dropout_backward",),
        args=("x", "dropout_param"),
        returns=("out",),
        grads=(("dx", "x"),),
        case=_dropout_case,
        inputs=_dropout_inputs,
        properties=properties.dropout,
        property_quantities=properties.DROPOUT_QUANTITIES,
        property_values=properties.DROPOUT_VALUES,
        oracle=False,
        profiles=COURSE_API,
    ),
)
