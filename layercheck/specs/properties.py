"""Property checks: what a spec checks where no oracle can (``Spec.properties``).

Dropout's mask comes from the candidate's RNG, not torch's: `dropout` checks what every
correct mask satisfies. Tied maxima have no course convention: `pool_ties` checks that a
max-pool routes each window's gradient to its maxima and nowhere else. Each returns
observations of exactly the quantities its spec declares (tests/test_registry.py).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from layercheck.core.cases import Case, normal, upstream
from layercheck.core.dtypes import EPS
from layercheck.core.observe import (
    Candidate,
    Unusable,
    arguments_unchanged,
    dtype_preserved,
    invoke,
    unpack,
)
from layercheck.core.verdicts import FAIL, PASS, SKIPPED, Observation
from layercheck.specs import PROFILES

#: Scaled survivors may differ from x / p by the rounding of 1/p and of the product.
_DROPOUT_ULPS = 4.0
#: Elements of the probe two calls with one seed must mask alike.
_PROBE = 256
#: Kept fraction: a binomial count more than this many standard deviations off fails.
_DROPOUT_SIGMAS = 5.0


def dropout(
    candidate: Candidate, args: dict[str, Any], case: Case, profile: str
) -> list[Observation]:
    """Dropout's RNG stream differs from torch's: check what any correct mask satisfies.
    The values: train-mode ``out`` is x / keep where kept and 0 elsewhere, with a kept
    fraction that fits the keep probability; ``dx`` is dout / keep through the forward's
    own mask, and dout in test mode. The rest are properties (``seed_reproducible`` is
    skipped where the case gives no seed)."""
    x, p, dtype = args["x"], case.params["p"], case.dtype
    keep = p if PROFILES[profile].dropout_p == "keep" else 1 - p
    seed = case.params["mask_seed"]
    train = {"p": p, "mode": "train"} | ({} if seed is None else {"seed": seed})
    forward, backward = "dropout_forward", "dropout_backward"
    seen: list[Observation] = []

    def call(function: str, *call_args: Any, count: int = 2) -> tuple[Any, ...]:
        return unpack(function, invoke(candidate, function, *call_args), count)

    given = {"x": x.copy(), "dropout_param": dict(train)}
    # Two masks drawn with one seed agree by chance on a few elements: compare them on a
    # probe of _PROBE elements, where a mask that ignores the seed cannot agree by chance.
    probe = normal(case.rng(3), (_PROBE,), dtype)
    try:
        out, cache = call(forward, given["x"], given["dropout_param"])
        first, _ = call(forward, probe.copy(), dict(train))
        again, _ = call(forward, probe.copy(), dict(train))
        out_test, cache_test = call(forward, x.copy(), {"p": p, "mode": "test"})
    except Unusable as failure:
        names = DROPOUT_QUANTITIES
        return [
            Observation(f, q, failure.verdict, failure.message) for f in names for q in names[f]
        ]

    kept = _array_or(out, x.shape) != 0
    fraction = _kept_fraction(int(kept.sum()), kept.size, keep)
    seen.append(_masked(forward, "out", out, x, kept, keep, dtype, fraction))
    if seed is None:
        seen.append(Observation(forward, "seed_reproducible", SKIPPED, "no seed given"))
    else:
        same = np.array_equal(_array_or(first, probe.shape), _array_or(again, probe.shape))
        seen.append(_holds(forward, "seed_reproducible", same, "same seed, other mask"))
    identical = type(out_test) is np.ndarray and np.array_equal(out_test, x)
    seen.append(_holds(forward, "test_identity", identical, "test mode is not the identity"))
    seen.append(arguments_unchanged(forward, given, {"x": x}, set()))
    seen.append(dtype_preserved(forward, {"out": out, "out (test)": out_test}, dtype))

    dout = upstream(case, x.shape)
    given_back = {"dout": dout.copy(), "x": given["x"]}
    try:
        (dx,) = call(backward, given_back["dout"], cache, count=1)
        (dx_test,) = call(backward, dout.copy(), cache_test, count=1)
    except Unusable as failure:
        return seen + [
            Observation(backward, q, failure.verdict, failure.message)
            for q in DROPOUT_QUANTITIES[backward]
        ]
    grad = _masked(backward, "dx", dx, dout, kept, keep, dtype, fraction)
    if grad.verdict == PASS and not (type(dx_test) is np.ndarray and np.array_equal(dx_test, dout)):
        grad = Observation(backward, "dx", FAIL, "dx: test-mode backward is not dout")
    seen.append(grad)
    seen.append(arguments_unchanged(backward, given_back, {"dout": dout, "x": x}, set()))
    seen.append(dtype_preserved(backward, {"dx": dx, "dx (test)": dx_test}, dtype))
    return seen


DROPOUT_QUANTITIES = {
    "dropout_forward": (
        "out",
        "seed_reproducible",
        "test_identity",
        "arguments_unchanged",
        "dtype_preserved",
    ),
    "dropout_backward": ("dx", "arguments_unchanged", "dtype_preserved"),
}
DROPOUT_VALUES = {"dropout_forward": ("out",), "dropout_backward": ("dx",)}


def _array_or(value: Any, shape: tuple[int, ...]) -> np.ndarray:
    """`value` as a float64 array of `shape`, or NaNs (compares unequal to everything)."""
    if type(value) is np.ndarray and value.shape == shape:
        return value.astype(np.float64)
    return np.full(shape, np.nan)


def _masked(function, quantity, got, source, kept, keep, dtype, fraction) -> Observation:
    """`got` is source / keep where `kept` and 0 elsewhere, up to a few roundings (of the
    relative kind, or of the subnormal spacing below the smallest normal), and the mask's
    kept `fraction` (an observation) fits the keep probability: no mask at all, or one that
    keeps everything, is no dropout."""
    if type(got) is not np.ndarray or got.shape != source.shape:
        return Observation(
            function, quantity, FAIL, f"{quantity} is not an array of shape {source.shape}"
        )
    expected = np.where(kept, source.astype(np.float64) / keep, 0.0)
    value = got.astype(np.float64)
    rounding = np.maximum(EPS[dtype] * np.abs(expected), np.finfo(dtype).smallest_subnormal)
    error = np.abs(value - expected) / rounding  # in roundings
    limit = _DROPOUT_ULPS
    ratio = float(np.nan_to_num(error.max(initial=0), nan=np.inf)) / limit
    seen = Observation(
        function,
        quantity,
        PASS if ratio <= 1 else FAIL,
        "",
        ratio=ratio,
        tolerance=limit * EPS[dtype],
    )
    if seen.verdict == FAIL:
        index = tuple(int(i) for i in np.argwhere(~(error <= limit))[0])
        seen.detail = {
            "index": list(index),
            "expected": float(expected[index]),
            "got": float(value[index]),
        }
        why = f"input / keep probability {keep:g}" if kept[index] else "a dropped unit"
        seen.message = (
            f"{quantity}: element {list(index)} is {value[index]:.6g}, expected "
            f"{expected[index]:.6g} ({why})"
        )
    elif fraction is not None:
        seen.verdict, seen.message = FAIL, f"{quantity}: {fraction}"
    return seen


def _kept_fraction(kept: int, total: int, keep: float) -> str | None:
    """Binomial test (normal approximation, continuity-corrected) of the number of kept
    units against the keep probability: why it fails, or None."""
    sigma = math.sqrt(total * keep * (1 - keep))
    z = max(abs(kept - total * keep) - 0.5, 0) / sigma
    if z <= _DROPOUT_SIGMAS:
        return None
    return (
        f"the mask kept {kept} of {total} units ({kept / total:.3f}), expected about "
        f"{keep:.3f} ({z:.1f} sigma off)"
    )


def _holds(function: str, quantity: str, ok: bool, why: str) -> Observation:
    return Observation(function, quantity, PASS if ok else FAIL, "" if ok else f"{quantity}: {why}")


#: Values of the tie check: few levels (-1, 0, 1), so most windows hold several maxima; the
#: first channel is shifted below zero, so some windows have only negative values (a running
#: maximum started at 0 shows there).
_TIE_LEVELS = 3
#: Routed gradients may differ from dout by a few roundings (a split adds them back).
_TIE_ULPS = 8.0


def pool_ties(
    candidate: Candidate, args: dict[str, Any], case: Case, profile: str
) -> list[Observation]:
    """Tied maxima, windows side by side (stride at least the window): the forward's out is
    each window's maximum, and the backward sends each window's gradient to its maxima and
    nowhere else, either to one of them or split among them (summing to dout), or whole to
    each (a mask of the maxima); the courses leave ties unspecified."""
    tied = _tied(case)
    found = _judge_ties(candidate, tied)
    ran = {"sizes": tied.sizes, "params": tied.params, "shapes": {"x": list(tied.sizes.values())}}
    for seen in found:  # the report shows the case that ran (it reproduces itself)
        if seen.verdict != PASS:
            seen.detail = {**ran, **seen.detail}
    return found


def _tied(case: Case) -> Case:
    """The tie check's case: `case`'s output size and windows, side by side (stride at least
    the window) and tiling the input exactly, as the courses' fast layers assert."""
    s, p = case.sizes, case.params
    ph, pw = p["pool_height"], p["pool_width"]
    stride = max(p["stride"], ph, pw)
    ho, wo = (s["H"] - ph) // p["stride"] + 1, (s["W"] - pw) // p["stride"] + 1
    sizes = {"N": s["N"], "C": s["C"], "H": (ho - 1) * stride + ph, "W": (wo - 1) * stride + pw}
    params = {"pool_height": ph, "pool_width": pw, "stride": stride}
    return Case(sizes, params, case.dtype, case.seed)


