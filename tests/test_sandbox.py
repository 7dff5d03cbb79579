"""The sandbox: a submission run in a child process gives the runner the same checks as
in-process, and a submission that hangs, dies, floods or misbehaves cannot hurt the parent."""

import json
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import impl
from layercheck.core import runner, target
from layercheck.core.evaluate import Setting
from layercheck.core.observe import Raised, describe
from layercheck.core.verdicts import FAIL
from layercheck.sandbox.process import Handle, Sandbox
from layercheck.specs import REGISTRY
from processes import alive
from students import student_folder

IMPL = Path(impl.__file__).parent
BUGS = Path(__file__).parent / "bugs"


@pytest.fixture(scope="module")
def impl_sandbox():
    with Sandbox(IMPL) as sandbox:
        assert sandbox.load_error is None
        yield sandbox


def submission(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "sub.py"
    path.write_text(textwrap.dedent(source))
    return path


def verdicts(candidate, spec: str, dtype: str) -> list[tuple]:
    """Each check's verdict, cases and failing case: what a process with other matrix
    kernels (another OPENBLAS_CORETYPE) must still agree on, to the last bit or not."""
    checks = runner.run(Setting(REGISTRY[spec], candidate, dtype, "cpu"), examples=12, seed=0)
    return [(c.function, c.quantity, c.verdict, c.examples, c.case) for c in checks]


@pytest.mark.parametrize(
    "spec, dtype",
    [
        ("affine", "float32"),
        ("affine", "float16"),
        ("batchnorm", "float32"),  # running statistics written back into bn_param
        ("batchnorm", "float64"),
        ("lstm_step", "float32"),  # two upstream gradients
        ("max_pool", "float64"),  # the ties property
        ("dropout", "float32"),  # properties; np.random.seed in the child
    ],
)
def test_runner_through_the_sandbox_gives_the_in_process_checks(impl_sandbox, spec, dtype):
    in_process = verdicts(target.load(str(IMPL)), spec, dtype)
    assert verdicts(impl_sandbox.candidate(), spec, dtype) == in_process


def test_the_child_keeps_the_numeric_libraries_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    monkeypatch.setenv("LAYERCHECK_TEST_SECRET", "not for the child")
    path = submission(
        tmp_path,
        """
        import os

        def affine_forward(x, w, b):  # strings come back as handles: booleans do not
            kernel = os.environ.get("OPENBLAS_CORETYPE") == "Haswell"
            return kernel, "LAYERCHECK_TEST_SECRET" in os.environ
        """,
    )
    with Sandbox(path) as sandbox:
        kept = sandbox.candidate()["affine_forward"](None, None, None)
    assert kept == (True, False), f"(OPENBLAS_CORETYPE kept, the secret seen): {kept}"


@pytest.mark.parametrize(
    "bug, spec, function",
    [
        ("relu_forward_inplace", "relu", "relu_forward"),
        ("batchnorm_backward_inplace", "batchnorm", "batchnorm_backward"),  # through the cache
    ],
)
def test_planted_in_place_bugs_fail_arguments_unchanged_as_in_process(
    tmp_path, bug, spec, function
):
    path = student_folder(BUGS / f"{bug}.py", tmp_path / bug)
    with Sandbox(path) as sandbox:
        sandboxed = verdicts(sandbox.candidate(), spec, "float32")
    assert sandboxed == verdicts(target.load(str(path)), spec, "float32")
    failing = [row[:3] for row in sandboxed if row[2] == FAIL]
    assert failing == [(function, "arguments_unchanged", FAIL)]


@pytest.mark.parametrize("cache", ["x", "x.reshape(-1)"])
def test_a_backward_changing_the_forwards_input_through_its_cache_changes_the_parents(
    tmp_path, cache
):
    path = submission(
        tmp_path,
        f"""
        def relu_forward(x):
            return x * (x > 0), {cache}

        def relu_backward(dout, cache):
            cache *= 0
            return dout
        """,
    )
    x = np.arange(1.0, 7.0).reshape(2, 3)
    with Sandbox(path) as sandbox:
        out, kept = sandbox.candidate()["relu_forward"](x)
        assert (kept is x) == (cache == "x")  # a returned argument is the parent's own
        sandbox.candidate()["relu_backward"](np.ones(3), kept)
    assert not x.any() and not kept.any()


def test_dict_changes_and_handles_cross_the_boundary(tmp_path):
    path = submission(
        tmp_path,
        """
        import numpy as np

        def batchnorm_forward(x, gamma, beta, bn_param):
            bn_param["running_mean"] += 1
            bn_param["count"] = np.int32(3)
            del bn_param["drop"]
            return x.astype(np.float16), (x, [1, 2])
        """,
    )
    mean, x = np.zeros(2), np.ones((2, 2))
    param = {"running_mean": mean, "drop": "me", "mode": "train"}
    with Sandbox(path) as sandbox:
        out, cache = sandbox.candidate()["batchnorm_forward"](x, None, None, param)
    assert param == {"running_mean": mean, "count": np.int32(3), "mode": "train"}
    assert (mean == 1).all() and type(param["count"]) is np.int32
    assert out.dtype == np.float16 and isinstance(cache, Handle)
    assert cache.describe() == "a tuple of 2"


def test_returned_values_look_as_they_do_in_process(tmp_path):
    path = submission(
        tmp_path,
        """
        import numpy as np

        def affine_forward(x, w, b):
            masked = np.ma.masked_array([1.0, 2.0])
            return [np.zeros((0, 3)), x[::2].T, masked, np.array([None]), (1, 2), np.float32(2),
                    2**70, 2.5, True, None, np.array(["ab"]), 1j, x]
        """,
    )
    x = np.arange(6.0).reshape(3, 2)
    in_process = target.load(str(path))["affine_forward"](x, None, None)
    with Sandbox(path) as sandbox:
        sandboxed = sandbox.candidate()["affine_forward"](x, None, None)
        assert type(sandboxed) is list and len(sandboxed) == len(in_process)
        for got, expected in zip(sandboxed, in_process, strict=True):
            assert describe(got) == describe(expected)
            if type(expected) is np.ndarray and expected.dtype != object:
                assert type(got) is np.ndarray and got.dtype == expected.dtype
                assert np.array_equal(got, expected)
            elif not isinstance(got, Handle):
                assert type(got) is type(expected) and got == expected
        assert sandboxed[-1] is x  # a returned argument is the parent's own


def test_a_submission_importing_torch_or_with_a_syntax_error_does_not_load(tmp_path):
    with Sandbox(submission(tmp_path, "import numpy\nimport torch.nn\n")) as sandbox:
        assert "refuses to import torch" in sandbox.load_error
        assert "sub.py:2" in sandbox.load_error
        assert sandbox.candidate() == {}
    with Sandbox(submission(tmp_path, "def relu_forward(x)\n    return x\n")) as sandbox:
        assert "syntax error" in sandbox.load_error


def test_a_hanging_call_is_killed_and_no_process_outlives_the_sandbox(tmp_path):
    path = submission(
        tmp_path,
        """
        import subprocess

        def affine_forward(x, w, b):
            return subprocess.Popen(["sleep", "60"]).pid

        def relu_forward(x):
            while True:
                pass
        """,
    )
    with Sandbox(path, wall_s=1) as sandbox:
        if sandbox.isolation["processes"]:  # seccomp: no process can be started
            with pytest.raises(Raised, match="PermissionError"):
                sandbox.candidate()["affine_forward"](None, None, None)
            grandchild = None
        else:  # killed with the child's process group
            grandchild = sandbox.candidate()["affine_forward"](None, None, None)
        started = time.monotonic()
        with pytest.raises(Raised, match="took longer than 1 s"):
            sandbox.candidate()["relu_forward"](np.ones(3))
        assert time.monotonic() - started < 4
        started = time.monotonic()
        with pytest.raises(Raised, match="took longer than 1 s"):
            sandbox.candidate()["affine_forward"](None, None, None)
        assert time.monotonic() - started < 0.1
    assert not alive(sandbox.pid)
    deadline = time.monotonic() + 2  # SIGKILL reaches the grandchild soon, not at once
    while grandchild and alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not (grandchild and alive(grandchild))


def test_what_a_call_raised_is_raised_with_its_file_and_line(tmp_path):
    path = submission(
        tmp_path,
        """
        def relu_forward(x):
            raise ValueError("bad shape")

        def relu_backward(dout, cache):
            return (dout + 1) * 0
        """,
    )
    with Sandbox(path) as sandbox:
        with pytest.raises(Raised) as raised:
            sandbox.candidate()["relu_forward"](np.ones(3))
        assert str(raised.value) == "ValueError: bad shape (sub.py:3)"
        assert (sandbox.candidate()["relu_backward"](np.ones(3), None) == 0).all()  # still alive


def test_prints_are_captured_and_capped(tmp_path):
    path = submission(
        tmp_path,
        """
        def relu_forward(x):
            print("hello from the submission")
            print("x" * 5000)
            return x
        """,
    )
    with Sandbox(path, output_kb=1) as sandbox:
        sandbox.candidate()["relu_forward"](np.ones(3))
        captured = sandbox.output()
    assert captured.startswith("hello from the submission")
    assert captured.endswith(f"[... {26 + 5001 - 1024} more bytes]")
    assert sandbox.output() == captured  # kept after close


def test_the_child_imports_neither_torch_nor_hypothesis(tmp_path):
    path = submission(
        tmp_path,
        """
        import sys

        def relu_forward(x):
            print(sorted({name.partition(".")[0] for name in sys.modules}))
            return x
        """,
    )
    with Sandbox(path) as sandbox:
        sandbox.candidate()["relu_forward"](np.ones(1))
        imported = set(json.loads(sandbox.output().replace("'", '"')))
    assert "numpy" in imported and "layercheck" in imported
    assert not imported & {"torch", "hypothesis", "oracle", "impl"}


@pytest.mark.parametrize(
    "body, reason",
    [
        ("import os; os.kill(os.getpid(), 9)", "the submission's process died (signal 9)"),
        ("import os; os._exit(0)", "the submission's process exited (status 0)"),
        (
            "import os, sys; os.write(int(sys.argv[-1]), b'\\xff' * 64)",
            "the submission's process broke the protocol: a frame announces",
        ),
    ],
)
def test_a_child_that_dies_or_breaks_the_protocol_leaves_a_dead_sandbox(tmp_path, body, reason):
    path = submission(tmp_path, f"def relu_forward(x):\n    {body}\n    return x\n")
    with Sandbox(path) as sandbox:
        for _ in range(2):
            with pytest.raises(Raised) as raised:
                sandbox.candidate()["relu_forward"](np.ones(1))
            assert str(raised.value).startswith(reason)
        assert sandbox.failure == str(raised.value)
    assert not alive(sandbox.pid)


def test_memory_beyond_the_limit_is_a_memory_error_of_the_call(tmp_path):
    path = submission(
        tmp_path,
        """
        import numpy as np

        def relu_forward(x):
            return np.ones(1 << 30)

        def relu_backward(dout, cache):
            return dout * 2
        """,
    )
    with Sandbox(path, memory_mb=512) as sandbox:
        with pytest.raises(Raised, match="MemoryError"):
            sandbox.candidate()["relu_forward"](np.ones(1))
        assert sandbox.failure is None  # the call failed, not the child: it answers the next
        np.testing.assert_array_equal(sandbox.candidate()["relu_backward"](np.ones(3), None), 2)
