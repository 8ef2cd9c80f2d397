"""Layout report: how a built PDF's pages are composed, measured from the PDF alone.

Like the typography report (`builder.inspect.typography`, whose line and paragraph finding
this reuses), everything is read back with pdfminer: glyph boxes, painted paths (flattened to
line segments, with the stroke width, the clip in force and whether they are drawn in the
registration colour, a ``/Separation /All``), images, the page boxes and the outline. Per page:

1. **fill**: the share of the text block's height between the top of the page's first text
   line and the foot of its last, running heads and folios left out. The text block's height
   is the extent of that text over the pages that carry running heads or folios (else over
   all pages). A page under half full is a figure, not an error.
2. **blank pages** (warning): no text, no image, nothing drawn but the marks or in white.
3. **overprinting text** (error): the central parts of two glyphs of different lines meet
   (each glyph box is cut to its middle, so lines set solid, leading = size, pass).
4. **text over art** (error): a glyph's central part is crossed by a stroked path (a ring, an
   arc, a frame) or an image. Filled shapes (background bands, table row tints) never count;
   rules under table cells, leader dots and the header rule do not reach a glyph's middle.
5. **ink beyond the BleedBox** (error): a path or image extends past the BleedBox (marks in
   the registration colour excepted), after the clip in force (its bounding box; a form's
   BBox clips too).
6. **pages without marks** (error, print files: TrimBox smaller than MediaBox): no crop mark
   (a stroked line outside the trim, on the trim's edge line) at one of the four corners.
7. **table splits** (error): a table whose header row is repeated at the top of the next
   page, leaving fewer than ``MIN_TABLE_ROWS`` body rows on either side (rows counted between
   rules or row tints of the table's width, else by baselines). A table title left at the
   foot of a page, or a table note alone at the top of the next, is a warning.
8. **lone lines** (error): a body paragraph's first line alone at the foot of a page or
   column (orphan), its last line alone at the top of one (widow), and a page holding no
   more than the last two lines of a paragraph (a tail page).
9. **running heads** (error): text in the header zone must be the document title or the
   label of the section of the page's first text line; the sections are the outline's
   top-level entries, starting where their destination's ``/XYZ`` top says or, for ``/Fit``,
   at the page's line that repeats the entry's title (else at the top of the page). A
   running head on a cover (the first and last page of more than two, unless the file
   leaves its covers to a cover spread) or a blank page is an
   error too.

Running heads and folios are the lines on a page's first (last) baseline, in the top (bottom)
``FURNITURE_ZONE`` of the trim, outside the body size, at the same height and size on at least
two pages, above (below) every body line of their page. Limitations: text drawn as outlines
is invisible; rotated text is ignored; clip paths are taken as their bounding boxes;
shadings are not read.
"""

from __future__ import annotations

import bisect
import io
import json
import logging
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from builder.errors import BrochureError
from builder.findings import Finding, Severity, summary
from builder.inspect.typography import (
    CONTENT_BUDGET,
    INDENT_MIN_EM,
    BodyText,
    _font_name,
    _Glyph,
    _is_flush,
    _Line,
    _page_lines,
    _paragraphs,
    find_body,
)
from builder.pdf.reading import (
    CheckedPdf,
    checked_pdf,
    damaged,
    printed_without_covers,
    unreadable,
)

__all__ = ["LayoutReport", "PageFigures", "analyze_layout", "format_json", "format_report"]

# ----------------------------------------------------------------------------- tolerances
HALF_FULL = 0.5              # a page whose fill is below this is listed
FURNITURE_ZONE = 0.12        # running heads and folios lie in this share of the trim's height
OVERPRINT_INSET = 0.15      # glyph boxes cut by this share of the advance and the em on
                             # each side meet only where lines overprint (not at leading 0.7+)
ART_INSET = 0.25             # the central part of a glyph: this share of the advance off
                             # each side, and of the em box off the top and the foot
BLEED_TOLERANCE_PT = 0.5     # ink this close past the BleedBox is rounding, not ink
MARK_TOLERANCE_PT = 0.5      # a crop mark lies this close to the trim's edge line
MIN_TABLE_ROWS = 3           # a split table keeps at least this many body rows on each side
MIN_COLUMN_EM = 8            # a text block narrower than this holds no paragraphs
ROW_TOLERANCE_PT = 1.0       # cells whose baselines differ by less share a row
CURVE_STEP_PT = 4.0          # curves are flattened into segments about this long
EM_TOP, EM_FOOT = 0.88, 0.12  # the em box around a baseline, in em (ideographic box)

Box = tuple[float, float, float, float]
"""x0, top, x1, bottom in pt, measured from the MediaBox's top left corner (y downward)."""


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True)
class PageFigures:
    """One page's figures: its fill (0 to 1, None when it has no text), its text lines
    (running heads and folios left out) and images, whether it is blank, and its running
    head's text (folios left out; empty without one)."""

    page: int
    fill: float | None
    lines: int
    images: int
    blank: bool
    running_head: str


