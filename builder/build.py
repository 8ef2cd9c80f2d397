"""The pipeline: load -> check -> fonts -> layout -> verify -> write, one function per build."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from builder.engine.platypus import LayoutError
from builder.errors import BrochureError
from builder.files import output_target, write_atomically
from builder.findings import Finding
from builder.inspect.verify import ensure_nothing_lost
from builder.layout.document import BlockTooLarge, covers_apart, layout_document
from builder.layout.spread import cover_spread, describe
from builder.parallel import beside
from builder.pdf.printing import pdf_version, prepare_pdf, stamp_document_id
from builder.pdf.profile import output_profile
from builder.rules.check import check_document
from builder.source.content import load_document
from builder.source.model import Document
from builder.source.texts import image_files
from builder.source.theme import SIZE_HINT, Theme, load_theme, theme_path
from builder.typeset.fonts import FontFace
from builder.typeset.typesetter import register_theme_fonts

if TYPE_CHECKING:
    from concurrent.futures import Future


@dataclass(frozen=True)
class BuildResult:
    output: Path
    pages: int
    size: int
    seconds: float
    sha256: str
    findings: tuple[Finding, ...]
    cover: Path | None = None
    """A perfect-bound print file's cover spread (`cover_path`), written beside it."""
    spine: str | None = None
    """Its spine, for the report: 'spine 9.6 mm'."""
    theme: Theme | None = None
    """The theme as the file was made in it (its size, its print settings)."""


def build(content: Path, output: Path, theme_name: str | None = None, *,
          profile: str = "print", page_size: str | None = None,
          progress: Callable[[int], None] | None = None) -> BuildResult:
    """Build one brochure; raises BrochureError (and keeps any old PDF) when it cannot.

    profile: the name of an output profile (`builder.pdf.profile`): 'print' is trim + bleed +
    crop marks, CMYK, PDF/X-4 output intent; 'screen' is sRGB, no marks, clickable contents.
    Leaves the process as it found it (the garbage collector, ReportLab's settings) but for
    the fonts it registers and caches."""
    started = time.perf_counter()
    _check_source_date_epoch()
    output_kind = output_profile(profile)
    document = load_document(content)
    theme = load_theme(theme_path(theme_name or document.theme, content.parent))
    if page_size:
        try:
            theme = theme.with_page_size(page_size)
        except ValueError as error:
            raise BrochureError(str(error), hint=SIZE_HINT) from None
    screen_colors = None
    if output_kind.color_space == "RGB":  # LittleCMS is imported only for screen files
        from builder.pdf.color import screen_palette
        screen_colors = screen_palette(theme.colors)
    theme = theme.for_output(marks=output_kind.marks, pad_pages=output_kind.pad_pages,
                             screen_colors=screen_colors)
    fonts = register_theme_fonts(theme)
    inputs = build_inputs(content, document, theme, fonts.faces)
    output_target(output, "pdf", inputs)  # refused before the work, not after it
    if covers_apart(theme, output_kind):
        output_target(cover_path(output), "pdf", inputs)

    def check() -> list[Finding]:
        return check_document(document, fonts.faces, theme)

    # A long document is checked in a second process while this one lays it out (where
    # `beside` finds a safe fork); its errors stop the build all the same, before anything
    # is written, and explain a layout error better than the layout can.
    long = document.size >= PARALLEL_BLOCKS
    with beside(check) if long else nullcontext() as pending:
        findings = check() if pending is None else []
        _stop_on_errors(findings, content)
        try:
            laid_out = layout_document(
                document, theme, fonts, output_kind, progress,
                before_save=lambda canvas: prepare_pdf(canvas, document.meta, output_kind,
                                                       theme.print.binding,
                                                       grid=theme.design.grid),
                pdf_version=pdf_version(output_kind))
        except BrochureError as error:  # the layout's own (too many pages): name the file
            error.path = error.path or content
            raise
        except LayoutError as error:  # a block larger than the page that cannot split
            if pending is not None:
                _stop_on_errors(_findings(pending, check), content)
            raise _too_large(error, content) from None
        if pending is not None:
            findings = _findings(pending, check)
            _stop_on_errors(findings, content)
    ensure_bindable(theme, laid_out.pages, output_kind.pad_pages)
    spread = None
    if covers_apart(theme, output_kind):
        spread = cover_spread(document, theme, fonts, output_kind, laid_out.pages,
                              before_save=lambda canvas: prepare_pdf(
                                  canvas, document.meta, output_kind, theme.print.binding,
                                  kind="cover"))
    ensure_nothing_lost(document, laid_out.pdf, laid_out.record,
                        *([(spread.pdf, spread.record)] if spread is not None else []))
    pdf = stamp_document_id(laid_out.pdf)
    cover = None
    if spread is not None:  # the cover first: the pages' file is the one a reader opens
        cover = cover_path(output)
        write_atomically(stamp_document_id(spread.pdf), cover, "pdf", inputs)
    sha = write_atomically(pdf, output, "pdf", inputs)
    return BuildResult(output=output, pages=laid_out.pages, size=len(pdf),
                       seconds=time.perf_counter() - started, sha256=sha,
                       findings=tuple(findings), cover=cover,
                       spine=describe(spread) if spread is not None else None, theme=theme)


