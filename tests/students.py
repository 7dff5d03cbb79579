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
import zipfile
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


#: A submission that computes nothing: each function runs the reference on copies of its
#: arguments only to learn the shapes, then returns zeros (or, with KIND "input", an input of
#: the same shape where there is one) in place of every array and 0 for a loss.
_HOLLOW = '''"""Computes nothing: every function returns {kind} in the right shapes."""
import numpy as np

from impl import conv_layers, layers, rnn_layers

KIND = {kind!r}


def _copy(value):
    if isinstance(value, dict):
        return dict(value)
    return value.copy() if isinstance(value, np.ndarray) else value


def _hollow(name):
    real = next(getattr(m, name) for m in (layers, conv_layers, rnn_layers) if hasattr(m, name))

    def function(*args):
        found = real(*map(_copy, args))
        inputs = [a for a in args if isinstance(a, np.ndarray)]

        def empty(value):
            if isinstance(value, np.ndarray):
                same = [a for a in inputs if a.shape == value.shape and a.dtype == value.dtype]
                return same[0].copy() if KIND == "input" and same else np.zeros_like(value)
            return 0.0 if isinstance(value, float) else value  # a cache stays as it is

        return tuple(map(empty, found)) if isinstance(found, tuple) else empty(found)

    return function


for _name in {names!r}:
    globals()[_name] = _hollow(_name)
'''


def hollow_student(folder: Path, kind: str = "zeros") -> Path:
    """`folder`, created, holding a submission that computes nothing (`kind` "zeros" or
    "input") beside a copy of impl; returns `folder`."""
    from layercheck.specs import all_functions

    folder.mkdir(parents=True)
    shutil.copytree(IMPL, folder / "impl", ignore=shutil.ignore_patterns("__pycache__"))
    text = _HOLLOW.format(kind=kind, names=all_functions())
    (folder / "layers.py").write_text(text)
    return folder


#: What a course's assignment folder holds beside the layers: helpers that import packages a
#: grader lacks (six), a Cython build never run, its setup.py, a notebook, datasets' script.
_ASSIGNMENT_EXTRAS = {
    "cs231n/data_utils.py": "from six.moves import cPickle\n\ndef load_CIFAR10(root):\n    pass\n",
    "cs231n/im2col_cython.pyx": "cimport numpy as np\n",
    "cs231n/fast_layers.py": "from cs231n.im2col_cython import col2im_cython, im2col_cython\n",
    "cs231n/layer_utils.py": "from cs231n.fast_layers import *\nfrom cs231n.layers import *\n",
    "cs231n/classifiers/__init__.py": "",
    "cs231n/classifiers/cnn.py": "from cs231n.layer_utils import *\n",
    "cs231n/setup.py": "from Cython.Build import cythonize\n",
    "ConvolutionalNetworks.ipynb": '{"cells": [], "nbformat": 4, "nbformat_minor": 2}\n',
    "cs231n/datasets/get_datasets.sh": "wget http://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz\n",
}


def assignment_folder(course: Path, folder: Path) -> Path:
    """`folder`: a course's unpacked assignment (``assignment2/``) around the layers of
    `course` (``tests/courses/<profile>``), with its other files (`_ASSIGNMENT_EXTRAS`)."""
    shutil.copytree(course, folder)
    for name, text in _ASSIGNMENT_EXTRAS.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def zipped(folder: Path, archive: Path) -> Path:
    """`folder` zipped as an LMS exports a student's upload: its files under its name."""
    with zipfile.ZipFile(archive, "w") as writer:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                writer.write(path, path.relative_to(folder.parent).as_posix())
    return archive
