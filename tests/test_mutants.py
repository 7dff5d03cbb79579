"""A small mutation pass over impl/: single-point mutants of operators and constants, each of
which the checks must catch. A domain narrowed again (eps always given, pad at most 2) shows
up here as survivors.

The mutants are a fixed sample: the defaults and sizes the drawn domain must reach (a wrong
default eps or momentum, a buffer right only for pad <= 2, the survivors of issue 16's AST
mutation run), and operators and constants of the kind that run produced.
"""

from pathlib import Path

import pytest

import impl
from layercheck.core import runner
from layercheck.core.evaluate import Setting
from layercheck.specs import spec_of

IMPL = Path(impl.__file__).parent
EXAMPLES = 30

#: (file of impl, the function mutated, its text, the mutant's text).
MUTANTS = [
    ("layers.py", "batchnorm_forward", 'bn_param.get("eps", 1e-5)', 'bn_param.get("eps", 1e-4)'),
    ("layers.py", "batchnorm_forward", 'get("momentum", 0.9)', 'get("momentum", 0.45)'),
    ("layers.py", "layernorm_forward", 'ln_param.get("eps", 1e-5)', 'ln_param.get("eps", 1e-4)'),
    ("conv_layers.py", "spatial_groupnorm_forward", 'get("eps", 1e-5)', 'get("eps", 1e-4)'),
    ("conv_layers.py", "conv_backward_naive", "h + 2 * pad,", "h + (2 + pad),"),
    ("layers.py", "relu_forward", "np.maximum(x, 0)", "np.maximum(x, 1e-3)"),
    ("layers.py", "svm_loss", "x[rows, y][:, None] + 1, 0)", "x[rows, y][:, None] + 2, 0)"),
    ("layers.py", "softmax_loss", "x.max(axis=1, keepdims=True)", "x.max()"),
    ("conv_layers.py", "max_pool_backward_naive", "argmax // width", "argmax % width"),
    ("rnn_layers.py", "temporal_softmax_loss", "x.max(axis=2, keepdims=True)", "x.max()"),
]


def mutant(file: str, old: str, new: str) -> dict:
    """impl's `file` with its one occurrence of `old` replaced by `new`, executed as a module
    of its own (its imports of other impl modules are the real ones): its names."""
    source = (IMPL / file).read_text()
    assert source.count(old) == 1, f"{file}: {old!r} is not one place in impl"
    namespace: dict = {"__name__": f"mutant_{file}"}
    exec(compile(source.replace(old, new), f"mutant of {file}", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("file, function, old, new", MUTANTS, ids=[m[3] for m in MUTANTS])
def test_every_mutant_fails_a_check(file, function, old, new):
    namespace = mutant(file, old, new)
    spec = spec_of(function)
    candidate = {name: namespace[name] for name in spec.functions if name in namespace}
    checks = runner.run(Setting(spec, candidate, "float64", "cpu"), examples=EXAMPLES, seed=0)
    failing = [(c.function, c.quantity) for c in checks if c.verdict not in ("pass", "skipped")]
    assert failing, f"{function} with {old!r} -> {new!r} survived {len(checks)} checks"
