"""PDFs as untrusted input, for the tools that read one (preflight, impose, preview, the
typography check).

A PDF is read through `files.read_input` (a regular file within the size limit, never a FIFO
or a device), opened from memory with pikepdf (qpdf) and checked before any tool looks at it:
not encrypted with a password, 1 to `MAX_PAGES` pages, a page tree without loops, and on
every page a MediaBox, and each TrimBox, BleedBox and CropBox it has, of four finite numbers
with sides of 3 to 14 400 pt (PDF's own limits, ISO 32000 annex C). Anything else is a
BrochureError naming the file (and page). A PDF with only an owner password opens (every
viewer opens it); `CheckedPdf.encrypted` says so, and preflight fails it.
"""

from __future__ import annotations

import io
import math
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder.errors import BrochureError
from builder.files import read_input

MAX_PAGES = 5000
"""The most pages a PDF tool reads (a brochure has tens; a yearbook hundreds)."""
MIN_SIDE, MAX_SIDE = 3.0, 14400.0
"""The smallest and largest side of a page box, in pt (PDF's limits, ISO 32000 annex C)."""
BOXES = ("/MediaBox", "/CropBox", "/BleedBox", "/TrimBox")
MAX_FORMS_DRAWN = 10_000
"""The most forms (XObjects drawn as part of a page) a page may draw, counting a form drawn
within a form as often as it is drawn: a form drawing itself 60 times takes pdfium hours."""
FORM_LEVELS = 64
"""How deep forms within forms are counted (pdfium stops drawing before)."""

Rect = tuple[float, float, float, float]
"""A box as left, bottom, right, top (normalized: left < right, bottom < top)."""

PDF_HINT = "give the path of a PDF, e.g. one built by `brochure build`"
_STREAM_NAME = re.compile(r"^stream <[^>]*>[:,]? ?")


@dataclass(frozen=True)
class PageBoxes:
    """A page's boxes, checked and normalized; a missing TrimBox is the CropBox's, a
    missing CropBox the MediaBox's (as a viewer shows it); `given` names those present."""

    media: Rect
    trim: Rect
    bleed: Rect | None
    given: frozenset[str]


@dataclass
class CheckedPdf:
    """A PDF opened with pikepdf, its bytes (for other libraries) and its pages' boxes."""

    path: Path
    data: bytes
    document: Any  # pikepdf.Pdf
    boxes: list[PageBoxes]
    encrypted: bool
    repairs: list[str]
    """What qpdf repaired while opening a damaged file (its warnings)."""

    @property
    def pages(self) -> int:
        return len(self.boxes)


@contextmanager
def unreadable(path: Path, page: int | None = None) -> Iterator[None]:
    """Around calls into a PDF library: any error they raise on a hostile file becomes a
    BrochureError saying the PDF (page) could not be read. Keep the block to library calls,
    so that a bug of our own is not reported as a bad file."""
    import pikepdf

    where = f"page {page}: " if page else ""
    try:
        yield
    except BrochureError:
        raise
    except pikepdf.PasswordError:
        raise _encrypted(path) from None
    except RecursionError:
        raise BrochureError(f"cannot read the PDF: {where}its objects are nested too deeply",
                            path=path, hint=PDF_HINT) from None
    except MemoryError:
        raise BrochureError(f"cannot read the PDF: {where}it needs more memory than there is",
                            path=path, hint=PDF_HINT) from None
    except Exception as error:  # noqa: BLE001 - the libraries raise many kinds on bad input
        reason = _STREAM_NAME.sub("", str(error)).strip() or type(error).__name__
        raise BrochureError(f"cannot read the PDF: {where}{reason}", path=path,
                            hint=PDF_HINT) from None


@contextmanager
def damaged(path: Path, page: int | None = None) -> Iterator[None]:
    """Around code of ours that walks pikepdf objects: what qpdf raises on a damaged object
    (or Python on objects nested too deeply) becomes a BrochureError naming the page; our
    own errors stay errors."""
    import pikepdf

    try:
        yield
    except (pikepdf.PikepdfError, RecursionError) as error:
        where = f"page {page}: " if page else ""
        reason = ("its objects are nested too deeply" if isinstance(error, RecursionError)
                  else _STREAM_NAME.sub("", str(error)).strip() or type(error).__name__)
        raise BrochureError(f"the PDF is damaged: {where}{reason}", path=path,
                            hint="export or build the PDF again") from None


def _encrypted(path: Path) -> BrochureError:
    return BrochureError("the PDF is encrypted with a password, which brochure cannot open",
                         path=path, hint="give a copy saved without a password "
                         "(e.g. qpdf --decrypt --password=PASSWORD in.pdf out.pdf)")


