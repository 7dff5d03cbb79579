"""The tolerance rule: how far a candidate may be from the float64 truth.

Errors are normwise: ``max|got - truth|`` over the whole array. A candidate passes a quantity
when

    max|got - truth| <= PEER_MULTIPLE * peer + FLOOR_EPS * sqrt(n) * (u * max|truth| + s) + atol

- ``peer``: max abs error of the PyTorch oracle run in the same dtype on the same inputs
  (torch's own fp64-referenced accuracy rule, ``res_err <= k * ref_err + floor``). It is
  absolute, so a truth of exactly zero reached by cancellation (batchnorm's dx at N = 1)
  still gets the rounding noise an established implementation makes there.
- the floor: honest code in a low precision may be many times less accurate than torch, which
  accumulates float16 in float32. ``u`` is the dtype's unit roundoff and ``n`` the length of
  the longest reduction (rounding errors of a sum grow like sqrt(n) as a random walk).
  Where a spec declares a ``rounding_scale`` (the magnitude of intermediates every honest
  formula rounds, as a softmax loss rounds Z >= 1), ``max|truth|`` is the larger of the two.
- ``s``, the sensitivity: how far the float64 truth moves when every input is perturbed by
  one rounding (relative ``u``, random signs; the largest of a few draws). Rounding inside
  a backward-stable computation acts like such perturbations, so ``s`` is the error scale of
  an ill-conditioned case: a sum that cancels (db = sum of dout) or a normalisation whose
  spread is small against its mean. It is computed only where the bound without it is
  exceeded, so the ratios of cases within that bound are reported against it.
- ``atol``: torch.testing's per-dtype absolute tolerance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from layercheck.core.dtypes import ATOL, EPS

#: How many times the peer's own error a candidate may make.
PEER_MULTIPLE = 4.0

#: The floor, in units of EPS * sqrt(longest reduction).
FLOOR_EPS = 16.0


@dataclass(frozen=True)
class Bound:
    """The tolerance of one comparison: ``|got - truth| <= atol + floor * max|truth|``."""

    floor: float
    atol: float

    def limit(self, scale: float) -> float:
        """The largest admissible absolute error when ``max|truth| == scale``."""
        return self.atol + self.floor * scale


#: Perturbed truths drawn for the sensitivity; the largest response is kept.
SENSITIVITY_DRAWS = 4


def bound(dtype: str, peer_error: float, reduction: int, sensitivity: float = 0.0) -> Bound:
    """The tolerance for `dtype`, given the peer's max abs error on the same case, the length
    of the longest reduction behind the quantity and, where known, its sensitivity."""
    growth = FLOOR_EPS * math.sqrt(max(reduction, 1))
    atol = ATOL[dtype] + PEER_MULTIPLE * peer_error + growth * sensitivity
    return Bound(floor=growth * EPS[dtype], atol=atol)


def perturbed(value: Any, u: float, rng: np.random.Generator) -> Any:
    """`value` with every float array (also inside parameter dicts) multiplied elementwise by
    ``1 +- u`` with random signs, as float64; other values unchanged."""
    if isinstance(value, dict):
        return {key: perturbed(item, u, rng) for key, item in value.items()}
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        signs = rng.choice(np.array([-1.0, 1.0]), size=value.shape)
        return value.astype(np.float64) * (1 + u * signs)
    return value


def normwise_error(got: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    """(max abs error, max|truth|, normwise relative error) of float64 arrays. A non-finite
    element of `got` where the truth is finite is an infinite error."""
    max_abs = float(np.abs(got - truth).max(initial=0.0))
    if math.isnan(max_abs):
        max_abs = math.inf
    scale = float(np.abs(truth).max(initial=0.0))
    rel = max_abs / scale if scale > 0 else (0.0 if max_abs == 0 else math.inf)
    return max_abs, scale, rel
