"""Runs an untrusted submission in a sandboxed child process, seen by the parent as a candidate.

`Sandbox(path).candidate()` maps each API function the submission defines to a proxy that
runs it in the child (`layercheck.sandbox.child`): ``python -I`` in its own session and a scratch
working directory, confined by `layercheck.sandbox.confine` (limits, Landlock, seccomp, no network).
The runner and `evaluate` use the proxy unchanged and reach the same verdicts as in-process,
because:

- results come back as themselves (arrays, numpy and Python scalars, a top-level tuple or
  list) or, for anything else (a cache), as a `Handle` to the object the child keeps;
- every change a call makes to the arrays and dicts it received, or reached through a kept
  object (the forward's arguments, through its cache), is applied to the parent's own
  objects; a returned argument is the parent's argument itself.

Protocol, over a pipe pair of its own (stdout and stderr go to a file): each message is a
frame (`layercheck.sandbox.wire`): a JSON header and ``.npy`` blobs, nothing pickled. The
first request names the submission; the child answers ``ready`` (the functions found) or
``load_error``. Each call request holds the function, the encoded arguments and the kept
objects the parent released; the reply holds ``raised`` (the exception's last line) or
``returned``, and the ``changes`` to the call's slots (its array and dict arguments, then
the arguments of the calls that produced the kept objects it received).

A sandbox is not thread-safe, and its child is killed when the thread that started it ends.
"""

from __future__ import annotations

import fcntl
import io
import math
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
import weakref
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from layercheck.core.observe import Lost, Raised
from layercheck.sandbox.confine import Confinement
from layercheck.sandbox.wire import KEYS, PLAIN, ProtocolError, array, frame, npy, unframe

#: Seconds a child gets to start and load the submission, on top of `wall_s`.
STARTUP_S = 10.0
#: Largest reply the parent reads (a huge array is refused, not buffered).
MAX_REPLY = 64 << 20
_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
#: The numeric libraries' settings the child keeps from the grader (the kernel OpenBLAS
#: picks, MKL's code path, numpy's CPU features): the same kernels compute the same bits.
_NUMERIC = ("OPENBLAS_", "GOTOBLAS_", "MKL_", "OMP_", "KMP_", "BLIS_", "NPY_")
_F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
#: The longest text of the submission's kept as one line (an exception's, a load error).
LINE_CHARS = 500
#: ``python -I -B -u PACKAGE INSIDE REQUEST_FD REPLY_FD``, importing the parent's own
#: layercheck package from its folder (an installed copy may be another version, and the
#: folder above it may not be readable), then applying what confinement is left to it
#: (`confine.enclose`) before numpy or the submission load: -B writes no bytecode into the
#: submission's folder, -u loses no output when it is killed.
_COMMAND = (
    sys.executable,
    *("-I", "-B", "-u", "-c"),
    "import sys, importlib.util as u; d = sys.argv[1]; "
    "s = u.spec_from_file_location('layercheck', d + '/__init__.py', "
    "submodule_search_locations=[d]); m = sys.modules['layercheck'] = u.module_from_spec(s); "
    "s.loader.exec_module(m); from layercheck.sandbox.confine import enclose; "
    "enclose(sys.argv[2]); from layercheck.sandbox.child import main; main(sys.argv)",
)
_PACKAGE = str(Path(__file__).resolve().parents[1])  # layercheck/


class Handle:
    """An object the sandboxed child keeps for the parent (a cache, a custom object);
    passing the handle to a sandboxed function passes that object."""

    __slots__ = ("id", "description", "_owner", "__weakref__")

    def __init__(self, id: int, description: str, owner: object = None):
        self.id, self.description, self._owner = id, description, owner

    def describe(self) -> str:
        """What the object is, as `observe.describe` put it in the child."""
        return self.description

    def __repr__(self) -> str:
        return f"<Handle {self.id}: {self.description}>"


