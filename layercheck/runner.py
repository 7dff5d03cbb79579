"""Checks one spec in one dtype on one device: hypothesis explores cases, shrinks failures.

Every case's observations fold into the spec's checks. A failing or erroring quantity raises
its own exception type, so hypothesis shrinks each distinct failure separately; the checks
keep the smallest failing case of each quantity.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

from hypothesis import HealthCheck, Phase, given, reject, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from layercheck import reference
from layercheck.evaluate import Candidate, InvalidCase, evaluate
from layercheck.specs import Spec
from layercheck.verdicts import ERROR, FAIL, NOT_IMPLEMENTED, Check, skipped


class Mismatch(AssertionError):
    """A quantity failed or errored on a case; one subclass per (function, quantity, verdict),
    so that hypothesis shrinks each kind of failure on its own."""


_MISMATCHES: dict[tuple[str, str, str], type[Mismatch]] = {}


def mismatch(function: str, quantity: str, verdict: str) -> type[Mismatch]:
    key = (function, quantity, verdict)
    if key not in _MISMATCHES:
        _MISMATCHES[key] = type(f"Mismatch[{function}.{quantity}:{verdict}]", (Mismatch,), {})
    return _MISMATCHES[key]


def run(
    spec: Spec,
    candidate: Candidate,
    dtype: str,
    device: str,
    *,
    examples: int,
    seed: int,
    profile: str = "cs231n",
) -> list[Check]:
    """Every check of `spec` for `candidate` in `dtype` on `device`, over `examples` cases
    drawn from `seed` (the same seed draws the same cases)."""
    quantities = spec.quantities()
    blank = [(function, quantity) for function in quantities for quantity in quantities[function]]
    if profile not in spec.profiles:
        return [skipped(f, q, dtype, device, "not in profile") for f, q in blank]
    if device == "cuda" and not reference.cuda_available():
        return [skipped(f, q, dtype, device, "CUDA not available") for f, q in blank]
    checks = {(f, q): Check(f, q, dtype, device) for f, q in blank}
    if not any(function in candidate for function in spec.functions):
        for check in checks.values():
            check.verdict, check.message = NOT_IMPLEMENTED, f"{check.function} is not defined"
        return list(checks.values())

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=True,
        print_blob=False,
    )
    @hypothesis_seed(zlib.crc32(f"{seed}:{spec.name}:{dtype}".encode()))
    @given(data=st.data())
    def explore(data: st.DataObject) -> None:
        case = data.draw(spec.case(dtype), label="case")
        try:
            outcome = evaluate(spec, candidate, case, device, profile)
        except InvalidCase:
            reject()
        for seen in outcome.observations:
            checks[seen.function, seen.quantity].add(seen, case, outcome.shapes)
        for seen in outcome.observations:
            if seen.verdict in (FAIL, ERROR):
                raise mismatch(seen.function, seen.quantity, seen.verdict)(seen.message)

    try:
        explore()
    except (Mismatch, BaseExceptionGroup) as found:
        if not _only_mismatches(found):
            raise
    return [check.finish() for check in checks.values()]


def _only_mismatches(found: BaseException) -> bool:
    if isinstance(found, BaseExceptionGroup):
        return all(_only_mismatches(inner) for inner in found.exceptions)
    return isinstance(found, Mismatch)


def run_all(
    specs: Iterable[Spec],
    candidate: Candidate,
    dtypes: Iterable[str],
    devices: Iterable[str],
    **options,
) -> list[Check]:
    """`run` over every spec, dtype and device, in order: the single-process path."""
    return [
        check
        for spec in specs
        for dtype in dtypes
        for device in devices
        for check in run(spec, candidate, dtype, device, **options)
    ]
