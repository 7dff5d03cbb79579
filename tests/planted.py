"""Planted bugs: one file per bug, declaring ``BREAKS`` ((function, quantity) -> the dtypes
in which that check must fail) and optionally ``VERDICT`` ("error" for a bug that raises)
and ``EXAMPLES``; what a run of checks shows against that declaration."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from layercheck.core.verdicts import PASS, SKIPPED, Check
from layercheck.specs import Spec, spec_of


def load(bug: Path) -> ModuleType:
    """The bug's file, imported as a module of its own."""
    found = importlib.util.spec_from_file_location(f"planted_{bug.stem}", bug)
    module = importlib.util.module_from_spec(found)
    found.loader.exec_module(module)
    return module


def specs_of(breaks: dict[tuple[str, str], tuple[str, ...]]) -> list[Spec]:
    """The specs of the functions a bug breaks, each once."""
    return list({spec_of(function).name: spec_of(function) for function, _ in breaks}.values())


def against(
    checks: list[Check], breaks: dict[tuple[str, str], tuple[str, ...]]
) -> tuple[dict[tuple[str, str, str], Check], set, dict]:
    """The checks not passing, by (function, quantity, dtype) (a skipped one passes: an
    edge-tier row that met no case of its tier); the declared failures missing among them;
    and the failures beyond the declaration, with their messages."""
    expected = {(f, q, dtype) for (f, q), dtypes in breaks.items() for dtype in dtypes}
    found = {
        (c.function, c.quantity, c.dtype): c for c in checks if c.verdict not in (PASS, SKIPPED)
    }
    extra = {key: found[key].message for key in set(found) - expected}
    return found, expected - set(found), extra
