"""Observing one call of the candidate: invoking it safely, and judging what it returned.

Numpy only (no torch): the registry's property checks and the target loader use these too.
"""

from __future__ import annotations

import math
import os
import traceback
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from layercheck.core.tolerance import bound, normwise_error
from layercheck.core.verdicts import ERROR, FAIL, NOT_IMPLEMENTED, PASS, Observation

Candidate = Mapping[str, Callable[..., Any]]
#: Largest array a failing observation keeps whole (expected and got), for its reproducer.
SHOWN_ELEMENTS = 64


class Unusable(Exception):
    """A call gave nothing to compare; `verdict` and `message` apply to all its quantities."""

    def __init__(self, verdict: str, message: str):
        super().__init__(message)
        self.verdict, self.message = verdict, message


class Raised(Exception):
    """An exception raised elsewhere (in a sandboxed child); its one argument is its last
    line, as `last_line` would have written it there."""


class Lost:
    """Stands for a function whose file could not be loaded: calling it is an error that
    names the file and why."""

    def __init__(self, why: str):
        self.why = why

    def __call__(self, *args: Any) -> Any:
        raise Unusable(ERROR, self.why)


class NotWritten(str):
    """Stands for a parameter-dict entry that the forward should have written back."""


def invoke(candidate: Candidate, function: str, *args: Any) -> Any:
    """Call the candidate's `function`; raise Unusable when it is missing, raises or is a stub."""
    fn = candidate.get(function)
    if fn is None:
        raise Unusable(NOT_IMPLEMENTED, f"{function} is not defined")
    try:
        result = fn(*args)
    except Unusable:
        raise
    except Exception as exc:  # the candidate's own failure is a verdict, not a crash
        raise Unusable(ERROR, f"{function} raised {last_line(exc)}") from None
    if result is None:
        raise Unusable(NOT_IMPLEMENTED, f"{function} returned None (still the starter stub?)")
    return result


def unpack(function: str, result: Any, count: int) -> tuple[Any, ...]:
    """The `count` values of a call's result: the value itself when count is 1, else a tuple."""
    if count == 1:
        return (result,)
    if isinstance(result, tuple | list) and len(result) == count:
        return tuple(result)
    raise Unusable(FAIL, f"{function} returned {describe(result)}, expected a tuple of {count}")


def compare(
    function: str,
    quantity: str,
    got: Any,
    truth: np.ndarray,
    peer: np.ndarray,
    dtype: str,
    reduction: int,
    sensitivity: Callable[[], float] | None = None,
    rounding_scale: float = 0.0,
) -> Observation:
    """Observe one quantity against the float64 truth, with the peer-adaptive tolerance;
    `sensitivity` is consulted only when the error exceeds the bound without it. The floor
    scales with max|truth| or `rounding_scale` (the spec's), whichever is larger."""
    if got is None:
        return Observation(function, quantity, NOT_IMPLEMENTED, f"{quantity} is None")
    if isinstance(got, NotWritten):
        return Observation(function, quantity, FAIL, f"{quantity}: {got}", ratio=math.inf)
    value, problem = _as_float64(got, truth.shape)
    if problem:  # unmeasurable, so infinitely far
        return Observation(function, quantity, FAIL, f"{quantity} {problem}", ratio=math.inf)
    abs_error, scale, rel_error = normwise_error(value, truth)
    scale = max(scale, rounding_scale)
    peer_error, _, _ = normwise_error(peer, truth)
    limit = bound(dtype, peer_error, reduction).limit(scale)
    if abs_error > limit and sensitivity is not None:
        limit = bound(dtype, peer_error, reduction, sensitivity()).limit(scale)
    ratio = abs_error / limit
    verdict = PASS if ratio <= 1 else FAIL
    seen = Observation(
        function, quantity, verdict, "", abs_error, rel_error, ratio, limit, peer_error
    )
    if seen.verdict == FAIL:
        wrong = ~(np.abs(value - truth) <= limit)
        index = tuple(int(i) for i in np.argwhere(wrong)[0])
        seen.detail = {
            "index": list(index),
            "expected": float(truth[index]),
            "got": float(value[index]),
        }
        if truth.size <= SHOWN_ELEMENTS:  # small enough to show whole in a reproducer
            seen.detail["values"] = {"expected": truth.tolist(), "got": value.tolist()}
        size = (
            f"max abs error {abs_error:.3g} is {ratio:.3g}x the tolerance {limit:.3g}"
            if math.isfinite(abs_error)
            else f"non-finite values where the truth is finite (tolerance {limit:.3g})"
        )
        seen.message = (
            f"{quantity}: {size} (torch in {dtype}: {peer_error:.2g}); first wrong at "
            f"{list(index)}: expected {truth[index]:.6g}, got {value[index]:.6g}"
        )
    return seen


