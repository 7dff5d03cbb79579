"""Correct implementations written unlike impl/ pass every check in every dtype, over
several seeds: the tolerance does not fail honest code."""

from pathlib import Path

import pytest

from layercheck.core import runner, target
from layercheck.core.dtypes import DTYPES
from layercheck.core.verdicts import PASS, SKIPPED
from layercheck.specs import REGISTRY

ALTERNATIVES = sorted(p for p in (Path(__file__).parent / "alternatives").iterdir() if p.is_dir())
SEEDS = (1, 2, 3)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("spec", REGISTRY.values(), ids=lambda spec: spec.name)
@pytest.mark.parametrize("alternative", ALTERNATIVES, ids=lambda path: path.name)
def test_a_correct_alternative_passes_every_check(alternative, spec, seed):
    candidate = target.load(str(alternative))
    checks = runner.run_all([spec], candidate, DTYPES, ["cpu"], examples=100, seed=seed)
    unmet = [c for c in checks if c.verdict == SKIPPED and c.tier == "edge"]  # no such case
    problems = [
        (c.function, c.quantity, c.dtype, c.message)
        for c in checks
        if c.verdict != PASS and c not in unmet
    ]
    assert not problems, problems
    assert all(c.examples > 0 for c in checks if c not in unmet)