@dataclass
class LayoutReport:
    """The layout figures and findings of one PDF."""

    path: str
    pages: int
    print_file: bool = False
    #: the text block's top and foot (pt from the MediaBox's top) the fill is measured in
    text_block: tuple[float, float] | None = None
    sections: list[tuple[str, int]] = field(default_factory=list)
    figures: list[PageFigures] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def blank_pages(self) -> list[int]:
        return [f.page for f in self.figures if f.blank]

    @property
    def under_half(self) -> list[int]:
        """Pages with text over less than half the text block (blank pages included)."""
        return [f.page for f in self.figures if (f.fill or 0.0) < HALF_FULL]

    @property
    def errors(self) -> int:
        return summary(self.findings)[0]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (for JSON)."""
        errors, warnings = summary(self.findings)
        return {"file": self.path, "pages": self.pages, "print_file": self.print_file,
                "text_block": self.text_block,
                "sections": [{"title": t, "page": p} for t, p in self.sections],
                "blank_pages": self.blank_pages, "under_half_full": self.under_half,
                "figures": [vars(f) for f in self.figures],
                "errors": errors, "warnings": warnings, "ok": self.ok,
                "findings": [dict(f.as_dict(self.path), text=f.text, value=f.value)
                             for f in self.findings]}


# ----------------------------------------------------------------------------- reading
@dataclass
class _InkGlyph(_Glyph):
    """A glyph with its baseline (pt from the top), so that its em box is known."""

    baseline: float = 0.0


@dataclass
class _Path:
    """A painted path: its segments (flattened, in page space), how it is painted, its ink
    extent (after the clip) and whether it is a rectangle."""

    segments: list[Box]
    extent: Box | None      # None: clipped away entirely
    stroke: bool
    fill: bool
    width: float
    registration: bool
    white: bool
    rect: Box | None


@dataclass
class _Page:
    number: int
    height: float
    trim: Box
    bleed: Box | None
    media: Box
    glyphs: list[tuple[_Glyph, float]] = field(default_factory=list)
    paths: list[_Path] = field(default_factory=list)
    images: list[Box] = field(default_factory=list)
    image_order: list[int] = field(default_factory=list)
    """For each image, the number of paths painted before it (what is painted over it)."""
    lines: list[_Line] = field(default_factory=list)


def _intersect(a: Box | None, b: Box | None) -> Box | None:
    """The overlap of two boxes (None means no limit for ``b``, nothing for the result)."""
    if a is None:
        return None
    if b is None:
        return a
    box = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return box if box[0] <= box[2] and box[1] <= box[3] else None


def _bounds(points: Iterable[tuple[float, float]]) -> Box | None:
    xs, ys = [], []
    for x, y in points:
        xs.append(x)
        ys.append(y)
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


def _bezier(p0: tuple[float, float], p1: tuple[float, float], p2: tuple[float, float],
            p3: tuple[float, float]) -> list[tuple[float, float]]:
    """Points along a cubic Bézier curve (without ``p0``), about CURVE_STEP_PT apart."""
    polygon = (math.dist(p0, p1) + math.dist(p1, p2) + math.dist(p2, p3))
    steps = max(2, min(64, math.ceil(polygon / CURVE_STEP_PT)))
    points = []
    for i in range(1, steps + 1):
        t = i / steps
        u = 1 - t
        a, b, c, d = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
        points.append((a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0],
                       a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]))
    return points


def _read_pages(checked: CheckedPdf) -> list[_Page]:
    """Glyphs, paths and images of every page, read with pdfminer."""
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LTChar, LTContainer, LTItem
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdftypes import list_value, resolve1, stream_value
    from pdfminer.psparser import literal_name

    pages: list[_Page] = []

    class Device(PDFPageAggregator):
        clip: Box | None = None
        clipped_out = False
        stroke_registration = False
        fill_registration = False

        def to_page(self, x: float, y: float) -> tuple[float, float]:
            a, b, c, d, e, f = self.ctm
            return a * x + c * y + e, pages[-1].height - (b * x + d * y + f)

        def paint_path(self, gstate: Any, stroke: bool, fill: bool, evenodd: bool,
                       path: Sequence[Any]) -> None:
            if self.clipped_out or not (stroke or fill):
                return
            page = pages[-1]
            segments: list[Box] = []
            points: list[tuple[float, float]] = []
            start = current = None
            for operation in path:
                op, args = operation[0], [float(v) for v in operation[1:]]
                if op == "m" and len(args) == 2:
                    start = current = self.to_page(*args)
                    points.append(current)
                    continue
                if current is None:
                    continue
                if op == "l" and len(args) == 2:
                    new = [self.to_page(*args)]
                elif op in "cvy" and len(args) in (4, 6):
                    if op == "c":
                        c1, c2, end = (self.to_page(*args[i:i + 2]) for i in (0, 2, 4))
                    elif op == "v":
                        c1, (c2, end) = current, (self.to_page(*args[i:i + 2]) for i in (0, 2))
                    else:
                        c1, end = (self.to_page(*args[i:i + 2]) for i in (0, 2))
                        c2 = end
                    new = _bezier(current, c1, c2, end)
                elif op == "h" and start is not None:
                    new = [start]
                else:
                    continue
                for point in new:
                    segments.append((current[0], current[1], point[0], point[1]))
                    current = point
                points.extend(new)
            box = _bounds(points)
            if box is None:
                return
            half = gstate.linewidth * math.hypot(self.ctm[0], self.ctm[1]) / 2 if stroke else 0
            ink = (box[0] - half, box[1] - half, box[2] + half, box[3] + half)
            colour = gstate.ncolor
            white = not stroke and (colour in (1, 1.0, (1, 1, 1), (1.0, 1.0, 1.0))
                                    or colour in ((0, 0, 0, 0), (0.0, 0.0, 0.0, 0.0)))
            registration = ((not stroke or self.stroke_registration)
                            and (not fill or self.fill_registration))
            rect = box if _is_rect(points) else None
            page.paths.append(_Path(segments, _intersect(ink, self.clip), stroke, fill,
                                    half * 2, registration, white, rect))

        def render_image(self, name: str, stream: Any) -> None:
            if self.clipped_out:
                return
            box = _bounds(self.to_page(x, y) for x, y in ((0, 0), (1, 0), (0, 1), (1, 1)))
            clipped = _intersect(box, self.clip)
            if clipped is not None:
                pages[-1].images.append(clipped)
                pages[-1].image_order.append(len(pages[-1].paths))

    class Interpreter(PDFPageInterpreter):
        """Tracks the clip (as a box) and the registration colour through q/Q and forms."""

        inherited: tuple[Box | None, bool] = (None, False)

        def init_resources(self, resources: dict[object, object]) -> None:
            super().init_resources(resources)
            self.separations: dict[str, str] = {}
            spaces = resolve1(dict(resources or {}).get("ColorSpace")) or {}
            for name, spec in dict(spaces).items():
                spec = resolve1(spec)
                if isinstance(spec, list) and len(spec) > 1 \
                        and literal_name(resolve1(spec[0])) == "Separation":
                    self.separations[name] = literal_name(resolve1(spec[1]))

        def init_state(self, ctm: Any) -> None:
            super().init_state(ctm)
            self.clip_stack: list[tuple[Box | None, bool, bool, bool]] = []
            device.clip, device.clipped_out = self.inherited
            device.stroke_registration = device.fill_registration = False

        def do_q(self) -> None:
            super().do_q()
            self.clip_stack.append((device.clip, device.clipped_out,
                                    device.stroke_registration, device.fill_registration))

        def do_Q(self) -> None:
            super().do_Q()
            if self.clip_stack:
                (device.clip, device.clipped_out, device.stroke_registration,
                 device.fill_registration) = self.clip_stack.pop()

        def _clip_to(self, box: Box | None) -> None:
            if device.clipped_out:
                return
            clip = _intersect(box, device.clip)
            device.clip, device.clipped_out = clip, clip is None

        def do_W(self) -> None:
            points = [device.to_page(*map(float, op[-2:])) for op in self.curpath
                      if len(op) >= 3]
            self._clip_to(_bounds(points))

        do_W_a = do_W

        def do_CS(self, name: Any) -> None:
            super().do_CS(name)
            device.stroke_registration = self.separations.get(literal_name(name)) == "All"

        def do_cs(self, name: Any) -> None:
            super().do_cs(name)
            device.fill_registration = self.separations.get(literal_name(name)) == "All"

        def do_Do(self, name: Any) -> None:
            saved = (device.clip, device.clipped_out, device.stroke_registration,
                     device.fill_registration, device.ctm)
            xobject = stream_value(self.xobjmap.get(literal_name(name))) \
                if literal_name(name) in self.xobjmap else None
            inherited = (device.clip, device.clipped_out)
            if xobject is not None and "BBox" in xobject:
                matrix = list_value(xobject.get("Matrix", (1, 0, 0, 1, 0, 0)))
                x0, y0, x1, y1 = (float(v) for v in list_value(xobject["BBox"]))
                a, b, c, d, e, f = (float(v) for v in matrix)
                corners = [(a * x + c * y + e, b * x + d * y + f)
                           for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1))]
                box = _bounds(device.to_page(x, y) for x, y in corners)
                clip = _intersect(box, device.clip)
                inherited = (clip, device.clipped_out or clip is None)
            Interpreter.inherited = inherited
            try:
                super().do_Do(name)
            finally:
                Interpreter.inherited = (None, False)
                (device.clip, device.clipped_out, device.stroke_registration,
                 device.fill_registration, ctm) = saved
                device.set_ctm(ctm)

    def walk(items: Iterable[LTItem], height: float, out: list[tuple[_Glyph, float]]) -> None:
        for item in items:
            if isinstance(item, LTChar):
                text = item.get_text()
                if text.strip() and item.upright and item.size > 0:
                    baseline = height - item.matrix[5]
                    glyph = _InkGlyph(text, item.x0, item.x1, item.size,
                                      _font_name(item.fontname), baseline)
                    out.append((glyph, baseline))
            elif isinstance(item, LTContainer):  # a form XObject
                walk(item, height, out)

    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    manager = PDFResourceManager(caching=True)
    device = Device(manager, laparams=None)
    interpreter = Interpreter(manager, device)
    with io.BytesIO(checked.data) as file:
        for number, page in enumerate(PDFPage.get_pages(file), start=1):
            boxes = checked.boxes[number - 1]
            mx0, my0, mx1, my1 = boxes.media

            def box(rect: tuple[float, float, float, float], mx0: float = mx0,
                    my1: float = my1) -> Box:
                return rect[0] - mx0, my1 - rect[3], rect[2] - mx0, my1 - rect[1]

            pages.append(_Page(number, my1 - my0, box(boxes.trim),
                               None if boxes.bleed is None else box(boxes.bleed),
                               box(boxes.media)))
            Interpreter.inherited = (None, False)
            interpreter.process_page(page)
            layout = device.get_result()
            walk(layout, layout.height, pages[-1].glyphs)
    return pages


def _is_rect(points: list[tuple[float, float]]) -> bool:
    """Whether a path's points trace an axis-aligned rectangle (4 or 5 points)."""
    if len(points) not in (4, 5):
        return False
    xs = {round(x, 1) for x, _ in points}
    ys = {round(y, 1) for _, y in points}
    return len(xs) == 2 and len(ys) == 2


