"""Observations (one quantity on one case) and checks (one quantity over all cases).

A check is identified by (function, quantity, dtype, device). Its verdict is the worst
observation's, and it keeps the figures: worst errors, worst ratio of error over tolerance,
the histogram of the ratios, the peer's own error, and for any verdict but pass the smallest
failing case.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from layercheck.core.cases import Case

PASS, FAIL, ERROR, NOT_IMPLEMENTED, SKIPPED = "pass", "fail", "error", "not_implemented", "skipped"
VERDICTS = (PASS, FAIL, ERROR, NOT_IMPLEMENTED, SKIPPED)

#: Edges of the bins of a check's ratio histogram: 1e-6 to 1e2 in half decades; the first
#: bin holds ratios below 1e-6 (exact zeros included), the last those of 1e2 and above.
RATIO_EDGES = tuple(10 ** (k / 2) for k in range(-12, 5))

#: Most other failing regions a check keeps a case of (`Check.more_cases`).
MORE_CASES = 2

#: Which observation decides a check when several disagree.
_SEVERITY = {SKIPPED: 0, PASS: 1, NOT_IMPLEMENTED: 2, FAIL: 3, ERROR: 4}


@dataclass
class Observation:
    """One quantity of one function on one case.

    Errors and the tolerance are absolute except `rel_error` (normwise); figures are None
    for checks of a property; `detail` holds ``index``, ``expected`` and ``got``
    of the first wrong element when there is one.
    """

    function: str
    quantity: str
    verdict: str
    message: str = ""
    abs_error: float | None = None
    rel_error: float | None = None
    ratio: float | None = None
    tolerance: float | None = None
    peer_error: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Check:
    """One row of the report: a quantity of a function, in one dtype on one device."""

    function: str
    quantity: str
    dtype: str
    device: str
    verdict: str = SKIPPED
    examples: int = 0
    max_abs_error: float | None = None
    max_rel_error: float | None = None
    ratio: float | None = None
    tolerance: float | None = None
    peer_error: float | None = None
    message: str | None = None
    case: dict[str, Any] | None = None
    ratio_counts: list[int] = field(default_factory=lambda: [0] * (len(RATIO_EDGES) + 1))
    tier: str = "core"  # "edge": a row of legitimate but demanding cases (spec.edge)
    #: The smallest failing case of each other region, smallest first (at most MORE_CASES):
    #: where some combination of parameters never fails, each failing combination is a
    #: distinct way to fail (pad = 0 against stride 2), shown beside `case`.
    more_cases: list[dict[str, Any]] = field(default_factory=list)
    #: Parameters (`_region`) -> the smallest failing case with them; those that passed.
    _regions: dict[tuple, dict[str, Any]] = field(default_factory=dict, repr=False)
    _passed: set[tuple] = field(default_factory=set, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {key: value for key, value in vars(self).items() if not key.startswith("_")}

    def add(self, seen: Observation, case: Case, shapes: dict[str, Any]) -> None:
        """Fold one observation on `case` (whose inputs have `shapes`) into the check."""
        self.examples += 1
        self.max_abs_error = _max(self.max_abs_error, seen.abs_error)
        self.max_rel_error = _max(self.max_rel_error, seen.rel_error)
        self.peer_error = _max(self.peer_error, seen.peer_error)
        if seen.ratio is not None:
            self.ratio_counts[bisect.bisect_right(RATIO_EDGES, seen.ratio)] += 1
        if seen.ratio is not None and (self.ratio is None or seen.ratio > self.ratio):
            self.ratio, self.tolerance = seen.ratio, seen.tolerance
        region = _region(case.params)
        if seen.verdict == PASS:
            self._passed.add(region)
            if self.verdict == SKIPPED:
                self.verdict = PASS
            return
        described = {**case.describe(), "shapes": shapes, **seen.detail, "size": case.size()}
        if seen.verdict in (FAIL, ERROR):
            known = self._regions.get(region)
            if known is None or case.size() < known["size"]:
                self._regions[region] = {**described, "message": seen.message}
        worse = _SEVERITY[seen.verdict] > _SEVERITY[self.verdict]
        smaller = self.case is not None and case.size() <= self.case["size"]
        if worse or (seen.verdict == self.verdict and smaller):
            self.verdict, self.message, self.case = seen.verdict, seen.message, described

    def absorb(self, other: Check) -> None:
        """Fold another look at the same check (more cases) into this one: the worse verdict
        with its message and case (between equal failing verdicts, the smaller case), the
        larger figures, all the cases counted."""
        self.examples += other.examples
        self.max_abs_error = _max(self.max_abs_error, other.max_abs_error)
        self.max_rel_error = _max(self.max_rel_error, other.max_rel_error)
        self.peer_error = _max(self.peer_error, other.peer_error)
        if other.ratio is not None and (self.ratio is None or other.ratio > self.ratio):
            self.ratio, self.tolerance = other.ratio, other.tolerance
        counts = zip(self.ratio_counts, other.ratio_counts, strict=True)
        self.ratio_counts = [a + b for a, b in counts]
        if _SEVERITY[other.verdict] > _SEVERITY[self.verdict] or self.smaller_failure(other):
            self.verdict, self.message, self.case = other.verdict, other.message, other.case

    def _other_regions(self) -> list[dict[str, Any]]:
        """Where some parameters never failed, the smallest failing case of other failing
        combinations than `case`'s: first those sharing the fewest parameter values with
        the cases already chosen (a second bug's region before a variation of the first),
        then the smallest."""
        if not self._passed - set(self._regions) or self.case is None:
            return []
        own = _region(self.case["params"])
        left = [case for region, case in self._regions.items() if region != own]
        chosen: list[dict[str, Any]] = [self.case]

        def overlap(case: dict[str, Any]) -> tuple[int, int]:
            shared = max(len(case["params"].items() & c["params"].items()) for c in chosen)
            return shared, case["size"]

        while left and len(chosen) <= MORE_CASES:
            best = min(left, key=overlap)
            left.remove(best)
            chosen.append(best)
        return [{k: v for k, v in case.items() if k != "size"} for case in chosen[1:]]

    def smaller_failure(self, other: Check) -> bool:
        """Whether `other` fails the same way as this check on a case with fewer elements."""
        failing = other.verdict == self.verdict and self.verdict not in (PASS, SKIPPED)
        return failing and _elements(other.case) < _elements(self.case)

    def finish(self) -> Check:
        """Drop bookkeeping that the report does not carry; keep the other failing regions'
        cases; an edge-tier row that met no case of its tier says so."""
        if self.case is not None:
            self.case.pop("size", None)
            self.more_cases = self._other_regions()
        if self.verdict == SKIPPED and self.examples == 0 and self.message is None:
            self.message = f"skipped: no {self.tier}-tier case in {self.dtype}"
        return self


def skipped(
    function: str, quantity: str, dtype: str, device: str, why: str, tier: str = "core"
) -> Check:
    """A check that was not run, with the reason (``CUDA not available``, ``not in profile``)."""
    message = f"skipped: {why}"
    return Check(function, quantity, dtype, device, verdict=SKIPPED, message=message, tier=tier)


def _region(params: dict[str, Any]) -> tuple:
    """A combination of parameters as a key (values are numbers, strings or booleans)."""
    return tuple(sorted(params.items()))


def _elements(case: dict[str, Any] | None) -> int:
    product = 1
    for size in (case or {}).get("sizes", {}).values():
        product *= size
    return product


def _max(a: float | None, b: float | None) -> float | None:
    if b is None:
        return a
    return b if a is None else max(a, b)
