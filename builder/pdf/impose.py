"""Print stage: saddle-stitch imposition (two pages per sheet side, in printer's order).

Blank pages that pad the booklet to a multiple of 4 go before the last page (the back cover).

Each page is placed untouched, as a form XObject clipped to its TrimBox (qpdf via pikepdf),
so crop marks and bleed of a print file stay off the neighbouring page.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from builder.errors import BrochureError
from builder.pdf.reading import MAX_SIDE, MIN_SIDE, checked_pdf, unreadable
from builder.source.theme import MM, page_size_mm


@dataclass(frozen=True)
class Imposed:
    pdf: bytes
    pages: int
    blanks: int
    sides: list[tuple[int | None, int | None]]
    """Page numbers (1-based, None for a blank) on the left and right of each sheet side."""


def saddle_order(pages: int) -> list[tuple[int, int]]:
    """Sheet sides in printer's order for a saddle-stitched booklet of `pages` (a multiple of
    4): 8 pages give (8, 1), (2, 7), (6, 3), (4, 5)."""
    if pages % 4:
        raise ValueError("a saddle-stitched booklet needs a multiple of 4 pages")
    sides: list[tuple[int, int]] = []
    for sheet in range(pages // 4):
        sides.append((pages - 2 * sheet, 2 * sheet + 1))
        sides.append((2 * sheet + 2, pages - 2 * sheet - 1))
    return sides


def impose(source: Path, sheet: str | None = None) -> Imposed:
    """Impose a PDF as a saddle-stitch booklet on sheets twice the page size (or `sheet`).
    The PDF is checked first (`builder.pdf.reading`); the sheet must be a page PDF allows."""
    import pikepdf

    with checked_pdf(source) as checked:
        document, count = checked.document, checked.pages
        padded = -(-count // 4) * 4
        trim = checked.boxes[0].trim
        width, height = trim[2] - trim[0], trim[3] - trim[1]
        if sheet:
            try:
                sheet_width, sheet_height = (v * MM for v in page_size_mm(sheet))
            except ValueError as error:
                raise BrochureError(str(error), hint="use a size such as A3 or '420×297 mm'") \
                    from None
            sheet_width, sheet_height = max(sheet_width, sheet_height), min(sheet_width,
                                                                            sheet_height)
        else:
            sheet_width, sheet_height = 2 * width, height
        if not (sheet_height >= MIN_SIDE and sheet_width <= MAX_SIDE):
            raise BrochureError(
                f"the sheet would be {sheet_width / MM:.0f}×{sheet_height / MM:.0f} mm; PDF "
                f"allows sides of {MIN_SIDE / MM:.1f} to {MAX_SIDE / MM:.0f} mm", path=source,
                hint="name a sheet size with --sheet, e.g. --sheet A3")
        scale = min(sheet_width / 2 / width, sheet_height / height)
        booklet = pikepdf.new()
        # blanks go before the last page, so a back cover stays on the outside
        sequence: list[int | None] = [*range(1, count), *[None] * (padded - count), count]
        placed: list[tuple[int | None, int | None]] = []
        for positions in saddle_order(padded):
            side = booklet.add_blank_page(page_size=(sheet_width, sheet_height))
            numbers = [sequence[position - 1] for position in positions]
            for half, number in enumerate(numbers):
                if number is None:
                    continue
                x = sheet_width / 2 - width * scale if half == 0 else sheet_width / 2
                y = (sheet_height - height * scale) / 2
                # the page as a form XObject clipped to its TrimBox, under a fixed name so
                # the booklet is byte-for-byte reproducible
                with unreadable(source, number):
                    form = booklet.copy_foreign(document.pages[number - 1].as_form_xobject())
                name = side.add_resource(form, pikepdf.Name.XObject,
                                         pikepdf.Name(f"/Page{number}"))
                placement = side.calc_form_xobject_placement(
                    form, name, pikepdf.Rectangle(x, y, x + width * scale, y + height * scale),
                    allow_expand=True)
                side.contents_add(booklet.make_stream(b"q " + placement + b" Q"))
            placed.append((numbers[0], numbers[1]))
        out = io.BytesIO()
        with unreadable(source):
            booklet.save(out, deterministic_id=True)
    return Imposed(pdf=out.getvalue(), pages=count, blanks=padded - count, sides=placed)
