"""The report: a versioned JSON document, and its Markdown rendering.

Checks are ordered as the registry lists functions and quantities, then by dtype and
device. Non-finite figures are written as the strings "inf" and "nan" (JSON has no
numbers for them).
"""

from __future__ import annotations

import json
import math
import os
import platform
import sys
from collections import Counter
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from layercheck import __version__
from layercheck.core.dtypes import DTYPES
from layercheck.core.verdicts import ERROR, FAIL, NOT_IMPLEMENTED, PASS, SKIPPED, VERDICTS
from layercheck.reports.repro import command as repro_command
from layercheck.reports.repro import descriptor
from layercheck.specs import REGISTRY

SCHEMA_VERSION = 2
DEVICES = ("cpu", "cuda")
#: Verdicts that make `check` exit 1 (skipped counts as passed).
FAILING = (FAIL, ERROR, NOT_IMPLEMENTED)


def build(checks: list[dict[str, Any]], meta: dict[str, Any]) -> dict[str, Any]:
    """The report document from check dicts (as `Check.to_json` makes them) and run facts.
    A run that was interrupted (``meta["incomplete"]``) never passed, whatever it saw."""
    ordered = sorted(checks, key=_order)
    summary = summarise(ordered)
    summary["passed"] = summary["passed"] and not meta.get("incomplete", False)
    return {
        "schema_version": SCHEMA_VERSION,
        "meta": meta,
        "summary": _jsonable(summary),
        "checks": [_jsonable(check) for check in ordered],
    }


def summarise(checks: list[dict[str, Any]]) -> dict[str, Any]:
    """Verdict counts and the margins: worst passing ratio, best failing ratio."""
    counts = Counter(check["verdict"] for check in checks)
    passing = [float(c["ratio"]) for c in checks if c["verdict"] == PASS and c["ratio"] is not None]
    failing = [float(c["ratio"]) for c in checks if c["verdict"] == FAIL and c["ratio"] is not None]
    return {
        "verdicts": {verdict: counts.get(verdict, 0) for verdict in VERDICTS},
        "worst_passing_ratio": max(passing, default=None),
        "best_failing_ratio": min(failing, default=None),
        "passed": not any(counts.get(verdict) for verdict in FAILING),
    }


def environment() -> dict[str, Any]:
    """Versions and machine; the GPU name is added by the workers that ran the oracle."""
    return {
        "layercheck": __version__,
        "numpy": _version("numpy"),
        "torch": _version("torch"),
        "hypothesis": _version("hypothesis"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": _cpu_name(),
        "cpu_count": os.cpu_count(),
    }


#: Schema versions `load` reads: 1 lacks the checks' ratio histograms.
READABLE = (1, 2)
SCHEMA = Path(__file__).with_name("report.schema.json")


class ReportError(Exception):
    """A report that cannot be read, or reports that cannot be merged; one line."""


def load(path: Path) -> dict[str, Any]:
    """The report at `path`, validated against the published JSON Schema."""
    import jsonschema

    try:
        document = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise ReportError(f"{path}: cannot read a JSON report: {exc}") from None
    found = document.get("schema_version") if isinstance(document, dict) else None
    if found not in READABLE:
        readable = ", ".join(map(str, READABLE))
        raise ReportError(
            f"{path}: schema_version {found!r} is not one this layercheck reads ({readable})"
        )
    schema = json.loads(SCHEMA.read_text())
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(schema).iter_errors(document)
    )
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(top)"
        raise ReportError(f"{path}: not a valid report at {where}: {error.message}")
    return document


