"""Autograders of learning-management systems: what `build` writes for each, and the mode
that runs inside it (`run`).

- **Gradescope**: a zip holding ``setup.sh`` (installs the CPU build of the torch this zip
  was built with, its numpy, then layercheck from the sources in the zip), ``run_autograder``,
  the rubric and the oracle's answers. Inside, ``layercheck autograder run`` grades
  ``/autograder/submission`` into ``/autograder/results/results.json``.
- **PrairieLearn** (external grading): a folder holding the grader image's ``Dockerfile``
  (torch's CPU wheel, numpy, layercheck from ``layercheck_src``), ``serverFilesCourse/
  layercheck/`` (``run.sh``, the entrypoint; the rubric; the answers) to copy into the course,
  and ``info.json``, the question's ``externalGradingOptions``. Inside,
  ``layercheck autograder run --target prairielearn`` grades ``/grade/student`` into
  ``/grade/results/results.json``, PrairieLearn's format.

Both ship the answers to every case of the plan, computed at build time with a secret seed
drawn for the build, so grading a submission runs no oracle and never imports torch; the
submission runs sandboxed as everywhere (README: threat model).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from layercheck import __version__
from layercheck.core import oracles
from layercheck.grading import grade
from layercheck.grading.answer_cache import AnswerCache
from layercheck.grading.rubric import Rubric
from layercheck.specs import PROFILES, SPEC_FILES

TARGETS = ("gradescope", "prairielearn")
PACKAGES = ("layercheck", "impl", "oracle")
#: layercheck's files besides its modules (the report's schema, the HTML template), as the
#: project's pyproject.toml lists them.
PACKAGE_DATA = ["reports/*.json", "reports/templates/*.html"]

_SETUP = """#!/usr/bin/env bash
# Gradescope runs this once when it builds the image (Python 3.11 or newer is needed).
set -euo pipefail
cd /autograder/source
python3 -m pip install --upgrade pip
python3 -m pip install torch=={torch} --index-url https://download.pytorch.org/whl/cpu
python3 -m pip install numpy=={numpy} ./layercheck_src  # the answers are keyed on both versions
"""

_RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission.
cd /autograder/source
exec layercheck autograder run --profile {course} --dropout-p {dropout_p}{options}
"""

_DOCKERFILE = """# The PrairieLearn external grader's image: docker build -t ORG/layercheck-grader .
FROM python:3.11-slim
RUN python3 -m pip install --no-cache-dir torch=={torch} \\
        --index-url https://download.pytorch.org/whl/cpu \\
    && python3 -m pip install --no-cache-dir numpy=={numpy}
COPY layercheck_src /opt/layercheck_src
RUN python3 -m pip install --no-cache-dir /opt/layercheck_src && rm -rf /opt/layercheck_src
"""

_PL_RUN = """#!/usr/bin/env bash
# PrairieLearn's entrypoint for every submission (info.json: externalGradingOptions).
cd /grade/serverFilesCourse/layercheck
exec layercheck autograder run --target prairielearn --root /grade \\
    --profile {course} --dropout-p {dropout_p}{options}
"""

#: Where a PrairieLearn course keeps the grader's files, under serverFilesCourse.
PL_FOLDER = "layercheck"


def build(
    out: Path,
    rubric: Rubric,
    rubric_path: Path | None,
    profile: str,
    assignment: str | None = None,
    target: str = "gradescope",
) -> None:
    """Write `target`'s autograder to `out` (Gradescope: a zip; PrairieLearn: a folder) for
    `rubric` (read from `rubric_path`, or the profile's default, of `assignment` when given,
    when None) and `profile`."""
    versions = {"torch": oracles.torch_version().split("+")[0], "numpy": np.__version__}
    conventions = PROFILES[profile]
    options = f" --assignment {assignment}" if assignment is not None else ""
    options += " --rubric rubric.toml" if rubric_path is not None else ""
    options += "".join(f" --specs specs/{path.name}" for path in SPEC_FILES)
    command = {"course": conventions.course, "dropout_p": conventions.dropout_p}
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch)
        grader = source if target == "gradescope" else source / "serverFilesCourse" / PL_FOLDER
        seed = grade.secret_seed(grader / "answers" / grade.SEED_FILE)  # drawn for this build
        plan = grade.plan(rubric, profile, seed=seed)
        grade.prepare(plan, AnswerCache(grader / "answers"))
        if rubric_path is not None:
            shutil.copy(rubric_path, grader / "rubric.toml")
        for path in SPEC_FILES:  # the layers a spec file declares, graded inside too
            (grader / "specs").mkdir(exist_ok=True)
            shutil.copy(path, grader / "specs" / path.name)
        _copy_sources(source / "layercheck_src")
        if target == "gradescope":
            _executable(source / "setup.sh", _SETUP.format(**versions))
            _executable(source / "run_autograder", _RUN.format(**command, options=options))
            _zip(source, out)
            return
        (source / "Dockerfile").write_text(_DOCKERFILE.format(**versions))
        _executable(grader / "run.sh", _PL_RUN.format(**command, options=options))
        external = {
            "gradingMethod": "External",
            "externalGradingOptions": {
                "enabled": True,
                "image": "ORG/layercheck-grader",
                "serverFilesCourse": [f"{PL_FOLDER}/"],
                "entrypoint": f"/grade/serverFilesCourse/{PL_FOLDER}/run.sh",
                "timeout": 600,
            },
        }
        (source / "info.json").write_text(json.dumps(external, indent=2) + "\n")
        shutil.copytree(source, out, dirs_exist_ok=True)


