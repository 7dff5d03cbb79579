"""Load on `layercheck grade` from a large, partly hostile batch, measured, never asserted.

Generates a batch of submissions as an unpacked LMS export (grade_speed's mix of correct,
buggy, starter and broken ones), every tenth replaced by a hostile one (it exits, kills or
segfaults its process, hangs, forks, floods its output, asks for a terabyte, imports torch,
returns an object array, ...), and grades it with the installed `layercheck grade` exactly as
a user would: the default rubric and profile, 2 workers, a fresh oracle cache. While it runs,
the grader's process tree is sampled from /proc every 0.2 s: peak resident memory of the
whole tree, of the grader itself and of any one process, and the peak number of processes.
Then: wall time, submissions per second, results written (and which are missing), seconds
per submission, what became of each hostile submission, and any process of the tree still
alive. Two batch sizes are graded, to show whether memory grows with the batch.

Usage: python benchmarks/grade_load.py [--submissions N] [--also N2] [--results DIR]
Writes DIR/grade_load.json and .md (DIR: benchmarks/results by default).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).parent))
from grade_speed import make_batch  # noqa: E402
from saving import RESULTS, save  # noqa: E402

WORKERS = 2
#: Seconds between two samples of the process tree.
INTERVAL = 0.2
#: Seconds after the grader exits before a process of its tree counts as left behind.
GRACE_S = 5.0
#: Which submission of every ten is replaced by a hostile one (grade_speed's planted bugs).
HOSTILE_SHARE = 5
#: A correct fully connected forward, which every hostile submission also defines.
_AFFINE = """import numpy as np


def affine_forward(x, w, b):
    return x.reshape(x.shape[0], -1) @ w + b, (x, w, b)
