"""Print stage: saddle-stitch imposition (two pages per sheet side, in printer's order).

Blank pages that pad the booklet to a multiple of 4 go before the last page (the back cover).

Press mode (the default) makes a booklet a press can use: each sheet side holds two pages
at 100 %, centred on a press sheet (`choose_sheet`: SRA3 where the spread with bleed and
marks fits), each page with its bleed on its three outer edges and clipped exactly at the
fold; crop, fold and registration marks in the registration colour and a slug line (K only)
are drawn per sheet side; TrimBox is the spread's trim, BleedBox the trim plus bleed. The
file carries the source's output intent, title and dates, PDF/X-4 keys and XMP
`brochure:kind` = booklet, and the same input gives the same bytes.

Creep (shingling): the pages of sheet k (0 the outermost) move towards the fold by
k × caliper, so the innermost sheet of n moves (n − 1) × caliper; what crosses the fold is
clipped. This is the step Impozycjoner's manual gives (its "H" = caliper × (pages / 4 − 1),
spread evenly over the sheets inside the outermost, which stays put;
https://www.impozycjoner.com/markers/reduction-of-creeping-pages) and Farrukh's creep
calculator (creep = bulk / (section size / 4 − 1)), with a stapling coefficient of 1.

Proof mode (`proof=True`) is the desktop proof: pages clipped to their trim, scaled to fit
twice the page (or `sheet`), no bleed, no marks, no metadata; it is not for a press.

Each page is placed as a form XObject (qpdf via pikepdf) whose BBox is its clip.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import math
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder.errors import BrochureError
from builder.pdf.printing import Marks, build_date, draw_marks, grown, xmp_packet
from builder.pdf.reading import (
    BROCHURE_NS,
    MAX_SIDE,
    MIN_SIDE,
    CheckedPdf,
    brochure_property,
    checked_pdf,
    damaged,
    unreadable,
)
from builder.source.model import Meta
from builder.source.theme import MM, SHEET_SIZES_MM, PrintSpec, page_size_mm

PREFERRED_SHEET = "SRA3"
"""The press sheet `auto` takes when the spread with bleed and marks fits on it."""
EDGE = 2 * MM
"""Paper kept between the marks and the sheet's edge."""
SLUG_FONT_SIZE = 5.0
SLUG_FONT = "NotoSansSC-Regular.ttf"
DEFAULT_CALIPER: float = next(f.default for f in dataclasses.fields(PrintSpec)
                              if f.name == "caliper")  # type: ignore[assignment]


@dataclass(frozen=True)
class Imposed:
    pdf: bytes
    pages: int
    blanks: int
    sides: list[tuple[int | None, int | None]]
    """Page numbers (1-based, None for a blank) on the left and right of each sheet side."""
    sheet: str = ""
    """The sheet: its name ('SRA3') or its size ('457×330 mm')."""
    sheet_mm: tuple[float, float] = (0.0, 0.0)
    """Its width and height in mm (landscape: the spread runs along the width)."""
    shifts: tuple[float, ...] = ()
    """Creep: how far each sheet's pages move towards the fold, in points, outermost first."""
    proof: bool = False
    notes: tuple[str, ...] = ()
    """What the press file lacks because the source does (e.g. an output intent)."""


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


def creep_shifts(sheets: int, caliper: float) -> tuple[float, ...]:
    """How far the pages of each sheet (outermost first) move towards the fold: sheet k by
    k × caliper (see the module docstring); all 0 without a caliper."""
    return tuple(k * max(caliper, 0.0) for k in range(sheets))


def mark_room(bleed: float, marks: Marks) -> float:
    """Paper needed around the spread's trim for the bleed, the marks (a registration target
    reaches 1.04 mark lengths past the mark offset), the slug line and EDGE."""
    start = max(bleed, marks.offset)
    return max(start + 1.04 * marks.length, start + 1 * MM + 1.2 * SLUG_FONT_SIZE,
               bleed) + EDGE


