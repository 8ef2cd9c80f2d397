"""Layout stage: the full-page designs (cover, section openers, back cover) and the band
opener at the top of a body page, drawn straight on the canvas in trim coordinates.

Each page is planned before it is drawn: its texts (one composed line each, or a wrapped
block, set by the Typesetter with the clreq gaps) are placed first, then the ring art is
scaled so that it stays clear of every text (`ring_geometry`). All art is clipped to the
bleed box (the trim in screen files)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from reportlab.pdfgen.canvas import Canvas

from builder.engine.private import form_resources
from builder.layout.masters import Box, MasterPage
from builder.source.model import Document, Part
from builder.source.theme import MM, Theme
from builder.typeset.compose import BASELINE_DROP
from builder.typeset.record import Source
from builder.typeset.typesetter import Fonts, Typesetter, line_extent

if TYPE_CHECKING:
    from builder.pdf.images import ImageStore

Sector = tuple[float, float, float, float]
"""Part of an annulus: from and to angle (degrees counterclockwise from east, from < to),
inner and outer radius."""

SMALLEST_RINGS = 0.6
"""Opener rings shrink to this share of their design before a title or headline is set
narrower to keep clear of them."""
MIN_LIST_SCALE = 0.5
LEGIBLE_LIST = 0.85
"""... and preferably no smaller than this (else in columns, without headlines, or on a
more compact cover)."""
"""The masthead cover's list of sections is set no smaller than this share of its size."""
BAND_SCALE = {"opener_number": 0.5, "opener_title": 0.82, "opener_headline": 0.85,
              "opener_tag": 0.9}
"""The band opener's texts: the opener page's roles at these shares of their size."""


def place_form(canv: Canvas, name: str, box: tuple[float, float, float, float],
               draw: Callable[[Canvas], None]) -> None:
    """Place the form `name` on the page, drawn by `draw(canvas)` the first time: art that is
    the same on many pages is drawn once. ReportLab writes a form's resources without the
    colour spaces it uses (the registration colour's /Separation), so they are given here."""
    if not canv.hasForm(name):
        canv.beginForm(name, *box)
        draw(canv)
        canv.endForm(Resources=form_resources(canv))
    canv.doForm(name)


@dataclass(frozen=True)
class Rings:
    """Concentric rings as drawn: centre, the step between radii (ring i has radius i ×
    step), count and stroke width; the accent arc's radius and width (0: none); and the
    sectors left open, where a text stands among the rings (each ring and the arc stops
    at a sector's sides, butt-ended)."""

    cx: float
    cy: float
    step: float
    count: int
    width: float
    arc: float = 0.0
    arc_width: float = 0.0
    clear: tuple[Sector, ...] = ()

    def strokes(self) -> list[tuple[float, float]]:
        """The ink of each ring and of the arc: (inner radius, outer radius)."""
        inks = [(i * self.step - self.width / 2, i * self.step + self.width / 2)
                for i in range(1, self.count + 1)]
        if self.arc > 0:
            inks.append((self.arc - self.arc_width / 2, self.arc + self.arc_width / 2))
        return inks

    @property
    def reach(self) -> float:
        """The outer edge of the outermost ink."""
        return max((outer for _, outer in self.strokes()), default=0.0)

    def touches(self, box: Box) -> bool:
        """True if ink of the rings lies inside `box` (none does in an open sector)."""
        if any(_in_sector(self.cx, self.cy, box, sector) for sector in self.clear):
            return False
        near = _distance(self.cx, self.cy, box)
        far = max(math.hypot(x - self.cx, y - self.cy)
                  for x in (box[0], box[2]) for y in (box[1], box[3]))
        return any(outer >= near and inner <= far for inner, outer in self.strokes())


@dataclass(frozen=True)
class Placed:
    """A text placed on a designed page: one line with its baseline at y, or (`wrap` set)
    a block of lines `wrap` wide whose first line box's top is at y."""

    text: str
    role: str
    x: float
    y: float
    align: str = "left"
    max_width: float | None = None
    color: str | None = None
    sources: tuple[Source, ...] = ()
    piece_of: int | None = None
    """The index of the whole text (Plan.wholes) this line is a piece of, if any."""
    scale: float = 1.0
    wrap: float | None = None


@dataclass(frozen=True)
class Shape:
    """A filled rectangle ('rect') or an outlined pill ('pill') of a palette colour."""

    kind: str
    box: Box
    color: str
    line: float = 0.0


@dataclass
class Plan:
    """What a designed page draws over its art: shapes, then texts."""

    texts: list[Placed] = field(default_factory=list)
    shapes: list[Shape] = field(default_factory=list)
    wholes: list[tuple[str, str, tuple[Source, ...]]] = field(default_factory=list)
    """Texts drawn in several lines: (text, role, sources)."""

    def whole(self, text: str, role: str, *sources: Source) -> int:
        self.wholes.append((text, role, sources))
        return len(self.wholes) - 1


