"""The harness's own parts: tolerance, tallies, the runner's determinism and shrinking,
devices, and the report document."""

import dataclasses
import json
import math

import numpy as np
import pytest

import impl
from layercheck.core import oracles, runner, target
from layercheck.core.cases import Case
from layercheck.core.dtypes import EPS
from layercheck.core.evaluate import Answers, Setting, answer
from layercheck.core.tolerance import bound, normwise_error
from layercheck.core.verdicts import FAIL, PASS, Check, Observation
from layercheck.reports import report
from layercheck.specs import REGISTRY

IMPL = target.load()


def test_tolerance_floor_scales_with_epsilon_and_reduction_and_peer_is_absolute():
    assert bound("float16", 0.0, 1).floor == pytest.approx(16 * EPS["float16"])
    assert bound("float32", 0.0, 100).floor == pytest.approx(16 * EPS["float32"] * 10)
    assert bound("float64", 2e-3, 1).limit(0.0) == pytest.approx(1e-7 + 8e-3)


def test_normwise_error_counts_non_finite_output_as_infinite():
    max_abs, scale, rel = normwise_error(np.array([1.0, np.nan]), np.array([1.0, 2.0]))
    assert (max_abs, scale, rel) == (math.inf, 2.0, math.inf)
    assert normwise_error(np.array(0.0), np.array(0.0)) == (0.0, 0.0, 0.0)


def test_a_check_keeps_the_worst_verdict_and_the_smallest_failing_case():
    check = Check("f", "dx", "float32", "cpu")
    big, small = Case({"N": 9}, seed=1), Case({"N": 2}, seed=2)
    check.add(Observation("f", "dx", PASS, ratio=0.5, tolerance=1e-3), big, {"x": [9]})
    check.add(Observation("f", "dx", FAIL, "dx: wrong", ratio=7.0, tolerance=1e-3), big, {"x": [9]})
    check.add(
        Observation("f", "dx", FAIL, "dx: wrong", ratio=3.0, tolerance=1e-3), small, {"x": [2]}
    )
    check.add(Observation("f", "dx", PASS, ratio=0.1, tolerance=1e-3), small, {"x": [2]})
    check.finish()
    assert (check.verdict, check.examples, check.ratio) == (FAIL, 4, 7.0)
    assert check.case["sizes"] == {"N": 2} and check.case["shapes"] == {"x": [2]}


def test_same_seed_draws_the_same_cases_and_figures():
    spec = REGISTRY["batchnorm"]
    first = runner.run(Setting(spec, IMPL, "float16", "cpu"), examples=15, seed=11)
    again = runner.run(Setting(spec, IMPL, "float16", "cpu"), examples=15, seed=11)
    other = runner.run(Setting(spec, IMPL, "float16", "cpu"), examples=15, seed=12)
    assert [c.to_json() for c in first] == [c.to_json() for c in again]
    assert [c.to_json() for c in first] != [c.to_json() for c in other]


def test_hypothesis_shrinks_a_failure_to_a_small_case():
    def dw_wrong(dout, cache):
        dx, dw, db = impl.affine_backward(dout, cache)
        return dx, dw * 1.01, db

    candidate = {**IMPL, "affine_backward": dw_wrong}
    checks = runner.run(
        Setting(REGISTRY["affine"], candidate, "float64", "cpu"), examples=30, seed=0
    )
    dw = next(c for c in checks if c.function == "affine_backward" and c.quantity == "dw")
    assert dw.verdict == FAIL and dw.message.startswith("dw: max abs error")
    assert dw.case["sizes"]["N"] == 1 and dw.case["sizes"]["M"] == 1, dw.case
    assert set(dw.case) >= {"sizes", "params", "seed", "shapes", "index", "expected", "got"}
    others = [c for c in checks if c is not dw]
    assert all(c.verdict == PASS for c in others), [c for c in others if c.verdict != PASS]


