"""Charts: a scorecard drawn as horizontal bars of its year-on-year change, under a title.

Bars in the theme's `chart` colour (default: its primary), the ▲/▼ numbers in rise/fall;
labels set by the composer (the ¼ em Han–Latin gap, clreq breaks), wrapped onto a second
line rather than cut, the row growing with them. Near a page foot the rows close up (down
to MIN_ROW of their natural spacing) so that the chart stays on its table's page."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.pdfbase.pdfmetrics import stringWidth

from builder.engine.platypus import Drawing, Flowable, Line, Rect, String, renderPDF
from builder.engine.private import set_initial_colors
from builder.source.model import Scorecard, ScoreRow
from builder.source.theme import Theme
from builder.typeset.compose import Line as TextLine
from builder.typeset.compose import Run, compose, draw_lines
from builder.typeset.typesetter import ComposedParagraph, Typesetter

BAR_HEIGHT = 0.62
"""Share of a one-line row's height the bar takes."""
ROW = 1.5
"""A one-line row's height, in leadings; each further label line adds one leading."""
MIN_ROW = 1.15
"""The least a one-line row closes up to, in leadings, to keep the chart on its page."""
LABEL_SHARE, WIDEST_LABEL_SHARE = 0.45, 0.6
"""Share of the width the labels take at most; widened up to the second while a label would
need more than two lines."""
MIN_SPLIT_BARS = 2
"""Fewest bars a chart leaves on either side of a page break."""
LABEL_GAP = 8.0
"""Points between a label and the zero line (or a bar's end)."""


class ThemedDrawing(Flowable):
    """A reportlab.graphics drawing placed in the story, rendered from the theme's font and
    ink instead of ReportLab's defaults (Helvetica and RGB black, which print files refuse)."""

    def __init__(self, drawing: Drawing, font: str, size: float, ink: object) -> None:
        super().__init__()
        drawing.initialFontName, drawing.initialFontSize = font, size
        set_initial_colors(drawing, fill=ink, stroke=ink)
        self.drawing = drawing
        self.width, self.height = drawing.width, drawing.height

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        renderPDF.draw(self.drawing, self.canv, 0, 0)


@dataclass(frozen=True)
class Scale:
    """What every part of a chart shares: the label column, the zero line, points per
    percent, the room of the numbers."""

    label_width: float
    zero: float
    unit: float


