"""Speed of `layercheck check`, measured, never asserted.

1. Wall time of the default `layercheck check` of impl: the whole API (target: at most 120 s
   on 2 cores) and the fully connected layers alone (target: at most 60 s).
2. One pytest-xdist worker against two on the same cases (target: at least 1.6x).
3. Harness overhead: the runner (hypothesis, comparisons, tallies) against a plain loop that
   runs impl and the oracles (truth and peer) on the very same cases (target: at most 2x),
   and examples per second.

Usage: python benchmarks/check_speed.py [--repeat R]
Writes benchmarks/results/check_speed.json and .md.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from functools import partial

from saving import save  # this folder, when run as a script

#: Workloads (cases per check) for 1 against 2 workers: default, thorough, a long run.
WORKER_EXAMPLES = (50, 300, 1000)
#: Workload for one xdist worker against two.
XDIST_EXAMPLES = 1000
#: Workloads for the harness overhead: the default and the thorough profile.
OVERHEAD_EXAMPLES = (50, 300)


def cli_seconds(*args: str) -> float:
    """Wall time of one `layercheck check` run from a scratch directory."""
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        done = subprocess.run(
            [shutil.which("layercheck"), "check", *args, "--out", scratch],
            cwd=scratch,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        if done.returncode not in (0, 1):
            raise SystemExit(f"layercheck check {' '.join(args)} failed:\n{done.stderr}")
        return seconds


def best_of(repeat: int, *args: str) -> float:
    return min(cli_seconds(*args) for _ in range(repeat))


def xdist_seconds(workers: int, examples: int) -> float:
    """Wall time of the installed suite under pytest-xdist with `workers` workers (-n 1 is
    one xdist worker, unlike the CLI's in-process single worker)."""
    suite = importlib.util.find_spec("layercheck.core.suite").origin
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                suite,
                "-p",
                "layercheck.core.plugin",
                "-p",
                "no:cacheprovider",
                "-c",
                os.devnull,
                "--rootdir",
                scratch,
                "-q",
                "-n",
                str(workers),
                "--lc-devices",
                "cpu",
                "--lc-examples",
                str(examples),
            ],
            cwd=scratch,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"pytest -n {workers} failed:\n{done.stdout[-2000:]}")
    return seconds


def overhead(examples: int) -> dict:
    """Runner time against a plain loop over the cases the runner meets, per spec and dtype."""
    from layercheck.core import oracles, runner, target
    from layercheck.core.cases import upstream
    from layercheck.core.dtypes import DTYPES
    from layercheck.core.evaluate import Setting
    from layercheck.specs import REGISTRY

    candidate = target.load()
    for spec in REGISTRY.values():  # warm up: first calls compile strategies, load kernels
        for dtype in DTYPES:
            runner.run(Setting(spec, candidate, dtype, "cpu"), examples=8, seed=1)
    rows, harness_total, raw_total, cases_total = [], 0.0, 0.0, 0
    for spec in REGISTRY.values():
        for dtype in DTYPES:
            cases = runner.draw(spec, dtype, examples=examples, seed=0)  # what run meets
            started = time.perf_counter()
            runner.run(Setting(spec, candidate, dtype, "cpu"), examples=examples, seed=0)
            harness = time.perf_counter() - started
            started = time.perf_counter()
            for case in cases:
                plain_loop(spec, candidate, case, oracles, upstream)
            raw = time.perf_counter() - started
            rows.append(
                {
                    "spec": spec.name,
                    "dtype": dtype,
                    "cases": len(cases),
                    "harness_s": round(harness, 4),
                    "raw_s": round(raw, 4),
                    "ratio": round(harness / raw, 2),
                }
            )
            harness_total, raw_total, cases_total = (
                harness_total + harness,
                raw_total + raw,
                cases_total + len(cases),
            )
    return {
        "examples_per_check": examples,
        "cases": cases_total,
        "harness_s": round(harness_total, 3),
        "raw_s": round(raw_total, 3),
        "ratio": round(harness_total / raw_total, 2),
        "cases_per_second": round(cases_total / harness_total, 1),
        "per_spec": rows,
    }