# ----------------------------------------------------------------------------- outline
@dataclass(frozen=True)
class _Section:
    title: str
    page: int        # 1-based
    top: float | None  # pt from the top of the page where it starts; None: find the title


def _outline(checked: CheckedPdf) -> tuple[str, list[_Section], str]:
    """The document's title (Info), its top-level outline entries with their places, and
    why the outline could not be read (empty when it could, or there is none)."""
    import pikepdf

    document = checked.document
    with damaged(checked.path):
        title = str(document.docinfo.get("/Title", "")) if document.docinfo else ""
        numbers = {page.obj.objgen: i for i, page in enumerate(document.pages, start=1)}
    sections: list[_Section] = []
    if "/Outlines" not in document.Root:
        return title, sections, ""
    try:
        # pikepdf reads an outline that is not one (a number, a loop) as far as it can, and
        # raises AttributeError on some; the outline is then left out, with a warning
        with document.open_outline(max_depth=1, strict=False) as outline:
            items = [(str(item.title), _destination(document, item, numbers))
                     for item in outline.root]
    except (pikepdf.PikepdfError, RecursionError, AttributeError, TypeError,
            ValueError) as error:
        return title, [], str(error) or type(error).__name__
    for name, place in items:
        if place is not None:
            number, y = place
            top = None if y is None else checked.boxes[number - 1].media[3] - y
            sections.append(_Section(name, number, top))
    return title, sections, ""


