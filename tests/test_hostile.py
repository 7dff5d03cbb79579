"""Untrusted submissions: the corpus of hostile and broken ones (``tests/hostile``, with the
verdict each must get in ``expected.toml``) graded in one batch beside honest ones by the
installed command, from outside the repository. Each gets its verdict and reason and never
more than its honest score; the honest ones' results are byte for byte those of a batch
without the hostile ones; no process outlives the batch; each submission's time is bounded
by its limits; and a grader killed with SIGKILL mid-batch, then run again, grades every
submission exactly once into the gradebook of an uninterrupted run."""

import csv
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import time
import tomllib
from pathlib import Path

import pytest

from layercheck.sandbox import confine
from layercheck.sandbox.process import STARTUP_S
from processes import alive, descendants, running_groups
from students import LOOPS, STARTER, honest_students

#: Why this machine cannot hold the corpus (the inner layer is missing), or "".
INCOMPLETE = "; ".join(
    line for line in confine.missing_isolation() if not line.startswith("no bubblewrap")
)
pytestmark = [
    # Without Landlock or the seccomp filter, the corpus would really read the answer cache,
    # overwrite results and fork-bomb the machine: it runs only where the inner layer is
    # whole (with bubblewrap's namespaces or without: expected.toml has both verdicts).
    pytest.mark.skipif(bool(INCOMPLETE), reason=INCOMPLETE),
]


HERE = Path(__file__).parent
CORPUS = HERE / "hostile"
EXPECTED = tomllib.loads((CORPUS / "expected.toml").read_text())
BASES = {"correct": (LOOPS / "layers.py").read_text(), "starter": STARTER.read_text(), "none": ""}
ITEMS = {"affine_forward": 2, "affine_backward": 3, "relu_forward": 1, "relu_backward": 1}
ITEMS["softmax_loss"] = 2
HONEST = {"alice": "correct", "bob": "one wrong gradient", "carol": "starter"}
CALL_LIMIT_S, BUDGET_S = 2, 40
FILES = ("results.json", "checks.json", "feedback.md")