def _pool_routing(route):
    """A max-pool pair whose backward hands each window's (window, dout) to `route`, which
    returns the window's gradient; the windows of the tie check do not overlap."""

    def windows(x, pool_param):
        ph, pw, stride = (pool_param[k] for k in ("pool_height", "pool_width", "stride"))
        for i in range((x.shape[2] - ph) // stride + 1):
            for j in range((x.shape[3] - pw) // stride + 1):
                yield i, j, np.s_[:, :, i * stride : i * stride + ph, j * stride : j * stride + pw]

    def forward(x, pool_param):
        out = impl.max_pool_forward_naive(x, pool_param)[0]
        return out, (x.copy(), pool_param)

    def backward(dout, cache):
        x, pool_param = cache
        dx = np.zeros_like(x)
        for i, j, at in windows(x, pool_param):
            for n, c in np.ndindex(*x.shape[:2]):
                dx[at][n, c] += route(x[at][n, c], dout[n, c, i, j])
        return dx

    return {"max_pool_forward_naive": forward, "max_pool_backward_naive": backward}


def _maxima(window):
    return window == window.max()


@pytest.mark.parametrize(
    "route, verdict",
    [
        (lambda w, g: np.where(_maxima(w), g, 0), PASS),  # a mask: each maximum gets dout
        (lambda w, g: np.where(_maxima(w), g / _maxima(w).sum(), 0), PASS),  # split evenly
        (lambda w, g: np.zeros(w.shape), FAIL),  # the gradient dropped
        (lambda w, g: np.full(w.shape, g / w.size), FAIL),  # spread over the whole window
        (lambda w, g: np.where(_maxima(w), 2 * g, 0), FAIL),  # twice dout to each maximum
    ],
    ids=["mask", "split", "dropped", "spread", "doubled"],
)
def test_max_pool_ties_accept_any_routing_to_the_maxima_and_nothing_else(route, verdict):
    candidate = _pool_routing(route)
    checks = runner.run(
        Setting(REGISTRY["max_pool"], candidate, "float32", "cpu"), examples=30, seed=0
    )
    found = {(c.function, c.quantity): c for c in checks}
    ties = found["max_pool_backward_naive", "dx_ties"]
    assert ties.verdict == verdict, ties.message
    assert found["max_pool_forward_naive", "out_ties"].verdict == PASS
    if verdict == FAIL:
        assert ties.message.startswith("dx_ties: window") and "(tied maxima)" in ties.message


def test_tie_cases_tile_the_input_and_the_report_shows_the_case_that_ran():
    """Course code may assert that its windows tile the input, as the fast layers do."""

    def tiling(x, pool_param):
        ph, stride = pool_param["pool_height"], pool_param["stride"]
        assert (x.shape[2] - ph) % stride == 0 and (
            x.shape[3] - pool_param["pool_width"]
        ) % stride == 0
        return impl.max_pool_forward_naive(x, pool_param)

    candidate = {**IMPL, "max_pool_forward_naive": tiling}
    checks = runner.run(
        Setting(REGISTRY["max_pool"], candidate, "float64", "cpu"), examples=60, seed=0
    )
    assert all(c.verdict == PASS for c in checks), [(c.quantity, c.message) for c in checks]

    dropped = _pool_routing(lambda w, g: np.zeros(w.shape))
    ties = next(
        c
        for c in runner.run(
            Setting(REGISTRY["max_pool"], dropped, "float64", "cpu"), examples=30, seed=0
        )
        if c.quantity == "dx_ties"
    )
    sizes, params = ties.case["sizes"], ties.case["params"]
    assert params["stride"] >= max(params["pool_height"], params["pool_width"]), params
    assert (sizes["H"] - params["pool_height"]) % params["stride"] == 0, ties.case
    assert ties.case["shapes"]["x"] == [sizes[k] for k in "NCHW"], ties.case
    again = REGISTRY["max_pool"].properties(dropped, {}, Case.described(ties.case), "cs231n")
    assert [o.verdict for o in again if o.quantity == "dx_ties"] == [FAIL], "it reproduces"


@pytest.mark.skipif(oracles.cuda_available(), reason="CUDA is available here")
def test_cuda_checks_say_cuda_is_not_available():
    checks = runner.run(Setting(REGISTRY["affine"], IMPL, "float32", "cuda"), examples=5, seed=0)
    assert {c.verdict for c in checks} == {"skipped"}
    assert {c.message for c in checks} == {"skipped: CUDA not available"}


@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_the_peer_runs_through_the_same_device_generic_path(device):
    if device == "cuda" and not oracles.cuda_available():
        pytest.skip("CUDA not available: the cpu parameter runs the same code")
    spec = REGISTRY["layernorm"]
    case = Case({"N": 3, "D": 5}, {"eps": 1e-5, "scale": 1.0, "shift": 0.0}, "float32", 4)
    args = spec.inputs(case)
    truth = oracles.solve(spec, args, "float64", "cpu", lambda shape, k: np.ones(shape, "float32"))
    peer = oracles.solve(spec, args, "float32", device, lambda shape, k: np.ones(shape, "float32"))
    assert truth.keys() == peer.keys() == {"out", "dx", "dgamma", "dbeta"}
    for quantity in truth:
        assert peer[quantity].dtype == np.float64  # returned upcast, computed in float32
        np.testing.assert_allclose(peer[quantity], truth[quantity], rtol=1e-4, atol=1e-5)


def _exact_peer(spec, args, case, device):
    """The oracle, with a peer exact to one rounding (CUDA's float16 softmax accumulates in
    float32 and rounds once; the CPU's rounds as the course's numpy does)."""
    answers = answer(spec, args, case, device)
    rounded = {q: v.astype(case.dtype).astype(np.float64) for q, v in answers.truth.items()}
    return Answers(answers.truth, rounded)


@pytest.mark.parametrize(
    "name, case",
    [
        ("softmax_loss", Case({"N": 1, "C": 2}, {"scale": 10.0}, "float16", 2)),
        # found on an H200 at seed 3: impl failed the cuda column, passed the cpu one
        (
            "temporal_softmax_loss",
            Case({"N": 1, "T": 4, "V": 2}, {"scale": 10.0, "mask": "some"}, "float16", 4995736),
        ),
    ],
)
def test_a_confident_softmax_loss_in_float16_passes_whatever_the_peer(name, case):
    spec = REGISTRY[name]
    unscaled = dataclasses.replace(spec, rounding_scale=lambda quantity, args: 0.0)
    before = runner.check_cases(
        Setting(unscaled, IMPL, "float16", "cpu", oracle=_exact_peer), [case]
    )
    after = runner.check_cases(Setting(spec, IMPL, "float16", "cpu", oracle=_exact_peer), [case])
    verdicts = {c.quantity: c.verdict for c in before}
    assert verdicts["loss"] == verdicts["dx"] == FAIL, f"not a confident case: {verdicts}"
    ran = [c for c in after if c.examples]  # the loss's edge-tier row met no case
    assert all(c.verdict == PASS for c in ran), [(c.quantity, c.message) for c in after]


def test_report_summarises_margins_and_writes_only_standard_json(tmp_path):
    checks = [
        Check("affine_forward", "out", "float32", "cpu", PASS, 3, 1e-7, 1e-7, 0.25, 1e-5, 1e-7),
        Check(
            "affine_forward",
            "out",
            "float16",
            "cpu",
            FAIL,
            3,
            math.inf,
            math.inf,
            math.inf,
            1e-3,
            1e-4,
            "out: wrong",
            {"sizes": {"N": 1}},
        ),
        Check(
            "affine_backward",
            "dx",
            "float16",
            "cpu",
            FAIL,
            3,
            2.0,
            1.0,
            40.0,
            1e-3,
            1e-4,
            "dx: wrong",
            {"sizes": {"N": 1}},
        ),
    ]
    document = report.build([c.to_json() for c in checks], {"target": "t", "seed": 0})
    summary = document["summary"]
    assert summary["worst_passing_ratio"] == 0.25 and summary["best_failing_ratio"] == 40.0
    assert summary["passed"] is False and summary["verdicts"]["fail"] == 2
    report.write_json(document, tmp_path / "r.json")
    assert json.loads((tmp_path / "r.json").read_text())["checks"][1]["ratio"] == "inf"
    markdown = report.to_markdown(document)
    assert "| affine_forward | out | pass 0.25 | **FAIL** inf |" in markdown
    assert "- **affine_backward.dx** (float16, cpu): fail: dx: wrong" in markdown


def test_cases_depend_on_the_seed_alone_not_on_the_code_loaded(tmp_path, monkeypatch):
    def drawn():
        return runner.draw(REGISTRY["softmax_loss"], "float16", examples=40, seed=7)

    before = drawn()
    literals = ", ".join(str(n) for n in range(3, 4000, 7))  # what a submission might contain
    (tmp_path / "student_constants.py").write_text(f"SIZES = [{literals}]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    __import__("student_constants")
    assert drawn() == before


def test_a_passing_run_meets_exactly_the_drawn_cases():
    spec, seen = REGISTRY["affine"], []

    def recording(spec, args, case, device):
        seen.append(case)
        return answer(spec, args, case, device)

    cases = runner.draw(spec, "float32", examples=30, seed=3)
    checks = runner.check_cases(Setting(spec, IMPL, "float32", "cpu", oracle=recording), cases)
    assert seen == cases and len(cases) >= 25
    assert [c.to_json() for c in checks] == [
        c.to_json() for c in runner.run(Setting(spec, IMPL, "float32", "cpu"), examples=30, seed=3)
    ]