def plain_loop(spec, candidate, case, oracles, upstream) -> None:
    """What any checker must do for one case: build inputs, run both oracles and impl."""
    args = spec.inputs(case)
    if not spec.oracle:  # dropout: train, again, test, then both backwards
        x, param = (
            args["x"],
            {"p": case.params["p"], "mode": "train"}
            | ({} if case.params["mask_seed"] is None else {"seed": case.params["mask_seed"]}),
        )
        out, cache = candidate[spec.forward](x, dict(param))
        candidate[spec.forward](x, dict(param))
        _, test_cache = candidate[spec.forward](x, {"p": param["p"], "mode": "test"})
        candidate[spec.backward[0]](out, cache)
        candidate[spec.backward[0]](out, test_cache)
        return
    truth = oracles.solve(spec, args, "float64", "cpu", partial(upstream, case))
    oracles.solve(spec, args, case.dtype, "cpu", partial(upstream, case))
    backwards = spec.backward if spec.checks_backward(case) else ()
    for backward in backwards or (None,):
        fresh = {name: dict(v) if isinstance(v, dict) else v for name, v in args.items()}
        result = candidate[spec.forward](*spec.given_args(fresh))
        if backward:
            douts = [
                upstream(case, truth[name].shape, k) for k, name in enumerate(spec.differentiated)
            ]
            candidate[backward](*douts, result[-1])


def _fully_connected() -> list[str]:
    from layercheck.specs import fully_connected

    return [function for spec in fully_connected.SPECS for function in spec.functions]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="CLI runs per figure (best kept)")
    options = parser.parse_args()
    default = best_of(options.repeat)
    fully_connected = best_of(options.repeat, "--functions", ",".join(_fully_connected()))
    workers = []
    for examples in WORKER_EXAMPLES:
        same = ["--devices", "cpu", "--examples", str(examples)]
        one = best_of(options.repeat, *same, "--workers", "1")
        two = best_of(options.repeat, *same, "--workers", "2")
        workers.append(
            {
                "examples": examples,
                "one_s": round(one, 2),
                "two_s": round(two, 2),
                "speedup": round(one / two, 2),
            }
        )
    xdist_one = min(xdist_seconds(1, XDIST_EXAMPLES) for _ in range(options.repeat))
    xdist_two = min(xdist_seconds(2, XDIST_EXAMPLES) for _ in range(options.repeat))
    result = {
        "machine": {
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "default_check_s": round(default, 2),
        "default_check_target_s": 120,
        "fully_connected_check_s": round(fully_connected, 2),
        "fully_connected_check_target_s": 60,
        "workers": workers,
        "workers_target_speedup": 1.6,
        "xdist": {
            "examples": XDIST_EXAMPLES,
            "one_s": round(xdist_one, 2),
            "two_s": round(xdist_two, 2),
            "speedup": round(xdist_one / xdist_two, 2),
        },
        "overhead": [overhead(examples) for examples in OVERHEAD_EXAMPLES],
        "overhead_target_ratio": 2.0,
    }
    save("check_speed", result, render(result))


def render(result: dict) -> str:
    lines = [
        "# layercheck check: speed",
        "",
        f"Machine: {result['machine']['cpu_count']} cores, Python {result['machine']['python']}, "
        f"{result['machine']['platform']}. Reproduce: `python benchmarks/check_speed.py`.",
        "One worker runs in-process (`--workers 1`); two are pytest-xdist workers.",
        "",
        "| measure | result | target |",
        "|---|---|---|",
        f"| default `layercheck check` of impl (whole API), wall | {result['default_check_s']} s "
        "| <= 120 s |",
        "| default `layercheck check --functions <fully connected>` of impl, wall | "
        f"{result['fully_connected_check_s']} s | <= 60 s |",
    ]
    for w in result["workers"]:
        lines.append(
            f"| 1 worker vs 2 workers, {w['examples']} examples per check (cpu) | "
            f"{w['one_s']} s vs {w['two_s']} s = {w['speedup']}x | >= 1.6x |"
        )
    x = result["xdist"]
    lines.append(
        f"| 1 xdist worker vs 2 (`pytest -n 1` / `-n 2`), {x['examples']} examples per check | "
        f"{x['one_s']} s vs {x['two_s']} s = {x['speedup']}x | >= 1.6x |"
    )
    for o in result["overhead"]:
        lines.append(
            f"| runner vs plain loop of impl + oracles, {o['examples_per_check']} per check "
            f"({o['cases']} cases) | {o['harness_s']} s vs {o['raw_s']} s = {o['ratio']}x "
            f"({o['cases_per_second']} cases/s) | <= 2x |"
        )
    o = result["overhead"][-1]
    lines += [
        "",
        f"Per spec and dtype, {o['examples_per_check']} examples per check:",
        "",
        "| spec | dtype | cases | runner s | plain loop s | ratio |",
        "|---|---|---|---|---|---|",
    ]
    keys = ("spec", "dtype", "cases", "harness_s", "raw_s", "ratio")
    lines += ["| " + " | ".join(str(r[k]) for k in keys) + " |" for r in o["per_spec"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
