"""The rubric: defaults per profile, one-line errors with suggestions, and scoring."""

from __future__ import annotations

from pathlib import Path

import pytest

from layercheck.core.dtypes import DTYPES
from layercheck.core.verdicts import FAIL, NOT_IMPLEMENTED, PASS, SKIPPED, Check
from layercheck.grading import rubric
from layercheck.grading.rubric import Rubric, RubricError


def functions_of(profile: str) -> set[str]:
    return set(rubric.default(profile).functions())


def test_default_cs231n_has_every_layer_the_students_write() -> None:
    found = functions_of("cs231n")
    assert {"layernorm_backward", "spatial_groupnorm_forward", "lstm_backward"} <= found
    assert "temporal_softmax_loss" not in found  # the starter code provides it
    default = rubric.default("cs231n")
    assert default.partial_credit == "all" and default.dtypes == ("float64",)
    assert not default.edge
    assert all(item.points == 1 and item.visibility == "visible" for item in default.items)
    assert all(item.quantity is not None for item in default.items)
    names = [item.name for item in default.items]
    assert "affine_backward: dx" in names and len(names) == len(set(names))
    assert "affine_backward: arguments_unchanged" in names
    quantities = {item.quantity for item in default.items}
    assert "dtype_preserved" not in quantities, "no course asks for it"
    assert not any(q.endswith("_edge") or q.endswith("_ties") for q in quantities), quantities


@pytest.mark.parametrize(
    ("profile", "provided"),
    [
        ("cs231n", {"temporal_softmax_loss"}),
        ("cs231n-2017", {"softmax_loss", "temporal_softmax_loss"}),
        ("ucla-c147", {"softmax_loss"}),
    ],
)
def test_starter_code_is_not_scored_by_default(profile: str, provided: set[str]) -> None:
    assert not functions_of(profile) & provided


def test_ucla_never_had_batchnorm_backward_alt() -> None:
    assert "batchnorm_backward_alt" not in functions_of("ucla-c147")
    assert "batchnorm_backward_alt" in functions_of("cs231n-2017")


def test_default_cs231n_2017_has_no_layernorm_or_groupnorm() -> None:
    found = functions_of("cs231n-2017")
    assert not any("layernorm" in f or "groupnorm" in f for f in found)
    assert "rnn_backward" in found and "dropout_forward" in found


def test_default_ucla_has_no_rnn_layernorm_or_groupnorm() -> None:
    found = functions_of("ucla-c147")
    banned = ("rnn", "lstm", "layernorm", "groupnorm", "word_embedding", "temporal")
    assert not any(word in f for f in found for word in banned)
    assert {"conv_backward_naive", "spatial_batchnorm_forward", "affine_forward"} <= found


def test_load_none_is_the_default() -> None:
    assert rubric.load(None, "ucla-c147") == rubric.default("ucla-c147")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rubric.toml"
    path.write_text(text)
    return path


def test_load_reads_every_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
profile = "cs231n"
dtypes = ["float64", "float32"]
partial_credit = "fraction"
visibility = "after_due_date"

[[items]]
function = "affine_backward"
quantity = "dx"
points = 2
visibility = "hidden"

