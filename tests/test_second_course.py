"""A second course through the public spec API: MyTorch's layers, written as classes
(``examples/mytorch``), checked and graded with ``--specs``."""

import contextlib
import csv
import io
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

import planted
from layercheck import specs
from layercheck.core import runner, target
from layercheck.core.dtypes import DTYPES
from layercheck.core.verdicts import ERROR, FAIL, PASS, SKIPPED
from layercheck.grading import rubric
from layercheck.reports import repro
from layercheck.specs import EDGE
from processes import run_layercheck

COURSE = Path(__file__).parents[1] / "examples" / "mytorch"
SPECS = COURSE / "specs.py"
REFERENCE = COURSE / "reference"
BUGS = sorted((COURSE / "bugs").glob("*.py"))
PROFILE = "mytorch"
EXAMPLES = 30


@pytest.fixture
def mytorch():
    with specs.using(SPECS):
        yield


def test_the_reference_passes_every_layer_in_every_dtype(tmp_path):
    process = run_layercheck(
        tmp_path, "check", str(REFERENCE), "--specs", str(SPECS), "--examples", str(EXAMPLES),
        "--json", "report.json",
    )  # fmt: skip
    assert process.returncode == 0, process.stdout + process.stderr
    checks = json.loads((tmp_path / "report.json").read_text())["checks"]
    with specs.using(SPECS):
        classes = {spec.name for spec in specs.REGISTRY.values() if spec.in_profile(PROFILE)}
    assert len(classes) == 12, classes
    passed = {
        (c["function"].partition(".")[0], c["dtype"])
        for c in checks
        if c["verdict"] == PASS and c["device"] == "cpu"
    }
    assert passed == {(name, dtype) for name in classes for dtype in DTYPES}
    assert {c["verdict"] for c in checks} <= {PASS, SKIPPED}
    assert all(c["function"].partition(".")[0] in classes for c in checks), "rows of cs231n"


def test_at_least_twelve_planted_bugs_across_the_course():
    touched = {
        function.partition(".")[0] for bug in BUGS for function, _ in planted.load(bug).BREAKS
    }
    assert len(BUGS) >= 12 and len(touched) >= 10, touched


@pytest.mark.parametrize("bug", BUGS, ids=lambda bug: bug.stem)
def test_a_planted_bug_fails_exactly_where_it_should(bug, mytorch):
    module = planted.load(bug)
    breaks = module.BREAKS
    candidate = target.load(str(bug))
    checks = runner.run_all(
        planted.specs_of(breaks), candidate, DTYPES, ["cpu"], examples=EXAMPLES, seed=0,
        profile=PROFILE,
    )  # fmt: skip
    found, missed, extra = planted.against(checks, breaks)
    assert not missed and not extra, f"{bug.stem}: not failing {missed}; failing too {extra}"
    verdict = getattr(module, "VERDICT", FAIL)
    for check in found.values():
        assert check.verdict == verdict, (check.function, check.quantity, check.message)
        replayed, _ = repro.replay(
            candidate, repro.descriptor(check.function, check.quantity, check.case), PROFILE
        )
        assert replayed == check.verdict, (check.function, check.quantity)
        _assert_snippet_shows_it(check, vars(module))
    score = rubric.default(PROFILE).score(checks)
    lost = [item.name for item in score.items if item.checks and item.points < item.max_points]
    core = any(
        not quantity.endswith(EDGE) and "float64" in d for (_, quantity), d in breaks.items()
    )
    assert bool(lost) == core, f"{bug.stem}: the default rubric takes {lost}"


