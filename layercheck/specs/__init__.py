"""The spec registry: the single source of truth for what is checked and how.

A spec describes one layer: its forward (the oracle's key too), the backwards that take the
forward's cache, the argument and return names of LAYER_API.md, how hypothesis draws its
cases and how numpy fills them. The pytest suite, the runner and the reports all derive
from `REGISTRY`; adding a layer is an impl pair, an oracle forward and one entry here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from layercheck.cases import Case

#: Course profiles: conventions that differ between courses and years (LAYER_API.md).
PROFILES: dict[str, dict[str, Any]] = {
    "cs231n": {"dropout_p": "keep"},
    "cs231n-2017": {"dropout_p": "drop"},
    "ucla-c147": {"dropout_p": "drop"},
}
ALL_PROFILES = frozenset(PROFILES)


def _always(case: Case) -> bool:
    return True


@dataclass(frozen=True)
class Spec:
    """One layer of the API.

    - ``returns``: the forward's return values before the cache (``("out",)``); a loss
      returns ``("loss", "dx")`` and has no backward.
    - ``upstreams``: the returns whose upstream gradients the backward takes, in its order
      (``("next_h", "next_c")`` for an LSTM step; default the first return).
    - ``grads``: (quantity, argument) pairs, in the backward's return order; the truth is
      autograd of the upstream returns (of the loss, for a loss) with respect to the argument.
    - ``written``: (parameter dict, key) pairs the forward writes back (running statistics).
    - ``case``: dtype -> strategy of Case; ``inputs``: Case -> the forward's arguments,
      floats already in the case's dtype.
    - ``reduction``: Case -> length of the longest reduction (scales the tolerance floor).
    - ``rounding_scale``: (quantity, args) -> the magnitude of the intermediates every honest
      formula rounds, where it can exceed max|truth|; the floor scales with the larger of the
      two (a softmax loss rounds Z >= 1 and probabilities near 1 however small the loss is).
    - ``properties``: (candidate, args, case, profile) -> observations of the quantities in
      ``property_quantities``: checks no oracle can make (max-pool ties), or, with
      ``oracle=False``, all of a layer's checks (dropout, whose RNG stream is not torch's).
    """

    forward: str
    backward: tuple[str, ...]
    args: tuple[str, ...]
    returns: tuple[str, ...]
    grads: tuple[tuple[str, str], ...]
    case: Callable[[str], st.SearchStrategy[Case]]
    inputs: Callable[[Case], dict[str, Any]]
    reduction: Callable[[Case], int] = lambda case: 1
    rounding_scale: Callable[[str, dict[str, Any]], float] = lambda quantity, args: 0.0
    upstreams: tuple[str, ...] | None = None
    written: tuple[tuple[str, str], ...] = ()
    checks_backward: Callable[[Case], bool] = _always
    properties: Callable[..., list] | None = None
    property_quantities: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    oracle: bool = True
    profiles: frozenset[str] = ALL_PROFILES

    @property
    def name(self) -> str:
        """The layer: the forward's name without ``_forward`` (and ``_naive``)."""
        return self.forward.removesuffix("_naive").removesuffix("_forward")

    @property
    def functions(self) -> tuple[str, ...]:
        return (self.forward, *self.backward)

    @property
    def differentiated(self) -> tuple[str, ...]:
        """The outputs autograd differentiates: the upstream returns, or a loss's value."""
        if self.upstreams is not None:
            return self.upstreams
        return self.returns[:1]

    @property
    def forward_quantities(self) -> tuple[str, ...]:
        return (*self.returns, *(key for _, key in self.written))

    @property
    def scalar_outputs(self) -> tuple[str, ...]:
        """A loss's value is a scalar, exempt from the array checks."""
        return () if self.backward else self.returns[:1]

    def written_keys(self) -> set[str]:
        return {key for _, key in self.written}

    def quantities(self) -> dict[str, tuple[str, ...]]:
        """Every checked quantity, per function, properties included."""
        if not self.oracle:
            return dict(self.property_quantities)
        common = ("arguments_unchanged", "dtype_preserved")
        found = {self.forward: (*self.forward_quantities, *common)}
        for backward in self.backward:
            found[backward] = (*(quantity for quantity, _ in self.grads), *common)
        for function, quantities in self.property_quantities.items():
            found[function] = (*found[function], *quantities)
        return found


def _load() -> dict[str, Spec]:
    from layercheck.specs import convolutional, fully_connected, recurrent

    sections = (fully_connected, convolutional, recurrent)
    return {spec.name: spec for section in sections for spec in section.SPECS}


REGISTRY: dict[str, Spec] = _load()


def spec_of(function: str) -> Spec | None:
    """The spec that checks `function`, or None."""
    for spec in REGISTRY.values():
        if function in spec.functions:
            return spec
    return None


def catalog() -> str:
    """A Markdown table of every checked function, its quantities and its profiles."""
    lines = ["| function | quantities | profiles |", "|---|---|---|"]
    for spec in REGISTRY.values():
        profiles = ", ".join(sorted(spec.profiles))
        for function, quantities in spec.quantities().items():
            lines.append(f"| `{function}` | {', '.join(quantities)} | {profiles} |")
    return "\n".join(lines) + "\n"


def all_functions() -> list[str]:
    return [function for spec in REGISTRY.values() for function in spec.functions]
