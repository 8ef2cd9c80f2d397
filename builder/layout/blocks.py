"""Layout stage: the flowables that set the content's blocks and titles on body pages:
boxes (lead, quote), rules, pictures with captions, and two that keep things together (a
part's title with its first lines, a paragraph with its note)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from reportlab.pdfgen.canvas import Canvas

from builder.engine import private
from builder.engine.platypus import BalancedColumns, Flowable, Spacer
from builder.source.model import Figure, Quote
from builder.source.theme import Theme
from builder.typeset import tags
from builder.typeset.typesetter import ComposedParagraph, Typesetter

if TYPE_CHECKING:
    from builder.pdf.images import ImageStore


class TitleWithText(Flowable):
    """A part's start in the flow (its marker and title) with the first flowable of its
    text: placed where the page has room for the title and some of the text (a split of
    the text that places something), else on the next page, so a title never stands alone
    at a page's foot. It is never drawn whole: its wrap claims more than the room there is,
    so the frame always asks for its split, which hands the pieces back to the page
    (balanced columns place their columns only so)."""

    def __init__(self, flow: list[Flowable], lines: float) -> None:
        """`lines`: the height of the few lines of text that must fit under the title
        when the text is set in balanced columns (which place their lines themselves)."""
        super().__init__()
        self.content, self.lines = flow, lines
        """The marker and the title's flowables, then the text's first one (the last)."""
        self.spaceBefore = next((f.getSpaceBefore() for f in flow  # the marker has none
                                 if not getattr(f, "_ZEROSIZE", False)), 0.0)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width, self.height = available_width, available_height + 1
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        canv = getattr(self, "canv", None)  # balanced columns wrap on a canvas
        title, first = self.content[:-1], True
        room = available_height
        for flowable in title:
            height = flowable.wrapOn(canv, available_width, room)[1]
            room -= height + flowable.getSpaceAfter() \
                + (0.0 if first else flowable.getSpaceBefore())
            first = first and not height
        text = self.content[-1]
        room -= text.getSpaceBefore()
        frame = private.placing_frame(self)
        if frame is not None and private.frame_at_top(frame):  # a next page is no better:
            return [*title, text]  # the text goes on as it can (a quote, a table's title)
        if room <= 0:
            return []
        if text.wrapOn(canv, available_width, 1e6)[1] <= room + 1e-6:  # all of it fits
            return [*title, text]
        if isinstance(text, BalancedColumns):  # they fill what room they get when placed
            return [*title, text] if room >= self.lines else []
        parts = text.splitOn(canv, available_width, room)
        placed = parts[0].wrapOn(canv, available_width, room)[1] if parts else 0.0
        if not parts or placed <= 0 or placed > room + 1e-6:
            return []  # none of the text fits under the title: both go to the next page
        return [*title, *parts]

    def draw(self) -> None:  # never called: see the class
        raise AssertionError("TitleWithText is split, never drawn")


class WithNote(Flowable):
    """A paragraph with a small note under it that never leaves it: a split keeps the
    note with the paragraph's last lines."""

    def __init__(self, paragraph: ComposedParagraph, note: ComposedParagraph,
                 gap: float) -> None:
        super().__init__()
        self.paragraph, self.note, self.gap = paragraph, note, gap
        self.spaceBefore, self.spaceAfter = paragraph.getSpaceBefore(), paragraph.spaceAfter

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        _, above = self.paragraph.wrap(available_width, available_height)
        _, self.note_height = self.note.wrap(available_width, available_height)
        self.width, self.height = available_width, above + self.gap + self.note_height
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        self.wrap(available_width, available_height)
        room = available_height - self.gap - self.note_height
        parts = self.paragraph.split(available_width, room) if room > 0 else []
        if len(parts) != 2:
            return []
        return [parts[0], WithNote(parts[1], self.note, self.gap)]

    def draw(self) -> None:
        self.paragraph.drawOn(self.canv, 0, self.note_height + self.gap)
        self.note.drawOn(self.canv, 0, 0)


