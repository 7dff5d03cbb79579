"""Cases: what hypothesis draws (structure) and how numpy fills it (values).

A `Case` is a small, printable descriptor: named sizes, parameters, dtype and a value seed.
Hypothesis draws and shrinks descriptors; `numpy.random.Generator(seed)` fills the arrays,
so generation is fast and every case is reproducible from its descriptor alone.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st


def _cases_depend_on_the_seed_alone() -> None:
    """Hypothesis mixes literals found in the source of whatever "local" modules are loaded
    (the harness, the submission under test) into its integer draws, so the same seed would
    draw different cases in different processes, and for different submissions. Switch that
    pool off (hypothesis's internals; versions without the feature need nothing)."""
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants
    except ImportError:
        return
    if hasattr(providers, "_get_local_constants"):
        nothing = Constants()
        providers._get_local_constants = lambda: nothing
        providers.CONSTANTS_CACHE.cache.clear()


_cases_depend_on_the_seed_alone()

#: Value seeds; shrinking takes them towards 0.
seeds = st.integers(min_value=0, max_value=2**32 - 1)


@dataclass(frozen=True)
class Case:
    """One input configuration: named sizes (``N``, ``D``...), parameters, dtype, value seed."""

    sizes: dict[str, int]
    params: dict[str, Any] = field(default_factory=dict)
    dtype: str = "float64"
    seed: int = 0

    def rng(self, *stream: int) -> np.random.Generator:
        """Independent value streams of this case: () for the inputs, (1, k) for the upstream
        gradient of output k, (2,) for sensitivity draws, (3,) for property checks."""
        return np.random.default_rng([self.seed, *stream])

    def describe(self) -> dict[str, Any]:
        """JSON-ready descriptor: enough to rebuild the case."""
        return {"sizes": self.sizes, "params": self.params, "dtype": self.dtype, "seed": self.seed}

    @classmethod
    def described(cls, descriptor: dict[str, Any]) -> Case:
        """The case `describe` wrote `descriptor` for (other keys, such as a report's
        shapes, are ignored)."""
        keys = ("sizes", "params", "dtype", "seed")
        return cls(**{key: descriptor[key] for key in keys})

    def key(self) -> tuple:
        """Identity of the case, for drawing distinct cases."""
        return (tuple(self.sizes.items()), tuple(self.params.items()), self.dtype, self.seed)

    def size(self) -> int:
        """Shrink order for choosing the smallest of several failing cases."""
        return int(np.prod(list(self.sizes.values()) or [1]))


def parameters(
    where: Callable[[dict], bool] = lambda _: True, **options: list
) -> st.SearchStrategy[dict]:
    """One dict of parameters from the product of `options`, in a single draw (each draw
    costs hypothesis more than most cases cost to run). The first value of each option is
    the simplest: shrinking moves towards the earlier combinations."""
    names = list(options)
    combos = [
        dict(zip(names, values, strict=True)) for values in itertools.product(*options.values())
    ]
    return st.sampled_from([combo for combo in combos if where(combo)])


@functools.cache  # one strategy object per range: hypothesis re-validates new ones per draw
def dims(lo: int = 1, hi: int = 16) -> st.SearchStrategy[int]:
    """A dimension size in [lo, hi]; shrinks towards lo."""
    return st.integers(min_value=lo, max_value=hi)


@functools.cache
def trailing_dims(hi: int) -> st.SearchStrategy[list[int]]:
    """One to three trailing dimensions (d1..dk), each in [1, hi]."""
    return st.lists(dims(1, hi), min_size=1, max_size=3)


def normal(
    rng: np.random.Generator,
    shape: tuple[int, ...],
    dtype: str,
    scale: float = 1.0,
    shift: float = 0.0,
) -> np.ndarray:
    """``scale * (standard normal + shift)``, rounded to `dtype`."""
    return (scale * (rng.standard_normal(shape) + shift)).astype(dtype)


def away_from_zero(values: np.ndarray, gap: float) -> np.ndarray:
    """`values` with every element of magnitude below `gap` pushed out to +-gap (same dtype):
    keeps inputs off a kink such as ReLU's at 0."""
    sign = np.where(values < 0, -1, 1).astype(values.dtype)
    return np.where(np.abs(values) < gap, sign * values.dtype.type(gap), values)


def labels(rng: np.random.Generator, n: int, classes: int) -> np.ndarray:
    """n integer class labels in [0, classes)."""
    return rng.integers(0, classes, size=n)


def upstream(case: Case, shape: tuple[int, ...], output: int = 0) -> np.ndarray:
    """The upstream gradient of the forward's output number `output` (``dout``; ``dnext_h``
    and ``dnext_c`` for an LSTM step): standard normal in the case's dtype."""
    return normal(case.rng(1, output), shape, case.dtype)
