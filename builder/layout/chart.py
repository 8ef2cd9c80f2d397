"""Charts: a scorecard drawn as horizontal bars of its year-on-year change (reportlab.graphics),
styled by the theme: bars in the rise/fall colours, labels in the table fonts."""

from __future__ import annotations

from reportlab.pdfbase.pdfmetrics import stringWidth

from builder.engine.platypus import Drawing, Flowable, Line, Rect, String, renderPDF
from builder.engine.private import set_initial_colors
from builder.source.model import Scorecard
from builder.source.theme import Theme
from builder.typeset.typesetter import Fonts

BAR_HEIGHT = 0.62
"""Share of a row's height the bar takes."""


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


def change_bars(card: Scorecard, theme: Theme, fonts: Fonts,
                width: float) -> ThemedDrawing | None:
    """Bars of the rows that have a year-on-year change, longest first; None if none has."""
    rows = sorted((r for r in card.rows if r.change is not None),
                  key=lambda r: float(r.change or 0), reverse=True)
    if not rows:
        return None
    label, number = theme.style("table_cell"), theme.style("table_number")
    label_font, number_font = fonts.name(label), fonts.name(number)
    row_height = max(label.leading, number.leading) * 1.5
    label_width = min(max(stringWidth(r.metric, label_font, label.size) for r in rows) + 8,
                      width * 0.45)
    values = [float(r.change or 0) for r in rows]
    scale_max = max(abs(v) for v in values) or 1.0
    value_room = stringWidth("▲00.00%", number_font, number.size) + 6
    bar_room = width - label_width - value_room
    has_negative = min(values) < 0
    zero = label_width + (bar_room / 2 if has_negative else 0)
    unit = (bar_room / 2 if has_negative else bar_room) / scale_max
    height = row_height * len(rows)
    drawing = Drawing(width, height)
    for index, (row, value) in enumerate(zip(rows, values, strict=True)):
        y = height - (index + 1) * row_height
        middle = y + row_height / 2
        text = _fit(row.metric, label_font, label.size, label_width - 8)
        drawing.add(String(label_width - 8, middle - label.size * 0.35, text,
                           fontName=label_font, fontSize=label.size,
                           fillColor=theme.color(label.color), textAnchor="end"))
        length = abs(value) * unit
        x = zero if value >= 0 else zero - length
        color = theme.color("rise" if value >= 0 else "fall")
        drawing.add(Rect(x, y + row_height * (1 - BAR_HEIGHT) / 2, length,
                         row_height * BAR_HEIGHT, fillColor=color, strokeColor=None))
        arrow = "▲" if value >= 0 else "▼"
        change = (row.change or "").lstrip("+-")  # rows without a change have no value here
        drawing.add(String(zero + length + 4 if value >= 0 else zero + 4,
                           middle - number.size * 0.35, f"{arrow}{change}%",
                           fontName=number_font, fontSize=number.size, fillColor=color))
    drawing.add(Line(zero, 0, zero, height, strokeColor=theme.color("rule"),
                     strokeWidth=theme.spacing.table_rule))
    return ThemedDrawing(drawing, label_font, label.size, theme.color("ink"))


def _fit(text: str, font: str, size: float, width: float) -> str:
    """The text, cut with an ellipsis if it is wider than `width` (labels stay on one line)."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"
