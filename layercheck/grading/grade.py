"""Grading a batch of submissions: the same cases for everyone, each submission sandboxed.

A plan fixes, for every spec and dtype the rubric needs, the cases drawn from one seed; the
oracle's answers to them are computed once (`AnswerCache`) before any submission runs. Each
submission then runs in its own sandboxed child (`Sandbox`) on exactly those cases; its score
comes from them alone. A failing check is then explored and shrunk by hypothesis for the
feedback's smallest failing input; that never changes a score.

Per submission, ``OUT/<name>/`` receives ``feedback.md``, ``checks.json``, ``run.json``
(timing, the child's CPU time and process id, the isolation applied) and ``results.json``
(Gradescope's schema), each written atomically, ``results.json`` last: a submission with a
``results.json`` graded under the same plan is done and is skipped when the batch runs
again. All but ``run.json`` depend on the submission and the plan alone, byte for byte. The
gradebook is rebuilt from those files.

Submissions are untrusted (`layercheck.sandbox`): none can read the
output folder, the answer cache, the batch's other submissions or the rubric, and a worker
process dies with the grader, so a killed batch leaves no process behind.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import gc
import hashlib
import json
import multiprocessing
import os
import re
import secrets
import shutil
import signal
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from layercheck import __version__
from layercheck.core import runner
from layercheck.core.cases import Case
from layercheck.core.evaluate import InvalidCase, Setting
from layercheck.core.observe import last_line
from layercheck.core.verdicts import ERROR, FAIL, PASS, Check
from layercheck.grading import feedback, gradebook
from layercheck.grading.answer_cache import AnswerCache
from layercheck.grading.rubric import Rubric
from layercheck.grading.unpack import UnpackError, unpack
from layercheck.reports import repro
from layercheck.sandbox.confine import die_with_parent
from layercheck.sandbox.process import Sandbox, plain
from layercheck.specs import DROPOUT_P, EDGE, PROFILES, REGISTRY, Spec, with_dropout_p

#: Cases per spec and dtype that every submission meets.
DEFAULT_EXAMPLES = 16
#: Most cases one submission's search for smaller failing cases runs (on top of the plan's):
#: only where no plan case is small enough to show whole (`repro.shown_whole`).
EXPLORE_CASES = 400
#: Longest name kept of a submission's entry (a digest of the whole follows a cut one).
_NAME_CHARS = 80
#: Where a batch keeps its secret seed, in the output folder (no submission can read it).
SEED_FILE = ".layercheck-seed"
#: Files and folders that make a folder one submission rather than a batch of them.
_COURSE_FILES = {"layers.py", "conv_layers.py", "rnn_layers.py"}
_COURSE_PACKAGES = {"cs231n", "nndl"}
#: The files that are one submission each: a .py file, or a zip of a student's files.
SUBMISSION_FILES = (".py", ".zip")


@dataclass
class Plan:
    """What every submission of a batch meets: the rubric, profile, dtypes and cases."""

    rubric: Rubric
    profile: str
    seed: int
    examples: int
    cases: dict[tuple[str, str], list]  # (spec name, dtype) -> cases
    wall_s: float = 10.0  # per call of a submission's function
    startup_s: float = 10.0  # to start the child and import the submission, beyond wall_s
    budget_s: float = 120.0  # for all of one submission's calls, feedback's included
    #: When to search for smaller failing cases than the plan's: "needed" (no plan case
    #: small enough to show whole; at most EXPLORE_CASES cases), or "always" (every
    #: failing spec and dtype, unbounded: slower, and the feedback's cases are minimal).
    shrink: str = "needed"

    @property
    def specs(self) -> list[Spec]:
        names = {name for name, _ in self.cases}
        return [spec for spec in REGISTRY.values() if spec.name in names]

    def digest(self) -> str:
        """Identity of the grading: results graded under another plan are graded again."""
        identity = [__version__, self.rubric.digest(), self.profile, self.seed, self.examples]
        identity += [self.shrink] if self.shrink != "needed" else []
        return hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:16]


def plan(rubric: Rubric, profile: str, *, seed: int = 0, examples: int = DEFAULT_EXAMPLES) -> Plan:
    """Draw the cases of every spec the rubric needs, in every dtype it counts."""
    needed = set(rubric.functions())
    specs = [spec for spec in REGISTRY.values() if needed & set(spec.functions)]
    cases = {
        (spec.name, dtype): runner.draw(spec, dtype, examples=examples, seed=seed)
        for spec in specs
        for dtype in rubric.dtypes
    }
    return Plan(rubric, profile, seed, examples, cases)


def secret_seed(path: Path) -> int:
    """The batch's secret seed kept in the file `path`, drawn (128 random bits) and written
    there when it has none. The cases depend only on public code and the seed: a seed that
    is known, or small enough to search, lets a student memorise the answers offline."""
    try:
        return int(path.read_text().strip())
    except FileNotFoundError:
        pass
    except ValueError:
        raise ValueError(f"{path}: not a seed (an integer written by layercheck)") from None
    seed = secrets.randbits(128)
    path.parent.mkdir(parents=True, exist_ok=True)
    gradebook.write_atomically(path, f"{seed}\n".encode())
    return seed


def prepare(plan: Plan, cache: AnswerCache) -> None:
    """Compute (or load) the oracle's answer to every case of the plan, once."""
    for spec in plan.specs:
        if not spec.oracle or not spec.in_profile(plan.profile):
            continue
        for dtype in plan.rubric.dtypes:
            for case in plan.cases[spec.name, dtype]:
                try:
                    cache(spec, spec.inputs(case), case, "cpu")
                except InvalidCase:
                    pass


