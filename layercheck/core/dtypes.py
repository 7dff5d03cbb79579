"""Every fact the harness keeps about a checked dtype, in one table: checking another
(bfloat16, where numpy and torch both have it) is a row here and a value in the report
schema's enum (a test holds the two equal)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DType:
    """A checked dtype: its name (numpy's and torch's), its unit roundoff (half the distance
    from 1 to the next number), torch.testing.assert_close's absolute tolerance for it, and
    the colour of its series in the reports' plots."""

    name: str
    unit_roundoff: float
    atol: float
    colour: str


#: The checked dtypes, most precise first (the order of every report's columns).
TABLE = (
    DType("float64", 2.0**-53, 1e-7, "#1f5fa8"),
    DType("float32", 2.0**-24, 1e-5, "#2e9e5b"),
    DType("float16", 2.0**-11, 1e-5, "#d9791e"),
)
DTYPES = tuple(dtype.name for dtype in TABLE)
#: Unit roundoff by dtype.
EPS = {dtype.name: dtype.unit_roundoff for dtype in TABLE}
#: torch.testing.assert_close's absolute tolerances by dtype.
ATOL = {dtype.name: dtype.atol for dtype in TABLE}
#: Plot colours by dtype.
COLOURS = {dtype.name: dtype.colour for dtype in TABLE}