def cover_path(output: Path) -> Path:
    """Where a perfect-bound book's cover spread is written, beside its pages' file:
    book.pdf → book-cover.pdf, and book-print.pdf (a release's) → book-cover.pdf."""
    return output.with_name(f"{output.stem.removesuffix('-print')}-cover{output.suffix}")


def ensure_bindable(theme: Theme, pages: int, printed: bool) -> None:
    """Refuse a print file that its binding cannot hold: a saddle stitch closes at most
    `print.saddle_pages` pages (64 by default; a thicker booklet does not fold flat)."""
    spec = theme.print
    if printed and spec.binding == "saddle" and pages > spec.saddle_pages:
        raise BrochureError(
            f"the print file has {pages} pages, more than a saddle stitch closes "
            f"({spec.saddle_pages}, print.saddle_pages)", path=theme.path,
            hint="set print.binding: perfect in the theme (a glued spine: the pages need "
                 "not be a multiple of 4), or split the content into several brochures")


LAST_EPOCH = 253402300799
"""9999-12-31 23:59:59 UTC, the last second a PDF date can hold."""


def _check_source_date_epoch() -> None:
    """SOURCE_DATE_EPOCH (reproducible builds) dates the file, here and inside ReportLab,
    which reads it too: it must be whole seconds since 1970 that a PDF date can hold."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value and not (value.isascii() and value.isdigit() and int(value) <= LAST_EPOCH):
        raise BrochureError(f"SOURCE_DATE_EPOCH={value[:40]!r} is not a time",
                            hint="set it to whole seconds since 1970, e.g. "
                                 "SOURCE_DATE_EPOCH=$(git log -1 --format=%ct), or unset it")


def build_inputs(content: Path, document: Document, theme: Theme,
                 faces: tuple[FontFace, ...]) -> list[Path]:
    """Every file a build reads: the content, the theme files, the fonts and the images."""
    return [content, *theme.files, *(face.path for face in faces), *image_files(document)]


PARALLEL_BLOCKS = 300
"""From this many blocks on (scorecard rows count), the check runs beside the layout: about
0.3 s of a 500-page build's 3 s, measured to save 3-6 % of its time on two idle cores."""


def _findings(pending: Future[list[Finding]], check: Callable[[], list[Finding]]
              ) -> list[Finding]:
    """The worker's findings; should the worker have died (killed, out of memory), the
    check is made here. An error of the check itself is raised as it would be here."""
    from concurrent.futures.process import BrokenProcessPool  # loaded with the pool

    try:
        return pending.result()
    except BrokenProcessPool:
        return check()


