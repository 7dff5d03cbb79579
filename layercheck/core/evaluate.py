"""One case from inputs to observations: truth, peer, candidate, then every comparison.

The candidate is a mapping from function name to callable. Nothing here decides how many
cases run or how they are chosen; that is the runner's job. This module runs the oracles,
so importing it imports torch.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any

import numpy as np

from layercheck.core.cases import Case, upstream
from layercheck.core.dtypes import EPS
from layercheck.core.observe import (
    Candidate,
    NotWritten,
    Unusable,
    arguments_unchanged,
    compare,
    copied,
    dtype_preserved,
    invoke,
    shapes_of,
    unpack,
)
from layercheck.core.tolerance import SENSITIVITY_DRAWS, normwise_error, perturbed
from layercheck.core.verdicts import NOT_IMPLEMENTED, PASS, Observation
from layercheck.specs import EDGE

if TYPE_CHECKING:
    from layercheck.specs import Spec


class InvalidCase(Exception):
    """The case's truth or the peer's natural intermediates leave the dtype's range."""


@dataclass
class Outcome:
    """What one case produced: the shapes of the arrays the calls receive (the inputs, and
    the upstream gradients where a backward runs), for reports; and the observations."""

    shapes: dict[str, Any]
    observations: list[Observation]


@dataclass
class Answers:
    """The oracle's answers to one case: the truth (float64 on the CPU), the peer (the case's
    dtype on the device) and each quantity's sensitivity, filled in on first use."""

    truth: dict[str, np.ndarray]
    peer: dict[str, np.ndarray]
    sensitivity: dict[str, float] = field(default_factory=dict)
    variant: str | None = None  # the convention answered (oracle.conventions), None: the course's


Oracle = Callable[["Spec", dict[str, Any], Case, str], Answers]


def answer(
    spec: Spec, args: dict[str, Any], case: Case, device: str, variant: str | None = None
) -> Answers:
    """Run the oracles (another convention's, given a `variant`) on `case`, whose inputs are
    `args`. Raises InvalidCase when the truth or the peer leaves the dtype's range."""
    from layercheck.core import oracles  # torch, imported where an answer is computed (2.8 s)

    dout = lru_cache(partial(upstream, case))
    truth = oracles.solve(spec, args, "float64", "cpu", dout, variant=variant)
    peer = oracles.solve(spec, args, case.dtype, device, dout, variant=variant)
    _require_in_range(truth, peer, case.dtype)
    return Answers(truth, peer, variant=variant)


@dataclass(frozen=True)
class Setting:
    """What every case of a run of checks shares: the spec, the candidate (function name ->
    callable), the dtype and the device, the profile (the course's conventions) and the
    oracle (its answers computed, or a grader's cache of them)."""

    spec: Spec
    candidate: Candidate
    dtype: str
    device: str = "cpu"
    profile: str = "cs231n"
    oracle: Oracle = answer


def evaluate(setting: Setting, case: Case) -> Outcome:
    """Run the setting's candidate on `case` (of the setting's dtype) and observe every
    quantity of the spec's functions.

    Raises InvalidCase when the case is outside the dtype's range (the caller rejects it).
    The candidate's numpy warnings are silenced: an overflow shows in its figures.
    """
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _evaluate(setting, case)


def _evaluate(setting: Setting, case: Case) -> Outcome:
    spec, candidate, profile = setting.spec, setting.candidate, setting.profile
    args = inputs(spec, case)
    shapes = shapes_of(args)
    if not spec.oracle:
        return Outcome(shapes, spec.properties(candidate, args, case, profile))
    dout = lru_cache(partial(upstream, case))  # one upstream gradient per output and case
    answers = setting.oracle(spec, args, case, setting.device)
    truth, peer = answers.truth, answers.peer
    reduction = spec.reduction(case)
    sensitivity = partial(sensitivity_of, spec, args, case, answers)
    edges = spec.edge_reasons(case, args)

    def judge(function: str, quantity: str, value: Any) -> Observation:
        seen = compare(
            function,
            quantity,
            value,
            truth[quantity],
            peer[quantity],
            case.dtype,
            reduction,
            partial(sensitivity, quantity),
            spec.rounding_scale(quantity, args),
        )
        if quantity in edges:  # observed on the quantity's edge-tier row
            seen.quantity = f"{quantity}{EDGE}"
            if seen.verdict != PASS:
                what = seen.message.removeprefix(f"{quantity}:")
                seen.message = f"{seen.quantity}:{what} [edge tier: {edges[quantity]}]"
        return seen

    observations: list[Observation] = []
    written = spec.written_keys()
    backwards = spec.backward if spec.checks_backward(case) else ()
    if backwards:  # the backward's upstream gradients are inputs too (the snippet writes them)
        shapes.update({f"d{name}": list(truth[name].shape) for name in spec.differentiated})
    for run, backward in enumerate(backwards or (None,)):  # a fresh forward per backward
        given = copied(args)
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
        before = copied(given)  # the backward answers only for its own changes
        douts = [f"d{name}" for name in spec.differentiated]  # dout, dh, dnext_c...
        for k, (name, output) in enumerate(zip(douts, spec.differentiated, strict=True)):
            before[name] = dout(truth[output].shape, k).copy()
            given[name] = before[name].copy()
        grads = [quantity for quantity, _ in spec.grads]
        upstreams = [given[name] for name in douts]
        call = partial(_call_backward, candidate, backward, grads, upstreams, cache, failure)
        seen, _, _ = _observe_call(backward, grads, call, judge, given, before, written, case.dtype)
        observations += seen
    if spec.properties is not None:
        observations += spec.properties(candidate, args, case, profile)
    return Outcome(shapes, observations)


