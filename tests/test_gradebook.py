"""Student feedback (Gradescope results.json, feedback.md) and the batch gradebook."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from layercheck.core.dtypes import DTYPES
from layercheck.core.verdicts import ERROR, FAIL, NOT_IMPLEMENTED, PASS, Check
from layercheck.grading import feedback, gradebook, rubric
from layercheck.grading.rubric import Score

RUBRIC = """
dtypes = ["float64", "float32", "float16"]

[[items]]
function = "affine_backward"
quantity = "dw"
points = 2

[[items]]
function = "relu_forward"
points = 1

[[items]]
function = "relu_backward"
quantity = "dx"
points = 1
visibility = "after_due_date"
"""


def small_case(dtype: str, n: int) -> dict:
    return {
        "sizes": {"N": n, "D": 3, "M": 4},
        "params": {},
        "dtype": dtype,
        "seed": 17,
        "shapes": {"x": [n, 3], "w": [3, 4], "b": [4], "dout": [n, 4]},
        "index": [2, 1],
        "expected": 0.123456789,
        "got": -1.5,
    }


def make_checks(*, dw_wrong: bool = False, relu_missing: bool = False) -> list[Check]:
    checks = []
    for dtype in DTYPES:
        checks.append(Check("affine_backward", "dw", dtype, "cpu", PASS, 20, ratio=0.1))
        checks.append(Check("relu_forward", "out", dtype, "cpu", PASS, 20, ratio=0.01))
        checks.append(Check("relu_backward", "dx", dtype, "cpu", PASS, 20, ratio=0.01))
    if dw_wrong:
        for check, n in zip(checks[0::3], (5, 2, 7), strict=True):
            check.verdict, check.ratio = (
                FAIL,
                {"float64": 37.2, "float32": 12.0}.get(check.dtype, 3.0),
            )
            check.message = f"dw: max abs error is {check.ratio}x the tolerance"
            check.case = small_case(check.dtype, n)
    if relu_missing:
        for check in checks[1::3]:
            check.verdict, check.ratio = NOT_IMPLEMENTED, None
            check.message = "relu_forward returned None (still the starter stub?)"
            check.case = small_case(check.dtype, 1) | {"shapes": {"x": [1, 3]}}
            for key in ("index", "expected", "got"):
                check.case.pop(key)
        for dtype in DTYPES:
            message = "relu_forward returned None (still the starter stub?)"
            checks.append(
                Check(
                    "relu_forward",
                    "dtype_preserved",
                    dtype,
                    "cpu",
                    NOT_IMPLEMENTED,
                    20,
                    message=message,
                )
            )
    return checks


def scored(tmp_path: Path, **wrong: bool) -> Score:
    path = tmp_path / "rubric.toml"
    path.write_text(RUBRIC)
    return rubric.load(path, "cs231n").score(make_checks(**wrong))


def test_results_json_follows_gradescope_schema(tmp_path: Path) -> None:
    score = scored(tmp_path, dw_wrong=True)
    results = feedback.results_json(score, execution_time=3.5, output="graded 12 checks")
    json.dumps(results)  # serialisable as is
    assert results["score"] == 2 and results["max_score"] == 4
    assert results["execution_time"] == 3.5 and results["output"] == "graded 12 checks"
    assert (results["visibility"], results["stdout_visibility"]) == ("visible", "hidden")
    assert [t["name"] for t in results["tests"]] == [
        "affine_backward: dw",
        "relu_forward",
        "relu_backward: dx",
    ]
    for test in results["tests"]:
        assert set(test) == {"name", "score", "max_score", "status", "output", "visibility"}
        assert isinstance(test["score"], float) and isinstance(test["max_score"], float)
        assert test["status"] in ("passed", "failed") and isinstance(test["output"], str)
    dw, _, relu_dx = results["tests"]
    assert (dw["score"], dw["status"]) == (0, "failed") and "[2, 1]" in dw["output"]
    assert relu_dx["visibility"] == "after_due_date"


def test_results_json_of_an_unloadable_submission(tmp_path: Path) -> None:
    results = feedback.results_json(
        scored(tmp_path),
        execution_time=0.2,
        output="",
        load_error="SyntaxError: invalid syntax (layers.py, line 12)",
    )
    assert results["score"] == 0 and results["max_score"] == 4
    assert results["output"].startswith(feedback.NOT_LOADED)
    for test in results["tests"]:
        assert (test["score"], test["status"]) == (0, "failed")
        assert "could not be loaded" in test["output"] and "SyntaxError" in test["output"]


def test_markdown_shows_the_smallest_failing_case(tmp_path: Path) -> None:
    text = feedback.markdown(
        "alice", scored(tmp_path, dw_wrong=True), notes=["dropout p is the keep probability"]
    )
    assert "**Score: 2 / 4**" in text and "- dropout p is the keep probability" in text
    failing = text[text.index("## affine_backward: dw") : text.index("## Passed")]
    assert "FAIL in float64, float32, float16" in failing  # one group for the three dtypes
    assert "N=2, D=3, M=4" in failing and "seed 17" in failing and "dtype float32" in failing
    assert "x (2, 3), w (3, 4), b (4,), dout (2, 4)" in failing
    assert "dw[2, 1]: expected 0.123457, got -1.5" in failing
    assert "37.2x the tolerance in float64; 12x the tolerance in float32" in failing
    assert "relu_forward, relu_backward: dx" in text[text.index("## Passed") :]


def test_markdown_explains_missing_and_raising_functions(tmp_path: Path) -> None:
    score = scored(tmp_path, relu_missing=True)
    score.items[0].checks[0].verdict = ERROR
    score.items[0].checks[0].message = "affine_backward raised ValueError: shapes not aligned"
    score.items[0].status = "failed"
    text = feedback.markdown("bob", score)
    relu = [line for line in text.splitlines() if "relu_forward" in line and "##" not in line]
    assert relu == [  # one line: no quantities, dtypes or meaningless smallest input
        "- relu_forward returns None: probably still the starter code's stub. "
        "Fill it in and return the values the docstring asks for."
    ], relu
    assert "NOT_IMPLEMENTED" not in text and "Smallest failing input" not in text
    assert "ERROR in float64" in text and "Last line: affine_backward raised ValueError" in text


def test_markdown_hides_hidden_items_and_reports_load_errors(tmp_path: Path) -> None:
    score = scored(tmp_path, dw_wrong=True)
    score.items[0].visibility = "hidden"
    text = feedback.markdown("carol", score)
    assert "affine_backward" not in text and "1 hidden test not shown" in text
    assert "Score on the visible tests: 2 / 2" in text
    text = feedback.markdown("dave", score, load_error="ImportError: no module named torch")
    assert (
        "**Score on the visible tests: 0 / 2**" in text
        and "ImportError: no module named torch" in text
    )


def save(root: Path, name: str, results: dict) -> None:
    (root / name).mkdir(parents=True)
    (root / name / "results.json").write_text(json.dumps(results))


def test_gradebook_from_results_on_disk(tmp_path: Path) -> None:
    out = tmp_path / "batch"
    shard = tmp_path / "shard2"
    full = feedback.results_json(scored(tmp_path), execution_time=1, output="")
    partial = feedback.results_json(scored(tmp_path, dw_wrong=True), execution_time=1, output="")
    broken = feedback.results_json(
        scored(tmp_path), execution_time=1, output="", load_error="SyntaxError: bad"
    )
    save(out, "zoe", full)
    save(out, "amy", partial)
    save(shard, "bea", broken)
    older = dict(partial, tests=partial["tests"][:2] + [dict(partial["tests"][2], name="extra")])
    save(shard, "cat", older)

    gradebook.write(out, [out, shard])

    with (out / "gradebook.csv").open() as file:
        rows = list(csv.DictReader(file))
    assert [row["submission"] for row in rows] == ["amy", "bea", "cat", "zoe"]
    names = ["affine_backward: dw", "relu_forward", "relu_backward: dx", "extra"]
    assert list(rows[0]) == ["submission", *names, "total", "max_score", "status"]
    amy, bea, cat, zoe = rows
    assert (amy["affine_backward: dw"], amy["total"], amy["max_score"]) == ("0", "2", "4")
    assert (amy["status"], zoe["status"], zoe["total"]) == ("graded", "graded", "4")
    assert bea["status"] == "not loaded: SyntaxError: bad" and bea["total"] == "0"
    assert (cat["relu_backward: dx"], cat["extra"], amy["extra"]) == ("", "1", "")

    summary = (out / "summary.md").read_text()
    assert "Submissions: 4 (3 graded, 1 not loaded)" in summary
    assert "mean 2, median 2, min 0, max 4" in summary
    assert "| affine_backward: dw | 2 | 4 | 1 | 25% | 0.5 |" in summary
    assert "| extra | 1 | 1 | 1 | 100% | 1 |" in summary
    assert "](score_histogram.png)" in summary
    assert (out / "score_histogram.png").read_bytes().startswith(b"\x89PNG")
    assert sorted(p.name for p in out.iterdir() if p.is_file()) == [
        "gradebook.csv",
        "score_histogram.png",
        "summary.md",
    ]  # no temporary files left behind


def test_gradebook_with_no_submissions(tmp_path: Path) -> None:
    gradebook.write(tmp_path)
    assert (tmp_path / "gradebook.csv").read_text() == "submission,total,max_score,status\n"
    assert "Submissions: 0" in (tmp_path / "summary.md").read_text()


def test_the_same_submission_in_two_roots_is_an_error(tmp_path: Path) -> None:
    results = feedback.results_json(scored(tmp_path), execution_time=1, output="")
    save(tmp_path / "a", "amy", results)
    save(tmp_path / "b", "amy", results)
    with pytest.raises(ValueError, match="'amy' is in two roots") as raised:
        gradebook.write(tmp_path / "out", [tmp_path / "a", tmp_path / "b"])
    assert "\n" not in str(raised.value)
    assert not (tmp_path / "out").exists()


def test_grading_modules_do_not_import_torch() -> None:
    code = (
        "import sys, layercheck.grading.rubric, layercheck.grading.feedback, "
        "layercheck.grading.gradebook; "
        "sys.exit('torch' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
