"""Output stage: write the finished PDF without ever leaving a half-written file behind."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from builder.errors import BrochureError


def write_atomically(data: bytes, path: Path) -> str:
    """Write data to path via a temporary file and a rename; returns the SHA-256."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        # mkstemp makes the file private (0600); give it the mode a new file would get
        # (or the mode of the file it replaces)
        os.chmod(temporary, path.stat().st_mode & 0o777 if path.exists()
                 else 0o666 & ~_umask())
        os.replace(temporary, path)
    except OSError as exc:
        raise BrochureError(f"cannot write the PDF: {exc.strerror}", path=path,
                            hint="check that the folder exists and is writable") from None
    return hashlib.sha256(data).hexdigest()


def _umask() -> int:
    """The process's umask (reading it means setting it; it is set straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