def merge(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """One report from partial ones (functions or devices split across runs of the same
    seed, profile and examples). Raises ReportError on a check present in two of them, or
    runs that differ in what decides their cases."""
    first = reports[0]["meta"]
    for other in reports[1:]:
        for key in ("seed", "profile", "examples", "target"):
            if other["meta"].get(key) != first.get(key):
                raise ReportError(
                    f"cannot merge runs with different {key}: "
                    f"{first.get(key)!r} and {other['meta'].get(key)!r}"
                )
    seen: dict[tuple, int] = {}
    for index, document in enumerate(reports):
        for check in document["checks"]:
            key = (check["function"], check["quantity"], check["dtype"], check["device"])
            if key in seen:
                raise ReportError(
                    f"check {' '.join(key)} is in reports {seen[key] + 1} and {index + 1}: "
                    "the runs overlap"
                )
            seen[key] = index
    meta = dict(first)
    meta["duration_s"] = round(sum(document["meta"]["duration_s"] for document in reports), 3)
    meta["gpu"] = next((d["meta"]["gpu"] for d in reports if d["meta"].get("gpu")), None)
    for key in ("functions", "dtypes", "devices"):
        parts = [document["meta"].get(key) for document in reports]
        meta[key] = None if None in parts else list(dict.fromkeys(x for p in parts for x in p))
    if meta["functions"] is not None and set(meta["functions"]) >= set(_ALL_FUNCTIONS):
        meta["functions"] = None  # the shards cover everything: as an unsharded run
    return build([check for document in reports for check in document["checks"]], meta)


def write_json(report: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1, allow_nan=False) + "\n")


def to_markdown(report: dict[str, Any]) -> str:
    """One table: a row per function and quantity, a column per dtype and device; each cell
    the verdict and the worst ratio of error over tolerance. Failures are listed below."""
    checks, meta, summary = report["checks"], report["meta"], report["summary"]
    idle = idle_devices(checks)
    shown = [c for c in checks if c["device"] not in idle]
    columns = sorted({(c["dtype"], c["device"]) for c in shown}, key=column_order)
    rows: dict[tuple[str, str], dict[tuple[str, str], dict]] = {}
    for check in shown:
        rows.setdefault((check["function"], check["quantity"]), {})[
            check["dtype"], check["device"]
        ] = check
    lines = [
        f"# layercheck report: `{meta.get('target', '?')}`",
        "",
        f"{_counts(summary, meta)}. Worst passing ratio: {figure(summary['worst_passing_ratio'])}; "
        f"best failing ratio: {figure(summary['best_failing_ratio'])}. "
        "Ratio = worst error / tolerance over all cases (pass at most 1).",
        "",
        f"Seed {meta.get('seed')}, {meta.get('examples')} examples per check, profile "
        f"`{meta.get('profile')}`, numpy {meta.get('numpy')}, torch {meta.get('torch')}, "
        f"{meta.get('cpu')}, GPU: {meta.get('gpu') or 'none'}.",
        "",
        *(f"{idle_line(checks, device, reason)}.\n" for device, reason in idle.items()),
        "| function | quantity | " + " | ".join(f"{d} {v}" for d, v in columns) + " |",
        "|---|---|" + "---|" * len(columns),
    ]
    for (function, quantity), cells in rows.items():
        rendered = [_cell(cells.get(column)) for column in columns]
        lines.append(f"| {function} | {quantity} | " + " | ".join(rendered) + " |")
    edge = list(dict.fromkeys(c["quantity"] for c in checks if c.get("tier") == "edge"))
    if edge:
        lines += [
            "",
            f"Edge tier ({', '.join(edge)}): the same quantities on legitimate but demanding "
            "cases (a label whose probability underflows, x exactly at a kink, tied maxima, "
            "float16 spreads the staged formulas overflow on); a grade scores them only when "
            "its rubric asks.",
        ]
    skipped = sorted({c["message"] for c in shown if c["verdict"] == SKIPPED and c["message"]})
    if skipped:
        lines += ["", "; ".join(skipped).capitalize() + "."]
    agreement = device_agreement(checks)
    if agreement:
        lines += [
            "",
            "## CPU and CUDA oracles",
            "",
            "torch's own max abs error against the float64 truth, in each dtype on each device.",
            "",
            "| function | quantity | dtype | cpu | cuda | cuda / cpu |",
            "|---|---|---|---|---|---|",
        ]
        for (function, quantity, dtype), (cpu, cuda) in agreement.items():
            ratio = cuda / cpu if cpu else (1.0 if cuda == cpu else math.inf)
            lines.append(
                f"| {function} | {quantity} | {dtype} | {figure(cpu)} | {figure(cuda)} | "
                f"{figure(ratio)} |"
            )
    problems = [c for c in checks if c["verdict"] in FAILING]
    if problems:
        lines += ["", "## Not passing", ""]
        missing = dict.fromkeys(c["function"] for c in problems if c["verdict"] == NOT_IMPLEMENTED)
        lines += [
            f"- **{f}**: not implemented (missing, misspelled or still the stub)" for f in missing
        ]
        target = meta.get("target")
        for c in problems:
            if c["verdict"] == NOT_IMPLEMENTED:
                continue
            lines.append(
                f"- **{c['function']}.{c['quantity']}** ({c['dtype']}, {c['device']}): "
                f"{c['verdict']}: {c['message']}"
            )
            for case in [c["case"], *c.get("more_cases", [])] if c.get("case") else []:
                found = descriptor(c["function"], c["quantity"], case)
                lines.append(f"  failing case, replay: `{repro_command(target, found)}`")
    return "\n".join(lines) + "\n"


