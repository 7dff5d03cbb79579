"""The installed `layercheck` command, run as a user runs it: from a directory outside the
repository, on the bundled impl and on submissions laid out as courses lay them out."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from layercheck.specs import all_functions
from students import assignment_folder, zipped

SUBMISSIONS = Path(__file__).parent / "submissions"
QUICK = ["--examples", "5", "--workers", "1", "--devices", "cpu"]
CHECK_FIELDS = {
    "function",
    "quantity",
    "dtype",
    "device",
    "verdict",
    "examples",
    "max_abs_error",
    "max_rel_error",
    "ratio",
    "tolerance",
    "peer_error",
    "message",
    "case",
    "ratio_counts",
    "tier",
    "more_cases",
}
META_FIELDS = {
    "layercheck",
    "numpy",
    "torch",
    "python",
    "platform",
    "cpu",
    "gpu",
    "seed",
    "profile",
    "examples",
    "workers",
    "duration_s",
}


def layercheck(cwd: Path, *args: str) -> tuple[subprocess.CompletedProcess, dict | None]:
    """Run the installed command in `cwd`; return the process and the JSON report, if any."""
    command = shutil.which("layercheck")
    assert command, "the layercheck command is not installed (pip install .)"
    out = cwd / "out"
    process = subprocess.run(
        [command, "check", *args, "--out", str(out)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
    )
    path = out / "report.json"
    return process, json.loads(path.read_text()) if path.is_file() else None


def verdicts(report: dict) -> dict[tuple[str, str, str], str]:
    return {(c["function"], c["quantity"], c["dtype"]): c["verdict"] for c in report["checks"]}


def test_default_check_of_impl_passes_with_both_reports(tmp_path):
    process, report = layercheck(tmp_path, "--examples", "5", "--workers", "2")
    assert process.returncode == 0, process.stdout + process.stderr
    assert report["schema_version"] == 2
    assert META_FIELDS <= set(report["meta"]), set(report["meta"])
    assert report["meta"]["workers"] == 2
    for check in report["checks"]:
        assert set(check) == CHECK_FIELDS, check
        assert check["tier"] == (
            "edge" if check["quantity"].endswith(("_edge", "_ties")) else "core"
        )
    keys = [(c["function"], c["quantity"], c["dtype"], c["device"]) for c in report["checks"]]
    assert len(keys) == len(set(keys)), "a check is reported more than once"
    assert {c["function"] for c in report["checks"]} == set(all_functions())
    cpu = [c for c in report["checks"] if c["device"] == "cpu"]
    unmet = [c for c in cpu if c["verdict"] == "skipped" and c["tier"] == "edge"]  # no such case
    assert cpu and all(c["verdict"] == "pass" for c in cpu if c not in unmet), [
        c for c in cpu if c["verdict"] != "pass"
    ]
    cuda = [c for c in report["checks"] if c["device"] == "cuda"]
    if report["meta"]["gpu"] is None:
        assert cuda and all(c["message"] == "skipped: CUDA not available" for c in cuda)
    markdown = (tmp_path / "out" / "report.md").read_text()
    assert "| function | quantity | float64 cpu | float32 cpu | float16 cpu |" in markdown
    assert "| affine_backward | dw | pass " in markdown


@pytest.mark.parametrize(
    "subject, extra",
    [
        ("cs231n_student", []),
        ("cs231n_student/cs231n", []),
        ("cs231n_student/cs231n/layers.py", ["--functions", "affine_forward,affine_backward"]),
        ("ucla_student", ["--profile", "ucla-c147"]),
    ],
)
def test_course_layouts_load_with_their_sibling_imports(tmp_path, subject, extra):
    functions = ["--functions", "affine_forward,affine_backward,relu_forward,relu_backward"]
    process, report = layercheck(tmp_path, str(SUBMISSIONS / subject), *QUICK, *functions, *extra)
    assert process.returncode == 0, process.stdout + process.stderr
    assert set(verdicts(report).values()) == {"pass"}


def test_an_assignment_folder_its_zip_and_its_module_check_as_the_bare_files_do(tmp_path):
    course = Path(__file__).parent / "courses" / "cs231n"
    folder = assignment_folder(course, tmp_path / "assignment2")  # six, Cython, notebooks...
    archive = zipped(folder, tmp_path / "assignment2.zip")
    functions = ["--functions", "affine_forward,conv_forward_naive,rnn_step_forward"]
    bare = layercheck(tmp_path, str(course), *QUICK, *functions)[1]
    assert bare and "pass" in verdicts(bare).values(), bare
    for subject in (folder, archive):
        process, report = layercheck(tmp_path, str(subject), *QUICK, *functions)
        assert report and verdicts(report) == verdicts(bare), (subject, process.stderr)
    process, report = layercheck(folder, "cs231n.layers", *QUICK, "--functions", "affine_forward")
    assert process.returncode == 0 and report, process.stdout + process.stderr  # no PYTHONPATH


def test_ucla_conv_layers_pass_and_layers_the_course_never_had_are_skipped(tmp_path):
    checked = (
        "conv_forward_naive,conv_backward_naive,max_pool_forward_naive,max_pool_backward_naive"
    )
    never_had = "rnn_forward,rnn_backward,spatial_groupnorm_forward,spatial_groupnorm_backward"
    process, report = layercheck(
        tmp_path,
        str(SUBMISSIONS / "ucla_student"),
        *QUICK,
        "--profile",
        "ucla-c147",
        "--functions",
        f"{checked},{never_had}",
    )
    assert process.returncode == 0, process.stdout + process.stderr
    for check in report["checks"]:
        if check["function"] in never_had.split(","):
            assert check["message"] == "skipped: not in profile", check
        else:
            assert check["verdict"] == "pass", check
    quantities = {c["quantity"] for c in report["checks"] if c["function"] in checked}
    assert {"out", "dx", "dw", "db", "out_ties", "dx_ties"} <= quantities


def test_cs231n_rnn_layers_load_beside_layers_py(tmp_path):
    functions = "rnn_step_forward,rnn_step_backward,rnn_forward,rnn_backward"
    functions += ",word_embedding_forward,word_embedding_backward"
    process, report = layercheck(
        tmp_path, str(SUBMISSIONS / "cs231n_student"), *QUICK, "--functions", functions
    )
    assert process.returncode == 0, process.stdout + process.stderr
    assert {c["function"] for c in report["checks"]} == set(functions.split(","))
    assert set(verdicts(report).values()) == {"pass"}


def test_starter_stubs_are_not_implemented_and_the_run_goes_on(tmp_path):
    functions = "affine_forward,affine_backward,relu_forward,svm_loss,softmax_loss"
    process, report = layercheck(
        tmp_path, str(SUBMISSIONS / "starter"), *QUICK, "--functions", functions
    )
    assert process.returncode == 1
    found = verdicts(report)
    for quantity in ("out", "dtype_preserved"):
        assert found["affine_forward", quantity, "float32"] == "not_implemented"
    for quantity in ("dx", "dw", "db"):
        assert found["affine_backward", quantity, "float32"] == "not_implemented"
    assert found["relu_forward", "out", "float32"] == "not_implemented"
    assert found["svm_loss", "loss", "float16"] == "not_implemented"
    messages = {(c["function"], c["quantity"]): c["message"] for c in report["checks"]}
    assert messages["softmax_loss", "loss"] == "softmax_loss is not defined"
    assert "returned None" in messages["relu_forward", "out"]
    # A stub has nothing to check yet: its properties are not implemented either.
    assert found["affine_forward", "arguments_unchanged", "float64"] == "not_implemented"


def test_a_function_that_raises_is_an_error_with_the_exceptions_last_line(tmp_path):
    functions = "affine_forward,affine_backward,relu_forward"
    process, report = layercheck(
        tmp_path, str(SUBMISSIONS / "raises"), *QUICK, "--functions", functions
    )
    assert process.returncode == 1
    checks = {
        (c["function"], c["quantity"]): c for c in report["checks"] if c["dtype"] == "float64"
    }
    relu = checks["relu_forward", "out"]
    assert relu["verdict"] == "error"
    assert relu["message"] == (
        "relu_forward raised NotImplementedError: relu_forward is on my list for tomorrow"
        " (layers.py:15)"
    )
    affine = checks["affine_forward", "out"]
    assert affine["verdict"] == "error" and "ValueError" in affine["message"], affine
    assert len(affine["case"]["shapes"]["x"]) == 3, "the smallest failing case needs x with 3 dims"
    assert checks["affine_backward", "dx"]["message"].startswith("no cache: affine_forward raised")


@pytest.mark.parametrize(
    "args, expected",
    [
        (["no/such/file.py"], "no/such/file.py: no such file"),
        (["no_such_module_anywhere"], "no_such_module_anywhere: no such file, folder or module"),
        ([str(SUBMISSIONS / "syntax_error")], "layers.py:4: syntax error"),
        (["--functions", "affine_forwrd"], "did you mean 'affine_forward'?"),
        (["--functions", "layernorm_forward", "--profile", "cs231n-2017"], "nothing to check"),
        (["notes.txt"], "notes.txt: not a Python file (.py), a folder or a module"),
        (["--dtypes", "bfloat16"], "unknown dtype 'bfloat16'"),
        (["--workers", "0"], "--workers must be a positive number"),
    ],
)
def test_bad_input_is_one_line_and_exit_status_2(tmp_path, args, expected):
    (tmp_path / "notes.txt").write_text("my layers are in the other folder\n")
    process, report = layercheck(tmp_path, *args)
    assert process.returncode == 2
    lines = process.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], process.stderr
    assert "Traceback" not in process.stderr + process.stdout
    assert report is None


def test_an_empty_folder_is_a_load_error(tmp_path):
    (tmp_path / "empty").mkdir()
    process, _ = layercheck(tmp_path, str(tmp_path / "empty"))
    assert process.returncode == 2 and "no .py files" in process.stderr


def test_same_seed_same_figures_whatever_the_number_of_workers(tmp_path):
    common = [
        "--examples",
        "8",
        "--seed",
        "7",
        "--devices",
        "cpu",
        "--functions",
        "batchnorm_forward,batchnorm_backward,softmax_loss",
    ]
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    _, one = layercheck(tmp_path / "one", *common, "--workers", "1")
    _, two = layercheck(tmp_path / "two", *common, "--workers", "2")
    assert one["checks"] == two["checks"]
    assert {c["function"] for c in one["checks"]} == {
        "batchnorm_forward",
        "batchnorm_backward",
        "softmax_loss",
    }


def test_profiles_change_conventions_and_skip_what_a_course_never_had(tmp_path):
    functions = "layernorm_forward,dropout_forward"
    process, report = layercheck(
        tmp_path, *QUICK, "--profile", "cs231n-2017", "--functions", functions, "--examples", "30"
    )
    assert process.returncode == 1  # impl's p is the keep probability; 2017's is the drop one
    checks = {(c["function"], c["quantity"], c["dtype"]): c for c in report["checks"]}
    layernorm = checks["layernorm_forward", "out", "float32"]
    assert layernorm["verdict"] == "skipped" and layernorm["message"] == "skipped: not in profile"
    assert checks["dropout_forward", "out", "float32"]["verdict"] == "fail"


def test_a_ucla_year_that_keeps_states_it_and_never_meets_batchnorm_backward_alt(tmp_path):
    functions = "batchnorm_backward_alt,dropout_forward"
    options = ("--profile", "ucla-c147", "--functions", functions, "--examples", "10")
    process, report = layercheck(tmp_path, *QUICK, *options, "--dropout-p", "keep")
    assert process.returncode == 0, process.stdout + process.stderr  # impl keeps with p
    assert report["meta"]["profile"] == "ucla-c147+dropout-keep"
    checks = {(c["function"], c["quantity"], c["dtype"]): c for c in report["checks"]}
    alt = checks["batchnorm_backward_alt", "dx", "float64"]
    assert alt["verdict"] == "skipped" and alt["message"] == "skipped: not in profile"
    assert checks["dropout_forward", "out", "float64"]["verdict"] == "pass"
