"""Charts from numeric columns: horizontal bars, vertical bars (columns) and lines.

`series_chart(kind, title, labels, series, ...)` draws one or more `Series` (a column's
values, as numbers and as the table prints them) over `labels` (one per row):

- 'bars': a horizontal bar per label, the labels at the left (a scorecard's year-on-year
  changes, `change_bars`, are such a chart: one series, its ▲/▼ numbers in rise/fall).
  Labels wrap onto more lines rather than being cut, the row growing with them; near a page
  foot the rows close up (down to MIN_ROW of their natural spacing), else the chart splits
  between bars.
- 'columns': vertical bars, the value above each bar (below a negative one) while they fit,
  else only the last, largest and smallest.
- 'line': a line per series over time (years, months); the last value and the largest and
  smallest are labelled.

Columns and lines have a value axis with a few gridlines at round steps (1, 2, 5 × 10ⁿ),
a zero line, labels under the points wrapped by the composer or thinned (every k-th, the
first and the last always) so that none is cut, none overlaps another and none leaves the
chart's width. They are PLOT_SHARE of their width tall (at most MAX_FRAME_SHARE of the
text block) and never split (`split` returns []: a table keeps them with its last rows).

Colours are the theme's (device CMYK in print files): the first series in `chart`, the next
in primary, accent, muted (skipping a colour already used). Every text is set by the
composer (clreq breaks, the ¼ em Han–Latin gap)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from builder.engine.platypus import Flowable
from builder.source.model import Scorecard, ScoreRow
from builder.source.theme import Theme
from builder.typeset import tags
from builder.typeset.compose import (
    BASELINE_DROP,
    Run,
    TextStyle,
    compose,
    draw_lines,
    measure_runs,
    text_width,
)
from builder.typeset.compose import Line as TextLine
from builder.typeset.record import Source
from builder.typeset.typesetter import ComposedParagraph, Typesetter

KINDS = ("bars", "columns", "line")
"""The kinds of chart `series_chart` draws."""
SERIES_COLORS = ("chart", "primary", "accent", "muted", "primary_dark", "fall", "ink")
"""Theme colours of the series in order (a colour equal to one already used is skipped)."""

BAR_HEIGHT = 0.62
"""Share of a one-line row's height the bar takes (horizontal bars)."""
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
BAR_TEXT_GAP = 4.0
"""Points between a horizontal bar's end (or the zero line) and its number."""

PLOT_SHARE = 0.45
"""Height of a column or line chart (without its title) as a share of its width..."""
MAX_FRAME_SHARE = 1 / 3
"""...at most this share of the text block's height..."""
MIN_PLOT_LEADINGS = 8
"""Its plot (between the legend and the labels) is at least this many leadings of its
values tall."""
TICK_SPACING = 1.6
"""Gridlines are at least this many leadings of their numbers apart."""
TICKS = 4
"""About this many steps between the value axis' gridlines."""
MAX_LABEL_LINES = 3
"""Lines a label under a column or point takes at most (else the labels are thinned)."""
COLUMN_SHARE = 0.7
"""Share of a label's slot its columns take (all series together)."""
LINE_WIDTH = 1.5
"""Points: a series' line."""
MARKER_POINTS = 24
"""Lines of at most this many points mark each point with a dot."""
PLACING_TRIES = 6
"""Strides tried (each a quarter wider) for labels that all keep clear of each other."""
TEXT_PAD = 2.0
"""Points around a value or label kept clear of other texts and of the bars."""


@dataclass(frozen=True)
class Series:
    """One numeric column: its header (`name`, for the legend or the axis title), a value
    per point (row), the value as the table prints it (`texts`), and optionally a theme
    colour name per point (`colors`, e.g. rise/fall: its bar or dot, and its text) and per
    point text (`text_colors`, the number alone); by default the series' colour and ink."""

    name: str
    values: tuple[float, ...]
    texts: tuple[str, ...]
    colors: tuple[str, ...] = ()
    text_colors: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        count = len(self.values)
        if len(self.texts) != count or len(self.colors) not in (0, count) \
                or len(self.text_colors) not in (0, count):
            raise ValueError(f"series '{self.name}': {count} values, {len(self.texts)} texts,"
                             f" {len(self.colors)} colours, {len(self.text_colors)} text "
                             "colours")

    def color(self, index: int, default: str) -> str:
        """The colour name of point `index`'s bar or dot."""
        return self.colors[index] if self.colors else default

    def text_color(self, index: int) -> str:
        """The colour name of point `index`'s number."""
        return self.text_colors[index] if self.text_colors else \
            self.colors[index] if self.colors else "ink"

    def part(self, points: slice) -> Series:
        return Series(self.name, self.values[points], self.texts[points],
                      self.colors[points], self.text_colors[points])


def series_colors(theme: Theme, count: int) -> list[str]:
    """Colour names for `count` series: SERIES_COLORS, each distinct from those before it
    (the `chart` colour is the primary unless a theme sets it), repeating if need be."""
    names: list[str] = []
    seen: list[tuple[float, ...]] = []
    for name in SERIES_COLORS:
        value = tuple(theme.colors.get(name, ()))
        if name in theme.colors and value not in seen:
            names.append(name)
            seen.append(value)
    return [names[i % len(names)] for i in range(count)]


