"""The spec registry: the single source of truth for what is checked and how.

A spec describes one layer: its forward (the oracle's key too), the backwards that take the
forward's cache, the argument and return names of docs/LAYER_API.md, how hypothesis draws its
cases and how numpy fills them. The pytest suite, the runner and the reports all derive
from `REGISTRY`; adding a layer is an impl pair, an oracle forward and one entry here.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import sys
import types
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from layercheck.core.calls import Method, class_of
from layercheck.core.cases import Case
from layercheck.core.observe import last_line

#: The meanings of dropout's ``p``: the probability of keeping a unit, or of dropping it.
DROPOUT_P = ("keep", "drop")


@dataclass(frozen=True)
class Profile:
    """A course's conventions (docs/LAYER_API.md's profiles).

    - ``course``: the course; a spec is checked under the profiles whose course it lists.
    - ``dropout_p``: what dropout's ``p`` means, "keep" or "drop".
    - ``absent``: functions of the course's specs that the course never had (UCLA's
      ``batchnorm_backward_alt``): skipped, as a spec outside the profile is.
    - ``provided``: functions the course's starter code provides: checked, but not scored
      by the profile's default rubric.
    - ``assignments``: each assignment (``--assignment``) -> the layers its starter files
      hold, by spec name.
    """

    course: str
    dropout_p: str = "keep"
    absent: frozenset[str] = frozenset()
    provided: frozenset[str] = frozenset()
    assignments: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


_FIRST_LAYERS = ("affine", "relu", "svm_loss", "softmax_loss")
_RECURRENT_LAYERS = (
    "rnn_step",
    "rnn",
    "word_embedding",
    "lstm_step",
    "lstm",
    "temporal_affine",
    "temporal_softmax_loss",
)
_CONVOLUTIONAL_LAYERS = ("conv", "max_pool", "spatial_batchnorm")

_COURSES = {
    "cs231n": Profile(
        "cs231n",
        "keep",
        provided=frozenset({"temporal_softmax_loss"}),
        assignments={
            "1": _FIRST_LAYERS,  # the two-layer net's cs231n/layers.py
            "2": (
                *_FIRST_LAYERS,
                "batchnorm",
                "layernorm",
                "dropout",
                *_CONVOLUTIONAL_LAYERS,
                "spatial_groupnorm",
            ),
            "3": _RECURRENT_LAYERS,
        },
    ),
    "cs231n-2017": Profile(
        "cs231n-2017",
        "drop",
        provided=frozenset({"softmax_loss", "temporal_softmax_loss"}),
        assignments={
            "2": (*_FIRST_LAYERS, "batchnorm", "dropout", *_CONVOLUTIONAL_LAYERS),
            "3": _RECURRENT_LAYERS,
        },
    ),
    "ucla-c147": Profile(
        "ucla-c147",
        "drop",
        absent=frozenset({"batchnorm_backward_alt"}),
        provided=frozenset({"softmax_loss"}),
        assignments={
            "3": _FIRST_LAYERS,  # nndl/layers.py: the fully connected nets
            "4": ("batchnorm", "dropout"),
            "5": _CONVOLUTIONAL_LAYERS,  # nndl/conv_layers.py
        },
    ),
}


def with_dropout_p(profile: str, dropout_p: str | None) -> str:
    """The name of `profile` with dropout's ``p`` meaning `dropout_p` (`profile` itself when
    None): ``ucla-c147+dropout-keep`` for the UCLA years that keep."""
    if dropout_p is None:
        return profile
    course = PROFILES[profile].course
    return course if dropout_p == _COURSES[course].dropout_p else f"{course}+dropout-{dropout_p}"


#: Every profile by name: each course, and each course with the other meaning of dropout's p.
PROFILES: dict[str, Profile] = {}


def _add_course(profile: Profile) -> None:
    """`profile`'s course, and its profile with the other meaning of dropout's p."""
    _COURSES[profile.course] = profile
    PROFILES[profile.course] = profile
    for meaning in DROPOUT_P:
        if meaning != profile.dropout_p:
            PROFILES[f"{profile.course}+dropout-{meaning}"] = replace(profile, dropout_p=meaning)


for _course in list(_COURSES.values()):
    _add_course(_course)
#: The built-in courses (a spec file's profiles join `PROFILES`, not this).
COURSES = tuple(_COURSES)
#: The courses that have the CS231n / C147 function API.
COURSE_API = frozenset(COURSES)

#: The suffix of a quantity's edge-tier row: the same quantity on the spec's edge cases.
EDGE = "_edge"


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
    - ``args``: the forward's positional arguments; trailing optional ones (``verbose``) are
      passed only where ``inputs`` gives them.
    - ``case``: dtype -> strategy of Case; ``inputs``: Case -> the forward's arguments,
      floats already in the case's dtype.
    - ``reduction``: Case -> length of the longest reduction (scales the tolerance floor).
    - ``rounding_scale``: (quantity, args) -> the magnitude of the intermediates every honest
      formula rounds, where it can exceed max|truth|; the floor scales with the larger of the
      two (a softmax loss rounds Z >= 1 and probabilities near 1 however small the loss is).
    - ``properties``: (candidate, args, case, profile) -> observations of the quantities in
      ``property_quantities``: checks no oracle can make (max-pool ties), or, with
      ``oracle=False``, all of a layer's checks (dropout, whose RNG stream is not torch's);
      ``property_values``: which of those judge the function's values (the rest, like
      ``arguments_unchanged``, are properties a rubric credits only when the values are right).
    - ``edge``: quantity -> (case, args) -> why the case is in the edge tier for that
      quantity, or None. Legitimate but demanding cases (logits of scale 1000, exact zeros
      at a kink, float16 spreads the course's staged formulas overflow on) are observed on
      rows of their own, ``<quantity>_edge``; ``edge_properties`` are property quantities
      that are wholly edge tier (max-pool ties).
    - ``conventions``: other conventions a failing forward may follow, by id (the key of
      its oracle in ``oracle.conventions.VARIANTS``), each with what to tell the student.
    - ``profiles``: the courses that have the layer (at least one: a spec is checked and
      scored only under these).
    - ``method``: the call shape of a layer written as a class (`Spec.of_class`); None for
      the function API.
    - ``torch``: the oracle, args in ``args`` order -> dict of outputs by name; default
      ``oracle.ORACLES[forward]`` (a spec file brings its own).
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
    property_values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    edge: Mapping[str, Callable[[Case, dict[str, Any]], str | None]] = field(default_factory=dict)
    edge_properties: frozenset[str] = frozenset()
    profiles: frozenset[str] = frozenset()
    conventions: Mapping[str, str] = field(default_factory=dict)
    method: Method | None = None
    torch: Callable[..., dict[str, Any]] | None = None

    @classmethod
    def of_class(cls, method: Method, **fields: Any) -> Spec:
        """The spec of a layer written as a class: its functions are the class's
        (``Linear.forward``, ``Linear.backward``; a loss's forward alone)."""
        forward, *backward = method.functions()
        return cls(forward=forward, backward=tuple(backward), method=method, **fields)

    @property
    def name(self) -> str:
        """The layer: the forward's name without ``_forward`` (and ``_naive``); a class's
        name."""
        return class_of(self.forward) or self.forward.removesuffix("_naive").removesuffix(
            "_forward"
        )

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

    def given_names(self, given: Mapping[str, Any]) -> list[str]:
        """The names of the forward's positional arguments that `given` holds: optional
        ones left out where absent."""
        return [name for name in self.args if name in given]

    def given_args(self, given: Mapping[str, Any]) -> list[Any]:
        """The forward's positional arguments out of `given` (by name)."""
        return [given[name] for name in self.given_names(given)]

    def written_keys(self) -> set[str]:
        return {key for _, key in self.written}

    def quantities(self) -> dict[str, tuple[str, ...]]:
        """Every checked quantity, per function, properties and edge-tier rows included."""
        if not self.oracle:
            return dict(self.property_quantities)
        common = ("arguments_unchanged", "dtype_preserved")
        found = {}
        for function in self.functions:
            values = self.values(function)
            edge = tuple(f"{quantity}{EDGE}" for quantity in values if quantity in self.edge)
            properties = self.property_quantities.get(function, ())
            found[function] = (*values, *common, *edge, *properties)
        return found

    def values(self, function: str) -> tuple[str, ...]:
        """The quantities that judge `function`'s values (core tier): its outputs against the
        oracle (a backward's gradients), or the declared ``property_values``."""
        if not self.oracle:
            return self.property_values.get(function, ())
        if function == self.forward:
            return self.forward_quantities
        return tuple(quantity for quantity, _ in self.grads)

    def tier(self, quantity: str) -> str:
        """Which tier `quantity`'s row is in: "edge" or "core"."""
        edge = quantity.endswith(EDGE) or quantity in self.edge_properties
        return "edge" if edge else "core"

    def edge_reasons(self, case: Case, args: dict[str, Any]) -> dict[str, str]:
        """quantity -> why `case` (whose inputs are `args`) is in its edge tier."""
        found = {quantity: why(case, args) for quantity, why in self.edge.items()}
        return {quantity: why for quantity, why in found.items() if why}

    def in_profile(self, profile: str) -> bool:
        """Whether `profile`'s course has this layer."""
        return PROFILES[profile].course in self.profiles

    def has(self, function: str, profile: str) -> bool:
        """Whether `profile`'s course has `function` (of this spec)."""
        return self.in_profile(profile) and function not in PROFILES[profile].absent


def _builtin() -> dict[str, Spec]:
    from layercheck.specs import convolutional, fully_connected, recurrent

    sections = (fully_connected, convolutional, recurrent)
    return {spec.name: spec for section in sections for spec in section.SPECS}


REGISTRY: dict[str, Spec] = _builtin()

#: The variable that hands the spec files in use to the processes a run starts
#: (pytest-xdist workers): absolute paths joined by ``os.pathsep``.
SPEC_FILES_VARIABLE = "LAYERCHECK_SPECS"
#: The spec files registered in this process, in order.
SPEC_FILES: list[Path] = []


class SpecFileError(Exception):
    """A spec file cannot be used; the message is one line."""


def use(path: str | Path) -> None:
    """Register the layers and courses a spec file declares: its ``SPECS`` (a list of
    `Spec`) and, optionally, its ``PROFILES`` (a list of `Profile`, new courses). The
    processes this one starts register it too. SpecFileError names what is wrong."""
    path = Path(path).resolve()
    if path in SPEC_FILES:
        return
    module = _import_spec_file(path)
    shown = path.name
    profiles = getattr(module, "PROFILES", [])
    found = getattr(module, "SPECS", None)
    if not isinstance(found, list | tuple) or not found:
        raise SpecFileError(f"{shown}: declares no SPECS (a list of layercheck.api.Spec)")
    for profile in profiles:
        if not isinstance(profile, Profile):
            raise SpecFileError(f"{shown}: PROFILES holds {profile!r}, not a Profile")
        if profile.course in _COURSES:
            raise SpecFileError(f"{shown}: the course {profile.course!r} is already defined")
    known = {*_COURSES, *(profile.course for profile in profiles)}
    checked = {function: spec.name for spec in REGISTRY.values() for function in spec.functions}
    for spec in found:
        _validate(spec, shown, known, checked)
        checked.update(dict.fromkeys(spec.functions, spec.name))
    for profile in profiles:
        _add_course(profile)
    REGISTRY.update({spec.name: spec for spec in found})
    SPEC_FILES.append(path)
    os.environ[SPEC_FILES_VARIABLE] = os.pathsep.join(map(str, SPEC_FILES))


@contextlib.contextmanager
def using(*paths: str | Path) -> Iterator[None]:
    """`use` the spec files for the duration of a ``with`` block, then forget them (the
    registry, the courses and the variable as they were)."""
    saved = (dict(REGISTRY), dict(_COURSES), dict(PROFILES), list(SPEC_FILES))
    variable = os.environ.get(SPEC_FILES_VARIABLE)
    try:
        for path in paths:
            use(path)
        yield
    finally:
        for live, old in zip((REGISTRY, _COURSES, PROFILES, SPEC_FILES), saved, strict=True):
            live.clear()
            live.update(old) if isinstance(live, dict) else live.extend(old)
        if variable is None:
            os.environ.pop(SPEC_FILES_VARIABLE, None)
        else:
            os.environ[SPEC_FILES_VARIABLE] = variable


def _import_spec_file(path: Path) -> types.ModuleType:
    if path.suffix != ".py" or not path.is_file():
        raise SpecFileError(f"{path.name}: no such spec file (a .py file declaring SPECS)")
    stem = re.sub(r"\W", "_", path.stem)
    name = f"_layercheck_specs_{len(SPEC_FILES)}_{stem}"
    loader = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(loader)
    sys.modules[name] = module  # dataclasses and pickling look their module up
    try:
        loader.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise SpecFileError(f"importing {path.name} failed: {last_line(exc)}") from None
    return module


def _validate(spec: Any, shown: str, courses: set[str], checked: dict[str, str]) -> None:
    if not isinstance(spec, Spec):
        raise SpecFileError(f"{shown}: SPECS holds {spec!r}, not a Spec")
    if not spec.profiles:
        raise SpecFileError(f"{shown}: {spec.name} names no course (profiles=...)")
    unknown = sorted(spec.profiles - courses)
    if unknown:
        raise SpecFileError(
            f"{shown}: {spec.name} names the unknown course {unknown[0]!r} "
            f"(known: {', '.join(sorted(courses))})"
        )
    for function in spec.functions:
        if function in checked:
            raise SpecFileError(f"{shown}: {function} is already checked (by {checked[function]})")
    if spec.oracle and spec.torch is None:
        raise SpecFileError(f"{shown}: {spec.name} has no oracle (torch=...)")


def default_course() -> str:
    """The course a run checks unless told: a spec file's first new course, else cs231n."""
    added = [course for course in _COURSES if course not in COURSES]
    return added[0] if added else "cs231n"


def courses() -> tuple[str, ...]:
    """Every course: the built-in ones and those of the spec files in use."""
    return tuple(_COURSES)


for _file in filter(None, os.environ.get(SPEC_FILES_VARIABLE, "").split(os.pathsep)):
    use(_file)


def spec_of(function: str) -> Spec | None:
    """The spec that checks `function`, or None."""
    for spec in REGISTRY.values():
        if function in spec.functions:
            return spec
    return None


def catalog() -> str:
    """A Markdown table of every checked function, its quantities and the courses that
    have it (starter code the course provides marked "provided")."""
    lines = ["| function | quantities | courses |", "|---|---|---|"]
    for spec in REGISTRY.values():
        for function, quantities in spec.quantities().items():
            having = ", ".join(
                f"{course} (provided)" if function in PROFILES[course].provided else course
                for course in courses()
                if spec.has(function, course)
            )
            lines.append(f"| `{function}` | {', '.join(quantities)} | {having} |")
    return "\n".join(lines) + "\n"


def assignment_functions(profile: str, assignment: str) -> list[str]:
    """The functions of `profile`'s `assignment` (``--assignment``) that its course has;
    ValueError naming the known assignments for another."""
    known = PROFILES[profile].assignments
    if assignment not in known:
        listed = ", ".join(known) or "none"
        raise ValueError(
            f"{PROFILES[profile].course} has no assignment {assignment!r} (its assignments: "
            f"{listed}; layercheck list shows what each holds)"
        )
    return [
        function
        for name in known[assignment]
        for function in REGISTRY[name].functions
        if REGISTRY[name].has(function, profile)
    ]


def assignments_table() -> str:
    """A Markdown table of every profile's assignments and the layers each holds."""
    lines = ["| profile | --assignment | layers |", "|---|---|---|"]
    for name, course in _COURSES.items():
        for assignment, layers in course.assignments.items():
            lines.append(f"| {name} | {assignment} | {', '.join(layers)} |")
    return "\n".join(lines) + "\n"


def all_functions() -> list[str]:
    return [function for spec in REGISTRY.values() for function in spec.functions]


def methods() -> dict[str, Method]:
    """The call shape of every layer written as a class, by class name."""
    return {spec.method.cls: spec.method for spec in REGISTRY.values() if spec.method}