@contextmanager
def checked_pdf(path: Path, max_pages: int = MAX_PAGES) -> Iterator[CheckedPdf]:
    """The PDF at `path`, opened and checked (see the module docstring); closed after."""
    import pikepdf

    if not os.path.lexists(path):
        raise BrochureError("PDF not found", path=path,
                            hint="check the path; build it first with `brochure build`")
    data = read_input(path, "pdf", hint=PDF_HINT)
    if b"%PDF-" not in data[:1024]:  # where readers look for the header
        raise BrochureError("cannot read the PDF: it is not a PDF file (no %PDF- header)",
                            path=path, hint=PDF_HINT)
    with unreadable(path):
        document = pikepdf.open(io.BytesIO(data))
    try:
        with unreadable(path):
            count = len(document.pages)
        if count == 0:
            damage = [_STREAM_NAME.sub("", w).strip() for w in document.get_warnings()[:1]]
            raise BrochureError("the PDF has no pages" + "".join(
                f" (it is damaged: {w})" for w in damage), path=path,
                hint="give a PDF with at least one page")
        if count > max_pages:
            raise BrochureError(f"the PDF has {count:,} pages, more than the {max_pages:,} "
                                "this command reads", path=path,
                                hint="split it (e.g. qpdf --split-pages) and give one part")
        boxes = []
        counts: dict[tuple[int, int], dict[str, int]] = {}
        for number in range(1, count + 1):
            with unreadable(path, number):
                page = document.pages[number - 1]
                found = {name: page.obj.get(name) for name in BOXES[1:]}
                found["/MediaBox"] = page.mediabox  # inherited from the page tree if need be
            boxes.append(_page_boxes(path, number, found))
            with unreadable(path, number):
                drawn = _forms_drawn(page, counts)
            if drawn > MAX_FORMS_DRAWN:
                raise BrochureError(
                    f"page {number} draws forms within forms more than {MAX_FORMS_DRAWN:,} "
                    "times (a form that draws itself, over and over)", path=path,
                    hint="this PDF is made to exhaust the programs that read it; give another")
        repairs = [_STREAM_NAME.sub("", w).strip() for w in document.get_warnings()]
        if repairs:
            # qpdf repaired the file (a lost cross-reference table, a page without a
            # MediaBox...): the other libraries get its repaired copy, so that every tool
            # reads the same pages
            with unreadable(path):
                repaired = io.BytesIO()
                document.save(repaired, preserve_pdfa=False)
            data = repaired.getvalue()
        yield CheckedPdf(path, data, document, boxes, bool(document.is_encrypted), repairs)
    finally:
        document.close()


def _forms_drawn(page: Any, counts: dict[tuple[int, int], dict[str, int]]) -> int:
    """How many forms drawing the page draws, forms within forms counted each time they are
    drawn (FORM_LEVELS deep), up to just over MAX_FORMS_DRAWN. `counts` keeps each form's
    names drawn and their counts, so that a form's content is read once per file."""
    import pikepdf

    totals: dict[tuple[tuple[int, int], int], int] = {}

    def uses(content: Any, key: tuple[int, int] | None) -> dict[str, int]:
        if key is not None and key in counts:
            return counts[key]
        names: dict[str, int] = {}
        for instruction in pikepdf.parse_content_stream(content, "Do"):
            if len(instruction.operands) == 1:
                name = str(instruction.operands[0])
                names[name] = names.get(name, 0) + 1
        if key is not None:
            counts[key] = names
        return names

    def drawn(content: Any, resources: Any, key: tuple[int, int] | None, level: int) -> int:
        if key is not None and (key, level) in totals:
            return totals[key, level]
        forms = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) \
            else None
        total = 0
        for name, times in uses(content, key).items():
            form = forms.get(name) if isinstance(forms, pikepdf.Dictionary) else None
            if not isinstance(form, pikepdf.Stream) or form.get("/Subtype") != "/Form":
                continue
            total += times
            if level < FORM_LEVELS:
                total += times * drawn(form, form.get("/Resources", resources), form.objgen,
                                       level + 1)
            if total > MAX_FORMS_DRAWN:
                break
        total = min(total, MAX_FORMS_DRAWN + 1)
        if key is not None:
            totals[key, level] = total
        return total

    return drawn(page, page.obj.get("/Resources"), None, 0)


def _page_boxes(path: Path, number: int, found: dict[str, Any]) -> PageBoxes:
    """The page's boxes from their PDF objects, or a BrochureError naming the bad one."""
    rects: dict[str, Rect] = {}
    for name in BOXES:
        box = found.get(name)
        if box is None:
            if name == "/MediaBox":
                raise BrochureError(f"page {number} has no MediaBox", path=path,
                                    hint="the PDF is damaged; export it again")
            continue
        rect = rect_of(box)
        if rect is None:
            raise BrochureError(f"page {number}: the {name[1:]} is not four numbers",
                                path=path, hint="the PDF is damaged; export it again")
        width, height = rect[2] - rect[0], rect[3] - rect[1]
        if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
            raise BrochureError(
                f"page {number}: the {name[1:]} is {width:g}×{height:g} pt; each side must "
                f"be {MIN_SIDE:g} to {MAX_SIDE:g} pt (5 080 mm)", path=path,
                hint="the PDF's page size is broken; export it again at its real size")
        rects[name] = rect
    media = rects["/MediaBox"]
    crop = rects.get("/CropBox", media)
    return PageBoxes(media, rects.get("/TrimBox", crop), rects.get("/BleedBox"),
                     frozenset(rects))


def rect_of(box: Any) -> Rect | None:
    """A PDF rectangle (an array of four numbers) normalized, or None if it is not one."""
    import pikepdf

    if not isinstance(box, pikepdf.Array) or len(box) != 4:
        return None
    if any(isinstance(item, bool) for item in box):
        return None
    try:
        x0, y0, x1, y1 = (float(item) for item in box)
    except (TypeError, ValueError, ArithmeticError, pikepdf.PdfError):
        return None
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
        return None
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)