GRID_FUZZ = 0.01
"""Points: a position this close to a grid line is on it (rounding of the frame's y)."""


class GridSnap(Spacer):
    """Space down to the next line of the baseline grid (design.grid), put before body
    text: its height is worked out from the frame's current y whenever the frame wraps
    it, so whatever came before (a heading, a table, a figure), the first line of the
    flowable after it sits on the grid. The grid: every `step` down from `anchor`, the
    body frame's top in page coordinates, the same on every page. `inset`: how far below
    the next flowable's top its first line's top is (a quote box's padding); `gap`: the
    least space to leave (none at a frame's top). Wrapped outside a page frame (balanced
    columns measuring their content, a title measuring its text) or in a column of
    balanced columns (which start on the grid and hold whole lines) it takes no room.
    With a `box` (a quote, which never splits) it holds that box under the space, so the
    two go to the next page together."""

    width: float
    height: float

    def __init__(self, step: float, anchor: float, inset: float = 0.0,
                 gap: float = 0.0, box: Flowable | None = None) -> None:
        super().__init__(0, 0)
        self.step, self.anchor, self.inset, self.gap = step, anchor, inset, gap
        self.box = box
        self.spaceAfter = box.getSpaceAfter() if box is not None else 0.0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        pad = _grid_pad(self, self.step, self.anchor, self.inset, self.gap)
        if self.box is None:
            self.height = min(pad, max(0.0, available_height))
            return self.width, self.height
        box_width, box_height = self.box.wrapOn(getattr(self, "canv", None), available_width,
                                                available_height)
        self.width, self.height = box_width, pad + box_height
        return self.width, self.height

    def draw(self) -> None:
        if self.box is not None:
            self.box.drawOn(self.canv, 0, 0)


def _grid_pad(flowable: Flowable, step: float, anchor: float, inset: float = 0.0,
              gap: float = 0.0) -> float:
    """The space from where the frame placing `flowable` stands down to its next line of the
    grid (GridSnap), at least `gap` unless at the frame's top; none outside a page frame."""
    frame = private.placing_frame(flowable)
    if frame is None or str(getattr(frame, "id", "")).startswith("BalancedColumns"):
        return 0.0
    gap = 0.0 if private.frame_at_top(frame) else gap
    pad = (private.frame_y(frame) - gap - inset - anchor) % step
    return (0.0 if pad > step - GRID_FUZZ else pad) + gap


