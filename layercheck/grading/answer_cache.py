"""The oracle's answers on disk: computed once per case, reused by every submission and run.

One ``.npz`` per case, keyed by everything the answer is computed from: the spec, the case
descriptor (dtype included), a digest of its input arrays, the device, the convention
(``variant``), every source file behind answers (`SOURCES`) and the numpy and torch versions.
A change to any of them computes the answer again: a stale answer would grade wrong.
Sensitivities are computed eagerly, so a cached answer never depends on which submission
asked first. Answering from the cache does not import torch.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from layercheck.core.cases import Case
from layercheck.core.evaluate import Answers, InvalidCase, answer, sensitivity_of
from layercheck.specs import SPEC_FILES, Spec

_HERE = Path(__file__).resolve().parents[1]  # layercheck/
#: The harness's files behind an answer: the specs (cases, inputs), the case machinery, the
#: answer and sensitivity computation, the oracle runner, the tolerance and the dtypes'
#: rounding units; with them, every file of the ``oracle`` package.
_BEHIND = ("cases.py", "evaluate.py", "oracles.py", "tolerance.py", "dtypes.py")
SOURCES = (*sorted((_HERE / "specs").glob("*.py")), *(_HERE / "core" / name for name in _BEHIND))


def source_files() -> list[Path]:
    """`SOURCES`, the files of the ``oracle`` package (found without importing it) and the
    spec files in use."""
    oracle = importlib.util.find_spec("oracle")
    folders = list(oracle.submodule_search_locations or []) if oracle else []
    found = [path for folder in folders for path in sorted(Path(folder).glob("*.py"))]
    return [*SOURCES, *found, *SPEC_FILES]


def sources_digest() -> str:
    """Digest of every `source_files` file, and of the numpy and torch versions (read
    without importing torch)."""
    return _sources_digest(tuple(SPEC_FILES))


@functools.cache
def _sources_digest(spec_files: tuple[Path, ...]) -> str:
    digest = hashlib.sha256()
    for path in source_files():
        # a spec file by its name alone: an autograder's copy of it keys the same answers
        label = path.name if path in spec_files else f"{path.parent.name}/{path.name}"
        digest.update(f"{label}\0".encode() + path.read_bytes())
    digest.update(f"numpy {np.__version__} torch {_torch_version()}".encode())
    return digest.hexdigest()[:16]


def _torch_version() -> str:
    try:
        return importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:  # a build on the path, not installed
        from layercheck.core import oracles

        return oracles.torch_version()


def inputs_digest(args: dict[str, Any]) -> str:
    """Digest of a case's inputs: each array's dtype, shape and bytes; other values' text."""
    digest = hashlib.sha256()

    def add(name: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                add(f"{name}.{key}", item)
        elif isinstance(value, np.ndarray):
            head = f"{name} {value.dtype.str} {value.shape}\0"
            digest.update(head.encode() + np.ascontiguousarray(value).tobytes())
        else:
            digest.update(f"{name} {value!r}\0".encode())

    for name, value in args.items():
        add(name, value)
    return digest.hexdigest()[:16]


class AnswerCache:
    """An oracle (``evaluate.Oracle``) that answers from `folder`, computing what is missing;
    another convention's answers (``variant``, `oracle.conventions`) are kept beside."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._memory: dict[str, Answers | str] = {}
        self._keys: dict[tuple, str] = {}  # (spec, case, device, variant) -> key, this process
        self.hits = self.misses = 0
        self.seconds = 0.0  # spent computing answers

    def key(
        self,
        spec: Spec,
        args: dict[str, Any],
        case: Case,
        device: str,
        variant: str | None = None,
    ) -> str:
        """The file name of the answer to `case`, whose inputs are `args`."""
        short = (spec.name, case.key(), device, variant)
        found = self._keys.get(short)
        if found is None:
            identity = [spec.name, case.describe(), inputs_digest(args), device, variant]
            identity.append(sources_digest())
            text = json.dumps(identity, sort_keys=True)
            found = self._keys[short] = hashlib.sha256(text.encode()).hexdigest()[:32]
        return found

    def __call__(
        self,
        spec: Spec,
        args: dict[str, Any],
        case: Case,
        device: str,
        variant: str | None = None,
    ) -> Answers:
        key = self.key(spec, args, case, device, variant)
        found = self._memory.get(key)
        if found is None:
            found = self._read(key)
        if found is None:
            self.misses += 1
            found = self._compute(spec, args, case, device, variant)
            self._write(key, found)
        else:
            self.hits += 1
        if isinstance(found, Answers):
            found.variant = variant
        self._memory[key] = found
        if isinstance(found, str):
            raise InvalidCase(found)
        return found

    def _compute(
        self, spec: Spec, args: dict[str, Any], case: Case, device: str, variant: str | None
    ):
        started = time.perf_counter()
        try:
            answers = answer(spec, args, case, device, variant)
            sensitivity_of(spec, args, case, answers, spec.returns[0])
            return answers
        except InvalidCase as why:
            return str(why)
        finally:
            self.seconds += time.perf_counter() - started

    def _read(self, key: str) -> Answers | str | None:
        path = self.folder / f"{key}.npz"
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as stored:
                return _unpack(dict(stored))
        except (OSError, ValueError, KeyError):
            return None  # a damaged entry is recomputed

    def _write(self, key: str, found: Answers | str) -> None:
        arrays = {"invalid": np.array(found)} if isinstance(found, str) else _pack(found)
        handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".npz")
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **arrays)
        os.replace(temporary, self.folder / f"{key}.npz")


def _pack(answers: Answers) -> dict[str, np.ndarray]:
    arrays = {f"truth/{q}": v for q, v in answers.truth.items()}
    arrays.update({f"peer/{q}": v for q, v in answers.peer.items()})
    arrays.update({f"sensitivity/{q}": np.array(v) for q, v in answers.sensitivity.items()})
    return arrays


def _unpack(stored: dict[str, np.ndarray]) -> Answers | str:
    if "invalid" in stored:
        return str(stored["invalid"])
    parts: dict[str, dict[str, Any]] = {"truth": {}, "peer": {}, "sensitivity": {}}
    for name, value in stored.items():
        part, _, quantity = name.partition("/")
        parts[part][quantity] = float(value) if part == "sensitivity" else value
    return Answers(parts["truth"], parts["peer"], parts["sensitivity"])
