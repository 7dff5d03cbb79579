"""Speed of `layercheck grade` on a batch whose failures look like a real course's, measured,
never asserted (issue 13's target: at least 1.5 submissions/s with a warm answer cache, and
the grader's CPU per submission at most 2x the submission's own).

The batch: student folders (layers.py, conv_layers.py, rnn_layers.py, as the course lays
them out), each a correct submission (impl, vectorised, or the loop style) with mistakes
drawn at the rates seen in 37 public CS231n / C147 submissions: most conv backwards broken
at pad = 0 (the `[pad:-pad]` slice), a third of max-pool backwards wrong on overlapping
windows, most `lstm_step_backward` modifying `dnext_c` in place, some ReLU forwards
overwriting their input, a fifth unfinished (no rnn_layers.py yet), and one to three
other planted bugs (tests/bugs) each. It is graded by the installed `layercheck grade` with
the default rubric and 2 workers three times: with an empty answer cache and then warm
(searching smaller cases only where needed, the default), and warm with `--shrink always`
(every failing check searched, as before issue 13). Reported: submissions/s, the grader's
CPU per submission (its process and its pool workers, sampled from /proc every 0.2 s)
against the submission's own (its sandboxed process, run.json's child_cpu_s), failing
checks per submission, and peak memory.

Usage: python benchmarks/grade_realistic.py [--submissions N] [--seed S]
Writes benchmarks/results/grade_realistic.json and .md.
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from grade_load import machine, watch  # noqa: E402
from saving import save  # noqa: E402

import impl.conv_layers  # noqa: E402  (which module each planted bug's functions belong in)
import impl.layers  # noqa: E402
import impl.rnn_layers  # noqa: E402

BUGS = ROOT / "tests" / "bugs"
MODULES = ("layers.py", "conv_layers.py", "rnn_layers.py")
#: Mistakes with the share of submissions that make each (the real courses' rates).
COMMON = {
    "conv_backward_pad_slice": 0.7,
    "max_pool_backward_assign": 0.33,
    "lstm_step_backward_modifies_dnext_c": 0.6,
    "relu_forward_inplace": 0.2,
}
UNFINISHED = 0.2
#: In place, as students write it: the gradient is right, dnext_c is not the caller's any more.
_DNEXT_C = """

_lstm_step_backward_right = lstm_step_backward


def lstm_step_backward(dnext_h, dnext_c, cache):
    grads = _lstm_step_backward_right(dnext_h, dnext_c.copy(), cache)
    dnext_c += 0.5 * dnext_h  # "dnext_c += dnext_h * o * (1 - tanh(c) ** 2)", in place
    return grads
"""


def _student(folder: Path, style: str) -> None:
    """A correct submission in `folder`: impl's files (sibling imports), or the loop style
    (tests/alternatives/loops) where it has the file."""
    folder.mkdir(parents=True)
    loops = ROOT / "tests" / "alternatives" / "loops"
    for module in MODULES:
        source = loops / module if style == "loops" and (loops / module).exists() else None
        text = (source or ROOT / "impl" / module).read_text().replace("from impl.", "from .")
        (folder / module).write_text(text)


def _bug_source(bug: str) -> tuple[str, str]:
    """The module a planted bug's functions belong in, and their source."""
    path = BUGS / f"{bug}.py"
    text = path.read_text()
    tree = ast.parse(text)
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    names = {node.name for node in functions}
    module = "layers.py"
    if names & set(vars(impl.conv_layers)) - set(vars(impl.layers)):
        module = "conv_layers.py"
    if names & set(vars(impl.rnn_layers)) - set(vars(impl.layers)):
        module = "rnn_layers.py"
    body = "\n\n\n".join(ast.get_source_segment(text, node) for node in functions)
    return module, body


def make_batch(folder: Path, count: int, seed: int) -> dict[str, list[str]]:
    """`count` student folders in `folder`; returns each one's mistakes, by name."""
    rng = random.Random(seed)
    others = sorted(
        path.stem
        for path in BUGS.glob("*.py")
        if path.stem not in COMMON and "float64" not in path.stem and "torch" not in path.stem
    )
    made = {}
    for i in range(count):
        name = f"student{i:04d}"
        student = folder / name
        _student(student, rng.choice(["impl", "loops"]))
        mistakes = [bug for bug, share in COMMON.items() if rng.random() < share]
        mistakes += rng.sample(others, rng.randint(1, 3))
        for bug in mistakes:
            if bug == "lstm_step_backward_modifies_dnext_c":
                module, body = "rnn_layers.py", _DNEXT_C
            else:
                module, body = _bug_source(bug)
            with open(student / module, "a") as file:
                file.write(f"\n\n{body}\n")
        if rng.random() < UNFINISHED:
            (student / "rnn_layers.py").unlink()
            mistakes.append("unfinished")
        made[name] = mistakes
    return made


