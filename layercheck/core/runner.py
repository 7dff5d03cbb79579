"""Checks one spec in one dtype on one device: hypothesis draws the cases, every quantity
meets all of them, and hypothesis shrinks what fails.

Hypothesis draws batches of up to `BATCH` cases (drawing one structure costs hypothesis about
as much as running impl and both oracles on it; a batch shares the per-example cost) from a
seed, independently of the candidate. Every drawn case's observations fold into the spec's
checks. Where a check fails, hypothesis explores again with the candidate in the loop: a
failing or erroring quantity raises its own exception type, so hypothesis shrinks each
distinct failure separately, and the check keeps the smallest failing case found.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable
from dataclasses import replace

from hypothesis import HealthCheck, Phase, given, reject, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from layercheck.core.cases import Case
from layercheck.core.evaluate import InvalidCase, Setting, answer, evaluate
from layercheck.core.observe import Candidate
from layercheck.core.verdicts import ERROR, FAIL, NOT_IMPLEMENTED, Check, skipped
from layercheck.specs import Spec

#: Most cases per hypothesis example.
BATCH = 16
#: Fewest hypothesis examples per run (when there are that many cases): hypothesis's first
#: example is its simplest, so a run needs several to explore.
MIN_HYPOTHESIS_EXAMPLES = 8


class Mismatch(AssertionError):
    """A quantity failed or errored on a case; one subclass per (function, quantity, verdict),
    so that hypothesis shrinks each kind of failure on its own."""


_MISMATCHES: dict[tuple[str, str, str], type[Mismatch]] = {}


def mismatch(function: str, quantity: str, verdict: str) -> type[Mismatch]:
    key = (function, quantity, verdict)
    if key not in _MISMATCHES:
        _MISMATCHES[key] = type(f"Mismatch[{function}.{quantity}:{verdict}]", (Mismatch,), {})
    return _MISMATCHES[key]


def run(setting: Setting, *, examples: int, seed: int) -> list[Check]:
    """Every check of the setting, over the `examples` cases `draw` takes from `seed`
    (rounded up to whole batches; cases outside the dtype's range are dropped): every
    quantity meets every one of them, so one failure hides no other. Where a check fails,
    hypothesis then explores with the candidate in the loop and shrinks; what it finds
    counts too. (Grading calls `check_cases`, `explore` and `fold_in` itself: verdicts from
    the plan's cases alone, exploration for feedback.)"""
    cases = draw(setting.spec, setting.dtype, examples=examples, seed=seed)
    checks = check_cases(setting, cases)
    if any(check.verdict in (FAIL, ERROR) for check in checks):
        explored, _ = explore(setting, examples, seed)
        fold_in(checks, explored, fixed=False)
    return checks


def fold_in(checks: list[Check], explored: list[Check], *, fixed: bool) -> None:
    """Fold `explore`'s findings into `checks` (the same checks, in order): wholly, or, when
    `fixed`, only a smaller case (and its message) for a check failing the same way."""
    for check, found in zip(checks, explored, strict=True):
        if not fixed:
            check.absorb(found)
        elif check.smaller_failure(found):
            check.case, check.message = found.case, found.message
            params = found.case["params"]  # a smaller case of another region stands for it
            check.more_cases = [c for c in check.more_cases if c["params"] != params]


def explore(
    setting: Setting, examples: int, seed: int, budget: int | None = None
) -> tuple[list[Check], int]:
    """Hypothesis's exploration: each batch stops at its first failing case, which
    hypothesis shrinks (one exception type per function, quantity and verdict). With a
    `budget`, at most that many cases run (the rest are rejected unrun: the search ends
    the same way on every machine). Its cases are new: their answers are computed, never
    taken from the setting's oracle. Returns the checks and the cases run."""
    setting = replace(setting, oracle=answer)
    checks, _ = _blank_checks(setting)
    ran = 0

    def batch(cases: list[Case]) -> None:
        nonlocal ran
        if budget is not None and ran + len(cases) > budget:
            reject()
        ran += len(cases)
        if not _fold(setting, cases, checks, stop=True):
            reject()

    try:
        _hypothesis(setting.spec, setting.dtype, examples, seed, batch)()
    except (Mismatch, BaseExceptionGroup) as found:
        if not _only_mismatches(found):
            raise
    return [check.finish() for check in checks.values()], ran


#: Rounds of drawing (each from its own seed) to reach the number of distinct cases asked
#: for: hypothesis's batches repeat cases, and small domains have few distinct ones.
DRAW_ROUNDS = 4


def draw(spec: Spec, dtype: str, *, examples: int, seed: int) -> list[Case]:
    """`examples` distinct cases of `spec` in `dtype` (fewer where the domain runs out),
    drawn from `seed` alone: the same seed, the same list, whatever is checked on it."""
    drawn: dict[tuple, Case] = {}

    def record(cases: list[Case]) -> None:
        drawn.update((case.key(), case) for case in cases)

    for round_ in range(DRAW_ROUNDS):
        if len(drawn) >= examples:
            break
        round_seed = seed if round_ == 0 else f"{seed}.{round_}"
        _hypothesis(spec, dtype, examples, round_seed, record)()
    return list(drawn.values())[:examples]


def check_cases(setting: Setting, cases: Iterable[Case]) -> list[Check]:
    """Every check of the setting on exactly `cases` (no exploration, no shrinking: each
    failing check keeps its smallest failing case among them)."""
    checks, unchecked = _blank_checks(setting)
    if not unchecked:
        _fold(setting, list(cases), checks, stop=False)
    return [check.finish() for check in checks.values()]


def _cuda_available() -> bool:
    from layercheck.core import oracles  # torch: a run on the CPU with known answers needs none

    return oracles.cuda_available()


def _blank_checks(setting: Setting) -> tuple[dict[tuple[str, str], Check], bool]:
    """The spec's checks, and whether they are already decided (skipped, not implemented)."""
    spec, candidate, profile = setting.spec, setting.candidate, setting.profile
    dtype, device = setting.dtype, setting.device
    quantities = spec.quantities()
    blank = [(function, quantity) for function in quantities for quantity in quantities[function]]
    checks = {(f, q): Check(f, q, dtype, device, tier=spec.tier(q)) for f, q in blank}
    if not spec.in_profile(profile):
        why = "not in profile"
    elif device == "cuda" and not _cuda_available():
        why = "CUDA not available"
    elif not any(function in candidate for function in spec.functions):
        for check in checks.values():
            check.verdict, check.message = NOT_IMPLEMENTED, f"{check.function} is not defined"
        return checks, True
    else:
        for (f, q), check in checks.items():
            if not spec.has(f, profile):  # a function the course never had
                checks[f, q] = skipped(f, q, dtype, device, "not in profile", check.tier)
        return checks, False
    return {(f, q): skipped(f, q, dtype, device, why, c.tier) for (f, q), c in checks.items()}, True


def _fold(
    setting: Setting, cases: list[Case], checks: dict[tuple[str, str], Check], *, stop: bool
) -> int:
    """Evaluate the distinct `cases` into `checks`; with `stop`, raise a Mismatch at the
    first failing case (hypothesis then shrinks it). Returns how many cases were valid."""
    spec, profile = setting.spec, setting.profile
    valid = 0
    for case in {case.key(): case for case in cases}.values():  # the simplest batch repeats
        try:
            outcome = evaluate(setting, case)
        except InvalidCase:
            continue
        valid += 1
        seen_here = [seen for seen in outcome.observations if spec.has(seen.function, profile)]
        for seen in seen_here:
            checks[seen.function, seen.quantity].add(seen, case, outcome.shapes)
        for seen in seen_here if stop else ():  # shrinking is cheaper
            if seen.verdict in (FAIL, ERROR):
                raise mismatch(seen.function, seen.quantity, seen.verdict)(seen.message)
    return valid


def _hypothesis(
    spec: Spec, dtype: str, examples: int, seed: int | str, body: Callable[[list[Case]], None]
) -> Callable[[], None]:
    """`body` as a hypothesis test over batches of `spec`'s cases in `dtype`, about
    `examples` cases in all, seeded by (`seed`, spec, dtype)."""
    hypothesis_examples = max(-(-examples // BATCH), min(examples, MIN_HYPOTHESIS_EXAMPLES))
    batch = -(-examples // hypothesis_examples)  # equal batches that hold `examples`
    # Built once: hypothesis caches what it learns about a strategy. (unique_by would spare
    # the duplicates skipped in _fold, but makes shrinking a list several times slower.)
    batches = st.lists(spec.case(dtype), min_size=batch, max_size=batch)
    return settings(
        max_examples=hypothesis_examples,
        deadline=None,
        database=None,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=True,
        print_blob=False,
    )(
        hypothesis_seed(zlib.crc32(f"{seed}:{spec.name}:{dtype}".encode()))(
            given(cases=batches)(body)
        )
    )


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
    """`run` over every spec, dtype and device, in order (``profile`` among `options`):
    the single-process path."""
    profile = options.pop("profile", "cs231n")
    return [
        check
        for spec in specs
        for dtype in dtypes
        for device in devices
        for check in run(Setting(spec, candidate, dtype, device, profile), **options)
    ]
