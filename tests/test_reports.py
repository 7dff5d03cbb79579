"""Reports as data: the published JSON Schema, `diff` between reports, `merge` of partial
ones, and the committed baseline, all through the installed command."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from layercheck.core.dtypes import DTYPES
from layercheck.reports import diff, report
from layercheck.reports.report import ReportError
from layercheck.specs import spec_of

HERE = Path(__file__).parent
BASELINE = HERE.parent / "reports" / "cpu" / "report.json"
CUDA_BASELINE = HERE.parent / "reports" / "cuda" / "report.json"  # measured on a GPU machine
BUG = HERE / "bugs" / "affine_db_mean.py"
FUNCTIONS = "affine_forward,affine_backward,relu_forward,relu_backward"
QUICK = ["--examples", "12", "--workers", "1"]


def layercheck(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    command = shutil.which("layercheck")
    assert command, "the layercheck command is not installed (pip install .)"
    return subprocess.run([command, *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def checked(cwd: Path, name: str, *args: str) -> Path:
    """Run `layercheck check` and return its JSON report's path."""
    out = cwd / name
    process = layercheck(cwd, "check", *args, *QUICK, "--out", str(out))
    assert process.returncode in (0, 1), process.stderr
    return out / "report.json"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """impl and a planted bug over the same functions, and impl in two shards."""
    cwd = tmp_path_factory.mktemp("runs")
    return {
        "impl": checked(cwd, "impl", "--functions", FUNCTIONS),
        "bug": checked(cwd, "bug", str(BUG), "--functions", FUNCTIONS),
        "shard1": checked(cwd, "shard1", "--functions", "affine_forward,affine_backward"),
        "shard2": checked(cwd, "shard2", "--functions", "relu_forward,relu_backward"),
        "cwd": cwd,
    }


def test_reports_validate_against_the_published_schema(runs):
    for path in (BASELINE, runs["impl"], runs["bug"]):
        assert report.load(path)["checks"]


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda d: d.update(schema_version=99), "schema_version 99 is not one this layercheck"),
        (lambda d: d["checks"][0].pop("verdict"), "'verdict' is a required property"),
        (lambda d: d["checks"][0].update(verdict="passed"), "checks/0/verdict"),
    ],
)
def test_a_report_of_another_version_or_shape_is_refused_with_one_line(runs, change, problem):
    document = json.loads(runs["impl"].read_text())
    change(document)
    broken = runs["cwd"] / "broken.json"
    broken.write_text(json.dumps(document))
    with pytest.raises(ReportError) as refused:
        report.load(broken)
    assert problem in str(refused.value) and "\n" not in str(refused.value)
    process = layercheck(runs["cwd"], "diff", str(runs["impl"]), str(broken))
    assert process.returncode == 2 and len(process.stderr.strip().splitlines()) == 1


def test_a_report_diffed_with_itself_is_empty(runs):
    process = layercheck(runs["cwd"], "diff", str(runs["impl"]), str(runs["impl"]))
    assert process.returncode == 0, process.stdout
    assert "no changes" in process.stdout


def test_diff_against_a_planted_bug_names_exactly_the_checks_it_breaks(runs):
    base, new = report.load(runs["impl"]), report.load(runs["bug"])
    found = diff.diff(base, new)
    broken = {(f, q, dtype, "cpu") for f, q, dtype in _breaks(BUG)}
    assert {key for key, *_ in found.regressions} == broken
    assert not found.added and not found.removed and not found.improvements
    markdown = runs["cwd"] / "comment.md"
    process = layercheck(
        runs["cwd"], "diff", str(runs["impl"]), str(runs["bug"]), "--markdown", str(markdown)
    )
    assert process.returncode == 1
    assert (
        "Regressions (3)" in markdown.read_text() and "| affine_backward | db |" in process.stdout
    )


def test_merged_shards_equal_the_unsharded_run_apart_from_timing(runs):
    merged = runs["cwd"] / "merged.json"
    process = layercheck(
        runs["cwd"], "merge", str(runs["shard1"]), str(runs["shard2"]), "--out", str(merged)
    )
    assert process.returncode == 0, process.stderr
    whole, joined = report.load(runs["impl"]), report.load(merged)
    for document in (whole, joined):
        document["meta"].pop("duration_s")
    assert joined["meta"] == whole["meta"]
    assert joined["checks"] == whole["checks"] and joined["summary"] == whole["summary"]


