"""Typeset stage: theme text styles + fonts -> paragraph flowables set by the clreq composer.

User text is always data: the only markup is **bold** (see compose.parse_emphasis).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace

from builder.engine.platypus import Flowable
from builder.source.theme import Theme
from builder.typeset.clreq import half_width_interpunct
from builder.typeset.compose import (
    BASELINE_DROP,
    Line,
    Run,
    TextStyle,
    compose,
    draw_lines,
    parse_emphasis,
    text_width,
)
from builder.typeset.fonts import FontFace, register_family
from builder.typeset.record import PrintRecord, Source

ORPHANS = WIDOWS = 2
"""Fewest lines of a paragraph left at the foot or carried to the head of a page."""


@dataclass(frozen=True)
class Fonts:
    """The theme's font families registered with ReportLab."""

    names: dict[tuple[str, bool], str]
    faces: tuple[FontFace, ...]

    def name(self, style) -> str:
        return self.names[(style.family, style.bold)]


def register_theme_fonts(theme: Theme) -> Fonts:
    """Register every font family of the theme; returns their ReportLab names."""
    names: dict[tuple[str, bool], str] = {}
    faces: list[FontFace] = []
    for family, files in theme.fonts.items():
        regular, bold = register_family(family, files.regular, files.bold)
        names[(family, False)] = regular.name
        names[(family, True)] = bold.name
        faces += [regular, bold]
    return Fonts(names=names, faces=tuple(faces))


