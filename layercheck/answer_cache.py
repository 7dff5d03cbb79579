"""The oracle's answers on disk: computed once per case, reused by every submission and run.

One ``.npz`` per case, keyed by the spec's version (a digest of the source that defines its
cases, its oracle and how answers are computed), the case descriptor (dtype included), the
device and the torch version. Sensitivities are computed eagerly, so a cached answer never
depends on which submission asked first.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from layercheck import cases, evaluate, reference
from layercheck.cases import Case
from layercheck.evaluate import Answers, InvalidCase, answer, sensitivity_of
from layercheck.specs import REGISTRY, Spec


def spec_version(spec: Spec) -> str:
    """Digest of the source behind `spec`'s answers: its section of the registry, its
    oracle, case generation and the answer computation itself."""
    return _version(spec.name)


@functools.cache
def _version(name: str) -> str:
    spec = REGISTRY[name]
    oracle = reference.ORACLES[spec.forward]
    modules = {
        sys.modules[spec.inputs.__module__],
        sys.modules[oracle.__module__],
        cases,
        evaluate,
        reference,
    }
    sources = sorted(inspect.getsource(module) for module in modules)
    return hashlib.sha256("\n".join(sources).encode()).hexdigest()[:16]


class AnswerCache:
    """An oracle (``evaluate.Oracle``) that answers from `folder`, computing what is missing;
    another convention's answers (``variant``, `oracle.conventions`) are kept beside."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._memory: dict[str, Answers | str] = {}
        self.hits = self.misses = 0
        self.seconds = 0.0  # spent computing answers

    def key(self, spec: Spec, case: Case, device: str, variant: str | None = None) -> str:
        identity = [spec.name, spec_version(spec), case.describe(), device]
        identity += [reference.torch_version(), *([variant] if variant else [])]
        descriptor = json.dumps(identity, sort_keys=True)
        return hashlib.sha256(descriptor.encode()).hexdigest()[:32]

    def __call__(
        self,
        spec: Spec,
        args: dict[str, Any],
        case: Case,
        device: str,
        variant: str | None = None,
    ) -> Answers:
        key = self.key(spec, case, device, variant)
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
