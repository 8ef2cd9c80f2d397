"""Preview: PNG thumbnails of a PDF's pages and one contact sheet, rendered with pdfium
(pypdfium2, from PyPI), so no system package is needed.

Bounded for any PDF: at most MAX_PAGES pages, WIDTHS pixels wide, PAGE_PIXELS pixels a page
(a page far taller than wide is rendered narrower), and a contact sheet of SHEET_PIXELS at
most (its cells shrink to fit). The PDF is checked first (`builder.pdf.reading`); each PNG is
written whole or not at all and never replaces a file that is not a PNG.
"""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass
from pathlib import Path

from builder.errors import BrochureError
from builder.files import write_atomically
from builder.pdf.reading import CheckedPdf, Rect, checked_pdf, unreadable

SHEET_COLUMNS = 4
GAP = 12
MAX_PAGES = 500
WIDTHS = range(16, 4001)
"""The page widths, in pixels, a preview may ask for."""
PAGE_PIXELS = 4000 * 6000
"""The most pixels one page image has (72 MB as RGB; pdfium's bitmap takes a third more)."""
SHEET_PIXELS = 6000 * 8000
"""The most pixels the contact sheet has."""


@dataclass(frozen=True)
class Preview:
    pages: list[Path]
    sheet: Path


def preview(pdf: Path, folder: Path | None = None, width: int = 300) -> Preview:
    """Render every page `width` pixels wide into folder (default: NAME-preview/ beside the
    PDF) and a contact sheet of all pages, SHEET_COLUMNS to a row."""
    import pypdfium2

    if width not in WIDTHS:
        raise BrochureError(f"a preview {width} pixels wide is not possible",
                            hint=f"give --width from {WIDTHS.start} to {WIDTHS.stop - 1}")
    folder = folder or pdf.with_name(f"{pdf.stem}-preview")
    with checked_pdf(pdf, MAX_PAGES) as checked:
        _check_folder(folder, pdf)
        sizes = [_pixels(boxes.trim, width) for boxes in checked.boxes]
        cell = _cell(sizes)
        with unreadable(pdf):
            document = pypdfium2.PdfDocument(checked.data)
        thumbnails, paths = [], []
        try:
            for number in range(1, checked.pages + 1):
                image = _render(checked, document, number, width)
                path = folder / f"page-{number:02d}.png"
                write_atomically(_png(image), path, "png", [pdf])
                image.thumbnail(cell)
                thumbnails.append(image)
                paths.append(path)
        finally:
            document.close()
    sheet = _sheet(thumbnails, cell)
    sheet_path = folder / "contact-sheet.png"
    write_atomically(_png(sheet), sheet_path, "png", [pdf])
    return Preview(paths, sheet_path)


def _check_folder(folder: Path, pdf: Path) -> None:
    """The output folder exists or can be made, and is a folder (not the PDF, not a file)."""
    if os.path.exists(folder) and not os.path.isdir(folder):
        what = "the PDF being previewed" if folder.resolve() == pdf.resolve() else "a file"
        raise BrochureError(f"the preview folder is {what}, not a folder", path=folder,
                            hint="name a new or existing folder with --out")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BrochureError(f"cannot make the preview folder: {exc.strerror or exc}",
                            path=folder, hint="name a folder you can write to with --out"
                            ) from None


def _pixels(trim: Rect, width: int) -> tuple[int, int]:
    """The page image's size: `width` wide, or narrower if that would pass PAGE_PIXELS."""
    aspect = (trim[3] - trim[1]) / (trim[2] - trim[0])
    width = min(width, max(1, int(math.sqrt(PAGE_PIXELS / aspect))))
    return width, max(1, round(width * aspect))


def _cell(sizes: list[tuple[int, int]]) -> tuple[int, int]:
    """The box each page's thumbnail fits in on the contact sheet: the largest page,
    shrunk until the sheet is within SHEET_PIXELS."""
    width, height = max(w for w, _ in sizes), max(h for _, h in sizes)
    rows = -(-len(sizes) // SHEET_COLUMNS)

    def area(width: float, height: float) -> float:
        return (SHEET_COLUMNS * (width + GAP) + GAP) * (rows * (height + GAP) + GAP)

    shrink = min(1.0, math.sqrt(SHEET_PIXELS / area(width, height)))
    while shrink > 0.001 and area(width * shrink, height * shrink) > SHEET_PIXELS:
        shrink *= 0.95  # the gaps do not shrink with the pages
    return max(1, int(width * shrink)), max(1, int(height * shrink))


def _render(checked: CheckedPdf, document, number: int, width: int):
    """Page `number` trimmed (as the reader holds it: no bleed, no marks), `width` pixels
    wide (less if PAGE_PIXELS asks it)."""
    boxes = checked.boxes[number - 1]
    with unreadable(checked.path, number):
        page = document[number - 1]
        # pdfium renders the page's CropBox (or MediaBox), in its own coordinates
        left, bottom, right, top = page.get_cropbox()
        shown = (min(left, right), min(bottom, top), max(left, right), max(bottom, top))
        trim = _intersection(boxes.trim, shown) or shown
        crop = (trim[0] - shown[0], trim[1] - shown[1], shown[2] - trim[2], shown[3] - trim[3])
        scale = _pixels(trim, width)[0] / (trim[2] - trim[0])
        image = page.render(scale=scale, crop=crop).to_pil()
        page.close()
    return image.convert("RGB")


def _intersection(a: Rect, b: Rect) -> Rect | None:
    box = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return box if box[2] - box[0] >= 1 and box[3] - box[1] >= 1 else None


def _sheet(thumbnails: list, cell: tuple[int, int]):
    """The thumbnails SHEET_COLUMNS to a row, on grey."""
    from PIL import Image

    width, height = cell
    height = max(image.height for image in thumbnails)
    rows = -(-len(thumbnails) // SHEET_COLUMNS)
    sheet = Image.new("RGB", (SHEET_COLUMNS * (width + GAP) + GAP, rows * (height + GAP) + GAP),
                      (128, 128, 128))
    for index, image in enumerate(thumbnails):
        row, column = divmod(index, SHEET_COLUMNS)
        sheet.paste(image, (GAP + column * (width + GAP), GAP + row * (height + GAP)))
    return sheet


def _png(image) -> bytes:
    """PNG bytes; optimized (several times slower) only for images of up to 4 M pixels."""
    out = io.BytesIO()
    image.save(out, "PNG", optimize=image.width * image.height <= 4_000_000)
    return out.getvalue()