def series_chart(kind: str, title: str | None, labels: list[str], series: list[Series],
                 theme: Theme, typesetter: Typesetter, width: float,
                 title_sources: tuple[Source, ...] = ()) -> Flowable:
    """A chart of `series` over `labels` (one value of each series per label), `width`
    wide, under `title` (None: none; `title_sources`: the content field it prints, if
    any): `kind` is 'bars' (horizontal), 'columns' (vertical bars) or 'line' (a line per
    series over time). See the module's docstring."""
    if kind not in KINDS:
        raise ValueError(f"unknown chart kind '{kind}': {', '.join(KINDS)}")
    if not series:
        raise ValueError("a chart needs a series")
    for one in series:
        if len(one.values) != len(labels):
            raise ValueError(f"series '{one.name}' has {len(one.values)} values for "
                             f"{len(labels)} labels")
    heading = None if title is None else typesetter.paragraph(title, "table_title",
                                                              sources=title_sources)
    gap = theme.spacing.block / 2
    if kind == "bars":
        return BarChart(list(labels), list(series), theme, typesetter, width, heading, gap)
    named = len(series) > 1 or bool(series[0].name) and series[0].name not in (title or "")
    return PlotChart(kind, list(labels), list(series), theme, typesetter, width, heading, gap,
                     legend=named)


def chart_alt(title: str, labels: list[str], series: list[Series]) -> str:
    """A chart's alternate text, read from its data: its title, then each label with its
    values as the table prints them ('半年成绩单：一般公共预算收入 ▲10.1%；…')."""
    named = len(series) > 1
    points = []
    for index, label in enumerate(labels):
        values = "，".join(f"{one.name} {one.texts[index]}" if named else one.texts[index]
                          for one in series)
        points.append(f"{label} {values}")
    head = f"{title}：" if title else "图表："
    return head + "；".join(points) + "。"


# -- texts ------------------------------------------------------------------------------

def _ink(lines: Sequence[TextLine]) -> tuple[float, float]:
    """(left, right) of the ink of composed lines, from the lines' origin."""
    left = min((line.glyphs[0].x + line.cut for line in lines if line.glyphs), default=0.0)
    right = max((line.glyphs[-1].x + line.glyphs[-1].width for line in lines if line.glyphs),
                default=0.0)
    return left, right


def _line_width(lines: list[TextLine]) -> float:
    """Width of the ink of composed lines (a label set on one line)."""
    return _ink(lines)[1]


def _one_line(text: str, style: TextStyle, color: object | None = None) -> list[TextLine]:
    """`text` set on one line (a number, a tick)."""
    return compose([Run(text, color=color)], style, 1e5)


def _top_for_baseline(baseline: float, style: TextStyle) -> float:
    """The `top` draw_lines takes to set a line's baseline at `baseline`."""
    return baseline + (style.leading - style.size) / 2 + BASELINE_DROP * style.size


Box = tuple[float, float, float, float]
"""x0, y0, x1, y1."""


def _overlaps(box: Box, others: Sequence[Box], pad: float = TEXT_PAD) -> bool:
    return any(box[0] < o[2] + pad and o[0] < box[2] + pad and box[1] < o[3] + pad
               and o[1] < box[3] + pad for o in others)


# -- horizontal bars --------------------------------------------------------------------

@dataclass(frozen=True)
class Scale:
    """What every part of a bar chart shares: the label column, the zero line, points per
    unit of value."""

    label_width: float
    zero: float
    unit: float