def discover(submissions: Path) -> list[tuple[str, Path]]:
    """(name, path) of each submission: `submissions` itself when it is a file or a course
    folder (it holds layers.py, conv_layers.py, rnn_layers.py, cs231n/ or nndl/), else one
    per entry of the folder, as an unpacked LMS export holds them."""
    if submissions.is_file() and submissions.suffix not in SUBMISSION_FILES:
        raise ValueError(
            f"{submissions}: not a submission (a .py or .zip file, a course folder, or a "
            "folder of them)"
        )
    if submissions.is_file() or _is_one_submission(submissions):
        return [(_name(submissions), submissions)]
    entries = sorted(entry for entry in submissions.iterdir() if _passed_over(entry) is None)
    named: dict[str, Path] = {}
    for entry in entries:  # alice.py and alice/ both exist: the second is alice-2
        name, n = _name(entry), 1
        if name in gradebook.BATCH_FILES:  # a submission called gradebook.csv keeps its own
            name = f"{name}-submission"
        while (name if n == 1 else f"{name}-{n}") in named:
            n += 1
        named[name if n == 1 else f"{name}-{n}"] = entry
    return list(named.items())


def batch_in(archive: Path, into: Path) -> Path | None:
    """The folder of a zip's submissions when the zip holds a whole batch (a folder, .py or
    .zip per student, unpacked into `into`); None when it is one student's files."""
    folder = unpack(archive, into)
    return None if _is_one_submission(folder) else folder


#: A Canvas export's file name: the student (last and first names), ``LATE`` where it was,
#: the user and submission ids, then the uploaded file's own name (``-1`` on a resubmission).
_CANVAS = re.compile(r"(?P<student>[a-z0-9]+)_(?:late_)?(?P<user>\d+)_\d+_(?P<file>.+)", re.I)


