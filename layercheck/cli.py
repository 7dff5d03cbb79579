"""The `layercheck` command.

``layercheck list`` prints the checked functions. ``layercheck check [TARGET]`` runs the
conformance suite (pytest, spread over pytest-xdist workers) on TARGET and writes the JSON
and Markdown reports. Exit status: 0 when every check passed (skipped counts as passed), 1
when any failed, errored or is not implemented, 2 for a usage or load error, with a
one-line message.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import math
import os
import signal
import sys
import tempfile
from pathlib import Path

# One BLAS thread per process, set before numpy loads: pytest-xdist workers inherit it.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

from rich.console import Console  # noqa: E402

from layercheck import __version__, specs  # noqa: E402
from layercheck.core import target  # noqa: E402
from layercheck.core.dtypes import DTYPES  # noqa: E402
from layercheck.reports.report import DEVICES, FAILING  # noqa: E402
from layercheck.specs import (  # noqa: E402
    DROPOUT_P,
    all_functions,
    assignments_table,
    catalog,
    spec_of,
    with_dropout_p,
)

DEFAULT_EXAMPLES = 50
DEFAULT_OUT = "layercheck-report"
#: Cases per check from which `--workers auto` starts workers: two workers overtake one
#: process between 300 and 1000 (benchmarks/results/check_speed.md).
PARALLEL_FROM = 500
#: Rows of the terminal's table of checks not passing; the report has them all.
SHOWN = 20


class UsageError(Exception):
    """Bad command line; the message is one line."""


#: Exit status of a run interrupted by SIGINT or SIGTERM (128 + SIGINT, as shells report it).
INTERRUPTED = 130


def main(argv: list[str] | None = None) -> int:
    try:
        _use_spec_files(argv)
    except specs.SpecFileError as problem:
        print(f"layercheck: error: {problem}", file=sys.stderr)
        return 2
    parser = _parser()
    options = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)  # a cancelled CI job: as Ctrl-C
    try:
        return options.run(options)
    except (UsageError, target.TargetError) as problem:
        print(f"layercheck: error: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        resume = "; run the same command again to resume" if options.command == "grade" else ""
        print(f"layercheck: interrupted{resume}", file=sys.stderr)
        return INTERRUPTED
    finally:  # the process ends here: its exit need not traverse torch's objects (1 s)
        gc.freeze()


def _use_spec_files(argv: list[str] | None) -> None:
    """Register the ``--specs`` files before the parser is built: their courses are
    choices of ``--profile``, their layers functions to check."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--specs", action="append", default=[])
    for path in early.parse_known_args(argv)[0].specs:
        specs.use(path)


