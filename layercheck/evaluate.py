"""One case from inputs to observations: truth, peer, candidate, then every comparison.

The candidate is a mapping from function name to callable. Nothing here decides how many
cases run or how they are chosen; that is the runner's job.
"""

from __future__ import annotations

import math
import os
import traceback
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any

import numpy as np

from layercheck import reference
from layercheck.cases import Case, upstream
from layercheck.tolerance import EPS, SENSITIVITY_DRAWS, bound, normwise_error, perturbed
from layercheck.verdicts import ERROR, FAIL, NOT_IMPLEMENTED, PASS, Observation

if TYPE_CHECKING:
    from layercheck.specs import Spec

Candidate = Mapping[str, Callable[..., Any]]


class InvalidCase(Exception):
    """The case's truth or the peer's natural intermediates leave the dtype's range."""


class Unusable(Exception):
    """A call gave nothing to compare; `verdict` and `message` apply to all its quantities."""

    def __init__(self, verdict: str, message: str):
        super().__init__(message)
        self.verdict, self.message = verdict, message


class NotWritten(str):
    """Stands for a parameter-dict entry that the forward should have written back."""


@dataclass
class Outcome:
    """What one case produced: the input shapes (for reports) and the observations."""

    shapes: dict[str, Any]
    observations: list[Observation]


def evaluate(spec: Spec, candidate: Candidate, case: Case, device: str, profile: str) -> Outcome:
    """Run `candidate` on `case` and observe every quantity of the spec's functions.

    Raises InvalidCase when the case is outside the dtype's range (the caller rejects it).
    The candidate's numpy warnings are silenced: an overflow shows in its figures.
    """
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _evaluate(spec, candidate, case, device, profile)


def _evaluate(spec: Spec, candidate: Candidate, case: Case, device: str, profile: str) -> Outcome:
    args = spec.inputs(case)
    shapes = shapes_of(args)
    if spec.properties is not None:
        return Outcome(shapes, spec.properties(candidate, args, case, profile))
    dout = lru_cache(partial(upstream, case))  # one upstream gradient per case
    truth = reference.solve(spec, args, "float64", "cpu", dout)
    peer = reference.solve(spec, args, case.dtype, device, dout)
    _require_in_range(truth, peer, case.dtype)
    reduction = spec.reduction(case.sizes)
    sensitivity = partial(_sensitivity, spec, args, case, truth, {})

    def judge(function: str, quantity: str, value: Any) -> Observation:
        expected, torch_in_dtype = truth[quantity], peer[quantity]
        return compare(
            function,
            quantity,
            value,
            expected,
            torch_in_dtype,
            case.dtype,
            reduction,
            partial(sensitivity, quantity),
        )

    observations: list[Observation] = []
    written = spec.written_keys()
    backwards = spec.backward if spec.checks_backward(case) else ()
    for run, backward in enumerate(backwards or (None,)):  # a fresh forward per backward
        given = _copied(args)
        call = partial(_call_forward, spec, candidate, given)
        seen, cache, failure = _observe_call(
            spec.forward,
            spec.forward_quantities,
            call,
            judge,
            given,
            args,
            written,
            case.dtype,
            spec.scalar_outputs,
        )
        if run == 0:
            observations += seen
        if backward is None:
            continue
        before = _copied(given)  # the backward answers only for its own changes
        before["dout"] = dout(truth[spec.returns[0]].shape).copy()
        given["dout"] = before["dout"].copy()
        grads = [quantity for quantity, _ in spec.grads]
        call = partial(_call_backward, candidate, backward, grads, given["dout"], cache, failure)
        seen, _, _ = _observe_call(backward, grads, call, judge, given, before, written, case.dtype)
        observations += seen
    return Outcome(shapes, observations)


def _sensitivity(
    spec: Spec,
    args: dict[str, Any],
    case: Case,
    truth: Mapping[str, np.ndarray],
    known: dict[str, float],
    quantity: str,
) -> float:
    """How far the float64 truth of `quantity` moves when the inputs (dout included) are
    perturbed by one rounding of the case's dtype; computed once per case, on first use."""
    if not known:
        u, rng = EPS[case.dtype], case.rng(2)
        for _ in range(SENSITIVITY_DRAWS):
            moved = reference.solve(
                spec,
                perturbed(args, u, rng),
                "float64",
                "cpu",
                lambda shape: perturbed(upstream(case, shape), u, rng),
            )
            for name, value in moved.items():
                known[name] = max(known.get(name, 0.0), normwise_error(value, truth[name])[0])
    return known[quantity]


