"""Specs of the convolutional section of docs/LAYER_API.md: convolution, max pooling, spatial
batch and group normalisation.

Shapes are drawn through the output size, so every window fits exactly:
``H = (H' - 1) * stride + HH - 2 * pad`` (the courses' fast layers assert it, and naive code
may too). Sizes stay small enough for loop-based code.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st

from layercheck.core.cases import Case, dims, normal, parameters, seeds
from layercheck.specs import COURSE_API, Spec, properties
from layercheck.specs.fully_connected import (
    BATCHNORM_CONVENTIONS,
    BATCHNORM_PARAMETERS,
    EPSILONS,
    SCALES,
    SHIFTS,
    degenerate_spread,
    norm_inputs,
)

CS231N = frozenset({"cs231n"})

#: Past the values where two plausible formulas agree (2 * pad and pad + 2 at pad = 2).
_CONV = parameters(stride=[1, 2, 3], pad=[0, 1, 2, 3])


@st.composite
def _conv_case(draw, dtype: str) -> Case:
    params = draw(_CONV)
    stride, pad = params["stride"], params["pad"]
    kh, kw = draw(dims(1, 4)), draw(dims(1, 4))
    # The output size, and hence H = (H' - 1) * stride + HH - 2 * pad, at least 1 (up to 5,
    # or the least that allows where a wide pad needs more).
    low_h = max(1, math.ceil((1 + 2 * pad - kh) / stride) + 1)
    low_w = max(1, math.ceil((1 + 2 * pad - kw) / stride) + 1)
    ho, wo = draw(dims(low_h, max(low_h, 5))), draw(dims(low_w, max(low_w, 5)))
    sizes = {
        "N": draw(dims(1, 3)),
        "C": draw(dims(1, 3)),
        "H": (ho - 1) * stride + kh - 2 * pad,
        "W": (wo - 1) * stride + kw - 2 * pad,
        "F": draw(dims(1, 4)),
        "HH": kh,
        "WW": kw,
    }
    return Case(sizes, params, dtype, draw(seeds))


def _conv_inputs(case: Case) -> dict[str, Any]:
    rng, s = case.rng(), case.sizes
    fan_in = s["C"] * s["HH"] * s["WW"]
    return {
        "x": normal(rng, (s["N"], s["C"], s["H"], s["W"]), case.dtype),
        "w": normal(rng, (s["F"], s["C"], s["HH"], s["WW"]), case.dtype, 1 / math.sqrt(fan_in)),
        "b": normal(rng, (s["F"],), case.dtype),
        "conv_param": dict(case.params),
    }


def _conv_reduction(case: Case) -> int:
    """The longest sum: out over C * HH * WW, dw and db over N * H' * W', dx over F * HH * WW."""
    s, pad, stride = case.sizes, case.params["pad"], case.params["stride"]
    ho = (s["H"] + 2 * pad - s["HH"]) // stride + 1
    wo = (s["W"] + 2 * pad - s["WW"]) // stride + 1
    return max(s["C"] * s["HH"] * s["WW"], s["N"] * ho * wo, s["F"] * s["HH"] * s["WW"])


_POOL = parameters(pool_height=[2, 1, 3], pool_width=[2, 1, 3], stride=[2, 1, 3])


@st.composite
def _pool_case(draw, dtype: str) -> Case:
    params = draw(_POOL)
    sizes = {
        "N": draw(dims(1, 3)),
        "C": draw(dims(1, 3)),
        "H": (draw(dims(1, 4)) - 1) * params["stride"] + params["pool_height"],
        "W": (draw(dims(1, 4)) - 1) * params["stride"] + params["pool_width"],
    }
    return Case(sizes, params, dtype, draw(seeds))


def _distinct(rng: np.random.Generator, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    """Distinct values of both signs and magnitude about 1, exact in every dtype (integers
    below 2048 times a power of two): no window has two maxima."""
    count = math.prod(shape)
    step = 2.0 ** -max(0, math.ceil(math.log2(max(count, 2))) - 2)
    return ((rng.permutation(count) - count // 2) * step).reshape(shape).astype(dtype)


def _pool_inputs(case: Case) -> dict[str, Any]:
    s = case.sizes
    x = _distinct(case.rng(), (s["N"], s["C"], s["H"], s["W"]), case.dtype)
    return {"x": x, "pool_param": dict(case.params)}


_SPATIAL_BATCHNORM = BATCHNORM_PARAMETERS


@st.composite
def _spatial_batchnorm_case(draw, dtype: str) -> Case:
    params = draw(_SPATIAL_BATCHNORM)
    sizes = {n: draw(dims(1, hi)) for n, hi in (("N", 4), ("C", 4), ("H", 5))}
    # torch refuses training with one value per channel (N * H * W = 1).
    one = params["mode"] == "train" and sizes["N"] * sizes["H"] == 1
    sizes["W"] = draw(dims(2 if one else 1, 5))
    return Case(sizes, params, dtype, draw(seeds))


_GROUPNORM = parameters(eps=EPSILONS, scale=SCALES, shift=SHIFTS)


@st.composite
def _groupnorm_case(draw, dtype: str) -> Case:
    groups, per_group = draw(dims(1, 4)), draw(dims(1, 3))  # G = C when one channel each
    sizes = {"N": draw(dims(1, 3)), "C": groups * per_group, "H": draw(dims(1, 4))}
    sizes["W"] = draw(dims(1, 4))
    return Case(sizes, {"G": groups, **draw(_GROUPNORM)}, dtype, draw(seeds))


def _groupnorm_reduction(s: dict[str, int]) -> int:
    """Statistics over C/G * H * W (at most C * H * W); dgamma and dbeta over N * H * W."""
    return s["H"] * s["W"] * max(s["N"], s["C"])


def _spatial_batchnorm_inputs(case: Case) -> dict[str, Any]:
    s = case.sizes
    return norm_inputs(case, (s["N"], s["C"], s["H"], s["W"]), (s["C"],), "bn_param")


def _per_channel(args: dict[str, Any]) -> np.ndarray:
    """x's values, a row per channel: what spatial batchnorm's statistics are taken over."""
    x = args["x"]
    return x.transpose(1, 0, 2, 3).reshape(x.shape[1], -1)


def _per_group(args: dict[str, Any]) -> np.ndarray:
    """x's values, a row per sample and group: what groupnorm's statistics are taken over."""
    x = args["x"]
    return x.reshape(x.shape[0] * args["G"], -1)


def _groupnorm_inputs(case: Case) -> dict[str, Any]:
    """gamma and beta shaped (1, C, 1, 1), as the API's groupnorm has them."""
    s = case.sizes
    args = norm_inputs(case, (s["N"], s["C"], s["H"], s["W"]), (1, s["C"], 1, 1), "gn_param")
    return {**args, "G": case.params["G"]}


