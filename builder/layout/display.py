"""Layout stage: display type on designed pages. Texts placed as lines or blocks
(`Placed`), filled shapes and pills (`Shape`) gathered in a `Plan`; display lines broken
as a designer would (`Display.balanced`, `Display.phrase_lines`), their glyph boxes
measured, and the plan drawn with the Typesetter (clreq gaps, recorded for the read-back)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from reportlab.pdfgen.canvas import Canvas

from builder.engine.private import form_resources
from builder.layout.rings import Box, Rings
from builder.source.theme import Theme
from builder.typeset.clreq import (
    BLANK_RIGHT,
    LINE_END_FORBIDDEN,
    LINE_START_FORBIDDEN,
    UNBREAKABLE_PAIRS,
)
from builder.typeset.compose import BASELINE_DROP
from builder.typeset.record import Source
from builder.typeset.typesetter import Typesetter, line_extent

LINE_SQUEEZE = 0.85
"""A display line too wide that cannot be broken in two is set smaller, down to this
share, before the composer breaks it."""


def place_form(canv: Canvas, name: str, box: Box, draw: Callable[[Canvas], None]) -> None:
    """Place the form `name` on the page, drawn by `draw(canvas)` the first time: art that is
    the same on many pages is drawn once. ReportLab writes a form's resources without the
    colour spaces it uses (the registration colour's /Separation), so they are given here."""
    if not canv.hasForm(name):
        canv.beginForm(name, *box)
        draw(canv)
        canv.endForm(Resources=form_resources(canv))
    canv.doForm(name)


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
    """A filled rectangle ('rect'), an outlined pill ('pill') or a rule ('rule', drawn
    filled) of a palette colour."""

    kind: str
    box: Box
    color: str
    line: float = 0.0


@dataclass
class Plan:
    """A master laid out: its art's boxes and rings, then shapes and texts."""

    texts: list[Placed] = field(default_factory=list)
    shapes: list[Shape] = field(default_factory=list)
    wholes: list[tuple[str, str, tuple[Source, ...]]] = field(default_factory=list)
    """Texts drawn in several lines: (text, role, sources)."""
    boxes: dict[str, Box] = field(default_factory=dict)
    """Named items: the box of their texts and decorations (art: its own box)."""
    art: dict[int, Box] = field(default_factory=dict)
    """Rects by their index in master.art: the box drawn (after `reach`)."""
    rings: dict[int, Rings] = field(default_factory=dict)

    def whole(self, text: str, role: str, *sources: Source) -> int:
        self.wholes.append((text, role, sources))
        return len(self.wholes) - 1


class Display:
    """Display lines for one theme: broken, measured and drawn."""

    def __init__(self, theme: Theme, typesetter: Typesetter) -> None:
        self.theme, self.type = theme, typesetter

    def balanced(self, text: str, role: str, width: float, scale: float) -> list[str]:
        """A display text too wide for one line: on one line set smaller (to LINE_SQUEEZE);
        else in two of about equal width, broken after a closing mark or at a space (a line
        set smaller if need be); else anywhere clreq allows but inside a Latin word; else as
        the composer breaks it."""
        favoured: list[tuple[float, int]] = []
        legal: list[tuple[float, int]] = []
        for index in range(1, len(text)):
            before, after = text[index - 1], text[index]
            if after in LINE_START_FORBIDDEN or before in LINE_END_FORBIDDEN or (
                    before.isascii() and before.isalnum() and after.isascii()
                    and after.isalnum()) or (before + after) in UNBREAKABLE_PAIRS:
                continue
            wide = max(self.type.line_width(text[:index].rstrip(), role, scale=scale),
                       self.type.line_width(text[index:].lstrip(), role, scale=scale))
            if before in BLANK_RIGHT or before.isspace() or after.isspace():
                favoured.append((wide, index))
            legal.append((wide, index))
        if self.type.line_width(text, role, scale=scale) * LINE_SQUEEZE <= width:
            return [text]  # drawn shrunk to the width
        fits = [(wide, index) for wide, index in favoured if wide * LINE_SQUEEZE <= width]
        if not fits and favoured:  # more than two lines, each a run of whole phrases
            cuts = [0, *sorted(index for _, index in favoured), len(text)]
            spans = list(zip(cuts, cuts[1:], strict=False))
            if all(self.type.line_width(text[a:b].strip(), role, scale=scale) * LINE_SQUEEZE
                   <= width for a, b in spans):
                lines: list[tuple[int, int]] = []
                for a, b in spans:
                    if lines and self.type.line_width(text[lines[-1][0]:b].strip(), role,
                                                      scale=scale) <= width:
                        lines[-1] = (lines[-1][0], b)
                    else:
                        lines.append((a, b))
                return [text[a:b].strip() for a, b in lines]
        fits = fits or [(wide, index) for wide, index in legal if wide <= width + 0.01]
        if fits:
            index = min(fits)[1]
            return [text[:index].rstrip(), text[index:].lstrip()]
        composed, _ = self.type.block(text, role, width, scale=scale)
        return [line.text for line in composed]

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

    def size(self, placed: Placed) -> float:
        """The type size a placed line is drawn at (after shrinking to its max_width)."""
        size = self.theme.style(placed.role).size * placed.scale
        if placed.max_width is None or placed.wrap is not None:
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
                start = placed.x + (line.glyphs[0].x + line.cut if line.glyphs else 0.0)
                found.append((start, baseline - (1 - BASELINE_DROP) * style.size,
                              start + line_extent(line), baseline + BASELINE_DROP * style.size))
            return found
        size = self.size(placed)
        width = self.type.line_width(placed.text, placed.role, placed.max_width, placed.scale)
        start = placed.x - {"center": width / 2, "right": width}.get(placed.align, 0.0)
        return [(start, placed.y - (1 - BASELINE_DROP) * size, start + width,
                 placed.y + BASELINE_DROP * size)]

    def text_boxes(self, plan: Plan) -> list[Box]:
        return [box for placed in plan.texts for box in self.boxes(placed)]

    def draw(self, canv: Canvas, plan: Plan) -> None:
        """The plan's shapes, then its texts (recorded for the read-back)."""
        theme = self.theme
        for shape in plan.shapes:
            x0, y0, x1, y1 = shape.box
            if shape.kind == "pill":
                canv.setStrokeColor(theme.color(shape.color))
                canv.setLineWidth(shape.line)
                canv.roundRect(x0, y0, x1 - x0, y1 - y0, (y1 - y0) / 2, stroke=1, fill=0)
            else:
                canv.setFillColor(theme.color(shape.color))
                canv.rect(x0, y0, x1 - x0, y1 - y0, stroke=0, fill=1)
        record = self.type.record
        numbers = [record.expect(*whole[:2], *whole[2]) if record is not None else -1
                   for whole in plan.wholes]
        for placed in sorted(plan.texts, key=lambda placed: (-round(placed.y), placed.x)):
            if placed.wrap is not None:  # top to bottom: the reading order of a tagged file
                self.type.draw_block(canv, placed.text, placed.role, placed.x, placed.y,
                                     placed.wrap, placed.align, placed.color, placed.scale,
                                     placed.sources)
                continue
            printing = None if placed.piece_of is None else numbers[placed.piece_of]
            self.type.draw_line(canv, placed.text, placed.role, placed.x, placed.y,
                                placed.align, placed.max_width, placed.color,
                                placed.sources, printing, placed.scale)

