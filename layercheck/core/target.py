"""Finds the functions under test in a TARGET: a .py file, a folder of them, a zip of
one, or a module.

Of a folder, only the files that name a function of the API are loaded (with what they
import), and a helper among them (defining no API function itself) that cannot be loaded
costs nothing: a course's assignment folder also holds data loaders, notebooks' helpers,
setup.py and Cython builds that need packages a grader does not have. Files are imported as
submodules of one synthetic package rooted at the target's folder, with the folder, its
parent and the folder above each package they lie in on ``sys.path``, so that course
layouts import their siblings as they wrote them: ``from .layers import *``,
``from layers import *``, ``from cs231n.layers import *``.
"""

from __future__ import annotations

import ast
import atexit
import importlib
import importlib.util
import itertools
import re
import shutil
import sys
import tempfile
import types
from collections.abc import Callable
from pathlib import Path

from layercheck.core.calls import Method, bind, class_of
from layercheck.core.observe import last_line

DEFAULT = "impl"
_counter = itertools.count()
_MODULE_NAME = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
#: Modules of the courses' starter code that submissions import but often do not include.
COURSE_HELPERS = frozenset(
    {"fast_layers", "im2col", "im2col_cython", "layer_utils", "gradient_check", "data_utils"}
)
#: How the reason of a function whose file could not be loaded reads, after the file's name.
LOST = "could not be loaded: "
#: Files where courses keep the layers, searched first (docs/LAYER_API.md's profiles).
_PREFERRED = ("layers.py", "conv_layers.py", "rnn_layers.py")


class TargetError(Exception):
    """The target cannot be loaded; the message is one line for the user."""


def load(
    target: str | None = None,
    names: list[str] | None = None,
    methods: dict[str, Method] | None = None,
) -> dict[str, Callable]:
    """The API functions (or the functions in `names`) that `target` defines, by name
    (missing ones are absent); a class's functions (``Linear.forward``) are bound through
    its call shape in `methods` (by class name). Given `names` and `methods`, nothing
    beyond numpy is imported. Any file that cannot be loaded is a TargetError."""
    return _load(target, names, methods, strict=True)[0]


def load_partial(
    target: str | None = None,
    names: list[str] | None = None,
    methods: dict[str, Method] | None = None,
) -> tuple[dict[str, Callable], dict[str, str]]:
    """As `load`, but a file of a folder that cannot be loaded costs only the functions it
    defines: returns the functions found, and each lost function -> why (one line). A
    TargetError still when nothing could be loaded. The sandboxed child loads submissions
    this way."""
    return _load(target, names, methods, strict=False)


def _load(
    target: str | None,
    names: list[str] | None,
    methods: dict[str, Method] | None,
    *,
    strict: bool,
) -> tuple[dict[str, Callable], dict[str, str]]:
    if names is None or methods is None:
        from layercheck import specs

        names = specs.all_functions() if names is None else names
        methods = specs.methods() if methods is None else methods
    if target is None:  # the bundled impl, whatever folders the working directory holds
        return _functions([importlib.import_module(DEFAULT)], names, methods), {}
    path = Path(target)
    if path.suffix == ".zip" and path.is_file():  # a student's files as an LMS exports them
        return _load(str(_unpacked(path)), names, methods, strict=strict)
    if path.suffix == ".py":
        if not path.is_file():
            raise TargetError(f"{target}: no such file")
        return _load_files(path.resolve().parent, [path.resolve()], names, methods, strict)
    if path.is_dir():
        folder = path.resolve()
        files = [f for f in folder.rglob("*.py") if not _hidden(f.relative_to(folder))]
        if not files:
            raise TargetError(f"{target}: no .py files in this folder")
        # none names one: load them all, and their failures say why nothing is found
        files = [file for file in files if _mentions(file, names)] or files
        ordered = sorted(files, key=lambda f: _order(f, folder))
        return _load_files(folder, ordered, names, methods, strict)
    if path.is_file():
        raise TargetError(f"{target}: not a Python file (.py), a folder or a module")
    if not _MODULE_NAME.match(target) or "/" in target:
        raise TargetError(f"{target}: no such file, folder or module")
    if "" not in sys.path and str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))  # as `python -m` finds a course's cs231n.layers
    try:
        module = importlib.import_module(target)
    except ModuleNotFoundError as exc:
        if exc.name and target.startswith(exc.name):
            raise TargetError(f"{target}: no such file, folder or module") from None
        raise TargetError(f"importing {target} failed: {last_line(exc)}") from None
    except Exception as exc:
        raise TargetError(f"importing {target} failed: {last_line(exc)}") from None
    return _functions([module], names, methods), {}


