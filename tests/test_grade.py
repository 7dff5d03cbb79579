"""Grading a batch as course staff would: an LMS-style folder of submissions, each run in its
own sandbox on the same cases, with Gradescope results, feedback and a gradebook; reruns
grade only what is missing; shards merge into the same gradebook."""

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pytest

from layercheck.grading import answer_cache, autograder, grade, rubric
from layercheck.grading.answer_cache import AnswerCache
from layercheck.specs import REGISTRY, convolutional, fully_connected
from processes import run_layercheck
from students import STARTER, assignment_folder, honest_students, student_folder, zipped

HERE = Path(__file__).parent
EXAMPLES = 6
SMALL_RUBRIC = """
partial_credit = "all"

[[items]]
function = "affine_forward"
points = 2

[[items]]
function = "affine_backward"
quantity = "db"
points = 3

[[items]]
function = "relu_backward"
points = 1
"""


def make_batch(folder: Path) -> Path:
    """An unpacked LMS export: folders and single files, correct, buggy, unfinished, broken."""
    honest_students(folder)  # alice correct, bob one wrong gradient, carol the starter
    (folder / "dave.py").write_text("def affine_forward(x, w, b)\n    return x\n")
    (folder / "erin.py").write_text('import numpy as np\nprint "hello"\n')  # Python 2
    (folder / "frank.py").write_text("import numpy as np\nINDEX = np.int\n")  # gone in NumPy 2
    (folder / "grace").mkdir()
    (folder / "grace" / "layers.py").write_text("from .helpers import flatten\n")
    return folder


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    return make_batch(tmp_path_factory.mktemp("export") / "hw2")


@pytest.fixture(scope="module")
def graded(batch, tmp_path_factory):
    """The batch graded with the profile's default rubric (the whole API)."""
    out = tmp_path_factory.mktemp("graded")
    cache = AnswerCache(tmp_path_factory.mktemp("answers"))
    plan = grade.plan(rubric.default("cs231n"), "cs231n", examples=EXAMPLES)
    grade.grade(grade.discover(batch), plan, cache, out, workers=2)
    return out


def results_of(out: Path, name: str) -> dict:
    return json.loads((out / name / "results.json").read_text())


def gradebook(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "gradebook.csv", newline="") as file:
        return {row["submission"]: row for row in csv.DictReader(file)}


def test_an_lms_export_is_a_batch_and_a_course_folder_is_one_submission(batch):
    names = [name for name, _ in grade.discover(batch)]
    assert names == ["alice", "bob", "carol", "dave", "erin", "frank", "grace"]
    assert [name for name, _ in grade.discover(batch / "alice")] == ["alice"]


def test_correct_code_in_another_style_gets_full_marks(graded):
    results = results_of(graded, "alice")
    failed = [t["name"] for t in results["tests"] if t["status"] != "passed"]
    assert not failed and results["score"] == results["max_score"] > 30, failed


def test_one_wrong_gradient_loses_that_item_and_its_functions_properties(graded):
    alice, bob = results_of(graded, "alice"), results_of(graded, "bob")
    lost = {
        t["name"]: t["max_score"] - t["score"] for t in bob["tests"] if t["score"] < t["max_score"]
    }
    assert list(lost) == ["affine_backward: db", "affine_backward: arguments_unchanged"]
    assert bob["score"] == alice["score"] - sum(lost.values())
    feedback = (graded / "bob" / "feedback.md").read_text()
    assert "affine_backward" in feedback and "db" in feedback and "expected" in feedback


def test_the_starter_gets_zero(graded):
    results = results_of(graded, "carol")
    assert results["score"] == 0 and all(t["status"] == "failed" for t in results["tests"])


@pytest.mark.parametrize(
    "name, reason",
    [
        ("dave", "syntax error"),
        ("erin", "syntax error"),
        ("frank", "np.int"),
        ("grace", "helpers"),
    ],
)
def test_a_submission_that_cannot_be_imported_scores_zero_with_a_reason(graded, name, reason):
    results = results_of(graded, name)
    assert results["score"] == 0
    assert "could not be loaded" in results["output"] and reason in results["output"], results[
        "output"
    ]
    assert gradebook(graded)[name]["status"].startswith("not loaded")