def layercheck(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    command = shutil.which("layercheck")
    assert command, "the layercheck command is not installed (pip install .)"
    env = {**os.environ, "LAYERCHECK_TEST_SECRET": "s3cret"}  # env_secret must not see it
    return subprocess.run(
        [command, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )


def grade_command(batch: Path, out: Path, root: Path) -> list[str]:
    return [
        *("grade", str(batch), "--out", str(out), "--rubric", str(root / "rubric.toml")),
        *("--workers", "2", "--examples", "6", "--cache", str(root / "answers")),
        *("--seed-file", str(root / "batch.seed")),  # both batches meet the same cases
        *("--call-limit", str(CALL_LIMIT_S), "--budget", str(BUDGET_S)),
    ]


def write_rubric(root: Path) -> None:
    items = [f'[[items]]\nfunction = "{f}"\npoints = {p}\n' for f, p in ITEMS.items()]
    (root / "rubric.toml").write_text("\n".join(items))


def hostile(name: str, root: Path, batch: Path, out: Path) -> str:
    """The corpus entry `name` written on its base, the grader's paths filled in."""
    text = (CORPUS / f"{name}.py").read_text()
    paths = {"@OUT@": out, "@CACHE@": root / "answers", "@BATCH@": batch}
    paths["@SEED@"] = root / "batch.seed"
    for marker, path in {**paths, "@RUBRIC@": root / "rubric.toml"}.items():
        text = text.replace(marker, str(path))
    return BASES[EXPECTED[name]["base"]] + "\n\n" + text


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The honest batch alone, and the same submissions with the whole corpus beside them,
    graded once per test run: under xdist the first worker to need them grades them (with
    its own pool of 2) while the others wait, whatever the scheduler's grouping."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's folder, above each worker's
    root = shared / "hostile-course"
    runs = {"honest": root / "out_honest", "mixed": root / "out_mixed"}
    with open(shared / "hostile-course.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / "graded").exists():
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir()
            write_rubric(root)
            alone, mixed = honest_students(root / "honest"), honest_students(root / "mixed")
            for name in EXPECTED:
                (mixed / f"{name}.py").write_text(hostile(name, root, mixed, runs["mixed"]))
            for batch, out in ((alone, runs["honest"]), (mixed, runs["mixed"])):
                process = layercheck(root, *grade_command(batch, out, root))
                assert process.returncode == 0, process.stderr
            (root / "graded").touch()
    return runs


def results(out: Path, name: str) -> dict:
    return json.loads((out / name / "results.json").read_text())


def run_of(out: Path, name: str) -> dict:
    return json.loads((out / name / "run.json").read_text())


def test_the_corpus_has_25_or_more_submissions_each_with_its_verdict():
    files = {path.stem for path in CORPUS.glob("*.py")}
    assert files == set(EXPECTED) and len(files) >= 25, files ^ set(EXPECTED)
    for name, expected in EXPECTED.items():
        assert expected["base"] in BASES, name
        assert set(expected.get("failed", ITEMS)) <= set(ITEMS), name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_hostile_submission_gets_its_verdict_and_reason(graded, name):
    expected = EXPECTED[name]
    got = results(graded["mixed"], name)
    failed = {test["name"]: test["output"] for test in got["tests"] if test["status"] != "passed"}
    reason = expected.get("reason")
    if not got["extra_data"]["isolation"]["namespaces"]:  # Landlock alone: refused, not absent
        reason = expected.get("reason_landlock_only", reason)
    if not expected.get("loaded", True):
        first = got["output"].splitlines()[0]
        assert first.startswith("The submission could not be loaded"), first
        assert reason in first and set(failed) == set(ITEMS), (first, failed)
        return
    assert set(failed) == set(expected["failed"]), (sorted(failed), got["output"])
    for item in expected.get("reason_in", expected["failed"]):
        assert reason in failed[item], (item, failed[item])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_hostile_submission_never_scores_above_its_honest_score(graded, name):
    base = EXPECTED[name]["base"]
    honest = {"correct": "alice", "starter": "carol"}.get(base)
    ceiling = results(graded["mixed"], honest)["score"] if honest else 0.0
    assert results(graded["mixed"], name)["score"] <= ceiling


@pytest.mark.parametrize("name", sorted(HONEST))
def test_honest_results_are_byte_identical_beside_hostile_ones(graded, name):
    for file in FILES:
        alone = (graded["honest"] / name / file).read_bytes()
        assert (graded["mixed"] / name / file).read_bytes() == alone, file
    assert results(graded["honest"], "alice")["score"] == sum(ITEMS.values())

    def rows(out: Path) -> dict[str, dict]:
        with open(out / "gradebook.csv", newline="") as file:
            return {row["submission"]: row for row in csv.DictReader(file)}

    assert rows(graded["mixed"])[name] == rows(graded["honest"])[name]


def test_no_process_of_any_submission_outlives_the_batch(graded):
    groups = [pid for name in EXPECTED for pid in run_of(graded["mixed"], name)["child_pids"]]
    assert len(groups) > len(EXPECTED)  # restarts after crashes and hangs included
    left = sorted(set(groups) & running_groups())
    assert not left, f"process groups still running: {left}"


def test_each_submission_took_no_longer_than_its_limits(graded):
    for name in [*EXPECTED, *HONEST]:
        run = run_of(graded["mixed"], name)
        assert run["limits"] == {
            "wall_s": CALL_LIMIT_S,
            "startup_s": STARTUP_S,
            "budget_s": BUDGET_S,
        }
        # the budget bounds the child's time; the grader's own comparisons come on top
        assert run["seconds"] <= BUDGET_S + STARTUP_S, (name, run["seconds"])
    hanging = run_of(graded["mixed"], "infinite_loop_import")["seconds"]
    assert STARTUP_S + CALL_LIMIT_S <= hanging < BUDGET_S


def test_a_grader_killed_mid_batch_grades_each_submission_once_when_run_again(tmp_path):
    write_rubric(tmp_path)
    batch = tmp_path / "hw"
    honest_students(batch)
    slow = (LOOPS / "layers.py").read_text() + "\n\nimport time\n\ntime.sleep(1)\n"
    for i in range(9):  # slow to import, so that the kill finds the batch half done
        (batch / f"student{i}.py").write_text(slow)
    names = {"alice", "bob", "carol", *(f"student{i}" for i in range(9))}
    reference = layercheck(tmp_path, *grade_command(batch, tmp_path / "whole", tmp_path))
    assert reference.returncode == 0, reference.stderr

    out = tmp_path / "killed"
    command = [shutil.which("layercheck"), *grade_command(batch, out, tmp_path)]
    grader = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 300
    while len(list(out.glob("*/results.json"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    tree = descendants(grader.pid)
    grader.send_signal(signal.SIGKILL)
    grader.wait()
    done = {path.parent.name: fingerprint(path) for path in out.glob("*/results.json")}
    assert 3 <= len(done) < len(names), sorted(done)
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in tree) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in tree if alive(pid)], "processes outlived the killed grader"

    again = layercheck(tmp_path, *command[1:])
    assert again.returncode == 0, again.stderr
    assert f"grading {len(names) - len(done)} of {len(names)} submissions ({len(done)} done)" in (
        again.stdout
    )
    regraded = set(re.findall(r"^  (\S+): ", again.stdout, re.MULTILINE))
    assert regraded == names - set(done), again.stdout
    assert {name: fingerprint(out / name / "results.json") for name in done} == done
    assert {path.parent.name for path in out.glob("*/results.json")} == names
    assert (out / "gradebook.csv").read_bytes() == (
        tmp_path / "whole" / "gradebook.csv"
    ).read_bytes()
    for name in names:
        for file in FILES:
            assert (out / name / file).read_bytes() == (
                tmp_path / "whole" / name / file
            ).read_bytes()


def fingerprint(path: Path) -> tuple[int, bytes]:
    return path.stat().st_mtime_ns, path.read_bytes()


def test_student_text_reaches_the_feedback_inert(graded):
    text = (graded["mixed"] / "forged_feedback" / "feedback.md").read_text()
    assert "<img" not in text and "<script" not in text, text
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == [
        "# Feedback for forged_feedback",
        "## relu_forward: 0 / 1",
        "## relu_backward: 0 / 1",
        "## Passed",
    ], text
    assert text.count("Score:") == 3 and "**Score: 7 / 9**" in text, text  # 2 the student's
