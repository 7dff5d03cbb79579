"""The reference NumPy layers: the default subject of `layercheck check` and the answer key."""

from impl.layers import *  # noqa: F403