def test_gradescope_results_follow_the_schema(graded):
    results = results_of(graded, "bob")
    assert {"score", "max_score", "output", "tests"} <= set(results)
    for test in results["tests"]:
        assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(test)
        assert test["status"] in ("passed", "failed")


def test_the_gradebook_and_summary_cover_every_submission(graded):
    rows = gradebook(graded)
    assert set(rows) == {"alice", "bob", "carol", "dave", "erin", "frank", "grace"}
    assert float(rows["alice"]["total"]) == float(rows["alice"]["max_score"])
    summary = (graded / "summary.md").read_text()
    assert "score_histogram.png" in summary and (graded / "score_histogram.png").stat().st_size


def test_a_rerun_grades_only_what_is_missing_and_rebuilds_the_same_gradebook(batch, tmp_path):
    cache = AnswerCache(tmp_path / "answers")
    plan = grade.plan(rubric.load(_small_rubric(tmp_path), "cs231n"), "cs231n", examples=EXAMPLES)
    out = tmp_path / "out"
    first = grade.grade(grade.discover(batch), plan, cache, out)
    assert len(first) == 7
    before = (out / "gradebook.csv").read_text()
    (out / "bob" / "results.json").unlink()  # as if the grader was killed while on bob
    again = grade.grade(grade.discover(batch), plan, AnswerCache(tmp_path / "answers"), out)
    assert [row["name"] for row in again] == ["bob"]
    assert (out / "gradebook.csv").read_text() == before


def test_shards_merge_into_the_gradebook_of_the_whole_batch(batch, tmp_path):
    cache = AnswerCache(tmp_path / "answers")
    plan = grade.plan(rubric.load(_small_rubric(tmp_path), "cs231n"), "cs231n", examples=EXAMPLES)
    entries = grade.discover(batch)
    grade.grade(entries, plan, cache, tmp_path / "whole")
    shards = [tmp_path / "shard1", tmp_path / "shard2"]
    for i, folder in enumerate(shards, start=1):
        grade.grade(grade.shard(entries, f"{i}/2"), plan, cache, folder)
    assert {len(grade.shard(entries, "1/2")), len(grade.shard(entries, "2/2"))} == {3, 4}
    process = run_layercheck(
        tmp_path, "merge", *map(str, shards), "--out", str(tmp_path / "merged")
    )
    assert process.returncode == 0, process.stderr
    merged = (tmp_path / "merged" / "gradebook.csv").read_text()
    assert merged == (tmp_path / "whole" / "gradebook.csv").read_text()


def test_oracle_answers_are_computed_once_and_reused(tmp_path):
    plan = grade.plan(rubric.load(_small_rubric(tmp_path), "cs231n"), "cs231n", examples=EXAMPLES)
    first = AnswerCache(tmp_path / "answers")
    grade.prepare(plan, first)
    second = AnswerCache(tmp_path / "answers")
    grade.prepare(plan, second)
    assert first.misses > 0 and second.misses == 0 and second.hits == first.misses


def test_an_answer_is_keyed_on_its_inputs_and_every_source_behind_it(tmp_path):
    sources = {f"{path.parent.name}/{path.name}" for path in answer_cache.source_files()}
    behind = {"specs/fully_connected.py", "core/tolerance.py", "oracle/conventions.py"}
    assert behind <= sources, f"not keyed on {behind - sources}"
    spec = REGISTRY["affine"]
    case = grade.plan(rubric.default("cs231n"), "cs231n", examples=2).cases["affine", "float64"][0]
    args = spec.inputs(case)
    changed = {**args, "x": args["x"] + 1}
    key = AnswerCache(tmp_path).key(spec, args, case, "cpu")
    assert AnswerCache(tmp_path).key(spec, changed, case, "cpu") != key
    assert AnswerCache(tmp_path).key(spec, args, case, "cpu", "a variant") != key