#: The inputs of recent cases, by (spec, case): every submission of a batch meets the same.
_INPUTS: dict[tuple, dict[str, Any]] = {}
_KEPT_INPUTS = 4096


def inputs(spec: Spec, case: Case) -> dict[str, Any]:
    """``spec.inputs(case)``, drawn once per process: each call gets its own copy."""
    key = (spec.name, case.key())
    found = _INPUTS.get(key)
    if found is None:
        if len(_INPUTS) >= _KEPT_INPUTS:
            _INPUTS.clear()
        found = _INPUTS[key] = spec.inputs(case)
    return copied(found)


def sensitivity_of(
    spec: Spec, args: dict[str, Any], case: Case, answers: Answers, quantity: str
) -> float:
    """How far the float64 truth of `quantity` moves when the inputs (dout included) and
    the intermediates the backward reuses are perturbed by one rounding of the case's dtype;
    computed for every quantity at once, on first use, into ``answers.sensitivity``."""
    known = answers.sensitivity
    if not known:
        from layercheck.core import oracles  # torch: only where the answer is new

        u, rng = EPS[case.dtype], case.rng(2)
        for _ in range(SENSITIVITY_DRAWS):
            moved = oracles.solve(
                spec,
                perturbed(args, u, rng),
                "float64",
                "cpu",
                lambda shape, k: perturbed(upstream(case, shape, k), u, rng),
                rounding=(u, rng),
                variant=answers.variant,  # the same convention's truth, moved
            )
            for name, value in moved.items():
                error = normwise_error(value, answers.truth[name])[0]
                known[name] = max(known.get(name, 0.0), error)
    return known[quantity]


def _call_forward(
    spec: Spec, candidate: Candidate, given: dict[str, Any]
) -> tuple[dict[str, Any], Any]:
    """The forward's outputs by quantity (written-back statistics included) and its cache."""
    result = invoke(candidate, spec.forward, *spec.given_args(given))
    values = unpack(spec.forward, result, len(spec.returns) + bool(spec.backward))
    got = dict(zip(spec.returns, values, strict=False))
    for argument, key in spec.written:
        got[key] = given[argument].get(key, NotWritten(f"not written back into {argument}"))
    return got, (values[-1] if spec.backward else None)


def _call_backward(
    candidate: Candidate,
    backward: str,
    grads: list[str],
    upstreams: list[np.ndarray],
    cache: Any,
    forward_failure: Unusable | None,
) -> tuple[dict[str, Any], None]:
    if forward_failure is not None:
        raise Unusable(forward_failure.verdict, f"no cache: {forward_failure.message}")
    values = unpack(backward, invoke(candidate, backward, *upstreams, cache), len(grads))
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
    if all(observed.verdict == NOT_IMPLEMENTED for observed in seen):  # still the stub
        stub = f"{function} returns no values yet (still the starter stub?)"
        properties = ("arguments_unchanged", "dtype_preserved")
        seen += [Observation(function, q, NOT_IMPLEMENTED, stub) for q in properties]
        return seen, passed_on, None
    seen.append(arguments_unchanged(function, given, before, written))
    seen.append(dtype_preserved(function, arrays, dtype))
    return seen, passed_on, None


#: A truth beyond this (or a non-finite peer) makes a case invalid for the dtype.
_RANGE = {dtype: float(np.finfo(dtype).max) / 16 for dtype in EPS}


def _require_in_range(truth: Mapping[str, np.ndarray], peer: Mapping[str, np.ndarray], dtype: str):
    for quantity, value in truth.items():
        largest = max(
            float(np.abs(value).max(initial=0)), float(np.abs(peer[quantity]).max(initial=0))
        )
        if not largest <= _RANGE[dtype]:  # NaN compares false
            raise InvalidCase(f"{quantity} leaves the range of {dtype}")
