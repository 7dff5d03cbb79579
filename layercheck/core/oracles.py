"""Runs the PyTorch oracles: the float64 truth and the in-dtype peer.

This is the only harness module that imports torch; the others import it where an answer
is computed, so that grading from cached answers never loads torch (2.8 s). Cases are
small, so torch runs single-threaded: parallelism comes from the workers, and an intra-op
thread pool on busy cores costs a hundred times the work it shares.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from oracle import ORACLES, deterministic
from oracle.conventions import VARIANTS

torch.set_num_threads(1)

if TYPE_CHECKING:
    from layercheck.specs import Spec


def cuda_available() -> bool:
    return torch.cuda.is_available()


def torch_version() -> str:
    return str(torch.__version__)


def device_name(device: str) -> str | None:
    """The accelerator's name for `device`, or None for the CPU."""
    return torch.cuda.get_device_name(0) if device == "cuda" and cuda_available() else None


def oracle_of(spec: Spec, variant: str | None = None) -> Callable[..., dict[str, Any]]:
    """The torch forward of `spec` (a spec file's own, else ``oracle.ORACLES``'), or of its
    convention `variant` (``oracle.conventions.VARIANTS``)."""
    if variant is not None:
        return VARIANTS[spec.forward][variant]
    return spec.torch if spec.torch is not None else ORACLES[spec.forward]


def solve(
    spec: Spec,
    args: dict[str, Any],
    dtype: str,
    device: str,
    upstream: Callable[[tuple[int, ...], int], np.ndarray],
    rounding: tuple[float, np.random.Generator] | None = None,
    variant: str | None = None,
) -> dict[str, np.ndarray]:
    """Every quantity the oracle defines for `args`, computed in `dtype` on `device`.

    Float arrays are cast to `dtype`; integer arrays stay int64. Forward outputs come from the
    oracle; gradient quantities from autograd of ``spec.differentiated``, output k weighted by
    the upstream gradient ``upstream(shape, k)`` (a loss's scalar by 1). Results are float64
    numpy. With ``rounding=(u, rng)``, every float tensor autograd saves for the backward
    (the analogue of a course's cache) is multiplied by ``1 +- u``, random signs from `rng`.
    `variant` names another convention of the forward (``oracle.conventions.VARIANTS``).
    """
    if device == "cuda":
        deterministic()
    tensors = to_tensors(spec, args, dtype, device)
    with _perturbing_saved_tensors(rounding):
        outputs = oracle_of(spec, variant)(*spec.given_args(tensors))
    primaries = [outputs[name] for name in spec.differentiated]
    weights = [
        None
        if primary.ndim == 0
        else torch.as_tensor(upstream(tuple(primary.shape), k).astype(np.float64))
        .to(primary.dtype)
        .to(device)
        for k, primary in enumerate(primaries)
    ]
    inputs = [tensors[argument] for _, argument in spec.grads]
    grads = torch.autograd.grad(primaries, inputs, grad_outputs=weights) if inputs else ()
    found = dict(outputs)
    found.update({quantity: g for (quantity, _), g in zip(spec.grads, grads, strict=True)})
    return {name: value.detach().to("cpu", torch.float64).numpy() for name, value in found.items()}


def _perturbing_saved_tensors(rounding: tuple[float, np.random.Generator] | None):
    if rounding is None:
        return contextlib.nullcontext()
    u, rng = rounding

    def pack(saved: torch.Tensor) -> torch.Tensor:
        if not saved.is_floating_point():
            return saved
        signs = rng.choice(np.array([-1.0, 1.0]), size=tuple(saved.shape))
        return saved.detach() * (1 + u * torch.from_numpy(signs).to(saved))

    return torch.autograd.graph.saved_tensors_hooks(pack, lambda saved: saved)


def to_tensors(spec: Spec, args: dict[str, Any], dtype: str, device: str) -> dict[str, Any]:
    """The forward's arguments as tensors: floats in `dtype`, integers int64, booleans kept,
    parameter dicts converted item by item; the arguments of ``spec.grads`` require grad."""
    wrt = {argument for _, argument in spec.grads}
    return {name: _tensor(value, dtype, device, name in wrt) for name, value in args.items()}


def _tensor(value: Any, dtype: str, device: str, requires_grad: bool) -> Any:
    if isinstance(value, dict):
        return {key: _tensor(item, dtype, device, False) for key, item in value.items()}
    if not isinstance(value, np.ndarray):
        return value
    if value.dtype.kind == "f":
        tensor = torch.from_numpy(value.astype(np.float64)).to(
            device=device, dtype=getattr(torch, dtype)
        )
        return tensor.requires_grad_(requires_grad)
    if value.dtype.kind == "b":
        return torch.from_numpy(value.copy()).to(device)
    return torch.from_numpy(value.astype(np.int64)).to(device)