def test_a_changed_input_builder_recomputes_exactly_the_answers_it_feeds(tmp_path, monkeypatch):
    plan = grade.plan(rubric.default("cs231n"), "cs231n", examples=2)
    grade.prepare(plan, AnswerCache(tmp_path))
    cases = [
        (REGISTRY[name], case)
        for (name, _), drawn in plan.cases.items()
        if REGISTRY[name].oracle
        for case in drawn
    ]
    before = [spec.inputs(case)["x"] for spec, case in cases]
    built = fully_connected.norm_inputs  # one edit to the builder the norm layers share ...

    def shifted(*args, **kwargs):
        inputs = built(*args, **kwargs)
        return {**inputs, "x": inputs["x"] + 1}

    for section in (fully_connected, convolutional):  # ... seen by every spec built with it
        monkeypatch.setattr(section, "norm_inputs", shifted)
    changed = [
        spec.name
        for (spec, case), x in zip(cases, before, strict=True)
        if not np.array_equal(spec.inputs(case)["x"], x)
    ]
    assert set(changed) == {"batchnorm", "layernorm", "spatial_batchnorm", "spatial_groupnorm"}
    again = AnswerCache(tmp_path)
    grade.prepare(plan, again)
    recomputed, reused = again.misses, again.hits
    assert (recomputed, reused) == (len(changed), len(cases) - len(changed))


def test_the_grade_command_runs_from_outside_the_repository(batch, tmp_path):
    process = run_layercheck(
        tmp_path,
        "grade",
        str(batch),
        "--out",
        "graded",
        "--rubric",
        str(_small_rubric(tmp_path)),
        "--examples",
        str(EXAMPLES),
        "--cache",
        str(tmp_path / "answers"),
    )
    assert process.returncode == 0, process.stdout + process.stderr
    rows = gradebook(tmp_path / "graded")
    assert float(rows["alice"]["total"]) == 6 and float(rows["bob"]["total"]) == 3


def test_a_rubric_with_a_typo_is_refused_with_one_line(batch, tmp_path):
    typo = tmp_path / "rubric.toml"
    typo.write_text(SMALL_RUBRIC.replace('quantity = "db"', 'quantity = "dbb"'))
    process = run_layercheck(tmp_path, "grade", str(batch), "--out", "x", "--rubric", str(typo))
    assert process.returncode == 2
    lines = process.stderr.strip().splitlines()
    assert len(lines) == 1 and "dbb" in lines[0] and "db" in lines[0], process.stderr


@pytest.mark.parametrize("target", ["gradescope", "prairielearn"])
def test_an_lms_autograder_builds_and_grades_in_its_layout_as_grade_does(batch, tmp_path, target):
    rubric_path = _small_rubric(tmp_path)
    built = tmp_path / ("autograder.zip" if target == "gradescope" else "prairielearn")
    options = ("--target", target, "--rubric", str(rubric_path))
    process = run_layercheck(tmp_path, "autograder", "build", "--out", str(built), *options)
    assert process.returncode == 0, process.stderr
    root = tmp_path / "root"
    if target == "gradescope":
        with zipfile.ZipFile(built) as opened:
            names = set(opened.namelist())
            opened.extractall(root / "source")
        assert {
            "setup.sh",
            "run_autograder",
            "rubric.toml",
            "layercheck_src/pyproject.toml",
        } <= names
        grader, submission, sources = root / "source", root / "submission", root / "source"
    else:  # the course copies serverFilesCourse/; the image is built from the Dockerfile
        shutil.copytree(built / "serverFilesCourse", root / "serverFilesCourse")
        grader, submission, sources = (
            root / "serverFilesCourse" / "layercheck",
            root / "student",
            built,
        )
        external = json.loads((built / "info.json").read_text())["externalGradingOptions"]
        assert Path(external["entrypoint"]).relative_to("/grade") == (
            grader / "run.sh"
        ).relative_to(root)
        assert "COPY layercheck_src" in (built / "Dockerfile").read_text()
    assert any((grader / "answers").iterdir())
    wheel = subprocess.run(  # what the image installs holds the report's schema and template
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["-w", str(tmp_path / "wheel"), str(sources / "layercheck_src")],
        capture_output=True,
        text=True,
    )
    assert wheel.returncode == 0, wheel.stderr
    with zipfile.ZipFile(next((tmp_path / "wheel").glob("*.whl"))) as packaged:
        files = set(packaged.namelist())
    assert {
        "layercheck/reports/report.schema.json",
        "layercheck/reports/templates/report.html",
    } <= files
    project = tomllib.loads((HERE.parent / "pyproject.toml").read_text())
    assert project["tool"]["setuptools"]["package-data"]["layercheck"] == autograder.PACKAGE_DATA
    shutil.copytree(batch / "bob", submission)
    run = ("autograder", "run", "--target", target, "--root", str(root), "--rubric", "rubric.toml")
    process = run_layercheck(grader, *run)
    assert process.returncode == 0, process.stderr
    found = json.loads((root / "results" / "results.json").read_text())
    seed = str(grader / "answers" / grade.SEED_FILE)  # the build's: the same cases
    direct = ("--rubric", str(rubric_path), "--seed-file", seed, "--out", "direct")
    assert run_layercheck(tmp_path, "grade", str(batch / "bob"), *direct).returncode == 0
    expected = results_of(tmp_path / "direct", "bob")
    points = {test["name"]: test["score"] for test in expected["tests"]}
    assert expected["score"] == 3 and expected["max_score"] == 6
    if target == "gradescope":
        assert {t["name"]: t["score"] for t in found["tests"]} == points
        assert (found["score"], found["max_score"]) == (3, 6)
    else:
        assert {t["name"]: t["points"] for t in found["tests"]} == points
        assert found["gradable"] and found["score"] == 0.5