def _destination(document: Any, item: Any, numbers: dict[Any, int]
                 ) -> tuple[int, float | None] | None:
    """An outline item's page (1-based) and, for /XYZ and /FitH, its top (PDF y)."""
    import pikepdf

    target = item.destination
    if target is None and item.action is not None \
            and item.action.get("/S") == pikepdf.Name.GoTo:
        target = item.action.get("/D")
    if isinstance(target, (pikepdf.String, pikepdf.Name, str)):
        target = _named_destination(document, str(target))
    if isinstance(target, pikepdf.Dictionary):
        target = target.get("/D")
    if not isinstance(target, pikepdf.Array) or len(target) < 2 \
            or not isinstance(target[0], pikepdf.Dictionary):
        return None
    number = numbers.get(target[0].objgen)
    if number is None:
        return None
    kind = str(target[1])
    index = 3 if kind == "/XYZ" else 2 if kind in ("/FitH", "/FitBH") else None
    if index is None or len(target) <= index:
        return number, None
    try:
        y = float(target[index])
    except (TypeError, ValueError):  # null: the viewer keeps its place
        return number, None
    return number, y if math.isfinite(y) else None


def _named_destination(document: Any, name: str) -> Any:
    import pikepdf

    names = document.Root.get("/Names")
    if names is not None and "/Dests" in names:
        tree = pikepdf.NameTree(names.Dests)
        if name in tree:
            return tree[name]
    dests = document.Root.get("/Dests")
    return dests.get("/" + name.lstrip("/")) if dests is not None else None


# ----------------------------------------------------------------------------- helpers
_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"^[0-9０-９]+[.、．]?")


def _plain(text: str) -> str:
    """Text without white space (ideographic spaces included), for comparing labels."""
    return _SPACE.sub("", text)


def _labels(title: str) -> set[str]:
    """A section title and its form without a leading number ("01 文明城市" → 文明城市)."""
    plain = _plain(title)
    bare = _NUMBER.sub("", plain)
    return {label for label in (plain, bare) if label}


def _em_box(line: _Line) -> tuple[float, float]:
    """A line's top and foot: the em box of its largest glyph around its baseline."""
    size = max(g.size for g in line.glyphs)
    return line.baseline - EM_TOP * size, line.baseline + EM_FOOT * size


def _core(glyph: _Glyph, baseline: float, inset: float) -> Box:
    """The central part of a glyph's em box: ``inset`` of its advance off each side and of
    its height off its top and foot."""
    width, size = glyph.x1 - glyph.x0, glyph.size
    top, foot = baseline - EM_TOP * size, baseline + EM_FOOT * size
    return (glyph.x0 + inset * width, top + inset * size,
            glyph.x1 - inset * width, foot - inset * size)


def _overlaps(a: Box, b: Box) -> bool:
    """Whether two boxes share a point (touching edges count)."""
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _segment_box(segment: Box) -> Box:
    x0, y0, x1, y1 = segment
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _segment_hits(segment: Box, box: Box) -> bool:
    """Whether a line segment passes through a box (Liang–Barsky clipping)."""
    x0, y0, x1, y1 = segment
    dx, dy = x1 - x0, y1 - y0
    low, high = 0.0, 1.0
    for p, q in ((-dx, x0 - box[0]), (dx, box[2] - x0), (-dy, y0 - box[1]), (dy, box[3] - y0)):
        if p == 0:
            if q < 0:
                return False
        else:
            t = q / p
            if p < 0:
                low = max(low, t)
            else:
                high = min(high, t)
            if low > high:
                return False
    return True


def _finding(rule: str, severity: Severity, page: int, message: str, text: str = "",
             value: float | None = None) -> Finding:
    """A finding on a page, with the text at fault and a measure (pt, rows)."""
    return Finding(rule, severity, message, page=page, text=text,
                   value=None if value is None else round(value, 2))


# ----------------------------------------------------------------------------- analysis
def analyze_layout(path: Path) -> LayoutReport:
    """Measure the layout of the PDF at ``path`` (see the module docstring).

    Raises ``BrochureError`` for a missing, unreadable or hostile file.
    """
    path = Path(path)
    with checked_pdf(path, content_budget=CONTENT_BUDGET) as checked:
        with unreadable(path):
            try:
                pages = _read_pages(checked)
            except ImportError:  # pragma: no cover - depends on the installation
                raise BrochureError("the layout report needs pdfminer.six", path=path,
                                    hint="install the test extra: pip install -e '.[test]'"
                                    ) from None
        title, sections, unreadable_outline = _outline(checked)
        with damaged(path):
            covers = len(pages) > 2 and not printed_without_covers(checked.document)
    report = LayoutReport(str(path), len(pages))
    if unreadable_outline:
        report.findings.append(Finding(
            "outline", "warning", f"the outline cannot be read ({unreadable_outline}): "
            "running heads are not checked against sections", page=1))
    all_lines: list[_Line] = []
    for page in pages:
        page.lines = _page_lines(page.number, page.glyphs)
        all_lines.extend(page.lines)
    body = find_body(all_lines)
    body_ids = {id(line) for line in body.lines}
    furniture = _furniture(pages, body_ids)
    content = {page.number: [line for line in page.lines if id(line) not in furniture]
               for page in pages}
    report.print_file = any(_smaller(page.trim, page.media) for page in pages)
    report.text_block = _text_block(pages, content, furniture)
    starts = _section_starts(pages, content, sections)
    report.sections = [(s.title, s.page) for s, _ in starts]

    for page in pages:
        lines = content[page.number]
        heads = [line for line in page.lines if id(line) in furniture
                 and line.baseline < (page.trim[1] + page.trim[3]) / 2]
        inked = [p for p in page.paths if not p.registration and not p.white]
        blank = not page.lines and not page.images and not inked
        cover = covers and page.number in (1, len(pages))
        head_text = " ".join(line.text for line in heads if not line.text.isdigit())
        fill = _fill(lines, report.text_block)
        report.figures.append(PageFigures(page.number, None if fill is None else round(fill, 3),
                                          len(lines), len(page.images), blank, head_text))
        if blank:
            report.findings.append(_finding("blank-page", "warning", page.number,
                                            "blank page"))
        report.findings += _overprints(page)
        report.findings += _text_over_art(page)
        report.findings += _beyond_bleed(page)
        if _smaller(page.trim, page.media):
            report.findings += _missing_marks(page)
        report.findings += _running_head(page, heads, head_text, lines, title, starts,
                                         cover, not lines and not page.images)
    report.findings += _lone_lines(body, content, pages)
    report.findings += _table_splits(pages, content, body)
    report.findings.sort(key=lambda f: (f.page or 0, f.severity != "error"))
    return report