def _spec_files_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--specs",
        action="append",
        metavar="FILE",
        help="a spec file declaring more layers (and courses) to check (repeatable)",
    )


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="layercheck", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"layercheck {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="check layer implementations against the oracles")
    check.add_argument(
        "target",
        nargs="?",
        default=None,
        help="a .py file, a folder of .py files, or a module name (default: impl)",
    )
    check.add_argument("--json", type=Path, help="JSON report path (default: OUT/report.json)")
    check.add_argument(
        "--markdown", type=Path, help="Markdown report path (default: OUT/report.md)"
    )
    check.add_argument(
        "--out",
        type=Path,
        default=Path(DEFAULT_OUT),
        help=f"folder for both reports (default: ./{DEFAULT_OUT})",
    )
    check.add_argument("--html", type=Path, help="also write the HTML page here")
    check.add_argument("--functions", help="comma-separated functions to check (default: all)")
    _assignment_option(check, "only the functions")
    check.add_argument("--dtypes", default=",".join(DTYPES), help="comma-separated dtypes")
    check.add_argument("--devices", default=",".join(DEVICES), help="comma-separated devices")
    check.add_argument(
        "--examples",
        type=int,
        default=DEFAULT_EXAMPLES,
        help=f"cases per function, dtype and device (default: {DEFAULT_EXAMPLES})",
    )
    check.add_argument("--seed", type=int, default=0, help="same seed, same cases, same figures")
    check.add_argument(
        "-n",
        "--workers",
        default="auto",
        help=f"pytest-xdist workers: N, or auto (one process below {PARALLEL_FROM} examples, "
        "else one per core)",
    )
    _profile_options(check)
    check.set_defaults(run=_check)
    grading = commands.add_parser("grade", help="grade student submissions, each sandboxed")
    grading.add_argument(
        "submissions", type=Path, help="a submission (.py file or folder), or a folder of them"
    )
    grading.add_argument("--out", type=Path, required=True, help="folder for the results")
    grading.add_argument("--rubric", type=Path, help="rubric TOML (default: the profile's)")
    _assignment_option(grading, "the default rubric's items")
    _profile_options(grading)
    grading.add_argument("--workers", type=int, default=1, help="submissions graded at once")
    grading.add_argument("--shard", help="grade only the i-th of n slices of the batch: i/n")
    grading.add_argument(
        "--seed",
        type=int,
        help="seed of everyone's cases, to reproduce a run (default: the batch's secret one, "
        "drawn once and kept in --seed-file)",
    )
    grading.add_argument(
        "--seed-file",
        type=Path,
        help="the batch's secret seed, drawn there if absent (default: a file in OUT); "
        "give every shard of a batch the same file",
    )
    grading.add_argument(
        "--examples", type=int, default=16, help="cases per function and dtype (default: 16)"
    )
    grading.add_argument(
        "--cache", type=Path, help="oracle answers (default: ~/.cache/layercheck/answers)"
    )
    grading.add_argument(
        "--call-limit",
        type=float,
        default=10.0,
        help="seconds one call of a submission's function may take (default: 10)",
    )
    grading.add_argument(
        "--budget",
        type=float,
        default=120.0,
        help="seconds all of one submission's calls may take together (default: 120)",
    )
    grading.add_argument(
        "--shrink",
        choices=("needed", "always"),
        default="needed",
        help="search for smaller failing cases than the plan's only where none is small "
        "enough to show whole (default), or for every failing check (slower)",
    )
    grading.set_defaults(run=_grade)
    merging = commands.add_parser(
        "merge", help="merge partial reports (JSON files) or grading shards (folders) into one"
    )
    merging.add_argument("inputs", type=Path, nargs="+", help="reports, or shard output folders")
    merging.add_argument(
        "--out", type=Path, required=True, help="the merged report, or gradebook folder"
    )
    merging.set_defaults(run=_merge)
    differ = commands.add_parser("diff", help="what changed between two reports")
    differ.add_argument("base", type=Path, help="the base report (JSON)")
    differ.add_argument("new", type=Path, help="the new report (JSON)")
    differ.add_argument("--markdown", type=Path, help="also write the Markdown to this file")
    differ.add_argument(
        "--fail-on",
        choices=("regression", "any"),
        default="regression",
        help="exit 1 on a verdict regression (default) or on any change",
    )
    differ.add_argument(
        "--factor", type=float, default=2.0, help="ratio growth reported as drift (default 2)"
    )
    differ.set_defaults(run=_diff)
    rendering = commands.add_parser("report", help="render a JSON report as HTML or Markdown")
    rendering.add_argument("report", type=Path, help="a JSON report")
    rendering.add_argument("--html", type=Path, help="write the HTML page here")
    rendering.add_argument("--markdown", type=Path, help="write the Markdown here")
    rendering.set_defaults(run=_report)
    autograder = commands.add_parser(
        "autograder", help="Gradescope or PrairieLearn: build the autograder, or run in it"
    )
    autograder.add_argument("action", choices=("build", "run"))
    autograder.add_argument(
        "--target",
        choices=("gradescope", "prairielearn"),
        default="gradescope",
        help="the LMS (default: gradescope)",
    )
    autograder.add_argument(
        "--out", type=Path, help="build: the zip (Gradescope) or folder (PrairieLearn) to write"
    )
    autograder.add_argument("--rubric", type=Path, help="rubric TOML (default: the profile's)")
    _assignment_option(autograder, "the default rubric's items")
    _profile_options(autograder)
    autograder.add_argument(
        "--root",
        type=Path,
        help="run: the LMS's root folder (default: /autograder, PrairieLearn's /grade)",
    )
    autograder.set_defaults(run=_autograder)
    replaying = commands.add_parser(
        "repro", help="re-run one reported case against a target and print the comparison"
    )
    replaying.add_argument(
        "target", nargs="?", help="a .py file, a folder of them, or a module (default: impl)"
    )
    replaying.add_argument(
        "--case",
        required=True,
        help="the case's descriptor as feedback and reports print it (JSON: function, "
        "quantity, sizes, params, dtype, seed)",
    )
    _profile_options(replaying)
    replaying.set_defaults(run=_repro)
    listing = commands.add_parser(
        "list", help="print the checked functions, and each course's assignments, as Markdown"
    )
    _spec_files_option(listing)
    listing.set_defaults(
        run=lambda options: print(f"{catalog()}\n{assignments_table()}", end="") or 0
    )
    return parser