def _small_rubric(folder: Path) -> Path:
    path = folder / "small_rubric.toml"
    path.write_text(SMALL_RUBRIC)
    return path


ROW_SHAPED_STATS = """
from impl.layers import *  # noqa: F403
from impl.layers import batchnorm_forward as _course


def batchnorm_forward(x, gamma, beta, bn_param):
    out, cache = _course(x, gamma, beta, bn_param)
    for key in ("running_mean", "running_var"):
        bn_param[key] = bn_param[key].reshape(1, -1)
    return out, cache
"""


@pytest.mark.parametrize(
    "submission, function, convention",
    [
        ("dropout_p_as_drop", "dropout_forward", "drop probability"),
        ("batchnorm_unbiased_running_var", "batchnorm_forward", "unbiased variance"),
        ("batchnorm_row_shaped_stats", "batchnorm_forward", "shaped (1, D)"),
        ("lstm_step_torch_gate_order", "lstm_step_forward", "gate order i, f, g, o"),
    ],
)
def test_feedback_names_the_other_convention_a_submission_followed(
    tmp_path, submission, function, convention
):
    path = HERE / "bugs" / f"{submission}.py"
    if not path.exists():
        path = tmp_path / f"{submission}.py"
        path.write_text(ROW_SHAPED_STATS)
    path = student_folder(path, tmp_path / "students" / submission)
    rubric_path = tmp_path / "rubric.toml"
    rubric_path.write_text(f'[[items]]\nfunction = "{function}"\npoints = 1\n')
    plan = grade.plan(rubric.load(rubric_path, "cs231n"), "cs231n", examples=EXAMPLES)
    grade.grade_one(submission, path, plan, AnswerCache(tmp_path / "answers"), tmp_path)
    text = (tmp_path / submission / "feedback.md").read_text()
    assert convention in text, text
    assert convention in results_of(tmp_path, submission)["output"]


#: Wrong running statistics that no other convention explains: var + eps stored as the
#: running variance, and the history ignored (running = the batch's statistics).
NO_CONVENTION = {
    "var_plus_eps": "bn_param['running_var'] = bn_param['running_var'] + 1e-5",
    "no_history": "bn_param['running_mean'], bn_param['running_var'] = x.mean(0), x.var(0)",
}
WRONG_STATS = """
from impl.layers import *  # noqa: F403
from impl.layers import batchnorm_forward as _course


def batchnorm_forward(x, gamma, beta, bn_param):
    out, cache = _course(x, gamma, beta, bn_param)
    if bn_param["mode"] == "train":
        {mistake}
    return out, cache
"""


@pytest.mark.parametrize("mistake", sorted(NO_CONVENTION))
def test_a_wrong_running_statistic_is_not_called_another_convention(tmp_path, mistake):
    bug = tmp_path / f"{mistake}.py"
    bug.write_text(WRONG_STATS.format(mistake=NO_CONVENTION[mistake]))
    path = student_folder(bug, tmp_path / "students" / mistake)
    rubric_path = tmp_path / "rubric.toml"
    rubric_path.write_text('[[items]]\nfunction = "batchnorm_forward"\npoints = 1\n')
    plan = grade.plan(rubric.load(rubric_path, "cs231n"), "cs231n", examples=EXAMPLES)
    grade.grade_one(mistake, path, plan, AnswerCache(tmp_path / "answers"), tmp_path)
    found = results_of(tmp_path, mistake)
    assert found["score"] == 0, found["output"]
    assert "matches" not in found["output"] and "convention" not in found["output"], found


