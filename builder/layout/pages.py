"""Layout stage: the designed pages (cover, section openers, the band atop a section's
first page of text, back cover), each drawn from the theme's page master
(builder/layout/masters.py) straight on the canvas in trim coordinates. All art is clipped
to the bleed box (the trim in screen files). No design lives here: the shipped designs are
the masters of builder/data/themes/*.yaml."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from reportlab.pdfgen.canvas import Canvas

from builder.errors import BrochureError
from builder.layout.display import Plan, place_form
from builder.layout.masters import MasterPage
from builder.layout.rings import Rings
from builder.source.masters import Master
from builder.source.model import Document, Part
from builder.source.theme import Theme
from builder.typeset.typesetter import Fonts, Typesetter

if TYPE_CHECKING:
    from builder.pdf.images import ImageStore

__all__ = ["PageArt", "place_form"]


class PageArt:
    """The designed pages of one document in one theme."""

    def __init__(self, document: Document, theme: Theme, fonts: Fonts,
                 typesetter: Typesetter,
                 images: Callable[[], ImageStore] | None = None) -> None:
        self.document, self.theme, self.fonts, self.type = document, theme, fonts, typesetter
        self.images = images
        """The build's pictures, for masters that place some (builder/layout/masters.py)."""
        self.masters = MasterPage(self)
        self._band_heights: dict[int, float] = {}
        """Band heights by id() of the parts of `document` (which outlives this object)."""

    def master(self, page: str) -> Master:
        """The theme's master for this kind of page."""
        master = self.theme.masters.get(page)
        if master is None:
            raise BrochureError(f"the theme '{self.theme.name}' has no master for {page} "
                                "pages", path=self.theme.path,
                                hint=f"add masters.{page}, or extend a shipped theme "
                                     "(extends: default)")
        return master

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

    def cover(self, canv: Canvas) -> None:
        self.masters.draw(canv, self.master("cover"))

    def opener(self, canv: Canvas, part: Part) -> None:
        """A section's full opener page."""
        self.masters.draw(canv, self.master("opener"), part)

    def back_cover(self, canv: Canvas, pages: int | None = None) -> None:
        """The back cover; `pages`: the page count for the imprint (None: this page's
        number, the back cover being the last page)."""
        self.masters.draw(canv, self.master("back_cover"), pages=pages or canv.getPageNumber())

    def band_opener(self, canv: Canvas, part: Part) -> None:
        """The band across the top of a section's first page of text."""
        self.masters.draw(canv, self.master("band"), part)

    def band_plan(self, part: Part) -> Plan:
        return self.masters.plan(self.master("band"), part)

    def band_height(self, part: Part) -> float:
        """How far the band reaches down from the top of the trim, in points: its art and
        texts. The page's text frame starts below it."""
        height = self._band_heights.get(id(part))
        if height is None:
            plan = self.band_plan(part)
            lowest = min([box[1] for box in plan.art.values()]
                         + [box[1] for box in self.masters.display.text_boxes(plan)],
                         default=self.theme.page_height)
            height = self._band_heights[id(part)] = self.theme.page_height - lowest
        return height

    def ring_geometry(self, page: str, part: Part | None = None) -> Rings | None:
        """The rings drawn on a designed page ('cover' or 'opener'), as data; None where
        the page has none."""
        master = self.theme.masters.get(page)
        if master is None:
            return None
        if page == "opener" and part is None and self.document.sections:
            part = self.document.sections[0]
        plan = self.masters.plan(master, part)
        return next(iter(plan.rings.values()), None)
