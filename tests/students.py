"""Submissions as students hand them in, built from the test fixtures.

Three honest students: alice (correct, loop style, unlike impl), bob (alice's code with one
wrong gradient, db averaged over the batch) and carol (the starter's stubs).

A planted bug (``tests/bugs``) is written on top of the reference: ``from impl.layers import
*`` and its own wrong function. A sandboxed submission reads only its own folder, so the
student's copy carries `impl` with it: the bug as ``layers.py`` (searched first, so its own
definitions win) beside a copy of the ``impl`` package.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import impl

IMPL = Path(impl.__file__).parent
HERE = Path(__file__).parent
LOOPS = HERE / "alternatives" / "loops"
STARTER = HERE / "submissions" / "starter" / "layers.py"


def honest_students(folder: Path) -> Path:
    """`folder`, created, holding alice/, bob/ and carol.py; returns `folder`."""
    shutil.copytree(LOOPS, folder / "alice")
    shutil.copytree(LOOPS, folder / "bob")
    layers = folder / "bob" / "layers.py"
    layers.write_text(layers.read_text().replace("db += dout[i]\n", "db += dout[i] / N\n"))
    shutil.copy(STARTER, folder / "carol.py")
    return folder


def student_folder(bug: Path, folder: Path) -> Path:
    """`folder`, created, holding `bug` as layers.py and a copy of impl; returns `folder`."""
    folder.mkdir(parents=True)
    shutil.copytree(IMPL, folder / "impl", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(bug, folder / "layers.py")
    return folder
