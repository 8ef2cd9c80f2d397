"""Layout stage: a page master (builder/source/masters.py) drawn on its page: the
background and art in palette colours, then each text slot set by the Typesetter in its
box, shrunk as its fit rule allows, else a clear error naming the theme file and line."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from reportlab.pdfgen.canvas import Canvas

from builder.engine import private
from builder.engine.platypus import renderPDF
from builder.engine.private import set_initial_colors
from builder.errors import BrochureError
from builder.source.artwork import Artwork, read_artwork
from builder.source.masters import FIELD, Art, ImageArt, Length, Master, Place, Slot, Svg
from builder.source.model import Document, Part
from builder.source.theme import MM, Theme
from builder.typeset.record import Source
from builder.typeset.typesetter import Typesetter

if TYPE_CHECKING:
    from builder.pdf.images import ImageStore

Box = tuple[float, float, float, float]
"""x0, y0, x1, y1 in trim coordinates (points from the trim's lower left corner)."""


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

ONLY_ON = {"cover": ("meta.kicker", "meta.subtitle"), "opener": ("part.tag",)}
"""Content fields that only this kind of page prints: its master must show them."""
SHRINK_STEP = 0.02
"""The share of its size a text shrinks by at each try to fit its box."""


class MasterPage:
    """Draws masters for one document and theme (through its PageArt)."""

    def __init__(self, art: Surface) -> None:
        self.art, self.theme, self.type = art, art.theme, art.type

    def origin(self, name: str) -> Box:
        """The box places are measured in: the trim, the margins (the text block) or the
        bleed, in trim coordinates (y up)."""
        theme = self.theme
        width, height = theme.page_width, theme.page_height
        if name == "margins":
            return (theme.margin_side, theme.margin_bottom, width - theme.margin_side,
                    height - theme.margin_top)
        if name == "bleed":
            bleed = theme.print.bleed
            return (-bleed, -bleed, width + bleed, height + bleed)
        return (0.0, 0.0, width, height)

    @staticmethod
    def size(length: Length, extent: float) -> float:
        if length.unit == "%":
            return length.value / 100 * extent
        return length.value * (MM if length.unit == "mm" else 1.0)

    def points(self, place: Place) -> list[tuple[float, float]]:
        """A place's values as points (x from the left, y from the top; negative: from the
        right, from the foot)."""
        x0, y0, x1, y1 = self.origin(place.origin)
        found = []
        values = place.values
        for x, y in zip(values[::2], values[1::2], strict=True):
            dx, dy = self.size(x, x1 - x0), self.size(y, y1 - y0)
            found.append((x0 + dx if x.value >= 0 else x1 + dx,
                          y1 - dy if y.value >= 0 else y0 - dy))
        return found

    def box(self, place: Place) -> Box:
        """A place [x, y, width, height] as a box."""
        (left, top), = self.points(Place(place.origin, place.values[:2]))
        x0, y0, x1, y1 = self.origin(place.origin)
        width = self.size(place.values[2], x1 - x0)
        height = self.size(place.values[3], y1 - y0)
        return (left, top - height, left + width, top)

    def draw(self, canv: Canvas, master: Master, part: Part | None = None,
             pages: int | None = None) -> None:
        self.ensure_shown(master, part)
        with self.art.clipped(canv):
            if master.background is not None:
                self.art.background(canv, master.background)
            if master.svg is not None:
                self.draw_svg(canv, master.svg)
            for item in master.art:
                if isinstance(item, ImageArt):
                    self.draw_picture(canv, master, item, part)
                else:
                    self.draw_art(canv, item)
        printed = [slot for slot in master.slots
                   if self.fill(slot, part, canv.getPageNumber(), pages)[0]]
        self.ensure_apart(master, printed)
        for slot in printed:
            self.draw_slot(canv, master, slot, part, pages)

    def ensure_apart(self, master: Master, slots: list[Slot]) -> None:
        """Refuse two text boxes that overlap on this page size: their texts would be set
        one over the other."""
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
        shown = {field for slot in master.slots for field in slot.fields}
        for field in ONLY_ON.get(master.page, ()):
            group, _, name = field.partition(".")
            owner = self.art.document.meta if group == "meta" else part
            value = getattr(owner, name, None) if owner is not None else None
            if value and field not in shown:
                raise BrochureError(
                    f"masters.{master.page} shows no {{{field}}}, and no other page prints "
                    f"it: the content's {group} '{name}' 「{value[:20]}」 would be lost",
                    path=master.file or None, line=master.line or None,
                    hint=f"add a slot showing {{{field}}} to masters.{master.page}, or remove "
                         f"'{name}' from the content")

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

    def draw_art(self, canv: Canvas, item: Art) -> None:
        color = self.theme.color(item.color)
        canv.setFillColor(color)
        canv.setStrokeColor(color)
        canv.setLineWidth(item.stroke)
        stroke, fill = (1, 0) if item.stroke > 0 else (0, 1)
        if item.kind == "rect":
            x0, y0, x1, y1 = self.box(item.place)
            canv.rect(x0, y0, x1 - x0, y1 - y0, stroke=stroke, fill=fill)
        elif item.kind == "line":
            (xa, ya), (xb, yb) = self.points(item.place)
            canv.line(xa, ya, xb, yb)
        elif item.kind == "circle":
            (cx, cy), = self.points(Place(item.place.origin, item.place.values[:2]))
            x0, _, x1, _ = self.origin(item.place.origin)
            canv.circle(cx, cy, self.size(item.place.values[2], x1 - x0), stroke=stroke,
                        fill=fill)
        elif item.kind == "rings":
            (cx, cy), = self.points(item.place)
            x0, _, x1, _ = self.origin(item.place.origin)
            assert item.step is not None
            step = self.size(item.step, x1 - x0)
            for ring in range(1, item.count + 1):
                canv.circle(cx, cy, ring * step, stroke=1, fill=0)
        else:  # polygon
            path = canv.beginPath()
            points = self.points(item.place)
            path.moveTo(*points[0])
            for point in points[1:]:
                path.lineTo(*point)
            path.close()
            canv.drawPath(path, stroke=stroke, fill=fill)

    def picture_place(self, item: ImageArt, size: tuple[int, int]) -> tuple[Box, Box]:
        """The image's box and where a picture of `size` pixels is drawn in it: covering it
        (centred, the overflow clipped) or contained in it (centred)."""
        box = x0, y0, x1, y1 = self.box(item.place)
        choose = max if item.fit == "cover" else min
        scale = choose((x1 - x0) / size[0], (y1 - y0) / size[1])
        width, height = size[0] * scale, size[1] * scale
        left, bottom = x0 + (x1 - x0 - width) / 2, y0 + (y1 - y0 - height) / 2
        return box, (left, bottom, left + width, bottom + height)

    def draw_picture(self, canv: Canvas, master: Master, item: ImageArt,
                     part: Part | None) -> None:
        """A picture in its box, through the build's image store (CMYK in print); a part
        without a picture: the fallback colour, or nothing."""
        from builder.source.images import picture

        path = item.path if item.path is not None else part.picture if part else None
        if path is None:
            if item.fallback is not None:
                x0, y0, x1, y1 = self.box(item.place)
                canv.setFillColor(self.theme.color(item.fallback))
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

    def picture_error(self, master: Master, item: ImageArt, part: Part | None, path: Path,
                      error: BrochureError) -> BrochureError:
        """A picture that cannot be printed, named where it is written: the content's part
        (`picture:`) or the theme's image."""
        if item.path is None and part is not None:
            span = part.where.get("picture")
            return BrochureError(f"the picture of part 「{part.title[:20]}」: {path.name}: "
                                 f"{error.message}", path=self.art.document.source,
                                 line=span.line if span else part.line, hint=error.hint)
        return BrochureError(f"masters.{master.page}: image {path.name}: {error.message}",
                             path=master.file or None, line=item.line, hint=error.hint)

    def fill(self, slot: Slot, part: Part | None, page: int,
             pages: int | None) -> tuple[str, tuple[Source, ...]]:
        """The slot's text with its fields filled, and the content fields it prints; ''
        when every field it names is empty."""
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
                text = getattr(self.theme.labels, name)
            elif group == "page":
                text = str(page)
            elif group == "pages":
                text = str(pages or page)
            filled += bool(text)
            return text

        text = FIELD.sub(value, slot.text)
        return (text if filled or not slot.fields else ""), tuple(sources)

    def draw_slot(self, canv: Canvas, master: Master, slot: Slot, part: Part | None,
                  pages: int | None) -> None:
        text, sources = self.fill(slot, part, canv.getPageNumber(), pages)
        if not text:
            return
        x0, y0, x1, y1 = self.frame_box(master, slot)
        width, room = x1 - x0, y1 - y0
        size = self.theme.style(slot.style).size
        scale = 1.0
        while True:
            lines, style = self.type.block(text, slot.style, width, slot.align, slot.color,
                                           scale)
            height = len(lines) * style.leading
            if (slot.lines is None or len(lines) <= slot.lines) and height <= room + 0.01:
                break
            smaller = scale - SHRINK_STEP
            if slot.shrink is None or size * smaller < slot.shrink - 1e-6:
                raise self.misfit(master, slot, text, len(lines), height, room)
            scale = smaller
        top = {"top": y1, "middle": y1 - (room - height) / 2,
               "bottom": y0 + height}[slot.valign]
        self.type.draw_block(canv, text, slot.style, x0, top, width, slot.align, slot.color,
                             scale, sources)

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