def _smaller(trim: Box, media: Box) -> bool:
    """Whether the trim lies inside the MediaBox with room for marks (a print file)."""
    return (trim[0] - media[0] > 1 and media[2] - trim[2] > 1 and trim[1] - media[1] > 1
            and media[3] - trim[3] > 1)


def _furniture(pages: list[_Page], body_ids: set[int]) -> set[int]:
    """The ids of the running heads' and folios' lines (see the module docstring)."""
    keyed: dict[tuple[str, float, float], set[int]] = {}
    candidates: list[tuple[tuple[str, float, float], _Line, _Page]] = []
    for page in pages:
        height = page.trim[3] - page.trim[1]
        body_tops = [line.baseline for line in page.lines if id(line) in body_ids]
        if not page.lines:
            continue
        highest = min(line.baseline for line in page.lines)
        lowest = max(line.baseline for line in page.lines)
        for line in page.lines:
            # only the page's first and last baselines can be running heads and folios
            if id(line) in body_ids or highest + ROW_TOLERANCE_PT < line.baseline \
                    < lowest - ROW_TOLERANCE_PT:
                continue
            if line.baseline < page.trim[1] + FURNITURE_ZONE * height:
                zone = "head"
                if body_tops and line.baseline > min(body_tops):
                    continue
            elif line.baseline > page.trim[3] - FURNITURE_ZONE * height:
                zone = "foot"
                if body_tops and line.baseline < max(body_tops):
                    continue
            else:
                continue
            key = (zone, round(line.baseline - page.trim[1], 0), round(line.size, 1))
            keyed.setdefault(key, set()).add(page.number)
            candidates.append((key, line, page))
    return {id(line) for key, line, _ in candidates if len(keyed[key]) >= 2}


def _text_block(pages: list[_Page], content: dict[int, list[_Line]],
                furniture: set[int]) -> tuple[float, float] | None:
    """The top and foot of the text block: the extent of the text on pages with running
    heads or folios, else on all pages."""
    furnished = [p for p in pages if any(id(line) in furniture for line in p.lines)]
    boxes = [_em_box(line) for page in (furnished or pages) for line in content[page.number]]
    if not boxes:
        return None
    top, foot = min(b[0] for b in boxes), max(b[1] for b in boxes)
    return (round(top, 2), round(foot, 2)) if foot > top else None


def _fill(lines: list[_Line], block: tuple[float, float] | None) -> float | None:
    if not lines or block is None:
        return None
    boxes = [_em_box(line) for line in lines]
    extent = max(b[1] for b in boxes) - min(b[0] for b in boxes)
    return max(0.0, min(1.0, extent / (block[1] - block[0])))


def _overprints(page: _Page) -> list[Finding]:
    """Lines (running heads and folios included) whose glyphs' central parts overlap the
    glyphs of another line."""
    shrunk = []
    for line in page.lines:
        cores = [_core(g, line.baseline, OVERPRINT_INSET) for g in line.glyphs]
        shrunk.append((line, cores, _bounds(
            [(c[0], c[1]) for c in cores] + [(c[2], c[3]) for c in cores])))
    shrunk.sort(key=lambda item: item[2][1] if item[2] else 0.0)
    findings = []
    seen: set[tuple[int, int]] = set()
    for i, (line, cores, box) in enumerate(shrunk):
        if box is None:
            continue
        for other, other_cores, other_box in shrunk[i + 1:]:
            if other_box is None:
                continue
            if other_box[1] >= box[3]:
                break
            if not _overlaps(box, other_box) or (id(line), id(other)) in seen:
                continue
            if any(_overlaps(a, b) for a in cores for b in other_cores if _overlaps(a, box)
                   and _overlaps(b, box)):
                seen.add((id(line), id(other)))
                findings.append(_finding(
                    "text-overprint", "error", page.number,
                    f"text overprints text: 「{_short(line.text)}」 and 「{_short(other.text)}」",
                    line.text))
    return findings


def _inside(box: Box, outer: Box) -> bool:
    return outer[0] <= box[0] and outer[1] <= box[1] and box[2] <= outer[2] \
        and box[3] <= outer[3]


def _short(text: str, length: int = 16) -> str:
    return text if len(text) <= length else text[:length - 1] + "…"