def _profile_options(command: argparse.ArgumentParser) -> None:
    _spec_files_option(command)
    command.add_argument(
        "--profile",
        default=specs.default_course(),
        choices=specs.courses(),
        help=f"the course's conventions (default: {specs.default_course()})",
    )
    command.add_argument(
        "--dropout-p",
        choices=DROPOUT_P,
        help="what dropout's p means this year, the keep or the drop probability "
        "(default: the profile's; UCLA C147 keeps in 2020 and 2025)",
    )


def _assignment_option(command: argparse.ArgumentParser, what: str) -> None:
    command.add_argument(
        "--assignment",
        help=f"{what} of one assignment of the profile's course (e.g. 2; layercheck list "
        "shows each profile's)",
    )


def _profile(options: argparse.Namespace) -> str:
    """The profile the options name, dropout's convention included."""
    return with_dropout_p(options.profile, options.dropout_p)


def _check(options: argparse.Namespace) -> int:
    import pytest

    _validate(options)
    subject = options.target
    if subject is not None and Path(subject).exists():
        subject = str(Path(subject).resolve())
    target.load(subject)  # a bad target is a one-line usage error, before any worker starts
    suite = importlib.util.find_spec("layercheck.core.suite").origin  # found, not imported (torch)
    json_path = options.json or options.out / "report.json"
    markdown_path = options.markdown or options.out / "report.md"
    json_path.unlink(missing_ok=True)
    arguments = [
        suite,
        "-p",
        "layercheck.core.plugin",
        "-p",
        "no:cacheprovider",
        "-c",
        os.devnull,
        "--rootdir",
        str(Path(suite).parent),
        "-qq",  # progress only: the summary below counts checks, not pytest's items
        "--no-header",
        "--tb=no",
        "-rN",
        "-W",
        "ignore::pytest.PytestWarning",
        "-n",
        _workers(options.workers, options.examples),
        "--dist",
        "worksteal",
        "--lc-json",
        str(json_path),
        "--lc-markdown",
        str(markdown_path),
        "--lc-examples",
        str(options.examples),
        "--lc-seed",
        str(options.seed),
        "--lc-profile",
        _profile(options),
        "--lc-dtypes",
        options.dtypes,
        "--lc-devices",
        options.devices,
    ]
    if subject is not None:
        arguments += ["--lc-target", subject]
    if options.functions:
        arguments += ["--lc-functions", options.functions]
    status = pytest.main(arguments)
    if status == pytest.ExitCode.INTERRUPTED and not json_path.is_file():
        raise KeyboardInterrupt
    if not json_path.is_file():
        raise UsageError(f"the suite wrote no report (pytest exit status {int(status)})")
    document = json.loads(json_path.read_text())
    if options.html:
        from layercheck.reports import html

        html.write(document, options.html)
    _print_summary(document, json_path, markdown_path, options.target)
    if document["meta"].get("incomplete"):
        print("layercheck: interrupted: the report holds only what ran", file=sys.stderr)
        return INTERRUPTED
    return 0 if document["summary"]["passed"] else 1