class BarChart(Flowable):
    """Horizontal bars, one row per label (a bar per series in it), under their title (None:
    a continuation); `spacing` (ROW down to MIN_ROW) is a one-line row's height in leadings.
    Splits between rows, leaving at least MIN_SPLIT_BARS on each side."""

    sources: tuple[Source, ...] = ()
    """The content the chart draws (its table): where its Figure stands in a tagged PDF."""

    def __init__(self, labels: list[str], series: list[Series], theme: Theme,
                 typesetter: Typesetter, width: float, title: ComposedParagraph | None,
                 gap: float, spacing: float = ROW, scale: Scale | None = None,
                 legend: bool = True) -> None:
        super().__init__()
        self.names, self.series, self.theme, self.type = labels, series, theme, typesetter
        self.title, self.gap, self.spacing = title, gap if title else 0.0, spacing
        self.heading = "".join(run.text for run in title.runs) if title is not None else ""
        """The title, also of a continuation (for the chart's alternate text)."""
        self.width = width
        self.colors = series_colors(theme, len(series))
        self.label_style = typesetter.text_style("table_cell", "right")
        self.number_style = typesetter.text_style("table_number")
        self.leading = max(theme.style("table_cell").leading,
                           theme.style("table_number").leading)
        self.numbers = [[_one_line(text, self.number_style,
                                   theme.color(one.text_color(i)))
                         for i, text in enumerate(one.texts)] for one in series]
        self.scale = scale or self._scale()
        self.labels = [self._label(name, self.scale.label_width) for name in labels]
        self.legend = Legend(series, self.colors, theme, typesetter, width, "bars") \
            if legend and len(series) > 1 else None
        self.title_height = 0.0

    def _label(self, text: str, width: float) -> list[TextLine]:
        return compose([Run(text)], self.label_style, max(width - LABEL_GAP, 1.0))

    def _scale(self) -> Scale:
        """Labels as wide as the widest, at most LABEL_SHARE of the width, wider (up to
        WIDEST_LABEL_SHARE) while a label would need more than two lines; the numbers'
        room right of the longest bar (or of the zero line, if all are negative)."""
        style = self.label_style
        natural = max((_line_width(compose([Run(n)], style, 1e5)) for n in self.names),
                      default=0.0)
        width = min(natural + LABEL_GAP, self.width * LABEL_SHARE)
        while width < self.width * WIDEST_LABEL_SHARE and any(
                len(self._label(n, width)) > 2 for n in self.names):
            width += style.size
        label_width = min(width, self.width * WIDEST_LABEL_SHARE)
        values = [_finite(v) for one in self.series for v in one.values] or [0.0]
        value_room = max((_line_width(lines) for row in self.numbers for lines in row),
                         default=0.0) + 6
        bar_room = max(self.width - label_width - value_room, 1.0)
        has_negative, has_positive = min(values) < 0, max(values) > 0
        zero = label_width + (bar_room / 2 if has_negative and has_positive else
                              bar_room if has_negative else 0.0)
        half = has_negative and has_positive
        unit = (bar_room / 2 if half else bar_room) / (max(abs(v) for v in values) or 1.0)
        return Scale(label_width, zero, unit)

    def row_heights(self, spacing: float) -> list[float]:
        bars = len(self.series)
        return [(spacing + max(len(lines), 1, bars) - 1) * self.leading
                for lines in self.labels]

    def head_height(self) -> float:
        return self.title_height + self.gap + (self.legend.height if self.legend else 0.0)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.title_height = 0.0 if self.title is None else \
            self.title.wrap(self.width, available_height)[1]
        self.height = self.head_height() + sum(self.row_heights(self.spacing))
        return self.width, self.height

    def part(self, rows: slice, spacing: float, title: bool) -> BarChart:
        chart = BarChart(self.names[rows], [s.part(rows) for s in self.series], self.theme,
                         self.type, self.width, self.title if title else None, self.gap,
                         spacing, self.scale, legend=title)
        chart.content_origin = getattr(self, "content_origin", None)
        chart.sources, chart.heading = self.sources, self.heading
        return chart

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        """The chart with its rows closed up to fit (not below MIN_ROW); else split between
        bars; else nothing."""
        self.wrap(available_width, available_height)
        if self.height <= available_height + 1e-6:
            return [self]
        if not self.names:
            return []
        room = available_height - self.head_height()
        bars = len(self.series)
        lines = sum(max(len(label), 1, bars) - 1 for label in self.labels) * self.leading
        spacing = (room - lines) / len(self.names) / self.leading
        if spacing >= MIN_ROW:
            return [self.part(slice(None), min(spacing, self.spacing), True)]
        fit, used = 0, 0.0
        for height in self.row_heights(self.spacing):
            if used + height > room + 1e-6:
                break
            used, fit = used + height, fit + 1
        fit = min(fit, len(self.names) - MIN_SPLIT_BARS)
        if fit < MIN_SPLIT_BARS:
            return []
        return [self.part(slice(None, fit), self.spacing, self.title is not None),
                self.part(slice(fit, None), self.spacing, False)]

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        if self.title is not None:
            self.title.drawOn(canvas, 0, self.height - self.title_height)
        with tags.figure(canvas, chart_alt(self.heading, self.names, self.series),
                         *self.sources):
            if self.legend is not None:
                self.legend.draw(canvas, 0, self.height - self.title_height - self.gap)
            heights = self.row_heights(self.spacing)
            self.draw_bars(heights)
            top = sum(heights)
            for lines, height in zip(self.labels, heights, strict=True):
                middle = top - height / 2
                draw_lines(canvas, lines, self.label_style, 0,
                           middle + len(lines) * self.label_style.leading / 2)
                top -= height
        canvas.restoreState()

    def draw_bars(self, heights: list[float]) -> None:
        """The bars, their numbers and the zero line (a bar per series in each row)."""
        theme, scale, canvas = self.theme, self.scale, self.canv
        style = self.number_style
        count = len(self.series)
        bar = BAR_HEIGHT * self.spacing * self.leading if count == 1 else \
            BAR_HEIGHT * self.leading
        height = sum(heights)
        top, zero = height, scale.zero
        for index, row_height in enumerate(heights):
            middle = top - row_height / 2
            top -= row_height
            for number, one in enumerate(self.series):
                centre = middle + ((count - 1) / 2 - number) * self.leading
                value = _finite(one.values[index])
                length = abs(value) * scale.unit
                x = zero if value >= 0 else zero - length
                canvas.setFillColor(theme.color(one.color(index, self.colors[number])))
                canvas.rect(x, centre - bar / 2, length, bar, stroke=0, fill=1)
                baseline = centre - style.size * 0.35
                draw_lines(canvas, self.numbers[number][index], style,
                           zero + length + BAR_TEXT_GAP if value >= 0 else zero + BAR_TEXT_GAP,
                           _top_for_baseline(baseline, style))
        canvas.setStrokeColor(theme.color("rule"))
        canvas.setLineWidth(theme.spacing.table_rule)
        canvas.line(zero, 0, zero, height)