def _text_over_art(page: _Page) -> list[Finding]:
    """Lines whose glyphs' central parts are crossed by a stroked path or an image (a glyph
    on a filled rectangle painted over the image, a band holding a title, is not)."""
    strokes = [p for p in page.paths if p.stroke and not p.registration and p.extent]
    if not strokes and not page.images:
        return []
    cores: list[tuple[Box, _Line]] = []
    for line in page.lines:
        for glyph in line.glyphs:
            cores.append((_core(glyph, line.baseline, ART_INSET), line))
    cores.sort(key=lambda item: item[0][1])
    tops = [c[0][1] for c in cores]
    hit: dict[int, tuple[_Line, str]] = {}

    def near(box: Box) -> list[tuple[Box, _Line]]:
        # glyph cores whose top lies above the box's foot and whose foot below its top
        end = bisect.bisect_right(tops, box[3])
        return [c for c in cores[:end] if c[0][3] > box[1] and c[0][0] < box[2]
                and c[0][2] > box[0]]

    for path in strokes:
        assert path.extent is not None
        # segments the clip leaves out are not drawn
        drawn = [s for s in path.segments if _overlaps(_segment_box(s), path.extent)]
        half = path.width / 2
        for core, line in near(path.extent):
            if id(line) in hit:
                continue
            grown = (core[0] - half, core[1] - half, core[2] + half, core[3] + half)
            if any(_segment_hits(s, grown) for s in drawn):
                hit[id(line)] = (line, "a stroked path")
    for image, order in zip(page.images, page.image_order, strict=True):
        bands = [p.extent for p in page.paths[order:] if p.fill and p.rect and p.extent
                 and not p.registration and _overlaps(p.extent, image)]
        for core, line in near(image):
            if not any(_inside(core, band) for band in bands):  # not on a band over it
                hit.setdefault(id(line), (line, "an image"))
    return [_finding("text-over-art", "error", page.number,
                     f"text runs into {what}: 「{_short(line.text)}」", line.text)
            for line, what in hit.values()]


def _beyond_bleed(page: _Page) -> list[Finding]:
    """Paths and images whose ink extends past the BleedBox (marks excepted)."""
    if page.bleed is None:
        return []
    bleed = page.bleed
    worst, count = 0.0, 0
    extents = [p.extent for p in page.paths if not p.registration and p.extent] + page.images
    for extent in extents:
        past = max(bleed[0] - extent[0], extent[2] - bleed[2], bleed[1] - extent[1],
                   extent[3] - bleed[3])
        if past > BLEED_TOLERANCE_PT:
            count += 1
            worst = max(worst, past)
    if not count:
        return []
    things = "object" if count == 1 else "objects"
    return [_finding("ink-beyond-bleed", "error", page.number,
                     f"{count} {things} drawn up to {worst:.1f} pt past the BleedBox", "",
                     worst)]


def _missing_marks(page: _Page) -> list[Finding]:
    """Corners of the trim without a crop mark (a stroked line outside the trim, on the
    trim's edge line, within the slug)."""
    x0, top, x1, foot = page.trim
    marks = [s for p in page.paths if p.stroke for s in p.segments]

    def has_mark(cx: float, cy: float, dx: int, dy: int) -> bool:
        for sx0, sy0, sx1, sy1 in marks:
            horizontal = (abs(sy0 - cy) <= MARK_TOLERANCE_PT and abs(sy1 - cy) <= MARK_TOLERANCE_PT
                          and all((sx - cx) * dx > 0 for sx in (sx0, sx1)))
            vertical = (abs(sx0 - cx) <= MARK_TOLERANCE_PT and abs(sx1 - cx) <= MARK_TOLERANCE_PT
                        and all((sy - cy) * dy > 0 for sy in (sy0, sy1)))
            if horizontal or vertical:
                return True
        return False

    corners = {"top left": (x0, top, -1, -1), "top right": (x1, top, 1, -1),
               "bottom left": (x0, foot, -1, 1), "bottom right": (x1, foot, 1, 1)}
    missing = [name for name, corner in corners.items() if not has_mark(*corner)]
    if not missing:
        return []
    where = "any corner" if len(missing) == 4 else ", ".join(missing)
    return [_finding("missing-marks", "error", page.number,
                     f"no crop marks at {where} of a print file's page")]


def _section_starts(pages: list[_Page], content: dict[int, list[_Line]],
                    sections: list[_Section]) -> list[tuple[_Section, tuple[int, float]]]:
    """Each top-level section with where it starts: (page, pt from the top)."""
    starts = []
    for section in sections:
        top = section.top
        if top is None:
            top = _title_top(content.get(section.page, []), section.title)
        starts.append((section, (section.page, top - 1.0)))
    starts.sort(key=lambda item: item[1])
    return starts


def _title_top(lines: list[_Line], title: str) -> float:
    """The top of the first line on a page that sets a section's title (with its number
    set on a line of its own just above, as openers do), else the top of the page."""
    labels = _labels(title)
    found = [line for line in lines if _labels(line.text) & labels]
    if not found:
        return -math.inf
    heading = min(found, key=lambda line: line.baseline)
    top = _em_box(heading)[0]
    number = _NUMBER.match(_plain(title))
    if number:
        size = max(g.size for g in heading.glyphs)
        above = [_em_box(line)[0] for line in lines if _plain(line.text) == number.group()
                 and 0 < heading.baseline - line.baseline <= 6 * size]
        top = min([top, *above])
    return top