class _Kept:
    """The parent's side of the objects the child keeps: for each, the parent's arguments
    of the call that produced it, and which parent array stands for it. A kept object is
    released (in the next request) when the parent's handle or array is collected."""

    def __init__(self) -> None:
        self.released: list[int] = []
        self.slots: dict[int, list[Any]] = {}
        self.arrays: dict[int, tuple[weakref.ref, int]] = {}

    def track(self, value: Handle | np.ndarray, ref: int, slots: list[Any]) -> None:
        self.slots[ref] = slots
        if isinstance(value, np.ndarray):
            self.arrays[id(value)] = (weakref.ref(value), ref)
        weakref.finalize(value, self._release, ref, id(value)).atexit = False

    def _release(self, ref: int, key: int) -> None:
        self.slots.pop(ref, None)
        if self.arrays.get(key, (None, None))[1] == ref:
            del self.arrays[key]
        self.released.append(ref)

    def ref_of(self, value: np.ndarray) -> int | None:
        entry = self.arrays.get(id(value))
        return entry[1] if entry is not None and entry[0]() is value else None

    def drain(self) -> list[int]:
        released, self.released = self.released, []
        return released


class _Request:
    """One call's arguments in wire form; `refs` lists the kept objects they pass, in the
    order the child decodes them."""

    def __init__(self, kept: _Kept):
        self.kept, self.blobs, self.refs = kept, [], []
        self.numbers: dict[int, int] = {}  # id of an array or dict -> its number

    def encode(self, value: Any) -> Any:
        if isinstance(value, Handle):
            if value._owner is not self.kept:
                raise TypeError(f"{value!r} belongs to another sandbox")
            self.refs.append(value.id)
            return {"handle": value.id}
        if isinstance(value, np.generic):
            return {"npy": self._blob(value), "scalar": True}
        if not isinstance(value, np.ndarray | dict):
            if type(value) in (*PLAIN, str):
                return value
            raise TypeError(f"cannot pass a {type(value).__name__} to a sandboxed function")
        if id(value) in self.numbers:
            return {"same": self.numbers[id(value)]}
        self.numbers[id(value)] = len(self.numbers)
        if isinstance(value, dict):
            if any(type(key) not in KEYS for key in value):
                raise TypeError("a dict passed to a sandboxed function has a key of another type")
            return {"dict": [[key, self.encode(item)] for key, item in value.items()]}
        wire = {"npy": self._blob(value)}
        ref = self.kept.ref_of(value)
        if ref is not None:
            wire["ref"] = ref
            self.refs.append(ref)
        if not value.flags.writeable:
            wire["readonly"] = True
        return wire

    def _blob(self, value: np.ndarray | np.generic) -> int:
        self.blobs.append(npy(value))
        return len(self.blobs) - 1


class _Timeout(Exception):
    pass


