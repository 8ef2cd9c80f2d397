"""Files as untrusted input and precious output.

Reading: only regular files are read, the size is checked on the open file before a byte is
read, and opening never blocks (a FIFO or a device named as an input is refused, not waited
on). Writing: a file is replaced whole or not at all, never one the user gave as an input,
never a device, a folder or a file that is not of the kind being written; the temporary file
is removed on every failure path.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from builder.errors import BrochureError

MB = 1024 * 1024

LIMITS = {"content": 2 * MB, "theme": 2 * MB, "font": 64 * MB, "image": 64 * MB,
          "pdf": 512 * MB, "spreadsheet": 16 * MB, "cache": 32 * MB}
"""The largest file of each kind read, in bytes (a bigger one is refused before reading)."""


NOT_FOUND_HINTS = {"content": "check the path; content files live in content/ (or name the "
                              "folder's one content file by its name)",
                   "theme": "check the path; a theme file is named relative to the file "
                            "that names it"}


def read_input(path: Path, kind: str, *, hint: str | None = None) -> bytes:
    """The bytes of the input file `path` of `kind` (a key of LIMITS): a regular file within
    that kind's size limit, else a BrochureError naming the file."""
    limit = LIMITS[kind]
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer for ever
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                         | getattr(os, "O_BINARY", 0))
    except (FileNotFoundError, NotADirectoryError):
        raise BrochureError(f"{kind} file not found", path=path,
                            hint=hint or NOT_FOUND_HINTS.get(kind, "check the path and its "
                                                             "spelling")) from None
    except IsADirectoryError:
        raise BrochureError(f"this is a folder, not a {kind} file", path=path,
                            hint=hint or "name a file") from None
    except OSError as exc:
        raise BrochureError(f"cannot read the {kind} file: {exc.strerror or exc}", path=path,
                            hint=_os_hint(exc)) from None
    info = os.fstat(handle)  # before fdopen, which refuses a folder with a traceback
    if not stat.S_ISREG(info.st_mode):
        os.close(handle)
        raise BrochureError(f"not a regular file ({_kind_of(info.st_mode)})", path=path,
                            hint=hint or f"name a {kind} file")
    with os.fdopen(handle, "rb") as stream:
        if info.st_size > limit:
            raise BrochureError(f"the {kind} file is {info.st_size:,} bytes, more than the "
                                f"{limit:,} allowed", path=path,
                                hint=hint or f"use a smaller {kind} file")
        try:
            data = stream.read(limit + 1)
        except OSError as exc:
            raise BrochureError(f"cannot read the {kind} file: {exc.strerror or exc}",
                                path=path) from None
    if len(data) > limit:
        raise BrochureError(f"the {kind} file grew past the {limit:,} bytes allowed", path=path)
    return data


def _os_hint(error: OSError) -> str:
    """What to do about an error the system gave when opening a file."""
    if error.errno in (errno.EACCES, errno.EPERM):
        return "check the file's permissions"
    if error.errno == errno.ENAMETOOLONG:
        return "shorten the path: a name or the whole path is longer than the system allows"
    return "check the path"


def _kind_of(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"),
                       (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a file"


def inside(path: Path, folders: Iterable[Path]) -> bool:
    """Whether `path`, links resolved, lies in one of `folders` (links resolved)."""
    resolved = path.resolve()
    return any(resolved.is_relative_to(folder.resolve()) for folder in folders)


# --------------------------------------------------------------------------- writing

SIGNATURES = {"pdf": b"%PDF-", "png": b"\x89PNG", "json": b"{", "text": b""}
"""What an existing file must start with to be replaced by an output of that kind."""


def output_target(path: Path, kind: str, inputs: Iterable[Path] = ()) -> Path:
    """The file an output named `path` will replace (links followed), after checking that
    it may: a new name, or a regular file of the same kind that is none of `inputs`."""
    target = path.resolve()
    for given in inputs:
        if _same_file(target, given):
            raise BrochureError(f"the output would overwrite an input of the build ({given})",
                                path=path, hint="name another output file, e.g. "
                                f"dist/{Path(given).stem}.{kind}")
    try:
        info = target.stat()
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise BrochureError(f"cannot write here: {exc.strerror or exc}", path=path,
                            hint="name a file in a folder you can write to") from None
    if not stat.S_ISREG(info.st_mode):
        raise BrochureError(f"the output is {_kind_of(info.st_mode)}, not a file", path=path,
                            hint=f"name a .{kind} file to write, e.g. dist/NAME.{kind}")
    signature = SIGNATURES[kind]
    if signature and not _starts_with(target, signature):
        raise BrochureError(f"the output exists and is not a {kind.upper()} file; it is left "
                            "as it is", path=path,
                            hint=f"name a new .{kind} file, or delete this one first")
    return target


def _same_file(target: Path, given: Path) -> bool:
    try:
        return target == given.resolve() or (target.exists() and os.path.samefile(target, given))
    except OSError:
        return False


def _starts_with(path: Path, signature: bytes) -> bool:
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    try:
        return os.read(handle, len(signature)) == signature
    finally:
        os.close(handle)


def write_atomically(data: bytes, path: Path, kind: str = "pdf",
                     inputs: Iterable[Path] = ()) -> str:
    """Write `data` to `path` (a link is followed and its target replaced) through a
    temporary file and a rename, after `output_target`'s checks; returns the SHA-256.
    On any failure, Ctrl-C included, the old file is intact and no temporary file is left."""
    target = output_target(path, kind, inputs)
    temporary: str | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        # mkstemp makes the file private (0600); give it the mode a new file would get
        # (or the mode of the file it replaces)
        os.chmod(temporary, target.stat().st_mode & 0o777 if target.exists()
                 else 0o666 & ~_umask())
        os.replace(temporary, target)
        temporary = None
    except OSError as exc:
        reason = ("the disk is full" if exc.errno == errno.ENOSPC
                  else exc.strerror or str(exc))
        raise BrochureError(f"cannot write the {kind.upper()} file: {reason}; any old file "
                            "is unchanged", path=path,
                            hint="check that the folder exists, is writable and has room"
                            ) from None
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
    return hashlib.sha256(data).hexdigest()


def _umask() -> int:
    """The process's umask (reading it means setting it; it is set straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