def _whole_lines(height: float, step: float) -> float:
    """`height` rounded up to whole lines of the grid (within GRID_FUZZ of one: that one)."""
    return -(-(height - GRID_FUZZ) // step) * step


class GridBlock(Flowable):
    """Flowables kept together in whole lines of the grid: the height rounds up to a
    multiple of `step`, the extra space goes under the last one (a heading or a quote in
    balanced columns, so the body lines after it stay on the grid)."""

    def __init__(self, flow: list[Flowable], step: float) -> None:
        super().__init__()
        self.flow, self.step = flow, step

    def _heights(self, available_width: float, available_height: float) -> list[float]:
        canv = getattr(self, "canv", None)
        return [f.wrapOn(canv, available_width, available_height)[1] for f in self.flow]

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        heights = self._heights(available_width, available_height)
        total = sum(heights) + sum(f.getSpaceBefore() + f.getSpaceAfter() for f in self.flow)
        self.width, self.height = available_width, max(_whole_lines(total, self.step), 0.0)
        self.heights = heights
        return self.width, self.height

    def draw(self) -> None:
        y = self.height
        for flowable, height in zip(self.flow, self.heights, strict=True):
            y -= flowable.getSpaceBefore() + height
            flowable.drawOn(self.canv, 0, y)
            y -= flowable.getSpaceAfter()


class GridRows(Flowable):
    """Rows (contents entries) each in whole lines of the grid, as GridBlock holds one,
    from the next line of the grid (as GridSnap pads), when all of them fit so in the room
    left; else the rows as they are, split between rows as they would be without it: the
    grid never costs a page."""

    def __init__(self, rows: list[Flowable], step: float, anchor: float) -> None:
        super().__init__()
        self.rows, self.step, self.anchor = rows, step, anchor
        self.pitches: list[float] = []
        self.pad = 0.0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        canv = getattr(self, "canv", None)
        natural = [row.wrapOn(canv, available_width, available_height)[1]
                   + row.getSpaceBefore() + row.getSpaceAfter() for row in self.rows]
        gridded = [_whole_lines(height, self.step) for height in natural]
        last = self.rows[-1]
        under = gridded[-1] - last.height - last.getSpaceBefore()  # space after: dropped
        pad = _grid_pad(self, self.step, self.anchor)              # at a frame's foot
        if pad + sum(gridded) - under <= available_height + GRID_FUZZ:
            self.pad, self.pitches, self.spaceAfter = pad, gridded, under
        else:
            self.pad, self.pitches, self.spaceAfter = 0.0, natural, last.getSpaceAfter()
        self.width = available_width
        self.height = self.pad + sum(self.pitches) - self.spaceAfter
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        return list(self.rows) if len(self.rows) > 1 else []

    def draw(self) -> None:
        top = self.height - self.pad
        for row, pitch in zip(self.rows, self.pitches, strict=True):
            row.drawOn(self.canv, 0, top - row.getSpaceBefore() - row.height)
            top -= pitch


class Rule(Flowable):
    """A short coloured bar under titles."""

    def __init__(self, color: object, length: float, thickness: float,
                 space_before: float = 0, space_after: float = 0) -> None:
        super().__init__()
        self.color, self.length, self.thickness = color, length, thickness
        self.spaceBefore, self.spaceAfter = space_before, space_after

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.length, self.thickness

    def draw(self) -> None:
        self.canv.setFillColor(self.color)
        self.canv.rect(0, 0, self.length, self.thickness, stroke=0, fill=1)


def accent_bar(theme: Theme, space_after: float) -> Rule:
    """The short gold bar under titles."""
    return Rule(theme.color("accent"), theme.decor.accent_bar_length,
                theme.decor.accent_bar_thickness, theme.decor.accent_bar_thickness,
                space_after)


class LeadBox(Flowable):
    """The lead paragraph in a tinted box with a red bar on its left."""

    def __init__(self, paragraph: Flowable, theme: Theme) -> None:
        super().__init__()
        self.paragraph, self.theme = paragraph, theme
        self.padding, self.bar = theme.decor.box_padding, theme.decor.box_bar

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        inner = available_width - 2 * self.padding - self.bar
        # the box never splits: its content is wrapped for a whole page (a quote shrinks to
        # fit one frame, see QuoteBlock); wrapOn lends it the canvas KeepInFrame needs
        _, height = self.paragraph.wrapOn(getattr(self, "canv", None), inner,
                                          self.theme.page_height)
        self.width, self.height = available_width, height + 2 * self.padding
        return self.width, self.height

    def draw(self) -> None:
        canv = self.canv
        canv.setFillColor(self.theme.color("accent_light"))
        canv.rect(0, 0, self.width, self.height, stroke=0, fill=1)
        canv.setFillColor(self.theme.color("primary"))
        canv.rect(0, 0, self.bar, self.height, stroke=0, fill=1)
        self.paragraph.drawOn(canv, self.padding + self.bar, self.padding)


class QuoteBlock(LeadBox):
    """A quotation: gold bar, tinted box, optional source line."""

    def __init__(self, quote: Quote, theme: Theme, typesetter: Typesetter) -> None:
        from builder.engine.platypus import KeepInFrame
        parts: list[Flowable] = [typesetter.paragraph(quote.text, "quote", "justify",
                                                      sources=((quote, "text"),),
                                                      punctuation=quote.punctuation)]
        if quote.source:
            parts.append(typesetter.paragraph("—— " + quote.source, "quote_source", "right",
                                              sources=((quote, "source"),),
                                              punctuation=quote.punctuation))
        frame = theme.page_height - theme.margin_top - theme.margin_bottom
        room = frame - 2 * theme.decor.box_padding
        super().__init__(KeepInFrame(0, room, parts, mode="shrink"), theme)
        self.spaceBefore = self.spaceAfter = theme.spacing.block


class FigureFrame(Flowable):
    """A picture (or a framed placeholder when the content names no image) with its caption."""

    def __init__(self, figure: Figure, width: float, theme: Theme,
                 typesetter: Typesetter, images: Callable[[], ImageStore]) -> None:
        super().__init__()
        self.figure, self.theme, self.images = figure, theme, images
        self.frame_width = width
        self.frame_height = width * theme.spacing.figure_ratio
        self.caption = typesetter.paragraph(figure.caption, "caption", "center",
                                            sources=((figure, "caption"),))

    def shrink_to(self, height: float, smallest: float) -> bool:
        """Scale the picture down so the figure is at most `height` tall, if that keeps at
        least `smallest` of its size; returns whether it did."""
        caption = self.caption.wrap(self.frame_width, height)[1] + self.theme.decor.caption_gap
        scale = (height - caption) / self.frame_height
        if scale < smallest:
            return False
        self.frame_width *= min(1.0, scale)
        self.frame_height *= min(1.0, scale)
        return True

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        _, caption_height = self.caption.wrap(self.frame_width, available_height)
        self.caption_height = caption_height
        self.caption_gap = self.theme.decor.caption_gap
        self.width = self.frame_width
        self.height = self.frame_height + self.caption_gap + caption_height
        return self.width, self.height

    def draw(self) -> None:
        canv, theme = self.canv, self.theme
        top = self.caption_height + self.caption_gap
        w, h = self.frame_width, self.frame_height
        if self.figure.image is not None and os.path.exists(self.figure.image):
            images = self.images()
            iw, ih = images.size(self.figure.image, self.figure.line)
            scale = min(w / iw, h / ih)
            image = images.placed(self.figure.image, iw * scale, ih * scale, self.figure.line)
            with tags.figure(canv, self.figure.alt or self.figure.caption,
                             (self.figure, "caption")):
                private.draw_image(canv, image, (w - iw * scale) / 2,
                                   top + (h - ih * scale) / 2, iw * scale, ih * scale,
                                   images.names)
        else:
            canv.setFillColor(theme.color("accent_light"))
            canv.setStrokeColor(theme.color("accent"))
            canv.setLineWidth(theme.decor.frame_line)
            canv.rect(0, top, w, h, stroke=1, fill=1)
            _draw_picture_icon(canv, w / 2, top + h / 2, min(w, h) * 0.22, theme)
        self.caption.drawOn(canv, 0, 0)


def _draw_picture_icon(canv: Canvas, cx: float, cy: float, size: float, theme: Theme) -> None:
    """A simple mountain-and-sun pictogram marking a picture still to come."""
    canv.saveState()
    canv.setStrokeColor(theme.color("accent"))
    canv.setFillColor(theme.color("accent"))
    canv.setLineWidth(1.2)
    canv.roundRect(cx - size, cy - size * 0.7, 2 * size, 1.4 * size, 4, stroke=1, fill=0)
    path = canv.beginPath()
    path.moveTo(cx - size * 0.8, cy - size * 0.5)
    path.lineTo(cx - size * 0.25, cy + size * 0.15)
    path.lineTo(cx + size * 0.1, cy - size * 0.2)
    path.lineTo(cx + size * 0.4, cy + size * 0.05)
    path.lineTo(cx + size * 0.8, cy - size * 0.5)
    path.close()
    canv.drawPath(path, stroke=0, fill=1)
    canv.circle(cx + size * 0.45, cy + size * 0.38, size * 0.13, stroke=0, fill=1)
    canv.restoreState()