def idle_devices(checks: list[dict[str, Any]]) -> dict[str, str]:
    """Devices none of whose checks ran, all skipped for one reason (``skipped: CUDA not
    available``) -> that reason: reports say it once instead of a column per dtype of it."""
    reasons: dict[str, set] = {}
    for check in checks:
        skipped = check["verdict"] == SKIPPED
        reasons.setdefault(check["device"], set()).add(check["message"] if skipped else None)
    return {
        device: next(iter(found))
        for device, found in reasons.items()
        if len(found) == 1 and None not in found
    }


def idle_line(checks: list[dict[str, Any]], device: str, reason: str) -> str:
    """The one line that says a device never ran."""
    count = sum(check["device"] == device for check in checks)
    return f"{device}: {reason} ({count} checks; their rows are in the JSON report)"


def device_agreement(checks: list[dict[str, Any]]) -> dict[tuple, tuple[float, float]]:
    """(function, quantity, dtype) -> the peer's max abs error on cpu and on cuda, for every
    quantity measured on both devices (none without a GPU)."""
    peers: dict[tuple, dict[str, float]] = {}
    for c in checks:
        if c["verdict"] != SKIPPED and c.get("peer_error") is not None:
            key = (c["function"], c["quantity"], c["dtype"])
            peers.setdefault(key, {})[c["device"]] = float(c["peer_error"])
    return {key: (found["cpu"], found["cuda"]) for key, found in peers.items() if len(found) == 2}


def _cell(check: dict | None) -> str:
    if check is None:
        return ""
    verdict = check["verdict"]
    shown = verdict if verdict in (PASS, SKIPPED) else f"**{verdict.upper()}**"
    measured = verdict in (PASS, FAIL) and check["ratio"] is not None  # ratios judge values
    return f"{shown} {figure(check['ratio'])}" if measured else shown


def _counts(summary: dict[str, Any], meta: dict[str, Any]) -> str:
    found = [f"{n} {verdict}" for verdict, n in summary["verdicts"].items() if n]
    verdict = "PASSED: " if summary["passed"] else "NOT PASSED: "
    if meta.get("incomplete"):
        verdict = "INCOMPLETE (interrupted; what ran): "
    return verdict + ", ".join(found)


def figure(value: Any, missing: str = "-") -> str:
    """A report figure in three significant digits (``inf`` and ``nan`` are strings in the
    JSON); `missing` when not measured."""
    if value is None:
        return missing
    if isinstance(value, str):
        return value
    return f"{value:.3g}"


#: Report rows in registry order: (function, quantity) -> position.
_ROWS = {
    (function, quantity): position
    for position, (function, quantity) in enumerate(
        (function, quantity)
        for spec in REGISTRY.values()
        for function, quantities in spec.quantities().items()
        for quantity in quantities
    )
}


_ALL_FUNCTIONS = [function for spec in REGISTRY.values() for function in spec.functions]


def _order(check: dict[str, Any]) -> tuple:
    row = _ROWS.get((check["function"], check["quantity"]), len(_ROWS))
    return (row, *column_order((check["dtype"], check["device"])))


def column_order(column: tuple[str, str]) -> tuple[int, int]:
    dtype, device = column
    return (
        DEVICES.index(device) if device in DEVICES else 9,
        DTYPES.index(dtype) if dtype in DTYPES else 9,
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    return value


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or sys.platform
