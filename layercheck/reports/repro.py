"""Reproducers: a failing case as Python a student can paste, and its replay.

`snippet` writes a reported case as code: its inputs as numpy literals (float16 and float32
written so that they read back to the same bits), the calls that produce the failing
quantity, and prints of it beside the expected value. It assumes the submission's functions
are in scope (``from layers import *``). Inputs of more than `observe.SHOWN_ELEMENTS`
elements are not written out; `command` then names the ``layercheck repro`` run that
rebuilds them from the case's descriptor, which `replay` performs: the same case, the same
comparison, against any target. Importing this module does not import torch.
"""

from __future__ import annotations

import json
import math
import shlex
from typing import Any

import numpy as np

from layercheck.core.cases import Case, upstream
from layercheck.core.observe import SHOWN_ELEMENTS, Candidate
from layercheck.core.verdicts import PASS, Check
from layercheck.specs import EDGE, SPEC_FILES, Spec, spec_of

#: The descriptor keys of a reported case that rebuild it (with the check's function and
#: quantity): what ``layercheck repro --case`` takes.
DESCRIPTOR = ("function", "quantity", "sizes", "params", "dtype", "seed")


def descriptor(function: str, quantity: str, case: dict[str, Any]) -> dict[str, Any]:
    """The JSON descriptor of a reported `case` (a check's, or one of its `more_cases`) of
    `function`'s `quantity`."""
    return {"function": function, "quantity": quantity, **{k: case.get(k) for k in DESCRIPTOR[2:]}}


def shown_whole(case: dict[str, Any]) -> bool:
    """Whether every input of a reported `case` (its ``shapes``) is small enough to write
    out as a literal."""
    return all(math.prod(shape) <= SHOWN_ELEMENTS for shape in case.get("shapes", {}).values())


def command(target: str | None, found: dict[str, Any]) -> str:
    """The shell command that replays the case of descriptor `found` against `target` (None:
    the bundled impl), with the spec files in use."""
    text = json.dumps(found, separators=(",", ":"))
    where = "" if target is None else f"{shlex.quote(target)} "
    # a spec file by its name alone: no path of the grading machine in feedback
    files = "".join(f"--specs {shlex.quote(path.name)} " for path in SPEC_FILES)
    return f"layercheck repro {where}{files}--case {shlex.quote(text)}"


def snippet(check: Check, case: dict[str, Any] | None = None) -> list[str] | None:
    """Python lines that rebuild `check`'s case (or `case`) and print the failing quantity
    beside the expected value; None where an input is too large to write out, or the
    check's layer is unknown."""
    case = check.case if case is None else case
    spec = spec_of(check.function)
    quantity = check.quantity.removesuffix(EDGE)
    if (
        spec is None
        or not spec.oracle
        or quantity in spec.property_quantities.get(check.function, ())
    ):  # a property builds inputs of its own (dropout's masks, max-pool's ties)
        return None
    if not shown_whole(case):
        return None
    rebuilt = _case(case)
    args = spec.inputs(rebuilt)
    lines = ["import numpy as np"]
    lines += [f"{name} = {literal(value)}" for name, value in args.items()]
    calls, given = _calls(spec, check.function, rebuilt, args, case.get("shapes", {}))
    lines += calls
    shown = _shown(spec, quantity)
    values = case.get("values")
    if shown is not None:
        lines.append(f'print("{quantity}:", {shown})')
        if values is not None:
            expected = np.asarray(values["expected"], dtype=np.float64)
            lines.append(f'print("expected:", {literal(expected)})')
    elif quantity == "arguments_unchanged":  # each argument it modified, and what it was
        for name in _modified(check.message or "", given):
            array, expression = _argument(name, given)
            lines.append(f'print("{name} after the call:", {expression})')
            lines.append(f'print("{name} as it was given:", {literal(array)})')
    elif quantity == "dtype_preserved":
        for output in _array_outputs(spec, check.function):
            lines.append(f'print("{output}.dtype:", {output}.dtype, "expected {rebuilt.dtype}")')
    return lines


def replay(target: Candidate, found: dict[str, Any], profile: str) -> tuple[str, list[str]]:
    """Run the case of descriptor `found` against `target`: its verdict for the quantity
    and the lines that say so (the message, the snippet, the descriptor)."""
    from layercheck.core.evaluate import InvalidCase, Setting, evaluate  # torch: the oracle

    spec = spec_of(found["function"])
    if spec is None:
        raise ValueError(f"{found['function']}: not a function of the API")
    case = _case(found)
    try:
        outcome = evaluate(Setting(spec, target, case.dtype, profile=profile), case)
    except InvalidCase as exc:
        raise ValueError(f"this case is outside the range of {case.dtype}: {exc}") from None
    for seen in outcome.observations:
        if (seen.function, seen.quantity) == (found["function"], found["quantity"]):
            check = Check(seen.function, seen.quantity, case.dtype, "cpu")
            check.add(seen, case, outcome.shapes)
            check.finish()
            lines = [f"{seen.function} {seen.quantity}: {seen.verdict.upper()}"]
            lines += [seen.message] if seen.message else []
            code = snippet(check) if seen.verdict != PASS else None
            lines += ["", *code] if code else []
            return seen.verdict, lines
    raise ValueError(f"{found['function']} has no quantity {found['quantity']!r}")