def by_student(folder: Path, into: Path) -> Path | None:
    """Where `folder` is a Canvas export (every .py or .zip entry named
    ``student_id_submission_file``), each student's files copied under their own names into
    ``into/<student>_<id>/`` (a student's zip as ``into/<student>_<id>.zip``); returns
    `into`, or None for any other folder."""
    if not folder.is_dir() or any(_passed_over(e) is None for e in folder.iterdir() if e.is_dir()):
        return None  # folders are submissions of their own: not Canvas's layout
    files = [entry for entry in folder.iterdir() if entry.suffix in SUBMISSION_FILES]
    named = [(entry, _CANVAS.fullmatch(entry.name)) for entry in files if entry.is_file()]
    if not named or not all(match for _, match in named) or len(named) != len(files):
        return None
    for entry, match in named:
        student = f"{match['student'].lower()}_{match['user']}"
        original = re.sub(r"-\d+(?=\.\w+$)", "", match["file"])  # layers-1.py: resubmitted
        if entry.suffix == ".zip":
            destination = into / f"{student}.zip"
        else:
            destination = into / student / original
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(entry, destination)
    return into


def passed_over(submissions: Path) -> list[str]:
    """Why each entry of a batch folder that `discover` leaves out is not a submission, one
    line each: hidden or system entries (``.DS_Store``, ``__MACOSX``), files other than .py."""
    if submissions.is_file() or _is_one_submission(submissions):
        return []
    found = [(entry, _passed_over(entry)) for entry in sorted(submissions.iterdir())]
    return [
        f"{plain(os.fsencode(entry.name).decode('utf-8', 'replace'))}: {why}"
        for entry, why in found
        if why is not None
    ]


def _passed_over(entry: Path) -> str | None:
    """Why an entry of a batch folder is not a submission, or None when it is one."""
    if entry.name.startswith((".", "_")):
        return "a hidden or system entry"
    if not (entry.is_symlink() or entry.is_dir() or entry.suffix in SUBMISSION_FILES):
        return "not a .py file, a .zip file or a folder"
    return None


def _is_one_submission(folder: Path) -> bool:
    names = {entry.name for entry in folder.iterdir()}
    return bool(names & _COURSE_FILES) or bool(names & _COURSE_PACKAGES)


def _name(path: Path) -> str:
    """The entry's name, made safe for a folder and a CSV cell; where that changed it, a
    digest of the original keeps it unique whatever else the batch holds ("a b.py" and
    "a_b.py" are two submissions)."""
    stem = path.stem if path.suffix in SUBMISSION_FILES else path.name
    name = re.sub(r"[^\w.-]", "_", stem)[:_NAME_CHARS]  # a folder's name has 255 bytes at most
    if name != stem or not name:
        name = f"{name or 'submission'}-{hashlib.sha256(os.fsencode(stem)).hexdigest()[:6]}"
    return name


def shard(entries: list[tuple[str, Path]], spec: str | None) -> list[tuple[str, Path]]:
    """The `i`-th of `n` deterministic slices (``"i/n"``, 1-based) of sorted `entries`."""
    if spec is None:
        return entries
    match = re.fullmatch(r"(\d+)/(\d+)", spec)
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise ValueError(f"--shard {spec}: expected i/n with 1 <= i <= n, e.g. 2/8")
    i, n = int(match[1]), int(match[2])
    return sorted(entries)[i - 1 :: n]