def arguments_unchanged(
    function: str, given: dict[str, Any], before: dict[str, Any], written: set[str]
) -> Observation:
    """Every array `function` received (or reached through a cache) still equals `before`."""
    changed = [
        name
        for name, value in _arrays(before, written)
        if not np.array_equal(_lookup(given, name), value)  # inputs hold no NaN
    ]
    if changed:
        message = f"arguments_unchanged: {function} modified {', '.join(changed)}"
        return Observation(function, "arguments_unchanged", FAIL, message)
    return Observation(function, "arguments_unchanged", PASS)


def dtype_preserved(function: str, arrays: Mapping[str, Any], dtype: str) -> Observation:
    """Every array output has the inputs' floating dtype."""
    present = {q: v for q, v in arrays.items() if isinstance(v, np.ndarray)}
    if not present:
        return Observation(function, "dtype_preserved", NOT_IMPLEMENTED, "no array returned")
    wrong = [f"{q} is {v.dtype}" for q, v in present.items() if v.dtype != np.dtype(dtype)]
    if wrong:
        message = f"dtype_preserved: {', '.join(wrong)}, expected {dtype}"
        return Observation(function, "dtype_preserved", FAIL, message)
    return Observation(function, "dtype_preserved", PASS)


def shapes_of(args: Mapping[str, Any]) -> dict[str, Any]:
    """Shapes of the array arguments (and of arrays inside parameter dicts), for reports."""
    return {name: list(np.shape(value)) for name, value in _arrays(args, set())}


def last_line(exc: BaseException) -> str:
    """The exception's last line, with the file and line where it was raised."""
    if isinstance(exc, Raised):
        return str(exc)
    line = traceback.format_exception_only(type(exc), exc)[-1].strip()
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        line += f" ({os.path.basename(frames[-1].filename)}:{frames[-1].lineno})"
    return line


def describe(value: Any) -> str:
    if hasattr(value, "describe"):  # an opaque value held in a sandboxed child
        return value.describe()
    if type(value) is np.ndarray:
        return f"an array of dtype {value.dtype} and shape {value.shape}"
    kind = type(value).__name__
    kind = f"{'an' if kind[:1].lower() in 'aeiou' else 'a'} {kind}"
    if isinstance(value, np.ndarray):
        return f"{kind} (an ndarray subclass) of dtype {value.dtype} and shape {value.shape}"
    if isinstance(value, tuple | list):
        return f"{kind} of {len(value)}"
    return kind


def _as_float64(got: Any, shape: tuple[int, ...]) -> tuple[np.ndarray, str]:
    """`got` as a float64 array of `shape`, or a reason why it cannot be compared."""
    if shape == () and isinstance(got, int | float | np.generic | np.ndarray) and np.size(got) == 1:
        got = np.asarray(got).reshape(())
    if type(got) is not np.ndarray:
        return np.empty(0), f"is {describe(got)}, expected a numpy.ndarray"
    if got.shape != shape:
        return np.empty(0), f"has shape {got.shape}, expected {shape}"
    if got.dtype.kind not in "fiub":
        return np.empty(0), f"has dtype {got.dtype}, expected a floating dtype"
    return got.astype(np.float64), ""


def _arrays(args: Mapping[str, Any], skip: set[str]):
    """(name, array) for every array in `args`, parameter dicts flattened as ``dict.key``."""
    for name, value in args.items():
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, np.ndarray) and key not in skip:
                    yield f"{name}.{key}", item
        elif isinstance(value, np.ndarray):
            yield name, value


def copied(args: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the arguments deep enough that a candidate cannot reach the original:
    arrays are copied, and so are parameter dicts with their arrays."""
    return {
        name: copied(value)
        if isinstance(value, dict)
        else value.copy()
        if isinstance(value, np.ndarray)
        else value
        for name, value in args.items()
    }


def _lookup(args: Mapping[str, Any], name: str) -> Any:
    outer, _, key = name.partition(".")
    return args[outer][key] if key else args[outer]