def _grade(options: argparse.Namespace) -> int:
    from layercheck.grading import grade, gradebook, rubric
    from layercheck.grading.answer_cache import AnswerCache
    from layercheck.grading.unpack import UnpackError
    from layercheck.sandbox import confine

    if not options.submissions.exists():
        raise UsageError(f"{options.submissions}: no such file or folder")
    if options.workers < 1 or options.examples < 1:
        raise UsageError("--workers and --examples must be at least 1")
    if not 0 < options.call_limit <= options.budget:
        raise UsageError("--call-limit must be positive and at most --budget")
    unpacked = tempfile.TemporaryDirectory(prefix="layercheck-batch-")
    try:
        chosen = rubric.load(options.rubric, _profile(options), options.assignment)
        if options.submissions.suffix == ".zip" and options.submissions.is_file():
            whole = grade.batch_in(options.submissions, Path(unpacked.name) / "batch")
            options.submissions = whole or options.submissions
        students = grade.by_student(options.submissions, Path(unpacked.name) / "students")
        options.submissions = students or options.submissions
        every = grade.discover(options.submissions)
        entries = grade.shard(every, options.shard)
    except (rubric.RubricError, ValueError, OSError, UnpackError) as problem:
        raise UsageError(str(problem)) from None
    if not every:
        raise UsageError(
            f"{options.submissions}: no submissions in this folder (.py files, .zip files or "
            "folders)"
        )
    if options.shard and options.seed is None and options.seed_file is None:
        raise UsageError(
            "--shard: the shards of a batch meet the same cases: give each the same --seed-file "
            "FILE (the first shard draws the secret seed into it; copy it to the others)"
        )
    try:
        seed = options.seed
        if seed is None:
            seed = grade.secret_seed(options.seed_file or options.out / grade.SEED_FILE)
    except (ValueError, OSError) as problem:
        raise UsageError(str(problem)) from None
    cache = AnswerCache(options.cache or _default_cache())
    batch = grade.plan(chosen, chosen.profile, seed=seed, examples=options.examples)
    batch.wall_s, batch.budget_s, batch.shrink = options.call_limit, options.budget, options.shrink
    console = Console(highlight=False)
    for missing in confine.missing_isolation():
        console.print(f"warning: {missing} (README: threat model)")
    for why in grade.passed_over(options.submissions):
        console.print(f"not graded: {why}", markup=False)
    done = len(entries) - sum(not grade.is_done(options.out / n, batch, p) for n, p in entries)
    console.print(f"grading {len(entries) - done} of {len(entries)} submissions ({done} done)")

    def progress(row: dict) -> None:
        console.print(
            f"  {row['name']}: {row['score']:g} / {row['max_score']:g} ({row['seconds']:.1f} s)"
        )

    if options.shard:  # a merge then knows which of the n shards it has
        options.out.mkdir(parents=True, exist_ok=True)
        (options.out / gradebook.SHARD_FILE).write_text(f"{options.shard}\n")
    grade.grade(entries, batch, cache, options.out, workers=options.workers, progress=progress)
    console.print(f"gradebook: {options.out / 'gradebook.csv'} {options.out / 'summary.md'}")
    return 0


def _repro(options: argparse.Namespace) -> int:
    """Exit 0 when the case passes now, 1 when it still fails, 2 for a bad descriptor."""
    from layercheck.reports import repro

    try:
        found = json.loads(options.case)
        if not isinstance(found, dict):
            raise ValueError("not a JSON object")
    except ValueError as exc:
        raise UsageError(f"--case is not a case descriptor: {exc}") from None
    candidate = target.load(options.target)
    try:
        verdict, lines = repro.replay(candidate, found, _profile(options))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    print("\n".join(lines))
    return 0 if verdict == "pass" else 1


