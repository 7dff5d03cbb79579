"""What changed between two reports: verdicts, headroom, checks added or removed, machine.

A regression is a check that passed (or was skipped) in the base and does not pass in the
new report; ratio drift is a passing check whose worst ratio grew by more than `factor`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from layercheck.core.verdicts import PASS, SKIPPED
from layercheck.reports.report import FAILING

#: Meta fields compared as the environment (timing and run options are not).
ENVIRONMENT = ("layercheck", "numpy", "torch", "hypothesis", "python", "platform", "cpu", "gpu")
#: Meta fields that decide which cases run: a difference makes ratios incomparable.
RUN = ("seed", "profile", "examples", "target")

Key = tuple[str, str, str, str]  # function, quantity, dtype, device


@dataclass
class Diff:
    """Changes from a base report to a new one; empty when nothing changed."""

    regressions: list[tuple[Key, str, str, str]] = field(default_factory=list)
    improvements: list[tuple[Key, str, str]] = field(default_factory=list)
    other_changes: list[tuple[Key, str, str]] = field(default_factory=list)
    drift: list[tuple[Key, float, float]] = field(default_factory=list)
    added: list[Key] = field(default_factory=list)
    removed: list[Key] = field(default_factory=list)
    environment: list[tuple[str, Any, Any]] = field(default_factory=list)
    run: list[tuple[str, Any, Any]] = field(default_factory=list)

    def empty(self) -> bool:
        return not any(vars(self).values())

    def failed(self, fail_on: str) -> bool:
        """Whether CI should fail: on a regression, or (`fail_on` "any") on any change."""
        return bool(self.regressions) if fail_on == "regression" else not self.empty()


def diff(base: dict[str, Any], new: dict[str, Any], factor: float = 2.0) -> Diff:
    """Compare two report documents check by check."""
    found = Diff()
    old_checks, new_checks = _by_key(base), _by_key(new)
    for key, before in old_checks.items():
        after = new_checks.get(key)
        if after is None:
            found.removed.append(key)
            continue
        was, now = before["verdict"], after["verdict"]
        if was != now:
            passing_before, passing_now = was in (PASS, SKIPPED), now in (PASS, SKIPPED)
            if passing_before and now in FAILING:
                found.regressions.append((key, was, now, after.get("message") or ""))
            elif passing_now and was in FAILING:
                found.improvements.append((key, was, now))
            else:
                found.other_changes.append((key, was, now))
        elif now == PASS:
            old_ratio, new_ratio = _number(before["ratio"]), _number(after["ratio"])
            if old_ratio is not None and new_ratio is not None:
                grew = new_ratio > factor * old_ratio if old_ratio > 0 else new_ratio > 0
                if grew and new_ratio > 1e-3:  # below that, drift is only rounding noise
                    found.drift.append((key, old_ratio, new_ratio))
    found.added = [key for key in new_checks if key not in old_checks]
    for name, fields in (("environment", ENVIRONMENT), ("run", RUN)):
        getattr(found, name).extend(
            (key, base["meta"].get(key), new["meta"].get(key))
            for key in fields
            if base["meta"].get(key) != new["meta"].get(key)
        )
    return found


def to_markdown(found: Diff, base_name: str, new_name: str) -> str:
    """A pull-request comment: regressions first, then everything else that changed."""
    if found.empty():
        return f"### layercheck: no changes\n\n`{new_name}` matches `{base_name}`.\n"
    title = "regressions" if found.regressions else "no regressions"
    lines = [f"### layercheck: {title} (`{base_name}` → `{new_name}`)", ""]

    def table(heading: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        lines.extend([f"**{heading}**", "", "| " + " | ".join(columns) + " |"])
        lines.append("|" + "---|" * len(columns))
        lines.extend("| " + " | ".join(_cell(value) for value in row) + " |" for row in rows)
        lines.append("")

    check = ("function", "quantity", "dtype", "device")
    table(
        f"Regressions ({len(found.regressions)})",
        (*check, "was", "now", "message"),
        [(*key, was, now, message) for key, was, now, message in found.regressions],
    )
    table(
        f"Improvements ({len(found.improvements)})",
        (*check, "was", "now"),
        [(*key, was, now) for key, was, now in found.improvements],
    )
    table(
        f"Other verdict changes ({len(found.other_changes)})",
        (*check, "was", "now"),
        [(*key, was, now) for key, was, now in found.other_changes],
    )
    table(
        f"Ratio drift ({len(found.drift)}): worst ratio grew beyond the factor",
        (*check, "was", "now"),
        [(*key, f"{old:.3g}", f"{new:.3g}") for key, old, new in found.drift],
    )
    table(f"Added checks ({len(found.added)})", check, found.added)
    table(f"Removed checks ({len(found.removed)})", check, found.removed)
    table("Run options that differ (ratios may not compare)", ("option", "base", "new"), found.run)
    table("Environment", ("field", "base", "new"), found.environment)
    return "\n".join(lines)


def _by_key(document: dict[str, Any]) -> dict[Key, dict[str, Any]]:
    return {(c["function"], c["quantity"], c["dtype"], c["device"]): c for c in document["checks"]}


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)  # "inf" and "nan" strings included
    return None if math.isnan(number) else number


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")
