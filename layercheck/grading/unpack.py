"""Zip files as learning-management systems export them: one student's files, or a whole
batch of students' folders and zips, unpacked into a folder the grader owns.

A zip is untrusted input: only regular files whose paths stay inside the folder are
written (no absolute paths, no ``..``, no links), within `MAX_MEMBERS` files and
`MAX_BYTES` bytes; macOS's ``__MACOSX`` and hidden entries are skipped.
"""

from __future__ import annotations

import shutil
import stat
import zipfile
from pathlib import Path, PurePosixPath

MAX_MEMBERS = 5000
MAX_BYTES = 256 << 20


class UnpackError(Exception):
    """A zip that cannot be unpacked; the message is one line."""


def unpack(archive: Path, into: Path) -> Path:
    """Unpack `archive` into the folder `into` (created); return the folder that holds its
    files: `into`, or the archive's one top-level folder when it holds nothing else."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = [member for member in zipped.infolist() if _kept(archive, member)]
            if len(members) > MAX_MEMBERS:
                raise UnpackError(f"{archive.name}: more than {MAX_MEMBERS} files")
            if sum(member.file_size for member in members) > MAX_BYTES:
                raise UnpackError(f"{archive.name}: more than {MAX_BYTES >> 20} MB unpacked")
            into.mkdir(parents=True, exist_ok=True)
            for member in members:
                destination = into.joinpath(*_parts(archive, member))
                destination.parent.mkdir(parents=True, exist_ok=True)
                with zipped.open(member) as source, destination.open("wb") as target:
                    shutil.copyfileobj(source, target)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise UnpackError(f"{archive.name}: not a zip that can be read ({exc})") from None
    except OSError as exc:
        raise UnpackError(f"{archive.name}: cannot be unpacked ({exc.strerror or exc})") from None
    entries = list(into.iterdir())
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else into


def _kept(archive: Path, member: zipfile.ZipInfo) -> bool:
    """A regular file outside macOS's metadata and hidden folders (a path that would leave
    the folder is refused first)."""
    if member.is_dir() or stat.S_ISLNK(member.external_attr >> 16):
        return False
    parts = _parts(archive, member)
    return bool(parts) and parts[0] != "__MACOSX" and not any(p.startswith(".") for p in parts)


def _parts(archive: Path, member: zipfile.ZipInfo) -> tuple[str, ...]:
    """The member's path, refused where it would leave the folder it is unpacked into."""
    path = PurePosixPath(member.filename.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or ":" in path.parts[0]:
        raise UnpackError(f"{archive.name}: a member's path leaves the archive ({member.filename})")
    return path.parts
