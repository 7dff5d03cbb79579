"""Specs of the recurrent section of docs/LAYER_API.md: RNN and LSTM steps and sequences, word
embeddings, the temporal affine layer and the masked temporal softmax loss.

Batch first (x is (N, T, D)); T = 1 and N = 1 are in every domain; weights are scaled by
1 / sqrt(fan-in) so activations neither vanish nor saturate everywhere.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st

from layercheck.core.cases import Case, dims, labels, normal, parameters, seeds
from layercheck.specs import Spec
from layercheck.specs.fully_connected import confident_logits

#: Profiles that have the recurrent layers (ucla-c147 has none).
RECURRENT_PROFILES = frozenset({"cs231n", "cs231n-2017"})


@st.composite
def _sized_case(draw, dtype: str, ranges: tuple[tuple[str, int, int], ...], params=None) -> Case:
    """A case with one size per (name, lo, hi) and, when given, drawn parameters."""
    sizes = {name: draw(dims(lo, hi)) for name, lo, hi in ranges}
    return Case(sizes, draw(params) if params is not None else {}, dtype, draw(seeds))


def _cell_inputs(case: Case, gates: int, *, sequence: bool, cell_state: bool = False):
    """x, the previous (or initial) hidden state, maybe the cell state, Wx (D, gates * H),
    Wh (H, gates * H) and b (gates * H,)."""
    rng, s, dtype = case.rng(), case.sizes, case.dtype
    n, d, h = s["N"], s["D"], s["H"]
    x_shape = (n, s["T"], d) if sequence else (n, d)
    args = {
        "x": normal(rng, x_shape, dtype),
        ("h0" if sequence else "prev_h"): normal(rng, (n, h), dtype),
    }
    if cell_state:
        args["prev_c"] = normal(rng, (n, h), dtype)
    args["Wx"] = normal(rng, (d, gates * h), dtype, scale=1 / math.sqrt(d))
    args["Wh"] = normal(rng, (h, gates * h), dtype, scale=1 / math.sqrt(h))
    args["b"] = normal(rng, (gates * h,), dtype, scale=0.5)
    return args


def _embedding_inputs(case: Case) -> dict[str, Any]:
    """Indices from a small vocabulary, so rows repeat (V = 1: every index is the same)."""
    rng, s = case.rng(), case.sizes
    return {
        "x": rng.integers(0, s["V"], (s["N"], s["T"])),
        "W": normal(rng, (s["V"], s["D"]), case.dtype),
    }


def _temporal_affine_inputs(case: Case) -> dict[str, Any]:
    rng, s = case.rng(), case.sizes
    return {
        "x": normal(rng, (s["N"], s["T"], s["D"]), case.dtype),
        "w": normal(rng, (s["D"], s["M"]), case.dtype, scale=1 / math.sqrt(s["D"])),
        "b": normal(rng, (s["M"],), case.dtype),
    }


#: Logits of scale 1000 overflow exp() unless the maximum is subtracted; masks keep most
#: positions, keep all, or leave whole sequences (rows) masked out.
#: ``verbose`` absent (None) or given False (True only prints).
_TEMPORAL_SOFTMAX = parameters(
    scale=[1.0, 10.0, 1000.0], mask=["some", "all", "empty_rows"], verbose=[None, False]
)


def _temporal_softmax_rounding(quantity: str, args: dict[str, Any]) -> float:
    """As for softmax_loss: u per unmasked term of the loss (summed, divided by N), u / N
    per element of dx, however confident the prediction and small the truth."""
    count, n = int(np.count_nonzero(args["mask"])), len(args["y"])
    return count / n if quantity == "loss" else 1.0 / n


def _temporal_softmax_inputs(case: Case) -> dict[str, Any]:
    rng, s, p = case.rng(), case.sizes, case.params
    n, t, v = s["N"], s["T"], s["V"]
    mask = rng.random((n, t)) < 0.7
    if p["mask"] == "all":
        mask[:] = True
    elif p["mask"] == "empty_rows":
        mask[0] = False
        mask[rng.random(n) < 0.5] = False
    args = {
        "x": normal(rng, (n, t, v), case.dtype, scale=p["scale"]),
        "y": labels(rng, n * t, v).reshape(n, t),
        "mask": mask,
    }
    return args if p.get("verbose") is None else {**args, "verbose": p["verbose"]}


_STEP = (("N", 1, 4), ("D", 1, 8), ("H", 1, 6))
_SEQUENCE = (("N", 1, 3), ("T", 1, 6), ("D", 1, 6), ("H", 1, 6))
_RNN_GRADS = (("dx", "x"), ("dWx", "Wx"), ("dWh", "Wh"), ("db", "b"))
_TORCH_GATE_ORDER = {
    "torch_gate_order": "torch's gate order i, f, g, o (the course's is i, f, o, g)"
}


def _longest(*names: str, gates: int = 1, over_time: bool = False):
    """The reduction length: the largest of the named sizes (H times `gates`), times T for
    a backward through time."""

    def reduction(case: Case) -> int:
        s = case.sizes
        longest = max(s[name] * (gates if name == "H" else 1) for name in names)
        return longest * (s["T"] if over_time else 1)

    return reduction


SPECS = (
    Spec(
        forward="rnn_step_forward",
        backward=("rnn_step_backward",),
        args=("x", "prev_h", "Wx", "Wh", "b"),
        returns=("next_h",),
        grads=(("dx", "x"), ("dprev_h", "prev_h"), *_RNN_GRADS[1:]),
        case=lambda dtype: _sized_case(dtype, _STEP),
        inputs=lambda case: _cell_inputs(case, 1, sequence=False),
        reduction=_longest("N", "D", "H"),
        profiles=RECURRENT_PROFILES,
    ),
    Spec(
        forward="rnn_forward",
        backward=("rnn_backward",),
        args=("x", "h0", "Wx", "Wh", "b"),
        returns=("h",),
        grads=(("dx", "x"), ("dh0", "h0"), *_RNN_GRADS[1:]),
        case=lambda dtype: _sized_case(dtype, _SEQUENCE),
        inputs=lambda case: _cell_inputs(case, 1, sequence=True),
        reduction=_longest("N", "D", "H", over_time=True),
        profiles=RECURRENT_PROFILES,
    ),
    Spec(
        forward="word_embedding_forward",
        backward=("word_embedding_backward",),
        args=("x", "W"),
        returns=("out",),
        grads=(("dW", "W"),),
        case=lambda dtype: _sized_case(dtype, (("N", 1, 3), ("T", 1, 6), ("V", 1, 8), ("D", 1, 6))),
        inputs=_embedding_inputs,
        reduction=lambda case: case.sizes["N"] * case.sizes["T"],
        profiles=RECURRENT_PROFILES,
    ),
    Spec(
        forward="lstm_step_forward",
        backward=("lstm_step_backward",),
        args=("x", "prev_h", "prev_c", "Wx", "Wh", "b"),
        returns=("next_h", "next_c"),
        upstreams=("next_h", "next_c"),
        grads=(("dx", "x"), ("dprev_h", "prev_h"), ("dprev_c", "prev_c"), *_RNN_GRADS[1:]),
        case=lambda dtype: _sized_case(dtype, _STEP),
        inputs=lambda case: _cell_inputs(case, 4, sequence=False, cell_state=True),
        reduction=_longest("N", "D", "H", gates=4),
        profiles=RECURRENT_PROFILES,
        conventions=_TORCH_GATE_ORDER,
    ),
    Spec(
        forward="lstm_forward",
        backward=("lstm_backward",),
        args=("x", "h0", "Wx", "Wh", "b"),
        returns=("h",),
        grads=(("dx", "x"), ("dh0", "h0"), *_RNN_GRADS[1:]),
        case=lambda dtype: _sized_case(dtype, _SEQUENCE),
        inputs=lambda case: _cell_inputs(case, 4, sequence=True),
        reduction=_longest("N", "D", "H", gates=4, over_time=True),
        profiles=RECURRENT_PROFILES,
        conventions=_TORCH_GATE_ORDER,
    ),
    Spec(
        forward="temporal_affine_forward",
        backward=("temporal_affine_backward",),
        args=("x", "w", "b"),
        returns=("out",),
        grads=(("dx", "x"), ("dw", "w"), ("db", "b")),
        case=lambda dtype: _sized_case(dtype, (("N", 1, 3), ("T", 1, 6), ("D", 1, 8), ("M", 1, 8))),
        inputs=_temporal_affine_inputs,
        reduction=lambda case: max(
            case.sizes["N"] * case.sizes["T"], case.sizes["D"], case.sizes["M"]
        ),
        profiles=RECURRENT_PROFILES,
    ),
    Spec(
        forward="temporal_softmax_loss",
        backward=(),
        args=("x", "y", "mask", "verbose"),
        returns=("loss", "dx"),
        grads=(("dx", "x"),),
        case=lambda dtype: _sized_case(
            dtype, (("N", 1, 4), ("T", 1, 6), ("V", 2, 10)), _TEMPORAL_SOFTMAX
        ),
        inputs=_temporal_softmax_inputs,
        reduction=lambda case: math.prod(case.sizes.values()),
        rounding_scale=_temporal_softmax_rounding,
        edge={"loss": confident_logits},
        profiles=RECURRENT_PROFILES,
        conventions={
            "per_token": "the mean over unmasked tokens (torch's ignore_index) instead of the sum "
            "divided by N"
        },
    ),
)
