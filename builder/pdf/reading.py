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
from builder.files import MB, read_input

MAX_PAGES = 5000
"""The most pages a PDF tool reads (a brochure has tens; a yearbook hundreds)."""
MIN_SIDE, MAX_SIDE = 3.0, 14400.0
"""The smallest and largest side of a page box, in pt (PDF's limits, ISO 32000 annex C)."""
BOXES = ("/MediaBox", "/CropBox", "/BleedBox", "/TrimBox")
MAX_FORMS_DRAWN = 10_000
"""The most forms (XObjects drawn as part of a page) a page may draw, counting a form drawn
within a form as often as it is drawn: a form drawing itself 60 times takes pdfium hours."""
MAX_STREAM = {"content": 16 * MB, "image": 512 * MB}
"""The most bytes one stream may decode to: page and form content (and every other stream
but images), and an image."""
CONTENT_BUDGET = (4 * MB, 4.0)
"""All streams but images together may decode to this many bytes plus this many times the
file's size. A PDF's streams decode to 1.7 (the default brochure) to 2.5 times (the
500-page yearbook) its size; a 1 MB file of compressed zeros decodes to 1 GB, which the
readers would hold and parse for minutes (pdfium at about 4 MB/s, pdfminer at 0.5)."""
EXPANDING = {"/FlateDecode": None, "/Fl": None, "/LZWDecode": 4096, "/LZW": 4096,
             "/RunLengthDecode": 128, "/RL": 128}
"""Filters whose output can be far larger than their input, with the most one byte of input
makes (None: measured while inflating, zlib's own ratio is about 1 000)."""
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
def checked_pdf(path: Path, max_pages: int = MAX_PAGES,
                content_budget: tuple[int, float] = CONTENT_BUDGET) -> Iterator[CheckedPdf]:
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
        with unreadable(path):
            _check_decoded_sizes(path, document,
                                 content_budget[0] + int(content_budget[1] * len(data)))
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


def _check_decoded_sizes(path: Path, document: Any, budget: int) -> None:
    """Refuse a PDF whose streams decode to more than MAX_STREAM allows, or whose streams but
    images decode to more than `budget` bytes together; measured without holding the
    decoded bytes (compressed stages are inflated piece by piece and counted)."""
    import pikepdf

    total = 0
    for obj in document.objects:
        if not isinstance(obj, pikepdf.Stream):
            continue
        kind = "image" if obj.get("/Subtype") == "/Image" else "content"
        limit = MAX_STREAM[kind] if kind == "image" else min(MAX_STREAM[kind], budget - total)
        size = _decoded_size(document, obj, limit + 1)
        if size > limit:
            if limit == MAX_STREAM[kind]:
                noun = "image" if kind == "image" else "stream"
                message = (f"the PDF is a compression bomb: one {noun} decodes to more than "
                           f"{limit // MB:,} MB")
            else:
                message = (f"the PDF's streams decode to more than {budget / MB:.1f} MB, more "
                           "than this command reads for a file of its size (a compression "
                           "bomb?)")
            raise BrochureError(message, path=path, hint="if the PDF is genuine, give a part"
                                " of it (e.g. qpdf in.pdf --pages . 1-10 -- part.pdf)")
        if kind == "content":
            total += size


def _decoded_size(document: Any, stream: Any, limit: int) -> int:
    """How many bytes the stream decodes to, counted up to `limit` (then `limit`). Filters
    that only shrink data (ASCII85, ASCIIHex) are decoded by qpdf; the first expanding one is
    inflated here in pieces; image codecs (DCT, JPX...) count as their input."""
    import zlib

    import pikepdf

    filters = stream.get("/Filter")
    names = ([str(f) for f in filters] if isinstance(filters, pikepdf.Array)
             else [str(filters)] if filters is not None else [])
    raw = stream.read_raw_bytes()
    expanding = next((i for i, name in enumerate(names) if name in EXPANDING), None)
    if expanding is None:
        return len(raw)
    if expanding:  # the shrinking filters before it, decoded by qpdf
        staged = pikepdf.Stream(document, raw)
        staged.Filter = pikepdf.Array([pikepdf.Name(n) for n in names[:expanding]])
        raw = staged.read_bytes()
    ratio = EXPANDING[names[expanding]]
    if ratio is not None:  # LZW, RunLength: at most `ratio` times their input
        return min(len(raw) * ratio, limit)
    inflater, size, rest = zlib.decompressobj(), 0, raw
    while rest and size < limit:
        try:
            size += len(inflater.decompress(rest, 1 << 20))
        except zlib.error:
            return size  # a damaged stream: the readers stop where it breaks, too
        rest = inflater.unconsumed_tail
    return min(size, limit)


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


BROCHURE_NS = "https://brochure.invalid/ns/1.0/"
"""The XMP namespace of this tool's own properties (brochure:binding, brochure:kind:
builder/pdf/printing.py writes them)."""


def brochure_property(document: Any, name: str) -> str | None:
    """One of this tool's properties in a file's XMP (a pikepdf document), if it states it:
    `binding` (saddle, perfect) or `kind` (pages, booklet, cover)."""
    if "/Metadata" not in document.Root:
        return None
    # read only: by default pikepdf stamps itself as the editor and rewrites the dates
    with document.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
        value = xmp.get(f"{{{BROCHURE_NS}}}{name}")
    return str(value) if value else None


def printed_without_covers(document: Any) -> bool:
    """Whether a file of pages leaves its covers to a cover spread (a perfect-bound print
    file): its first and last pages are pages of text, not covers."""
    return brochure_property(document, "binding") == "perfect" \
        and brochure_property(document, "kind") in (None, "pages")


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