def _running_head(page: _Page, heads: list[_Line], head_text: str, lines: list[_Line],
                  title: str, starts: list[tuple[_Section, tuple[int, float]]], cover: bool,
                  empty: bool) -> list[Finding]:
    """A running head on a cover or blank page, or one naming another section than the
    one of the page's first text line."""
    if not head_text:
        return []
    if cover or empty:
        where = "a cover" if cover else "a page without other text"
        return [_finding("running-head", "error", page.number,
                         f"running head 「{_short(head_text, 30)}」 on {where}", head_text)]
    if not lines or not starts:
        return []
    rest = _plain(head_text).replace(_plain(title), "") if title else _plain(head_text)
    if not rest or rest.isdigit():
        return []
    first = min(lines, key=lambda line: (round(_em_box(line)[0]), line.x0))
    place = (page.number, _em_box(first)[0])
    current = None
    for section, start in starts:
        if start <= place:
            current = section
    named = [s for s, _ in starts if any(label in rest for label in _labels(s.title))]
    if not named or (current is not None and current in named):
        return []
    owner = f"the section 「{current.title}」" if current else "no section"
    return [_finding("running-head", "error", page.number,
                     f"running head names 「{named[0].title}」 but the page's first line "
                     f"「{_short(first.text)}」 belongs to {owner}", head_text)]


def _joined(paragraphs: list[list[_Line]], body: BodyText) -> list[list[_Line]]:
    """The paragraphs with those continued in a column that is not full joined up: a
    paragraph whose last line is the last of its column on the page and full (flush), and
    the next, in another column or page, starting at the block's edge, are one (balanced
    columns end above the block's foot, where the typography report starts a paragraph)."""
    last_in_column: dict[tuple[int, int, int], float] = {}
    for line in body.lines:
        key = (line.page, line.band, line.block)
        last_in_column[key] = max(last_in_column.get(key, line.baseline), line.baseline)
    joined: list[list[_Line]] = []
    for paragraph in paragraphs:
        if joined:
            end, start = joined[-1][-1], paragraph[0]
            block = body.blocks[start.block]
            if ((end.page, end.band, end.block) != (start.page, start.band, start.block)
                    and end.baseline >= last_in_column[(end.page, end.band, end.block)]
                    and _is_flush(end, body.blocks[end.block].right)
                    and start.x0 - block.left < INDENT_MIN_EM * start.size):
                joined[-1] = joined[-1] + paragraph
                continue
        joined.append(paragraph)
    return joined


def _lone_lines(body: BodyText, content: dict[int, list[_Line]],
                pages: list[_Page]) -> list[Finding]:
    """Orphans, widows and tail pages of the body paragraphs."""
    findings = []
    continued: set[int] = set()
    # lines in blocks narrower than a column (a contents page's numbers) are no paragraphs
    wide = [line for line in body.lines if body.size and body.blocks[line.block].right
            - body.blocks[line.block].left >= MIN_COLUMN_EM * body.size]
    for paragraph in _joined(_paragraphs(wide, body.blocks), body):
        runs: list[list[_Line]] = []
        for line in paragraph:
            if runs and (runs[-1][-1].page, runs[-1][-1].band, runs[-1][-1].block) \
                    == (line.page, line.band, line.block):
                runs[-1].append(line)
            else:
                runs.append([line])
        if len(runs) < 2:
            continue
        for run in runs[1:]:
            continued.update(id(line) for line in run)
        first, last = runs[0], runs[-1]
        if len(first) == 1:
            findings.append(_finding(
                "orphan-line", "error", first[0].page,
                f"a paragraph's first line alone at the foot of a page or column: "
                f"「{_short(first[0].text)}」", first[0].text))
        if len(last) == 1:
            findings.append(_finding(
                "widow-line", "error", last[0].page,
                f"a paragraph's last line alone at the top of a page or column: "
                f"「{_short(last[0].text)}」", last[0].text))
    body_ids = {id(line) for line in body.lines}
    for page in pages:
        lines = content[page.number]
        if (lines and len(lines) <= 2 and not page.images
                and all(id(line) in body_ids and id(line) in continued for line in lines)):
            findings.append(_finding(
                "tail-page", "error", page.number,
                f"the page holds only the last {len(lines)} line(s) of a paragraph",
                lines[0].text))
    return findings


# ----------------------------------------------------------------------------- tables
@dataclass
class _Row:
    baseline: float
    lines: list[_Line]

    @property
    def text(self) -> str:
        return " ".join(line.text for line in sorted(self.lines, key=lambda li: li.x0))

    @property
    def x0(self) -> float:
        return min(line.x0 for line in self.lines)

    @property
    def x1(self) -> float:
        return max(line.x1 for line in self.lines)


def _rows(lines: list[_Line]) -> list[_Row]:
    """A page's lines grouped into rows by baseline, top to bottom."""
    rows: list[_Row] = []
    for line in sorted(lines, key=lambda li: li.baseline):
        if rows and line.baseline - rows[-1].baseline <= ROW_TOLERANCE_PT:
            rows[-1].lines.append(line)
        else:
            rows.append(_Row(line.baseline, [line]))
    return rows


def _spanning(page: _Page, x0: float, x1: float,
              widest: float = 1.3) -> tuple[list[Box], list[float]]:
    """The filled rectangles (row tints) and the heights of the horizontal rules that span
    most of [x0, x1] on a page (not wider than ``widest`` times it)."""
    width = x1 - x0
    rects, rules = [], []
    for path in page.paths:
        if path.registration or path.extent is None:
            continue
        if path.rect is not None and path.fill:
            rx0, _, rx1, _ = path.rect
            if min(rx1, x1) - max(rx0, x0) >= 0.8 * width and rx1 - rx0 <= widest * width:
                rects.append(path.rect)
        elif path.stroke:
            for sx0, sy0, sx1, sy1 in path.segments:
                if abs(sy0 - sy1) < 0.5 and min(max(sx0, sx1), x1) - max(min(sx0, sx1), x0) \
                        >= 0.8 * width and abs(sx1 - sx0) <= widest * width:
                    rules.append(sy0)
    rects.sort(key=lambda r: r[1])
    return rects, sorted(rules)


