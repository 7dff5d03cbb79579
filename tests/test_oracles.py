"""The oracles: autograd gradients match finite differences in float64, and each oracle
equals torch's built-in where one exists, up to the course's documented convention."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from layercheck.core import oracles
from layercheck.core.oracles import to_tensors
from layercheck.specs import REGISTRY
from oracle import ORACLES
from oracle.conventions import VARIANTS

ORACLE_SPECS = [spec for spec in REGISTRY.values() if spec.oracle]


@pytest.mark.parametrize("spec", ORACLE_SPECS, ids=lambda spec: spec.name)
@settings(max_examples=6, deadline=None, database=None)
@given(data=st.data())
def test_oracle_gradients_pass_gradcheck(spec, data):
    case = data.draw(spec.case("float64"), label="case")
    inputs = spec.inputs(case)
    assume(not spec.edge_reasons(case, inputs))  # finite differences straddle kinks there
    tensors = to_tensors(spec, inputs, "float64", "cpu")
    wrt = [argument for _, argument in spec.grads]

    def forward(*differentiated):
        arguments = {**tensors, **dict(zip(wrt, differentiated, strict=True))}
        outputs = oracles.oracle_of(spec)(*spec.given_args(arguments))
        return tuple(outputs[name] for name in spec.differentiated)

    assert torch.autograd.gradcheck(forward, [tensors[name] for name in wrt], eps=1e-6, atol=1e-5)


def _rand(*shape):
    return torch.from_numpy(np.random.default_rng(sum(shape)).standard_normal(shape))


def test_svm_oracle_is_multi_margin_loss_times_classes():
    x, y = _rand(7, 5), torch.tensor([0, 4, 2, 2, 1, 3, 0])
    course = ORACLES["svm_loss"](x, y)["loss"]
    torch.testing.assert_close(course, F.multi_margin_loss(x, y) * 5)


def test_softmax_oracle_is_mean_cross_entropy():
    x, y = _rand(6, 4), torch.tensor([0, 1, 2, 3, 3, 1])
    expected = -torch.log_softmax(x, dim=1)[torch.arange(6), y].mean()
    torch.testing.assert_close(ORACLES["softmax_loss"](x, y)["loss"], expected)


def test_batchnorm_oracle_keeps_biased_running_variance_with_course_momentum():
    x, gamma, beta = _rand(8, 3), _rand(3), _rand(1, 3)[0]
    mean, var = _rand(2, 3).abs()
    param = {
        "mode": "train",
        "momentum": 0.9,
        "running_mean": mean.clone(),
        "running_var": var.clone(),
    }
    found = ORACLES["batchnorm_forward"](x, gamma, beta, param)
    torch_mean, torch_var = mean.clone(), var.clone()
    out = F.batch_norm(x, torch_mean, torch_var, gamma, beta, training=True, momentum=0.1)
    torch.testing.assert_close(found["out"], out)
    torch.testing.assert_close(found["running_mean"], torch_mean)
    unbiased_to_biased = 0.1 * x.var(dim=0, correction=1) * (7 / 8 - 1)
    torch.testing.assert_close(found["running_var"], torch_var + unbiased_to_biased)


def test_layernorm_oracle_normalises_rows_with_biased_variance():
    x, gamma, beta = _rand(4, 6), _rand(6), _rand(1, 6)[0]
    xhat = (x - x.mean(1, keepdim=True)) / torch.sqrt(x.var(1, correction=0, keepdim=True) + 1e-5)
    found = ORACLES["layernorm_forward"](x, gamma, beta, {"eps": 1e-5})["out"]
    torch.testing.assert_close(found, gamma * xhat + beta)


def test_every_convention_a_spec_names_has_an_oracle_and_every_oracle_a_name():
    named = {spec.forward: set(spec.conventions) for spec in REGISTRY.values() if spec.conventions}
    oracles = {forward: set(variants) for forward, variants in VARIANTS.items()}
    assert named == oracles, f"specs name {named}, oracle.conventions has {oracles}"