def _judge_ties(candidate: Candidate, case: Case) -> list[Observation]:
    """The tie check on a `_tied` case."""
    s, dtype, pool_param = case.sizes, case.dtype, case.params
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    ho, wo = (s["H"] - ph) // stride + 1, (s["W"] - pw) // stride + 1
    rng = case.rng(3)
    x = (rng.integers(0, _TIE_LEVELS, (s["N"], s["C"], s["H"], s["W"])) - 1).astype(dtype)
    x[:, 0] -= _TIE_LEVELS
    forward, backward = "max_pool_forward_naive", "max_pool_backward_naive"
    try:
        out, cache = unpack(forward, invoke(candidate, forward, x.copy(), dict(pool_param)), 2)
    except Unusable as failure:
        return [
            Observation(forward, "out_ties", failure.verdict, failure.message),
            Observation(backward, "dx_ties", failure.verdict, f"no cache: {failure.message}"),
        ]
    rows = np.arange(ho)[:, None] * stride + np.arange(ph)  # (H', ph) window rows
    cols = np.arange(wo)[:, None] * stride + np.arange(pw)
    windows = x[:, :, rows[:, None, :, None], cols[None, :, None, :]]  # (N, C, H', W', ph, pw)
    maxima = windows.max(axis=(4, 5))
    if type(out) is not np.ndarray or out.shape != maxima.shape:
        seen = [_tie_failure(forward, "out_ties", f"out is not an array of shape {maxima.shape}")]
    elif not np.array_equal(out, maxima):
        index = [int(i) for i in np.argwhere(out != maxima)[0]]
        why = (
            f"window {index}: out is {out[tuple(index)]:g}, its maximum is {maxima[tuple(index)]:g}"
        )
        seen = [_tie_failure(forward, "out_ties", why)]
    else:
        seen = [Observation(forward, "out_ties", PASS)]

    dout = upstream(case, maxima.shape)
    try:
        (dx,) = unpack(backward, invoke(candidate, backward, dout.copy(), cache), 1)
    except Unusable as failure:
        return [*seen, Observation(backward, "dx_ties", failure.verdict, failure.message)]
    if type(dx) is not np.ndarray or dx.shape != x.shape:
        return [*seen, _tie_failure(backward, "dx_ties", f"dx is not an array of shape {x.shape}")]
    routed = dx.astype(np.float64)[:, :, rows[:, None, :, None], cols[None, :, None, :]]
    is_max = windows == maxima[..., None, None]
    g = dout.astype(np.float64)[..., None, None]
    slack = _TIE_ULPS * EPS[dtype] * np.abs(g) * is_max.sum(axis=(4, 5), keepdims=True)
    off_maxima = np.where(is_max, 0, routed)
    split = np.abs(routed.sum(axis=(4, 5), keepdims=True) - g) <= slack
    whole = (np.abs(np.where(is_max, routed - g, 0)) <= slack).all(axis=(4, 5), keepdims=True)
    covered = np.zeros(x.shape, bool)
    covered[:, :, rows[:, None, :, None], cols[None, :, None, :]] = True
    if np.any(dx.astype(np.float64)[~covered] != 0):
        index = [int(i) for i in np.argwhere((dx != 0) & ~covered)[0]]
        why = f"dx at {index} is {dx[tuple(index)]:g}, but no window covers it"
    elif np.any(off_maxima != 0):
        index = [int(i) for i in np.argwhere(off_maxima != 0)[0][:4]]
        why = f"window {index} sends gradient to a non-maximum"
    elif not np.all(split | whole):
        index = [int(i) for i in np.argwhere(~(split | whole))[0][:4]]
        why = (
            f"window {index} routes {routed[tuple(index)].sum():g} to its maxima, "
            f"expected dout {g[tuple(index)].item():g} in all or at each"
        )
    else:
        return [*seen, Observation(backward, "dx_ties", PASS)]
    return [*seen, _tie_failure(backward, "dx_ties", why)]


def _tie_failure(function: str, quantity: str, why: str) -> Observation:
    return Observation(function, quantity, FAIL, f"{quantity}: {why} (tied maxima)")