def choose_sheet(sheet: str | None, need: tuple[float, float]) -> tuple[str, float, float]:
    """The press sheet (name, width, height in points, landscape) for a spread that needs
    `need` (width, height) with its bleed and marks: a named or 'W×H mm' sheet, refused if
    too small; 'auto' (or None): PREFERRED_SHEET if it holds the spread, else the smallest
    named sheet that does, else just enough paper (whole mm)."""
    width, height = need
    label = f"{math.ceil(width / MM - 0.001)}×{math.ceil(height / MM - 0.001)} mm"

    def oriented(size: tuple[float, float]) -> tuple[float, float] | None:
        """The size turned so the spread fits (landscape first), or None."""
        long, short = max(size) * MM, min(size) * MM
        for w, h in ((long, short), (short, long)):
            if w >= width - 0.01 and h >= height - 0.01:
                return w, h
        return None

    if sheet and sheet != "auto":
        try:
            size = page_size_mm(sheet, SHEET_SIZES_MM)
        except ValueError as error:
            raise BrochureError(str(error), hint="use auto, SRA3, SRA4, A3, B3 or "
                                "'450×320 mm'") from None
        fitted = oriented(size)
        if fitted is None:
            raise BrochureError(
                f"the sheet {sheet} ({size[0]:g}×{size[1]:g} mm) is too small: two pages "
                f"side by side with bleed and marks need {label}",
                hint="name a larger sheet with --sheet (or print.sheet), or use auto")
        return sheet, *fitted
    candidates = [(name, oriented(size)) for name, size in SHEET_SIZES_MM.items()]
    fitting = [(name, fit) for name, fit in candidates if fit is not None]
    preferred = dict(fitting).get(PREFERRED_SHEET)
    if preferred is not None:
        return PREFERRED_SHEET, *preferred
    if fitting:
        name, (w, h) = min(fitting, key=lambda item: (item[1][0] * item[1][1], item[0]))
        return name, w, h
    w, h = (math.ceil(side / MM - 0.001) * MM for side in (width, height))
    return label, w, h


