"""The report as one self-contained HTML page: inline CSS, plots as PNG data URIs, no scripts.

The page leads with what needs attention: the verdict and margins, a line per device that
never ran (no GPU) instead of its columns, the checks not passing with their smallest cases;
then a grid of every check that ran (rows and columns as in the Markdown report), the
passing checks with the least headroom, per function (folded where all passed) the
distribution of error / tolerance over the cases and every check's figures, and the
environment. Reports of schema_version 1 have no ratio histograms:
their checks are listed as having no distribution recorded.
"""

from __future__ import annotations

import base64
import io
import math
from pathlib import Path
from typing import Any

import jinja2
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from layercheck.core.dtypes import COLOURS
from layercheck.core.verdicts import ERROR, FAIL, NOT_IMPLEMENTED, PASS, RATIO_EDGES, SKIPPED
from layercheck.reports.report import (
    column_order,
    device_agreement,
    figure,
    idle_devices,
    idle_line,
)

#: How many passing checks "Worst cases" lists.
WORST = 10
#: Passing ratios above this are shown amber: little headroom left.
AMBER_FROM = 0.5
#: Upper bounds of the green shades of passing cells, lightest first (ratios up to
#: AMBER_FROM fall in the last).
SHADES = (1e-4, 1e-2, 1e-1)
DPI = 70
#: The open-ended first and last histogram bins, drawn half a decade wide.
PLOT_EDGES = (10**-6.5, *RATIO_EDGES, 10**2.5)
DEVICE_LINES = {"cpu": "-", "cuda": "--"}
#: Failing checks are listed most severe first.
_SEVERITY = {ERROR: 0, FAIL: 1}

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("layercheck.reports", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(document: dict[str, Any]) -> str:
    """The page for a report document (schema_version 1 or 2), as one HTML string."""
    every, meta, summary = document["checks"], document["meta"], document["summary"]
    idle = idle_devices(every)  # said once in the header, not as columns of "skipped"
    checks = [c for c in every if c["device"] not in idle]
    columns = sorted({(c["dtype"], c["device"]) for c in checks}, key=column_order)
    rows: dict[tuple[str, str], dict[tuple[str, str], dict]] = {}
    functions: dict[str, list[dict]] = {}
    missing: dict[tuple[str, str], list[dict]] = {}  # not implemented, by function and message
    for check in checks:
        rows.setdefault((check["function"], check["quantity"]), {})[
            check["dtype"], check["device"]
        ] = check
        functions.setdefault(check["function"], []).append(check)
        if check["verdict"] == NOT_IMPLEMENTED:
            missing.setdefault((check["function"], check["message"] or ""), []).append(check)
    problems = sorted((c for c in checks if c["verdict"] in (FAIL, ERROR)), key=_problem_order)
    passing = [c for c in checks if c["verdict"] == PASS and _number(c["ratio"]) is not None]
    worst = sorted(passing, key=lambda c: _number(c["ratio"]), reverse=True)[:WORST]
    return _TEMPLATES.get_template("report.html").render(
        meta=meta,
        summary=summary,
        schema_version=document["schema_version"],
        worst_passing=_fmt(summary["worst_passing_ratio"]),
        best_failing=_fmt(summary["best_failing_ratio"]),
        counts=[(verdict, n) for verdict, n in summary["verdicts"].items() if n],
        columns=[{"dtype": dtype, "device": device} for dtype, device in columns],
        devices=_spans(device for _, device in columns),
        rows=[
            {"function": f, "quantity": q, "cells": [_cell(cells.get(col)) for col in columns]}
            for (f, q), cells in rows.items()
        ],
        problems=[{**_row(c), "case": _case(c["case"])} for c in problems],
        missing_count=sum(map(len, missing.values())),
        missing=[
            {"function": f, "message": message, "checks": _which(its)}
            for (f, message), its in missing.items()
        ],
        worst=[_row(c) for c in worst],
        agreement=[
            {"key": key, "cpu": _fmt(cpu), "cuda": _fmt(cuda)}
            for key, (cpu, cuda) in device_agreement(checks).items()
        ],
        functions=[_function(name, its) for name, its in functions.items()],
        environment=[(key, _meta_value(key, value)) for key, value in meta.items()],
        idle=[idle_line(every, device, reason) for device, reason in idle.items()],
        amber_from=AMBER_FROM,
    )


def write(document: dict[str, Any], path: Path) -> None:
    """Write the page of `document` to `path`, creating its folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(document), encoding="utf-8")


def anchor(check: dict[str, Any]) -> str:
    """The id of a check's row in the page's per-function details."""
    return "check-" + "-".join(check[key] for key in ("function", "quantity", "dtype", "device"))


def _cell(check: dict[str, Any] | None) -> dict[str, Any] | None:
    """A grid cell: its CSS classes, text, tooltip and link; None where no check ran."""
    if check is None:
        return None
    verdict, ratio = check["verdict"], _number(check["ratio"])
    classes = [f"v-{verdict}"]
    if verdict == PASS and ratio is not None:
        if ratio > AMBER_FROM:
            classes.append("amber")
        else:
            classes.append(f"h{sum(ratio >= bound for bound in SHADES)}")
    shown = {NOT_IMPLEMENTED: "not impl.", SKIPPED: "skip"}.get(verdict, verdict)
    measured = verdict in (PASS, FAIL) and ratio is not None
    if measured:
        title = (
            f"ratio {_fmt(check['ratio'])}: max abs error {_fmt(check['max_abs_error'])}, "
            f"tolerance {_fmt(check['tolerance'])}, {check['examples']} cases"
        )
    else:
        title = check["message"] or f"{verdict}, {check['examples']} cases"
    return {
        "classes": " ".join(classes),
        "verdict": shown,
        "ratio": _fmt(check["ratio"]) if measured else "",
        "title": title,
        "href": "#" + anchor(check),
    }


def _row(check: dict[str, Any]) -> dict[str, Any]:
    """A check with its figures formatted for a table row."""
    figures = ("ratio", "max_abs_error", "max_rel_error", "tolerance", "peer_error")
    return {
        **{key: check[key] for key in ("function", "quantity", "dtype", "device", "verdict")},
        **{key: _fmt(check[key]) for key in figures},
        "examples": check["examples"],
        "message": check["message"] or "",
        "anchor": anchor(check),
        "problem": "problem-" + anchor(check) if check["verdict"] in _SEVERITY else None,
    }


def _case(case: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The smallest failing case as (label, value) pairs: known fields first, then any other."""
    if case is None:
        return []
    shown = [
        ("sizes", ", ".join(f"{k}={v}" for k, v in case.get("sizes", {}).items()) or "none"),
        ("params", ", ".join(f"{k}={v!r}" for k, v in case.get("params", {}).items()) or "none"),
        ("seed", str(case.get("seed"))),
    ]
    if "shapes" in case:
        shapes = case["shapes"].items()
        shown.append(("input shapes", ", ".join(f"{k}: {tuple(v)}" for k, v in shapes)))
    if "index" in case:
        shown.append(("first wrong index", str(case["index"])))
    shown += [(key, _value(case[key])) for key in ("expected", "got") if key in case]
    known = {"sizes", "params", "seed", "shapes", "index", "expected", "got", "dtype"}
    return shown + [(key, _value(value)) for key, value in case.items() if key not in known]


def _which(checks: list[dict[str, Any]]) -> str:
    """Which checks of one function these are: quantities x columns when they are all of
    those, else each one."""
    quantities = list(dict.fromkeys(c["quantity"] for c in checks))
    columns = list(dict.fromkeys(f"{c['dtype']} {c['device']}" for c in checks))
    if len(quantities) * len(columns) == len(checks):
        return f"{', '.join(quantities)} in {', '.join(columns)} ({len(checks)} checks)"
    return ", ".join(f"{c['quantity']} in {c['dtype']} {c['device']}" for c in checks)


def _function(name: str, checks: list[dict[str, Any]]) -> dict[str, Any]:
    """A function's section: its distribution plot, checks lacking one, and its rows."""
    ran = [c for c in checks if c["verdict"] != SKIPPED]
    plotted: dict[str, list[dict]] = {}
    for check in ran:
        if sum(check.get("ratio_counts") or ()):
            plotted.setdefault(check["quantity"], []).append(check)
    return {
        "name": name,
        "attention": any(c["verdict"] not in (PASS, SKIPPED) for c in checks),
        "counts": ", ".join(
            f"{sum(c['verdict'] == v for c in checks)} {v}"
            for v in dict.fromkeys(c["verdict"] for c in checks)
        ),
        "image": _plot(plotted) if plotted else None,
        "undistributed": [
            f"{c['quantity']} {c['dtype']}/{c['device']}" for c in ran if "ratio_counts" not in c
        ],
        "checks": [_row(c) for c in checks],
    }


def _plot(quantities: dict[str, list[dict[str, Any]]]) -> str:
    """Small multiples, one per quantity, of each check's ratio histogram, as a data URI."""
    columns = min(len(quantities), 4)
    lines = math.ceil(len(quantities) / columns)
    figure = Figure(
        figsize=(2.6 * columns + 1.1, 1.7 * lines + 0.35), dpi=DPI, layout="constrained"
    )
    FigureCanvasAgg(figure)
    axes = figure.subplots(lines, columns, squeeze=False).ravel()
    for ax, (quantity, checks) in zip(axes, quantities.items(), strict=False):
        ax.axvspan(1.0, PLOT_EDGES[-1], color="#fbe3e0", lw=0)
        ax.axvline(1.0, color="#c0392b", lw=1, ls="--")
        for check in checks:
            ax.stairs(
                check["ratio_counts"],
                PLOT_EDGES,
                color=COLOURS.get(check["dtype"], "#555555"),
                linestyle=DEVICE_LINES.get(check["device"], ":"),
                lw=1.4,
                label=f"{check['dtype']} {check['device']}",
            )
        ax.set_xscale("log")
        ax.set_xlim(PLOT_EDGES[0], PLOT_EDGES[-1])
        ax.set_xticks([1e-6, 1e-4, 1e-2, 1.0, 1e2], ["1e-6", "1e-4", "0.01", "1", "100"])
        ax.minorticks_off()
        ax.tick_params(labelsize=8)
        ax.set_title(quantity, fontsize=9)
        ax.set_ylabel("cases", fontsize=8)
    for ax in axes[len(quantities) :]:
        ax.set_visible(False)
    labelled = {
        label: handle
        for ax in axes
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True)
    }
    figure.legend(labelled.values(), labelled.keys(), loc="outside right upper", fontsize=8)
    figure.supxlabel("error / tolerance per case (tolerance at 1)", fontsize=8)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _spans(devices: Any) -> list[tuple[str, int]]:
    """Runs of equal consecutive devices: the grid's upper header row."""
    spans: list[tuple[str, int]] = []
    for device in devices:
        if spans and spans[-1][0] == device:
            spans[-1] = (device, spans[-1][1] + 1)
        else:
            spans.append((device, 1))
    return spans


def _problem_order(check: dict[str, Any]) -> int:
    return _SEVERITY[check["verdict"]]


def _number(value: Any) -> float | None:
    """A report figure as a float ("inf" and "nan" are strings in the JSON)."""
    return None if value is None else float(value)


def _fmt(value: Any) -> str:
    """A figure in three significant digits; a dash when not measured."""
    return figure(value, missing="\u2013")


def _value(value: Any) -> str:
    """An element of a case exactly (floats round-trip)."""
    return repr(value) if isinstance(value, float) else str(value)


def _meta_value(key: str, value: Any) -> str:
    """A run fact as text; no function selection means all functions."""
    if value is None:
        return "all" if key == "functions" else "none"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)
