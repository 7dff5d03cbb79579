"""Planted bugs: realistic student mistakes, each failing exactly the checks it should.

Every file in tests/bugs/ is a complete layers module (impl plus one mistake), checked on
``EXAMPLES`` cases per check unless it asks for more (its own ``EXAMPLES``), with a
``BREAKS`` table: (function, quantity) -> the dtypes in which that check must fail (edge-tier
rows, ``<quantity>_edge``, included; a bug whose code raises declares
``VERDICT = "error"``). Every other check of the layers it touches must pass
(or, for an edge-tier row that met no case of its tier, be skipped), and each failure must
name its quantity and carry the smallest failing case.
"""

import contextlib
import io
from pathlib import Path

import numpy as np
import pytest

import planted
from layercheck.core import runner, target
from layercheck.core.dtypes import DTYPES
from layercheck.core.verdicts import ERROR, FAIL
from layercheck.grading import rubric
from layercheck.reports import repro
from layercheck.specs import EDGE, spec_of
from layercheck.specs.fully_connected import SPECS as fully_connected_specs

BUGS = sorted((Path(__file__).parent / "bugs").glob("*.py"))
EXAMPLES = 30


def breaks_of(bug: Path) -> dict[tuple[str, str], tuple[str, ...]]:
    return planted.load(bug).BREAKS


#: The profile whose default rubric grades the planted bugs (its dropout keeps with p).
PROFILE = "cs231n"


def scored(breaks: dict[tuple[str, str], tuple[str, ...]]) -> bool:
    """Whether a bug breaks a check the default rubric scores: a core-tier quantity the
    course asks for, in float64, of a function the students write."""
    default = rubric.default(PROFILE)
    asked = {(item.function, item.quantity) for item in default.items}
    return any(key in asked and "float64" in dtypes for key, dtypes in breaks.items())


def test_at_least_fifteen_fully_connected_and_twenty_other_bugs_lose_points():
    fully_connected = {spec.name for spec in fully_connected_specs}
    touches = {
        bug.stem: {spec_of(function).name in fully_connected for function, _ in breaks_of(bug)}
        for bug in BUGS
        if scored(breaks_of(bug))
    }
    assert sum(sections == {True} for sections in touches.values()) >= 15, touches
    assert sum(sections == {False} for sections in touches.values()) >= 20, touches


def assert_reproduced(check, candidate) -> None:
    """The check's reproducer, run with the bug's functions in scope, shows the wrong value
    (or, where the inputs are too large to write out or a property builds its own, the
    replay of its descriptor fails the same way). A dropout that ignores its seed fails on
    a small case by chance (two masks of one element agree half the time): its replay
    must fail once in five."""
    tries = 1 if spec_of(check.function).oracle else 5
    found = repro.descriptor(check.function, check.quantity, check.case)
    replays = [repro.replay(candidate, found, PROFILE) for _ in range(tries)]
    assert check.verdict in {verdict for verdict, _ in replays}, (check.function, replays)
    code = repro.snippet(check)
    if code is None:
        return
    namespace = dict(candidate)
    if check.verdict == ERROR:  # pasted, it raises what the check saw raised
        with pytest.raises(Exception) as raised, contextlib.redirect_stdout(io.StringIO()):
            exec("\n".join(code), namespace)
        assert f" raised {raised.type.__name__}" in check.message, (check.message, raised)
        return
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        exec("\n".join(code), namespace)  # as pasted into a Python prompt
    quantity, values = check.quantity.removesuffix(EDGE), check.case.get("values")
    if values is not None:  # the printed value is the wrong one the check saw
        written = {key: argument for argument, key in spec_of(check.function).written}
        shown = namespace[written[quantity]][quantity] if quantity in written else None
        shown = namespace[quantity] if shown is None else shown
        assert f"{quantity}:" in printed.getvalue()
        assert np.allclose(np.asarray(shown, dtype=float), values["got"], equal_nan=True)
        assert not np.allclose(values["got"], values["expected"], equal_nan=True)
    elif quantity == "arguments_unchanged":
        assert "after the call:" in printed.getvalue(), printed.getvalue()


@pytest.mark.parametrize("bug", BUGS, ids=lambda bug: bug.stem)
def test_planted_bug_fails_exactly_where_it_should(bug):
    breaks = breaks_of(bug)
    candidate = target.load(str(bug))
    examples = getattr(planted.load(bug), "EXAMPLES", EXAMPLES)
    checks = runner.run_all(
        planted.specs_of(breaks), candidate, DTYPES, ["cpu"], examples=examples, seed=0
    )
    found, missed, extra = planted.against(checks, breaks)
    assert not missed and not extra, f"{bug.stem}: not failing {missed}; failing too {extra}"
    verdict = getattr(planted.load(bug), "VERDICT", FAIL)  # a bug that raises declares "error"
    for check in found.values():
        assert check.verdict == verdict, (check.function, check.quantity, check.message)
        assert check.message.startswith(check.quantity) or (
            verdict == ERROR and " raised " in check.message
        ), check.message
        assert check.case is not None and "sizes" in check.case and "seed" in check.case
        assert_reproduced(check, candidate)
    score = rubric.default(PROFILE).score(checks)
    lost = [item.name for item in score.items if item.checks and item.points < item.max_points]
    assert bool(lost) == scored(breaks), f"{bug.stem}: the default rubric takes {lost}"