def _call_forward(
    spec: Spec, candidate: Candidate, given: dict[str, Any]
) -> tuple[dict[str, Any], Any]:
    """The forward's outputs by quantity (written-back statistics included) and its cache."""
    result = invoke(candidate, spec.forward, *(given[name] for name in spec.args))
    values = unpack(spec.forward, result, len(spec.returns) + bool(spec.backward))
    got = dict(zip(spec.returns, values, strict=False))
    for argument, key in spec.written:
        got[key] = given[argument].get(key, NotWritten(f"not written back into {argument}"))
    return got, (values[-1] if spec.backward else None)


def _call_backward(
    candidate: Candidate,
    backward: str,
    grads: list[str],
    dout: np.ndarray,
    cache: Any,
    forward_failure: Unusable | None,
) -> tuple[dict[str, Any], None]:
    if forward_failure is not None:
        raise Unusable(forward_failure.verdict, f"no cache: {forward_failure.message}")
    values = unpack(backward, invoke(candidate, backward, dout, cache), len(grads))
    return dict(zip(grads, values, strict=True)), None


def _observe_call(
    function: str,
    quantities: Iterable[str],
    call: Callable[[], tuple[dict[str, Any], Any]],
    judge: Callable[[str, str, Any], Observation],
    given: dict[str, Any],
    before: dict[str, Any],
    written: set[str],
    dtype: str,
    scalar: Iterable[str] = (),
) -> tuple[list[Observation], Any, Unusable | None]:
    """Make one call and observe its quantities plus the two properties every function has.
    Returns the observations, what the call passes on (the cache) and its failure, if any."""
    try:
        got, passed_on = call()
    except Unusable as failure:
        names = [*quantities, "arguments_unchanged", "dtype_preserved"]
        return (
            [Observation(function, n, failure.verdict, failure.message) for n in names],
            None,
            failure,
        )
    arrays = {quantity: value for quantity, value in got.items() if quantity not in scalar}
    seen = [judge(function, quantity, value) for quantity, value in got.items()]
    seen.append(arguments_unchanged(function, given, before, written))
    seen.append(dtype_preserved(function, arrays, dtype))
    return seen, passed_on, None


def invoke(candidate: Candidate, function: str, *args: Any) -> Any:
    """Call the candidate's `function`; raise Unusable when it is missing, raises or is a stub."""
    fn = candidate.get(function)
    if fn is None:
        raise Unusable(NOT_IMPLEMENTED, f"{function} is not defined")
    try:
        result = fn(*args)
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
) -> Observation:
    """Observe one quantity against the float64 truth, with the peer-adaptive tolerance;
    `sensitivity` is consulted only when the error exceeds the bound without it."""
    if got is None:
        return Observation(function, quantity, NOT_IMPLEMENTED, f"{quantity} is None")
    if isinstance(got, NotWritten):
        return Observation(function, quantity, FAIL, f"{quantity}: {got}", ratio=math.inf)
    value, problem = _as_float64(got, truth.shape)
    if problem:  # unmeasurable, so infinitely far
        return Observation(function, quantity, FAIL, f"{quantity} {problem}", ratio=math.inf)
    abs_error, scale, rel_error = normwise_error(value, truth)
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
    line = traceback.format_exception_only(type(exc), exc)[-1].strip()
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        line += f" ({os.path.basename(frames[-1].filename)}:{frames[-1].lineno})"
    return line


def describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, tuple | list):
        return f"a {type(value).__name__} of {len(value)}"
    return f"a {type(value).__name__}"


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


#: A truth beyond this (or a non-finite peer) makes a case invalid for the dtype.
_RANGE = {dtype: float(np.finfo(dtype).max) / 16 for dtype in EPS}


def _require_in_range(truth: Mapping[str, np.ndarray], peer: Mapping[str, np.ndarray], dtype: str):
    for quantity, value in truth.items():
        largest = max(
            float(np.abs(value).max(initial=0)), float(np.abs(peer[quantity]).max(initial=0))
        )
        if not largest <= _RANGE[dtype]:  # NaN compares false
            raise InvalidCase(f"{quantity} leaves the range of {dtype}")


def _arrays(args: Mapping[str, Any], skip: set[str]):
    """(name, array) for every array in `args`, parameter dicts flattened as ``dict.key``."""
    for name, value in args.items():
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, np.ndarray) and key not in skip:
                    yield f"{name}.{key}", item
        elif isinstance(value, np.ndarray):
            yield name, value


def _copied(args: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the arguments deep enough that a candidate cannot reach the original:
    arrays are copied, and so are parameter dicts with their arrays."""
    return {
        name: _copied(value)
        if isinstance(value, dict)
        else value.copy()
        if isinstance(value, np.ndarray)
        else value
        for name, value in args.items()
    }


def _lookup(args: Mapping[str, Any], name: str) -> Any:
    outer, _, key = name.partition(".")
    return args[outer][key] if key else args[outer]
