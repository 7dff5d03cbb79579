"""Planted bugs: realistic student mistakes, each failing exactly the checks it should.

Every file in tests/bugs/ is a complete layers module (impl plus one mistake) with a
``BREAKS`` table: (function, quantity) -> the dtypes in which that check must fail. Every
other check of the layers it touches must pass, and each failure must name its quantity and
carry the smallest failing case.
"""

import importlib.util
from pathlib import Path

import pytest

from layercheck import runner, target
from layercheck.cases import DTYPES
from layercheck.specs import spec_of
from layercheck.specs.fully_connected import SPECS as fully_connected_specs
from layercheck.verdicts import FAIL, PASS

BUGS = sorted((Path(__file__).parent / "bugs").glob("*.py"))
EXAMPLES = 60


def breaks_of(bug: Path) -> dict[tuple[str, str], tuple[str, ...]]:
    spec = importlib.util.spec_from_file_location(f"planted_{bug.stem}", bug)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.BREAKS


def test_there_are_at_least_fifteen_fully_connected_and_twenty_other_planted_bugs():
    fully_connected = {spec.name for spec in fully_connected_specs}
    touches = {
        bug.stem: {spec_of(function).name in fully_connected for function, _ in breaks_of(bug)}
        for bug in BUGS
    }
    assert sum(sections == {True} for sections in touches.values()) >= 15, touches
    assert sum(sections == {False} for sections in touches.values()) >= 20, touches


@pytest.mark.parametrize("bug", BUGS, ids=lambda bug: bug.stem)
def test_planted_bug_fails_exactly_where_it_should(bug):
    breaks = breaks_of(bug)
    specs = list({spec_of(function).name: spec_of(function) for function, _ in breaks}.values())
    checks = runner.run_all(
        specs, target.load(str(bug)), DTYPES, ["cpu"], examples=EXAMPLES, seed=0
    )
    expected = {(f, q, dtype) for (f, q), dtypes in breaks.items() for dtype in dtypes}
    found = {(c.function, c.quantity, c.dtype): c for c in checks if c.verdict != PASS}
    missed = expected - set(found)
    extra = {key: found[key].message for key in set(found) - expected}
    assert not missed and not extra, f"{bug.stem}: not failing {missed}; failing too {extra}"
    for check in found.values():
        assert check.verdict == FAIL, (check.function, check.quantity, check.message)
        assert check.message.startswith(check.quantity), check.message
        assert check.case is not None and "sizes" in check.case and "seed" in check.case
