"""The grading rubric: which checks earn how many points, and who sees them.

A rubric is a TOML file::

    profile = "cs231n"                 # optional; must be the grading profile's course
    dropout_p = "keep"                 # optional; what dropout's p means this year
    dtypes = ["float64", "float32"]    # optional; the dtypes that count (default float64)
    edge = false                       # optional; items also count their edge-tier rows
    partial_credit = "all"             # "all" or "fraction" (default "all")
    visibility = "visible"             # default visibility of items (Gradescope's values)

    [[items]]
    function = "affine_backward"
    quantity = "dx"                    # optional; omitted = every quantity of the function
    points = 2
    visibility = "hidden"              # optional
    name = "affine backward: dx"       # optional

Every mistake in a rubric is a `RubricError` whose message is one line naming the file, the
item and the problem, with a suggestion for typos. The rubric names functions and quantities
of the spec registry only; scoring reads `Check` records and never runs anything.

A property (``arguments_unchanged``, ``dtype_preserved``, dropout's ``seed_reproducible``...)
earns its points only when its function's values are right: code that computes nothing
keeps its arguments unchanged too.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from layercheck.core.dtypes import DTYPES
from layercheck.core.verdicts import PASS, SKIPPED, Check
from layercheck.specs import (
    COURSES,
    DROPOUT_P,
    PROFILES,
    REGISTRY,
    assignment_functions,
    spec_of,
    with_dropout_p,
)

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
POLICIES = ("all", "fraction")
PASSED, FAILED = "passed", "failed"

_TOP_KEYS = ("profile", "dropout_p", "dtypes", "edge", "partial_credit", "visibility", "items")
#: The dtypes a default rubric counts: the courses run their layers in float64.
DEFAULT_DTYPES = ("float64",)
#: Quantities a default rubric leaves out: no course asks for them.
UNASKED = frozenset({"dtype_preserved"})
_ITEM_KEYS = ("function", "quantity", "points", "visibility", "name")


class RubricError(Exception):
    """A rubric that cannot be used; the message is one line."""


@dataclass(frozen=True)
class Item:
    """Points for the checks of `function` (of its `quantity` only, when not None)."""

    function: str
    quantity: str | None
    points: float
    visibility: str
    name: str


@dataclass
class ItemScore:
    """What one item earned, and the checks that decided it; `unearned` says why checks
    that passed earned nothing (a property of a function whose values are wrong)."""

    name: str
    function: str
    quantity: str | None
    points: float
    max_points: float
    status: str
    visibility: str
    checks: list[Check]
    unearned: str = ""


@dataclass
class Score:
    """A submission's score under a rubric: one `ItemScore` per item, in rubric order, and
    the `advice`: failing checks of the rubric's functions that no item counts (the edge
    tier, unasked quantities), shown to the student but not scored."""

    total: float
    max_total: float
    items: list[ItemScore]
    advice: list[Check] = field(default_factory=list)


@dataclass
class Rubric:
    """Items in order, the dtypes that count, whether edge-tier rows count, the
    partial-credit policy and the profile (dropout's convention included)."""

    items: list[Item]
    dtypes: tuple[str, ...]
    partial_credit: str
    profile: str
    source: Path | None = None  # the TOML file it was read from (submissions may not read it)
    edge: bool = False

    def digest(self) -> str:
        """A stable hash of the rubric's content: equal digests grade alike."""
        content = {
            "profile": self.profile,
            "dtypes": list(self.dtypes),
            "edge": self.edge,
            "partial_credit": self.partial_credit,
            "items": [asdict(item) for item in self.items],
        }
        text = json.dumps(content, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def functions(self) -> list[str]:
        """The functions the items need, each once, in rubric order."""
        return list(dict.fromkeys(item.function for item in self.items))

    def score(self, checks: list[Check]) -> Score:
        """Score `checks`: an item's checks are those of its function (and quantity) in a
        counted dtype, on any device, edge-tier rows only when named or when the rubric
        counts them; pass and skipped count as passed, a property only when its function's
        value checks all pass. An item with no checks earns nothing. Under "all" an item
        earns its points only when every check passed; under "fraction" it earns points
        times the share that passed."""
        wrong = self._wrong_values(checks)
        scored = [self._score_item(item, checks, wrong) for item in self.items]
        total = round(sum(item.points for item in scored), 4)
        counted = {id(check) for item in scored for check in item.checks}
        functions = set(self.functions())
        advice = [
            check
            for check in checks
            if check.function in functions
            and check.dtype in self.dtypes
            and check.verdict not in (PASS, SKIPPED)
            and id(check) not in counted
        ]
        return Score(total, sum(item.points for item in self.items), scored, advice)

    def _wrong_values(self, checks: list[Check]) -> dict[str, list[str]]:
        """function -> its value quantities that did not pass, in the counted dtypes."""
        wrong: dict[str, list[str]] = {}
        for check in checks:
            spec = spec_of(check.function)
            value = spec is not None and check.quantity in spec.values(check.function)
            if value and check.dtype in self.dtypes and check.verdict not in (PASS, SKIPPED):
                wrong.setdefault(check.function, []).append(check.quantity)
        return {function: list(dict.fromkeys(found)) for function, found in wrong.items()}

    def _score_item(self, item: Item, checks: list[Check], wrong: dict) -> ItemScore:
        spec = spec_of(item.function)
        mine = [
            check
            for check in checks
            if check.function == item.function
            and (item.quantity is None or check.quantity == item.quantity)
            and (item.quantity is not None or self.edge or spec.tier(check.quantity) == "core")
            and check.dtype in self.dtypes
        ]
        values = spec.values(item.function)
        gated = item.function in wrong  # its properties earn nothing
        passed = sum(
            check.verdict in (PASS, SKIPPED) and (check.quantity in values or not gated)
            for check in mine
        )
        unearned = ""  # said where nothing else in the item explains its loss
        if gated and passed < len(mine) and not any(check.quantity in values for check in mine):
            unearned = (
                f"earned only when {item.function}'s values are right "
                f"({', '.join(wrong[item.function])} failed)"
            )
        everything = bool(mine) and passed == len(mine)
        if self.partial_credit == "fraction" and mine:
            points = round(item.points * passed / len(mine), 4)
        else:
            points = item.points if everything else 0.0
        status = PASSED if everything else FAILED
        return ItemScore(
            item.name,
            item.function,
            item.quantity,
            points,
            item.points,
            status,
            item.visibility,
            mine,
            unearned,
        )


def default(profile: str, assignment: str | None = None) -> Rubric:
    """What the course asks of `profile` (in its `assignment` only, when given): one
    visible 1-point item per value quantity and property of every function the students
    write (not the starter code's), in float64, core tier; no dtype_preserved. An item needs
    all its checks to pass. RubricError for an assignment the profile does not have."""
    _check_profile(profile, "rubric")
    provided = PROFILES[profile].provided
    chosen = None
    if assignment is not None:
        try:
            chosen = set(assignment_functions(profile, assignment))
        except ValueError as exc:
            raise RubricError(f"--assignment: {exc}") from None
    items = [
        Item(function, quantity, 1.0, "visible", f"{function}: {quantity}")
        for function, quantities in _functions(profile).items()
        if function not in provided and (chosen is None or function in chosen)
        for quantity in quantities
        if quantity not in UNASKED and spec_of(function).tier(quantity) == "core"
    ]
    return Rubric(items, DEFAULT_DTYPES, "all", profile)


def load(path: str | Path | None, profile: str, assignment: str | None = None) -> Rubric:
    """The rubric in the TOML file at `path` (the default rubric when None, of `assignment`
    when given) for grading under `profile`; raise RubricError on any mistake in it."""
    if path is None:
        return default(profile, assignment)
    if assignment is not None:
        raise RubricError(
            "--assignment chooses the default rubric's items; a rubric file lists its own"
        )
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RubricError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RubricError(f"{path}: not valid TOML: {exc}") from None
    return _parse(data, path, profile)


def _parse(data: dict[str, Any], path: Path, profile: str) -> Rubric:
    where = str(path)
    _check_profile(profile, where)
    _known_keys(data, _TOP_KEYS, where)
    course = PROFILES[profile].course
    if "profile" in data:
        written_for = _choice(data["profile"], COURSES, where, "profile")
        if written_for != course:
            raise RubricError(
                f"{where}: the rubric is for profile {written_for!r}, "
                f"but grading uses profile {course!r}"
            )
    if "dropout_p" in data:
        meaning = _choice(data["dropout_p"], DROPOUT_P, where, "dropout_p")
        if profile != course and PROFILES[profile].dropout_p != meaning:
            raise RubricError(
                f"{where}: dropout_p = {meaning!r}, but grading was told dropout's p is the "
                f"{PROFILES[profile].dropout_p} probability"
            )
        profile = with_dropout_p(profile, meaning)
    edge = data.get("edge", False)
    if not isinstance(edge, bool):
        raise RubricError(f"{where}: edge must be true or false, not {edge!r}")
    dtypes = data.get("dtypes", list(DEFAULT_DTYPES))
    if not isinstance(dtypes, list) or not dtypes:
        raise RubricError(f"{where}: dtypes must be a non-empty list, e.g. {list(DTYPES)}")
    dtypes = tuple(_choice(dtype, DTYPES, where, "dtype") for dtype in dtypes)
    if len(set(dtypes)) != len(dtypes):
        raise RubricError(f"{where}: dtypes lists a dtype twice: {list(dtypes)}")
    policy = _choice(data.get("partial_credit", "all"), POLICIES, where, "partial_credit")
    visibility = _choice(data.get("visibility", "visible"), VISIBILITIES, where, "visibility")
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise RubricError(f"{where}: no items: add [[items]] tables with function and points")
    functions = _functions(profile)
    items: list[Item] = []
    for number, raw in enumerate(raw_items, start=1):
        item = _item(raw, f"{where}: item {number}", functions, profile, visibility)
        _no_overlap(item, items, f"{where}: item {number}")
        items.append(item)
    return Rubric(items, dtypes, policy, profile, path.resolve(), edge)


def _item(
    raw: Any,
    where: str,
    functions: dict[str, tuple[str, ...]],
    profile: str,
    visibility: str,
) -> Item:
    if not isinstance(raw, dict):
        raise RubricError(f"{where}: must be a [[items]] table")
    _known_keys(raw, _ITEM_KEYS, where)
    function = raw.get("function")
    if not isinstance(function, str):
        raise RubricError(f'{where}: needs function = "<name>", e.g. "affine_forward"')
    if function not in functions:
        spec = spec_of(function)
        if spec is not None:
            courses = ", ".join(course for course in COURSES if spec.has(function, course))
            raise RubricError(
                f"{where}: {function} is not in profile {profile!r} (only in: {courses})"
            )
        raise RubricError(f"{where}: unknown function {function!r}{hint(function, functions)}")
    quantity = raw.get("quantity")
    if quantity is not None:
        if not isinstance(quantity, str) or quantity not in functions[function]:
            raise RubricError(
                f"{where}: {function} has no quantity {quantity!r}"
                f"{hint(str(quantity), functions[function])}"
                f" (its quantities: {', '.join(functions[function])})"
            )
    points = raw.get("points")
    if isinstance(points, bool) or not isinstance(points, int | float) or not points > 0:
        raise RubricError(f"{where}: points must be a positive number, not {points!r}")
    visibility = _choice(raw.get("visibility", visibility), VISIBILITIES, where, "visibility")
    name = raw.get("name", function if quantity is None else f"{function}: {quantity}")
    if not isinstance(name, str) or not name.strip():
        raise RubricError(f"{where}: name must be a non-empty string")
    return Item(function, quantity, float(points), visibility, name)


def _no_overlap(item: Item, before: list[Item], where: str) -> None:
    """Each check counts for one item at most, and item names are unique."""
    for number, other in enumerate(before, start=1):
        if other.function == item.function:
            if other.quantity == item.quantity:
                raise RubricError(f"{where}: duplicate of item {number} ({other.name!r})")
            if other.quantity is None or item.quantity is None:
                raise RubricError(
                    f"{where}: overlaps item {number} ({other.name!r}): an item without a "
                    f"quantity already counts every quantity of {item.function}"
                )
        if other.name == item.name:
            raise RubricError(f"{where}: duplicate of item {number}: same name {item.name!r}")


def _functions(profile: str) -> dict[str, tuple[str, ...]]:
    """Every checked function of `profile` -> its quantities, in registry order."""
    return {
        function: quantities
        for spec in REGISTRY.values()
        for function, quantities in spec.quantities().items()
        if spec.has(function, profile)
    }


def _check_profile(profile: str, where: str) -> None:
    if profile not in PROFILES:
        raise RubricError(f"{where}: unknown grading profile {profile!r}{hint(profile, PROFILES)}")


def _known_keys(table: dict[str, Any], known: tuple[str, ...], where: str) -> None:
    for key in table:
        if key not in known:
            raise RubricError(
                f"{where}: unknown key {key!r}{hint(key, known)} (keys: {', '.join(known)})"
            )


def _choice(value: Any, allowed: tuple[str, ...], where: str, what: str) -> str:
    if isinstance(value, str) and value in allowed:
        return value
    raise RubricError(
        f"{where}: bad {what} {value!r}{hint(str(value), allowed)} (one of: {', '.join(allowed)})"
    )


def hint(word: str, choices: Any) -> str:
    """``; did you mean 'x'?`` for the closest of `choices`, or nothing."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
