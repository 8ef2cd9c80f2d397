"""Layout stage: the cover spread of a perfect-bound book (issue 17).

A glued book's cover is printed apart from its pages, as one sheet that wraps them: the
back cover, the spine and the front cover side by side, with bleed and crop marks, and fold
marks at the spine's edges. The spine is as wide as the pages are thick (pages / 2 × the
paper's caliper, `print.caliper`). Both covers are drawn from their masters, as on the pages
of a saddle-stitched booklet; the spine from `masters.spine`, its texts set top to bottom
(builder/typeset/vertical.py), as Chinese spines are.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from reportlab.pdfgen.canvas import Canvas

from builder.layout.document import image_store
from builder.layout.masters import Box
from builder.layout.pages import PageArt
from builder.pdf.printing import Marks, draw_marks, grown, has_marks, pdf_version
from builder.pdf.profile import OutputProfile
from builder.source.masters import Master, Slot
from builder.source.model import Document
from builder.source.theme import MM, Theme
from builder.typeset import vertical
from builder.typeset.record import PrintRecord
from builder.typeset.typesetter import Fonts, Typesetter

if TYPE_CHECKING:
    from builder.pdf.images import ImageStore

SPINE_TEXT_SHARE = 0.6
"""A spine text's size is at most this share of the spine's width."""
SMALLEST_SPINE_TEXT = 6.0
"""Below this size (pt) a spine is too thin for text: it is left plain."""


@dataclass(frozen=True)
class Spread:
    """Where the panels sit on the cover spread's PDF page (points)."""

    width: float
    """One cover's trim width."""
    height: float
    spine: float
    bleed: float
    slug: float

    @classmethod
    def of(cls, theme: Theme, pages: int) -> Spread:
        """The spread for a book of `pages` pages (the cover not counted)."""
        return cls(theme.page_width, theme.page_height, spine_width(theme, pages),
                   theme.print.bleed, theme.print.slug)

    @property
    def media(self) -> tuple[float, float]:
        return 2 * self.width + self.spine + 2 * self.slug, self.height + 2 * self.slug

    @property
    def trim_box(self) -> Box:
        return (self.slug, self.slug, self.slug + 2 * self.width + self.spine,
                self.slug + self.height)

    @property
    def bleed_box(self) -> Box:
        return grown(self.trim_box, self.bleed)

    @property
    def folds(self) -> tuple[float, float]:
        """The x of the spine's two edges."""
        return self.slug + self.width, self.slug + self.width + self.spine


def spine_width(theme: Theme, pages: int) -> float:
    """The spine of a perfect-bound book: its leaves (pages / 2) times the caliper."""
    return pages / 2 * theme.print.caliper


@dataclass(frozen=True)
class CoverSpread:
    pdf: bytes
    record: PrintRecord
    """What the covers printed (the build's read-back holds the file against it)."""
    spine: float
    """The spine's width in points."""
    spine_texts: bool
    """Whether the spine is wide enough for its texts."""