def _assert_snippet_shows_it(check, namespace: dict) -> None:
    """The reproducer, pasted beside the bug's classes, prints the wrong value the check saw
    (or raises what it raised)."""
    code = repro.snippet(check)
    if code is None:  # an input too large to write out: the replay above stands for it
        return
    scope = dict(namespace)
    if check.verdict == ERROR:
        with pytest.raises(Exception) as raised, contextlib.redirect_stdout(io.StringIO()):  # noqa: B017
            exec("\n".join(code), scope)
        assert f" raised {raised.type.__name__}" in check.message, (check.message, raised)
        return
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        exec("\n".join(code), scope)
    quantity, values = check.quantity.removesuffix(EDGE), check.case.get("values")
    if values is not None:
        assert f"{quantity}:" in printed.getvalue(), printed.getvalue()
        got = np.asarray(scope[quantity], dtype=float)
        assert np.allclose(got, values["got"], equal_nan=True), (quantity, got, values["got"])


STUB = """
class {name}:
    def __init__(self, *args, **kwargs):
        pass

    def forward(self, *args):
        pass

    def backward(self, *args):
        pass
"""


def test_a_batch_of_class_submissions_grades_through_the_spec_file(tmp_path):
    batch = tmp_path / "batch"
    shutil.copytree(REFERENCE, batch / "alice")
    shutil.copytree(REFERENCE, batch / "bob")  # the course's files, Linear's dLdb averaged
    shutil.copy(COURSE / "bugs" / "linear_dLdb_mean.py", batch / "bob/mytorch/nn/linear.py")
    (batch / "carol").mkdir()  # the starter: every class a stub
    with specs.using(SPECS):
        names = [spec.name for spec in specs.REGISTRY.values() if spec.in_profile(PROFILE)]
    (batch / "carol/mytorch.py").write_text("\n".join(STUB.format(name=n) for n in names))
    process = run_layercheck(
        tmp_path, "grade", "batch", "--specs", str(SPECS), "--out", "graded",
        "--examples", "10", "--workers", "1",
    )  # fmt: skip
    assert process.returncode == 0, process.stdout + process.stderr
    with open(tmp_path / "graded/gradebook.csv", newline="") as file:
        rows = {row["submission"]: row for row in csv.DictReader(file)}
    total = {name: float(row["total"]) for name, row in rows.items()}
    full = float(rows["alice"]["max_score"])
    assert total["alice"] == full and total["carol"] == 0, total
    assert 0 < total["bob"] < full, total
    feedback = (tmp_path / "graded/bob/feedback.md").read_text()
    assert "Linear.backward" in feedback and "dLdb" in feedback


def test_a_gradescope_autograder_built_with_the_spec_file_grades_its_classes(tmp_path):
    built = tmp_path / "autograder.zip"
    options = ("--specs", str(SPECS), "--assignment", "3")  # RNNCell and GRUCell
    process = run_layercheck(tmp_path, "autograder", "build", "--out", str(built), *options)
    assert process.returncode == 0, process.stdout + process.stderr
    root = tmp_path / "root"
    with zipfile.ZipFile(built) as opened:
        opened.extractall(root / "source")
    command = (root / "source/run_autograder").read_text().splitlines()[-1].split()
    assert command[:4] == ["exec", "layercheck", "autograder", "run"], command
    bundled = root / "source" / command[command.index("--specs") + 1]
    assert bundled.read_bytes() == SPECS.read_bytes()
    wrong = tmp_path / "wrong"  # the course's files, RNNCell's dh_prev_t without tanh's
    shutil.copytree(REFERENCE, wrong)
    shutil.copy(COURSE / "bugs/rnn_cell_dh_without_tanh.py", wrong / "mytorch/rnn_cell.py")
    scores = {}
    for name, files in (("reference", REFERENCE), ("wrong", wrong)):
        shutil.rmtree(root / "submission", ignore_errors=True)
        shutil.copytree(files, root / "submission")
        run = run_layercheck(root / "source", *command[2:], "--root", str(root))
        assert run.returncode == 0, run.stdout + run.stderr
        found = json.loads((root / "results/results.json").read_text())
        scores[name] = (found["score"], found["max_score"])
    (full, most), (partial, _) = scores["reference"], scores["wrong"]
    assert full == most > partial > 0, scores
