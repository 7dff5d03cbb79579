"""The conformance suite: one test per (spec, dtype, device), parametrised by the plugin.

Each test runs every check of its spec through hypothesis and attaches the checks to its
report for the controller to merge; it fails when any check fails, errors or is not
implemented, and is skipped when all of them were (CUDA not available, not in profile).
"""

import json
from typing import Any

import pytest

from layercheck.core import oracles, runner
from layercheck.core.evaluate import Setting
from layercheck.core.plugin import PROPERTY
from layercheck.core.verdicts import SKIPPED
from layercheck.reports.report import FAILING


def test_conformance(lc_key, lc_candidate, lc_options: dict[str, Any], record_property) -> None:
    spec, dtype, device = lc_key
    functions = lc_options["functions"]
    checks = [
        check
        for check in runner.run(
            Setting(spec, lc_candidate, dtype, device, lc_options["profile"]),
            examples=lc_options["examples"],
            seed=lc_options["seed"],
        )
        if functions is None or check.function in functions
    ]
    record_property(PROPERTY, json.dumps({"checks": [c.to_json() for c in checks], "env": _env()}))
    if all(check.verdict == SKIPPED for check in checks):
        pytest.skip(checks[0].message if checks else "nothing selected")
    problems = [check for check in checks if check.verdict in FAILING]
    assert not problems, "\n".join(
        f"{c.function}.{c.quantity} [{c.dtype}, {c.device}]: {c.verdict}: {c.message}"
        for c in problems
    )


def _env() -> dict[str, Any]:
    """What only a process that ran the oracle knows."""
    return {"torch_runtime": oracles.torch_version(), "gpu": oracles.device_name("cuda")}
