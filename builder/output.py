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
        os.replace(temporary, path)
    except OSError as exc:
        raise BrochureError(f"cannot write the PDF: {exc.strerror}", path=path,
                            hint="check that the folder exists and is writable") from None
    return hashlib.sha256(data).hexdigest()
