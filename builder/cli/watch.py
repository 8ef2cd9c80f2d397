"""Watch: rebuild whenever the content, its theme or its images change (polling, no extra
dependency). Stops on Ctrl-C; a failed rebuild prints its error and keeps watching."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from builder.errors import BrochureError

POLL_SECONDS = 0.5


def watched_files(content: Path, theme_name: str | None) -> list[Path]:
    """The content file, its theme files (and the ones they extend), its images and the
    spreadsheets its tables read (while the content does not load: every spreadsheet in
    its folder and the folders under it, as one of them may be what fails)."""
    from builder.source.content import load_document
    from builder.source.tables import DATA_SUFFIXES
    from builder.source.texts import data_files, image_files
    from builder.source.theme import theme_chain, theme_path

    files = [content]
    try:
        document = load_document(content)
    except BrochureError:  # watch the content (and the data it may read) until it loads
        folder = content.parent
        return files + sorted(p for pattern in ("*", "*/*") for p in folder.glob(pattern)
                              if p.suffix.lower() in DATA_SUFFIXES)[:MAX_DATA_FILES]
    # a broken theme is watched until it reads again
    files += theme_chain(theme_path(theme_name or document.theme, content.parent))
    files += image_files(document)
    files += data_files(document)
    return files


MAX_DATA_FILES = 100
"""The most spreadsheets watched while the content does not load."""


def watch(content: Path, theme_name: str | None, rebuild: Callable[[], None],
          report: Callable[[str], None], stop: Callable[[], bool] = lambda: False) -> None:
    """Call rebuild() now and after every change of a watched file, until stop() is true."""
    def stamps() -> dict[Path, float]:
        return {p: _mtime(p) for p in watched_files(content, theme_name)}

    seen: dict[Path, float] = {}
    while not stop():
        current = stamps()
        if current != seen:
            seen = current
            try:
                rebuild()
            except BrochureError as error:
                report(str(error))
            report(f"watching {len(current)} files (Ctrl-C to stop)")
        time.sleep(POLL_SECONDS)


def _mtime(path: Path) -> float:
    """When the file was last changed; 0 if it is missing (or went away just now)."""
    try:
        return os.stat(path).st_mtime
    except (OSError, ValueError):
        return 0.0