def test_a_missing_course_helper_module_is_named_in_the_reason(tmp_path):
    (tmp_path / "hw" / "cs231n").mkdir(parents=True)
    (tmp_path / "hw" / "cs231n" / "layers.py").write_text(
        "import numpy as np\nfrom cs231n.fast_layers import *\n"
    )
    plan = grade.plan(rubric.load(_small_rubric(tmp_path), "cs231n"), "cs231n", examples=2)
    grade.grade_one("hw", tmp_path / "hw", plan, AnswerCache(tmp_path / "answers"), tmp_path)
    output = results_of(tmp_path, "hw")["output"]
    assert "cs231n.fast_layers, a course helper file" in output, output


def test_two_entries_with_one_name_are_both_graded(tmp_path):
    (tmp_path / "alice").mkdir()
    shutil.copy(STARTER, tmp_path / "alice" / "layers.py")
    shutil.copy(STARTER, tmp_path / "alice.py")
    assert [name for name, _ in grade.discover(tmp_path)] == ["alice", "alice-2"]


def test_a_file_that_cannot_load_costs_only_the_functions_it_defines(tmp_path):
    """The 2016 starter's rnn_layers.py has a Python 2 print: layers.py still counts."""
    course = tmp_path / "hw" / "cs231n"
    shutil.copytree(HERE / "courses" / "cs231n" / "cs231n", course)
    rnn = course / "rnn_layers.py"
    rnn.write_text(
        rnn.read_text().replace("import numpy as np\n", 'import numpy as np\nprint "hi"\n', 1)
    )
    plan = grade.plan(rubric.default("cs231n"), "cs231n", examples=2)
    grade.grade_one("hw", tmp_path / "hw", plan, AnswerCache(tmp_path / "answers"), tmp_path)
    found = results_of(tmp_path, "hw")
    earned = {t["name"].split(":")[0] for t in found["tests"] if t["score"] == t["max_score"]}
    lost = {t["name"].split(":")[0]: t["output"] for t in found["tests"] if t["score"] == 0}
    assert {"affine_forward", "conv_backward_naive", "spatial_groupnorm_backward"} <= earned
    assert set(lost) == {
        f
        for f in plan.rubric.functions()
        if "rnn" in f or "lstm" in f or "word_embedding" in f or "temporal" in f
    }, sorted(lost)
    assert "could not be loaded" not in found["output"].split("\n")[0]
    assert "cs231n/rnn_layers.py could not be loaded" in lost["lstm_backward"], lost[
        "lstm_backward"
    ]
    assert "syntax error" in lost["lstm_backward"] and str(tmp_path) not in lost["lstm_backward"]


def test_entries_that_once_ended_the_batch_cost_only_themselves(tmp_path):
    """Names of the batch's own files, a dotted name, a Latin-1 name from a Windows zip, a
    symbolic link loop and a link out of the batch: each gets a row, the rest are graded."""
    batch = honest_students(tmp_path / "batch")
    honest = (batch / "alice" / "layers.py").read_text()
    (batch / "gradebook.csv").mkdir()
    (batch / "gradebook.csv" / "layers.py").write_text(honest)
    (batch / "summary.md.py").write_text(honest)
    (batch / "alice.v2.py").write_text(honest)
    (batch / os.fsdecode(b"caf\xe9.py")).write_text(honest)
    (batch / "loop.py").symlink_to("loop.py")
    (batch / "outside.py").symlink_to(tmp_path / "elsewhere.py")
    for gap in (" ", "_"):  # 254 bytes each, and alike once sanitised
        (batch / f"{'a' * 249}{gap}x.py").write_text(honest)
    (batch / "__MACOSX").mkdir()
    (batch / "notes.txt").write_text("not code")
    process = run_layercheck(
        tmp_path, "grade", str(batch), "--out", "out", "--rubric", str(_small_rubric(tmp_path))
    )
    assert process.returncode == 0, process.stdout + process.stderr
    rows = gradebook(tmp_path / "out")
    assert float(rows["alice"]["total"]) == 6
    latin = next(name for name in rows if name.startswith("caf_-"))
    for name in ("gradebook.csv-submission", "summary.md-submission", "alice.v2", latin):
        assert float(rows[name]["total"]) == 6, (name, rows[name])
    long = [name for name in rows if name.startswith("a" * 80)]
    assert len(long) == 2 and all(float(rows[name]["total"]) == 6 for name in long), long
    assert "not graded: __MACOSX: a hidden or system entry" in process.stdout, process.stdout
    assert "not graded: notes.txt: not a .py file, a .zip file or a folder" in process.stdout
    for name in ("loop", "outside"):
        assert (
            rows[name]["status"].startswith("not loaded")
            and "symbolic link" in rows[name]["status"]
        ), rows[name]