def _load_files(
    folder: Path,
    files: list[Path],
    names: list[str],
    methods: dict[str, Method],
    strict: bool,
) -> tuple[dict[str, Callable], dict[str, str]]:
    """The functions of `names` the `files` define, and the lost ones (see `load_partial`);
    when `strict`, the first file that cannot be loaded is a TargetError. A helper (a file
    among others that defines none of `names` itself, such as a course's ``layer_utils.py``
    importing an unbuilt Cython module) that cannot be loaded costs nothing."""
    problems: dict[Path, str] = {}
    defined = {file: _defined_in(file, names) for file in files}  # read once, used twice
    helpers = {file for file in files if len(files) > 1 and not defined[file]}
    for file in files:
        shown = file.relative_to(folder)  # no path of the grading machine in a message
        try:
            ast.parse(file.read_bytes(), filename=str(shown))
        except SyntaxError as exc:
            problems[file] = f"{shown}:{exc.lineno}: syntax error: {exc.msg}"
        except (OSError, ValueError) as exc:
            problems[file] = f"{shown}: cannot read: {type(exc).__name__}"
    forgiven = {file: why for file, why in problems.items() if file in helpers}
    problems = {file: why for file, why in problems.items() if file not in helpers}
    if strict and problems:
        raise TargetError(next(iter(problems.values())))
    roots = {_import_root(file) for file in files}  # above nested cs231n/: cs231n.layers
    for entry in (str(folder.parent), str(folder), *sorted(map(str, roots - {folder}))):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    package = f"_layercheck_target_{next(_counter)}"
    root = types.ModuleType(package)
    root.__path__ = [str(folder)]
    sys.modules[package] = root
    modules = []
    for file in files:
        if file in problems or file in forgiven:
            continue
        shown = file.relative_to(folder)
        parts = (re.sub(r"\W", "_", part) for part in shown.with_suffix("").parts)  # alice.v2
        name = ".".join((package, *parts)).removesuffix(".__init__")
        try:
            modules.append(_import(name, file))
        except ModuleNotFoundError as exc:
            helper = (exc.name or "").rpartition(".")[2]
            problems[file] = (
                f"{file.name} imports {exc.name}, a course helper file the submission does "
                f"not include (include the course's {helper}.py, or remove the import)"
                if helper in COURSE_HELPERS
                else f"importing {shown} failed: {last_line(exc)}"
            )
        except BaseException as exc:  # sys.exit() or KeyboardInterrupt at import too
            problems[file] = f"importing {shown} failed: {last_line(exc)}"
        if file in helpers and file in problems:
            forgiven[file] = problems.pop(file)
        if strict and file in problems:
            raise TargetError(problems[file])
    found = _functions(modules, names, methods)
    if not found and (problems or forgiven):
        raise TargetError(next(iter({**problems, **forgiven}.values())))
    lost = {
        name: f"{file.relative_to(folder)} {LOST}"
        + why.replace(f"{file.relative_to(folder)}:", "line ")
        for file, why in problems.items()
        for name in defined[file]
        if name not in found
    }
    return found, lost


def _unpacked(archive: Path) -> Path:
    """The folder `archive`'s files are unpacked into, removed when the process ends."""
    from layercheck.grading.unpack import UnpackError, unpack

    scratch = tempfile.mkdtemp(prefix="layercheck-zip-")
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    try:
        return unpack(archive, Path(scratch) / archive.stem)
    except UnpackError as exc:
        raise TargetError(str(exc)) from None


def _import_root(file: Path) -> Path:
    """The folder from which `file` is importable by its package path: the first folder
    above it that is not a package (holds no ``__init__.py``)."""
    folder = file.parent
    while (folder / "__init__.py").exists() and folder.parent != folder:
        folder = folder.parent
    return folder


def _mentions(file: Path, names: list[str]) -> bool:
    """Whether `file`'s text names any of `names` (a file that names none cannot provide
    one: a course's data loaders, its setup.py)."""
    try:
        text = file.read_text(errors="replace")
    except OSError:
        return True  # unreadable: loading it says so
    return any((class_of(name) or name) in text for name in names)


def _defined_in(file: Path, names: list[str]) -> list[str]:
    """The functions of `names` that `file` defines at its top level (a class's, where it
    defines the class), read as text (a file that cannot be parsed is searched too)."""
    try:
        text = file.read_text(errors="replace")
    except OSError:
        return []
    defined = set(re.findall(r"^(?:def|class)\s+(\w+)\s*[(:]", text, flags=re.MULTILINE))
    return [name for name in names if (class_of(name) or name) in defined]


def _import(name: str, file: Path) -> types.ModuleType:
    """`file` imported as `name` (unless a sibling imported it already), found by its path:
    a sandboxed child may read a single-file submission but not list its folder."""
    if name in sys.modules:
        return sys.modules[name]
    importlib.import_module(name.rpartition(".")[0])  # its packages first, as `import` does
    package = [str(file.parent)] if file.name == "__init__.py" else None
    spec = importlib.util.spec_from_file_location(name, file, submodule_search_locations=package)
    module = sys.modules[name] = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _functions(
    modules: list[types.ModuleType], names: list[str], methods: dict[str, Method]
) -> dict[str, Callable]:
    """First definition of each API function (of each class, for a class's functions,
    bound through its call shape); a module's own beats a re-export."""
    found: dict[str, Callable] = {}
    for own in (True, False):
        for module in modules:
            for name in names:
                owner = class_of(name)
                value = getattr(module, owner or name, None)
                defined_here = getattr(value, "__module__", None) == module.__name__
                if not callable(value) or name in found or defined_here != own:
                    continue
                if owner is None:
                    found[name] = value
                elif isinstance(value, type) and owner in methods:
                    found[name] = bind(methods[owner], value, name)
    return found


def _hidden(relative: Path) -> bool:
    return any(part.startswith((".", "__pycache__")) for part in relative.parts)


def _order(file: Path, folder: Path) -> tuple[int, int, str]:
    relative = file.relative_to(folder)
    preferred = _PREFERRED.index(file.name) if file.name in _PREFERRED else len(_PREFERRED)
    return (preferred, len(relative.parts), str(relative))
