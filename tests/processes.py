"""What runs on this machine, read from /proc: for tests that no process outlived a sandbox,
a submission or a killed grader; and the installed ``layercheck`` command, run as a user
runs it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def run_layercheck(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """The installed ``layercheck`` command with `args`, from `cwd` (text output captured)."""
    command = shutil.which("layercheck")
    assert command, "the layercheck command is not installed (pip install .)"
    return subprocess.run([command, *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def _stat(path: Path) -> list[str] | None:
    """The fields of a /proc/PID/stat after the command: state, ppid, pgrp, ...; None once
    the process is gone."""
    try:
        return path.read_text().rpartition(")")[2].split()
    except OSError:
        return None


def _running() -> dict[int, list[str]]:
    """Every running process (zombies awaiting their reaper excluded) and its stat fields."""
    found = {}
    for path in Path("/proc").glob("[0-9]*/stat"):
        fields = _stat(path)
        if fields is not None and fields[0] != "Z":
            found[int(path.parent.name)] = fields
    return found


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie awaiting its reaper does not)."""
    fields = _stat(Path(f"/proc/{pid}/stat"))
    return fields is not None and fields[0] != "Z"


def running_groups() -> set[int]:
    """The process groups that have a running process."""
    return {int(fields[2]) for fields in _running().values()}


def descendants(pid: int) -> set[int]:
    """Every running process below `pid` (its children, theirs, ...)."""
    parents = {child: int(fields[1]) for child, fields in _running().items()}
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found
