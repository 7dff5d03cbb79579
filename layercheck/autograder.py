"""Gradescope: the autograder zip, and the mode that runs inside it.

The zip holds ``setup.sh`` (installs the CPU build of the torch this zip was built with, then
layercheck from the sources in the zip), ``run_autograder``, the rubric, and the oracle's
answers to every case of the plan, computed at build time, so grading a submission on
Gradescope runs no oracle. Inside, ``layercheck autograder run`` grades
``/autograder/submission`` and writes ``/autograder/results/results.json``.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from layercheck import __version__, grade, reference
from layercheck.answer_cache import AnswerCache
from layercheck.rubric import Rubric
from layercheck.specs import PROFILES

PACKAGES = ("layercheck", "impl", "oracle")
#: layercheck's files besides its modules (the report's schema, the HTML template), as the
#: project's pyproject.toml lists them.
PACKAGE_DATA = ["*.json", "templates/*.html"]

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
exec layercheck autograder run --profile {course} --dropout-p {dropout_p}{rubric}
"""


def build(
    zip_path: Path,
    rubric: Rubric,
    rubric_path: Path | None,
    profile: str,
    assignment: str | None = None,
) -> None:
    """Write the autograder zip for `rubric` (read from `rubric_path`, or the profile's
    default, of `assignment` when given, when None) and `profile`."""
    torch = reference.torch_version().split("+")[0]
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch)
        seed = grade.secret_seed(source / "answers" / grade.SEED_FILE)  # drawn for this build
        plan = grade.plan(rubric, profile, seed=seed)
        grade.prepare(plan, AnswerCache(source / "answers"))
        (source / "setup.sh").write_text(_SETUP.format(torch=torch, numpy=np.__version__))
        rubric_option = f" --assignment {assignment}" if assignment is not None else ""
        if rubric_path is not None:
            shutil.copy(rubric_path, source / "rubric.toml")
            rubric_option = " --rubric rubric.toml"
        conventions = PROFILES[profile]
        (source / "run_autograder").write_text(
            _RUN.format(
                course=conventions.course, dropout_p=conventions.dropout_p, rubric=rubric_option
            )
        )
        _copy_sources(source / "layercheck_src")
        zip_path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(source.rglob("*")):
                if path.is_file():
                    info = zipfile.ZipInfo.from_file(path, path.relative_to(source).as_posix())
                    if path.name in ("setup.sh", "run_autograder"):
                        info.external_attr = 0o755 << 16
                    archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)


def run(root: Path, rubric: Rubric, profile: str) -> int:
    """Grade ``root/submission`` into ``root/results/results.json`` (Gradescope's layout),
    with the answers and the build's secret seed shipped in ``root/source/answers`` (which
    the submission cannot read)."""
    answers = root / "source" / "answers"
    plan = grade.plan(rubric, profile, seed=int((answers / grade.SEED_FILE).read_text()))
    cache = AnswerCache(answers)
    with tempfile.TemporaryDirectory() as scratch:
        grade.grade_one("submission", root / "submission", plan, cache, Path(scratch))
        (root / "results").mkdir(parents=True, exist_ok=True)
        shutil.copy(Path(scratch) / "submission" / "results.json", root / "results")
    return 0


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