SPECS = (
    Spec(
        forward="conv_forward_naive",
        backward=("conv_backward_naive",),
        args=("x", "w", "b", "conv_param"),
        returns=("out",),
        grads=(("dx", "x"), ("dw", "w"), ("db", "b")),
        case=_conv_case,
        inputs=_conv_inputs,
        reduction=_conv_reduction,
        profiles=COURSE_API,
    ),
    Spec(
        forward="max_pool_forward_naive",
        backward=("max_pool_backward_naive",),
        args=("x", "pool_param"),
        returns=("out",),
        grads=(("dx", "x"),),
        case=_pool_case,
        inputs=_pool_inputs,
        reduction=lambda case: 9,  # dx accumulates at most 3 x 3 overlapping windows
        properties=properties.pool_ties,
        property_quantities={
            "max_pool_forward_naive": ("out_ties",),
            "max_pool_backward_naive": ("dx_ties",),
        },
        edge_properties=frozenset({"out_ties", "dx_ties"}),
        profiles=COURSE_API,
    ),
    Spec(
        forward="spatial_batchnorm_forward",
        backward=("spatial_batchnorm_backward",),
        args=("x", "gamma", "beta", "bn_param"),
        returns=("out",),
        grads=(("dx", "x"), ("dgamma", "gamma"), ("dbeta", "beta")),
        written=(("bn_param", "running_mean"), ("bn_param", "running_var")),
        case=_spatial_batchnorm_case,
        inputs=_spatial_batchnorm_inputs,
        reduction=lambda case: math.prod(case.sizes[n] for n in "NHW"),
        checks_backward=lambda case: case.params["mode"] == "train",
        edge={"dx": degenerate_spread(_per_channel, "bn_param")},
        conventions={
            id: why for id, why in BATCHNORM_CONVENTIONS.items() if id != "row_shaped_running_stats"
        },
        profiles=COURSE_API,
    ),
    Spec(
        forward="spatial_groupnorm_forward",
        backward=("spatial_groupnorm_backward",),
        args=("x", "gamma", "beta", "G", "gn_param"),
        returns=("out",),
        grads=(("dx", "x"), ("dgamma", "gamma"), ("dbeta", "beta")),
        case=_groupnorm_case,
        inputs=_groupnorm_inputs,
        reduction=lambda case: _groupnorm_reduction(case.sizes),
        edge={"dx": degenerate_spread(_per_group, "gn_param")},
        profiles=CS231N,
    ),
)