def grade_one(
    name: str,
    path: Path,
    plan: Plan,
    cache: AnswerCache,
    out: Path,
    hidden: tuple[Path, ...] = (),
    refusal: str | None = None,
) -> dict:
    """Grade one submission into ``out/<name>/``, its child reading nothing of `hidden`
    (besides `out` and the cache); returns its gradebook row. With a `refusal` (or for an
    entry that is a symbolic link) nothing runs: the submission scores 0 with that reason."""
    started = time.perf_counter()
    found: dict[tuple[str, str], list[Check]] = {}  # (spec name, dtype) -> its checks
    notes: list[str] = []
    explore_errors: list[str] = []
    limits = {"wall_s": plan.wall_s, "startup_s": plan.startup_s, "budget_s": plan.budget_s}
    hidden = (*hidden, out, cache.folder)
    if refusal is None and path.is_symlink():
        refusal = f"{path.name} is a symbolic link: links are not graded (they may point anywhere)"
    files, unpacked = path, contextlib.nullcontext()
    if refusal is None and path.suffix == ".zip":  # its files go to a folder of their own
        unpacked = tempfile.TemporaryDirectory(prefix="layercheck-zip-")
        try:
            files = unpack(path, Path(unpacked.name) / "submission")
        except UnpackError as exc:
            refusal = str(exc)
    sandbox = Sandbox(files, **limits, hidden=hidden)
    try:
        with unpacked, contextlib.nullcontext() if refusal else sandbox:
            load_error = refusal or sandbox.load_error
            if load_error is None:
                candidate = sandbox.candidate()
                killed = set()  # (spec, dtype) whose checks killed the child: not explored
                for spec in plan.specs:  # the score: the plan's cases alone
                    for dtype in plan.rubric.dtypes:
                        if sandbox.failure is not None:  # a crash or hang costs its own checks
                            sandbox.restart()
                        lives = len(sandbox.pids)
                        checks = _spared(spec, sandbox, candidate, dtype, plan, cache)
                        notes += _conventions(spec, candidate, checks, plan, cache)
                        found[spec.name, dtype] = checks
                        if sandbox.failure is not None or len(sandbox.pids) > lives:
                            killed.add((spec.name, dtype))
                left = EXPLORE_CASES  # then the feedback, where a case is too large to show
                for key in [key for key in found if key not in killed]:
                    error, left = _smaller_cases(*key, sandbox, candidate, plan, found, left)
                    explore_errors += [error] if error else []
            output = sandbox.output()
    except Exception as exc:  # the grader's own failure on this submission; the batch goes on
        found, output = {}, ""
        load_error = f"grading failed: {last_line(exc)}"
    checks = [check for checks in found.values() for check in checks]
    notes = list(dict.fromkeys(notes))  # one note per convention, whatever the dtypes
    score = plan.rubric.score(checks)
    elapsed = time.perf_counter() - started
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(".*.tmp"):  # left by a grader killed while writing
        stale.unlink(missing_ok=True)
    text = feedback.markdown(name, score, load_error=load_error, notes=notes, target=path.name)
    _write(folder / "feedback.md", text)
    _write(folder / "checks.json", json.dumps([c.to_json() for c in checks], indent=1))
    output = "\n".join([*notes, output]) if notes else output
    run = {
        "seconds": round(elapsed, 3),
        "child_cpu_s": round(sandbox.cpu_used_s, 3),
        "child_pids": sandbox.pids,
        "limits": limits,
        "explore_errors": explore_errors,
    }
    _write(folder / "run.json", json.dumps(run, indent=1))
    results = feedback.results_json(score, output=output, load_error=load_error, target=path.name)
    results["extra_data"] = {
        "plan": plan.digest(),
        "submission": path.name,
        "status": gradebook.status(load_error),
        "isolation": sandbox.isolation,
    }
    _write(folder / "results.json", json.dumps(results, indent=1))
    return {"name": name, "score": score.total, "max_score": score.max_total, "seconds": elapsed}


def _spared(
    spec: Spec, sandbox: Sandbox, candidate, dtype: str, plan: Plan, cache: AnswerCache
) -> list[Check]:
    """The checks of `spec` in `dtype` on the plan's cases; when a backward's call killed
    the child, the other functions are checked again in a fresh one without it (its hang
    is not theirs)."""
    found = _check(spec, candidate, dtype, plan, cache)
    culprit = sandbox.died_in
    if culprit is None or culprit == spec.forward or culprit not in spec.functions:
        return found
    sandbox.restart()
    spared = {name: function for name, function in candidate.items() if name != culprit}
    again = {(c.function, c.quantity): c for c in _check(spec, spared, dtype, plan, cache)}
    return [c if c.function == culprit else again[c.function, c.quantity] for c in found]


