"""Release: everything a print shop and a website need, in one folder with checksums.

dist/NAME/ gets NAME-print.pdf (PDF/X-4, bleed, marks), NAME-screen.pdf (RGB, links, tags),
and for the press either NAME-booklet.pdf (a saddle-stitched booklet's sheets, press-ready
on the theme's print.sheet with creep from its print.caliper: builder/pdf/impose.py) or
NAME-cover.pdf (a perfect-bound book's cover spread); preflight.txt and preflight.json with
the preflight of every PDF by the rules of its kind (print pages, screen, booklet, cover);
and SHA256SUMS over all of them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from builder.build import build
from builder.cli.inputs import output_for
from builder.files import write_atomically
from builder.inspect.preflight import PreflightReport, preflight
from builder.pdf.impose import impose
from builder.pdf.printing import Marks
from builder.pdf.profile import PRINT, SCREEN


@dataclass(frozen=True)
class Release:
    folder: Path
    files: list[Path]
    reports: dict[Path, PreflightReport]
    """The preflight of each PDF of the release."""
    blanks: int
    """Blank pages the booklet's imposition added (0 for a perfect-bound book)."""

    @property
    def ok(self) -> bool:
        return not any(report.errors for report in self.reports.values())


def release(content: Path, dist: Path, theme_name: str | None = None) -> Release:
    """Build both profiles, impose a saddle-stitched print file (a perfect-bound one brings
    its cover spread), preflight every PDF, write the reports and SHA256SUMS."""
    name = output_for(content, dist).stem  # as build names it: demo/content.yaml → demo
    folder = dist / name
    print_pdf = folder / f"{name}-print.pdf"
    screen_pdf = folder / f"{name}-screen.pdf"
    printed = build(content, print_pdf, theme_name, profile=PRINT.name)
    build(content, screen_pdf, theme_name, profile=SCREEN.name)
    pdfs = [(print_pdf, PRINT), (screen_pdf, SCREEN)]
    blanks = 0
    if printed.cover is not None:
        pdfs.append((printed.cover, PRINT))
    else:
        booklet_pdf = folder / f"{name}-booklet.pdf"
        theme = printed.theme
        assert theme is not None  # a build gives its theme
        imposed = impose(print_pdf, theme.print.sheet, caliper=theme.print.caliper,
                         marks=Marks.of(theme))
        write_atomically(imposed.pdf, booklet_pdf)
        pdfs.append((booklet_pdf, PRINT))
        blanks = imposed.blanks
    reports = {path: preflight(path, profile) for path, profile in pdfs}
    text_report, json_report = folder / "preflight.txt", folder / "preflight.json"
    write_atomically((summary(reports) + "\n\n" + "\n\n".join(
        report.to_text() for report in reports.values()) + "\n").encode(), text_report, "text")
    write_atomically((json.dumps({
        "ok": not any(report.errors for report in reports.values()),
        "files": [json.loads(report.to_json()) for report in reports.values()]},
        ensure_ascii=False, indent=2) + "\n").encode(), json_report, "text")
    files = [*(path for path, _profile in pdfs), text_report, json_report]
    sums = "".join(f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.name}\n" for f in files)
    write_atomically(sums.encode(), folder / "SHA256SUMS", "text")
    return Release(folder, [*files, folder / "SHA256SUMS"], reports, blanks)


def summary(reports: dict[Path, PreflightReport]) -> str:
    """One line a file: its name, PASS or FAIL, what it is, its errors and warnings."""
    lines = []
    width = max(len(path.name) for path in reports)
    for path, report in reports.items():
        errors, warnings = len(report.errors), len(report.issues) - len(report.errors)
        what = report.profile if report.kind == "pages" else f"{report.profile}, {report.kind}"
        lines.append(f"{path.name:<{width}}  {'FAIL' if errors else 'PASS'}  "
                     f"{report.pages} page{'' if report.pages == 1 else 's'}, {what}: "
                     f"{errors} errors, {warnings} warnings")
    return "\n".join(lines)