class PageArt:
    """Full-page designs: cover, section openers, back cover; the band opener."""

    def __init__(self, document: Document, theme: Theme, fonts: Fonts,
                 typesetter: Typesetter,
                 images: Callable[[], ImageStore] | None = None) -> None:
        self.document, self.theme, self.fonts, self.type = document, theme, fonts, typesetter
        self.images = images
        """The build's pictures, for masters that place some (builder/layout/masters.py)."""
        self.scale = theme.page_width / (210 * MM)
        """Decoration drawn for A4 shrinks or grows with the page width."""
        self.clearance = theme.spacing.block / 2
        """Least distance between a text and the art."""
        self._opener_rings: Rings | None = None
        self._band_heights: dict[int, float] = {}
        """Band heights by id() of the parts of `document` (which outlives this object)."""

    # ------------------------------------------------------------------ texts and boxes

    def _size(self, placed: Placed) -> float:
        """The type size a placed line is drawn at (after shrinking to its max_width)."""
        size = self.theme.style(placed.role).size * placed.scale
        if placed.max_width is None:
            return size
        natural = self.type.line_width(placed.text, placed.role, scale=placed.scale)
        return size * min(1.0, placed.max_width / natural) if natural > 0 else size

    def boxes(self, placed: Placed) -> list[Box]:
        """The glyph boxes (em boxes) of a placed text's lines."""
        if placed.wrap is not None:
            lines, style = self.type.block(placed.text, placed.role, placed.wrap,
                                           placed.align, scale=placed.scale)
            found = []
            for number, line in enumerate(lines):
                baseline = (placed.y - number * style.leading - (style.leading - style.size) / 2
                            - BASELINE_DROP * style.size)
                start = placed.x + (line.glyphs[0].x if line.glyphs else 0.0)
                found.append((start, baseline - (1 - BASELINE_DROP) * style.size,
                              start + line_extent(line), baseline + BASELINE_DROP * style.size))
            return found
        size = self._size(placed)
        width = self.type.line_width(placed.text, placed.role, placed.max_width, placed.scale)
        start = placed.x - {"center": width / 2, "right": width}.get(placed.align, 0.0)
        return [(start, placed.y - (1 - BASELINE_DROP) * size, start + width,
                 placed.y + BASELINE_DROP * size)]

    def _height(self, placed: Placed) -> float:
        """The height of a wrapped block."""
        assert placed.wrap is not None
        lines, style = self.type.block(placed.text, placed.role, placed.wrap, placed.align,
                                       scale=placed.scale)
        return len(lines) * style.leading

    def _draw_plan(self, canv: Canvas, plan: Plan) -> None:
        for shape in plan.shapes:
            x0, y0, x1, y1 = shape.box
            if shape.kind == "pill":
                canv.setStrokeColor(self.theme.color(shape.color))
                canv.setLineWidth(shape.line)
                canv.roundRect(x0, y0, x1 - x0, y1 - y0, (y1 - y0) / 2, stroke=1, fill=0)
            else:
                canv.setFillColor(self.theme.color(shape.color))
                canv.rect(x0, y0, x1 - x0, y1 - y0, stroke=0, fill=1)
        record = self.type.record
        numbers = [record.expect(*whole[:2], *whole[2]) if record is not None else -1
                   for whole in plan.wholes]
        for placed in plan.texts:
            if placed.wrap is not None:
                self.type.draw_block(canv, placed.text, placed.role, placed.x, placed.y,
                                     placed.wrap, placed.align, placed.color, placed.scale,
                                     placed.sources)
                continue
            printing = None if placed.piece_of is None else numbers[placed.piece_of]
            self.type.draw_line(canv, placed.text, placed.role, placed.x, placed.y,
                                placed.align, placed.max_width, placed.color,
                                placed.sources, printing, placed.scale)

    def text_boxes(self, plan: Plan) -> list[Box]:
        return [box for placed in plan.texts for box in self.boxes(placed)]

    # ------------------------------------------------------------------ art

    @contextmanager
    def clipped(self, canv: Canvas) -> Iterator[None]:
        """Draw inside the bleed box (the trim plus the bleed)."""
        bleed = self.theme.print.bleed
        canv.saveState()
        path = canv.beginPath()
        path.rect(-bleed, -bleed, self.theme.page_width + 2 * bleed,
                  self.theme.page_height + 2 * bleed)
        canv.clipPath(path, stroke=0, fill=0)
        try:
            yield
        finally:
            canv.restoreState()

    def background(self, canv: Canvas, color: str) -> None:
        """Fill the page up to the bleed edge."""
        bleed = self.theme.print.bleed
        canv.setFillColor(self.theme.color(color))
        canv.rect(-bleed, -bleed, self.theme.page_width + 2 * bleed,
                  self.theme.page_height + 2 * bleed, stroke=0, fill=1)

    def _band_box(self, y: float, height: float) -> Box:
        """A full-width band, run into the bleed at the sides (and at the top or foot
        when it touches them)."""
        bleed = self.theme.print.bleed
        bottom = y - bleed if y <= 0 else y
        top = y + height + (bleed if y + height >= self.theme.page_height else 0)
        return (-bleed, bottom, self.theme.page_width + bleed, top)

    def _band(self, canv: Canvas, color: str, y: float, height: float) -> None:
        x0, y0, x1, y1 = self._band_box(y, height)
        canv.setFillColor(self.theme.color(color))
        canv.rect(x0, y0, x1 - x0, y1 - y0, stroke=0, fill=1)

    def _rings(self, canv: Canvas, rings: Rings, color: str,
               arc_color: str | None = None) -> None:
        """Draw concentric rings (and their accent arc), each interrupted at the open
        sectors: the ink itself stays out of them, not only what shows."""
        with self.clipped(canv):
            canv.setStrokeColor(self.theme.color(color))
            canv.setLineWidth(rings.width)
            for ring in range(1, rings.count + 1):
                _circle(canv, rings.cx, rings.cy, ring * rings.step, rings.width / 2,
                        rings.clear)
            if rings.arc > 0 and arc_color is not None:
                canv.setStrokeColor(self.theme.color(arc_color))
                canv.setLineWidth(rings.arc_width)
                _circle(canv, rings.cx, rings.cy, rings.arc, rings.arc_width / 2, rings.clear)

    def ring_geometry(self, page: str, part: Part | None = None) -> Rings | None:
        """The rings drawn on a designed page ('cover' or 'opener'), as data; None where the
        page has none (the masthead cover)."""
        if page == "cover":
            return None if self.theme.design.cover == "masthead" else self._cover_rings()[1]
        if page == "opener":
            return self._opener_geometry()
        raise ValueError(f"no rings on '{page}' pages")

    # ------------------------------------------------------------------ cover

    def cover(self, canv: Canvas) -> None:
        """The cover: the theme's master, else its design."""
        if "cover" in self.theme.masters:
            MasterPage(self).draw(canv, self.theme.masters["cover"])
        elif self.theme.design.cover == "masthead":
            self.cover_masthead(canv)
        else:
            self.cover_rings(canv)

    def _issuer(self) -> str:
        meta = self.document.meta
        return "　".join(t for t in (meta.issuer, meta.date) if t)

    def _issuer_sources(self) -> tuple[Source, ...]:
        """The fields of the issuer line ('issuer　date')."""
        meta = self.document.meta
        return tuple((meta, key) for key in ("issuer", "date") if getattr(meta, key))

    def _masthead_plan(self, compact: bool = False) -> Plan:
        """The masthead cover: title band, lead, the list of ALL sections (`_section_list`),
        issuer. When the list would be set smaller than LEGIBLE_LIST, the cover is planned
        `compact`: the band's texts closer to the top and to each other, as the page's
        height to A4's."""
        theme, meta, d = self.theme, self.document.meta, self.theme.decor
        width, height = theme.page_width, theme.page_height
        side, measure = theme.margin_side, theme.page_width - 2 * theme.margin_side
        fit = min(1.0, self.scale, height / (297 * MM))  # closer on smaller pages
        squeeze = fit if compact else 1.0
        kicker, title = theme.style("cover_kicker"), theme.style("cover_title")
        plan = Plan()
        y = height - max(d.cover_kicker_top * squeeze, theme.margin_top / 2 + kicker.size)
        if meta.kicker:
            plan.texts.append(Placed(meta.kicker, "cover_kicker", side, y, max_width=measure,
                                     color="accent_light", sources=((meta, "kicker"),)))
        y -= max(d.cover_title_gap * 0.6 * squeeze,  # never into the kicker (theme.misfit)
                 title.size + 2 * (kicker.leading - kicker.size))
        whole = plan.whole(meta.title, "cover_title", (meta, "title"))
        for line in _split_title(meta.title):
            plan.texts.append(Placed(line, "cover_title", side, y, max_width=measure,
                                     piece_of=whole))
            y -= title.leading
        if meta.subtitle:
            plan.texts.append(Placed(meta.subtitle, "cover_subtitle", side,
                                     y - title.leading / 4, max_width=measure,
                                     sources=((meta, "subtitle"),)))
        lowest = min(box[1] for box in self.text_boxes(plan))
        band = max(height * d.opener_band * 0.75 * squeeze,
                   height - lowest + self.clearance * 2)
        plan.shapes += [Shape("rect", self._band_box(height - band, band), "primary"),
                        Shape("rect", self._band_box(height - band - d.opener_band_edge,
                                                     d.opener_band_edge), "accent")]
        gap = d.contents_lead_after * fit
        top = height - band - d.opener_band_edge - gap * 2
        if meta.lead:
            lead = Placed(meta.lead, "lead", side, top, align="justify", wrap=measure,
                          sources=((meta, "lead"),))
            plan.texts.append(lead)
            top -= self._height(lead) + gap * 1.5
        plan.texts.append(Placed(theme.labels.cover_contents, "table_title", side, top,
                                 max_width=measure))
        top -= theme.style("contents_entry").leading * 1.5
        issuer = theme.style("cover_issuer")
        bottom = max(d.cover_issuer_bottom * fit, theme.margin_bottom / 2)
        rule_y = bottom + issuer.leading
        listed, scale = self._section_list(side, top, measure,
                                           top - rule_y - self.clearance * 2)
        if scale < LEGIBLE_LIST and not compact:
            return self._masthead_plan(compact=True)
        plan.texts += listed
        plan.shapes.append(Shape("rect", (side, rule_y - d.accent_line / 2, width - side,
                                          rule_y + d.accent_line / 2), "primary"))
        plan.texts.append(Placed(self._issuer(), "cover_issuer", side, bottom,
                                 max_width=measure, color="primary",
                                 sources=self._issuer_sources()))
        return plan

    def _section_list(self, x: float, top: float, measure: float,
                      room: float) -> tuple[list[Placed], float]:
        """Every section of the issue (number, title, headline), the first baseline at
        `top`, within `room` below it: in one column, else without headlines, else in two
        or three columns, each a little smaller if need be (to LEGIBLE_LIST), else smaller
        still (to MIN_LIST_SCALE; the list is never shortened). Returns the texts and their
        scale."""
        theme, sections = self.theme, self.document.sections
        entry, detail = theme.style("contents_entry"), theme.style("contents_detail")
        indent, gutter = theme.decor.contents_indent, entry.size * 2

        def fit(details: bool, columns: int) -> float:
            """The scale at which the list fits (1 at most)."""
            rows = math.ceil(len(sections) / columns)
            tallest = max((sum(entry.leading * 1.3 + (detail.leading if details
                                                      and part.headline else 0)
                               for part in sections[start:start + rows])
                           for start in range(0, len(sections), rows)), default=0.0)
            needed = tallest - entry.leading * 1.3 + entry.size
            width = (measure - gutter * (columns - 1)) / columns
            widest = max([self.type.line_width(part.title, "contents_entry")
                          for part in sections]
                         + [self.type.line_width(part.headline, "contents_detail")
                            for part in sections if details and part.headline], default=0.0)
            return min(1.0, room / needed if needed > 0 else 1.0, width / (indent + widest))

        choices = [(details, columns) for columns in (1, 2, 3) for details in (True, False)]
        details, columns = next((c for c in choices if fit(*c) >= LEGIBLE_LIST),
                                max(choices, key=lambda c: (fit(*c), c[0])))
        scale = max(MIN_LIST_SCALE, fit(details, columns))
        rows = math.ceil(len(sections) / columns)
        width = (measure - gutter * (columns - 1)) / columns
        texts: list[Placed] = []
        for start in range(0, len(sections), rows):
            left = x + (start // rows) * (width + gutter)
            y = top
            for part in sections[start:start + rows]:
                number = self.document.section_number(part) or 0
                texts.append(Placed(f"{number:02d}", "contents_number", left, y, scale=scale))
                texts.append(Placed(part.title, "contents_entry", left + indent * scale, y,
                                    max_width=width - indent * scale, scale=scale,
                                    sources=((part, "title"),)))
                if details and part.headline:
                    y -= detail.leading * scale
                    texts.append(Placed(part.headline, "contents_detail",
                                        left + indent * scale, y,
                                        max_width=width - indent * scale, scale=scale,
                                        sources=((part, "headline"),)))
                y -= entry.leading * 1.3 * scale
        return texts, scale

    def cover_masthead(self, canv: Canvas) -> None:
        """A white cover under a coloured title band, the lead below it: a newsletter."""
        with self.clipped(canv):
            self.background(canv, "paper")
            self._draw_plan(canv, self._masthead_plan())

    def _cover_rings(self) -> tuple[Plan, Rings]:
        """The red cover's texts and rings: the rings (and the gold arc among them) are
        scaled down to stay clear of the kicker, title and subtitle, and knocked out behind
        the issuer line."""
        theme, meta, d = self.theme, self.document.meta, self.theme.decor
        width, height = theme.page_width, theme.page_height
        measure = theme.page_width - 2 * theme.margin_side
        plan = Plan()
        y = height - d.cover_kicker_top
        if meta.kicker:
            banner = theme.style("cover_kicker")
            pad = banner.leading - banner.size
            plan.shapes.append(Shape("rect", self._band_box(y - pad * 2, banner.leading
                                                            + pad * 2), "accent"))
            plan.texts.append(Placed(meta.kicker, "cover_kicker", width / 2, y - pad / 2,
                                     "center", measure, sources=((meta, "kicker"),)))
        y -= d.cover_title_gap
        title = theme.style("cover_title")
        whole = plan.whole(meta.title, "cover_title", (meta, "title"))
        for line in _split_title(meta.title):
            plan.texts.append(Placed(line, "cover_title", width / 2, y, "center", measure,
                                     piece_of=whole))
            y -= title.leading
        bar = d.accent_bar_length * 1.5
        bar_y = y + title.leading / 2 - d.accent_bar_thickness
        plan.shapes.append(Shape("rect", (width / 2 - bar / 2, bar_y, width / 2 + bar / 2,
                                          bar_y + d.accent_bar_thickness), "accent"))
        y -= theme.style("cover_subtitle").leading
        if meta.subtitle:
            plan.texts.append(Placed(meta.subtitle, "cover_subtitle", width / 2, y, "center",
                                     measure, sources=((meta, "subtitle"),)))
        above = [box for placed in plan.texts for box in self.boxes(placed)]
        above += [shape.box for shape in plan.shapes]
        holes: tuple[Box, ...] = ()
        issuer = self._issuer()
        if issuer:
            issuer_line = Placed(issuer, "cover_issuer", width / 2, d.cover_issuer_bottom, "center",
                          measure, sources=self._issuer_sources())
            plan.texts.append(issuer_line)
            size = self._size(issuer_line)
            holes = tuple(_sector_around(width / 2, -height * d.rings_centre, box,
                                         self.clearance + size / 2)
                          for box in self.boxes(issuer_line))
        centre_y = -height * d.rings_centre
        step, ring_width = d.rings_step * self.scale, d.rings_width * self.scale
        reach = d.rings_count * step + ring_width / 2
        room = min(_distance(width / 2, centre_y, box) for box in above) - self.clearance
        share = max(0.0, min(1.0, room / reach)) if reach > 0 else 1.0  # 0 rings: none
        step, ring_width = step * share, ring_width * share
        rings = Rings(width / 2, centre_y, step, d.rings_count, ring_width,
                      arc=step * (d.rings_count * 2 // 3 + 0.5), arc_width=d.accent_line,
                      clear=holes)
        return plan, rings

    def cover_rings(self, canv: Canvas) -> None:
        """A red cover: kicker banner, title, subtitle, rings rising from below."""
        plan, rings = self._cover_rings()
        with self.clipped(canv):
            self.background(canv, "primary")
            self._rings(canv, rings, "primary_dark", arc_color="accent")
            self._draw_plan(canv, plan)

    # ------------------------------------------------------------------ openers

    def _opener_plan(self, part: Part, rings: Rings | None) -> Plan:
        """An opener page's texts; the title and headline set narrower where they would run
        into `rings` (None: at full measure)."""
        theme, d = self.theme, self.theme.decor
        height = theme.page_height
        band = height * d.opener_band
        side, measure = theme.margin_side, theme.page_width - 2 * theme.margin_side
        plan = Plan()
        number = self.document.section_number(part)
        number_style, title = theme.style("opener_number"), theme.style("opener_title")
        y = height - d.opener_number_top
        if number:
            plan.texts.append(Placed(f"{number:02d}", "opener_number", side, y))
        y -= number_style.leading - number_style.size + d.accent_bar_thickness * 4
        plan.shapes.append(Shape("rect", (side, y, side + d.accent_bar_length * 1.5,
                                          y + d.accent_bar_thickness), "accent"))
        y -= title.leading * 1.2
        size = title.size
        title_width = min(measure, self._clear_right(rings, y - size, y + size) - side)
        plan.texts.append(Placed(part.title, "opener_title", side, y, max_width=title_width,
                                 sources=((part, "title"),)))
        if part.headline:
            y -= title.leading * 0.5
            plan.texts += self._headline(plan, part, side, y, measure, rings)
        self._lift(plan, height - band + d.opener_band_edge + theme.spacing.block * 2)
        if part.tag:
            tag = theme.style("opener_tag")
            pill = tag.leading * 2
            tag_width = self.type.line_width(part.tag, "opener_tag", measure - pill * 1.2)
            top = height - band - d.opener_tag_gap
            plan.shapes.append(Shape("pill", (side, top - pill, side + tag_width + pill * 1.2,
                                              top), "accent", d.accent_line))
            plan.texts.append(Placed(part.tag, "opener_tag", side + pill * 0.6,
                                     top - pill / 2 - tag.size * 0.35,
                                     max_width=measure - pill * 1.2, sources=((part, "tag"),)))
        return plan

    def phrase_lines(self, text: str, role: str, width: float,
                     scale: float = 1.0) -> list[str]:
        """A display text broken into lines of at most `width`: at its spaces first (a
        Chinese headline's spaces part its phrases), inside a phrase only when the phrase
        alone is too wide (then by the composer's rules)."""
        lines: list[str] = []
        for phrase in text.split():
            trial = f"{lines[-1]} {phrase}" if lines else phrase
            if lines and self.type.line_width(trial, role, scale=scale) <= width:
                lines[-1] = trial
            elif self.type.line_width(phrase, role, scale=scale) <= width:
                lines.append(phrase)
            else:
                composed, _ = self.type.block(phrase, role, width, scale=scale)
                lines += [line.text for line in composed]
        return lines

    def _lines(self, plan: Plan, text: str, role: str, x: float, top: float, width: float,
               sources: tuple[Source, ...], scale: float = 1.0,
               color: str | None = None) -> list[Placed]:
        """`phrase_lines` placed from `top` (the first line box's top) down, as pieces of
        one whole text of the plan."""
        style = self.type.styled(role, scale=scale)
        whole = plan.whole(text, role, *sources)
        first = top - (style.leading - style.size) / 2 - BASELINE_DROP * style.size
        return [Placed(line, role, x, first - number * style.leading, max_width=width,
                       color=color, piece_of=whole, scale=scale)
                for number, line in enumerate(self.phrase_lines(text, role, width, scale))]

    def _headline(self, plan: Plan, part: Part, x: float, top: float, measure: float,
                  rings: Rings | None) -> list[Placed]:
        """The opener's headline lines, set narrower until every line keeps clear of the
        rings (at least four characters wide)."""
        wrap = measure
        smallest = self.theme.style("opener_headline").size * 4
        sources = ((part, "headline"),)
        for _ in range(8):
            trial = Plan()
            lines = self._lines(trial, part.headline or "", "opener_headline", x, top, wrap,
                                sources)
            boxes = [box for placed in lines for box in self.boxes(placed)]
            limit = min(self._clear_right(rings, y0, y1) for _, y0, _, y1 in boxes)
            if all(x1 <= limit for _, _, x1, _ in boxes) or wrap <= smallest:
                break
            wrap = max(smallest, min(wrap, limit - x))
        return self._lines(plan, part.headline or "", "opener_headline", x, top, wrap, sources)

    def _lift(self, plan: Plan, floor: float) -> None:
        """Move the plan's texts and shapes up so that none reaches below `floor`, as far as
        the top margin's upper half allows."""
        boxes = self.text_boxes(plan) + [shape.box for shape in plan.shapes]
        if not boxes:
            return
        lowest, highest = min(b[1] for b in boxes), max(b[3] for b in boxes)
        shift = min(floor - lowest, self.theme.page_height - self.theme.margin_top / 2
                    - highest)
        if shift <= 0:
            return
        plan.texts[:] = [replace(placed, y=placed.y + shift) for placed in plan.texts]
        plan.shapes[:] = [replace(shape, box=(shape.box[0], shape.box[1] + shift,
                                              shape.box[2], shape.box[3] + shift))
                          for shape in plan.shapes]

    def _clear_right(self, rings: Rings | None, y0: float, y1: float) -> float:
        """The rightmost x a text between heights y0 and y1 may reach, keeping clear of rings
        centred on the right (math.inf without rings)."""
        if rings is None:
            return math.inf
        radius = rings.reach + self.clearance
        dy = 0.0 if y0 <= rings.cy <= y1 else min(abs(y0 - rings.cy), abs(y1 - rings.cy))
        if dy >= radius:
            return math.inf
        return rings.cx - math.sqrt(radius * radius - dy * dy)

    def _opener_geometry(self) -> Rings:
        """The rings of every opener (the same on all: one drawing): the largest of their
        design size (scaled with the page) and smaller steps down to SMALLEST_RINGS at which
        no opener's headline takes more lines, nor its title a smaller size, than with the
        smallest rings; the texts are set narrower where the rings need it."""
        if self._opener_rings is not None:
            return self._opener_rings
        theme, d = self.theme, self.theme.decor
        band = theme.page_height * d.opener_band
        count = d.rings_count * 2 // 3
        step, ring_width = d.rings_step * 0.75 * self.scale, d.rings_width / 2 * self.scale

        def rings_at(share: float) -> Rings:
            return Rings(theme.page_width, theme.page_height - band, step * share, count,
                         ring_width * share)

        parts = list({(part.title, part.headline, part.tag,  # one of each kind of opener
                       len(str(self.document.section_number(part)))): part
                      for part in self.document.sections}.values())
        plans = [self._opener_plan(part, None) for part in parts]
        fixed = [box for plan in plans for placed in plan.texts
                 if placed.role in ("opener_number", "opener_tag")
                 for box in self.boxes(placed)]
        fixed += [shape.box for plan in plans for shape in plan.shapes]
        full = rings_at(1.0)
        room = min((_distance(full.cx, full.cy, box) for box in fixed), default=math.inf)
        largest = max(0.0, min(1.0, (room - self.clearance) / full.reach)) \
            if full.reach > 0 else 1.0

        def cost(rings: Rings) -> list[tuple[int, float]]:
            """Per opener: its headline's line count and its title's size."""
            found = []
            for part in parts:
                texts = self._opener_plan(part, rings).texts
                title = next(p for p in texts if p.role == "opener_title")
                found.append((sum(p.role == "opener_headline" for p in texts),
                              -round(self._size(title), 2)))
            return found

        chosen = rings_at(min(largest, SMALLEST_RINGS))
        least = cost(chosen)
        for share in (1.0, 0.9, 0.8, 0.7):  # the largest rings costing no more lines
            if share <= largest and all(
                    a[0] <= b[0] and a[1] <= b[1]
                    for a, b in zip(cost(rings_at(share)), least, strict=True)):
                chosen = rings_at(share)
                break
        self._opener_rings = chosen
        return chosen

    def opener(self, canv: Canvas, part: Part) -> None:
        """A section's full opener page: the theme's master, else its design."""
        if "opener" in self.theme.masters:
            MasterPage(self).draw(canv, self.theme.masters["opener"], part)
            return
        theme, d = self.theme, self.theme.decor
        width, height = theme.page_width, theme.page_height
        band = height * d.opener_band
        rings = self._opener_geometry()

        def art(canv: Canvas) -> None:  # the same on every opener
            with self.clipped(canv):
                self.background(canv, "paper")
                self._band(canv, "primary", height - band, band)
                self._rings(canv, rings, "accent_light")
                self._band(canv, "primary_dark", height - band, d.opener_band_edge)

        edge = theme.print.bleed + 1  # the form's box lies beyond what it draws
        place_form(canv, "opener-art", (-edge, -edge, width + edge, height + edge), art)
        with self.clipped(canv):
            self._draw_plan(canv, self._opener_plan(part, rings))

    # ------------------------------------------------------------------ band opener

    def _band_plan(self, part: Part) -> tuple[Plan, float]:
        """The band opener's texts and the band's height from the top of the trim: the
        number (if the part is numbered) beside the title, the headline below, then the tag
        in its outline; the opener page's roles, smaller (BAND_SCALE)."""
        theme, d = self.theme, self.theme.decor
        height = theme.page_height
        side, measure = theme.margin_side, theme.text_width
        plan = Plan()
        top = height - theme.margin_top * 0.6
        number = self.document.section_number(part)
        title = theme.style("opener_title")
        title_scale = BAND_SCALE["opener_title"]
        row = title.leading * title_scale
        x = side
        if number:
            scale = BAND_SCALE["opener_number"]
            style = theme.style("opener_number")
            row = max(row, style.size * scale)
            text = f"{number:02d}"
            baseline = top - style.size * scale * BASELINE_DROP
            plan.texts.append(Placed(text, "opener_number", x, baseline, scale=scale))
            x += self.type.line_width(text, "opener_number", scale=scale) + title.size * 0.5
        baseline = top - row + (row - title.size * title_scale) / 2 \
            + (1 - BASELINE_DROP) * title.size * title_scale
        if number:  # the title sits on the number's baseline
            baseline = top - theme.style("opener_number").size * BAND_SCALE["opener_number"] \
                * BASELINE_DROP
        plan.texts.append(Placed(part.title, "opener_title", x, baseline,
                                 max_width=side + measure - x, scale=title_scale,
                                 sources=((part, "title"),)))
        y = top - row - theme.spacing.block * 0.75
        if part.headline:
            scale = BAND_SCALE["opener_headline"]
            lines = self._lines(plan, part.headline, "opener_headline", side, y, measure,
                                ((part, "headline"),), scale)
            plan.texts += lines
            y -= len(lines) * theme.style("opener_headline").leading * scale
        if part.tag:
            scale = BAND_SCALE["opener_tag"]
            tag = theme.style("opener_tag")
            pill = tag.leading * scale * 1.6
            y -= theme.spacing.block / 2
            inner = measure - pill
            tag_width = self.type.line_width(part.tag, "opener_tag", inner, scale)
            plan.shapes.append(Shape("pill", (side, y - pill, side + tag_width + pill, y),
                                     "accent", d.accent_line))
            plan.texts.append(Placed(part.tag, "opener_tag", side + pill / 2,
                                     y - pill / 2 - tag.size * scale * 0.35, max_width=inner,
                                     color="accent", scale=scale, sources=((part, "tag"),)))
            y -= pill
        band = height - y + theme.spacing.block + d.opener_band_edge
        return plan, band

    def band_height(self, part: Part) -> float:
        """The band opener's height from the top of the trim, in points: its texts fit in
        it at any page size. The page's text frame starts `spacing.block` below it."""
        height = self._band_heights.get(id(part))
        if height is None:
            height = self._band_heights[id(part)] = self._band_plan(part)[1]
        return height

    def band_opener(self, canv: Canvas, part: Part) -> None:
        """A coloured band across the top of a body page, into the bleed at the top and
        sides, holding the part's number, title, headline and tag (trim coordinates)."""
        theme, d = self.theme, self.theme.decor
        plan, band = self._band_plan(part)
        top = theme.page_height
        with self.clipped(canv):
            self._band(canv, "primary", top - band, band)
            self._band(canv, "primary_dark", top - band, d.opener_band_edge)
            self._draw_plan(canv, plan)

    # ------------------------------------------------------------------ back cover

    def _back_plan(self, pages: int | None) -> Plan:
        """The back cover: the title, and near the foot a ruled imprint block (issuer,
        date, page count; labels from the theme)."""
        theme, meta, d = self.theme, self.document.meta, self.theme.decor
        width, labels = theme.page_width, theme.labels
        side, measure = theme.margin_side, theme.page_width - 2 * theme.margin_side
        plan = Plan()
        text = theme.style("back_text")
        rows: list[tuple[str, str, tuple[Source, ...]]] = []
        if meta.issuer:
            rows.append((labels.imprint_issuer, meta.issuer, ((meta, "issuer"),)))
        if meta.date:
            rows.append((labels.imprint_date, meta.date, ((meta, "date"),)))
        if pages:
            rows.append(("", labels.imprint_pages.replace("{pages}", str(pages)), ()))
        bottom = max(theme.margin_bottom, d.back_band + self.clearance * 2)
        pad = text.leading / 2
        block_top = bottom + pad * 2 + len(rows) * text.leading
        if rows:
            gap = text.size
            label_width = max(self.type.line_width(label, "back_text") for label, _, _ in rows)
            value_width = max(self.type.line_width(value, "back_text") for _, value, _ in rows)
            total = min(measure, label_width + gap + value_width)
            label_x = width / 2 - total / 2
            value_x = label_x + label_width + gap
            rule = d.header_rule_width
            for y in (bottom, block_top):
                plan.shapes.append(Shape("rect", (side, y - rule / 2, width - side,
                                                  y + rule / 2), "accent"))
            y = block_top - pad - text.size * BASELINE_DROP - (text.leading - text.size) / 2
            for label, value, sources in rows:
                if label:
                    plan.texts.append(Placed(label, "back_text", label_x, y,
                                             max_width=label_width, color="accent"))
                plan.texts.append(Placed(value, "back_text", value_x, y,
                                         max_width=side + measure - value_x, sources=sources))
                y -= text.leading
        title = theme.style("back_title")
        lines = _split_title(meta.title)
        floor = (block_top if rows else bottom) + theme.spacing.block * 2
        y = max(d.back_title_bottom, floor + (len(lines) - 1) * title.leading
                + (1 - BASELINE_DROP) * title.size)
        whole = plan.whole(meta.title, "back_title", (meta, "title"))
        for line in lines:
            plan.texts.append(Placed(line, "back_title", width / 2, y, "center", measure,
                                     piece_of=whole))
            y -= title.leading
        return plan

    def back_cover(self, canv: Canvas, pages: int | None = None) -> None:
        """The back cover; `pages`: the page count for the imprint (None: this page's
        number, the back cover being the last page)."""
        if "back_cover" in self.theme.masters:
            MasterPage(self).draw(canv, self.theme.masters["back_cover"],
                                  pages=pages or canv.getPageNumber())
            return
        d = self.theme.decor
        with self.clipped(canv):
            self.background(canv, "primary_dark")
            self._band(canv, "accent", 0, d.back_band)
            self._draw_plan(canv, self._back_plan(pages or canv.getPageNumber()))


def _circle(canv: Canvas, cx: float, cy: float, radius: float, half_width: float,
            clear: tuple[Sector, ...]) -> None:
    """Stroke a circle whose ink runs `half_width` either side, but across the sectors it
    would enter."""
    gaps = sorted((start, end) for start, end, inner, outer in clear
                  if radius + half_width > inner and radius - half_width < outer)
    if not gaps:
        canv.circle(cx, cy, radius, stroke=1, fill=0)
        return
    start = gaps[0][1]
    for begin, end in [*gaps[1:], (gaps[0][0] + 360, gaps[0][1] + 360)]:
        if begin > start:
            canv.arc(cx - radius, cy - radius, cx + radius, cy + radius, start, begin - start)
        start = max(start, end)


def _corner_angles(cx: float, cy: float, box: Box) -> list[float]:
    """The angles of a box's corners seen from a point outside it, in one run of degrees
    (a box west of the point gets angles past 180 rather than a jump to −180)."""
    angles = [math.degrees(math.atan2(y - cy, x - cx)) for x in (box[0], box[2])
              for y in (box[1], box[3])]
    if box[0] < cx and box[1] <= cy <= box[3]:
        angles = [a + 360 if a < 0 else a for a in angles]
    return angles


def _sector_around(cx: float, cy: float, box: Box, pad: float) -> Sector:
    """The sector of the circles centred at (cx, cy) that holds `box`, `pad` points more
    all round."""
    near = _distance(cx, cy, box)
    far = max(math.hypot(x - cx, y - cy) for x in (box[0], box[2]) for y in (box[1], box[3]))
    if near <= pad:
        return (-180.0, 180.0, 0.0, far + pad)
    angles = _corner_angles(cx, cy, box)
    turn = math.degrees(pad / near)
    return (min(angles) - turn, max(angles) + turn, near - pad, far + pad)


def _in_sector(cx: float, cy: float, box: Box, sector: Sector) -> bool:
    """True if `box` lies inside the sector."""
    start, end, inner, outer = sector
    far = max(math.hypot(x - cx, y - cy) for x in (box[0], box[2]) for y in (box[1], box[3]))
    if _distance(cx, cy, box) < inner or far > outer:
        return False
    if end - start >= 360:
        return True
    return all(any(start <= angle + turn <= end for turn in (-360, 0, 360))
               for angle in _corner_angles(cx, cy, box))


def _distance(cx: float, cy: float, box: Box) -> float:
    """From a point to the nearest point of a box (0 inside it)."""
    dx = max(box[0] - cx, 0.0, cx - box[2])
    dy = max(box[1] - cy, 0.0, cy - box[3])
    return math.hypot(dx, dy)


def _split_title(title: str) -> list[str]:
    """Break a display title after its first full-width colon, where Chinese titles pause."""
    head, colon, rest = title.partition("：")
    return [head + colon, rest] if colon and rest else [title]
