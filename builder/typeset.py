"""Typeset stage: theme text styles + fonts -> ReportLab paragraph flowables.

User text is always escaped: it is data, never ReportLab markup.
Stopgap: lines are broken by ReportLab's `wordWrap='CJK'` (the clreq composer is issue #3).
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

from builder.fonts import FontFace, register_family
from builder.theme import TextStyle, Theme

ALIGNMENTS = {"left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT, "justify": TA_JUSTIFY}


@dataclass(frozen=True)
class Fonts:
    """The theme's font families registered with ReportLab."""

    names: dict[tuple[str, bool], str]
    faces: tuple[FontFace, ...]

    def name(self, style: TextStyle) -> str:
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


class Typesetter:
    """Makes paragraph flowables in the theme's styles."""

    def __init__(self, theme: Theme, fonts: Fonts) -> None:
        self.theme = theme
        self.fonts = fonts
        self._styles: dict[tuple[str, str], ParagraphStyle] = {}

    def paragraph_style(self, role: str, align: str = "left") -> ParagraphStyle:
        key = (role, align)
        if key not in self._styles:
            style = self.theme.style(role)
            self._styles[key] = ParagraphStyle(
                f"{role}-{align}", fontName=self.fonts.name(style), fontSize=style.size,
                leading=style.leading, textColor=self.theme.color(style.color),
                firstLineIndent=style.indent * style.size, alignment=ALIGNMENTS[align],
                wordWrap="CJK", allowWidows=0, allowOrphans=0,
                spaceAfter=self.theme.spacing["paragraph"] if role == "body" else 0)
        return self._styles[key]

    def paragraph(self, text: str, role: str, align: str = "left",
                  suffix: str = "", suffix_color: str | None = None) -> Paragraph:
        """A paragraph of user text; `suffix` is an editorial mark in another colour."""
        markup = escape(text)
        if suffix:
            color = self.theme.color(suffix_color or self.theme.style(role).color)
            markup += f'<font color="{color.hexval()}">{escape(suffix)}</font>'
        return Paragraph(markup, self.paragraph_style(role, align))

    def width(self, text: str, role: str) -> float:
        """Natural width of text set on one line in a style."""
        from reportlab.pdfbase.pdfmetrics import stringWidth
        style = self.theme.style(role)
        return stringWidth(text, self.fonts.name(style), style.size)
