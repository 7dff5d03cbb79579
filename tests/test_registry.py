"""The registry's own rules, so that adding a layer needs only its three parts: every spec
names its courses and has an oracle, every reference (impl, the alternatives, the second
course's) defines every function, property
checkers emit exactly what they declare, and the case strategies reach the edge cases the
README promises."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, find, settings

from layercheck import specs
from layercheck.core import target
from layercheck.core.dtypes import DTYPES
from layercheck.specs import REGISTRY, spec_of
from oracle import ORACLES

ROOT = Path(__file__).parents[1]
MYTORCH = ROOT / "examples" / "mytorch"
#: Every reference of the built-in API: the bundled impl and the alternatives.
REFERENCES = [None, *sorted(str(p) for p in (ROOT / "tests" / "alternatives").iterdir())]


@pytest.fixture(params=["builtin", "mytorch"])
def registry(request):
    """The built-in registry, then with examples/mytorch's spec file in use."""
    if request.param == "builtin":
        yield dict(REGISTRY)
        return
    with specs.using(MYTORCH / "specs.py"):
        yield {name: spec for name, spec in REGISTRY.items() if spec.in_profile("mytorch")}


def test_every_spec_names_known_courses_and_unique_functions(registry):
    seen: dict[str, str] = {}
    for spec in registry.values():
        assert spec.profiles and spec.profiles <= set(specs.PROFILES), (spec.name, spec.profiles)
        for function in spec.functions:
            assert function not in seen, f"{function} in {spec.name} and {seen[function]}"
            seen[function] = spec.name
            assert spec_of(function) is spec


def test_every_spec_has_an_oracle_or_checks_every_quantity_as_a_property(registry):
    for spec in registry.values():
        if spec.oracle:
            assert spec.torch is not None or spec.forward in ORACLES, spec.name
            assert set(spec.args) >= {argument for _, argument in spec.grads}, spec.name
        else:
            assert spec.properties is not None, spec.name
            assert set(spec.property_quantities) == set(spec.functions), spec.name


@pytest.mark.parametrize("reference", REFERENCES, ids=lambda r: Path(r).name if r else "impl")
def test_every_reference_defines_every_function(reference):
    missing = set(specs.all_functions()) - set(target.load(reference))
    assert not missing, f"{reference or 'impl'} lacks {sorted(missing)}"


def test_the_second_course_reference_defines_every_class():
    with specs.using(MYTORCH / "specs.py"):
        wanted = [f for s in REGISTRY.values() if s.in_profile("mytorch") for f in s.functions]
        found = target.load(str(MYTORCH / "reference"))
    assert set(found) == set(wanted), set(wanted) ^ set(found)


@pytest.mark.parametrize(
    "spec", [s for s in REGISTRY.values() if s.properties], ids=lambda s: s.name
)
def test_property_checkers_emit_exactly_their_declared_quantities(spec):
    candidate = target.load(None)
    for dtype in DTYPES:
        for seed in range(3):
            case = find(spec.case(dtype), lambda case, seed=seed: case.seed % 3 == seed)
            seen = spec.properties(candidate, spec.inputs(case), case, "cs231n")
            emitted = {(o.function, o.quantity) for o in seen}
            declared = {(f, q) for f, qs in spec.property_quantities.items() for q in qs}
            assert emitted == declared, (spec.name, dtype, emitted ^ declared)
            assert len(seen) == len(emitted), "a quantity observed twice on one case"


#: The edge cases the README promises each strategy reaches: spec -> [(what, predicate)].
PROMISED = {
    "affine": [("N = 1", lambda c: c.sizes["N"] == 1)],
    "batchnorm": [
        ("N = 1 (test mode)", lambda c: c.sizes["N"] == 1),
        ("eps absent", lambda c: c.params["eps"] is None),
        ("momentum absent", lambda c: c.params.get("momentum", 0) is None),
    ],
    "softmax_loss": [("logits of scale 1000", lambda c: c.params["scale"] == 1000)],
    "dropout": [("no seed", lambda c: c.params["mask_seed"] is None)],
    "conv": [
        ("pad = 0", lambda c: c.params["pad"] == 0),
        ("pad = 3", lambda c: c.params["pad"] == 3),
        ("stride = 3", lambda c: c.params["stride"] == 3),
    ],
    "max_pool": [
        ("overlapping windows", lambda c: c.params["stride"] < c.params["pool_height"]),
        ("gaps between windows", lambda c: c.params["stride"] > c.params["pool_width"]),
    ],
    "spatial_groupnorm": [
        ("G = C", lambda c: c.params["G"] == c.sizes["C"]),
        ("G = 1", lambda c: c.params["G"] == 1),
    ],
    "rnn": [("T = 1", lambda c: c.sizes["T"] == 1)],
    "lstm": [("T = 1", lambda c: c.sizes["T"] == 1)],
    "word_embedding": [("V = 1", lambda c: c.sizes["V"] == 1)],
    "temporal_softmax_loss": [
        ("fully masked sequences", lambda c: c.params["mask"] == "empty_rows"),
        ("verbose absent", lambda c: c.params["verbose"] is None),
    ],
}


@pytest.mark.parametrize(
    ("name", "what", "predicate"),
    [
        (name, what, predicate)
        for name, promised in PROMISED.items()
        for what, predicate in promised
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_the_case_strategies_reach_the_promised_edge_cases(name, what, predicate):
    quick = settings(
        max_examples=2000, database=None, suppress_health_check=list(HealthCheck), deadline=None
    )
    case = find(REGISTRY[name].case("float64"), predicate, settings=quick)
    assert predicate(case), (name, what, case)
