"""Interrupted runs never look green: `layercheck check` stopped by SIGINT (Ctrl-C) or
SIGTERM (a cancelled CI job) never exits 0 nor writes ``"passed": true``, and an
interrupted `layercheck grade` says in one line that rerunning resumes, then resumes to the
gradebook an uninterrupted run writes."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from students import honest_students

SIGNALS = [signal.SIGINT, signal.SIGTERM]


def start(cwd: Path, *args: str) -> subprocess.Popen:
    command = shutil.which("layercheck")
    assert command, "the layercheck command is not installed (pip install .)"
    return subprocess.Popen(
        [command, *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # as a terminal starts it: a test run in the background inherits SIGINT ignored
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


@pytest.mark.parametrize("after_s", [2.0, 7.0])
@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: s.name)
def test_an_interrupted_check_never_passes(tmp_path, signum, after_s):
    # Long enough that 7 s is mid-run: a check that has already written its report when the
    # signal lands (300 examples took about 7 s once torch left the grading path) passed.
    process = start(tmp_path, "check", "--examples", "2000", "--devices", "cpu", "--out", "out")
    time.sleep(after_s)
    if process.poll() is not None:
        pytest.skip(f"the check finished within {after_s} s")
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode != 0, stderr
    report = tmp_path / "out" / "report.json"
    if report.exists():
        document = json.loads(report.read_text())
        assert document["summary"]["passed"] is False and document["meta"]["incomplete"]
        assert "INCOMPLETE" in (tmp_path / "out" / "report.md").read_text()
    if process.returncode == 130:  # interrupted once layercheck was listening
        assert "Traceback" not in stderr and "interrupted" in stderr, stderr


def results(out: Path) -> list[Path]:
    return sorted(out.glob("*/results.json"))


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: s.name)
def test_an_interrupted_grade_says_so_in_one_line_and_resumes(tmp_path, signum):
    batch = honest_students(tmp_path / "batch")
    for copy in ("dan", "eve", "fay", "gus", "hal"):
        shutil.copytree(batch / "alice", batch / copy)
    options = ("--examples", "4", "--workers", "2", "--seed", "0", "--cache", "answers")
    whole = start(tmp_path, "grade", "batch", "--out", "whole", *options)
    assert whole.wait(timeout=600) == 0, whole.communicate()
    process = start(tmp_path, "grade", "batch", "--out", "out", *options)
    deadline = time.monotonic() + 300
    while len(results(tmp_path / "out")) < 2 and process.poll() is None:
        assert time.monotonic() < deadline, "no results came"
        time.sleep(0.05)
    if process.poll() is not None:
        pytest.skip("the batch was graded before the signal")
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "resume" in lines[0], stderr
    assert len(results(tmp_path / "out")) < 8
    again = start(tmp_path, "grade", "batch", "--out", "out", *options)
    assert again.wait(timeout=600) == 0, again.communicate()
    gradebook = (tmp_path / "out" / "gradebook.csv").read_text()
    assert gradebook == (tmp_path / "whole" / "gradebook.csv").read_text()