class ComposedParagraph(Flowable):
    """A paragraph set by the composer; splits between lines across pages."""

    def __init__(self, runs: list[Run], style: TextStyle, lines: list[Line] | None = None,
                 space_after: float = 0.0, record: PrintRecord | None = None,
                 printing: int = -1, sources: tuple[Source, ...] = ()) -> None:
        super().__init__()
        self.runs, self.style = runs, style
        self.lines = lines
        self.record, self.printing, self.sources = record, printing, sources
        """Where the lines drawn are recorded (see record.py), unless record is None; the
        content fields the paragraph prints."""
        self.tag: int | None = printing if record is not None else None
        """The printing its lines are tagged as (a table cell's is set as it is recorded)."""
        self._width: float | None = None if lines is None else -1.0
        self.spaceAfter = space_after
        self.widows = WIDOWS
        """Lines a split carries to the next page at least (more at a part's end, where
        they would stand alone)."""

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        if self._width != available_width and self._width != -1.0:
            self.lines = compose(self.runs, self.style, available_width)
            self._width = available_width
        self.width = available_width
        self.height = len(self.lines or []) * self.style.leading
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        self.wrap(available_width, available_height)
        lines = self.lines or []
        fit = int((available_height + 1e-6) // self.style.leading)
        if fit >= len(lines):
            return [self]
        fit = min(fit, len(lines) - self.widows)
        if fit < ORPHANS:
            return []
        head = ComposedParagraph(self.runs, self.style, lines[:fit], 0.0, self.record,
                                 self.printing, self.sources)
        tail = ComposedParagraph(self.runs, self.style, lines[fit:], self.spaceAfter,
                                 self.record, self.printing, self.sources)
        tail.widows = self.widows
        return [head, tail]

    def __deepcopy__(self, memo: dict[int, object]) -> ComposedParagraph:
        """Platypus deep-copies flowables for trial layouts (balanced columns): the copy
        shares the record and the content objects it names, which are never changed."""
        return copy.copy(self)

    @property
    def text(self) -> str:
        """The text of the lines as set."""
        return "".join(line.text for line in self.lines or [])

    def draw(self) -> None:
        draw_lines(self.canv, self.lines or [], self.style, 0, self.height, tag=self.tag)
        if self.record is not None:
            self.record.drew(self.canv, self.printing, self.text)


class Typesetter:
    """Makes paragraph flowables in the theme's styles."""

    def __init__(self, theme: Theme, fonts: Fonts, record: PrintRecord | None = None,
                 language: str = "zh-CN") -> None:
        self.theme = theme
        self.fonts = fonts
        self.language = language
        """The document's language (BCP 47): the interpunct's width follows it."""
        self.record = record
        """The layout's record of what it printed; paragraphs drawn are entered in it."""
        self._styles: dict[tuple[str, str, str | None, float], TextStyle] = {}
        """The TextStyles made so far (they are frozen, and asked for again and again)."""
        self._set: dict[tuple[object, ...], tuple[object, TextStyle]] = {}
        """Display lines and blocks composed so far (designed pages measure the same texts
        again and again); read only once made, and at most SET_CACHE of them."""

    def text_style(self, role: str, align: str = "left") -> TextStyle:
        key = (role, align, "", 0.0)
        found = self._styles.get(key)
        if found is None:
            style = self.theme.style(role)
            found = self._styles[key] = TextStyle(
                font=self.fonts.name(style), bold_font=self.fonts.names[(style.family, True)],
                size=style.size, leading=style.leading, color=self.theme.color(style.color),
                indent=style.indent, align=align, punctuation=self.theme.design.punctuation,
                half_start_bracket=self.theme.design.line_start_bracket == "half",
                hyphenation=self.theme.design.hyphenation,
                half_interpunct=half_width_interpunct(self.language))
        return found

    def paragraph(self, text: str, role: str, align: str = "left", suffix: str = "",
                  suffix_color: str | None = None, sources: tuple[Source, ...] = (),
                  recorded: bool = True, punctuation: str | None = None) -> ComposedParagraph:
        """A paragraph of user text in a theme role; `suffix` is an editorial mark.
        `sources` name the content fields it prints; a paragraph drawn inside another
        flowable that records it (a table cell) is not `recorded` itself. `punctuation`:
        the block's own punctuation style, if not the theme's."""
        runs = parse_emphasis(text)
        if suffix:
            runs.append(Run(suffix, color=self.theme.color(suffix_color) if suffix_color
                            else None))
        space = self.theme.spacing.paragraph if role == "body" else 0.0
        record = self.record if recorded else None
        printing = -1 if record is None else \
            record.expect("".join(run.text for run in runs), role, *sources)
        style = self.text_style(role, align)
        if punctuation is not None and punctuation != style.punctuation:
            style = replace(style, punctuation=punctuation)
        return ComposedParagraph(runs, style, space_after=space,
                                 record=record, printing=printing, sources=sources)

    def width(self, text: str, role: str) -> float:
        """Natural width of text set on one line in a style (plain glyph advances, without
        the composer's gaps: see `line_width`)."""
        style = self.theme.style(role)
        return text_width(text, self.fonts.name(style), style.size)

    def styled(self, role: str, align: str = "left", color: str | None = None,
               scale: float = 1.0) -> TextStyle:
        """A role's TextStyle without indent, in another palette colour or scaled (size and
        leading): the styles of display texts drawn on designed pages."""
        key = (role, align, color, scale)
        style = self._styles.get(key)
        if style is None:
            style = replace(self.text_style(role, align), indent=0.0)
            if color is not None:
                style = replace(style, color=self.theme.color(color))
            if scale != 1.0:
                style = replace(style, size=style.size * scale, leading=style.leading * scale)
            self._styles[key] = style
        return style

    def block(self, text: str, role: str, width: float, align: str = "left",
              color: str | None = None, scale: float = 1.0) -> tuple[list[Line], TextStyle]:
        """Literal `text` composed into lines of `width` (see `styled`)."""
        key = ("block", text, role, width, align, color, scale)
        found = self._set.get(key)
        if found is None:
            style = self.styled(role, align, color, scale)
            found = self._remember(key, (compose([Run(text)], style, width), style))
        return found  # type: ignore[return-value]

    def _remember(self, key: tuple[object, ...],
                  value: tuple[object, TextStyle]) -> tuple[object, TextStyle]:
        if len(self._set) >= SET_CACHE:
            self._set.clear()
        self._set[key] = value
        return value

    def draw_block(self, canv, text: str, role: str, x: float, top: float, width: float,
                   align: str = "left", color: str | None = None, scale: float = 1.0,
                   sources: tuple[Source, ...] = ()) -> float:
        """Draw `block(...)` with its first line box's top at `top`; returns its height.
        Recorded as a whole text of these `sources`."""
        lines, style = self.block(text, role, width, align, color, scale)
        number = self.record.expect(text, role, *sources) if self.record is not None else None
        draw_lines(canv, lines, style, x, top, tag=number)
        if self.record is not None and number is not None:
            self.record.drew(canv, number, text)
        return len(lines) * style.leading

    def line(self, text: str, role: str, max_width: float | None = None,
             color: str | None = None, scale: float = 1.0) -> tuple[Line, TextStyle]:
        """`text` composed as ONE line in a role (clreq gaps: ¼ em between Han and Latin,
        compressed punctuation pairs), its size reduced in proportion if the line is wider
        than `max_width`. The text is literal: no **bold** markup."""
        key = ("line", text, role, max_width, color, scale)
        found = self._set.get(key)
        if found is not None:
            return found  # type: ignore[return-value]
        style = self.styled(role, color=color, scale=scale)
        runs = [Run(text)]
        line = _one_line(runs, style)
        natural = line_extent(line)
        if max_width is not None and natural > max_width > 0:
            ratio = max_width / natural
            style = replace(style, size=style.size * ratio, leading=style.leading * ratio)
            line = _one_line(runs, style)
        self._remember(key, (line, style))
        return line, style

    def line_width(self, text: str, role: str, max_width: float | None = None,
                   scale: float = 1.0) -> float:
        """Width of `text` as `draw_line` sets it (gaps included, shrunk to max_width)."""
        return line_extent(self.line(text, role, max_width, scale=scale)[0])

    def draw_line(self, canv, text: str, role: str, x: float, y: float, align: str = "left",
                  max_width: float | None = None, color: str | None = None,
                  sources: tuple[Source, ...] = (), printing: int | None = None,
                  scale: float = 1.0) -> float:
        """Draw `text` as one composed line (see `line`) with its baseline at y, starting at,
        centred on or ending at x (align 'left', 'center', 'right'); returns its width.
        The record gets it as a whole text of these `sources`, or as a piece of `printing`
        (a number from `record.expect`)."""
        line, style = self.line(text, role, max_width, color, scale)
        width = line_extent(line)
        first = line.glyphs[0].x + line.cut if line.glyphs else 0.0
        start = x - first - {"center": width / 2, "right": width}.get(align, 0.0)
        top = y + (style.leading - style.size) / 2 + BASELINE_DROP * style.size
        if self.record is not None and printing is None:
            printing = self.record.expect(text, role, *sources)
        draw_lines(canv, [line], style, start, top, tag=printing)
        if self.record is not None and printing is not None:
            self.record.drew(canv, printing, text)
        return width


SET_CACHE = 4096
"""Composed display lines and blocks kept by a Typesetter."""
LINE_MEASURE = 1e6
"""The measure a single line is composed to: wider than any line, so never broken."""


def _one_line(runs: list[Run], style: TextStyle) -> Line:
    lines = compose(runs, style, LINE_MEASURE)
    return lines[0] if lines else Line(glyphs=[], width=0.0, last=True)


def line_extent(line: Line) -> float:
    """Width of a composed line: from its ink's left edge (its first glyph's, less a cut
    bracket half) to its last glyph's right edge."""
    if not line.glyphs:
        return 0.0
    return line.glyphs[-1].x + line.glyphs[-1].width - line.glyphs[0].x - line.cut
