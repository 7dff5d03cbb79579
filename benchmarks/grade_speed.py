"""Speed of `layercheck grade` (issue 4's target), measured, never asserted.

Generates a batch of submissions as an unpacked LMS export (correct ones in two styles,
planted bugs, starter stubs, broken files), grades it with the profile's default rubric (the
whole registered API) on 2 workers, first with an empty oracle cache and then with the cache
warm, and reports submissions per minute, where the time goes (oracle, submissions' own
CPU time) and peak memory. Target: at least one submission per second.

Usage: python benchmarks/grade_speed.py [--submissions N]
Writes benchmarks/results/grade_speed.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from layercheck.grading import grade, rubric
from layercheck.grading.answer_cache import AnswerCache

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from saving import save  # noqa: E402  (this folder, when run as a script)

from students import student_folder  # noqa: E402  (planted bugs as student folders)

BROKEN = {
    "syntax_error.py": "def affine_forward(x, w, b)\n    return x\n",
    "python2.py": 'import numpy as np\nprint "hello"\n',
    "np_int.py": "import numpy as np\nINDEX = np.int\n",
    "missing_sibling/layers.py": "from .helpers import flatten\n",
}


def make_batch(folder: Path, count: int) -> dict[str, str]:
    """`count` submissions: 40% correct (loop style and vectorised), 30% planted bugs, 20%
    starter stubs, 10% that cannot be imported. Returns each one's kind, by name."""
    bugs = sorted((ROOT / "tests" / "bugs").glob("*.py"))
    folder.mkdir(parents=True)
    kinds = {}
    for i in range(count):
        share, name = i % 10, folder / f"student{i:04d}"
        if share < 4:
            kinds[name.name] = "correct"
            if share % 2:
                shutil.copytree(ROOT / "tests" / "alternatives" / "loops", name)
            else:
                _vectorised_copy(name)
        elif share < 7:
            kinds[name.name] = "buggy"
            student_folder(bugs[i % len(bugs)], name)
        elif share < 9:
            kinds[name.name] = "unfinished"
            shutil.copy(
                ROOT / "tests" / "submissions" / "starter" / "layers.py", name.with_suffix(".py")
            )
        else:
            kinds[name.name] = "broken"
            relative, text = list(BROKEN.items())[i % len(BROKEN)]
            target = name / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    return kinds


def _vectorised_copy(folder: Path) -> None:
    """impl's files as a student folder: sibling imports instead of the package's."""
    folder.mkdir()
    for source in ("layers.py", "conv_layers.py", "rnn_layers.py"):
        text = (ROOT / "impl" / source).read_text().replace("from impl.", "from .")
        (folder / source).write_text(text)


def run(batch: Path, out: Path, cache_dir: Path, workers: int) -> dict:
    cache = AnswerCache(cache_dir)
    started = time.perf_counter()
    plan = grade.plan(rubric.default("cs231n"), "cs231n")
    entries = grade.discover(batch)
    rows = grade.grade(entries, plan, cache, out, workers=workers)
    wall = time.perf_counter() - started
    submission_cpu = sum(
        json.loads((out / row["name"] / "run.json").read_text())["child_cpu_s"] for row in rows
    )
    return {
        "submissions": len(rows),
        "wall_s": round(wall, 2),
        "per_minute": round(60 * len(rows) / wall, 1),
        "per_second": round(len(rows) / wall, 2),
        "oracle_s": round(cache.seconds, 2),
        "oracle_share": round(cache.seconds / wall, 3),
        "submission_cpu_s": round(submission_cpu, 2),
        "submission_share": round(submission_cpu / (wall * workers), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        kinds = dict(Counter(make_batch(scratch / "export", options.submissions).values()))
        cold = run(scratch / "export", scratch / "cold", scratch / "answers", options.workers)
        warm = run(scratch / "export", scratch / "warm", scratch / "answers", options.workers)
    peak = {
        "grader_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "largest_child_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
    }
    result = {
        "machine": {"cpu_count": os.cpu_count(), "python": platform.python_version()},
        "batch": kinds,
        "workers": options.workers,
        "cold_cache": cold,
        "warm_cache": warm,
        "peak_rss": peak,
        "target_per_second": 1.0,
    }
    save("grade_speed", result, render(result))


def render(result: dict) -> str:
    kinds = ", ".join(f"{n} {kind}" for kind, n in result["batch"].items())
    lines = [
        "# layercheck grade: speed",
        "",
        f"Batch: {kinds}; default rubric of cs231n (the whole API), {result['workers']} "
        f"workers, {result['machine']['cpu_count']} cores. Reproduce: "
        "`python benchmarks/grade_speed.py`.",
        "",
        "| run | submissions | wall | per minute | per second | oracle (share of wall) | "
        "submissions' own CPU (share of worker time) |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, key in (("empty oracle cache", "cold_cache"), ("warm oracle cache", "warm_cache")):
        r = result[key]
        lines.append(
            f"| {label} | {r['submissions']} | {r['wall_s']} s | {r['per_minute']} | "
            f"{r['per_second']} | {r['oracle_s']} s ({r['oracle_share']:.0%}) | "
            f"{r['submission_cpu_s']} s ({r['submission_share']:.0%}) |"
        )
    peak = result["peak_rss"]
    lines += [
        "",
        f"Peak resident memory: grader {peak['grader_mb']} MB; largest child process (a "
        f"forked grading worker or a submission's sandbox) {peak['largest_child_mb']} MB. "
        "Target: at least "
        f"{result['target_per_second']:g} submission per second.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