TOO_LARGE = re.compile(r"\(([\d.]+) x ([\d.]+)\) too large on page (\d+) in frame "
                       r"'[^']*'\(([\d.]+) x ([\d.]+)")
"""The sizes in ReportLab's LayoutError message: the flowable's, the page, the frame's."""
WHY_TOO_LARGE = {
    "scorecard": ("a row of the table (or its title) is taller than the page's text block",
                  "shorten that row's texts (metric, remark), or use a larger page size"),
    "table": ("a row of the table (or its title) is taller than the page's text block",
              "shorten that row's longest cell, or use a larger page size"),
    "figure": ("the picture with its caption is taller than the page's text block",
               "shorten the caption, or use a larger page size"),
    "photos": ("a row of pictures with their captions is taller than the page's text block",
               "shorten the captions or set fewer 'columns', or use a larger page size"),
}
"""Why a block of each kind may not fit, and what to do; text blocks: one line too tall."""


def _too_large(error: Exception, content: Path) -> BrochureError:
    """The error for a block that fits no page: its kind and line when the layout knows."""
    origin = error.origin if isinstance(error, BlockTooLarge) else None
    sizes = TOO_LARGE.search(str(error))
    measured = (f" (it needs {float(sizes[1]):.0f} × {float(sizes[2]):.0f} pt; the text block"
                f" of page {sizes[3]} has {float(sizes[4]):.0f} × {float(sizes[5]):.0f} pt)"
                if sizes else "")
    page_size = "`--page-size` or the theme's page.size"
    if origin is None:
        return BrochureError(f"part of the brochure's own pages (cover, contents) does not fit"
                             f" on the page{measured}", path=content,
                             hint=f"use a larger page size ({page_size}); if that does not"
                                  " help, please report it with the content and theme files")
    why, what_to_do = WHY_TOO_LARGE.get(origin.what, (
        "its type is larger than the page's text block, or it cannot be broken into lines",
        "shorten it or break a long unspaced run, or use a larger page size"))
    if isinstance(error, BlockTooLarge) and error.why and error.what_to_do:
        why, what_to_do = error.why, error.what_to_do
    return BrochureError(f"the {origin.what} at line {origin.line} does not fit on the page:"
                         f" {why}{measured}", path=content, line=origin.line,
                         hint=f"{what_to_do} ({page_size})")


def _stop_on_errors(findings: list[Finding], content: Path) -> None:
    """Raise a BrochureError for the first error among the findings, if any."""
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        first = errors[0]
        where = f"{first.place}: " if first.place else ""  # a cell of a spreadsheet
        raise BrochureError(f"{where}[{first.rule}] {first.message}"
                            + (f" (and {len(errors) - 1} more errors)" if len(errors) > 1 else ""),
                            path=content, line=first.line, column=first.column,
                            hint=f"{first.hint}; run `brochure check {content}` for all findings")


def check_file(content: Path) -> tuple[Document, list[Finding]]:
    """Load a content file with its theme's fonts and check it; when the content has no
    errors, lay it out too (in memory, as a print file), so that what the check passes the
    build builds: a block no page holds, a scorecard whose numbers are wider than the page,
    a brochure past the page limit are found here with their lines."""
    _check_source_date_epoch()  # the layout below reads it (ReportLab, too)
    document = load_document(content)
    theme = load_theme(theme_path(document.theme, content.parent))
    fonts = register_theme_fonts(theme)
    findings = check_document(document, fonts.faces, theme)
    if any(f.severity == "error" for f in findings):
        return document, findings
    printing = output_profile("print")
    try:
        layout_document(document, theme.for_output(
            marks=printing.marks, pad_pages=printing.pad_pages, screen_colors=None),
            fonts, printing, pdf_version=pdf_version(printing))
    except BrochureError as error:
        findings.append(Finding("layout", "error", error.message, error.hint or "", 0))
    except LayoutError as error:
        problem = _too_large(error, content)
        findings.append(Finding("layout", "error", problem.message, problem.hint or "",
                                problem.line or 0))
    return document, findings