class Sandbox:
    """A submission (a file or a folder, as `target.load` takes it) loaded in a sandboxed
    child. Use it as a context manager; `close()` kills the child's whole process group
    and removes its scratch directory.

    Loading gets `startup_s` + `wall_s` seconds of wall-clock time and each call `wall_s`;
    all of them together at most `budget_s` (None: no total). The child has `cpu_s` seconds
    of CPU time in all, `memory_mb` of address space, files up to 16 MB, reads nothing of
    `hidden` (`layercheck.sandbox.confine`), and `output()` keeps the first `output_kb` of what it
    printed. A call past a limit, or a child that dies or breaks the protocol, leaves the
    sandbox dead: that call and every later one raise `observe.Raised` with the one-line
    reason (also in `failure`) until `restart()`.
    """

    def __init__(
        self,
        submission: str | Path,
        *,
        wall_s: float = 10.0,
        startup_s: float = STARTUP_S,
        budget_s: float | None = None,
        cpu_s: int = 120,
        memory_mb: int = 2048,
        output_kb: int = 64,
        hidden: Iterable[str | Path] = (),
    ):
        self.submission = submission
        self.wall_s, self.startup_s, self.budget_s = wall_s, startup_s, budget_s
        self.cpu_s, self.memory_mb, self.output_kb = cpu_s, memory_mb, output_kb
        self.hidden = tuple(hidden)
        #: Why the submission could not be loaded (one line), or None.
        self.load_error: str | None = None
        #: Why the sandbox is dead (one line), or None while it is usable.
        self.failure: str | None = None
        self.cpu_used_s = 0.0  # the child's CPU time (user + system), known once it stopped
        #: What confines the child beyond its limits (`Confinement.isolation`, and
        #: ``network``): each True where this machine applies it.
        self.isolation: dict[str, bool] = {"network": False}
        #: The child's process id (also its process group's), once started.
        self.pid: int | None = None
        self.pids: list[int] = []  # every child's, restarts included
        #: The function whose call left the sandbox dead (None: loading, or alive).
        self.died_in: str | None = None
        self._calling: str | None = None
        self._functions: list[str] = []
        #: Functions whose file could not be loaded -> why (one line).
        self.lost: dict[str, str] = {}
        self._process: subprocess.Popen | None = None
        self._wrapped = False  # the child runs inside bubblewrap, which reports its status
        self._scratch: tempfile.TemporaryDirectory | None = None
        self._output_file: io.BufferedRandom | None = None
        self._output: str | None = None
        self._kept = _Kept()
        self._request = self._reply = -1  # the pipe ends the parent writes and reads
        self._ahead = bytearray()  # what was read of the reply pipe beyond the last frame
        self._deadline = 0.0
        self._spent_by = math.inf  # when the budget runs out (monotonic clock)

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        """Start the child and load the submission; afterwards either `load_error` is set
        (and the child is gone) or `candidate()` holds the functions found."""
        if self._scratch is not None:
            raise RuntimeError("a sandbox starts once")
        self._scratch = tempfile.TemporaryDirectory(
            prefix="layercheck-sandbox-", ignore_cleanup_errors=True
        )
        self._output_file = open(os.path.join(self._scratch.name, "output.txt"), "w+b")  # noqa: SIM115
        if self.budget_s is not None:
            self._spent_by = time.monotonic() + self.budget_s
        self._spawn()

    def restart(self) -> None:
        """A fresh child, with the same scratch folder and output, after this one died: one
        function's crash or hang costs that function, not the ones checked after it. The
        time budget is shared; once it is spent, the sandbox stays dead."""
        self._stop()
        self._kept, self._ahead, self.failure, self.died_in = _Kept(), bytearray(), None, None
        if time.monotonic() >= self._spent_by:
            self.failure = self._budget_spent()
            return
        self._spawn()
        if self.load_error is not None:
            self.failure, self.load_error = f"reloading failed: {self.load_error}", None

    def _spawn(self) -> None:
        from layercheck.specs import all_functions, methods

        scratch = self._scratch.name
        request_r, self._request = os.pipe()
        self._reply, reply_w = os.pipe()
        for end in (self._request, self._reply):
            try:
                fcntl.fcntl(end, _F_SETPIPE_SZ, 1 << 20)  # fewer wake-ups for large arrays
            except OSError:  # over the system's maximum, or not Linux
                pass
        env = {
            **{name: value for name, value in os.environ.items() if name.startswith(_NUMERIC)},
            "PATH": os.environ.get("PATH", os.defpath),
            "HOME": scratch,
            "TMPDIR": scratch,
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            **{name: "1" for name in _THREADS},
        }
        path = Path(self.submission)
        confinement = Confinement(
            self.cpu_s,
            self.memory_mb,
            readable=[path.resolve()] if path.exists() else [],
            writable=[scratch],
            hidden=self.hidden,
            scratch=scratch,
        )
        self.isolation.update(confinement.isolation)
        self._wrapped = confinement.bubblewrap is not None
        command = [*_COMMAND, _PACKAGE, confinement.inside, str(request_r), str(reply_w)]
        try:
            self._process = subprocess.Popen(
                confinement.command(command),
                stdin=subprocess.DEVNULL,
                stdout=self._output_file,
                stderr=self._output_file,
                cwd=scratch,
                env=env,
                pass_fds=(request_r, reply_w, *confinement.pass_fds),
                start_new_session=True,
                preexec_fn=confinement.apply,
            )
        except BaseException:
            os.close(self._request)
            os.close(self._reply)
            raise
        finally:
            os.close(request_r)
            os.close(reply_w)
            confinement.close()
        self.pid = self._process.pid
        self.pids.append(self.pid)
        os.set_blocking(self._request, False)
        load = {
            "load": str(path.resolve()) if path.exists() else str(self.submission),
            "names": all_functions(),
            "methods": {name: shape.to_wire() for name, shape in methods().items()},
            "memory_mb": self.memory_mb,
        }
        try:
            seconds = self.wall_s + self.startup_s
            reply, _ = self._exchange(load, [], "loading the submission", seconds)
            self._loaded(reply, set(load["names"]))
        except Raised as failure:
            self.load_error = str(failure)
            self.failure = None

    def _loaded(self, reply: dict[str, Any], names: set[str]) -> None:
        netns = reply.get("netns")
        self.isolation["network"] = bool(netns) and netns != _netns()
        scratch = reply.get("scratch_dev")  # a device of its own: the child's tmpfs
        self.isolation["scratch"] = scratch != os.stat(self._scratch.name).st_dev
        if "load_error" in reply:
            self.load_error = plain(reply["load_error"])
            self._stop()
        else:
            found = reply.get("ready")
            if not isinstance(found, list):
                raise self._die("the submission's process broke the protocol: a bad first reply")
            self._functions = [name for name in found if isinstance(name, str) and name in names]
            lost = reply.get("lost")
            lost = lost if isinstance(lost, dict) else {}
            self.lost = {
                name: plain(why)
                for name, why in lost.items()
                if name in names and name not in self._functions
            }

    def candidate(self) -> dict[str, Callable[..., Any]]:
        """The functions the submission defines, by name, each running in the child, and
        those of its files that could not be loaded, each an error saying why."""
        lost = {name: Lost(why) for name, why in self.lost.items()}
        return {**lost, **{name: self._proxy(name) for name in self._functions}}

    def _proxy(self, name: str) -> Callable[..., Any]:
        def function(*args: Any) -> Any:
            return self.call(name, *args)

        function.__name__ = function.__qualname__ = name
        return function

    def call(self, name: str, *args: Any) -> Any:
        """Run the submission's `name` on `args` in the child: its result, with the changes it
        made to `args` (and, through kept objects, to earlier calls' arguments) applied to
        the parent's objects. Raises `observe.Raised` when it raised or the sandbox died."""
        if self.failure is not None:
            raise Raised(self.failure)
        if self._process is None:
            raise Raised("the sandbox is not running")
        request = _Request(self._kept)
        header = {
            "call": name,
            "args": [request.encode(value) for value in args],
            "release": self._kept.drain(),
        }
        own = [value for value in args if isinstance(value, np.ndarray | dict)]
        slots = own + [slot for ref in request.refs for slot in self._kept.slots.get(ref, [])]
        self._calling = name
        reply, blobs = self._exchange(header, request.blobs, "a call", self.wall_s)
        try:
            if "fatal" in reply:
                raise self._die(plain(reply["fatal"]))
            for index, change in reply["changes"]:
                self._apply(slots[_index(index, len(slots))], change, blobs, slots)
            if "raised" in reply:
                raise Raised(plain(reply["raised"]))
            returned = reply["returned"]
            if isinstance(returned, dict) and ("tuple" in returned or "list" in returned):
                kind = tuple if "tuple" in returned else list
                items = returned.get("tuple", returned.get("list"))
                return kind(self._value(item, blobs, slots, own) for item in items)
            return self._value(returned, blobs, slots, own)
        except (ProtocolError, LookupError, TypeError, ValueError, AttributeError) as exc:
            raise self._die(f"the submission's process broke the protocol: {exc}") from None

    def _value(self, wire: Any, blobs: list[bytearray], slots: list[Any], own: list[Any]) -> Any:
        """A value from the child: a JSON scalar, an argument (``slot``), an array or numpy
        scalar (``npy``), or a kept object (``handle``)."""
        if type(wire) in PLAIN:
            return wire
        if not isinstance(wire, dict):
            raise ProtocolError(f"unexpected {type(wire).__name__} in a reply")
        if "slot" in wire:
            return slots[_index(wire["slot"], len(slots))]
        if "npy" in wire:
            value = array(blobs[_index(wire["npy"], len(blobs))])
            if wire.get("scalar"):
                if value.shape != ():
                    raise ProtocolError(f"a scalar of shape {value.shape}")
                return value[()]
            self._kept.track(value, _index(wire["ref"]), own)
            return value
        handle = Handle(_index(wire["handle"]), str(wire["describe"])[:500], self._kept)
        self._kept.track(handle, handle.id, own)
        return handle

    def _apply(self, slot: Any, change: Any, blobs: list[bytearray], slots: list[Any]) -> None:
        """Apply a change the child reported to the parent's object `slot` (a value put into
        a dict is kept without the call's arguments, as in the child)."""
        if isinstance(slot, np.ndarray):
            _assign(slot, array(blobs[_index(change["array"], len(blobs))]))
            return
        for key, action, *rest in change["dict"]:
            if type(key) not in KEYS:
                raise ProtocolError("a dict key of another type")
            if action == "del":
                slot.pop(key, None)
            elif action == "set":
                slot[key] = self._value(rest[0], blobs, slots, [])
            elif action == "update":
                new = array(blobs[_index(rest[0], len(blobs))])
                if isinstance(slot.get(key), np.ndarray):
                    _assign(slot[key], new)
                else:
                    slot[key] = new
            else:
                raise ProtocolError(f"unknown dict change {action!r}")

    def _exchange(
        self, header: dict[str, Any], blobs: list[bytes], what: str, seconds: float
    ) -> tuple[dict[str, Any], list[bytearray]]:
        """Send one request and read its reply within `seconds`; a timeout, a dead child or a
        bad frame kills the child and raises Raised."""
        now = time.monotonic()
        self._deadline = min(now + seconds, self._spent_by)
        try:
            self._write(frame(header, blobs))
            reply, blobs_back = unframe(self._read, MAX_REPLY)
        except _Timeout:
            if self._deadline == self._spent_by:
                reason = self._budget_spent()
            else:
                reason = f"killed: {what} took longer than {seconds:g} s"
            raise self._die(reason) from None
        except (EOFError, BrokenPipeError):
            raise self._die(self._death()) from None
        except ProtocolError as exc:
            raise self._die(f"the submission's process broke the protocol: {exc}") from None
        if not isinstance(reply, dict) or self._ahead:
            raise self._die("the submission's process broke the protocol: not one reply")
        return reply, blobs_back

    def _budget_spent(self) -> str:
        return f"killed: the submission used up its time budget ({self.budget_s:g} s)"

    def _wait(self, fd: int, event: int) -> None:
        poll = select.poll()
        poll.register(fd, event)
        left = self._deadline - time.monotonic()
        if left <= 0 or not poll.poll(left * 1000):
            raise _Timeout

    def _write(self, pieces: list[bytes]) -> None:
        view = memoryview(b"".join(pieces))
        while view:
            self._wait(self._request, select.POLLOUT)
            try:
                view = view[os.write(self._request, view) :]
            except BlockingIOError:
                continue

    def _read(self, n: int) -> bytearray:
        """Exactly `n` bytes of the reply by `self._deadline`, read straight into place; what
        comes beyond them (up to 64 KB) is kept for the next read."""
        got = min(n, len(self._ahead))
        if got == n:  # the usual case past a frame's first read
            buffer = self._ahead[:n]
            del self._ahead[:n]
            return buffer
        buffer = bytearray(n)
        buffer[:got] = self._ahead[:got]
        del self._ahead[:got]
        view, spare = memoryview(buffer), bytearray(1 << 16)
        while got < n:
            self._wait(self._reply, select.POLLIN)
            size = os.readv(self._reply, [view[got:], spare])
            if not size:
                raise EOFError
            self._ahead += spare[: max(0, got + size - n)]
            got = min(n, got + size)
        return buffer

    def _death(self) -> str:
        """Why the child went away."""
        try:
            code = self._process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return "the submission's process closed its end of the protocol"
        if self._wrapped and code > 128:  # bubblewrap exits 128 + the signal that killed it
            code = 128 - code
        if code == -signal.SIGXCPU:
            return f"exceeded the CPU time limit ({self.cpu_s} s)"
        if code < 0:
            return f"the submission's process died (signal {-code})"
        return f"the submission's process exited (status {code})"

    def _die(self, reason: str) -> Raised:
        """Mark the sandbox dead for `reason` and stop the child; the error to raise."""
        self.failure, self.died_in = reason, self._calling
        self._stop()
        return Raised(reason)

    def _stop(self) -> None:
        if self._process is None:
            return
        self.cpu_used_s += _cpu_seconds(self._process.pid)
        try:
            os.killpg(self._process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):  # the group is gone already
            pass
        self._process.wait()
        self._process = None
        os.close(self._request)
        os.close(self._reply)

    def output(self) -> str:
        """What the child printed (stdout and stderr), the first `output_kb` KB of it."""
        if self._output_file is None:
            return self._output or ""
        fd, limit = self._output_file.fileno(), self.output_kb << 10
        size = os.fstat(fd).st_size
        text = unrooted(os.pread(fd, limit, 0).decode("utf-8", "replace"))
        return text + (f"\n[... {size - limit} more bytes]" if size > limit else "")

    def close(self) -> None:
        """Kill the child's process group and remove the scratch directory; idempotent."""
        self._stop()
        if self._output_file is not None:
            self._output = self.output()
            self._output_file.close()
            self._output_file = None
        if self._scratch is not None:
            try:
                self._scratch.cleanup()
            except RecursionError:  # folders nested deeper than Python's rmtree recurses
                subprocess.run(["rm", "-rf", "--", self._scratch.name], check=False)
            self._scratch = None


