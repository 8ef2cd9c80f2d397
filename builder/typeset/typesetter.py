"""Typeset stage: theme text styles + fonts -> paragraph flowables set by the clreq composer.

User text is always data: the only markup is **bold** (see compose.parse_emphasis).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from builder.engine.platypus import Flowable
from builder.source.theme import Theme
from builder.typeset.compose import (
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
        draw_lines(self.canv, self.lines or [], self.style, 0, self.height)
        if self.record is not None:
            self.record.drew(self.canv, self.printing, self.text)


class Typesetter:
    """Makes paragraph flowables in the theme's styles."""

    def __init__(self, theme: Theme, fonts: Fonts, record: PrintRecord | None = None) -> None:
        self.theme = theme
        self.fonts = fonts
        self.record = record
        """The layout's record of what it printed; paragraphs drawn are entered in it."""

    def text_style(self, role: str, align: str = "left") -> TextStyle:
        style = self.theme.style(role)
        return TextStyle(
            font=self.fonts.name(style), bold_font=self.fonts.names[(style.family, True)],
            size=style.size, leading=style.leading, color=self.theme.color(style.color),
            indent=style.indent, align=align)

    def paragraph(self, text: str, role: str, align: str = "left", suffix: str = "",
                  suffix_color: str | None = None, sources: tuple[Source, ...] = (),
                  recorded: bool = True) -> ComposedParagraph:
        """A paragraph of user text in a theme role; `suffix` is an editorial mark.
        `sources` name the content fields it prints; a paragraph drawn inside another
        flowable that records it (a table cell) is not `recorded` itself."""
        runs = parse_emphasis(text)
        if suffix:
            runs.append(Run(suffix, color=self.theme.color(suffix_color) if suffix_color
                            else None))
        space = self.theme.spacing.paragraph if role == "body" else 0.0
        record = self.record if recorded else None
        printing = -1 if record is None else \
            record.expect("".join(run.text for run in runs), role, *sources)
        return ComposedParagraph(runs, self.text_style(role, align), space_after=space,
                                 record=record, printing=printing, sources=sources)

    def width(self, text: str, role: str) -> float:
        """Natural width of text set on one line in a style."""
        style = self.theme.style(role)
        return text_width(text, self.fonts.name(style), style.size)
