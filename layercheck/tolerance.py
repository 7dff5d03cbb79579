"""The tolerance rule: how far a candidate may be from the float64 truth.

Errors are normwise: ``max|got - truth|`` over the whole array. A candidate passes a quantity
when

    max|got - truth| <= PEER_MULTIPLE * peer + floor * max|truth| + atol

where ``peer`` is the max abs error of the PyTorch oracle run in the same dtype on the same
inputs (torch's own fp64-referenced accuracy rule, ``res_err <= k * ref_err + floor``).
The relative floor grows with the dtype's unit roundoff and the square root of the longest
reduction (random-walk growth of rounding errors in a sum): honest code in a low precision
may be many times less accurate than torch, which accumulates float16 in float32. ``atol`` is
torch.testing's per-dtype absolute tolerance. The peer term is absolute, so a truth of exactly
zero reached by cancellation (batchnorm's dx at N = 1) still gets the rounding noise that an
established implementation makes there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Unit roundoff of each dtype (half the distance from 1 to the next number).
EPS = {"float16": 2.0**-11, "float32": 2.0**-24, "float64": 2.0**-53}

#: torch.testing.assert_close's absolute tolerances.
ATOL = {"float16": 1e-5, "float32": 1e-5, "float64": 1e-7}

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


def bound(dtype: str, peer_error: float, reduction: int) -> Bound:
    """The tolerance for `dtype`, given the peer's max abs error on the same case and the
    length of the longest reduction behind the quantity."""
    floor = FLOOR_EPS * EPS[dtype] * math.sqrt(max(reduction, 1))
    return Bound(floor=floor, atol=ATOL[dtype] + PEER_MULTIPLE * peer_error)


def normwise_error(got: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    """(max abs error, max|truth|, normwise relative error) of float64 arrays. A non-finite
    element of `got` where the truth is finite is an infinite error."""
    diff = np.atleast_1d(np.abs(got - truth))
    diff[~np.isfinite(diff)] = np.inf
    max_abs = float(diff.max(initial=0.0))
    scale = float(np.abs(truth).max(initial=0.0))
    rel = max_abs / scale if scale > 0 else (0.0 if max_abs == 0 else math.inf)
    return max_abs, scale, rel