def _merge(options: argparse.Namespace) -> int:
    from layercheck.grading import gradebook
    from layercheck.reports import report

    missing = [str(path) for path in options.inputs if not path.exists()]
    if missing:
        raise UsageError(f"{missing[0]}: no such file or folder")
    if all(path.is_dir() for path in options.inputs):
        try:
            gradebook.merge(options.out, options.inputs)
        except ValueError as problem:
            raise UsageError(str(problem)) from None
        print(f"gradebook: {options.out / 'gradebook.csv'} {options.out / 'summary.md'}")
        return 0
    if any(path.is_dir() for path in options.inputs):
        raise UsageError("merge takes either reports (JSON files) or shard folders, not both")
    try:
        merged = report.merge([report.load(path) for path in options.inputs])
    except report.ReportError as problem:
        raise UsageError(str(problem)) from None
    report.write_json(merged, options.out)
    print(f"report: {options.out}")
    return 0


def _diff(options: argparse.Namespace) -> int:
    from layercheck.reports import diff, report

    try:
        base, new = report.load(options.base), report.load(options.new)
    except report.ReportError as problem:
        raise UsageError(str(problem)) from None
    found = diff.diff(base, new, options.factor)
    text = diff.to_markdown(found, options.base.name, options.new.name)
    print(text, end="")
    if options.markdown:
        options.markdown.parent.mkdir(parents=True, exist_ok=True)
        options.markdown.write_text(text)
    return 1 if found.failed(options.fail_on) else 0


def _report(options: argparse.Namespace) -> int:
    from layercheck.reports import html, report

    try:
        document = report.load(options.report)
    except report.ReportError as problem:
        raise UsageError(str(problem)) from None
    if not (options.html or options.markdown):
        raise UsageError("report needs --html FILE or --markdown FILE")
    if options.html:
        html.write(document, options.html)
    if options.markdown:
        options.markdown.parent.mkdir(parents=True, exist_ok=True)
        options.markdown.write_text(report.to_markdown(document))
    return 0


def _autograder(options: argparse.Namespace) -> int:
    from layercheck.grading import autograder, rubric

    try:
        chosen = rubric.load(options.rubric, _profile(options), options.assignment)
    except rubric.RubricError as problem:
        raise UsageError(str(problem)) from None
    if options.action == "build":
        if options.out is None:
            what = "FILE.zip" if options.target == "gradescope" else "FOLDER"
            raise UsageError(f"autograder build needs --out {what}")
        autograder.build(
            options.out,
            chosen,
            options.rubric,
            chosen.profile,
            options.assignment,
            target=options.target,
        )
        print(f"autograder: {options.out}")
        return 0
    root = options.root or Path("/autograder" if options.target == "gradescope" else "/grade")
    return autograder.run(root, chosen, chosen.profile, target=options.target)


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "layercheck" / "answers"


def _validate(options: argparse.Namespace) -> None:
    from layercheck.core.plugin import listed  # pytest: only check needs it
    from layercheck.grading.rubric import hint
    from layercheck.specs import assignment_functions

    if options.assignment is not None:
        if options.functions:
            raise UsageError("give --assignment or --functions, not both")
        try:
            options.functions = ",".join(
                assignment_functions(_profile(options), options.assignment)
            )
        except ValueError as exc:
            raise UsageError(f"--assignment: {exc}") from None

    known = all_functions()
    for name in listed(options.functions or ""):
        if name not in known:
            raise UsageError(f"unknown function {name!r}{hint(name, known)} (layercheck list)")
    profile = _profile(options)
    outside = [
        name for name in listed(options.functions or "") if not spec_of(name).has(name, profile)
    ]
    if outside and len(outside) == len(listed(options.functions)):
        raise UsageError(
            f"nothing to check: {', '.join(outside)} not in {profile}'s course (--profile)"
        )
    for dtype in listed(options.dtypes):
        if dtype not in DTYPES:
            raise UsageError(f"unknown dtype {dtype!r} (known: {', '.join(DTYPES)})")
    for device in listed(options.devices):
        if device not in DEVICES:
            raise UsageError(f"unknown device {device!r} (known: {', '.join(DEVICES)})")
    if not listed(options.dtypes) or not listed(options.devices):
        raise UsageError("--dtypes and --devices need at least one entry")
    if options.examples < 1:
        raise UsageError("--examples must be at least 1")
    _workers(options.workers)