def grade(batch: Path, out: Path, cache: Path, shrink: str) -> dict:
    """One graded run of the installed command, measured."""
    command = [shutil.which("layercheck"), "grade", str(batch), "--out", str(out)]
    command += ["--cache", str(cache), "--workers", "2", "--seed", "1", "--shrink", shrink]
    started = time.perf_counter()
    with (out.parent / f"{out.name}.log").open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        watched = watch(process, out, started, timeout=3600)
    wall = time.perf_counter() - started
    grader_cpu = watched["own_cpu_s"]  # the grader and its workers, sampled from /proc
    runs = [json.loads(path.read_text()) for path in sorted(out.glob("*/run.json"))]
    checks = [json.loads(path.read_text()) for path in sorted(out.glob("*/checks.json"))]
    child_cpu = sum(run["child_cpu_s"] for run in runs)
    failing = [sum(c["verdict"] in ("fail", "error") for c in found) for found in checks]
    n = len(runs)
    return {
        "exit_code": process.returncode,
        "submissions": n,
        "wall_s": round(wall, 1),
        "per_second": round(n / wall, 2),
        "grader_cpu_per_submission_s": round(grader_cpu / n, 2),
        "submission_cpu_per_submission_s": round(child_cpu / n, 2),
        "cpu_ratio": round(grader_cpu / child_cpu, 2),
        "failing_checks": {
            "min": min(failing),
            "median": statistics.median(failing),
            "max": max(failing),
        },
        "peak_own_pss_mb": watched["peak"]["own_pss_mb"],
        "peak_tree_pss_mb": watched["peak"]["tree_pss_mb"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=100)
    parser.add_argument("--seed", type=int, default=13)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as scratch:
        root = Path(scratch)
        mistakes = make_batch(root / "export", options.submissions, options.seed)
        runs = {
            "cold, shrink needed": grade(
                root / "export", root / "cold", root / "answers", "needed"
            ),
            "warm, shrink needed": grade(
                root / "export", root / "warm", root / "answers", "needed"
            ),
            "warm, shrink always": grade(
                root / "export", root / "always", root / "answers", "always"
            ),
        }
    counts: dict[str, int] = {}
    for found in mistakes.values():
        for mistake in found:
            counts[mistake] = counts.get(mistake, 0) + 1
    result = {"machine": machine(), "mistakes": counts, "runs": runs, "seed": options.seed}
    save("grade_realistic", result, render(result, options))


def render(result: dict, options: argparse.Namespace) -> str:
    m, runs = result["machine"], result["runs"]
    common = ", ".join(f"{k} {result['mistakes'].get(k, 0)}" for k in [*COMMON, "unfinished"])
    lines = [
        "# layercheck grade: a batch that fails as real courses fail",
        "",
        f"Machine: {m['cpu_count']} cores, Python {m['python']}, numpy {m['numpy']}, torch "
        f"{m['torch']}. {options.submissions} student folders (seed {result['seed']}); "
        f"submissions per mistake: {common}, and 1 to 3 other planted bugs each. Default "
        "rubric, 2 workers. Reproduce: `python benchmarks/grade_realistic.py`.",
        "",
        "| run | " + " | ".join(runs) + " |",
        "|---|" + "---|" * len(runs),
    ]
    rows = {
        "submissions per second": lambda r: str(r["per_second"]),
        "wall": lambda r: f"{r['wall_s']} s",
        "grader CPU per submission": lambda r: f"{r['grader_cpu_per_submission_s']} s",
        "submission's own CPU per submission": lambda r: (
            f"{r['submission_cpu_per_submission_s']} s"
        ),
        "grader CPU / submission CPU": lambda r: str(r["cpu_ratio"]),
        "failing checks per submission (min / median / max)": lambda r: " / ".join(
            str(r["failing_checks"][k]) for k in ("min", "median", "max")
        ),
        "peak PSS, grader and workers": lambda r: f"{r['peak_own_pss_mb']} MB",
        "peak PSS, whole tree": lambda r: f"{r['peak_tree_pss_mb']} MB",
        "exit code": lambda r: str(r["exit_code"]),
    }
    for label, cell in rows.items():
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in runs.values()) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