def test_merging_overlapping_reports_is_refused_with_one_line(runs):
    process = layercheck(
        runs["cwd"], "merge", str(runs["impl"]), str(runs["shard1"]), "--out", "x.json"
    )
    assert process.returncode == 2
    lines = process.stderr.strip().splitlines()
    assert len(lines) == 1 and "overlap" in lines[0] and "affine_forward" in lines[0]


def test_a_quick_check_of_impl_has_no_regression_against_the_baseline(tmp_path):
    quick = checked(tmp_path, "quick")
    process = layercheck(tmp_path, "diff", str(BASELINE), str(quick))
    assert process.returncode == 0, process.stdout


def _breaks(bug: Path) -> set[tuple[str, str, str]]:
    namespace: dict = {}
    exec(compile(bug.read_text(), str(bug), "exec"), namespace)
    return {(f, q, dtype) for (f, q), dtypes in namespace["BREAKS"].items() for dtype in dtypes}


def test_cuda_columns_gain_a_table_of_cpu_and_cuda_oracle_agreement(runs):
    document = report.load(runs["impl"])
    assert "CPU and CUDA oracles" not in report.to_markdown(document)  # no GPU measured
    cpu = [c for c in document["checks"] if c["device"] == "cpu"]
    as_if_measured = [
        {**c, "device": "cuda", "peer_error": 2 * (c["peer_error"] or 0)} for c in cpu
    ]
    with_cuda = report.build(cpu + as_if_measured, document["meta"])
    markdown = report.to_markdown(with_cuda)
    assert "## CPU and CUDA oracles" in markdown
    measured = [c for c in cpu if c["verdict"] != "skipped" and c["peer_error"] is not None]
    assert len(report.device_agreement(with_cuda["checks"])) == len(measured) > 0


def test_the_committed_cuda_report_measured_every_cuda_check_and_agrees_with_the_cpu_one():
    document = report.load(CUDA_BASELINE)
    cuda = [c for c in document["checks"] if c["device"] == "cuda"]
    unmeasured = [
        (c["function"], c["quantity"], c["dtype"]) for c in cuda if c["verdict"] != "pass"
    ]
    assert document["meta"]["gpu"] and cuda and not unmeasured, (
        document["meta"]["gpu"],
        unmeasured,
    )
    cpu = {(c["function"], c["quantity"], c["dtype"]) for c in report.load(BASELINE)["checks"]}
    measured = {(c["function"], c["quantity"], c["dtype"]) for c in cuda}
    # Rows the registry gained or lost since the GPU run (no GPU need block a change): the
    # edge tier's rows are new, dropout's keep_fraction was folded into its out, and a layer
    # added since has no CUDA rows until reports/regenerate.sh runs where a GPU is.
    on_gpu = {c["function"] for c in cuda}
    added = {
        key for key in cpu - measured if key[0] in on_gpu and spec_of(key[0]).tier(key[1]) != "edge"
    }
    gone = {key for key in measured - cpu if key[1] in spec_of(key[0]).quantities()[key[0]]}
    assert not added and not gone, (added, gone)
    assert report.device_agreement(document["checks"])
    assert "## CPU and CUDA oracles" in report.to_markdown(document)


def test_the_html_page_shows_the_agreement_table_only_when_cuda_was_measured(runs):
    from layercheck.reports import html

    document = report.load(runs["impl"])
    assert 'id="devices"' not in html.render(document)
    cpu = [c for c in document["checks"] if c["device"] == "cpu"]
    cuda = [{**c, "device": "cuda"} for c in cpu]
    assert 'id="devices"' in html.render(report.build(cpu + cuda, document["meta"]))


def test_the_schema_names_exactly_the_checked_dtypes():
    schema = json.loads(report.SCHEMA.read_text())
    assert tuple(schema["$defs"]["dtype"]["enum"]) == DTYPES
