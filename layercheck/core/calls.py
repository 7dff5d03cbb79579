"""Call shapes: how the harness calls a layer written as a class.

The harness checks functions: ``out, cache = forward(*args)`` and
``grads = backward(*upstreams, cache)``. A layer written as a class (MyTorch's
``Linear(in_features, out_features)`` with ``forward(A)`` and ``backward(dLdZ)`` that store
``dLdW`` and ``dLdb`` on the object) is checked through two such functions, built here from
a `Method` and the class. They run where the candidate runs (in the sandboxed child too), so
this module imports nothing but the standard library.

Names: the class ``Linear`` is checked as the functions ``Linear.forward`` and
``Linear.backward``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Method:
    """A class's call shape. The forward's arguments are ``(init, *attributes, *inputs)``:

    - ``init``: a dict of the constructor's keyword arguments (``{"in_features": 3, ...}``);
    - ``attributes``: the arguments set on the object before the forward (``W``, ``b``);
    - the rest are ``forward``'s own arguments (``A``).

    The forward function returns ``(*outputs, *written, obj)``: forward's result (a tuple
    when it returns several), then the ``written`` attributes read after the call (running
    statistics), then the object as the cache. The backward function calls
    ``obj.backward(*upstreams)`` and returns its result followed by the ``stored`` attributes
    (the parameters' gradients). A ``loss`` has no upstream: its forward function returns
    ``(loss, obj.backward())``.
    """

    cls: str
    attributes: tuple[str, ...] = ()
    written: tuple[str, ...] = ()
    stored: tuple[str, ...] = ()
    loss: bool = False

    def functions(self) -> tuple[str, ...]:
        """The function names the harness checks the class as."""
        forward, backward = f"{self.cls}.forward", f"{self.cls}.backward"
        return (forward,) if self.loss else (forward, backward)

    def to_wire(self) -> dict[str, Any]:
        """The shape as JSON data (it crosses into the sandboxed child)."""
        return asdict(self)

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Method:
        return cls(
            cls=str(data["cls"]),
            attributes=tuple(map(str, data.get("attributes", ()))),
            written=tuple(map(str, data.get("written", ()))),
            stored=tuple(map(str, data.get("stored", ()))),
            loss=bool(data.get("loss", False)),
        )


def class_of(name: str) -> str | None:
    """The class a function name like ``Linear.forward`` belongs to, or None."""
    owner, dot, _ = name.partition(".")
    return owner if dot else None


def bind(method: Method, klass: type, function: str) -> Callable[..., Any]:
    """`function` (``<cls>.forward`` or ``<cls>.backward``) of `klass` as the harness calls it."""
    if function.endswith(".backward"):
        return _backward(method)
    return _forward(method, klass)


def _forward(method: Method, klass: type) -> Callable[..., Any]:
    count = len(method.attributes)

    def forward(init: dict[str, Any], *args: Any) -> tuple[Any, ...]:
        layer = klass(**init)
        for name, value in zip(method.attributes, args[:count], strict=True):
            setattr(layer, name, value)
        result = layer.forward(*args[count:])
        if method.loss:
            return result, layer.backward()
        outputs = result if isinstance(result, tuple) else (result,)
        written = tuple(getattr(layer, name, None) for name in method.written)
        return (*outputs, *written, layer)

    forward.__name__ = forward.__qualname__ = f"{method.cls}.forward"
    return forward


def _backward(method: Method) -> Callable[..., Any]:
    def backward(*args: Any) -> Any:
        *upstreams, layer = args
        result = layer.backward(*upstreams)
        if not method.stored:
            return result
        returned = result if isinstance(result, tuple) else (result,)
        return (*returned, *(getattr(layer, name, None) for name in method.stored))

    backward.__name__ = backward.__qualname__ = f"{method.cls}.backward"
    return backward
