"""Submissions as students hand them in, built from the test fixtures.

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


def student_folder(bug: Path, folder: Path) -> Path:
    """`folder`, created, holding `bug` as layers.py and a copy of impl; returns `folder`."""
    folder.mkdir(parents=True)
    shutil.copytree(IMPL, folder / "impl", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(bug, folder / "layers.py")
    return folder