MONTHLY = re.compile(r"\d{1,2}月|\d{4}[-/.]\d{1,2}$")
"""A label of a month (2022年10月, 10月, 2022-10): its axis is labelled by quarter, half
year or year."""


def nice_strides(count: int, monthly: bool = False) -> list[int]:
    """Strides an axis is labelled by, up to `count`: for months 1, 2, 3, 6, 12, 24, 36,
    60, 120 (a quarter, half a year, a year …); else 1, 2, 5, 10, 20, 50 … (and 3, 4)."""
    if monthly:
        found = {1, 2, 3, 6, 12, 24, 36, 60, 120}
        found |= {120 * m for m in range(2, count // 120 + 2)}
    else:
        found, scale = {1, 2, 3, 4, 5}, 1
        while scale <= count:
            found |= {10 * scale, 20 * scale, 50 * scale}
            scale *= 10
    return sorted(n for n in found if n <= max(count, 1))


def _finite(value: float) -> float:
    """A value to draw: NaN and infinities as 0."""
    return value if math.isfinite(value) else 0.0


# -- legend -----------------------------------------------------------------------------

class Legend:
    """The series' names after a swatch of their colour (a dot and line for a line chart),
    flowing in rows across `width`; a single series of a column or line chart has its name
    alone, as the value axis' title."""

    def __init__(self, series: list[Series], colors: list[str], theme: Theme,
                 typesetter: Typesetter, width: float, kind: str) -> None:
        self.theme, self.kind = theme, kind
        self.style = typesetter.styled("note", color="ink")
        size, leading = self.style.size, self.style.leading
        self.swatch = 0.0 if len(series) == 1 else (1.6 if kind == "line" else 0.8) * size
        space = self.swatch + (0.4 * size if self.swatch else 0.0)
        self.items: list[tuple[float, float, str, list[TextLine]]] = []
        """(x, top from the legend's top, colour name, name's lines)"""
        x, row_top, row_height = 0.0, 0.0, 0.0
        for one, color in zip(series, colors, strict=True):
            lines = compose([Run(one.name)], self.style, max(width - space, 1.0))
            item = space + _ink(lines)[1]
            if x > 0 and x + item > width:
                x, row_top, row_height = 0.0, row_top + row_height, 0.0
            self.items.append((x, row_top, color, lines))
            x += item + 1.5 * size
            row_height = max(row_height, len(lines) * leading)
        self.height = row_top + row_height + (0.3 * leading if self.items else 0.0)

    def draw(self, canvas, x: float, top: float) -> None:
        size, leading = self.style.size, self.style.leading
        for left, item_top, color, lines in self.items:
            middle = top - item_top - leading / 2
            if self.swatch:
                canvas.setFillColor(self.theme.color(color))
                canvas.setStrokeColor(self.theme.color(color))
                if self.kind == "line":
                    canvas.setLineWidth(LINE_WIDTH)
                    canvas.line(x + left, middle, x + left + self.swatch, middle)
                    canvas.circle(x + left + self.swatch / 2, middle, size * 0.22, stroke=0,
                                  fill=1)
                else:
                    canvas.rect(x + left, middle - self.swatch / 2, self.swatch, self.swatch,
                                stroke=0, fill=1)
            start = x + left + (self.swatch + 0.4 * size if self.swatch else 0.0)
            draw_lines(canvas, lines, self.style, start, top - item_top)


# -- value axis -------------------------------------------------------------------------

@dataclass(frozen=True)
class Axis:
    """A value axis from `low` to `high` in steps of `step` (1, 2 or 5 × 10ⁿ)."""

    low: float
    high: float
    step: float

    @property
    def ticks(self) -> list[float]:
        count = round((self.high - self.low) / self.step)
        return [self.low + i * self.step for i in range(count + 1)]

    def text(self, value: float) -> str:
        """A tick's number, with as many decimals as the step needs."""
        decimals = min(max(0, -math.floor(math.log10(self.step) + 1e-9)), 12)
        if abs(value) < self.step * 1e-6:
            value = 0.0
        return f"{value:.{decimals}f}"


def nice_axis(values: Sequence[float], with_zero: bool = True, steps: int = TICKS) -> Axis:
    """The axis of round steps covering the values (and zero, `with_zero`)."""
    finite = [v for v in values if math.isfinite(v)] or [0.0]
    low, high = min(finite), max(finite)
    if with_zero:
        low, high = min(low, 0.0), max(high, 0.0)
    span = high - low
    if not math.isfinite(span):
        low, high, span = 0.0, 1.0, 1.0
    elif span <= 0:  # a single value: an axis around it
        span = abs(high) or 1.0
        low, high = (0.0, span) if with_zero else (low - span / 2, high + span / 2)
        if with_zero and high <= 0:
            low, high = -span, 0.0
    raw = span / steps
    magnitude = 10.0 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    step = next((m * magnitude for m in (1, 2, 5) if m * magnitude >= raw * (1 - 1e-9)),
                10 * magnitude)
    if not step > 0 or not math.isfinite(step):
        step = 1.0
    bottom = math.floor(low / step + 1e-9)
    top = math.ceil(high / step - 1e-9)
    if top <= bottom:
        top = bottom + 1
    return Axis(bottom * step, top * step, step)


# -- columns and lines ------------------------------------------------------------------

@dataclass
class Placed:
    """A text placed in a chart: composed lines drawn at (x, top) in a style."""

    lines: list[TextLine]
    style: TextStyle
    x: float
    top: float
    box: Box


class PlotChart(Flowable):
    """Vertical bars ('columns') or lines ('line') over labels, on a value axis, under a
    title (None: none) and a legend. Never splits: `split` returns [] when it does not fit
    (a table keeps it with its last rows)."""

    sources: tuple[Source, ...] = ()
    """The content the chart draws (its table): where its Figure stands in a tagged PDF."""

    def __init__(self, kind: str, labels: list[str], series: list[Series], theme: Theme,
                 typesetter: Typesetter, width: float, title: ComposedParagraph | None,
                 gap: float, legend: bool = True) -> None:
        super().__init__()
        self.kind, self.names, self.series = kind, labels, series
        self.theme, self.type, self.width = theme, typesetter, width
        self.title, self.gap = title, gap if title else 0.0
        self.heading = "".join(run.text for run in title.runs) if title is not None else ""
        self.colors = series_colors(theme, len(series))
        self.label_style = typesetter.text_style("table_cell", "center")
        self.value_style = typesetter.text_style("table_number")
        self.tick_style = typesetter.styled("note")
        self.legend = Legend(series, self.colors, theme, typesetter, width, kind) \
            if legend else None
        frame = theme.page_height - theme.margin_top - theme.margin_bottom
        self.body = min(PLOT_SHARE * width, MAX_FRAME_SHARE * frame)
        self.dot = self.label_style.size * 0.22
        """Radius of a line's dots."""
        self.title_height = 0.0
        self.layout()

    # layout ---------------------------------------------------------------------------

    def layout(self) -> None:
        """Axis, plot area, labels and values: everything but the title."""
        values = [v for one in self.series for v in one.values]
        self.axis = nice_axis(values, with_zero=self.kind == "columns")
        ticks = [(tick, _one_line(self.axis.text(tick), self.tick_style))
                 for tick in self.axis.ticks]
        self.ticks = ticks
        widest = max(_ink(_one_line(axis.text(tick), self.tick_style))[1]
                     for steps in range(1, TICKS + 1)  # a low plot takes fewer
                     for axis in [nice_axis(values, self.kind == "columns", steps)]
                     for tick in axis.ticks)
        self.gutter = widest + 0.5 * self.tick_style.size
        self.plot_left = self.gutter
        self.plot_width = max(self.width - self.gutter, 1.0)
        count = max(len(self.names), 1)
        self.slot = self.plot_width / count
        legend = self.legend.height if self.legend else 0.0
        labels = self.place_labels()
        label_lines = max((len(p.lines) for p in labels), default=0)
        label_room = label_lines * self.label_style.leading + (
            0.3 * self.label_style.leading if label_lines else 0.0)
        self.plot_height = max(self.body - legend - label_room,
                               MIN_PLOT_LEADINGS * self.value_style.leading)
        self.body_height = legend + self.plot_height + label_room
        self.plot_bottom = label_room
        shift = label_room - 0.3 * self.label_style.leading
        for placed in labels:  # from the labels' band top (0) to just under the plot
            placed.top += shift
            placed.box = (placed.box[0], placed.box[1] + shift, placed.box[2],
                          placed.box[3] + shift)
        self.labels = labels
        room = self.value_style.leading + TEXT_PAD + (self.dot if self.kind == "line" else 0.0)
        has_negative = self.axis.low < 0
        self.value_top = self.plot_bottom + self.plot_height - room
        self.value_bottom = self.plot_bottom + (room if has_negative or self.kind == "line"
                                                else 0.0)
        if self.value_top - self.value_bottom < self.value_style.leading:
            self.value_bottom = self.plot_bottom
        steps = int((self.value_top - self.value_bottom) / (TICK_SPACING
                                                           * self.tick_style.leading))
        if steps < TICKS:  # a low plot: fewer gridlines (the gutter fits the first ones)
            self.axis = nice_axis(values, self.kind == "columns", max(steps, 1))
            self.ticks = [(tick, _one_line(self.axis.text(tick), self.tick_style))
                          for tick in self.axis.ticks]
        self.values = self.place_values()

    @property
    def plot_top(self) -> float:
        return self.plot_bottom + self.plot_height

    def x(self, index: int) -> float:
        """The centre of label `index`'s slot."""
        return self.plot_left + (index + 0.5) * self.slot

    def y(self, value: float) -> float:
        axis = self.axis
        share = (_finite(value) - axis.low) / (axis.high - axis.low)
        return self.value_bottom + share * (self.value_top - self.value_bottom)

    def shown_labels(self, stride: int) -> list[int]:
        """Every `stride`-th label, the first and the last always (the one before the last
        left out if it comes closer to it than the stride)."""
        count = len(self.names)
        if count == 0:
            return []
        shown = list(range(0, count, stride))
        if shown[-1] != count - 1:
            if len(shown) > 1 and count - 1 - shown[-1] < stride:
                shown.pop()
            shown.append(count - 1)
        return shown

    def place_labels(self) -> list[Placed]:
        """The labels under the slots, their band's top at 0 (moved under the plot later):
        the least stride at which every label shown fits its room (its stride's slots) in
        at most MAX_LABEL_LINES lines, then each placed if it keeps clear of those before
        it (the first and the last first)."""
        style = self.label_style
        count = len(self.names)
        if count == 0:
            return []
        gap = style.size * 0.5
        naturals = [text_width(name, style.font, style.size) * 1.05 for name in self.names]
        pieces: dict[int, float] = {}

        def piece(index: int) -> float:
            if index not in pieces:
                pieces[index] = measure_runs([Run(self.names[index])], style)[1]
            return pieces[index]

        stride = count
        monthly = all(MONTHLY.search(name) for name in self.names)
        for candidate in nice_strides(count, monthly):  # labels on one line, if three can be
            shown = self.shown_labels(candidate)
            room = min(candidate * self.slot - gap, self.width)
            if len(shown) < min(count, 3):
                break
            if all(naturals[i] <= room for i in shown):
                stride = candidate
                break
        for candidate in range(1, count + 1) if stride == count else ():
            room = min(candidate * self.slot - gap, self.width)
            shown = self.shown_labels(candidate)
            if all(naturals[i] <= room for i in shown):
                stride = candidate
                break
            if count <= 200 and all(
                    naturals[i] <= room or (piece(i) <= room and naturals[i]
                                            <= room * MAX_LABEL_LINES * 0.8) for i in shown) \
                    and all(len(compose([Run(self.names[i])], style, room)) <= MAX_LABEL_LINES
                            for i in shown if naturals[i] > room):
                stride = candidate
                break
        first: list[Placed] | None = None
        for _ in range(PLACING_TRIES):  # wider strides while a label shown would be dropped
            placed, dropped = self.place_labels_at(stride)
            if not dropped:
                return placed
            first = first or placed
            if stride >= count:
                break
            stride = min(math.ceil(stride * 1.25), count)
        return first or []

    def place_labels_at(self, stride: int) -> tuple[list[Placed], bool]:
        """Every `stride`-th label (see shown_labels) placed in order, the first and the
        last first, each left out if it would come near one placed before it; and whether
        one was left out."""
        style, count = self.label_style, len(self.names)
        room = max(min(stride * self.slot - style.size * 0.5, self.width), style.size)
        order = self.shown_labels(stride)
        order = [order[0], *order[-1:], *order[1:-1]] if len(order) > 1 else order
        placed: list[Placed] = []
        dropped = False
        for index in order:
            label = self.label(index, room)
            if len(placed) == 1 and index == count - 1 and _overlaps(
                    label.box, [placed[0].box], style.size * 0.5):
                half = (self.width - style.size) / 2  # first and last: a half each
                placed = [self.label(0, half, 0.0)]
                label = self.label(index, half, self.width - half)
            elif placed and _overlaps(label.box, [p.box for p in placed], style.size * 0.5):
                dropped = True
                continue
            placed.append(label)
        return placed, dropped

    def label(self, index: int, room: float, x: float | None = None) -> Placed:
        """Label `index` set `room` wide, centred under its slot (or from `x`), kept
        within the chart's width; its band's top at 0."""
        style = self.label_style
        lines = compose([Run(self.names[index])], style, room)
        left, right = _ink(lines)
        if x is None:
            x = self.x(index) - room / 2
        x += max(0.0, -(x + left)) - max(0.0, x + right - self.width)
        return Placed(lines, style, x, 0.0, (x + left, -len(lines) * style.leading,
                                             x + right, 0.0))

    def value_candidates(self) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """(series, point) of the values to label, in order of importance: each series'
        last, largest and smallest; and for columns whose numbers are no wider than their
        room, all the others."""
        found: list[tuple[int, int]] = []
        for number, one in enumerate(self.series):
            finite = [i for i, v in enumerate(one.values) if math.isfinite(v)]
            if not finite:
                continue
            last = finite[-1]
            largest = max(finite, key=lambda i: one.values[i])
            smallest = min(finite, key=lambda i: one.values[i])
            for index in (last, largest, smallest):
                if (number, index) not in found:
                    found.append((number, index))
        if self.kind == "columns":
            pitch = self.slot * COLUMN_SHARE / len(self.series)
            widest = max((_ink(_one_line(t, self.value_style))[1]
                          for one in self.series for t in one.texts), default=0.0) \
                if len(self.names) * len(self.series) <= 400 else math.inf
            if widest <= pitch + self.slot * (1 - COLUMN_SHARE) - TEXT_PAD:
                chosen = set(found)
                return found, [(n, i) for n, one in enumerate(self.series)
                               for i in range(len(one.values))
                               if (n, i) not in chosen and math.isfinite(one.values[i])]
        return found, []

    def bar_box(self, number: int, index: int) -> Box:
        """A column's box (x0, y0, x1, y1)."""
        count = len(self.series)
        width = self.slot * COLUMN_SHARE / count
        left = self.x(index) - self.slot * COLUMN_SHARE / 2 + number * width
        value = self.series[number].values[index]
        y0, y1 = sorted((self.y(0.0), self.y(value)))
        return (left, y0, left + width, y1)

    def mark_x(self, number: int, index: int) -> float:
        """Where the value of (series, point) is drawn: its column's centre, or its point."""
        if self.kind == "columns":
            box = self.bar_box(number, index)
            return (box[0] + box[2]) / 2
        return self.x(index)

    def place_values(self) -> list[Placed]:
        """Numbers above their column or point (below a negative column, or a line's
        smallest value; on the other side if a line crosses that one), each kept if it
        keeps clear of the columns, the lines, the numbers placed before it and the chart's
        edges: all the columns' if none is left out, else the last, largest and smallest
        of each series."""
        main, others = self.value_candidates()
        if others:
            placed, dropped = self.place_values_of(main + others)
            if not dropped:
                return placed
        return self.place_values_of(main)[0]

    def place_values_of(self, candidates: list[tuple[int, int]]) -> tuple[list[Placed], bool]:
        """The numbers of these (series, point) placed (see place_values), and whether one
        was left out."""
        style = self.value_style
        placed: list[Placed] = []
        dropped = False
        smallest = [min(range(len(one.values)), key=lambda i: _finite(one.values[i]),
                        default=-1) for one in self.series]
        for number, index in candidates:
            one = self.series[number]
            value = one.values[index]
            lines = _one_line(one.texts[index], style, self.theme.color(one.text_color(index)))
            left, right = _ink(lines)
            x = self.mark_x(number, index) - (left + right) / 2
            x += max(0.0, self.plot_left - (x + left)) - max(0.0, x + right - self.width)
            below = value < 0 if self.kind == "columns" else (
                index == smallest[number] and index != len(one.values) - 1
                and value < max(one.values))
            height, mark = style.leading, self.y(value)
            apart = TEXT_PAD + (self.dot if self.kind == "line" else 0.0)
            above_box = (x + left, mark + apart, x + right, mark + apart + height)
            below_box = (x + left, mark - apart - height, x + right, mark - apart)
            if self.kind == "columns":
                box = below_box if below else above_box
            else:  # the side asked for, else the other, else clear of the line near it
                heights = self.line_heights(x + left, x + right, number)
                over = (x + left, max(heights) + apart, x + right, max(heights) + apart + height)
                under = (x + left, min(heights) - apart - height, x + right, min(heights) - apart)
                order = (below_box, above_box, under, over) if below else \
                    (above_box, below_box, over, under)
                sides = [self.off_grid(b, up=b in (above_box, over)) for b in order]
                box = next((b for b in sides if not self.crosses_lines(b)
                            and not self.crosses_grid(b)
                            and self.plot_bottom - 1e-6 <= b[1] and b[3] <= self.plot_top + 1e-6),
                           sides[0])
            if box[1] < self.plot_bottom - 1e-6 or box[3] > self.plot_top + 1e-6 \
                    or _overlaps(box, [p.box for p in placed]) \
                    or self.crosses_lines(box) or self.crosses_columns(box) \
                    or (self.kind == "line" and self.crosses_grid(box)):
                dropped = True
                continue
            placed.append(Placed(lines, style, x, box[3], box))
        return placed, dropped

    def near(self, left: float, right: float) -> range:
        """The points whose slots reach from x = left to right, and one more each side."""
        first = max(int((left - self.plot_left) / self.slot) - 1, 0)
        last = min(int((right - self.plot_left) / self.slot) + 1, len(self.names) - 1)
        return range(first, last + 1)

    def crosses_lines(self, box: Box) -> bool:
        """True if a series' line (its segments, its dots) comes within TEXT_PAD of `box`."""
        if self.kind != "line":
            return False
        x0, y0, x1, y1 = box[0] - TEXT_PAD, box[1] - TEXT_PAD, box[2] + TEXT_PAD, \
            box[3] + TEXT_PAD
        points = self.near(box[0], box[2])
        for one in self.series:
            marks = [(self.x(i), self.y(one.values[i])) for i in points
                     if math.isfinite(one.values[i])]
            if len(marks) == 1 and x0 <= marks[0][0] <= x1 and y0 <= marks[0][1] <= y1:
                return True
            for (xa, ya), (xb, yb) in zip(marks, marks[1:], strict=False):
                start, end = max(xa, x0), min(xb, x1)
                if start > end:
                    continue
                slope = (yb - ya) / (xb - xa) if xb > xa else 0.0
                low, high = sorted((ya + slope * (start - xa), ya + slope * (end - xa)))
                if low <= y1 and y0 <= high:
                    return True
        return False

    def off_grid(self, box: Box, up: bool) -> Box:
        """`box` moved away from its point (up or down) just clear of a gridline that runs
        through the middle half of its glyphs (ticks lie leadings apart: one move does)."""
        quarter = (box[3] - box[1]) / 4
        for tick, _ in self.ticks:
            y = self.y(tick)
            if box[1] + quarter < y < box[3] - quarter:
                shift = y - (box[1] + quarter) + 0.5 if up else y - (box[3] - quarter) - 0.5
                return (box[0], box[1] + shift, box[2], box[3] + shift)
        return box

    def crosses_grid(self, box: Box) -> bool:
        """True if a gridline runs through the middle half of `box` (a number's glyphs)."""
        quarter = (box[3] - box[1]) / 4
        return any(box[1] + quarter < self.y(tick) < box[3] - quarter
                   for tick, _ in self.ticks)

    def line_heights(self, left: float, right: float, number: int) -> list[float]:
        """Heights of series `number`'s line between x = left and right: its points there
        and the next each side (at least its own point's)."""
        values = self.series[number].values
        return [self.y(values[i]) for i in self.near(left, right)
                if math.isfinite(values[i])] or [self.value_bottom]

    def crosses_columns(self, box: Box) -> bool:
        """True if `box` comes within TEXT_PAD of a column (any series')."""
        if self.kind != "columns":
            return False
        columns = [self.bar_box(n, i) for i in self.near(box[0], box[2])
                   for n in range(len(self.series))]
        return _overlaps(box, columns, TEXT_PAD / 2)

    # flowable -------------------------------------------------------------------------

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.title_height = 0.0 if self.title is None else \
            self.title.wrap(self.width, available_height)[1]
        self.height = self.title_height + self.gap + self.body_height
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        """Whole or not at all."""
        self.wrap(available_width, available_height)
        return [self] if self.height <= available_height + 1e-6 else []

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        if self.title is not None:
            self.title.drawOn(canvas, 0, self.height - self.title_height)
        with tags.figure(canvas, chart_alt(self.heading, self.names, self.series),
                         *self.sources):
            if self.legend is not None:
                self.legend.draw(canvas, 0, self.body_height)
            self.draw_axis()
            if self.kind == "columns":
                self.draw_columns()
            else:
                self.draw_lines()
            for placed in [*self.labels, *self.values]:
                draw_lines(canvas, placed.lines, placed.style, placed.x, placed.top)
        canvas.restoreState()

    def draw_axis(self) -> None:
        """Gridlines at the ticks with their numbers, and the zero line."""
        canvas, theme, style = self.canv, self.theme, self.tick_style
        right = self.plot_left + self.plot_width
        canvas.setStrokeColor(theme.color("rule"))
        canvas.setLineWidth(theme.spacing.table_rule / 2)
        for tick, lines in self.ticks:
            y = self.y(tick)
            if abs(tick) > self.axis.step * 1e-6:  # zero: the zero line
                canvas.line(self.plot_left, y, right, y)
            left, ink_right = _ink(lines)
            draw_lines(canvas, lines, style, self.gutter - 0.5 * style.size - ink_right,
                       _top_for_baseline(y - style.size * 0.35, style))
        if self.axis.low <= 0 <= self.axis.high:
            canvas.setStrokeColor(theme.color("muted"))
            canvas.setLineWidth(theme.spacing.table_rule)
            canvas.line(self.plot_left, self.y(0.0), right, self.y(0.0))

    def draw_columns(self) -> None:
        canvas, theme = self.canv, self.theme
        for number, one in enumerate(self.series):
            default = self.colors[number]
            current = None
            for index, value in enumerate(one.values):
                if not math.isfinite(value) or value == 0:
                    continue
                color = one.color(index, default)
                if color != current:
                    canvas.setFillColor(theme.color(color))
                    current = color
                x0, y0, x1, y1 = self.bar_box(number, index)
                canvas.rect(x0, y0, x1 - x0, y1 - y0, stroke=0, fill=1)

    def draw_lines(self) -> None:
        """A path per series (a gap where a value is missing), dots at its points if few."""
        canvas, theme = self.canv, self.theme
        canvas.setLineWidth(LINE_WIDTH)
        canvas.setLineJoin(1)
        canvas.setLineCap(1)
        dots = len(self.names) <= MARKER_POINTS
        radius = self.dot
        for number, one in enumerate(self.series):
            color = theme.color(self.colors[number])
            canvas.setStrokeColor(color)
            path = canvas.beginPath()
            pen_down, points = False, 0
            for index, value in enumerate(one.values):
                if not math.isfinite(value):
                    pen_down = False
                    continue
                x, y = self.x(index), self.y(value)
                if pen_down:
                    path.lineTo(x, y)
                else:
                    path.moveTo(x, y)
                    pen_down = True
                points += 1
            if points > 1:
                canvas.drawPath(path, stroke=1, fill=0)
            if dots or points == 1:
                for index, value in enumerate(one.values):
                    if math.isfinite(value):
                        canvas.setFillColor(theme.color(one.color(index, self.colors[number])))
                        canvas.circle(self.x(index), self.y(value), radius, stroke=0, fill=1)


# -- a scorecard's changes --------------------------------------------------------------

def _change_text(row: ScoreRow) -> str:
    """A row's change as the chart prints it: ▲10.1% or ▼3%."""
    arrow = "▲" if float(row.change or 0) >= 0 else "▼"
    return f"{arrow}{(row.change or '').lstrip('+-')}%"


def change_bars(card: Scorecard, theme: Theme, typesetter: Typesetter,
                width: float) -> BarChart | None:
    """The horizontal bars of the rows that have a year-on-year change, longest bar first,
    under its title, their ▲/▼ numbers in rise/fall; None if no row has one."""
    rows = sorted((r for r in card.rows if r.change is not None),
                  key=lambda r: float(r.change or 0), reverse=True)
    if not rows:
        return None
    values = tuple(float(r.change or 0) for r in rows)
    changes = Series(theme.labels.chart_title, values, tuple(_change_text(r) for r in rows),
                     text_colors=tuple("rise" if v >= 0 else "fall" for v in values))
    title = typesetter.paragraph(f"{card.title}：{theme.labels.chart_title}", "table_title")
    return BarChart([r.metric for r in rows], [changes], theme, typesetter, width, title,
                    theme.spacing.block / 2)