def _smaller_cases(
    name: str,
    dtype: str,
    sandbox: Sandbox,
    candidate,
    plan: Plan,
    found: dict[tuple[str, str], list[Check]],
    left: int,
) -> tuple[str | None, int]:
    """Where a failing check of spec `name` in `dtype` has no plan case small enough to
    show whole, let hypothesis look for a smaller one, for the feedback (never the
    verdicts), running at most `left` cases. What it found in a child that died meanwhile,
    or an exploration that broke, is dropped: the plan's cases stand. Returns why it was
    dropped (or None), and the cases left."""
    spec, checks = REGISTRY[name], found[name, dtype]
    failing = [check for check in checks if check.verdict in (FAIL, ERROR)]
    always = plan.shrink == "always"
    shown = all(check.case and repro.shown_whole(check.case) for check in failing)
    if not failing or not (always or not shown):
        return None, left
    if not always and left < runner.BATCH:
        return None, left
    if sandbox.failure is not None:
        sandbox.restart()
        if sandbox.failure is not None:  # the time budget is spent
            return None, left
    budget = None if always else left
    setting = Setting(spec, candidate, dtype, profile=plan.profile)
    try:
        explored, ran = runner.explore(setting, plan.examples, plan.seed, budget)
    except Exception as exc:  # the verdicts are known; only the feedback loses a case
        return f"{spec.name} {dtype}: {last_line(exc)}", 0
    if sandbox.failure is None:
        runner.fold_in(checks, explored, fixed=True)
    return None, left - ran


def _check(spec: Spec, candidate, dtype: str, plan: Plan, cache: AnswerCache) -> list[Check]:
    """The checks of `spec` in `dtype` on the plan's cases (drawn from the plan's seed)."""
    cases = plan.cases[spec.name, dtype]
    return runner.check_cases(
        Setting(spec, candidate, dtype, profile=plan.profile, oracle=cache), cases
    )


def _conventions(
    spec: Spec, candidate, found: list[Check], plan: Plan, cache: AnswerCache
) -> list[str]:
    """Which other convention explains the failing checks of `found`, if any: the other
    meaning of dropout's p, or one of the spec's ``conventions`` (a variant oracle). One is
    named only when the submission passes those checks on every plan case of the spec,
    failing and passing alike, under the same tolerance rule as the course's oracle; the
    cases they failed on are tried first, and a convention they still fail is not tried on
    the rest. Only failing values can be another convention's (a modified argument is no
    convention)."""
    failing = {
        (c.function, c.quantity): c
        for c in found
        if c.verdict == FAIL and c.quantity.removesuffix(EDGE) in spec.values(c.function)
    }
    dtype = found[0].dtype if found else None
    if not failing or not (spec.conventions or not spec.oracle):
        return []
    cases = plan.cases[spec.name, dtype]
    reported = [case for c in failing.values() for case in [c.case, *c.more_cases]]
    first = list({case.key(): case for case in map(Case.described, reported)}.values())

    def explains(profile: str, oracle) -> bool:
        def checked(tried: list[Case]) -> list[Check]:
            return runner.check_cases(
                Setting(spec, candidate, dtype, profile=profile, oracle=oracle), tried
            )

        screened = checked(first)  # a plan case that still fails rules the convention out
        if any(c.verdict in (FAIL, ERROR) for c in screened if (c.function, c.quantity) in failing):
            return False
        return _all_pass(checked(cases), failing)

    if not spec.oracle:
        meaning = PROFILES[plan.profile].dropout_p
        for other in DROPOUT_P:
            if other != meaning and explains(with_dropout_p(plan.profile, other), cache):
                return [
                    f"{spec.forward} takes dropout's p as the {other} probability; in this "
                    f"course p is the {meaning} probability."
                ]
        return []
    return [
        f"{spec.forward} matches {meaning}; this course's convention differs."
        for variant, meaning in spec.conventions.items()
        if explains(plan.profile, functools.partial(cache, variant=variant))
    ]


