"""The batch view: a gradebook CSV, a summary and a score histogram.

Built only from the per-submission ``<root>/<name>/results.json`` files on disk, so it can be
rebuilt after a crash and merged from shards that ran on separate machines. Every file is
written atomically (a temporary file in the same folder, then `os.replace`).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from layercheck.grading.feedback import NOT_LOADED

CSV_NAME, SUMMARY_NAME, HISTOGRAM_NAME = "gradebook.csv", "summary.md", "score_histogram.png"
#: The batch's own files in the output folder: no submission is named like one.
BATCH_FILES = frozenset({CSV_NAME, SUMMARY_NAME, HISTOGRAM_NAME})
#: In a shard's output folder: which shard it is, ``i/n``, so that a merge can say which of
#: the n are missing.
SHARD_FILE = ".layercheck-shard"


@dataclass
class Entry:
    """One submission's results.json, as the gradebook needs it."""

    name: str
    tests: dict[str, tuple[float, float, str]]  # item name -> (score, max_score, status)
    total: float
    max_score: float
    status: str


def write(out: Path, roots: list[Path] | None = None) -> None:
    """Write `out`/gradebook.csv, summary.md and score_histogram.png from every
    ``<root>/<name>/results.json`` under `roots` (default ``[out]``). Raise ValueError when
    two roots hold the same submission name or a results.json cannot be read."""
    out = Path(out)
    entries = read(roots if roots is not None else [out])
    columns = list(dict.fromkeys(test for entry in entries for test in entry.tests))
    out.mkdir(parents=True, exist_ok=True)
    write_atomically(out / CSV_NAME, _csv(entries, columns).encode("utf-8", "backslashreplace"))
    write_atomically(out / HISTOGRAM_NAME, _histogram(entries))
    summary = _summary(entries, columns).encode("utf-8", "backslashreplace")
    write_atomically(out / SUMMARY_NAME, summary)


def merge(out: Path, shards: list[Path]) -> None:
    """Copy every submission folder of `shards` into `out` and write the gradebook of the
    whole batch. Raise ValueError (one line) when two shards hold the same submission, or
    when shards of an i/n split are missing or given twice."""
    _require_every_shard(shards)
    read(shards)  # refuses duplicates before anything is copied
    plans = {
        json.loads(path.read_text(encoding="utf-8")).get("extra_data", {}).get("plan")
        for shard in shards
        for path in Path(shard).glob("*/results.json")
    }
    if len(plans) > 1:
        raise ValueError(
            "the shards were graded under different plans (rubric, profile, seed or examples): "
            "give every shard the same --seed-file and options"
        )
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for shard in shards:
        for results in sorted(Path(shard).glob("*/results.json")):
            if Path(shard).resolve() != out.resolve():
                shutil.copytree(results.parent, out / results.parent.name, dirs_exist_ok=True)
    write(out)


def _require_every_shard(shards: list[Path]) -> None:
    """Refuse a merge of i/n shards (`SHARD_FILE`) that lacks some of the n, repeats one,
    or mixes splits; folders graded whole (no such file) merge as they are."""
    marks = {}
    for shard in shards:
        try:
            marks[shard] = (Path(shard) / SHARD_FILE).read_text().strip()
        except OSError:
            continue
    if not marks:
        return
    split = {mark.partition("/")[2] for mark in marks.values()}
    if len(split) > 1:
        raise ValueError(f"the shards come from different splits: {', '.join(sorted(split))}")
    n = int(split.pop())
    given = [int(mark.partition("/")[0]) for mark in marks.values()]
    twice = sorted({i for i in given if given.count(i) > 1})
    if twice:
        raise ValueError(f"shard {twice[0]}/{n} is given twice")
    missing = [f"{i}/{n}" for i in range(1, n + 1) if i not in given]
    if missing:
        raise ValueError(
            f"shard{'s' * (len(missing) > 1)} {', '.join(missing)} missing: merge every "
            f"shard of the batch (its students would be left out of the gradebook)"
        )


