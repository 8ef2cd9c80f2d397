"""Layout stage: a page master (builder/source/masters.py) laid out and drawn on its page.

A master is laid out before it is drawn (`MasterPage.plan`): every slot and stack is set by
the Typesetter (clreq gaps, the composer's breaks) in its box, shrunk as its fit rule
allows, else a clear error naming the theme file and line; art that reaches down to texts
is sized to them; rings shrink to clear the texts they name, open around others, and the
slots that wrap are set narrower beside them. Then the background, the SVG artwork, the art,
the texts' decorations and the texts are drawn, in that order. Display lines are broken,
measured and drawn by builder/layout/display.py; rings are builder/layout/rings.py."""

from __future__ import annotations

import math
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from reportlab.pdfgen.canvas import Canvas

from builder.engine import private
from builder.engine.platypus import renderPDF
from builder.engine.private import set_initial_colors
from builder.errors import BrochureError
from builder.layout.display import Display, Placed, Plan, Shape, place_form
from builder.layout.rings import Box, Rings, distance, sector_around
from builder.source.artwork import Artwork, read_artwork
from builder.source.masters import (
    FIELD,
    PART_PAGES,
    Art,
    Deco,
    Length,
    Master,
    Place,
    Slot,
    Stack,
    Svg,
)
from builder.source.model import Document, Part
from builder.source.theme import MM, Theme
from builder.typeset.compose import BASELINE_DROP, TextStyle
from builder.typeset.record import Source
from builder.typeset.typesetter import Typesetter

if TYPE_CHECKING:
    from builder.pdf.images import ImageStore


class Surface(Protocol):
    """What a master is drawn with: the document, the theme, the typesetter, a clip to the
    bleed and a background to it (builder.layout.pages.PageArt)."""

    document: Document
    theme: Theme
    type: Typesetter
    images: Callable[[], ImageStore] | None
    """The build's pictures (converted to its colour space), if it places any."""

    def clipped(self, canv: Canvas) -> AbstractContextManager[None]: ...

    def background(self, canv: Canvas, color: str) -> None: ...


ONLY_ON = {"cover": ("meta.kicker", "meta.subtitle"), "opener": ("part.tag",),
           "band": ("part.tag",)}
"""Content fields that only this kind of page prints: its master must show them (and a
cover that lists the sections, which replaces the contents page, the lead)."""
SHRINK_STEP = 0.02
"""The share of its size a text shrinks by at each try to fit its box."""
RING_SHARES = (1.0, 0.9, 0.8, 0.7)
"""Rings beside wrapping texts: the shares tried, largest first, before their least."""
PILL_INSET = 0.6
"""An outline's text starts this share of the pill's height in from its ends."""


@dataclass
class _Set:
    """A slot laid out: texts and shapes, the extent of both, the first baseline."""

    texts: list[Placed]
    shapes: list[Shape]
    box: Box
    baseline: float
    end: float
    """The right end of its (first) line."""


