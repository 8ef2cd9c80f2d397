"""Charts drawn alone on a page, for the chart tests: a theme's typesetter, a chart flowable
placed at the text block's top left on a page of the theme's size."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfgen.canvas import Canvas

from builder.engine.platypus import Flowable
from builder.layout.chart import Series, series_chart
from builder.source.theme import Theme, load_theme, theme_path
from builder.typeset.typesetter import Typesetter, register_theme_fonts

_SETTERS: dict[tuple[str, str], tuple[Theme, Typesetter]] = {}


def typesetter(theme_name: str = "default", page_size: str = "A4") -> tuple[Theme, Typesetter]:
    """The theme (on a trim size) and its typesetter, made once per test session."""
    key = (theme_name, page_size)
    if key not in _SETTERS:
        theme = load_theme(theme_path(theme_name)).with_page_size(page_size)
        _SETTERS[key] = (theme, Typesetter(theme, register_theme_fonts(theme)))
    return _SETTERS[key]


@dataclass
class Drawn:
    pdf: Path
    chart: Flowable
    box: tuple[float, float, float, float]
    """The chart's box in pdfplumber's coordinates: x0, top, x1, bottom."""
    page_height: float


def draw_chart(path: Path, kind: str, labels: list[str], series: list[Series],
               title: str | None = "图表", theme_name: str = "default", page_size: str = "A4",
               column: bool = False) -> Drawn:
    """A PDF of one page with the chart at the text block's top left, as wide as the text
    block (`column`: as a body column); the page grows for a chart taller than it."""
    theme, setter = typesetter(theme_name, page_size)
    width = theme.column_width if column else theme.text_width
    chart = series_chart(kind, title, labels, series, theme, setter, width)
    _, height = chart.wrap(width, 1e9)
    page_height = max(theme.page_height, height + 2 * theme.margin_top)  # a long bar chart
    canvas = Canvas(str(path), pagesize=(theme.page_width, page_height))
    x, top = theme.margin_side, page_height - theme.margin_top
    chart.drawOn(canvas, x, top - height)
    canvas.showPage()
    canvas.save()
    return Drawn(path, chart, (x, theme.margin_top, x + width, theme.margin_top + height),
                 page_height)