MEMORISED = """
import hashlib

import numpy as np

ANSWERS = {answers!r}


def affine_forward(x, w, b):
    key = hashlib.sha256(x.tobytes() + w.tobytes() + b.tobytes()).hexdigest()
    out = np.array(ANSWERS.get(key, np.zeros(x.shape[0] * w.shape[1])), dtype=x.dtype)
    return out.reshape(x.shape[0], w.shape[1]), (x, w, b)
"""


def memorised(plan: grade.Plan) -> str:
    """A submission with no implementation: the answers to `plan`'s affine_forward cases,
    recorded offline (the cases are public code and the seed), looked up by input."""
    import impl

    spec, answers = grade.REGISTRY["affine"], {}
    for case in plan.cases["affine", "float64"]:
        x, w, b = (spec.inputs(case)[name] for name in ("x", "w", "b"))
        key = hashlib.sha256(x.tobytes() + w.tobytes() + b.tobytes()).hexdigest()
        answers[key] = impl.affine_forward(x, w, b)[0].ravel().tolist()
    return MEMORISED.format(answers=answers)


def test_every_batch_draws_a_secret_seed_so_memorised_answers_earn_nothing(tmp_path):
    rubric_path = tmp_path / "rubric.toml"
    rubric_path.write_text('[[items]]\nfunction = "affine_forward"\nquantity = "out"\npoints = 1\n')
    known = grade.plan(rubric.load(rubric_path, "cs231n"), "cs231n", seed=0, examples=16)
    (tmp_path / "batch").mkdir()
    (tmp_path / "batch" / "mallory.py").write_text(memorised(known))
    options = ("--rubric", str(rubric_path), "--cache", str(tmp_path / "answers"))
    seeded = run_layercheck(tmp_path, "grade", "batch", "--out", "seeded", "--seed", "0", *options)
    assert seeded.returncode == 0, seeded.stderr
    assert float(gradebook(tmp_path / "seeded")["mallory"]["total"]) == 1, "the attack works"
    for out in ("first", "second"):
        process = run_layercheck(tmp_path, "grade", "batch", "--out", out, *options)
        assert process.returncode == 0, process.stderr
        assert float(gradebook(tmp_path / out)["mallory"]["total"]) == 0
        secret = (tmp_path / out / grade.SEED_FILE).read_text().strip()
        for shown in ("results.json", "feedback.md", "checks.json"):
            assert secret not in (tmp_path / out / "mallory" / shown).read_text()
    first, second = ((tmp_path / o / grade.SEED_FILE).read_text() for o in ("first", "second"))
    assert first != second and int(first) >= 0
    again = run_layercheck(tmp_path, "grade", "batch", "--out", "first", *options)
    assert "grading 0 of 1 submissions (1 done)" in again.stdout, again.stdout  # same seed
    assert (tmp_path / "first" / grade.SEED_FILE).read_text() == first


def test_shards_share_a_seed_file_or_are_refused(batch, tmp_path):
    rubric_path = str(_small_rubric(tmp_path))
    alone = run_layercheck(tmp_path, "grade", str(batch), "--out", "s1", "--shard", "1/2")
    assert alone.returncode == 2 and "--seed-file" in alone.stderr, alone.stderr
    common = ("--rubric", rubric_path, "--examples", str(EXAMPLES))
    for i, seeds in ((1, "one.seed"), (2, "two.seed")):
        process = run_layercheck(
            tmp_path,
            "grade",
            str(batch),
            "--out",
            f"s{i}",
            "--shard",
            f"{i}/2",
            "--seed-file",
            seeds,
            *common,
        )
        assert process.returncode == 0, process.stderr
    merged = run_layercheck(tmp_path, "merge", "s1", "s2", "--out", "merged")
    assert merged.returncode == 2 and "different plans" in merged.stderr, merged.stderr
    alone = run_layercheck(tmp_path, "merge", "s1", "--out", "merged")
    assert alone.returncode == 2 and "shard 2/2 missing" in alone.stderr, alone.stderr