def _table_rows(page: _Page, rows: list[_Row], header: _Row) -> tuple[int, float]:
    """The body rows of the table whose header row is ``header``, and where it ends: the
    row tints stacked under the header's tint, else the rules under it, else the rows of
    cells under it while their steps stay even."""
    size = max(g.size for line in header.lines for g in line.glyphs)
    # a header of wrapped cells is several baselines: the first, those centred beside it
    cells = [row for row in rows
             if header.baseline - 0.1 <= row.baseline <= header.baseline + 2 * size]
    x0 = min(row.x0 for row in cells) - 2 * size
    x1 = max(row.x1 for row in cells) + 2 * size
    head_foot = max(row.baseline for row in cells)
    rects, rules = _spanning(page, x0, x1)
    band = next((r for r in rects if r[1] <= header.baseline <= r[3]), None)
    if band is not None:
        count, foot = 0, band[3]
        for rect in rects:
            if rect[1] < foot - ROW_TOLERANCE_PT:
                continue
            if rect[1] > foot + ROW_TOLERANCE_PT:
                break
            foot = rect[3]
            count += any(rect[1] < row.baseline <= rect[3] for row in rows)
        return count, foot
    below = [y for y in rules if y > head_foot]
    if below:
        chain = [below[0]]
        for y in below[1:]:
            if y - chain[-1] > 12 * size:
                break
            if y - chain[-1] > ROW_TOLERANCE_PT:
                chain.append(y)
        count = sum(1 for top, foot in zip(chain, chain[1:], strict=False)
                    if any(top < row.baseline <= foot for row in rows))
        return count, chain[-1]
    count, last, step = 0, head_foot, 0.0
    for row in rows:
        if row.baseline <= head_foot or row.x0 < x0 or row.x1 > x1:
            continue
        gap = row.baseline - last
        if step and gap > 1.6 * step:
            break
        step = step or gap
        count, last = count + 1, row.baseline
    return count, last


def _table_splits(pages: list[_Page], content: dict[int, list[_Line]],
                  body: BodyText) -> list[Finding]:
    """Tables continued on the next page (their header row repeated at its top) with fewer
    than MIN_TABLE_ROWS body rows on either side; a table's title left at the foot of a page
    or its note alone at the top of the next."""
    findings = []
    for before, after in zip(pages, pages[1:], strict=False):
        rows_after = _rows(content[after.number])
        rows_before = _rows(content[before.number])
        if not rows_after or not rows_before:
            continue
        top, last = rows_after[0], rows_before[-1]
        same = [row for row in rows_before if _plain(row.text) == _plain(top.text)
                and len(row.lines) == len(top.lines)] if len(top.lines) > 1 else []
        if same:
            kept, _ = _table_rows(before, rows_before, same[-1])
            moved, _ = _table_rows(after, rows_after, top)
            if min(kept, moved) < MIN_TABLE_ROWS:
                findings.append(_finding(
                    "table-split", "error", after.number,
                    f"a table split {kept}/{moved} rows across pages {before.number}–"
                    f"{after.number} (at least {MIN_TABLE_ROWS} on each side): "
                    f"「{_short(top.text, 24)}」", top.text, min(kept, moved)))
            continue
        if body.size is None:
            continue
        top_size = max(g.size for line in top.lines for g in line.glyphs)
        last_size = max(g.size for line in last.lines for g in line.glyphs)
        if len(top.lines) > 1 and len(last.lines) == 1 and last_size >= body.size \
                and last.lines[0].font != body.font and _table_rows(after, rows_after, top)[0]:
            findings.append(_finding(
                "table-title-alone", "warning", before.number,
                f"a title alone at the foot of the page, its table on the next: "
                f"「{_short(last.text)}」", last.text))
        elif len(top.lines) == 1 and top_size < body.size and len(rows_after) > 1:
            # the page before ends in a table: a tint or rule under its last row
            rects, rules = _spanning(before, last.x0, last.x1, math.inf)
            ends = [r[3] for r in rects] + rules
            if ends and max(ends) > last.baseline and top.baseline < rows_after[1].baseline \
                    - 2 * top_size and max(g.size for line in rows_after[1].lines
                                          for g in line.glyphs) >= body.size:
                findings.append(_finding(
                    "table-note-alone", "warning", after.number,
                    f"a table note alone at the top of the page, its table on the one "
                    f"before: 「{_short(top.text)}」", top.text))
    return findings


# ----------------------------------------------------------------------------- output
def format_report(report: LayoutReport) -> str:
    """The report as text: a row per page, the findings (file: page N: …), a summary."""
    out = [f"layout of {report.path}: {report.pages} pages"
           + (" (print file: trim, bleed and marks)" if report.print_file else "")]
    if report.text_block:
        top, foot = report.text_block
        out.append(f"text block: {top:.1f} to {foot:.1f} pt from the top ({foot - top:.1f} pt)")
    if report.sections:
        out.append("sections: " + ", ".join(f"{t} (p.{p})" for t, p in report.sections))
    out.append("page  fill  lines images  running head")
    for f in report.figures:
        fill = "blank" if f.blank else "   –" if f.fill is None else f"{f.fill:5.0%}"
        flag = " <½" if (f.fill or 0.0) < HALF_FULL and not f.blank else ""
        out.append(f"{f.page:4d} {fill:>5}{flag:3} {f.lines:4d} {f.images:5d}   "
                   f"{_short(f.running_head, 40)}")
    out += [f.format(report.path) for f in report.findings]
    errors, warnings = summary(report.findings)
    half = ", ".join(map(str, report.under_half)) or "none"
    out.append(f"summary: {'ok' if report.ok else 'FAIL'}: {report.pages} pages, "
               f"{len(report.blank_pages)} blank, {len(report.under_half)} under half full "
               f"({half}); {errors} errors, {warnings} warnings")
    return "\n".join(out)


def format_json(report: LayoutReport) -> str:
    """The report as JSON (UTF-8 text, not ASCII-escaped)."""
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
