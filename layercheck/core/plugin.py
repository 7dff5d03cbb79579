"""pytest plugin: parametrises the conformance suite and merges the checks of every
pytest-xdist worker into one report, written by the controller at the end of the session.

Workers attach their checks to each test report (``user_properties``), which xdist sends
to the controller; nothing else crosses between processes.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from layercheck.core import target
from layercheck.core.dtypes import DTYPES
from layercheck.reports import report
from layercheck.specs import COURSES, PROFILES, REGISTRY, Spec, default_course

PROPERTY = "layercheck"

settings.register_profile("quick", max_examples=10)
settings.register_profile("ci", max_examples=40)
settings.register_profile("thorough", max_examples=300)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("layercheck", "layercheck conformance suite")
    group.addoption("--lc-target", default=None, help="file, folder or module to check (impl)")
    group.addoption("--lc-functions", default=None, help="comma-separated functions (all)")
    group.addoption("--lc-dtypes", default=",".join(DTYPES), help="comma-separated dtypes")
    group.addoption("--lc-devices", default="cpu,cuda", help="comma-separated devices")
    group.addoption(
        "--lc-examples",
        type=int,
        default=None,
        help="cases per function, dtype and device (the hypothesis profile's)",
    )
    group.addoption("--lc-seed", type=int, default=0, help="same seed, same cases")
    group.addoption("--lc-profile", default=default_course(), choices=sorted(PROFILES))
    group.addoption("--lc-json", default=None, help="write the JSON report here")
    group.addoption("--lc-markdown", default=None, help="write the Markdown report here")


def selected_functions(config: pytest.Config) -> list[str] | None:
    value = config.getoption("lc_functions")
    return listed(value) if value else None


def selected_specs(functions: list[str] | None, profile: str) -> list[Spec]:
    """The specs of the selected functions (all by default) that the run reports on: a
    built-in course's run has a row for every layer (skipped where the course lacks it); a
    spec file's course's run, rows for its own layers only."""
    return [
        spec
        for spec in REGISTRY.values()
        if (functions is None or set(spec.functions) & set(functions))
        and (PROFILES[profile].course in COURSES or spec.in_profile(profile))
    ]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "lc_key" not in metafunc.fixturenames:
        return
    config = metafunc.config
    keys = [
        (spec, dtype, device)
        for spec in selected_specs(selected_functions(config), config.getoption("lc_profile"))
        for dtype in listed(config.getoption("lc_dtypes"))
        for device in listed(config.getoption("lc_devices"))
    ]
    metafunc.parametrize("lc_key", keys, ids=[f"{s.name}-{d}-{v}" for s, d, v in keys])


@pytest.fixture(scope="session")
def lc_candidate(request: pytest.FixtureRequest) -> dict:
    """The functions under test, loaded once per worker."""
    return target.load(request.config.getoption("lc_target"))


@pytest.fixture(scope="session")
def lc_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Keyword arguments of `runner.run` and the function filter."""
    config = request.config
    return {
        "examples": examples(config),
        "seed": config.getoption("lc_seed"),
        "profile": config.getoption("lc_profile"),
        "functions": selected_functions(config),
    }


def examples(config: pytest.Config) -> int:
    return config.getoption("lc_examples") or settings.default.max_examples


class Collector:
    """Gathers the checks that workers report; writes the report at the session's end."""

    def __init__(self, config: pytest.Config):
        self.config = config
        self.checks: list[dict[str, Any]] = []
        self.worker_env: dict[str, Any] = {}
        self.started = time.perf_counter()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call":  # setup and teardown reports repeat the properties
            return
        for name, value in report.user_properties:
            if name == PROPERTY:
                payload = json.loads(value)
                self.checks.extend(payload["checks"])
                self.worker_env = payload["env"]

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        json_path, markdown_path = (
            self.config.getoption("lc_json"),
            self.config.getoption("lc_markdown"),
        )
        if not (json_path or markdown_path):
            return
        meta = self.meta()
        if exitstatus == pytest.ExitCode.INTERRUPTED:  # Ctrl-C, a cancelled CI job
            meta["incomplete"] = True
        document = report.build(self.checks, meta)
        if json_path:
            report.write_json(document, Path(json_path))
        if markdown_path:
            Path(markdown_path).parent.mkdir(parents=True, exist_ok=True)
            Path(markdown_path).write_text(report.to_markdown(document))

    def meta(self) -> dict[str, Any]:
        config = self.config
        workers = getattr(config.option, "numprocesses", None) or 0
        return {
            **report.environment(),
            **self.worker_env,
            "target": config.getoption("lc_target") or target.DEFAULT,
            "seed": config.getoption("lc_seed"),
            "profile": config.getoption("lc_profile"),
            "examples": examples(config),
            "functions": selected_functions(config),
            "dtypes": listed(config.getoption("lc_dtypes")),
            "devices": listed(config.getoption("lc_devices")),
            "workers": workers or 1,
            "duration_s": round(time.perf_counter() - self.started, 3),
        }


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the controller, or a run without xdist
        config.pluginmanager.register(Collector(config), "layercheck-collector")


def listed(value: str) -> list[str]:
    """The non-empty items of a comma-separated option."""
    return [item.strip() for item in value.split(",") if item.strip()]