"""


def _relu_that(line: str) -> str:
    """A submission whose relu_forward runs `line`, then answers correctly."""
    return f"{_AFFINE}\n\ndef relu_forward(x):\n    {line}\n    return np.maximum(x, 0), x\n"


#: Single-file submissions that attack the grader, by kind; drawn round-robin.
HOSTILE = {
    "sys_exit_at_import": "import sys\n\nsys.exit(0)\n" + _AFFINE,
    "os_exit_in_call": "import os\n" + _relu_that("os._exit(0)"),
    "segfault_in_call": "import ctypes\n" + _relu_that("ctypes.string_at(0)"),
    "keyboard_interrupt_in_call": _relu_that("raise KeyboardInterrupt"),
    "memory_bomb_at_import": _AFFINE + "\nBOMB = bytearray(1 << 40)\n",
    "infinite_loop_in_call": _relu_that("while True: pass"),
    "torch_at_import": "import torch\n" + _AFFINE,
    "fork_in_call": "import os\n" + _relu_that("os.fork()"),
    "stdout_flood_in_call": "import sys\n" + _relu_that('sys.stdout.write("x" * 100_000_000)'),
    "object_array": _AFFINE
    + "\n\ndef relu_forward(x):\n    return np.maximum(x, 0).astype(object), x\n",
}


class Proc(NamedTuple):
    """What the load needs of /proc/PID/stat."""

    ppid: int
    group: int
    session: int
    start: int  # clock ticks after boot: with the pid, names a process across pid reuse
    state: str


def make_load_batch(folder: Path, count: int) -> dict[str, str]:
    """grade_speed's batch of `count` submissions in `folder`, every tenth (a planted bug)
    replaced by a hostile one. Returns each submission's kind, by name."""
    kinds = make_batch(folder, count)
    hostile = list(HOSTILE)
    for i in range(HOSTILE_SHARE, count, 10):
        name = f"student{i:04d}"
        kinds[name] = hostile[(i // 10) % len(hostile)]
        shutil.rmtree(folder / name, ignore_errors=True)  # a planted bug's student folder
        (folder / name).with_suffix(".py").write_text(HOSTILE[kinds[name]])
    return kinds


def processes() -> dict[int, Proc]:
    """Every process on the machine, by pid, read from /proc."""
    table = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            found = _stat(int(entry.name))
            if found is not None:
                table[int(entry.name)] = found
    return table


def _stat(pid: int) -> Proc | None:
    """Process `pid`'s parent, group, session, start time and state; None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return Proc(int(fields[1]), int(fields[2]), int(fields[3]), int(fields[19]), fields[0])


def tree(root: int, table: dict[int, Proc]) -> list[int]:
    """`root` and all its descendants in `table`, by parent links (sandboxed children start
    sessions of their own but keep their parent)."""
    children: dict[int, list[int]] = {}
    for pid, proc in table.items():
        children.setdefault(proc.ppid, []).append(pid)
    found, todo = [], [root] if root in table else []
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def cpu_ticks(pid: int) -> int | None:
    """Process `pid`'s own CPU time (user + system) in clock ticks; None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[11]) + int(fields[12])


def memory_mb(pid: int, field: str = "VmRSS:", source: str = "status") -> float:
    """Process `pid`'s `field` of /proc/PID/`source` in MB: resident memory (VmRSS), or its
    proportional share (Pss: of smaps_rollup; forked workers share most of the grader's
    pages, so a sum of Pss is what the tree really holds); 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/{source}").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def watch(process: subprocess.Popen, out: Path, started: float, timeout: float) -> dict:
    """Sample `process`'s tree every INTERVAL seconds until it ends (killed after `timeout`
    seconds): peak memory and process count, every process seen (pid: start time), and
    when the first results.json appeared in `out`."""
    peak = {"tree_mb": 0.0, "tree_pss_mb": 0.0, "grader_mb": 0.0, "single_mb": 0.0}
    peak["own_pss_mb"] = 0.0  # the grader and its workers, not the sandboxed children
    peak["processes"] = 0
    seen: dict[int, int] = {}
    own_ticks: dict[int, int] = {}  # CPU ticks of the grader and its workers, as last seen
    first_result_s, samples, timed_out = None, 0, False
    while process.poll() is None:
        table = processes()
        pids = tree(process.pid, table)
        rss = {pid: memory_mb(pid) for pid in pids}
        pss = {pid: memory_mb(pid, "Pss:", "smaps_rollup") for pid in pids}
        own = [pid for pid in pids if pid == process.pid or table[pid].ppid == process.pid]
        own_ticks.update({pid: ticks for pid in own if (ticks := cpu_ticks(pid)) is not None})
        seen.update({pid: table[pid].start for pid in pids})
        samples += 1
        peak["tree_mb"] = max(peak["tree_mb"], sum(rss.values()))
        peak["tree_pss_mb"] = max(peak["tree_pss_mb"], sum(pss.values()))
        peak["own_pss_mb"] = max(peak["own_pss_mb"], sum(pss[pid] for pid in own))
        peak["grader_mb"] = max(peak["grader_mb"], rss.get(process.pid, 0.0))
        peak["single_mb"] = max(peak["single_mb"], *rss.values(), 0.0)
        peak["processes"] = max(peak["processes"], len(pids))
        if first_result_s is None and next(out.glob("*/results.json"), None) is not None:
            first_result_s = round(time.perf_counter() - started, 2)
        if time.perf_counter() - started > timeout:
            timed_out = True
            for pid in pids:
                kill(pid, seen[pid])
            process.wait()
        time.sleep(INTERVAL)
    return {
        "peak": {key: round(value, 1) for key, value in peak.items()},
        "own_cpu_s": round(sum(own_ticks.values()) / os.sysconf("SC_CLK_TCK"), 2),
        "samples": samples,
        "seen": seen,
        "first_result_s": first_result_s,
        "timed_out": timed_out,
    }


def survivors(seen: dict[int, int], since: int) -> list[dict]:
    """Processes alive now that were seen in the tree, or that were started after `since`
    in a process group or session that one of them led (a sandbox's own, forks included)."""
    left = []
    for pid, proc in processes().items():
        member = proc.group in seen or proc.session in seen
        if pid != os.getpid() and (seen.get(pid) == proc.start or (member and proc.start >= since)):
            left.append(
                {"pid": pid, "start": proc.start, "state": proc.state, "command": _command(pid)}
            )
    return left


def _command(pid: int) -> str:
    """Process `pid`'s command line, shortened."""
    try:
        text = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
    return text.strip()[:200]


def kill(pid: int, start: int) -> None:
    """SIGKILL process `pid` if it is still the process that started at `start`."""
    found = _stat(pid)
    if found is not None and found.start == start:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def submission(folder: Path) -> dict | None:
    """One graded submission: its seconds (run.json's), score, and why
    it lost points when it did (the output's first line when it was not loaded, else the
    first check that raised, or else failed); None without results.json."""
    try:
        results = json.loads((folder / "results.json").read_text())
    except (OSError, ValueError):
        return None
    seconds = json.loads((folder / "run.json").read_text())["seconds"]
    checks = json.loads((folder / "checks.json").read_text())
    lost = sorted(
        (c for c in checks if c["verdict"] in ("error", "fail")), key=lambda c: c["verdict"]
    )
    if not checks:
        reason = results["output"].partition("\n")[0]
    else:
        reason = f"{lost[0]['function']} {lost[0]['verdict']}: {lost[0]['message']}" if lost else ""
    return {
        "seconds": seconds,
        "score": f"{results['score']:g} / {results['max_score']:g}",
        "reason": reason[:160],
    }


def distribution(seconds: dict[str, float], kinds: dict[str, str]) -> dict:
    """Median, 90th percentile (nearest rank) and maximum of per-submission seconds, and
    the five slowest submissions with their kinds."""
    ordered = sorted(seconds.values())
    if not ordered:
        return {}
    slowest = sorted(seconds, key=seconds.get, reverse=True)[:5]
    return {
        "median_s": round(statistics.median(ordered), 2),
        "p90_s": round(ordered[math.ceil(0.9 * len(ordered)) - 1], 2),
        "max_s": round(ordered[-1], 2),
        "slowest": [
            {"name": name, "kind": kinds[name], "seconds": round(seconds[name], 2)}
            for name in slowest
        ],
    }


def grade_batch(count: int, folder: Path, timeout: float) -> dict:
    """Generate and grade a batch of `count` in `folder` with the CLI; everything measured."""
    kinds = make_load_batch(folder / "export", count)
    out, cache = folder / "graded", folder / "answers"
    command = [
        *(shutil.which("layercheck"), "grade", str(folder / "export"), "--out", str(out)),
        *("--workers", str(WORKERS), "--cache", str(cache)),
    ]
    log = folder / "grader.log"
    with log.open("wb") as sink:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
        watched = watch(process, out, started, timeout)
        wall = time.perf_counter() - started
    seen = watched.pop("seen")
    since = min(seen.values(), default=0)
    at_exit = survivors(seen, since)
    time.sleep(GRACE_S)
    left = survivors(seen, since)
    for proc in left:
        kill(proc["pid"], proc["start"])
    graded = {name: submission(out / name) for name in kinds}
    written = {name: found for name, found in graded.items() if found is not None}
    return {
        "submissions": count,
        "kinds": dict(Counter(kinds.values())),
        "exit_code": process.returncode,
        "timed_out": watched.pop("timed_out"),
        "wall_s": round(wall, 2),
        "per_second": round(count / wall, 2),
        "first_result_s": watched.pop("first_result_s"),
        "oracle_cache_entries": len(list(cache.glob("*.npz"))),
        "results_written": len(written),
        "missing": sorted(set(kinds) - set(written)),
        "seconds": distribution({n: r["seconds"] for n, r in written.items()}, kinds),
        "hostile": [
            {"name": name, "kind": kind, **(graded[name] or {"score": "no results.json"})}
            for name, kind in kinds.items()
            if kind in HOSTILE
        ],
        **watched,
        "largest_descendant_so_far_mb": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
        ),
        "processes_seen": len(seen),
        "left_at_exit": at_exit,
        "left_after_grace": left,
        "grader_output_tail": log.read_text(errors="replace").splitlines()[-8:],
    }


def machine() -> dict:
    """Where the figures come from."""
    versions = {}
    for package in ("numpy", "torch", "layercheck"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        **versions,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=500)
    parser.add_argument("--also", type=int, default=100, help="a second batch size; 0: none")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--timeout", type=float, default=7200, help="seconds per batch")
    options = parser.parse_args()
    sizes = [n for n in (options.also, options.submissions) if n > 0]
    runs = []
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as scratch:
        for count in sizes:
            runs.append(grade_batch(count, Path(scratch) / f"batch{count}", options.timeout))
    result = {"machine": machine(), "workers": WORKERS, "interval_s": INTERVAL, "runs": runs}
    save("grade_load", result, render(result), options.results)


def render(result: dict) -> str:
    m = result["machine"]
    lines = [
        "# layercheck grade: load",
        "",
        f"Machine: {m['cpu_count']} cores, Python {m['python']}, numpy {m['numpy']}, torch "
        f"{m['torch']}, {m['platform']}. `layercheck grade` with the default rubric and "
        f"profile, {result['workers']} workers, a fresh oracle cache per batch; its process "
        f"tree sampled every {result['interval_s']} s. Reproduce: "
        "`python benchmarks/grade_load.py`.",
        "",
        "| measure | "
        + " | ".join(f"{r['submissions']} submissions" for r in result["runs"])
        + " |",
        "|---|" + "---|" * len(result["runs"]),
    ]
    rows = {
        "mix": lambda r: ", ".join(f"{n} {k}" for k, n in r["kinds"].items() if k not in HOSTILE),
        "hostile": lambda r: str(sum(n for k, n in r["kinds"].items() if k in HOSTILE)),
        "exit code": lambda r: f"{r['exit_code']}" + (" (timed out)" if r["timed_out"] else ""),
        "wall": lambda r: f"{r['wall_s']} s",
        "submissions per second": lambda r: str(r["per_second"]),
        "first result after (oracle answers computed)": lambda r: f"{r['first_result_s']} s",
        "oracle cache entries written": lambda r: str(r["oracle_cache_entries"]),
        "results.json written": lambda r: f"{r['results_written']} of {r['submissions']}",
        "per submission: median / p90 / max": lambda r: " / ".join(
            f"{r['seconds'].get(key, '-')} s" for key in ("median_s", "p90_s", "max_s")
        ),
        "peak RSS, whole tree (shared pages counted per process)": lambda r: (
            f"{r['peak']['tree_mb']} MB"
        ),
        "peak PSS, whole tree (shared pages split)": lambda r: f"{r['peak']['tree_pss_mb']} MB",
        "peak PSS, grader and its workers": lambda r: f"{r['peak'].get('own_pss_mb', '-')} MB",
        "peak RSS, grader process": lambda r: f"{r['peak']['grader_mb']} MB",
        "peak RSS, any one process": lambda r: f"{r['peak']['single_mb']} MB",
        "largest descendant (getrusage, cumulative)": lambda r: (
            f"{r['largest_descendant_so_far_mb']} MB"
        ),
        "peak processes in the tree": lambda r: str(r["peak"]["processes"]),
        "processes left at exit / after 5 s": lambda r: (
            f"{len(r['left_at_exit'])} / {len(r['left_after_grace'])}"
        ),
    }
    for label, cell in rows.items():
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in result["runs"]) + " |")
    largest = result["runs"][-1]
    lines += [
        "",
        f"Slowest of {largest['submissions']}: "
        + ", ".join(
            f"{s['name']} ({s['kind']}, {s['seconds']} s)"
            for s in largest["seconds"].get("slowest", [])
        )
        + ".",
    ]
    if largest["missing"]:
        lines.append(f"Missing results.json: {', '.join(largest['missing'])}.")
    for proc in largest["left_after_grace"]:
        lines.append(f"Left alive: pid {proc['pid']} ({proc['state']}) `{proc['command']}`.")
    lines += [
        "",
        f"Hostile submissions of the {largest['submissions']}:",
        "",
        "| name | kind | seconds | score | why |",
        "|---|---|---|---|---|",
    ]
    for h in largest["hostile"]:
        reason = h.get("reason", "").replace("|", "\\|")
        lines.append(
            f"| {h['name']} | {h['kind']} | {h.get('seconds', '-')} | {h['score']} | {reason} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
