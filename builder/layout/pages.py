"""Layout stage: the full-page designs (cover, section openers, back cover), drawn straight
on the canvas in trim coordinates; backgrounds and bands run into the bleed."""

from __future__ import annotations

from collections.abc import Callable

from reportlab.pdfgen.canvas import Canvas

from builder.engine.private import form_resources
from builder.source.model import Document, Paragraph, Part
from builder.source.theme import MM, Theme
from builder.typeset.record import Source
from builder.typeset.typesetter import Fonts, Typesetter


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


def draw_aligned(canv: Canvas, text: str, x: float, y: float, align: str) -> None:
    """One line of text starting at, centred on or ending at x ('left', 'center', 'right')."""
    if align == "center":
        canv.drawCentredString(x, y, text)
    elif align == "right":
        canv.drawRightString(x, y, text)
    else:
        canv.drawString(x, y, text)


class PageArt:
    """Full-page designs: cover, section openers, back cover."""

    def __init__(self, document: Document, theme: Theme, fonts: Fonts,
                 typesetter: Typesetter) -> None:
        self.document, self.theme, self.fonts, self.type = document, theme, fonts, typesetter
        self.scale = theme.page_width / (210 * MM)
        """Decoration drawn for A4 shrinks or grows with the page width."""

    def _expect(self, text: str, role: str, *sources: Source) -> int:
        """Announce a text drawn in several lines (`_text(..., printing=N)`)."""
        record = self.type.record
        return -1 if record is None else record.expect(text, role, *sources)

    def _text(self, canv: Canvas, text: str, role: str, x: float, y: float,
              align: str = "left", max_width: float | None = None,
              color: str | None = None, sources: tuple[Source, ...] = (),
              printing: int | None = None) -> float:
        """Draw one line of text; shrinks it to max_width if needed. Returns its size.
        The record gets it as a whole text of these `sources`, or as a line of `printing`."""
        style = self.theme.style(role)
        font = self.fonts.name(style)
        size = style.size
        if max_width is not None:
            natural = canv.stringWidth(text, font, size)
            if natural > max_width:
                size = size * max_width / natural
        canv.setFont(font, size)
        canv.setFillColor(self.theme.color(color or style.color))
        draw_aligned(canv, text, x, y, align)
        record = self.type.record
        if record is not None and printing is not None:
            record.drew(canv, printing, text)
        elif record is not None:
            record.printed(canv, text, role, *sources)
        return size

    def _block(self, canv: Canvas, text: str, role: str, x: float, top: float, width: float,
               align: str = "left", sources: tuple[Source, ...] = ()) -> float:
        """Draw a wrapped paragraph whose top is at `top`; returns its height."""
        paragraph = self.type.paragraph(text, role, align, sources=sources)
        _, height = paragraph.wrap(width, self.theme.page_height)
        paragraph.drawOn(canv, x, top - height)
        return height

    def _issuer_sources(self) -> tuple[Source, ...]:
        """The fields of the issuer line ('issuer　date')."""
        meta = self.document.meta
        return tuple((meta, key) for key in ("issuer", "date") if getattr(meta, key))

    def _background(self, canv: Canvas, color: str) -> None:
        """Fill the page up to the bleed edge."""
        bleed = self.theme.print.bleed
        canv.setFillColor(self.theme.color(color))
        canv.rect(-bleed, -bleed, self.theme.page_width + 2 * bleed,
                  self.theme.page_height + 2 * bleed, stroke=0, fill=1)

    def _band(self, canv: Canvas, color: str, y: float, height: float) -> None:
        """A full-width band, run into the bleed at the sides (and at the top or foot
        when it touches them)."""
        bleed = self.theme.print.bleed
        bottom = y - bleed if y <= 0 else y
        top = y + height + (bleed if y + height >= self.theme.page_height else 0)
        canv.setFillColor(self.theme.color(color))
        canv.rect(-bleed, bottom, self.theme.page_width + 2 * bleed, top - bottom, stroke=0,
                  fill=1)

    def _rings(self, canv: Canvas, cx: float, cy: float, count: int, step: float,
               color: str, width: float) -> None:
        """Concentric rings, the decoration of covers and openers."""
        canv.saveState()
        bleed = self.theme.print.bleed
        clip = canv.beginPath()
        clip.rect(-bleed, -bleed, self.theme.page_width + 2 * bleed,
                  self.theme.page_height + 2 * bleed)
        canv.clipPath(clip, stroke=0, fill=0)
        canv.setStrokeColor(self.theme.color(color))
        canv.setLineWidth(width)
        for ring in range(1, count + 1):
            canv.circle(cx, cy, ring * step, stroke=1, fill=0)
        canv.restoreState()

    def cover(self, canv: Canvas) -> None:
        """The cover in the theme's design."""
        if self.theme.design.cover == "masthead":
            self.cover_masthead(canv)
        else:
            self.cover_rings(canv)

    def cover_masthead(self, canv: Canvas) -> None:
        """A white cover under a coloured title band, the lead below it: a newsletter."""
        theme, meta, d = self.theme, self.document.meta, self.theme.decor
        width, height = theme.page_width, theme.page_height
        side = theme.margin_side
        band = height * d.opener_band * 0.75
        self._background(canv, "paper")
        self._band(canv, "primary", height - band, band)
        self._band(canv, "accent", height - band - d.opener_band_edge,
                   d.opener_band_edge)
        y = height - d.cover_kicker_top
        if meta.kicker:
            self._text(canv, meta.kicker, "cover_kicker", side, y, color="accent_light",
                       sources=((meta, "kicker"),))
        y -= d.cover_title_gap * 0.6
        title = theme.style("cover_title")
        printing = self._expect(meta.title, "cover_title", (meta, "title"))
        for line in _split_title(meta.title):
            self._text(canv, line, "cover_title", side, y, max_width=width - 2 * side,
                       printing=printing)
            y -= title.leading
        if meta.subtitle:
            self._text(canv, meta.subtitle, "cover_subtitle", side, y - title.leading / 4,
                       max_width=width - 2 * side, sources=((meta, "subtitle"),))
        top = height - band - d.opener_band_edge - d.contents_lead_after * 2
        if meta.lead:
            top -= self._block(canv, meta.lead, "lead", side, top, width - 2 * side,
                               "justify", ((meta, "lead"),)) + d.contents_lead_after * 1.5
        self._text(canv, theme.labels.cover_contents, "table_title", side, top)
        entry, detail = theme.style("contents_entry"), theme.style("contents_detail")
        top -= entry.leading * 1.5
        for part in self.document.sections:  # the sections, as newsletters list them
            if top < d.cover_issuer_bottom + entry.leading * 4:
                break
            self._text(canv, f"{self.document.section_number(part):02d}", "contents_number",
                       side, top)
            self._text(canv, part.title, "contents_entry", side + d.contents_indent, top,
                       sources=((part, "title"),))
            if part.headline:
                top -= detail.leading
                self._text(canv, part.headline, "contents_detail",
                           side + d.contents_indent, top, sources=((part, "headline"),))
            top -= entry.leading * 1.3
        issuer = "　".join(t for t in (meta.issuer, meta.date) if t)
        canv.setStrokeColor(theme.color("primary"))
        canv.setLineWidth(d.accent_line)
        rule_y = d.cover_issuer_bottom + theme.style("cover_issuer").leading
        canv.line(side, rule_y, width - side, rule_y)
        self._text(canv, issuer, "cover_issuer", side, d.cover_issuer_bottom,
                   color="primary", sources=self._issuer_sources())

    def cover_rings(self, canv: Canvas) -> None:
        """A red cover: kicker banner, title, subtitle, rings rising from below."""
        theme, meta, d = self.theme, self.document.meta, self.theme.decor
        width, height = theme.page_width, theme.page_height
        self._background(canv, "primary")
        centre_y = -height * d.rings_centre
        step = d.rings_step * self.scale
        self._rings(canv, width / 2, centre_y, d.rings_count, step,
                    "primary_dark", d.rings_width * self.scale)
        canv.setStrokeColor(theme.color("accent"))
        canv.setLineWidth(d.accent_line)
        canv.circle(width / 2, centre_y, step * (d.rings_count * 2 // 3 + 0.5),
                    stroke=1, fill=0)
        side = theme.margin_side
        y = height - d.cover_kicker_top
        if meta.kicker:
            banner = theme.style("cover_kicker")
            pad = banner.leading - banner.size
            self._band(canv, "accent", y - pad * 2, banner.leading + pad * 2)
            self._text(canv, meta.kicker, "cover_kicker", width / 2, y - pad / 2, "center",
                       sources=((meta, "kicker"),))
        y -= d.cover_title_gap
        title = theme.style("cover_title")
        printing = self._expect(meta.title, "cover_title", (meta, "title"))
        for line in _split_title(meta.title):
            self._text(canv, line, "cover_title", width / 2, y, "center", width - 2 * side,
                       printing=printing)
            y -= title.leading
        bar = d.accent_bar_length * 1.5
        canv.setFillColor(theme.color("accent"))
        canv.rect(width / 2 - bar / 2, y + title.leading / 2 - d.accent_bar_thickness, bar,
                  d.accent_bar_thickness, stroke=0, fill=1)
        y -= theme.style("cover_subtitle").leading
        if meta.subtitle:
            self._text(canv, meta.subtitle, "cover_subtitle", width / 2, y, "center",
                       width - 2 * side, sources=((meta, "subtitle"),))
        issuer = "　".join(t for t in (meta.issuer, meta.date) if t)
        self._text(canv, issuer, "cover_issuer", width / 2, d.cover_issuer_bottom, "center",
                   sources=self._issuer_sources())

    def opener(self, canv: Canvas, part: Part) -> None:
        theme, d = self.theme, self.theme.decor
        width, height = theme.page_width, theme.page_height
        band = height * d.opener_band

        def art(canv: Canvas) -> None:  # the same on every opener
            self._background(canv, "paper")
            self._band(canv, "primary", height - band, band)
            self._rings(canv, width, height - band, d.rings_count * 2 // 3,
                        d.rings_step * 0.75 * self.scale, "accent_light",
                        d.rings_width / 2 * self.scale)
            self._band(canv, "primary_dark", height - band, d.opener_band_edge)

        edge = theme.print.bleed + 1  # the form's box lies beyond what it draws
        place_form(canv, "opener-art", (-edge, -edge, width + edge, height + edge), art)
        side = theme.margin_side
        number = self.document.section_number(part) or 0
        number_style = theme.style("opener_number")
        y = height - d.opener_number_top
        self._text(canv, f"{number:02d}", "opener_number", side, y)
        y -= number_style.leading - number_style.size + d.accent_bar_thickness * 4
        canv.setFillColor(theme.color("accent"))
        canv.rect(side, y, d.accent_bar_length * 1.5, d.accent_bar_thickness, stroke=0,
                  fill=1)
        y -= theme.style("opener_title").leading * 1.2
        self._text(canv, part.title, "opener_title", side, y, max_width=width - 2 * side,
                   sources=((part, "title"),))
        if part.headline:
            y -= theme.style("opener_title").leading * 0.5
            self._block(canv, part.headline, "opener_headline", side, y, width - 2 * side,
                        sources=((part, "headline"),))
        if part.tag:
            tag = theme.style("opener_tag")
            pill = tag.leading * 2
            tag_width = self.type.width(part.tag, "opener_tag") + pill * 1.2
            top = height - band - d.opener_tag_gap
            canv.setStrokeColor(theme.color("accent"))
            canv.setLineWidth(d.accent_line)
            canv.roundRect(side, top - pill, tag_width, pill, pill / 2, stroke=1, fill=0)
            self._text(canv, part.tag, "opener_tag", side + pill * 0.6,
                       top - pill / 2 - tag.size * 0.35, sources=((part, "tag"),))

    def band_height(self, part: Part) -> float:
        """Height of the band opener of `part`, from the top of the trim (points)."""
        theme = self.theme
        pad, _ = _band_sizes(theme)
        width = theme.page_width - 2 * theme.margin_side
        height = theme.margin_top * 0.6 + theme.style("opener_title").leading
        if part.headline:
            paragraph = self.type.paragraph(part.headline, "opener_headline", recorded=False)
            height += paragraph.wrap(width, theme.page_height)[1] + pad / 2
        return height + pad

    def band_opener(self, canv: Canvas, part: Part) -> None:
        """A band across the top of the part's first text page: number, title, headline."""
        theme, d = self.theme, self.theme.decor
        width, height = theme.page_width, theme.page_height
        band = self.band_height(part)
        self._band(canv, "primary", height - band, band)
        self._band(canv, "primary_dark", height - band, d.opener_band_edge / 2)
        side = theme.margin_side
        pad, _ = _band_sizes(theme)
        title = theme.style("opener_title")
        y = height - theme.margin_top * 0.6 - title.size
        number = self.document.section_number(part)
        x, right = side, width - side
        if number:
            size = self._text(canv, f"{number:02d}", "opener_title", side, y, color="accent")
            x += canv.stringWidth(f"{number:02d}　", self.fonts.name(title), size)
        tag_room = self.type.width(part.tag + "　　", "opener_tag") if part.tag else 0
        self._text(canv, part.title, "opener_title", x, y, max_width=right - tag_room - x,
                   sources=((part, "title"),))
        if part.tag:  # drawn after the title, as it is read
            self._text(canv, part.tag, "opener_tag", right, y, "right", color="accent_light",
                       sources=((part, "tag"),))
        if part.headline:
            self._block(canv, part.headline, "opener_headline", side,
                        y - title.leading + title.size - pad / 2, width - 2 * side,
                        sources=((part, "headline"),))

    def back_cover(self, canv: Canvas) -> None:
        theme, meta, d = self.theme, self.document.meta, self.theme.decor
        width = theme.page_width
        self._background(canv, "primary_dark")
        self._band(canv, "accent", 0, d.back_band)
        side = theme.margin_side
        y = d.back_title_bottom
        printing = self._expect(meta.title, "back_title", (meta, "title"))
        for line in _split_title(meta.title):
            self._text(canv, line, "back_title", width / 2, y, "center", width - 2 * side,
                       printing=printing)
            y -= theme.style("back_title").leading
        issuer = "　".join(t for t in (meta.issuer, meta.date) if t)
        if issuer:
            self._text(canv, issuer, "back_text", width / 2, y, "center",
                       sources=self._issuer_sources())
            y -= theme.style("back_text").leading
        if any(isinstance(b, Paragraph) and b.truncated
               for p in self.document.parts for b in p.blocks):
            self._text(canv, theme.labels.truncated_note, "back_text", width / 2, y,
                       "center")


def _split_title(title: str) -> list[str]:
    """Break a display title after its first full-width colon, where Chinese titles pause."""
    head, colon, rest = title.partition("：")
    return [head + colon, rest] if colon and rest else [title]


def _band_sizes(theme: Theme) -> tuple[float, float]:
    """(padding, title leading) of a band opener."""
    return theme.decor.box_padding * 2, theme.style("part_title").leading
