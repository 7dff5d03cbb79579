"""The reference NumPy layers: the default subject of `layercheck check` and the answer key."""

from impl.conv_layers import *  # noqa: F403
from impl.layers import *  # noqa: F403
from impl.rnn_layers import *  # noqa: F403