class MasterPage:
    """Lays out and draws masters for one document and theme (through its PageArt)."""

    def __init__(self, art: Surface) -> None:
        self.art, self.theme, self.type = art, art.theme, art.type
        self.display = Display(art.theme, art.type)
        self.clearance = self.theme.spacing.block / 2
        """Least distance between a text and art that keeps clear of it."""
        self._ring_share: dict[tuple[str, int], float] = {}
        self._plans: dict[tuple[int, int, int, int], Plan] = {}
        """Plans made, by master, part and (where the master prints them) page numbers."""
        self._chosen: dict[tuple[int, int], Master] = {}

    # ------------------------------------------------------------------ places

    def origin(self, name: str, plan: Plan | None = None) -> Box:
        """The box places are measured in: the trim, the margins (the text block), the
        bleed, or a named item laid out before, in trim coordinates (y up)."""
        theme = self.theme
        width, height = theme.page_width, theme.page_height
        if name == "margins":
            return (theme.margin_side, theme.margin_bottom, width - theme.margin_side,
                    height - theme.margin_top)
        if name == "bleed":
            bleed = theme.print.bleed
            return (-bleed, -bleed, width + bleed, height + bleed)
        if plan is not None and name in plan.boxes:
            return plan.boxes[name]
        return (0.0, 0.0, width, height)

    @staticmethod
    def size(length: Length, extent: float) -> float:
        return sum(value / 100 * extent if unit == "%" else value * (MM if unit == "mm" else 1)
                   for value, unit in length.terms)

    def points(self, place: Place, plan: Plan | None = None,
               top: float | None = None) -> list[tuple[float, float]]:
        """A place's values as points (x from the left, y from the top, or down from `top`;
        negative: from the right, from the foot)."""
        x0, _, x1, _ = self.origin(place.origin, plan)
        _, y0, _, y1 = self.origin(place.y_origin, plan)
        found = []
        values = place.values
        for x, y in zip(values[::2], values[1::2], strict=True):
            dx, dy = self.size(x, x1 - x0), self.size(y, y1 - y0)
            if top is not None:
                found.append((x0 + dx if x.value >= 0 else x1 + dx, top - dy))
            else:
                found.append((x0 + dx if x.value >= 0 else x1 + dx,
                              y1 - dy if y.value >= 0 else y0 - dy))
        return found

    def box(self, place: Place, plan: Plan | None = None, top: float | None = None) -> Box:
        """A place [x, y, width, height] as a box; a negative height reaches down to that
        far above the origin's foot."""
        (left, upper), = self.points(Place(place.origin, place.values[:2], place.origin_y),
                                     plan, top)
        x0, _, x1, _ = self.origin(place.origin, plan)
        _, y0, _, y1 = self.origin(place.y_origin, plan)
        width = self.size(place.values[2], x1 - x0)
        if place.values[3].value < 0:
            lower = y0 - self.size(place.values[3], y1 - y0)
        else:
            lower = upper - self.size(place.values[3], y1 - y0)
        return (left, lower, left + width, upper)

    def foot(self, plan: Plan, name: str) -> float:
        return plan.boxes[name][1] if name in plan.boxes else self.theme.page_height

    # ------------------------------------------------------------------ plan

    def chosen(self, master: Master, part: Part | None = None) -> Master:
        """The master itself, or its compact master where its texts do not fit."""
        if master.compact is None:
            return master
        key = (id(master), id(part))
        if key not in self._chosen:
            try:
                self.lay(master, part, 1, None, {})
                self._chosen[key] = master
            except BrochureError:
                self._chosen[key] = master.compact
        return self._chosen[key]

    def plan(self, master: Master, part: Part | None = None, page: int = 1,
             pages: int | None = None) -> Plan:
        """The master laid out for this part and page: rings sized to the texts, then the
        texts that wrap set beside them."""
        fields = {field for slot in master.all_slots for field in slot.fields}
        fields |= {field for item in (master.compact,) if item is not None
                   for slot in item.all_slots for field in slot.fields}
        key = (id(master), id(part), page if "page" in fields else 0,
               (pages or page) if "pages" in fields or any(
                   field.startswith("labels.") for field in fields) else 0)
        found = self._plans.get(key)
        if found is None:
            found = self._plans[key] = self._plan(master, part, page, pages)
        return found

    def _plan(self, master: Master, part: Part | None, page: int,
              pages: int | None) -> Plan:
        master = self.chosen(master, part)
        self.ensure_shown(master, part)
        first = self.lay(master, part, page, pages, {})
        rings = {index: self._rings(master, index, first, part)
                 for index, item in enumerate(master.art) if item.kind == "rings"}
        if not rings or not any(slot.wrap for slot in master.all_slots):
            first.rings = rings
            return first
        final = self.lay(master, part, page, pages, rings)
        final.rings = rings
        return final

    def lay(self, master: Master, part: Part | None, page: int, pages: int | None,
            rings: dict[int, Rings]) -> Plan:
        """The master's texts and art laid out, the wrapping slots beside these rings (by
        their index in master.art; none: at full measure)."""
        plan = Plan()
        self._rings_now = list(rings.values())
        for item in master.items():
            if isinstance(item, Art):
                if item.kind == "rect":
                    index = master.art.index(item)
                    plan.art[index] = self._rect(item, plan)
                    if item.name:
                        plan.boxes[item.name] = plan.art[index]
                continue
            if isinstance(item, Stack):
                self._stack(master, item, plan, part, page, pages)
                continue
            top = self.foot(plan, item.below) if item.below else None
            if item.frame is not None:
                box = self.frame_box(master, item)
            else:
                box = self.box(item.place, plan, top)
            laid = self._slot(master, item, plan, part, page, pages, box)
            if laid is not None:
                self._keep(plan, item, laid)
        return plan

    def _keep(self, plan: Plan, slot: Slot, laid: _Set) -> None:
        plan.texts += laid.texts
        plan.shapes += laid.shapes
        if slot.name:
            plan.boxes.setdefault(slot.name, laid.box)

    def _rect(self, item: Art, plan: Plan) -> Box:
        """A rect's box, grown down to hold the texts it reaches, and run into the bleed
        at every edge that touches the trim's."""
        x0, y0, x1, y1 = self.box(item.place, plan)
        if item.reach:
            pad = self.size(item.pad, self.theme.page_height) if item.pad else 0.0
            lowest = min((plan.boxes[name][1] for name in item.reach if name in plan.boxes),
                         default=y0 + pad)
            y0 = min(y0, lowest - pad)
        bleed, width, height = self.theme.print.bleed, self.theme.page_width, \
            self.theme.page_height
        return (x0 - bleed if x0 <= 0.01 else x0, y0 - bleed if y0 <= 0.01 else y0,
                x1 + bleed if x1 >= width - 0.01 else x1,
                y1 + bleed if y1 >= height - 0.01 else y1)

    # ------------------------------------------------------------------ slots

    def _slot(self, master: Master, slot: Slot, plan: Plan, part: Part | None, page: int,
              pages: int | None, box: Box, stacked: bool = False) -> _Set | None:
        """A slot set in `box` (stacked: from its top, as tall as its text; else aligned
        in it by valign), shrunk to fit; None when its fields are all empty."""
        if slot.sections is not None:
            return self._sections(master, slot, box)
        if slot.rows is not None:
            return self._rows(slot, part, page, pages, box, stacked)
        text, sources = self.fill(slot.text, part, page, pages)
        if not text:
            return None
        x0, y0, x1, y1 = box
        inset = 0.0
        if slot.outline is not None:
            style = self.type.styled(slot.style, scale=slot.scale)
            pad = self._pad(slot.outline, style.leading / 2)
            inset = (style.leading + 2 * pad) * PILL_INSET
        room = y1 - y0 - self._extra(slot, self.type.styled(slot.style, scale=slot.scale))
        width = x1 - x0 - 2 * inset
        size = self.theme.style(slot.style).size * slot.scale
        scale = slot.scale
        while True:
            lines, style = self._lines(slot, text, width, scale)
            if slot.wrap and self._rings_now:
                width, lines, style = self._beside_rings(slot, text, x0 + inset, y1, width,
                                                         scale)
            height = len(lines) * style.leading
            if (slot.lines is None or len(lines) <= slot.lines) and height <= room + 0.01:
                break
            smaller = scale - SHRINK_STEP * slot.scale
            if slot.shrink is None or size / slot.scale * smaller < slot.shrink - 1e-6:
                raise self.misfit(master, slot, text, len(lines), height, room)
            scale = smaller
        top = self._top(slot, style, box, height, stacked)
        return self._placed(plan, slot, text, sources, lines, style, scale, x0 + inset,
                            top, width, box, inset)

    def _lines(self, slot: Slot, text: str, width: float,
               scale: float) -> tuple[list[str], TextStyle]:
        """The slot's text broken into lines of `width` by its rule (see BREAKS)."""
        style = self.type.styled(slot.style, slot.align, slot.color, scale)
        if slot.breaks == "composer":
            composed, style = self.type.block(text, slot.style, width, slot.align,
                                              slot.color, scale)
            return [line.text for line in composed], style
        if slot.breaks == "colon":
            head, colon, rest = text.partition("：")
            pieces = [head + colon, rest] if colon and rest else [text]
        else:
            pieces = self.display.phrase_lines(text, slot.style, width, scale)
        lines: list[str] = []
        for piece in pieces:
            natural = self.type.line_width(piece, slot.style, scale=scale)
            if natural <= width + 0.01:
                lines.append(piece)
            else:
                lines += self.display.balanced(piece, slot.style, width, scale)
        return lines, style

    def _beside_rings(self, slot: Slot, text: str, x: float, top: float, width: float,
                      scale: float) -> tuple[float, list[str], TextStyle]:
        """The slot's lines set narrower until each keeps clear of the rings (at least
        four characters wide)."""
        smallest = self.theme.style(slot.style).size * scale * 4
        for _ in range(8):
            lines, style = self._lines(slot, text, width, scale)
            limit = math.inf
            for number, line in enumerate(lines):
                base = top - number * style.leading - (style.leading - style.size) / 2 \
                    - BASELINE_DROP * style.size
                y0, y1 = base - (1 - BASELINE_DROP) * style.size, base + BASELINE_DROP \
                    * style.size
                right = min(ring.room(y0, y1, self.clearance)[1] for ring in self._rings_now)
                if x + self.type.line_width(line, slot.style, scale=scale) > right:
                    limit = min(limit, right)
            if limit == math.inf or width <= smallest:
                return width, lines, style
            width = max(smallest, min(width - 0.5, limit - x))
        return width, *self._lines(slot, text, width, scale)

    def _top(self, slot: Slot, style: TextStyle, box: Box, height: float,
             stacked: bool) -> float:
        """Where a slot's first line box starts: at the top of its box (in a stack, or
        valign top), in its middle or at its foot, its decorations included."""
        extra_top = self._above(slot, style)
        room = box[3] - box[1] - self._extra(slot, style)
        if stacked or slot.valign == "top":
            return box[3] - extra_top
        if slot.valign == "middle":
            return box[3] - (room - height) / 2 - extra_top
        return box[1] + height + self._below(slot, style)

    def _pad(self, deco: Deco, default: float) -> float:
        return self.size(deco.pad, self.theme.page_height) if deco.pad is not None \
            else default

    def _above(self, slot: Slot, style: TextStyle) -> float:
        """Room a slot's decorations take above its text."""
        return self._room(slot, style, "above")

    def _below(self, slot: Slot, style: TextStyle) -> float:
        """Room a slot's decorations take below its text."""
        return self._room(slot, style, "below")

    def _room(self, slot: Slot, style: TextStyle, side: str) -> float:
        """Room a slot's decorations take on one side of its text: an outline's, a band's
        and the rules' padding on both sides, a bar on its own."""
        leading = style.leading
        extra = 0.0
        if slot.outline is not None:
            extra += self._pad(slot.outline, leading / 2)
        if slot.band is not None:
            extra += self._pad(slot.band, 0.0)
        if slot.rules is not None:
            extra += self._pad(slot.rules, leading / 2) + slot.rules.stroke / 2
        if slot.bar is not None and slot.bar.at == side:
            extra += self._pad(slot.bar, 0.0) + slot.bar.stroke
        return extra

    def _extra(self, slot: Slot, style: TextStyle) -> float:
        return self._above(slot, style) + self._below(slot, style)

    def _placed(self, plan: Plan, slot: Slot, text: str, sources: tuple[Source, ...],
                lines: list[str], style: TextStyle, scale: float, x: float, top: float,
                width: float, box: Box, inset: float) -> _Set:
        """The lines placed from `top` (the first line box's top) with the slot's
        decorations around them."""
        leading, size = style.leading, style.size
        placed: list[Placed] = []
        first = top - (leading - size) / 2 - BASELINE_DROP * size
        if slot.breaks == "composer" and (slot.align == "justify" or len(lines) > 1):
            placed.append(Placed(text, slot.style, x, top, slot.align, color=slot.color,
                                 sources=sources, scale=scale, wrap=width))
        elif len(lines) == 1:
            anchor = {"center": x + width / 2, "right": x + width}.get(slot.align, x)
            placed.append(Placed(lines[0] if slot.breaks != "composer" else text, slot.style,
                                 anchor, first, slot.align if slot.align != "justify"
                                 else "left", width, slot.color, sources, scale=scale))
        else:
            whole = plan.whole(text, slot.style, *sources)
            anchor = {"center": x + width / 2, "right": x + width}.get(slot.align, x)
            for number, line in enumerate(lines):
                placed.append(Placed(line, slot.style, anchor, first - number * leading,
                                     slot.align if slot.align != "justify" else "left",
                                     width, slot.color, piece_of=whole, scale=scale))
        glyphs = [b for p in placed for b in self.display.boxes(p)]
        gx0 = min(b[0] for b in glyphs)
        gx1 = max(b[2] for b in glyphs)
        text_top, text_bottom = top, top - len(lines) * leading
        shapes: list[Shape] = []
        upper, lower = text_top, text_bottom
        left, right = gx0, gx1
        if slot.band is not None:
            pad = self._pad(slot.band, 0.0)
            upper, lower = upper + pad, lower - pad
            bleed = self.theme.print.bleed
            shapes.append(Shape("rect", (-bleed, lower, self.theme.page_width + bleed, upper),
                                slot.band.color))
        if slot.outline is not None:
            pad = self._pad(slot.outline, leading / 2)
            upper, lower = upper + pad, lower - pad
            left, right = gx0 - inset, gx1 + inset
            shapes.append(Shape("pill", (left, lower, right, upper), slot.outline.color,
                                slot.outline.stroke or 1.0))
        if slot.rules is not None:
            upper, lower = self._rules(slot.rules, leading, box, upper, lower, shapes)
            left, right = min(left, box[0]), max(right, box[2])
        if slot.bar is not None:
            pad, stroke = self._pad(slot.bar, 0.0), slot.bar.stroke or 1.0
            length = self.size(slot.bar.length, box[2] - box[0]) if slot.bar.length \
                else gx1 - gx0
            start = {"center": (gx0 + gx1) / 2 - length / 2,
                     "right": gx1 - length}.get(slot.align, gx0)
            if slot.bar.at == "above":
                y = upper + pad
                upper = y + stroke
            else:
                y = lower - pad - stroke
                lower = y
            shapes.append(Shape("rect", (start, y, start + length, y + stroke),
                                slot.bar.color))
            left, right = min(left, start), max(right, start + length)
        end = max(b[2] for b in self.display.boxes(placed[0]))
        return _Set(placed, shapes, (left, lower, right, upper), first, end)

    # ------------------------------------------------------------------ stacks

    def _stack(self, master: Master, stack: Stack, plan: Plan, part: Part | None, page: int,
               pages: int | None) -> None:
        """The stack's slots one under another from its box's top (valign), moved up by
        at most `rise` when they run past its foot."""
        top = self.foot(plan, stack.below) if stack.below else None
        x0, y0, x1, y1 = self.box(stack.place, plan, top)
        rise = self.size(stack.rise, self.theme.page_height) if stack.rise else 0.0
        laid: list[tuple[Slot, _Set]] = []
        y = y1
        previous: _Set | None = None
        for slot in stack.slots:
            gap = self.size(slot.gap, self.theme.page_height) if slot.gap else 0.0
            if slot.beside and previous is not None:
                item = self._slot(master, slot, plan, part, page, pages,
                                  (previous.end + gap, y0 - rise, x1, previous.box[3]),
                                  stacked=True)
                if item is not None:
                    shift = previous.baseline - item.baseline
                    item = self._moved(item, shift)
                    laid.append((slot, item))
                    y = min(y, item.box[1])
                continue
            top_y = y - gap if laid else y
            room_box = (x0, y0 - rise if slot.sections is None else y0, x1, top_y)
            item = self._slot(master, slot, plan, part, page, pages, room_box, stacked=True)
            if item is None:
                continue
            laid.append((slot, item))
            previous = item
            y = item.box[1]
        if not laid:
            return
        height = y1 - y
        free = (y1 - y0) - height
        shift = {"top": 0.0, "middle": -free / 2, "bottom": -free}[stack.valign]
        if free < -0.01:
            shift = min(-free, rise)
            if free + shift < -0.01:
                slot = laid[-1][0]
                raise BrochureError(
                    f"masters.{master.page}: the stack of line {stack.line} cannot fit its "
                    f"box: its texts take {height / MM:.0f} mm of {(y1 - y0) / MM:.0f} mm",
                    path=master.file or None, line=slot.line,
                    hint="make the stack's box taller, let it rise (rise: 20mm), or let its "
                         "slots shrink (fit: {shrink: 14})")
        boxes = []
        for slot, item in laid:
            moved = self._moved(item, shift)
            self._keep(plan, slot, moved)
            boxes.append(moved.box)
        plan.boxes[stack.label] = (min(b[0] for b in boxes), min(b[1] for b in boxes),
                                   max(b[2] for b in boxes), max(b[3] for b in boxes))

    @staticmethod
    def _moved(item: _Set, dy: float) -> _Set:
        if abs(dy) < 1e-9:
            return item
        x0, y0, x1, y1 = item.box
        return _Set([replace(p, y=p.y + dy) for p in item.texts],
                    [replace(s, box=(s.box[0], s.box[1] + dy, s.box[2], s.box[3] + dy))
                     for s in item.shapes], (x0, y0 + dy, x1, y1 + dy), item.baseline + dy,
                    item.end)

    # ------------------------------------------------------------------ lists and rows

    def _rows(self, slot: Slot, part: Part | None, page: int, pages: int | None,
              box: Box, stacked: bool) -> _Set | None:
        """Rows of label and value, the labels' column as wide as the widest, the two
        columns centred (align center) or set from the left of the box."""
        assert slot.rows is not None
        rows = []
        for label, value in slot.rows.rows:
            text, sources = self.fill(value, part, page, pages)
            if text:
                rows.append((self.fill(label, part, page, pages)[0], text, sources))
        if not rows:
            return None
        style = self.type.styled(slot.style, scale=slot.scale)
        x0, y0, x1, y1 = box
        measure = x1 - x0
        gap = style.size
        label_width = max(self.type.line_width(label, slot.style, scale=slot.scale)
                          for label, _, _ in rows)
        value_width = max(self.type.line_width(value, slot.style, scale=slot.scale)
                          for _, value, _ in rows)
        total = min(measure, label_width + gap + value_width)
        label_x = (x0 + x1) / 2 - total / 2 if slot.align == "center" else x0
        value_x = label_x + label_width + gap
        height = len(rows) * style.leading
        top = self._top(slot, style, box, height, stacked)
        y = top - (style.leading - style.size) / 2 - BASELINE_DROP * style.size
        texts = []
        for label, value, sources in rows:
            if label:
                texts.append(Placed(label, slot.style, label_x, y, max_width=label_width,
                                    color=slot.rows.label_color, scale=slot.scale))
            texts.append(Placed(value, slot.style, value_x, y, max_width=x0 + measure - value_x,
                                color=slot.color, sources=sources, scale=slot.scale))
            y -= style.leading
        plain = replace(slot, text="", rows=None)
        return self._decorate(plain, texts, style, top, height, box)

    def _rules(self, rules: Deco, leading: float, box: Box, upper: float, lower: float,
               shapes: list[Shape]) -> tuple[float, float]:
        """Rules across `box` above and below text spanning lower..upper (added to
        `shapes`); returns the new top and foot, the rules included."""
        pad, stroke = self._pad(rules, leading / 2), rules.stroke or 0.5
        upper, lower = upper + pad, lower - pad
        for y in (upper, lower):
            shapes.append(Shape("rule", (box[0], y - stroke / 2, box[2], y + stroke / 2),
                                rules.color))
        return upper + stroke / 2, lower - stroke / 2

    def _decorate(self, slot: Slot, texts: list[Placed], style: TextStyle, top: float,
                  height: float, box: Box) -> _Set:
        """Rules (and the other decorations) around texts placed already."""
        leading = style.leading
        glyphs = [b for p in texts for b in self.display.boxes(p)]
        upper, lower = top, top - height
        left, right = min(b[0] for b in glyphs), max(b[2] for b in glyphs)
        shapes: list[Shape] = []
        if slot.rules is not None:
            upper, lower = self._rules(slot.rules, leading, box, upper, lower, shapes)
            left, right = min(left, box[0]), max(right, box[2])
        first = texts[0].y
        return _Set(texts, shapes, (left, lower, right, upper), first, right)

    def _sections(self, master: Master, slot: Slot, box: Box) -> _Set | None:
        """Every section of the issue (number, title, headline) from the top of `box`: in
        one column, else without headlines, else in two or three columns, each a little
        smaller if need be (to `legible`), else smaller still (to `smallest`; the list is
        never shortened)."""
        assert slot.sections is not None
        listing, document = slot.sections, self.art.document
        sections = document.sections
        if not sections:
            return None
        entry = self.theme.style(slot.style)
        detail = self.theme.style(listing.detail)
        x0, y0, x1, y1 = box
        measure, room = x1 - x0, y1 - y0
        indent = self.size(listing.indent, self.theme.page_width)
        gutter = entry.size * 2

        def fit(details: bool, columns: int) -> float:
            """The scale at which the list fits (1 at most)."""
            rows = math.ceil(len(sections) / columns)
            tallest = max((sum(entry.leading * 1.3 + (detail.leading if details
                                                      and part.headline else 0)
                               for part in sections[start:start + rows])
                           for start in range(0, len(sections), rows)), default=0.0)
            needed = tallest - entry.leading * 1.3 + entry.leading
            width = (measure - gutter * (columns - 1)) / columns
            widest = max([self.type.line_width(part.title, slot.style) for part in sections]
                         + [self.type.line_width(part.headline, listing.detail)
                            for part in sections if details and part.headline], default=0.0)
            return min(1.0, room / needed if needed > 0 else 1.0, width / (indent + widest))

        choices = [(details, columns) for columns in (1, 2, 3) for details in (True, False)]
        details, columns = next((c for c in choices if fit(*c) >= listing.legible),
                                max(choices, key=lambda c: (fit(*c), c[0])))
        scale = fit(details, columns)
        if scale < listing.smallest:
            raise BrochureError(
                f"masters.{master.page}: the list of {len(sections)} sections cannot fit its "
                f"box ({room / MM:.0f} mm) at {listing.smallest:.0%} of its size",
                path=master.file or None, line=slot.line,
                hint="give the list a taller box, or a smaller style")
        rows = math.ceil(len(sections) / columns)
        width = (measure - gutter * (columns - 1)) / columns
        texts: list[Placed] = []
        first = y1 - (entry.leading - entry.size) / 2 * scale - BASELINE_DROP * entry.size \
            * scale
        lowest = first
        for start in range(0, len(sections), rows):
            left = x0 + (start // rows) * (width + gutter)
            y = first
            for part in sections[start:start + rows]:
                number = document.section_number(part) or 0
                texts.append(Placed(f"{number:02d}", listing.number, left, y, scale=scale))
                texts.append(Placed(part.title, slot.style, left + indent * scale, y,
                                    max_width=width - indent * scale, scale=scale,
                                    sources=((part, "title"),)))
                if details and part.headline:
                    y -= detail.leading * scale
                    texts.append(Placed(part.headline, listing.detail, left + indent * scale,
                                        y, max_width=width - indent * scale, scale=scale,
                                        sources=((part, "headline"),)))
                lowest = min(lowest, y)
                y -= entry.leading * 1.3 * scale
        bottom = lowest - (1 - BASELINE_DROP) * entry.size * scale
        return _Set(texts, [], (x0, bottom, x1, y1), first, x1)

    # ------------------------------------------------------------------ rings

    def _rings(self, master: Master, index: int, plan: Plan, part: Part | None) -> Rings:
        """Rings as drawn: their design (place, step, count, stroke, arc) shrunk until they
        keep clear of the texts they name; open around others. On a part's pages they are
        the same on every page, the largest that clear every part's texts and that cost no
        wrapping text a line (RING_SHARES, down to their `shrink`)."""
        item = master.art[index]
        rings = self._design(item, plan)
        share = self._clear_share(item, rings, plan)
        if master.page in PART_PAGES:
            key = (master.page, index)
            if key not in self._ring_share:
                self._ring_share[key] = self._part_share(master, index, rings)
            share = self._ring_share[key]
        scaled = replace(rings, step=rings.step * share, width=rings.width * share,
                         arc=rings.arc * share)
        holes = []
        for name in item.open:
            for placed in plan.texts:
                if self._owner(plan, name, placed):
                    size = self.type.styled(placed.role, scale=placed.scale).size
                    holes += [sector_around(rings.cx, rings.cy, box,
                                            self.clearance + size / 2)
                              for box in self.display.boxes(placed)]
        return replace(scaled, clear=tuple(holes))

    def _owner(self, plan: Plan, name: str, placed: Placed) -> bool:
        """True if a placed text lies within the box of the named item."""
        if name not in plan.boxes:
            return False
        x0, y0, x1, y1 = plan.boxes[name]
        return all(x0 - 0.5 <= b[0] and b[2] <= x1 + 0.5 and y0 - 0.5 <= b[1]
                   and b[3] <= y1 + 0.5 for b in self.display.boxes(placed))

    def _design(self, item: Art, plan: Plan) -> Rings:
        (cx, cy), = self.points(item.place, plan)
        x0, _, x1, _ = self.origin(item.place.origin, plan)
        assert item.step is not None
        step = self.size(item.step, x1 - x0)
        width = self.size(item.width, x1 - x0) if item.width is not None else item.stroke
        arc, arc_width = (item.arc[0] * step, item.arc[2]) if item.arc else (0.0, 0.0)
        return Rings(cx, cy, step, item.count, width, arc, arc_width)

    def _clear_share(self, item: Art, rings: Rings, plan: Plan) -> float:
        """The share of their design the rings keep, clear of the texts they name."""
        if not item.clear or rings.reach <= 0:
            return 1.0
        pad = self.size(item.pad, self.theme.page_height) if item.pad else self.clearance
        near = [self._nearest(plan, name, rings) for name in item.clear]
        room = min(near, default=math.inf) - pad
        return max(0.0, min(1.0, room / rings.reach))

    def _nearest(self, plan: Plan, name: str, rings: Rings) -> float:
        """From the rings' centre to the nearest text or decoration of a named item."""
        boxes = [box for placed in plan.texts if self._owner(plan, name, placed)
                 for box in self.display.boxes(placed)]
        if name in plan.boxes:
            x0, y0, x1, y1 = plan.boxes[name]
            boxes += [shape.box for shape in plan.shapes
                      if x0 - 0.5 <= shape.box[0] and shape.box[2] <= x1 + 0.5
                      and y0 - 0.5 <= shape.box[1] and shape.box[3] <= y1 + 0.5]
        return min((distance(rings.cx, rings.cy, box) for box in boxes), default=math.inf)

    def _part_share(self, master: Master, index: int, design: Rings) -> float:
        """One share for every part's page: clear of every part's named texts; then the
        largest of RING_SHARES that costs no wrapping text a line or a size against the
        rings' least (`shrink`)."""
        item = master.art[index]
        parts = list({(part.title, part.headline, part.tag,
                       len(str(self.art.document.section_number(part)))): part
                      for part in self.art.document.sections}.values())
        plans = [self.lay(master, part, 1, None, {}) for part in parts]
        largest = min((self._clear_share(item, design, plan) for plan in plans), default=1.0)
        if not any(slot.wrap for slot in master.all_slots):
            return largest

        def cost(share: float) -> list[tuple[int, float]]:
            rings = replace(design, step=design.step * share, width=design.width * share,
                            arc=design.arc * share)
            found = []
            for part in parts:
                plan = self.lay(master, part, 1, None, {index: rings})
                wrapped = [p for p in plan.texts if any(
                    slot.wrap and slot.style == p.role for slot in master.all_slots)]
                found.append((len(wrapped), -round(min(
                    (self.display.size(p) for p in wrapped), default=0.0), 2)))
            return found

        least_share = min(largest, item.shrink)
        least = cost(least_share)
        for share in RING_SHARES:
            if share <= largest and all(a[0] <= b[0] and a[1] <= b[1]
                                        for a, b in zip(cost(share), least, strict=True)):
                return share
        return least_share

    # ------------------------------------------------------------------ texts and boxes

    # ------------------------------------------------------------------ drawing

    def draw(self, canv: Canvas, master: Master, part: Part | None = None,
             pages: int | None = None) -> Plan:
        """Lay out and draw the master on the canvas's page; returns the plan drawn."""
        plan = self.plan(master, part, canv.getPageNumber(), pages)
        master = self.chosen(master, part)
        self.ensure_apart(master, part, canv.getPageNumber(), pages)
        if self.art_form(master):
            self.draw_art_form(canv, master, plan)
        else:
            with self.art.clipped(canv):
                self.draw_background(canv, master, plan, part)
        with self.art.clipped(canv):
            self.display.draw(canv, plan)
        return plan

    def draw_background(self, canv: Canvas, master: Master, plan: Plan,
                        part: Part | None = None) -> None:
        """The master's background colour, SVG artwork and art (pictures among it)."""
        if master.background is not None:
            self.art.background(canv, master.background)
        if master.svg is not None:
            self.draw_svg(canv, master.svg)
        for index, item in enumerate(master.art):
            if item.kind == "image":
                self.draw_picture(canv, master, item, part)
            else:
                self.draw_art(canv, item, plan, index)

    def ensure_apart(self, master: Master, part: Part | None, page: int,
                     pages: int | None) -> None:
        """Refuse two text boxes that overlap on this page size: their texts would be set
        one over the other (boxes of slots placed on the page itself)."""
        slots = [slot for slot in master.slots if slot.below is None and (
            slot.rows is not None or slot.sections is not None
            or self.fill(slot.text, part, page, pages)[0])]
        boxes = [(slot, self.frame_box(master, slot)) for slot in slots]
        for index, (first, a) in enumerate(boxes):
            for second, b in boxes[index + 1:]:
                width = min(a[2], b[2]) - max(a[0], b[0])
                height = min(a[3], b[3]) - max(a[1], b[1])
                if width > 0.5 and height > 0.5:
                    raise BrochureError(
                        f"masters.{master.page}: the text boxes of lines {first.line} and "
                        f"{second.line} overlap by {width / MM:.0f} × {height / MM:.0f} mm on "
                        f"this page size ({self.theme.page_width / MM:.0f} × "
                        f"{self.theme.page_height / MM:.0f} mm): their texts would overprint",
                        path=master.file or None, line=second.line,
                        hint="move or shrink one of the boxes; a share (30%) of the margins "
                             "keeps boxes apart on every page size")

    def ensure_shown(self, master: Master, part: Part | None) -> None:
        """Refuse a master that leaves out a content field no other page prints (the
        cover's kicker and subtitle, an opener's tag): content is never dropped unsaid."""
        shown = {field for slot in master.all_slots for field in slot.fields}
        only = ONLY_ON.get(master.page, ())
        if master.lists_sections:  # no contents page, which prints the lead
            only = (*only, "meta.lead")
        for field_name in only:
            group, _, name = field_name.partition(".")
            owner = self.art.document.meta if group == "meta" else part
            value = getattr(owner, name, None) if owner is not None else None
            if value and field_name not in shown:
                raise BrochureError(
                    f"masters.{master.page} shows no {{{field_name}}}, and no other page "
                    f"prints it: the content's {group} '{name}' 「{value[:20]}」 would be lost",
                    path=master.file or None, line=master.line or None,
                    hint=f"add a slot showing {{{field_name}}} to masters.{master.page}, or "
                         f"remove '{name}' from the content")

    def svg_placement(self, svg: Svg) -> tuple[float, float, float, Artwork]:
        """Where the artwork goes: its lower left corner and its scale, covering its box
        (centred, the overflow clipped at the bleed), and the artwork."""
        _, artwork = read_artwork(svg.path)
        x0, y0, x1, y1 = self.box(svg.place)
        scale = max((x1 - x0) / artwork.width, (y1 - y0) / artwork.height)
        return (x0 + (x1 - x0 - artwork.width * scale) / 2,
                y0 + (y1 - y0 - artwork.height * scale) / 2, scale, artwork)

    def draw_svg(self, canv: Canvas, svg: Svg) -> None:
        """The artwork in the palette's colours (device CMYK in print)."""
        drawing, _ = read_artwork(svg.path)
        x, y, scale, artwork = self.svg_placement(svg)
        for shape, attribute, color in artwork.painted:
            setattr(shape, attribute, self.theme.color(svg.colors[color]))
        ink = self.theme.color("ink")
        set_initial_colors(drawing, fill=ink, stroke=ink)
        body = self.type.text_style("body")  # not ReportLab's Helvetica, which no print
        drawing.initialFontName, drawing.initialFontSize = body.font, body.size  # file embeds
        canv.saveState()
        canv.translate(x, y)
        canv.scale(scale, scale)
        renderPDF.draw(drawing, canv, 0, 0)
        canv.restoreState()

    def frame_box(self, master: Master, slot: Slot) -> Box:
        """A slot's box: its place, or the SVG rectangle it names, where the SVG lies."""
        if slot.frame is None or master.svg is None:
            return self.box(slot.place)
        x, y, scale, artwork = self.svg_placement(master.svg)
        fx, fy, fw, fh = artwork.frames[slot.frame]
        left, top = x + fx * scale, y + (artwork.height - fy) * scale
        return (left, top - fh * scale, left + fw * scale, top)

    def draw_art(self, canv: Canvas, item: Art, plan: Plan, index: int) -> None:
        color = self.theme.color(item.color)
        canv.setFillColor(color)
        canv.setStrokeColor(color)
        canv.setLineWidth(item.stroke)
        stroke, fill = (1, 0) if item.stroke > 0 else (0, 1)
        if item.kind == "rect":
            x0, y0, x1, y1 = plan.art.get(index) or self._rect(item, plan)
            canv.rect(x0, y0, x1 - x0, y1 - y0, stroke=stroke, fill=fill)
        elif item.kind == "line":
            (xa, ya), (xb, yb) = self.points(item.place, plan)
            canv.line(xa, ya, xb, yb)
        elif item.kind == "circle":
            (cx, cy), = self.points(Place(item.place.origin, item.place.values[:2],
                                          item.place.origin_y), plan)
            x0, _, x1, _ = self.origin(item.place.origin, plan)
            canv.circle(cx, cy, self.size(item.place.values[2], x1 - x0), stroke=stroke,
                        fill=fill)
        elif item.kind == "rings":
            rings = plan.rings.get(index) or self._design(item, plan)
            rings.draw(canv, color, self.theme.color(item.arc[1]) if item.arc else None)
        else:  # polygon
            path = canv.beginPath()
            points = self.points(item.place, plan)
            path.moveTo(*points[0])
            for point in points[1:]:
                path.lineTo(*point)
            path.close()
            canv.drawPath(path, stroke=stroke, fill=fill)

    def picture_place(self, item: Art, size: tuple[int, int]) -> tuple[Box, Box]:
        """An image's box and where a picture of `size` pixels is drawn in it: covering it
        (centred, the overflow clipped) or contained in it (centred)."""
        box = x0, y0, x1, y1 = self.box(item.place)
        choose = max if item.fit == "cover" else min
        scale = choose((x1 - x0) / size[0], (y1 - y0) / size[1])
        width, height = size[0] * scale, size[1] * scale
        left, bottom = x0 + (x1 - x0 - width) / 2, y0 + (y1 - y0 - height) / 2
        return box, (left, bottom, left + width, bottom + height)

    def draw_picture(self, canv: Canvas, master: Master, item: Art,
                     part: Part | None) -> None:
        """A picture in its box, through the build's image store (CMYK in print); a part
        without a picture: the fallback colour (the item's colour), or nothing."""
        from builder.source.images import picture

        path = item.picture if item.picture is not None else part.picture if part else None
        if path is None:
            if item.color:
                x0, y0, x1, y1 = self.box(item.place)
                canv.setFillColor(self.theme.color(item.color))
                canv.rect(x0, y0, x1 - x0, y1 - y0, stroke=0, fill=1)
            return
        try:
            picture(path)  # decoded once (cached), checked before the store converts it
        except BrochureError as error:
            raise self.picture_error(master, item, part, path, error) from None
        store = self.image_store()
        box, (x0, y0, x1, y1) = self.picture_place(item, store.size(path))
        reader = store.placed(path, x1 - x0, y1 - y0)
        canv.saveState()
        clip = canv.beginPath()
        clip.rect(box[0], box[1], box[2] - box[0], box[3] - box[1])
        canv.clipPath(clip, stroke=0, fill=0)
        private.draw_image(canv, reader, x0, y0, x1 - x0, y1 - y0, store.names)
        canv.restoreState()

    def image_store(self) -> ImageStore:
        """The build's image store (a screen one of its own where the surface has none)."""
        if self.art.images is None:
            from builder.pdf.images import ImageStore

            store = ImageStore("RGB", (1.0, 1.0, 1.0))
            self.art.images = lambda: store
        return self.art.images()

    def picture_error(self, master: Master, item: Art, part: Part | None, path: Path,
                      error: BrochureError) -> BrochureError:
        """A picture that cannot be printed, named where it is written: the content's part
        (`picture:`) or the theme's image."""
        if item.picture is None and part is not None:
            span = part.where.get("picture")
            return BrochureError(f"the picture of part 「{part.title[:20]}」: {path.name}: "
                                 f"{error.message}", path=self.art.document.source,
                                 line=span.line if span else part.line, hint=error.hint)
        return BrochureError(f"masters.{master.page}: image {path.name}: {error.message}",
                             path=master.file or None, line=item.line, hint=error.hint)

    def fill(self, template: str, part: Part | None, page: int,
             pages: int | None) -> tuple[str, tuple[Source, ...]]:
        """A template with its fields filled, and the content fields it prints; '' when
        every field it names is empty."""
        meta, document = self.art.document.meta, self.art.document
        sources: list[Source] = []
        filled = 0

        def value(match: object) -> str:
            nonlocal filled
            group, _, name = match.group(1).partition(".")  # type: ignore[attr-defined]
            text = ""
            if group == "meta":
                text = getattr(meta, name) or ""
                if text:
                    sources.append((meta, name))
            elif group == "part" and part is not None:
                if name == "number":
                    number = document.section_number(part)
                    text = f"{number:02d}" if number is not None else ""
                else:
                    text = getattr(part, name) or ""
                    if text:
                        sources.append((part, name))
            elif group == "labels":
                text = getattr(self.theme.labels, name).replace("{page}", str(page)) \
                    .replace("{pages}", str(pages or page))
            elif group == "page":
                text = str(page)
            elif group == "pages":
                text = str(pages or page)
            filled += bool(text)
            return text

        fields = FIELD.findall(template)
        text = FIELD.sub(value, template)
        return (text if filled or not fields else ""), tuple(sources)

    def misfit(self, master: Master, slot: Slot, text: str, lines: int, height: float,
               room: float) -> BrochureError:
        shown = text if len(text) <= 30 else text[:30] + "…"
        limit = f"at most {slot.lines} lines" if slot.lines is not None and lines > \
            slot.lines else f"{room / MM:.0f} mm"
        return BrochureError(
            f"masters.{master.page}: the slot {slot.text} cannot fit its box: 「{shown}」 "
            f"takes {lines} lines, {height / MM:.0f} mm, in {limit}",
            path=master.file or None, line=slot.line,
            hint="make the box larger, let the text shrink (fit: {shrink: 14}), allow more "
                 "lines (fit: {lines: 3}), or shorten the text in the content")

    def art_form(self, master: Master) -> bool:
        """True when the master's art is the same on every page it draws (a part's page
        whose art reaches no text and has no picture): drawn once as a form. A picture is
        not (a part's own differs by page; a form's resources would not hold an image's,
        and the image is stored once all the same)."""
        return master.page in PART_PAGES and not any(
            item.reach or item.kind == "image" for item in master.art)

    def draw_art_form(self, canv: Canvas, master: Master, plan: Plan) -> None:
        """The master's background and art as a form shared by its pages."""
        theme = self.theme

        def art(canv: Canvas) -> None:
            with self.art.clipped(canv):
                self.draw_background(canv, master, plan)

        edge = theme.print.bleed + 1  # the form's box lies beyond what it draws
        place_form(canv, f"{master.page}-art", (-edge, -edge, theme.page_width + edge,
                                                theme.page_height + edge), art)