def read(roots: list[Path]) -> list[Entry]:
    """Every submission's results under `roots`, sorted by name."""
    found: dict[str, Path] = {}
    for root in roots:
        for path in sorted(Path(root).glob("*/results.json")):
            name = path.parent.name
            if name in found:
                raise ValueError(
                    f"submission {name!r} is in two roots: {found[name].parent} and {path.parent}"
                )
            found[name] = path
    return [_entry(name, found[name]) for name in sorted(found)]


def _entry(name: str, path: Path) -> Entry:
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
        tests = {
            test["name"]: (float(test["score"]), float(test["max_score"]), test["status"])
            for test in results["tests"]
        }
        total, max_score = float(results["score"]), float(results["max_score"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: unreadable results: {type(exc).__name__}: {exc}") from None
    known = results.get("extra_data", {}).get("status")
    return Entry(name, tests, total, max_score, known or _status(results.get("output", "")))


def status(load_error: str | None) -> str:
    """A submission's gradebook status: "graded", or "not loaded: <reason>"."""
    return "graded" if load_error is None else f"not loaded: {load_error}"


def _status(output: str) -> str:
    """The status of results written without one: from the output's first line, where a
    load error stands (what the submission printed comes after it, and may mimic it)."""
    first = output.split("\n", 1)[0]
    return status(first.removeprefix(NOT_LOADED) if first.startswith(NOT_LOADED) else None)


def _csv(entries: list[Entry], columns: list[str]) -> str:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["submission", *columns, "total", "max_score", "status"])
    for entry in entries:
        earned = [_num(entry.tests[c][0]) if c in entry.tests else "" for c in columns]
        writer.writerow(
            [entry.name, *earned, _num(entry.total), _num(entry.max_score), entry.status]
        )
    return text.getvalue()


def _summary(entries: list[Entry], columns: list[str]) -> str:
    lines = ["# Gradebook summary", ""]
    loaded = sum(entry.status == "graded" for entry in entries)
    lines.append(
        f"Submissions: {len(entries)} ({loaded} graded, {len(entries) - loaded} not loaded)"
    )
    if entries:
        totals = [entry.total for entry in entries]
        most = ", ".join(_num(m) for m in sorted({entry.max_score for entry in entries}))
        lines.append(
            f"Total (out of {most}): mean {_num(statistics.fmean(totals))}, "
            f"median {_num(statistics.median(totals))}, "
            f"min {_num(min(totals))}, max {_num(max(totals))}"
        )
    lines += ["", "## Pass rate per test", ""]
    lines += ["| test | points | submissions | passed | pass rate | mean points |"]
    lines += ["|---|---|---|---|---|---|"]
    for column in columns:
        rows = [entry.tests[column] for entry in entries if column in entry.tests]
        passed = sum(status == "passed" for _, _, status in rows)
        most = ", ".join(_num(m) for m in sorted({m for _, m, _ in rows}))
        mean = statistics.fmean(score for score, _, _ in rows)
        lines.append(
            f"| {_cell(column)} | {most} | {len(rows)} | {passed} | "
            f"{passed / len(rows):.0%} | {_num(mean)} |"
        )
    lines += ["", "## Score histogram", "", f"![Histogram of total scores]({HISTOGRAM_NAME})", ""]
    return "\n".join(lines)


def prepare_plotting() -> None:
    """Import what the histogram needs (0.7 s), ahead of `write`, for a caller that waits
    anyway (a grader whose workers grade)."""
    import matplotlib.backends.backend_agg  # noqa: F401
    import matplotlib.figure  # noqa: F401


def _histogram(entries: list[Entry]) -> bytes:
    """A PNG of the total scores (Agg, no pyplot state): one bar per whole point up to 20
    points, else 20 bars over 0..max."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # imported only for the plot
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 3.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    top = max((entry.max_score for entry in entries), default=1.0)
    if top <= 20:
        edges = np.arange(-0.5, math.ceil(top) + 1)
    else:
        edges = np.linspace(0, top, 21)
    axes.hist([entry.total for entry in entries], bins=edges, edgecolor="white")
    axes.set_xlabel("total score")
    axes.set_ylabel("submissions")
    axes.set_title(f"Total scores ({len(entries)} submissions)")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never half."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, 0o644)  # mkstemp's 0o600 would hide the gradebook from staff
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _num(value: float) -> str:
    return f"{value:.6g}"