def _all_pass(checks: list[Check], keys: set[tuple[str, str]]) -> bool:
    verdicts = {(c.function, c.quantity): c.verdict for c in checks}
    return all(verdicts.get(key) == PASS for key in keys)


def is_done(folder: Path, plan: Plan, entry: Path | None = None) -> bool:
    """Whether ``folder`` holds results graded under `plan` (of the batch's `entry`, when
    given: a name that moved to another entry is graded again)."""
    try:
        results = json.loads((folder / "results.json").read_text())
    except (OSError, ValueError):
        return False
    extra = results.get("extra_data", {})
    same = entry is None or extra.get("submission") == entry.name
    return extra.get("plan") == plan.digest() and same


def grade(
    entries: list[tuple[str, Path]],
    plan: Plan,
    cache: AnswerCache,
    out: Path,
    *,
    workers: int = 1,
    progress=None,
) -> list[dict]:
    """Grade every entry not already done under `plan`, `workers` at a time, then rebuild
    the gradebook from everything in `out`. Returns the rows graded now."""
    out.mkdir(parents=True, exist_ok=True)
    todo = [(name, path) for name, path in entries if not is_done(out / name, plan, path)]
    prepare(plan, cache)
    batch = [path.absolute().parent for _, path in entries]
    hidden = tuple(dict.fromkeys([*batch, *filter(None, [plan.rubric.source])]))
    rows = []
    if workers <= 1 or len(todo) <= 1:
        for name, path in todo:
            rows.append(grade_safely(name, path, plan, cache, out, hidden))
            if progress:
                progress(rows[-1])
    else:
        global _BATCH
        _BATCH = (plan, cache, out, hidden)  # forked workers inherit the plan and the answers
        gc.freeze()  # shared with the workers, not copied on write by their collections
        context = multiprocessing.get_context("fork")
        pool = concurrent.futures.ProcessPoolExecutor(
            workers, mp_context=context, initializer=_worker_start, initargs=(os.getpid(),)
        )
        try:
            futures = [pool.submit(_grade_in_worker, name, path) for name, path in todo]
            plotting = threading.Thread(target=gradebook.prepare_plotting, daemon=True)
            plotting.start()  # meanwhile (the workers are forked): the histogram's library
            for future in concurrent.futures.as_completed(futures):
                rows.append(future.result())
                if progress:
                    progress(rows[-1])
        except BaseException:  # Ctrl-C: stop now; what was written stays, a rerun resumes
            for worker in multiprocessing.active_children():
                worker.kill()  # their sandboxed children die with them
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
        gc.unfreeze()
    gradebook.write(out)
    return rows


_BATCH: tuple[Plan, AnswerCache, Path, tuple[Path, ...]] | None = None


def _worker_start(grader: int) -> None:
    """A pool worker: dies with the grader; Ctrl-C is the grader's to handle."""
    die_with_parent(grader)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _grade_in_worker(name: str, path: Path) -> dict:
    plan, cache, out, hidden = _BATCH
    return grade_safely(name, path, plan, cache, out, hidden)


def grade_safely(
    name: str, path: Path, plan: Plan, cache: AnswerCache, out: Path, hidden: tuple[Path, ...]
) -> dict:
    """`grade_one`, whatever the submission: where grading it fails, it scores 0 with the
    reason (its row still written where its folder can be), and the batch goes on."""
    try:
        return grade_one(name, path, plan, cache, out, hidden)
    except Exception as exc:
        reason = f"grading failed: {plain(last_line(exc))}"
    try:
        return grade_one(name, path, plan, cache, out, hidden, refusal=reason)
    except Exception:  # not even its results could be written
        return {"name": name, "score": 0.0, "max_score": 0.0, "seconds": 0.0, "error": reason}


def _write(path: Path, text: str) -> None:
    gradebook.write_atomically(path, text.encode("utf-8", "backslashreplace"))
