"""PyTorch definitions of the layer API's forwards, in the course's conventions.

Each oracle takes the forward's arguments as tensors (parameter dicts hold tensors and
plain values) and returns a dict of named outputs. Gradients come only from autograd,
never from hand-written backwards. TF32 is off so CUDA float32 is true float32, and torch's
deterministic algorithms are on where it has them (warning, not failing, where it has none).
"""

import os

os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # cuBLAS determinism, before CUDA

import functools  # noqa: E402

import torch  # noqa: E402

from oracle import conv_layers, layers, rnn_layers

ORACLES = {**layers.ORACLES, **conv_layers.ORACLES, **rnn_layers.ORACLES}

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.backends.cudnn.deterministic = True


@functools.cache
def deterministic() -> None:
    """torch's deterministic algorithms, once, before the first oracle runs on CUDA (its
    nondeterministic kernels are CUDA's): the call imports torch._dynamo, 2.5 s that a run
    on the CPU alone does not spend."""
    torch.use_deterministic_algorithms(True, warn_only=True)


__all__ = ["ORACLES", "deterministic"]
