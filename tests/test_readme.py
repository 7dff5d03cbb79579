"""The README's tables of checked functions and assignment presets are the registry's, and
its "Adding a layer" steps work as written."""

import csv
import re
from pathlib import Path

import pytest

from layercheck.specs import assignments_table, catalog
from processes import run_layercheck

README = Path(__file__).parent.parent / "README.md"


def code_blocks(section: str) -> list[str]:
    """The fenced code blocks of the README's `section` (a ``## `` heading), in order."""
    text = README.read_text().split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^```[a-z]*\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)


def test_readme_lists_exactly_the_registered_functions():
    readme = README.read_text()
    assert catalog() in readme, "README.md is stale: paste the output of `layercheck list`"
    assert assignments_table() in readme, (
        "README.md's --assignment table is stale (layercheck list)"
    )


def test_readme_states_the_points_of_each_default_rubric():
    from layercheck.grading import rubric
    from layercheck.specs import COURSES

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    rows = {line.split("|")[1].strip(" `"): line for line in readme.splitlines() if "|" in line}
    for course in COURSES:
        points = len(rubric.default(course).items)
        assert f"| {points} |" in rows[course], f"README: {course}'s default rubric has {points}"


def test_the_adding_a_layer_steps_check_and_grade_a_new_layer(tmp_path):
    implementation, spec_file, commands = code_blocks("Adding a layer")
    (tmp_path / "layers.py").write_text(implementation)
    (tmp_path / "leaky_relu_specs.py").write_text(spec_file)
    check, grade = (line.split()[1:] for line in commands.splitlines())
    process = run_layercheck(tmp_path, *check, "--examples", "20")
    assert process.returncode == 0, process.stdout + process.stderr
    assert "PASSED" in process.stdout and "leaky_relu" not in process.stderr
    # a slope fixed at 0.01 is right for alpha = 0.01 only: the check fails, the grade drops
    (tmp_path / "wrong").mkdir()
    wrong = implementation.replace("alpha * x)", "0.01 * x)")
    assert wrong != implementation
    (tmp_path / "wrong/layers.py").write_text(wrong)
    failed = run_layercheck(
        tmp_path, *[("wrong/layers.py" if a == "layers.py" else a) for a in check]
    )
    assert failed.returncode == 1 and "leaky_relu_forward" in failed.stdout, failed.stdout
    submissions = tmp_path / "submissions"
    for name, text in (("right", implementation), ("wrong", wrong)):
        (submissions / name).mkdir(parents=True)
        (submissions / name / "layers.py").write_text(text)
    (tmp_path / "rubric.toml").write_text(
        '[[items]]\nfunction = "leaky_relu_forward"\nquantity = "out"\npoints = 2\n'
        '[[items]]\nfunction = "leaky_relu_backward"\nquantity = "dx"\npoints = 1\n'
    )
    graded = run_layercheck(tmp_path, *grade, "--out", "graded", "--examples", "20")
    assert graded.returncode == 0, graded.stdout + graded.stderr
    with open(tmp_path / "graded/gradebook.csv", newline="") as file:
        totals = {row["submission"]: float(row["total"]) for row in csv.DictReader(file)}
    assert totals == {"right": 3.0, "wrong": 1.0}, totals  # the wrong slope's backward is right


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda text: "SPECS = []", "declares no SPECS"),
        (lambda text: "raise RuntimeError('no torch here')", "failed: RuntimeError"),
        (lambda text: text.replace('{"cs231n"}', '{"cs231m"}'), "unknown course 'cs231m'"),
        (lambda text: text.replace('"leaky_relu_forward"', '"relu_forward"'), "already checked"),
        (lambda text: text.replace("        profiles=", "        # profiles="), "names no course"),
        (lambda text: text.replace("        torch=", "        # torch="), "has no oracle"),
    ],
    ids=["empty", "raises", "unknown_course", "clash", "no_course", "no_oracle"],
)
def test_a_mistake_in_a_spec_file_is_one_line_and_exit_2(tmp_path, change, message):
    spec_file = code_blocks("Adding a layer")[1]
    (tmp_path / "bad.py").write_text(change(spec_file))
    process = run_layercheck(tmp_path, "list", "--specs", "bad.py")
    assert process.returncode == 2, process.stdout + process.stderr
    lines = process.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], process.stderr