def _workers(value: str, examples: int = DEFAULT_EXAMPLES) -> str:
    """pytest-xdist's -n for --workers: N workers, one running in-process (-n 0). 'auto'
    runs in-process below PARALLEL_FROM cases per check (a worker costs seconds to start:
    Python, pytest and torch), else one worker per core."""
    if value == "auto":
        return "auto" if examples >= PARALLEL_FROM and (os.cpu_count() or 1) > 1 else "0"
    if not value.isdigit() or int(value) < 1:
        raise UsageError(f"--workers must be a positive number or 'auto', not {value!r}")
    return "0" if int(value) == 1 else value


def _print_summary(
    document: dict, json_path: Path, markdown_path: Path, subject: str | None
) -> None:
    """The run's outcome, in lines a CI log keeps whole at any width (soft-wrapped, never
    split): per function not passing, one line per way it fails with its first failing
    case and the command that replays it, one line per missing function; then one count
    of checks."""
    from layercheck.grading.feedback import case_text
    from layercheck.reports import repro
    from layercheck.reports.report import idle_devices, idle_line

    console = Console(stderr=False, highlight=False, soft_wrap=True)
    checks, summary = document["checks"], document["summary"]
    problems: dict[tuple, list[dict]] = {}  # one entry per function and reason
    for c in checks:
        if c["verdict"] in FAILING:
            reason = c["message"] if c["verdict"] != "fail" else c["quantity"]
            problems.setdefault((c["function"], c["verdict"], reason or ""), []).append(c)
    missing = sorted({f for f, verdict, _ in problems if verdict == "not_implemented"})
    shown = [(key, found) for key, found in problems.items() if key[1] != "not_implemented"]
    for function in missing:
        console.print(f"{function}: not implemented (missing, misspelled or still the stub)")
    for (function, verdict, _), found in shown[:SHOWN]:
        quantities = ", ".join(dict.fromkeys(c["quantity"] for c in found))
        where = ", ".join(dict.fromkeys(f"{c['dtype']} {c['device']}" for c in found))
        first = min(found, key=lambda c: math.prod((c["case"] or {}).get("sizes", {}).values()))
        console.print(f"{function} {quantities}: {verdict.upper()} in {where}: {first['message']}")
        if first["case"]:
            found = repro.descriptor(function, first["quantity"], first["case"])
            replay = repro.command(subject, found)
            console.print(f"    first failing case: {case_text(first['case'])}; {replay}")
    if len(shown) > SHOWN:
        console.print(f"... and {len(shown) - SHOWN} more ways to fail in the report")
    counted = [c for c in checks if c["verdict"] != "skipped"]
    failing = sum(c["verdict"] in FAILING for c in counted)
    worst = summary["worst_passing_ratio"]
    headroom = "" if worst is None else f"; worst passing ratio {float(worst):.3g}"
    verdict = "[green]PASSED[/green]" if summary["passed"] else "[red]NOT PASSED[/red]"
    if document["meta"].get("incomplete"):
        verdict = "[red]INCOMPLETE[/red] (interrupted)"
    absent = f", {len(missing)} function{'s' * (len(missing) != 1)} missing" if missing else ""
    console.print(
        f"{verdict}: {failing} of {len(counted)} checks not passing{absent}{headroom} "
        f"in {document['meta']['duration_s']:.1f} s"
    )
    counts = ", ".join(f"{n} {verdict}" for verdict, n in summary["verdicts"].items() if n)
    console.print(f"checks by verdict: {counts}")
    for device, reason in idle_devices(checks).items():
        console.print(idle_line(checks, device, reason))
    console.print(f"reports: {json_path} {markdown_path}")


if __name__ == "__main__":
    sys.exit(main())
