"""Release: everything a print shop and a website need, in one folder with checksums.

dist/NAME/ gets NAME-print.pdf (PDF/X-4, bleed, marks), NAME-screen.pdf (RGB, links),
NAME-booklet.pdf (the print file imposed as a press-ready saddle-stitch booklet on the
theme's print.sheet, creep from its print.caliper), preflight.txt and
preflight.json (of the print file), and SHA256SUMS over all of them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from builder.build import build
from builder.files import write_atomically
from builder.inspect.preflight import PreflightReport, preflight
from builder.pdf.impose import Marks, impose
from builder.pdf.profile import PRINT, SCREEN
from builder.source.content import load_document
from builder.source.theme import load_theme, theme_path


@dataclass(frozen=True)
class Release:
    folder: Path
    files: list[Path]
    preflight: PreflightReport
    blanks: int


def release(content: Path, dist: Path, theme_name: str | None = None) -> Release:
    """Build both profiles, impose and preflight the print file, write SHA256SUMS."""
    name = content.stem
    folder = dist / name
    print_pdf = folder / f"{name}-print.pdf"
    screen_pdf = folder / f"{name}-screen.pdf"
    booklet_pdf = folder / f"{name}-booklet.pdf"
    build(content, print_pdf, theme_name, profile=PRINT.name)
    build(content, screen_pdf, theme_name, profile=SCREEN.name)
    theme = load_theme(theme_path(theme_name or load_document(content).theme, content.parent))
    imposed = impose(print_pdf, theme.print.sheet, caliper=theme.print.caliper,
                     marks=Marks.of(theme))
    write_atomically(imposed.pdf, booklet_pdf)
    report = preflight(print_pdf, PRINT)
    text_report, json_report = folder / "preflight.txt", folder / "preflight.json"
    write_atomically((report.to_text() + "\n").encode(), text_report, "text")
    write_atomically((report.to_json() + "\n").encode(), json_report, "text")
    files = [print_pdf, screen_pdf, booklet_pdf, text_report, json_report]
    sums = "".join(f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.name}\n" for f in files)
    write_atomically(sums.encode(), folder / "SHA256SUMS", "text")
    return Release(folder, [*files, folder / "SHA256SUMS"], report, imposed.blanks)