def plain(value: Any, limit: int = LINE_CHARS) -> str:
    """Text the submission controls, safe to store: one line of at most `limit` characters,
    lone surrogates (``raise ValueError("\\ud800")``) written as escapes, absolute paths cut
    to their last part (`unrooted`)."""
    text = " ".join(unrooted(str(value)).split())
    if len(text) > limit:
        text = f"{text[:limit]} [... {len(text) - limit} more characters]"
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


#: An absolute path (not inside a word or a relative path), up to its last part.
_ROOTED = re.compile(r"(?<![\w.~/-])/(?:[^\s/'\"():,<>]+/)+(?=[^\s/'\"():,<>]*)")


def unrooted(text: str) -> str:
    """`text` with every absolute path cut to its last part: no path of the grading machine
    (the batch's folder, scratch, the interpreter's) reaches a student
    (``/srv/batch/alice/layers.py:3: RuntimeWarning`` reads ``layers.py:3: ...``)."""
    return _ROOTED.sub("", text)


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) process `pid` and its descendants (bubblewrap's, the child
    within) have used; 0 where /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except (OSError, ValueError, IndexError):
        return 0.0
    return own + sum(_cpu_seconds(int(child)) for child in children)


def _index(value: Any, limit: int | None = None) -> int:
    if type(value) is not int or value < 0 or (limit is not None and value >= limit):
        raise ProtocolError(f"bad index {value!r}")
    return value


def _assign(target: np.ndarray, new: np.ndarray) -> None:
    """Make the parent's array hold `new` in place, taking its shape where the size allows
    (an array that changed size in the child keeps its old shape here)."""
    if target.shape != new.shape and target.size == new.size:
        try:
            target.shape = new.shape
        except AttributeError:  # not contiguous: keeps its shape
            pass
    if target.shape == new.shape:
        np.copyto(target, new, casting="unsafe")


@cache
def _netns() -> int:
    try:
        return os.stat("/proc/self/ns/net").st_ino
    except OSError:
        return 0
