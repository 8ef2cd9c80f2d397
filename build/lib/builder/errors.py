"""Errors the user can act on: each names a file, a line (and column) when known, and what
to do."""

from __future__ import annotations

from pathlib import Path


class BrochureError(Exception):
    """A problem in the user's input or setup, reported without a traceback."""

    def __init__(self, message: str, *, path: Path | str | None = None,
                 line: int | None = None, hint: str | None = None,
                 column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        self.column = column
        self.hint = hint

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = str(self.path)
            if self.line:
                where += f":{self.line}" + (f":{self.column}" if self.column else "")
            where += ": "
        text = f"{where}error: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text
