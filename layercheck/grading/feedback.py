"""What a student reads: Gradescope's ``results.json`` and a ``feedback.md``.

Both are renderings of a `Score`. For every failing check they show what a student needs
to find the bug: the verdict, the smallest failing input as code to paste (`repro.snippet`)
and as a ``layercheck repro`` command, the first wrong element, how far over the tolerance
the error is, and the smallest case of each other region of the parameters where it fails;
dtypes that fail the same way are shown together. A missing function is one line.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

from layercheck.core.dtypes import DTYPES
from layercheck.core.target import LOST
from layercheck.core.verdicts import ERROR, FAIL, NOT_IMPLEMENTED, PASS, SKIPPED, Check
from layercheck.grading.rubric import PASSED, ItemScore, Score
from layercheck.reports import repro

#: How the top-level output of an unloadable submission starts (the gradebook reads it).
NOT_LOADED = "The submission could not be loaded: "
#: The submission, as replay commands name it when the caller does not say.
TARGET = "layers.py"


def results_json(
    score: Score,
    *,
    output: str,
    load_error: str | None = None,
    execution_time: float | None = None,
    target: str = TARGET,
) -> dict[str, Any]:
    """Gradescope's results.json: one test per rubric item, its output plain text. With
    `load_error` the score is 0, every test failed, and `output` starts with NOT_LOADED.
    Without `execution_time` (optional in Gradescope's schema) the same grading writes the
    same bytes. `target` is the submission as its replay commands name it."""
    if load_error is not None:
        output = f"{NOT_LOADED}{_one_line(load_error)}\n{output}".rstrip("\n")
    elif score.advice:
        advice = advice_lines(score.advice, bullet="- ", sub="    ", target=target)
        output = "\n".join(["Advice (not scored):", *advice, output]).rstrip("\n")
    tests = [
        {
            "name": item.name,
            "score": 0.0 if load_error is not None else item.points,
            "max_score": item.max_points,
            "status": "failed" if load_error is not None else item.status,
            "output": _not_run(load_error) if load_error is not None else _item_text(item, target),
            "visibility": item.visibility,
        }
        for item in score.items
    ]
    timing = {} if execution_time is None else {"execution_time": float(execution_time)}
    return {
        "score": 0.0 if load_error is not None else score.total,
        "max_score": score.max_total,
        **timing,
        "output": output,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def markdown(
    name: str,
    score: Score,
    *,
    load_error: str | None = None,
    notes: Sequence[str] = (),
    target: str = TARGET,
) -> str:
    """feedback.md for submission `name` (`target` in its replay commands): the total,
    `notes`, then every failing check of every failed item with what to look at. Items whose
    visibility is "hidden" are counted but not shown, and then the total shown is over the
    visible items only."""
    shown = [item for item in score.items if item.visibility != "hidden"]
    hidden = len(score.items) - len(shown)
    lines = [f"# Feedback for {name}", ""]
    most = sum(item.max_points for item in shown)
    total = 0.0 if load_error is not None else sum(item.points for item in shown)
    label = "Score" if not hidden else "Score on the visible tests"
    lines.append(f"**{label}: {_num(total)} / {_num(most)}**")
    if hidden:
        lines.append(f"({hidden} hidden test{'s' * (hidden != 1)} not shown.)")
    lines.append("")
    lines += [f"- {note}" for note in notes]
    if notes:
        lines.append("")
    if load_error is not None:
        lines += [f"{NOT_LOADED}{_inert(load_error)}", "", _LOAD_ADVICE, ""]
        return "\n".join(lines)
    failed = [item for item in shown if item.status != PASSED]
    passed = [item.name for item in shown if item.status == PASSED]
    for item in failed:
        lines.append(f"## {item.name}: {_num(item.points)} / {_num(item.max_points)}")
        lines.append("")
        lines += _item_lines(item, bullet="- ", sub="  - ", target=target, fence=True)
        lines.append("")
    if passed:
        lines += ["## Passed", "", ", ".join(passed), ""]
    if score.advice:
        lines += ["## Advice (not scored)", "", _ADVICE, ""]
        lines += advice_lines(score.advice, bullet="- ", sub="  - ", target=target, fence=True)
        lines.append("")
    return "\n".join(lines)


def _inert(line: str) -> str:
    """A line of feedback.md with the text a submission controls (its exception messages,
    its load errors) unable to forge headings, a score or HTML: one line, ``&<>`` escaped."""
    return html.escape(line.replace("\r", " ").replace("\n", " "), quote=False)


_ADVICE = (
    "These checks are not part of your grade: demanding inputs of the edge tier, or "
    "properties the course does not ask for. They may still show a real difference."
)


def advice_lines(
    checks: list[Check], *, bullet: str, sub: str, target: str = TARGET, fence: bool = False
) -> list[str]:
    """One entry per way the unscored `checks` fail, as for a scored item."""
    return _entries(checks, bullet, sub, target, fence)


_LOAD_ADVICE = (
    "No test could run. Check that your files import on their own (no syntax errors, no "
    "imports of packages other than numpy) and that the functions are where the starter "
    "code puts them."
)


def _not_run(load_error: str) -> str:
    return f"Not run: the submission could not be loaded: {_one_line(load_error)}"


def _item_text(item: ItemScore, target: str) -> str:
    """An item's feedback as plain text."""
    if item.status == PASSED:
        return f"All {len(item.checks)} checks passed."
    return "\n".join(_item_lines(item, bullet="", sub="    ", target=target, fence=False))


def _item_lines(item: ItemScore, *, bullet: str, sub: str, target: str, fence: bool) -> list[str]:
    """One entry per way the item's checks fail, with its detail lines below it."""
    if not item.checks:
        return [f"{bullet}No checks were run for {item.function}."]
    lines = [f"{bullet}Not credited: {item.unearned}."] if item.unearned else []
    failing = [c for c in item.checks if c.verdict not in (PASS, SKIPPED)]
    return lines + _entries(failing, bullet, sub, target, fence)


def _entries(
    failing: Iterable[Check], bullet: str, sub: str, target: str, fence: bool
) -> list[str]:
    """Each group of `failing` checks: its headline, then its detail lines, then (in
    Markdown, `fence`) its reproducers as fenced code; a missing function in one line.
    Text the submission controls is made inert in Markdown."""
    inert = _inert if fence else str
    lines = []
    for group in _groups(failing):
        if group[0].verdict == NOT_IMPLEMENTED:
            lines.append(f"{bullet}{inert(_missing(group[0]))}")
            continue
        lines.append(f"{bullet}{inert(_headline(group))}")
        lines += [f"{sub}{inert(detail)}" for detail in _details(group)]
        lines += [inert(line) for line in _cases(group, sub, target, fence)]
    return lines


def _groups(failing: Iterable[Check]) -> list[list[Check]]:
    """Failing checks that fail the same way: a failed quantity in any dtype, or one
    error or missing function (same verdict and message) across quantities and dtypes."""
    groups: dict[tuple, list[Check]] = {}
    for check in failing:
        if check.verdict in (ERROR, NOT_IMPLEMENTED):
            key: tuple = (check.verdict, check.message)
        else:
            key = (check.verdict, check.quantity)
        groups.setdefault(key, []).append(check)
    return [sorted(group, key=_order) for group in groups.values()]


def _headline(group: list[Check]) -> str:
    """Function, quantities, verdict and dtypes; a failed property's message (the detail
    lines explain the others)."""
    smallest = min(group, key=_case_size)
    quantities = ", ".join(dict.fromkeys(check.quantity for check in group))
    where = ", ".join(dict.fromkeys(_where(check, group) for check in group))
    measured = "index" in (smallest.case or {})
    shown = smallest.verdict == FAIL and smallest.message and not measured
    message = f": {smallest.message}" if shown else ""
    verdict = smallest.verdict.upper()
    return f"{smallest.function} {quantities}: {verdict} in {where}{message}"


def _where(check: Check, group: list[Check]) -> str:
    if all(other.device == "cpu" for other in group):
        return check.dtype
    return f"{check.dtype} ({check.device})"


def _details(group: list[Check]) -> list[str]:
    """What went wrong, before the cases: the exception's last line, or how far over the
    tolerance the error is in each dtype."""
    first = group[0]
    if first.verdict == ERROR and LOST in (first.message or ""):
        return [f"{first.message} (its functions score 0 until the file loads)"]
    if first.verdict == ERROR:
        last = (first.message or "").strip().splitlines()[-1:] or ["(no message)"]
        return [f"Your code raised an exception on this input. Last line: {last[0]}"]
    parts = [
        f"{_times(check.ratio)} in {_where(check, group)}"
        for check in group
        if check.ratio is not None
    ]
    return [f"Error is {'; '.join(parts)}."] if parts else []


def _missing(check: Check) -> str:
    message = check.message or ""
    if "not defined" in message:
        return f"{check.function} is missing from your submission (or misspelled)."
    stub = re.search(r"(\w+) returned None", message)  # the backward's forward, maybe
    if stub:
        return (
            f"{stub[1]} returns None: probably still the starter code's stub. "
            "Fill it in and return the values the docstring asks for."
        )
    return f"{check.function} gave no value for {check.quantity}: {message}"


def case_text(case: dict[str, Any]) -> str:
    """A case in words: sizes, parameters, dtype, seed, input shapes."""
    parts = []
    if case.get("sizes"):
        parts.append("sizes " + ", ".join(f"{k}={v}" for k, v in case["sizes"].items()))
    if case.get("params"):
        parts.append(
            "parameters " + ", ".join(f"{k}={_value(v)}" for k, v in case["params"].items())
        )
    if case.get("dtype"):
        parts.append(f"dtype {case['dtype']}")
    if case.get("seed") is not None:
        parts.append(f"seed {case['seed']}")
    if case.get("shapes"):
        shapes = ", ".join(f"{k} {tuple(v)}" for k, v in case["shapes"].items())
        parts.append(f"input shapes {shapes}")
    return "; ".join(parts)


def _cases(group: list[Check], sub: str, target: str, fence: bool) -> list[str]:
    """The group's smallest failing case, then the smallest of each other region of the
    parameters where it fails: each described, with its first wrong element, the code that
    shows the wrong value (where the inputs are small enough to write out) and the replay
    command."""
    smallest = min(group, key=_case_size)
    if not smallest.case or LOST in (smallest.message or ""):
        return []
    lines = []
    for n, case in enumerate([smallest.case, *smallest.more_cases]):
        label = "Smallest failing input" if n == 0 else "It also fails elsewhere"
        lines.append(f"{sub}{label}: {case_text(case)}")
        wrong = _first_wrong(smallest, case)
        lines += [f"{sub}{wrong}"] if wrong else []
        code = repro.snippet(smallest, case)
        if code:
            lines.append(f"{sub}Reproduce it: paste into Python with your functions imported:")
            indent = " " * len(sub)
            block = ["```python", *code, "```"] if fence else code
            lines += [f"{indent}{line}" for line in block]
        replay = repro.command(target, repro.descriptor(smallest.function, smallest.quantity, case))
        lines.append(f"{sub}Replay it: {f'`{replay}`' if fence else replay}")
    return lines


def _first_wrong(check: Check, case: dict[str, Any]) -> str:
    if "index" not in case:
        return ""
    index = ", ".join(str(i) for i in case["index"])
    at = f"{check.quantity}[{index}]" if index else check.quantity
    return (
        f"First wrong element: {at}: expected {_num(case.get('expected'), 6)}, "
        f"got {_num(case.get('got'), 6)}"
    )


def _times(ratio: Any) -> str:
    """``37x the tolerance``; a ratio from JSON may be the string "inf"."""
    ratio = float(ratio)
    if math.isinf(ratio):
        return "beyond any tolerance (non-finite or unusable output)"
    return f"{ratio:.3g}x the tolerance"


def _order(check: Check) -> tuple[int, str]:
    return (DTYPES.index(check.dtype) if check.dtype in DTYPES else len(DTYPES), check.device)


def _case_size(check: Check) -> tuple[float, tuple[int, str]]:
    if not check.case:
        return (math.inf, _order(check))
    return (math.prod(check.case.get("sizes", {}).values()), _order(check))


def _value(value: Any) -> str:
    return _num(value) if isinstance(value, float) else str(value)


def _num(value: Any, digits: int = 4) -> str:
    """A number with a few significant digits; other values as they are."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return f"{value:.{digits}g}"


def _one_line(text: str) -> str:
    return " ".join(text.split())