[[items]]
function = "relu_forward"
points = 1.5
name = "ReLU"
""",
    )
    loaded = rubric.load(path, "cs231n")
    assert loaded.dtypes == ("float64", "float32") and loaded.partial_credit == "fraction"
    first, second = loaded.items
    assert (first.name, first.points, first.visibility) == ("affine_backward: dx", 2, "hidden")
    assert (second.name, second.quantity, second.visibility) == ("ReLU", None, "after_due_date")
    assert loaded.functions() == ["affine_backward", "relu_forward"]


ITEM = '[[items]]\nfunction = "affine_backward"\nquantity = "dx"\npoints = 1\n'

TYPOS = [
    ("partial_credits = 'all'\n" + ITEM, "unknown key 'partial_credits'", "'partial_credit'"),
    ('[[items]]\nfunction = "affine_backward"\npoint = 1\n', "item 1", "'points'"),
    ('[[items]]\nfunction = "afine_backward"\npoints = 1\n', "item 1", "'affine_backward'"),
    (
        ITEM + '[[items]]\nfunction = "affine_backward"\nquantity = "dww"\npoints = 1\n',
        "item 2",
        "'dw'",
    ),
    ("visibility = 'hiden'\n" + ITEM, "bad visibility", "'hidden'"),
    ("partial_credit = 'fractions'\n" + ITEM, "bad partial_credit", "'fraction'"),
    ("dtypes = ['float46']\n" + ITEM, "bad dtype", "'float64'"),
    ("profile = 'cs213n'\n" + ITEM, "bad profile", "'cs231n'"),
]


def refusal(path: Path, profile: str) -> str:
    """The message `rubric.load` refuses `path` with, checked to be one line."""
    with pytest.raises(RubricError) as raised:
        rubric.load(path, profile)
    message = str(raised.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(("text", "problem", "suggestion"), TYPOS)
def test_typos_give_one_line_with_a_suggestion(
    tmp_path: Path, text: str, problem: str, suggestion: str
) -> None:
    path = write(tmp_path, text)
    message = refusal(path, "cs231n")
    assert message.startswith(str(path)) and problem in message
    assert f"did you mean {suggestion}?" in message


MISTAKES = [
    (
        '[[items]]\nfunction = "layernorm_forward"\npoints = 1\n',
        "item 1: layernorm_forward is not in profile 'cs231n-2017'",
    ),
    (
        '[[items]]\nfunction = "relu_forward"\npoints = 0\n',
        "item 1: points must be a positive number",
    ),
    (
        '[[items]]\nfunction = "relu_forward"\npoints = -2\n',
        "item 1: points must be a positive number",
    ),
    (
        '[[items]]\nfunction = "relu_forward"\npoints = "two"\n',
        "item 1: points must be a positive number",
    ),
    (
        '[[items]]\nfunction = "relu_forward"\npoints = true\n',
        "item 1: points must be a positive number",
    ),
    (ITEM + ITEM, "item 2: duplicate of item 1"),
    (ITEM + '[[items]]\nfunction = "affine_backward"\npoints = 1\n', "item 2: overlaps item 1"),
    (
        ITEM + '[[items]]\nfunction = "relu_forward"\npoints = 1\nname = "affine_backward: dx"\n',
        "item 2: duplicate of item 1: same name",
    ),
    ("profile = 'cs231n'\n" + ITEM, "for profile 'cs231n', but grading uses profile 'cs231n-2017'"),
    ("dtypes = []\n" + ITEM, "dtypes must be a non-empty list"),
    ("partial_credit = 'all'\n", "no items"),
    ("items = [", "not valid TOML"),
]


@pytest.mark.parametrize(("text", "problem"), MISTAKES)
def test_mistakes_give_one_line_naming_file_and_item(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = write(tmp_path, text)
    message = refusal(path, "cs231n-2017")
    assert message.startswith(f"{path}: ") and problem in message


def test_digest_is_stable_and_tracks_content(tmp_path: Path) -> None:
    one = rubric.load(write(tmp_path, ITEM), "cs231n")
    assert one.digest() == rubric.load(write(tmp_path, ITEM), "cs231n").digest()
    assert one.digest() == rubric.load(write(tmp_path, ITEM + "\n# comment\n"), "cs231n").digest()
    doubled = ITEM.replace("points = 1", "points = 2")
    assert one.digest() != rubric.load(write(tmp_path, doubled), "cs231n").digest()
    assert one.digest() != rubric.default("cs231n").digest()


def checks_for(
    quantities: dict[str, tuple[str, ...]], verdict: str = PASS, devices: tuple[str, ...] = ("cpu",)
) -> list[Check]:
    return [
        Check(function, quantity, dtype, device, verdict=verdict, examples=10)
        for function, names in quantities.items()
        for quantity in names
        for dtype in DTYPES
        for device in devices
    ]


ALL_DTYPES = f"dtypes = {list(DTYPES)}"


def affine_rubric(tmp_path: Path, policy: str, dtypes: str = ALL_DTYPES) -> Rubric:
    text = f"partial_credit = '{policy}'\n{dtypes}\n"
    for quantity in ("dx", "dw", "db"):
        text += f'[[items]]\nfunction = "affine_backward"\nquantity = "{quantity}"\npoints = 2\n'
    text += '[[items]]\nfunction = "affine_forward"\npoints = 3\n'
    return rubric.load(write(tmp_path, text), "cs231n")


AFFINE = {
    "affine_forward": ("out", "arguments_unchanged", "dtype_preserved"),
    "affine_backward": ("dx", "dw", "db", "arguments_unchanged", "dtype_preserved"),
}


def wrong(checks: list[Check], function: str, quantity: str, dtypes: tuple[str, ...]) -> None:
    """Make the checks of (function, quantity) in `dtypes` fail."""
    for check in checks:
        if (check.function, check.quantity) == (function, quantity) and check.dtype in dtypes:
            check.verdict = FAIL


@pytest.mark.parametrize("policy", ["all", "fraction"])
def test_everything_passing_earns_everything(tmp_path: Path, policy: str) -> None:
    score = affine_rubric(tmp_path, policy).score(checks_for(AFFINE))
    assert (score.total, score.max_total) == (9, 9)
    assert all(item.status == "passed" for item in score.items)
    assert [len(item.checks) for item in score.items] == [3, 3, 3, 9]


def test_skipped_counts_as_passed(tmp_path: Path) -> None:
    checks = checks_for(AFFINE) + checks_for(AFFINE, SKIPPED, devices=("cuda",))
    assert affine_rubric(tmp_path, "all").score(checks).total == 9


def test_one_wrong_gradient_loses_exactly_that_item(tmp_path: Path) -> None:
    checks = checks_for(AFFINE)
    wrong(checks, "affine_backward", "dw", ("float32",))
    score = affine_rubric(tmp_path, "all").score(checks)
    assert score.total == 7
    assert [item.points for item in score.items] == [2, 0, 2, 3]
    assert [item.status for item in score.items] == ["passed", "failed", "passed", "passed"]


def test_fraction_gives_the_share_of_passing_checks(tmp_path: Path) -> None:
    checks = checks_for(AFFINE)
    wrong(checks, "affine_backward", "dw", ("float32",))
    wrong(checks, "affine_forward", "dtype_preserved", ("float16",))
    score = affine_rubric(tmp_path, "fraction").score(checks)
    dw, forward = score.items[1], score.items[3]
    assert dw.points == pytest.approx(2 * 2 / 3, abs=1e-4) and dw.status == "failed"
    assert forward.points == pytest.approx(3 * 8 / 9, abs=1e-4) and forward.status == "failed"
    assert score.total == pytest.approx(2 + 4 / 3 + 2 + 8 / 3, abs=1e-3)


def test_only_the_rubric_dtypes_count(tmp_path: Path) -> None:
    checks = checks_for(AFFINE)
    wrong(checks, "affine_backward", "dx", ("float16",))
    counted = affine_rubric(tmp_path, "all", "dtypes = ['float64', 'float32']")
    assert counted.score(checks).total == 9
    assert affine_rubric(tmp_path, "all").score(checks).total == 7
    assert affine_rubric(tmp_path, "all", "").score(checks).total == 9, "float64 by default"


@pytest.mark.parametrize("policy", ["all", "fraction"])
def test_nothing_implemented_earns_nothing(tmp_path: Path, policy: str) -> None:
    score = affine_rubric(tmp_path, policy).score(checks_for(AFFINE, NOT_IMPLEMENTED))
    assert (score.total, score.max_total) == (0, 9)
    assert all(item.status == "failed" for item in score.items)


def test_an_item_without_checks_earns_nothing() -> None:
    default = rubric.default("cs231n")
    score = default.score(checks_for(AFFINE))
    asked = [q for quantities in AFFINE.values() for q in quantities if q != "dtype_preserved"]
    assert score.total == len(asked)
    assert score.max_total == len(default.items)


@pytest.mark.parametrize("policy", ["all", "fraction"])
def test_a_property_earns_only_when_the_values_are_right(tmp_path: Path, policy: str) -> None:
    text = f"partial_credit = '{policy}'\n"
    for quantity in ("out", "arguments_unchanged", "dtype_preserved"):
        text += f'[[items]]\nfunction = "affine_forward"\nquantity = "{quantity}"\npoints = 1\n'
    text += (
        '[[items]]\nfunction = "affine_backward"\nquantity = "arguments_unchanged"\npoints = 1\n'
    )
    checks = checks_for(AFFINE)
    wrong(checks, "affine_forward", "out", ("float64",))
    score = rubric.load(write(tmp_path, text), "cs231n").score(checks)
    out, unchanged, dtype, backward = score.items
    assert (out.points, unchanged.points, dtype.points, backward.points) == (0, 0, 0, 1)
    assert unchanged.status == "failed" and "out failed" in unchanged.unearned
    assert all(check.verdict == PASS for check in unchanged.checks), "the check itself passed"
    assert backward.unearned == "", "another function's values do not matter"


def test_unscored_failures_are_advice(tmp_path: Path) -> None:
    relu = {"relu_backward": ("dx", "arguments_unchanged", "dtype_preserved", "dx_edge")}
    checks = checks_for(relu)
    wrong(checks, "relu_backward", "dx_edge", DTYPES)
    default = rubric.default("cs231n")
    score = default.score(checks)
    relu_items = [item for item in score.items if item.function == "relu_backward"]
    assert [item.points for item in relu_items] == [1, 1]
    assert [(c.quantity, c.dtype) for c in score.advice] == [("dx_edge", "float64")]


def test_a_rubric_may_count_the_edge_tier(tmp_path: Path) -> None:
    relu = {"relu_backward": ("dx", "arguments_unchanged", "dtype_preserved", "dx_edge")}
    checks = checks_for(relu)
    wrong(checks, "relu_backward", "dx_edge", DTYPES)
    item = '[[items]]\nfunction = "relu_backward"\npoints = 1\n'
    assert rubric.load(write(tmp_path, item), "cs231n").score(checks).total == 1
    counted = rubric.load(write(tmp_path, "edge = true\n" + item), "cs231n")
    assert counted.edge and counted.score(checks).total == 0
    named = item.replace("points", 'quantity = "dx_edge"\npoints')
    assert rubric.load(write(tmp_path, named), "cs231n").score(checks).total == 0


def test_a_rubric_states_what_dropout_p_means(tmp_path: Path) -> None:
    path = write(tmp_path, 'dropout_p = "keep"\n' + ITEM)
    assert rubric.load(path, "ucla-c147").profile == "ucla-c147+dropout-keep"
    assert rubric.load(path, "cs231n").profile == "cs231n"
    message = refusal(path, "cs231n+dropout-drop")
    assert "dropout_p = 'keep'" in message and "drop probability" in message