def literal(value: Any) -> str:
    """`value` (an array, a dict of them, a number) as Python that rebuilds it exactly."""
    if isinstance(value, dict):
        items = ", ".join(f"{key!r}: {literal(item)}" for key, item in value.items())
        return "{" + items + "}"
    if isinstance(value, np.ndarray):
        kind = value.dtype
        if kind.kind == "f":
            return f"np.array({_floats(value)!r}, dtype=np.{kind.name})"
        if kind.kind == "b":
            return f"np.array({value.tolist()!r}, dtype=bool)"
        return f"np.array({value.tolist()!r}, dtype=np.{kind.name})"
    if isinstance(value, np.generic):
        return literal(value.item())
    return repr(value)


def _floats(value: np.ndarray) -> Any:
    """Nested lists of each element's shortest text that reads back to it in its dtype."""
    if value.ndim == 0:
        return _Text(_float(value[()]))
    return [_floats(item) for item in value]


def _float(x: np.floating) -> str:
    if np.isnan(x):
        return "np.nan"
    if np.isinf(x):
        return "np.inf" if x > 0 else "-np.inf"
    return str(x) if type(x) is not np.float64 else repr(float(x))


class _Text(str):
    """A number's text, written without quotes."""

    def __repr__(self) -> str:
        return str(self)


def _case(found: dict[str, Any]) -> Case:
    try:
        return Case(
            sizes={str(k): int(v) for k, v in found["sizes"].items()},
            params=dict(found["params"]),
            dtype=str(found["dtype"]),
            seed=int(found["seed"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        keys = ", ".join(DESCRIPTOR)
        raise ValueError(f"not a case descriptor ({keys}): {exc}") from None


def _calls(
    spec: Spec, function: str, case: Case, args: dict[str, Any], shapes: dict[str, Any]
) -> tuple[list[str], dict[str, Any]]:
    """The forward's call, then (for a backward) its upstream gradients, of the reported
    `shapes`, and its call; and the arguments `function` is given, by name."""
    if spec.method is not None:
        return _method_calls(spec, function, case, args, shapes)
    outputs = [*spec.returns, *(["cache"] if spec.backward else [])]
    call = ", ".join(spec.given_names(args))
    lines = [f"{', '.join(outputs)} = {spec.forward}({call})"]
    if function == spec.forward or function not in spec.backward:
        return lines, args
    douts = {
        f"d{name}": upstream(case, tuple(shapes[f"d{name}"]), k)
        for k, name in enumerate(spec.differentiated)
    }
    lines += [f"{name} = {literal(value)}" for name, value in douts.items()]
    grads = ", ".join(quantity for quantity, _ in spec.grads)
    lines.append(f"{grads} = {function}({', '.join(douts)}, cache)")
    return lines, {**args, **douts}


def _method_calls(
    spec: Spec, function: str, case: Case, args: dict[str, Any], shapes: dict[str, Any]
) -> tuple[list[str], dict[str, Any]]:
    """As `_calls`, for a layer written as a class: construct, set the attributes, call
    ``forward`` (and ``backward``), read the written and stored attributes."""
    method = spec.method
    inputs = spec.given_names(args)[1 + len(method.attributes) :]
    outputs = spec.returns[: len(spec.returns) - len(method.written)]
    lines = [f"layer = {method.cls}(**init)"]
    lines += [f"layer.{name} = {name}" for name in method.attributes]
    if method.loss:
        loss, *grads = spec.returns
        lines.append(f"{loss} = layer.forward({', '.join(inputs)})")
        lines.append(f"{', '.join(grads)} = layer.backward()")
        return lines, args
    lines.append(f"{', '.join(outputs)} = layer.forward({', '.join(inputs)})")
    lines += [f"{name} = layer.{name}" for name in method.written]
    if function == spec.forward:
        return lines, args
    douts = {
        f"dLd{name}": upstream(case, tuple(shapes[f"d{name}"]), k)
        for k, name in enumerate(spec.differentiated)
    }
    lines += [f"{name} = {literal(value)}" for name, value in douts.items()]
    returned = [quantity for quantity, _ in spec.grads][: len(spec.grads) - len(method.stored)]
    lines.append(f"{', '.join(returned)} = layer.backward({', '.join(douts)})")
    lines += [f"{name} = layer.{name}" for name in method.stored]
    return lines, {**args, **douts}


def _array_outputs(spec: Spec, function: str) -> list[str]:
    """The array outputs of `function`, as the snippet names them."""
    if function == spec.forward:
        return [name for name in spec.returns if name not in spec.scalar_outputs]
    return [quantity for quantity, _ in spec.grads]


def _modified(message: str, given: dict[str, Any]) -> list[str]:
    """The arguments an ``arguments_unchanged`` message names (``x``, ``bn_param.running_mean``)
    that the snippet can show."""
    named = message.partition(" modified ")[2].split(", ")
    return [name for name in named if name.split(".")[0] in given]


def _argument(name: str, given: dict[str, Any]) -> tuple[np.ndarray, str]:
    """Argument `name` as it was given, and the expression that holds it after the call."""
    head, _, key = name.partition(".")
    if key:
        return given[head][key], f"{head}[{key!r}]"
    return given[head], head


def _shown(spec: Spec, quantity: str) -> str | None:
    """The expression that holds `quantity` after the calls; None for a property."""
    if quantity in spec.returns or quantity in {q for q, _ in spec.grads}:
        return quantity
    for argument, key in spec.written:
        if key == quantity:
            return f"{argument}.get({key!r})"  # None where it was never written
    return None
