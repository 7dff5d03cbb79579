"""Reproducers and replays: a failing case written as numpy literals reads back to the same
bits; feedback shows the smallest case of each region where a function fails (two bugs in
one conv backward, two cases); `layercheck repro` replays a reported case from its
descriptor; and check's console output keeps every word whole at 80 columns."""

import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from layercheck.reports.repro import literal

HERE = Path(__file__).parent
TWO_BUGS = HERE / "submissions" / "conv_two_bugs"


def layercheck(cwd: Path, *args: str, columns: int = 80) -> subprocess.CompletedProcess:
    command = shutil.which("layercheck")
    assert command, "the layercheck command is not installed (pip install .)"
    env = {**os.environ, "COLUMNS": str(columns), "CI": "true"}
    return subprocess.run(
        [command, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )


@settings(max_examples=200, deadline=None)
@given(
    array=st.sampled_from(["float16", "float32", "float64"]).flatmap(
        lambda dtype: hnp.arrays(dtype, hnp.array_shapes(max_dims=3, max_side=4))
    )
)
def test_a_literal_reads_back_to_the_same_bits(array):
    back = eval(literal(array), {"np": np})  # the text `literal` writes, read back
    assert back.dtype == array.dtype and back.shape == array.shape, (literal(array), back)
    same = back.view(f"u{array.itemsize}") == array.view(f"u{array.itemsize}")
    nans = np.isnan(back) & np.isnan(array)  # any NaN payload reads back as the NaN
    assert np.all(same | nans), (array, back)


@pytest.fixture(scope="module")
def graded_feedback(tmp_path_factory) -> str:
    """dana's feedback.md: the two-bug conv graded by the installed command."""
    tmp_path = tmp_path_factory.mktemp("graded")
    batch = tmp_path / "batch"
    shutil.copytree(TWO_BUGS, batch / "dana")
    rubric = '[[items]]\nfunction = "conv_backward_naive"\npoints = 2\n'
    (tmp_path / "rubric.toml").write_text(rubric)
    process = layercheck(
        tmp_path,
        *("grade", "batch", "--out", "out", "--rubric", "rubric.toml", "--workers", "1"),
        *("--cache", "answers", "--seed", "3"),
    )
    assert process.returncode == 0, process.stderr
    return (tmp_path / "out" / "dana" / "feedback.md").read_text()


def test_feedback_shows_each_region_where_a_function_fails(graded_feedback):
    text = graded_feedback
    params = [json.loads(found) for found in re.findall(r'"params":(\{[^}]*\})', text)]
    assert any(p["pad"] == 0 for p in params), text  # the [pad:-pad] slice
    assert any(p["stride"] > 1 and p["pad"] > 0 for p in params), text  # the ignored stride
    assert "It also fails elsewhere" in text, text
    assert "/tmp/" not in text and str(HERE) not in text  # no path of the grading machine


def test_a_reported_case_replays_with_the_same_comparison(graded_feedback, tmp_path):
    commands = re.findall(r"`(layercheck repro [^`]*)`", graded_feedback)
    assert len(commands) >= 2, graded_feedback  # the smallest case, and another region's
    for command in commands[:2]:
        args = shlex.split(command)[2:]
        args[0] = str(TWO_BUGS)  # the student's own folder
        again = layercheck(tmp_path, "repro", *args)
        assert again.returncode == 1, (command, again.stdout, again.stderr)
        assert again.stdout.startswith("conv_backward_naive dx: FAIL"), again.stdout
    fixed = layercheck(tmp_path, "repro", *shlex.split(commands[0])[3:])  # impl passes
    assert fixed.returncode == 0 and "dx: PASS" in fixed.stdout, fixed.stdout


def test_a_bad_descriptor_is_one_line(tmp_path):
    for case in ('{"function": "conv_backward_naive"}', "not json", '{"function": "nope"}'):
        process = layercheck(tmp_path, "repro", str(TWO_BUGS), "--case", case)
        assert process.returncode == 2, (case, process.stdout)
        assert len(process.stderr.strip().splitlines()) == 1, process.stderr


def test_check_console_keeps_words_whole_at_80_columns(tmp_path):
    process = layercheck(
        tmp_path,
        *("check", str(TWO_BUGS), "--examples", "8", "--devices", "cpu"),
        *("--functions", "conv_forward_naive,conv_backward_naive,affine_forward"),
    )
    assert process.returncode == 1, process.stderr
    report = json.loads((tmp_path / "layercheck-report" / "report.json").read_text())
    failing = [c for c in report["checks"] if c["verdict"] in ("fail", "error")]
    assert failing
    for check in failing:  # each message whole, on one line, whatever the width
        assert check["message"] in process.stdout, (check["message"], process.stdout)
    lines = process.stdout.splitlines()
    assert [line for line in lines if line.startswith("affine_forward")] == [
        "affine_forward: not implemented (missing, misspelled or still the stub)"
    ]
    summary = next(line for line in lines if line.startswith("NOT PASSED"))
    assert re.match(r"NOT PASSED: \d+ of \d+ checks not passing, 1 function missing", summary)
    assert not re.search(r"\d+ (failed|passed)\b", process.stdout)  # no pytest item counts
