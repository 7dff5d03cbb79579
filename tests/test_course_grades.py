"""Fair grades on course code: the default rubric of each profile gives full marks to honest
code written in the course's idioms, and nothing to code that computes nothing.

``tests/courses/<profile>/`` holds an honest submission per profile, laid out as the course
lays it out: staged computational-graph norm backwards, loop convolutions into ``np.zeros``
(float64) buffers, ``(rand < p) / p`` dropout, the ``log(probs)`` softmax and the starter's
temporal softmax. The hollow submissions (``students.hollow_student``) return zeros, or an
input of the right shape, from every function: they keep their arguments unchanged and
their dtypes, and earn nothing for it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from layercheck.grading import grade, rubric
from layercheck.grading.answer_cache import AnswerCache
from layercheck.specs import PROFILES
from students import hollow_student

COURSES = Path(__file__).parent / "courses"
EXAMPLES = 8


@pytest.fixture(scope="module", params=["cs231n", "cs231n-2017", "ucla-c147"])
def graded(request, tmp_path_factory) -> tuple[str, Path]:
    """The profile's honest submission and two hollow ones, graded by the default rubric."""
    profile = request.param
    batch = tmp_path_factory.mktemp(f"batch-{profile}")
    shutil.copytree(COURSES / profile, batch / "honest")
    hollow_student(batch / "zeros", "zeros")
    hollow_student(batch / "inputs", "input")
    out = tmp_path_factory.mktemp(f"graded-{profile}")
    plan = grade.plan(rubric.default(profile), profile, examples=EXAMPLES)
    cache = AnswerCache(tmp_path_factory.mktemp("answers"))
    grade.grade(grade.discover(batch), plan, cache, out, workers=2)
    return profile, out


def results(out: Path, name: str) -> dict:
    return json.loads((out / name / "results.json").read_text())


def test_honest_course_code_gets_full_marks(graded):
    profile, out = graded
    found = results(out, "honest")
    lost = {t["name"]: t["output"] for t in found["tests"] if t["score"] < t["max_score"]}
    assert not lost, f"{profile}: {lost}"
    assert found["score"] == found["max_score"] == len(rubric.default(profile).items)


@pytest.mark.parametrize("name", ["zeros", "inputs"])
def test_code_that_computes_nothing_scores_zero(graded, name):
    profile, out = graded
    found = results(out, name)
    earned = {t["name"]: t["score"] for t in found["tests"] if t["score"] > 0}
    assert found["score"] == 0 and not earned, f"{profile}: {earned}"
    assert found["max_score"] > 40


def test_properties_of_hollow_code_pass_but_are_not_credited(graded):
    _, out = graded
    checks = json.loads((out / "zeros" / "checks.json").read_text())
    unchanged = [c for c in checks if c["quantity"] == "arguments_unchanged"]
    assert unchanged and all(c["verdict"] in ("pass", "skipped") for c in unchanged)
    feedback = (out / "zeros" / "feedback.md").read_text()
    assert "Not credited: earned only when affine_forward's values are right" in feedback


def test_starter_code_is_not_graded_as_the_students(graded):
    profile, out = graded
    names = {t["name"].split(":")[0] for t in results(out, "honest")["tests"]}
    assert not names & PROFILES[profile].provided


@pytest.mark.parametrize("profile, assignment", [("cs231n", "2"), ("ucla-c147", "5")])
def test_an_assignment_alone_gets_full_marks_with_nothing_missing(tmp_path, profile, assignment):
    """A submission of one assignment's files only (cs231n's assignment 2 is its layers.py,
    without rnn_layers.py) graded with that assignment's preset."""
    handed_in = tmp_path / "student"
    shutil.copytree(COURSES / profile, handed_in, ignore=shutil.ignore_patterns("rnn_layers.py"))
    plan = grade.plan(rubric.default(profile, assignment), profile, examples=EXAMPLES)
    grade.grade_one("student", handed_in, plan, AnswerCache(tmp_path / "answers"), tmp_path)
    found = results(tmp_path, "student")
    checks = json.loads((tmp_path / "student" / "checks.json").read_text())
    missing = {c["function"] for c in checks if c["verdict"] == "not_implemented"}
    assert not missing, f"not implemented rows in an {assignment}-only grade: {missing}"
    assert found["score"] == found["max_score"] > 0, [t for t in found["tests"] if not t["score"]]
