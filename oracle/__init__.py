"""PyTorch definitions of the layer API's forwards, in the course's conventions.

Each oracle takes the forward's arguments as tensors (parameter dicts hold tensors and
plain values) and returns a dict of named outputs. Gradients come only from autograd,
never from hand-written backwards. TF32 is off so CUDA float32 is true float32.
"""

import torch

from oracle import conv_layers, layers, rnn_layers

ORACLES = {**layers.ORACLES, **conv_layers.ORACLES, **rnn_layers.ORACLES}

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False

__all__ = ["ORACLES"]
