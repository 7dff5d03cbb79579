"""Memory and completeness of `layercheck grade` on the whole hostile corpus beside honest
submissions, measured, never asserted.

Writes every entry of ``tests/hostile`` on its base (as ``tests/test_hostile.py`` does) beside
the honest alice, bob and carol, grades the batch with the installed `layercheck grade` (the
corpus test's rubric and limits, 2 workers, a fresh answer cache), and samples the grader's
process tree from /proc every 0.2 s (`grade_load.watch`). Reports the grader's own peak
memory (the grader and its pool workers; the sandboxed children apart), whether every
submission got results.json and the gradebook a row, processes and scratch folders left,
and the isolation each submission's results.json records.

Usage: [LAYERCHECK_BUBBLEWRAP=off] python benchmarks/grade_hostile.py [--results DIR]
Writes DIR/grade_hostile.json and .md (grade_hostile_inner_layer_only with bubblewrap
switched off; DIR: benchmarks/results by default).
"""

from __future__ import annotations

import argparse
import csv
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]
from grade_load import GRACE_S, kill, machine, survivors, watch  # noqa: E402
from saving import RESULTS, save  # noqa: E402
from test_hostile import EXPECTED, grade_command, hostile, write_rubric  # noqa: E402

from students import honest_students  # noqa: E402


def grade(root: Path) -> dict:
    """Grade the corpus beside the honest submissions under `root`; everything measured."""
    write_rubric(root)
    batch, out = honest_students(root / "batch"), root / "out"
    for name in EXPECTED:
        (batch / f"{name}.py").write_text(hostile(name, root, batch, out))
    names = [*EXPECTED, "alice", "bob", "carol"]
    scratch_before = set(glob.glob(os.path.join(tempfile.gettempdir(), "layercheck-sandbox-*")))
    command = [shutil.which("layercheck"), *grade_command(batch, out, root)]
    env = {**os.environ, "LAYERCHECK_TEST_SECRET": "s3cret"}
    with (root / "grader.log").open("wb") as sink:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env)
        watched = watch(process, out, started, timeout=1800)
        wall = time.perf_counter() - started
    seen = watched.pop("seen")
    time.sleep(GRACE_S)
    left = survivors(seen, min(seen.values(), default=0))
    for proc in left:
        kill(proc["pid"], proc["start"])
    with open(out / "gradebook.csv", newline="") as file:
        rows = {row["submission"] for row in csv.DictReader(file)}
    isolation = Counter()
    for name in names:
        try:
            found = json.loads((out / name / "results.json").read_text())
        except OSError:
            continue
        applied = found["extra_data"]["isolation"]
        isolation[", ".join(sorted(key for key, on in applied.items() if on))] += 1
    scratch_left = set(glob.glob(os.path.join(tempfile.gettempdir(), "layercheck-sandbox-*")))
    return {
        "submissions": len(names),
        "hostile": len(EXPECTED),
        "exit_code": process.returncode,
        "wall_s": round(wall, 2),
        "results_written": sum((out / name / "results.json").exists() for name in names),
        "gradebook_rows": len(rows & set(names)),
        "peak": watched["peak"],
        "timed_out": watched["timed_out"],
        "processes_left": left,
        "scratch_left": sorted(scratch_left - scratch_before),
        "isolation": dict(isolation),
    }


def render(result: dict) -> str:
    m, r = result["machine"], result["run"]
    peak = r["peak"]
    lines = [
        "# layercheck grade: the hostile corpus beside honest submissions",
        "",
        f"Machine: {m['cpu_count']} cores, Python {m['python']}, numpy {m['numpy']}, torch "
        f"{m['torch']}, {m['platform']}. Every entry of tests/hostile on its base, beside "
        "alice, bob and carol, graded by the installed `layercheck grade` with the corpus "
        "test's rubric and limits, 2 workers, a fresh answer cache; the process tree sampled "
        "every 0.2 s. Reproduce: `python benchmarks/grade_hostile.py` "
        f"(`LAYERCHECK_BUBBLEWRAP={result['bubblewrap']}`).",
        "",
        "| measure | value |",
        "|---|---|",
        f"| submissions (hostile) | {r['submissions']} ({r['hostile']}) |",
        f"| exit code | {r['exit_code']}{' (timed out)' if r['timed_out'] else ''} |",
        f"| wall | {r['wall_s']} s |",
        f"| results.json written | {r['results_written']} of {r['submissions']} |",
        f"| gradebook rows | {r['gradebook_rows']} of {r['submissions']} |",
        f"| peak PSS, grader and its workers | {peak['own_pss_mb']} MB |",
        f"| peak RSS, grader process | {peak['grader_mb']} MB |",
        f"| peak PSS, whole tree (sandboxed children included) | {peak['tree_pss_mb']} MB |",
        f"| peak processes in the tree | {peak['processes']} |",
        f"| processes left after {GRACE_S:g} s | {len(r['processes_left'])} |",
        f"| scratch folders left | {len(r['scratch_left'])} |",
    ]
    for applied, count in r["isolation"].items():
        lines.append(f"| isolation recorded: {applied} | {count} submissions |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=RESULTS)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as root:
        run = grade(Path(root))
    switch = os.environ.get("LAYERCHECK_BUBBLEWRAP", "on")
    result = {"machine": machine(), "bubblewrap": switch, "run": run}
    name = "grade_hostile" if switch == "on" else "grade_hostile_inner_layer_only"
    save(name, result, render(result), options.results)


if __name__ == "__main__":
    main()
