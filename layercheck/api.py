"""The public spec API: what a spec file imports to declare its layers.

A spec file is a Python file with a list ``SPECS`` of `Spec` and, for a new course, a list
``PROFILES`` of `Profile`. ``layercheck check TARGET --specs FILE`` and ``layercheck grade
... --specs FILE`` check and grade its layers with everything the built-in API gets.
``examples/mytorch/specs.py`` declares a whole course written as classes;
``docs/ADDING_A_LAYER.md`` walks through one layer.
"""

from layercheck.core.calls import Method
from layercheck.core.cases import (
    Case,
    away_from_zero,
    dims,
    labels,
    normal,
    parameters,
    seeds,
    trailing_dims,
    upstream,
)
from layercheck.core.dtypes import DTYPES, EPS
from layercheck.specs import EDGE, Profile, Spec

__all__ = [
    "DTYPES",
    "EDGE",
    "EPS",
    "Case",
    "Method",
    "Profile",
    "Spec",
    "away_from_zero",
    "dims",
    "labels",
    "normal",
    "parameters",
    "seeds",
    "trailing_dims",
    "upstream",
]