def run(root: Path, rubric: Rubric, profile: str, target: str = "gradescope") -> int:
    """Grade the submission of `target`'s layout under `root` into its results file, with
    the answers and the build's secret seed shipped beside the grader (which the submission
    cannot read): Gradescope's ``root/submission`` into ``root/results/results.json``;
    PrairieLearn's ``root/student`` into ``root/results/results.json``, its format."""
    if target == "gradescope":
        answers, submission = root / "source" / "answers", root / "submission"
    else:
        answers = root / "serverFilesCourse" / PL_FOLDER / "answers"
        submission = root / "student"
    plan = grade.plan(rubric, profile, seed=int((answers / grade.SEED_FILE).read_text()))
    with tempfile.TemporaryDirectory() as scratch:
        grade.grade_one("submission", submission, plan, AnswerCache(answers), Path(scratch))
        results = json.loads((Path(scratch) / "submission" / "results.json").read_text())
    (root / "results").mkdir(parents=True, exist_ok=True)
    if target == "prairielearn":
        results = prairielearn_results(results)
    (root / "results" / "results.json").write_text(json.dumps(results, indent=1))
    return 0


def prairielearn_results(gradescope: dict[str, Any]) -> dict[str, Any]:
    """Gradescope's results.json as PrairieLearn's: the score a fraction of the maximum,
    one test per rubric item (a hidden item's output withheld, as Gradescope withholds it)."""
    most = gradescope["max_score"]
    return {
        "gradable": True,
        "score": gradescope["score"] / most if most else 0.0,
        "message": gradescope["output"].splitlines()[0] if gradescope["output"] else "",
        "output": gradescope["output"],
        "tests": [
            {
                "name": test["name"],
                "points": test["score"],
                "max_points": test["max_score"],
                "output": test["output"] if test["visibility"] != "hidden" else "",
            }
            for test in gradescope["tests"]
        ],
    }


def _executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)


def _zip(source: Path, archive: Path) -> None:
    archive.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as writer:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo.from_file(path, path.relative_to(source).as_posix())
                if path.name in ("setup.sh", "run_autograder"):
                    info.external_attr = 0o755 << 16
                writer.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)


def _copy_sources(target: Path) -> None:
    """layercheck, impl and oracle as installed, with a pyproject.toml to install them."""
    for package in PACKAGES:
        origin = Path(importlib.import_module(package).__file__).parent
        shutil.copytree(origin, target / package, ignore=shutil.ignore_patterns("__pycache__"))
    requirements = [
        requirement
        for requirement in importlib.metadata.requires("layercheck") or []
        if "extra ==" not in requirement
    ]
    (target / "pyproject.toml").write_text(
        "[build-system]\n"
        'requires = ["setuptools>=61"]\n'
        'build-backend = "setuptools.build_meta"\n\n'
        "[project]\n"
        'name = "layercheck"\n'
        f'version = "{__version__}"\n'
        'requires-python = ">=3.11"\n'
        f"dependencies = {requirements!r}\n\n"
        "[project.scripts]\n"
        'layercheck = "layercheck.cli:main"\n\n'
        "[tool.setuptools.package-data]\n"
        f"layercheck = {PACKAGE_DATA!r}\n\n"
        "[tool.setuptools.packages.find]\n"
        'include = ["layercheck*", "impl*", "oracle*"]\n'
    )