def impose(source: Path, sheet: str | None = None, *, proof: bool = False,
           caliper: float = DEFAULT_CALIPER, marks: Marks | None = None) -> Imposed:
    """Impose a PDF as a saddle-stitch booklet: press-ready (see the module docstring) on
    `sheet` ('auto', a name or 'W×H mm'), with creep from `caliper` (points; 0: none) and
    `marks`; or with `proof`, the desktop proof on twice the page (or `sheet`). The PDF is
    checked first (`builder.pdf.reading`)."""
    with checked_pdf(source) as checked:
        with damaged(source):
            _ensure_saddle_pages(checked)
        count = checked.pages
        padded = -(-count // 4) * 4
        # blanks go before the last page, so a back cover stays on the outside
        sequence: list[int | None] = [*range(1, count), *[None] * (padded - count), count]
        sides = [(sequence[left - 1], sequence[right - 1])
                 for left, right in saddle_order(padded)]
        if proof:
            return _proof(checked, sheet, sides, padded - count)
        return _press(checked, sheet, sides, padded - count, caliper, marks or Marks())


def _ensure_saddle_pages(checked: CheckedPdf) -> None:
    """Refuse a file this tool made that is not the pages of a saddle-stitched booklet: a
    booklet's sheets, a cover spread, a perfect-bound book (its XMP says which)."""
    kind = brochure_property(checked.document, "kind")
    binding = brochure_property(checked.document, "binding")
    refusals = {"booklet": ("holds a booklet's sheets already", "impose the print file "
                            "(NAME.pdf), not its booklet"),
                "cover": ("is a perfect-bound book's cover spread", "send it to the press as it "
                          "is: it is one sheet")}
    if kind in refusals:
        what, hint = refusals[kind]
        raise BrochureError(f"the PDF {what}", path=checked.path, hint=hint)
    if binding == "perfect":
        raise BrochureError(
            "the PDF is a perfect-bound book's pages: they are glued at a spine, not folded "
            "and stapled as a booklet", path=checked.path,
            hint="send the pages and their cover spread (NAME-cover.pdf) to the press as they "
                 "are, or build with print.binding: saddle for a booklet")


def _sheet_limits(source: Path, width: float, height: float) -> None:
    if not (height >= MIN_SIDE and width <= MAX_SIDE):
        raise BrochureError(
            f"the sheet would be {width / MM:.0f}×{height / MM:.0f} mm; PDF allows sides of "
            f"{MIN_SIDE / MM:.1f} to {MAX_SIDE / MM:.0f} mm", path=source,
            hint="name a sheet size with --sheet, e.g. --sheet A3")


def _form(booklet: Any, checked: CheckedPdf, number: int) -> Any:
    """Page `number` of the source as a form XObject copied into the booklet."""
    with unreadable(checked.path, number):
        return booklet.copy_foreign(checked.document.pages[number - 1].as_form_xobject())


def _proof(checked: CheckedPdf, sheet: str | None,
           sides: list[tuple[int | None, int | None]], blanks: int) -> Imposed:
    """The desktop proof: pages clipped to their trim, scaled to fit twice the page (or the
    sheet), no bleed, no marks, no metadata."""
    import pikepdf

    trim = checked.boxes[0].trim
    width, height = trim[2] - trim[0], trim[3] - trim[1]
    if sheet and sheet != "auto":
        try:
            sheet_width, sheet_height = (v * MM for v in page_size_mm(sheet, SHEET_SIZES_MM))
        except ValueError as error:
            raise BrochureError(str(error), hint="use a size such as A3 or '420×297 mm'") \
                from None
        sheet_width, sheet_height = max(sheet_width, sheet_height), min(sheet_width,
                                                                        sheet_height)
    else:
        sheet, sheet_width, sheet_height = "", 2 * width, height
    _sheet_limits(checked.path, sheet_width, sheet_height)
    scale = min(sheet_width / 2 / width, sheet_height / height)
    booklet = pikepdf.new()
    for numbers in sides:
        side = booklet.add_blank_page(page_size=(sheet_width, sheet_height))
        for half, number in enumerate(numbers):
            if number is None:
                continue
            x = sheet_width / 2 - width * scale if half == 0 else sheet_width / 2
            y = (sheet_height - height * scale) / 2
            # the page as a form clipped to its TrimBox, under a fixed name so the booklet
            # is byte-for-byte reproducible
            form = _form(booklet, checked, number)
            name = side.add_resource(form, pikepdf.Name.XObject, pikepdf.Name(f"/Page{number}"))
            placement = side.calc_form_xobject_placement(
                form, name, pikepdf.Rectangle(x, y, x + width * scale, y + height * scale),
                allow_expand=True)
            side.contents_add(booklet.make_stream(b"q " + placement + b" Q"))
    out = io.BytesIO()
    with unreadable(checked.path):
        booklet.save(out, deterministic_id=True)
    size = (sheet_width / MM, sheet_height / MM)
    return Imposed(pdf=out.getvalue(), pages=checked.pages, blanks=blanks, sides=sides,
                   sheet=sheet or f"{size[0]:.0f}×{size[1]:.0f} mm", sheet_mm=size,
                   proof=True)


@dataclass(frozen=True)
class _Spread:
    """Where the spread sits on the sheet (points): its trim and the fold's x."""

    sheet: tuple[float, float]
    trim: tuple[float, float, float, float]
    bleed: float

    @property
    def fold(self) -> float:
        return (self.trim[0] + self.trim[2]) / 2

    @property
    def bleed_box(self) -> tuple[float, float, float, float]:
        return grown(self.trim, self.bleed)


def _press(checked: CheckedPdf, sheet: str | None, sides: list[tuple[int | None, int | None]],
           blanks: int, caliper: float, marks: Marks) -> Imposed:
    """The press-ready booklet (see the module docstring)."""
    import pikepdf

    first = checked.boxes[0]
    trim = first.trim
    width, height = trim[2] - trim[0], trim[3] - trim[1]
    bleed = 0.0 if first.bleed is None else max(0.0, min(
        trim[0] - first.bleed[0], trim[1] - first.bleed[1], first.bleed[2] - trim[2],
        first.bleed[3] - trim[3]))
    room = mark_room(bleed, marks)
    _sheet_limits(checked.path, 2 * width + 2 * room, height + 2 * room)
    name, sheet_width, sheet_height = choose_sheet(sheet, (2 * width + 2 * room,
                                                           height + 2 * room))
    cx, cy = sheet_width / 2, sheet_height / 2
    spread = _Spread((sheet_width, sheet_height),
                     (cx - width, cy - height / 2, cx + width, cy + height / 2), bleed)
    shifts = creep_shifts(len(sides) // 2, caliper)
    label = checked.path.name if len(checked.path.name) <= 48 else \
        checked.path.name[:45] + "…"
    overlay = _marks_pdf(spread, marks, [
        f"{label}  sheet {index // 2 + 1}/{len(sides) // 2} {('front', 'back')[index % 2]}"
        for index in range(len(sides))])
    booklet = pikepdf.new()
    with pikepdf.open(io.BytesIO(overlay)) as drawn:
        for index, numbers in enumerate(sides):
            booklet.pages.append(drawn.pages[index])
            side = booklet.pages[-1]
            side.obj.Resources = pikepdf.Dictionary(dict(side.obj.Resources.items()))
            placements = []
            for half, number in enumerate(numbers):
                if number is not None:
                    placements.append(_place(booklet, side, checked, number, half, spread,
                                             shifts[index // 2]))
            side.contents_add(booklet.make_stream(b"\n".join(placements)), prepend=True)
            side.obj.MediaBox = pikepdf.Array([0, 0, sheet_width, sheet_height])
            side.obj.TrimBox = pikepdf.Array(spread.trim)
            side.obj.BleedBox = pikepdf.Array(spread.bleed_box)
    notes = _finish(booklet, checked, (name, caliper, marks))
    if bleed < 3 * MM - 0.01:
        notes += (f"the source's pages have {bleed / MM:.1f} mm bleed (a press needs 3 mm): "
                  "impose a print file (brochure build --profile print)",)
    out = io.BytesIO()
    with unreadable(checked.path):
        booklet.save(out, deterministic_id=True, min_version="1.6")
    return Imposed(pdf=out.getvalue(), pages=checked.pages, blanks=blanks, sides=sides,
                   sheet=name, sheet_mm=(sheet_width / MM, sheet_height / MM), shifts=shifts,
                   notes=notes)


def _place(booklet: Any, side: Any, checked: CheckedPdf, number: int, half: int,
           spread: _Spread, shift: float) -> bytes:
    """Page `number` on the left (half 0) or right half of the sheet side, moved `shift`
    towards the fold: its form's BBox keeps the bleed on the outer edges and ends at the
    fold. Returns the content that draws it."""
    import pikepdf

    boxes = checked.boxes[number - 1]
    tx0, ty0, tx1, ty1 = boxes.trim
    bleed = spread.bleed
    form = _form(booklet, checked, number)
    form.Matrix = pikepdf.Array([1, 0, 0, 1, 0, 0])
    if half == 0:  # left: the trim's right edge at the fold, moved right by the shift
        clip = (tx0 - bleed, ty0 - bleed, tx1 - shift, ty1 + bleed)
        dx = spread.fold + shift - tx1
    else:
        clip = (tx0 + shift, ty0 - bleed, tx1 + bleed, ty1 + bleed)
        dx = spread.fold - shift - tx0
    form.BBox = pikepdf.Array([round(v, 4) for v in clip])
    dy = spread.trim[1] - ty0
    name = side.add_resource(form, pikepdf.Name.XObject, pikepdf.Name(f"/Page{number}"))
    return f"q 1 0 0 1 {dx:.4f} {dy:.4f} cm {name} Do Q".encode()


def _marks_pdf(spread: _Spread, marks: Marks, slugs: list[str]) -> bytes:
    """One page per sheet side, the sheet's size, with the marks (registration colour) and
    its slug line (K only), drawn by ReportLab with an embedded subset font."""
    from reportlab.pdfgen.canvas import Canvas

    from builder import data
    from builder.engine.private import set_fill_overprint
    from builder.typeset.fonts import load_face

    face = load_face(data.fonts_dir() / SLUG_FONT)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=spread.sheet, invariant=1, pageCompression=1,
                    initialFontName=face.name, initialFontSize=SLUG_FONT_SIZE)
    x0, y0 = spread.trim[:2]
    outside = max(marks.offset, spread.bleed)
    for slug in slugs:
        draw_marks(canvas, marks, spread.trim, (spread.fold,))
        canvas.saveState()
        canvas.setFillColorCMYK(0, 0, 0, 1)
        set_fill_overprint(canvas, True)  # 100 % K text overprints, as on the pages
        canvas.setFont(face.name, SLUG_FONT_SIZE)
        canvas.drawString(x0 + outside, y0 - outside - 1 * MM - SLUG_FONT_SIZE, slug)
        canvas.restoreState()
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _finish(booklet: Any, checked: CheckedPdf, parameters: tuple[object, ...]
            ) -> tuple[str, ...]:
    """The source's output intent, language, title and dates, PDF/X-4 keys and XMP with
    brochure:kind = booklet; IDs derived from the source and `parameters`. Returns notes on
    what the source lacks."""
    import pikepdf

    document, notes = checked.document, []
    with unreadable(checked.path):
        root, info = document.Root, document.trailer.get("/Info")
        if "/OutputIntents" in root:
            booklet.Root.OutputIntents = _copied(booklet, root.OutputIntents)
        else:
            notes.append("the source has no output intent, so neither has the booklet")
        if isinstance(root.get("/Lang"), pikepdf.String):
            booklet.Root.Lang = pikepdf.String(str(root.Lang))
        fields: dict[str, Any] = {key: pikepdf.String(str(info[key])) for key in (
            "/Title", "/Author", "/Subject", "/Keywords", "/Creator", "/Producer",
            "/CreationDate", "/ModDate") if isinstance(info, pikepdf.Dictionary)
            and isinstance(info.get(key), pikepdf.String)}
        xmp = _source_xmp(document)
    fields["/Trapped"] = pikepdf.Name("/False")
    fields["/GTS_PDFXVersion"] = pikepdf.String("PDF/X-4")
    booklet.trailer.Info = booklet.make_indirect(pikepdf.Dictionary(fields))
    if xmp is None:
        meta = Meta(title=str(fields.get("/Title", checked.path.stem)),
                    date=_info_date(str(fields.get("/CreationDate", ""))),
                    language=str(booklet.Root.get("/Lang", "und")),
                    issuer=str(fields["/Author"]) if "/Author" in fields else None)
        xmp = xmp_packet(meta, build_date(meta), str(fields.get("/Producer", "brochure")),
                         "PDF/X-4", kind="booklet")
    digest = hashlib.sha256(checked.data + repr(parameters).encode()).hexdigest()
    xmp = re.sub(r"(<xmpMM:DocumentID>uuid:)[^<]*", rf"\g<1>{uuid.UUID(digest[:32])}", xmp)
    xmp = re.sub(r"(<xmpMM:InstanceID>uuid:)[^<]*", rf"\g<1>{uuid.UUID(digest[32:])}", xmp)
    booklet.Root.Metadata = booklet.make_stream(
        xmp.encode(), Type=pikepdf.Name.Metadata, Subtype=pikepdf.Name.XML)
    return tuple(notes)


def _source_xmp(document: Any) -> str | None:
    """The source's XMP with brochure:kind = booklet, if brochure wrote it (its namespace
    and PDF/X key present), else None."""
    import pikepdf

    stream = document.Root.get("/Metadata")
    if not isinstance(stream, pikepdf.Stream):
        return None
    try:
        text = stream.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return None
    if BROCHURE_NS not in text or "<pdfxid:GTS_PDFXVersion>" not in text:
        return None
    if "<brochure:kind>" in text:
        return re.sub(r"<brochure:kind>[^<]*</brochure:kind>",
                      "<brochure:kind>booklet</brochure:kind>", text)
    return text.replace("  </rdf:Description>",
                        "   <brochure:kind>booklet</brochure:kind>\n  </rdf:Description>", 1)


def _info_date(stamp: str) -> str:
    """'D:20221001…' as '2022-10-01' (for `build_date`), or '' if it is not a date."""
    match = re.match(r"D:(\d{4})(\d{2})?(\d{2})?", stamp)
    return "-".join(part for part in match.groups() if part) if match else ""


def _copied(booklet: Any, value: Any, depth: int = 0) -> Any:
    """A source object copied into the booklet: indirect objects by qpdf, direct arrays
    and dictionaries item by item."""
    import pikepdf

    if depth > 16:
        raise BrochureError("the PDF's output intent is nested too deeply",
                            hint="export the PDF again")
    if value.is_indirect:
        return booklet.copy_foreign(value)
    if isinstance(value, pikepdf.Array):
        return pikepdf.Array([_copied(booklet, item, depth + 1) for item in value])
    if isinstance(value, pikepdf.Dictionary):
        return pikepdf.Dictionary({key: _copied(booklet, item, depth + 1)
                                   for key, item in value.items()})
    return value