FORGER = """
print("The submission could not be loaded: forged")


def affine_forward(x, w, b):
    raise ValueError("<img src=x onerror=alert(1)>\\\\n## affine_forward: 2 / 2")
"""


def test_names_are_unique_and_student_text_cannot_forge_a_status_or_markup(tmp_path):
    batch = honest_students(tmp_path / "batch")
    honest = (batch / "alice" / "layers.py").read_text()
    (batch / "a b.py").write_text(honest)
    (batch / "a_b.py").write_text(honest + FORGER)
    process = run_layercheck(
        tmp_path, "grade", str(batch), "--out", "out", "--rubric", str(_small_rubric(tmp_path))
    )
    assert process.returncode == 0, process.stdout + process.stderr
    rows = gradebook(tmp_path / "out")
    spaced = next(name for name in rows if name.startswith("a_b-"))
    assert float(rows[spaced]["total"]) == 6 and rows[spaced]["status"] == "graded"
    assert rows["a_b"]["status"] == "graded" and float(rows["a_b"]["total"]) == 1, rows["a_b"]
    feedback = (tmp_path / "out" / "a_b" / "feedback.md").read_text()
    assert "<img" not in feedback and "&lt;img" in feedback, feedback
    assert not any(line.startswith("## affine_forward: 2") for line in feedback.splitlines())


def test_lms_exports_and_assignment_folders_grade_as_the_bare_files_do(tmp_path):
    course = HERE / "courses" / "cs231n"
    export = tmp_path / "export"
    assignment_folder(course, export / "alice")  # the unpacked assignment folder, helpers and all
    zipped(assignment_folder(course, tmp_path / "bob"), export / "bob.zip")  # a student's zip
    (export / "carol.zip").write_bytes(b"PK not really a zip")
    with zipfile.ZipFile(export / "dave.zip", "w") as evil:
        evil.writestr("../../escaped.py", "def affine_forward(x, w, b):\n    return x\n")
    whole = zipped(export, tmp_path / "export.zip")  # the LMS's batch download
    common = ["--rubric", str(_small_rubric(tmp_path)), "--examples", str(EXAMPLES), "--seed", "1"]
    bare = run_layercheck(tmp_path, "grade", str(course), "--out", "bare", *common)
    process = run_layercheck(tmp_path, "grade", str(whole), "--out", "out", *common)
    assert bare.returncode == 0 and process.returncode == 0, bare.stderr + process.stderr
    rows = gradebook(tmp_path / "out")
    full = gradebook(tmp_path / "bare")["cs231n"]["total"]
    assert full == "6" and rows["alice"]["total"] == rows["bob"]["total"] == full, rows
    for name, why in (("carol", "not a zip that can be read"), ("dave", "leaves the archive")):
        text = json.loads((tmp_path / "out" / name / "results.json").read_text())["output"]
        assert rows[name]["total"] == "0" and why in text, (name, text)
    assert not (tmp_path / "escaped.py").exists() and not (tmp_path.parent / "escaped.py").exists()
    canvas = tmp_path / "canvas"  # Canvas's export: student_userid_submissionid_file
    canvas.mkdir()
    files = course / "cs231n"
    shutil.copy(files / "layers.py", canvas / "doejane_LATE_12345_67890_layers-1.py")
    shutil.copy(files / "rnn_layers.py", canvas / "doejane_12345_67891_rnn_layers.py")
    (canvas / "roebob_23456_67892_layers.py").write_text(STARTER.read_text())
    process = run_layercheck(tmp_path, "grade", str(canvas), "--out", "canvas-out", *common)
    assert process.returncode == 0, process.stderr
    rows = gradebook(tmp_path / "canvas-out")
    assert {name: row["total"] for name, row in rows.items()} == {
        "doejane_12345": full,
        "roebob_23456": "0",
    }


@pytest.mark.parametrize("given", ["empty", "notes.txt"])
def test_grading_nothing_is_a_one_line_error(tmp_path, given):
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("my layers are in the other folder\n")
    process = run_layercheck(tmp_path, "grade", given, "--out", "out")
    assert process.returncode == 2 and len(process.stderr.strip().splitlines()) == 1, process
    assert "no submissions" in process.stderr or "not a submission" in process.stderr