def cover_spread(document: Document, theme: Theme, fonts: Fonts, profile: OutputProfile,
                 pages: int, before_save: Callable[[Canvas], None]) -> CoverSpread:
    """The cover spread of a book of `pages` pages (the cover not counted), on one PDF page
    with its TrimBox and BleedBox; `before_save(canvas)` finishes the file (metadata)."""
    spread = Spread.of(theme, pages)
    record = PrintRecord()
    store: list[ImageStore] = []

    def images() -> ImageStore:  # made when a cover places a picture
        if not store:
            store.append(image_store(document, theme, profile))
        return store[0]

    art = PageArt(document, theme, fonts, Typesetter(theme, fonts, record, document.meta.language),
                  images)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=spread.media, invariant=1, pageCompression=1,
                    pdfVersion=pdf_version(profile), lang=document.meta.language,
                    initialFontName=fonts.name(theme.style("body")))
    canvas.setTrimBox(spread.trim_box)
    canvas.setBleedBox(spread.bleed_box)
    canvas.setTitle(f"{document.meta.title}（封面）")
    canvas.setAuthor(document.meta.issuer or "")
    canvas.setCreator("brochure")
    canvas.setProducer("brochure (ReportLab)")
    x0, y0 = spread.slug, spread.slug
    bleed = spread.bleed
    # each cover clipped where it meets the spine: its bleed only on its three outer sides
    with _panel(canvas, (x0, y0), (-bleed, -bleed, spread.width, spread.height + bleed)):
        art.back_cover(canvas, pages=pages)
    front = x0 + spread.width + spread.spine
    with _panel(canvas, (front, y0), (0, -bleed, spread.width + bleed, spread.height + bleed)):
        art.cover(canvas)
    spine_art = PageArt(document, replace(theme, page_width=spread.spine), fonts, art.type,
                        images)
    with _panel(canvas, (x0 + spread.width, y0),
                (0, -bleed, spread.spine, spread.height + bleed)):
        texts = _spine(canvas, spine_art, spine_art.master("spine"))
    if has_marks(theme):
        draw_marks(canvas, Marks.of(theme), spread.trim_box, spread.folds)
    canvas.showPage()
    before_save(canvas)
    canvas.save()
    return CoverSpread(buffer.getvalue(), record, spread.spine, texts)


@contextmanager
def _panel(canvas: Canvas, origin: tuple[float, float], clip: Box) -> Iterator[None]:
    """Draw with the origin at `origin`, clipped to `clip` (x0, y0, x1, y1 from it)."""
    canvas.saveState()
    canvas.translate(*origin)
    x0, y0, x1, y1 = clip
    path = canvas.beginPath()
    path.rect(x0, y0, x1 - x0, y1 - y0)
    canvas.clipPath(path, stroke=0, fill=0)
    try:
        yield
    finally:
        canvas.restoreState()


def _spine(canvas: Canvas, art: PageArt, master: Master) -> bool:
    """The spine's background and art from its master, and its texts set top to bottom,
    each centred across its box and shrunk to the box's length; none where the spine is
    too thin for SMALLEST_SPINE_TEXT. Returns whether the texts were set."""
    plan = art.masters.plan(replace(master, slots=(), stacks=()))
    art.masters.draw_background(canvas, master, plan)
    placed = [(slot, *_fit(art, master, slot)) for slot in master.slots]
    if any(size < SMALLEST_SPINE_TEXT for _slot, _text, _font, size, _box in placed
           if _text):
        return False
    for slot, text, font, size, box in placed:
        if not text:
            continue
        style = art.theme.style(slot.style)
        canvas.setFillColor(art.theme.color(slot.color or style.color))
        length = vertical.length(text, font, size)
        top = box[3] - max(0.0, {"top": 0.0, "middle": 0.5, "bottom": 1.0}[slot.valign]
                           * (box[3] - box[1] - length))
        vertical.draw(canvas, text, font, size, (box[0] + box[2]) / 2, top)
    return True


def _fit(art: PageArt, master: Master, slot: Slot) -> tuple[str, str, float, Box]:
    """A spine slot's text, font, size and box: the style's size, at most
    SPINE_TEXT_SHARE of the box's width, shrunk until the text runs the box's length."""
    text, _sources = art.masters.fill(slot.text, None, 1, None)
    style = art.theme.style(slot.style)
    font = art.fonts.name(style)
    box = art.masters.frame_box(master, slot)
    size = min(style.size * slot.scale, SPINE_TEXT_SHARE * (box[2] - box[0]))
    length = vertical.length(text, font, size) if text else 0.0
    if length > box[3] - box[1]:
        size *= (box[3] - box[1]) / length
    return text, font, size, box


def describe(spread: CoverSpread) -> str:
    """The spine for a build's report: its width, and whether it carries text."""
    texts = "" if spread.spine_texts else " (too thin for its texts: left plain)"
    return f"spine {spread.spine / MM:.1f} mm{texts}"