class ChangeChart(Flowable):
    """A scorecard's change bars under their title (None: a continuation); `spacing` (ROW
    down to MIN_ROW) is a one-line row's height in leadings. Splits between bars, leaving
    at least MIN_SPLIT_BARS on each side."""

    def __init__(self, rows: list[ScoreRow], theme: Theme, typesetter: Typesetter,
                 width: float, title: ComposedParagraph | None, gap: float,
                 spacing: float = ROW, scale: Scale | None = None) -> None:
        super().__init__()
        self.rows, self.theme, self.type = rows, theme, typesetter
        self.title, self.gap, self.spacing = title, gap if title else 0.0, spacing
        self.width = width
        self.label_style = typesetter.text_style("table_cell", "right")
        self.leading = max(theme.style("table_cell").leading,
                           theme.style("table_number").leading)
        self.scale = scale or self._scale()
        self.labels = [self._label(row.metric, self.scale.label_width) for row in rows]
        self.title_height = 0.0

    def _label(self, text: str, width: float) -> list[TextLine]:
        return compose([Run(text)], self.label_style, max(width - LABEL_GAP, 1.0))

    def _scale(self) -> Scale:
        """Labels as wide as the widest, at most LABEL_SHARE of the width, wider (up to
        WIDEST_LABEL_SHARE) while a label would need more than two lines; the numbers'
        room right of the longest bar."""
        style = self.label_style
        natural = max(_line_width(compose([Run(r.metric)], style, 1e5)) for r in self.rows)
        width = min(natural + LABEL_GAP, self.width * LABEL_SHARE)
        while width < self.width * WIDEST_LABEL_SHARE and any(
                len(self._label(r.metric, width)) > 2 for r in self.rows):
            width += style.size
        label_width = min(width, self.width * WIDEST_LABEL_SHARE)
        number = self.theme.style("table_number")
        font = self.type.fonts.name(number)
        values = [float(r.change or 0) for r in self.rows]
        value_room = max(stringWidth(_change_text(r), font, number.size) for r in self.rows) + 6
        bar_room = self.width - label_width - value_room
        has_negative = min(values) < 0
        zero = label_width + (bar_room / 2 if has_negative else 0)
        unit = (bar_room / 2 if has_negative else bar_room) / (max(abs(v) for v in values)
                                                                or 1.0)
        return Scale(label_width, zero, unit)

    def row_heights(self, spacing: float) -> list[float]:
        return [(spacing + max(len(lines), 1) - 1) * self.leading for lines in self.labels]

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.title_height = 0.0 if self.title is None else \
            self.title.wrap(self.width, available_height)[1]
        self.height = self.title_height + self.gap + sum(self.row_heights(self.spacing))
        return self.width, self.height

    def part(self, rows: slice, spacing: float, title: bool) -> ChangeChart:
        chart = ChangeChart(self.rows[rows], self.theme, self.type, self.width,
                            self.title if title else None, self.gap, spacing, self.scale)
        chart.content_origin = getattr(self, "content_origin", None)
        return chart

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        """The chart with its rows closed up to fit (not below MIN_ROW); else split between
        bars; else nothing."""
        self.wrap(available_width, available_height)
        if self.height <= available_height + 1e-6:
            return [self]
        room = available_height - self.title_height - self.gap
        lines = sum(max(len(label), 1) - 1 for label in self.labels) * self.leading
        spacing = (room - lines) / len(self.rows) / self.leading
        if spacing >= MIN_ROW:
            return [self.part(slice(None), min(spacing, self.spacing), True)]
        fit, used = 0, 0.0
        for height in self.row_heights(self.spacing):
            if used + height > room + 1e-6:
                break
            used, fit = used + height, fit + 1
        fit = min(fit, len(self.rows) - MIN_SPLIT_BARS)
        if fit < MIN_SPLIT_BARS:
            return []
        return [self.part(slice(None, fit), self.spacing, self.title is not None),
                self.part(slice(fit, None), self.spacing, False)]

    def draw(self) -> None:
        if self.title is not None:
            self.title.drawOn(self.canv, 0, self.height - self.title_height)
        heights = self.row_heights(self.spacing)
        ThemedDrawing(self.bars(heights), self.label_style.font, self.label_style.size,
                      self.theme.color("ink")).drawOn(self.canv, 0, 0)
        top = sum(heights)
        for lines, height in zip(self.labels, heights, strict=True):
            middle = top - height / 2
            draw_lines(self.canv, lines, self.label_style, 0,
                       middle + len(lines) * self.label_style.leading / 2)
            top -= height

    def bars(self, heights: list[float]) -> Drawing:
        """The bars, the ▲/▼ numbers and the zero line (labels are drawn by the composer)."""
        theme, scale = self.theme, self.scale
        number = theme.style("table_number")
        number_font = self.type.fonts.name(number)
        bar = BAR_HEIGHT * self.spacing * self.leading
        height = sum(heights)
        drawing = Drawing(self.width, height)
        top, zero = height, scale.zero
        for row, row_height in zip(self.rows, heights, strict=True):
            value = float(row.change or 0)
            middle = top - row_height / 2
            top -= row_height
            length = abs(value) * scale.unit
            x = zero if value >= 0 else zero - length
            drawing.add(Rect(x, middle - bar / 2, length, bar,
                             fillColor=theme.color("chart"), strokeColor=None))
            drawing.add(String(zero + length + 4 if value >= 0 else zero + 4,
                               middle - number.size * 0.35, _change_text(row),
                               fontName=number_font, fontSize=number.size,
                               fillColor=theme.color("rise" if value >= 0 else "fall")))
        drawing.add(Line(zero, 0, zero, height, strokeColor=theme.color("rule"),
                         strokeWidth=theme.spacing.table_rule))
        return drawing


def _change_text(row: ScoreRow) -> str:
    """A row's change as the chart prints it: ▲10.1% or ▼3%."""
    arrow = "▲" if float(row.change or 0) >= 0 else "▼"
    return f"{arrow}{(row.change or '').lstrip('+-')}%"


def change_bars(card: Scorecard, theme: Theme, typesetter: Typesetter,
                width: float) -> ChangeChart | None:
    """The chart of the rows that have a year-on-year change, longest bar first, under its
    title; None if no row has one."""
    rows = sorted((r for r in card.rows if r.change is not None),
                  key=lambda r: float(r.change or 0), reverse=True)
    if not rows:
        return None
    title = typesetter.paragraph(f"{card.title}：{theme.labels.chart_title}", "table_title")
    return ChangeChart(rows, theme, typesetter, width, title, theme.spacing.block / 2)


def _line_width(lines: list[TextLine]) -> float:
    """Width of the ink of composed lines (a label set on one line)."""
    return max((line.glyphs[-1].x + line.glyphs[-1].width for line in lines if line.glyphs),
               default=0.0)
