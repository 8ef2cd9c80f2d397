"""Charts from numeric columns (builder/layout/chart.py): horizontal bars, columns and lines,
each drawn alone on a page (chart_harness) and read back with pdfplumber and pypdf: every
label shown is whole, no two texts overlap, every mark stays inside the chart's box, the
colours are the theme's device CMYK, the axis steps are round, and the edge cases (one
point, all zero, all negative, 60 and 2,000 points, 40 Han characters) hold the same."""

from __future__ import annotations

import math
import re
import time
from itertools import pairwise
from pathlib import Path

import pdfplumber
import pytest
from chart_harness import draw_chart, typesetter
from pypdf import PdfReader
from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import Canvas

from builder.inspect.typography import (
    FULL_WIDTH_MARKS,
    LINE_END_FORBIDDEN,
    LINE_START_FORBIDDEN,
    analyze_pdf,
)
from builder.layout import chart as charts
from builder.layout.chart import BarChart, PlotChart, Series, nice_axis, series_chart

YEARS = [f"{year}年" for year in range(2018, 2023)]
MONTHS = [f"{2018 + i // 12}-{i % 12 + 1:02d}" for i in range(60)]
LONG = "咸安区经济开发区、高新技术产业园区和桂花镇汀泗桥镇的规模以上工业企业总产值合计"
"""A label of 40 Han characters (with 、 that no line may start with)."""


def series(name: str, values: list[float], pattern: str = "{:.2f}", **colours) -> Series:
    return Series(name, tuple(values), tuple(pattern.format(v) for v in values), **colours)


def wave(count: int) -> list[float]:
    """A damped wave: its largest value early, its smallest a third in, apart from the last."""
    return [20 + 8 * math.sin(i / 7) * math.exp(-i / 60) for i in range(count)]


CASES: dict[str, tuple[list[str], list[Series]]] = {
    "years": (YEARS, [series("一般公共预算收入（亿元）", [7.96, 8.5, 6.9, 9.8, 10.4])]),
    "three series": (YEARS, [series("地区生产总值（亿元）", [320, 350, 340, 390, 424], "{:.0f}"),
                             series("固定资产投资（亿元）", [210, 230, 190, 260, 300], "{:.0f}"),
                             series("出口（亿元）", [40, 42, 35, -5, 60], "{:.0f}")]),
    "mixed signs": (["城镇", "农村", "开发区", "园区"],
                    [series("同比增长（%）", [10.1, -3.2, 6.6, -12.5], "{:+.1f}%")]),
    "months": (MONTHS, [series("月度工业增加值（亿元）", wave(60))]),
    "one point": (["2022年"], [series("收入", [5.0])]),
    "all zero": (YEARS, [series("收入", [0.0] * 5)]),
    "all negative": (YEARS, [series("收入", [-1, -3, -2, -8, -0.5])]),
    "long labels": ([LONG, "桂花镇", LONG[::-1]], [series("产值（亿元）", [1, 2, 3], "{:.0f}")]),
    "texts with Han": (["城镇", "农村"], [series("收入", [20000, 5000], "超{:.0f}")]),
}
PLACES = [("A4", "default", False), ("A5", "newsletter", True), ("32开", "default", False),
          ("B5", "newsletter", True)]
"""Trim size, theme, and whether the chart is a column's width (newsletter: two columns)."""


def chars_in(pdf: Path) -> list[dict]:
    with pdfplumber.open(pdf) as opened:
        return [c for c in opened.pages[0].chars if not c["text"].isspace()]


def overlapping(chars: list[dict], tolerance: float = 0.3) -> list[tuple[str, str]]:
    """Pairs of glyphs whose boxes overlap (by more than `tolerance` both ways), but for a
    punctuation mark set in half its em by the composer (clreq) next to a glyph of its line."""
    found = []
    ordered = sorted(chars, key=lambda c: c["x0"])
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if b["x0"] >= a["x1"] - tolerance:
                break
            across = min(a["x1"], b["x1"]) - b["x0"]
            if min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) <= tolerance:
                continue
            compressed = abs(a["top"] - b["top"]) < 0.01 and (
                a["text"] in FULL_WIDTH_MARKS or b["text"] in FULL_WIDTH_MARKS) \
                and across <= a["size"] * 0.5 + 0.01
            if not compressed:
                found.append((a["text"], b["text"]))
    return found


def stream(pdf: Path) -> str:
    return PdfReader(pdf).pages[0].get_contents().get_data().decode("latin-1")


@pytest.mark.parametrize(("size", "theme", "column"), PLACES)
@pytest.mark.parametrize("kind", charts.KINDS)
@pytest.mark.parametrize("case", CASES)
def test_labels_whole_apart_and_inside_the_chart(tmp_path: Path, kind: str, case: str,
                                                 size: str, theme: str, column: bool) -> None:
    labels, data = CASES[case]
    drawn = draw_chart(tmp_path / "chart.pdf", kind, labels, data, "图表", theme, size, column)
    x0, top, x1, bottom = drawn.box
    chars = chars_in(drawn.pdf)
    assert chars
    outside = [c["text"] for c in chars if c["x0"] < x0 - 0.05 or c["x1"] > x1 + 0.05
               or c["top"] < top - 0.05 or c["bottom"] > bottom + 0.05]
    assert not outside, f"outside the chart's box: {''.join(outside)}"
    assert not overlapping(chars), "texts overlap"
    chart = drawn.chart
    with pdfplumber.open(drawn.pdf) as opened:
        page = opened.pages[0]
        if isinstance(chart, PlotChart):
            shown = chart.labels
            assert {labels[0], labels[-1]} <= {"".join(line.text for line in p.lines)
                                                for p in shown}, "first or last label left out"
            for placed in shown:  # the label's glyphs in its box, read back: whole
                box = (x0 + placed.box[0] - 0.5, bottom - placed.box[3] - 0.5,
                       x0 + placed.box[2] + 0.5, bottom - placed.box[1] + 0.5)
                text = re.sub(r"\s", "", page.within_bbox(box).extract_text())
                assert text in [re.sub(r"\s", "", name) for name in labels], text
            for number, one in enumerate(data):  # the last value is labelled (or crowded)
                texts = {"".join(line.text for line in p.lines) for p in chart.values}
                assert one.texts[-1] in texts or len(data) > 1 or kind == "columns" and \
                    len(labels) > 30, f"{one.texts[-1]} of series {number} left out"
        else:
            assert isinstance(chart, BarChart)
            column = page.within_bbox((x0, top, x0 + chart.scale.label_width, bottom))
            page_text = re.sub(r"\s", "", column.extract_text())
            for label in labels:  # the label column, read from the top: the labels in order
                assert re.sub(r"\s", "", label) in page_text
    data_stream = stream(drawn.pdf)
    assert not re.search(r"\b(rg|RG)\b", data_stream), "RGB colour operators in the chart"


@pytest.mark.parametrize("kind", charts.KINDS)
def test_wrapped_labels_keep_clreq_line_breaks(tmp_path: Path, kind: str) -> None:
    """The 40-character labels wrap (the composer's breaks): no line starts with 、 or a
    closing mark, none ends with an opening one."""
    labels, data = CASES["long labels"]
    drawn = draw_chart(tmp_path / "long.pdf", kind, labels, data, None, "default", "A5")
    size = typesetter("default", "A5")[0].style("table_cell").size
    report = analyze_pdf(drawn.pdf, body_size=size)
    assert report.han_characters >= 40 and report.body_lines >= 2
    assert not report.forbidden_starts and not report.forbidden_ends
    with pdfplumber.open(drawn.pdf) as opened:
        lines = opened.pages[0].extract_text().split("\n")
    assert not [line for line in lines if line[:1] in LINE_START_FORBIDDEN
                or line[-1:] in LINE_END_FORBIDDEN]


def test_sixty_months_are_thinned_first_and_last_kept(tmp_path: Path) -> None:
    """A line of 60 monthly points labels every k-th month (the first and the last always)
    and prints the last, the largest and the smallest value, not all 60."""
    labels, data = CASES["months"]
    for size, theme, column in PLACES:
        drawn = draw_chart(tmp_path / f"{size}.pdf", "line", labels, data, None, theme, size,
                           column)
        page_text = "".join(c["text"] for c in sorted(chars_in(drawn.pdf),
                                                       key=lambda c: (round(c["top"]), c["x0"])))
        months = re.findall(r"20\d\d-\d\d", page_text)
        assert months[0] == "2018-01" and months[-1] == "2022-12"
        assert 3 <= len(months) <= 15, months
        steps = {MONTHS.index(b) - MONTHS.index(a) for a, b in pairwise(months[:-1])}
        assert len(steps) <= 1, f"uneven thinning {months}"
        values = data[0]
        shown = [p for p in drawn.chart.values]
        assert {"".join(line.text for line in p.lines) for p in shown} == {
            values.texts[-1], max(values.texts, key=float), min(values.texts, key=float)}


def test_two_thousand_points_are_fast_and_one_path(tmp_path: Path) -> None:
    """2,000 points: the flowable made and drawn in under 0.5 s (best of three), the line
    one path of 2,000 points, the labels thinned."""
    labels = [str(i) for i in range(2000)]
    data = [series("序列", [math.sin(i / 100) * 100 + (i % 7) for i in range(2000)])]
    theme, setter = typesetter()
    best = math.inf
    for attempt in range(3):
        path = tmp_path / f"{attempt}.pdf"
        start = time.perf_counter()
        chart = series_chart("line", "序列", labels, data, theme, setter, theme.text_width)
        canvas = Canvas(str(path), pagesize=(theme.page_width, theme.page_height))
        chart.wrapOn(canvas, theme.text_width, 1e9)
        chart.drawOn(canvas, theme.margin_side, 100)
        canvas.showPage()
        canvas.save()
        best = min(best, time.perf_counter() - start)
    assert best < 0.5, f"{best:.2f} s"
    assert re.search(r" m(?:\s+\S+\s+\S+\s+l){1999}\s+S", stream(path)), "not one path"
    assert isinstance(chart, PlotChart) and 3 <= len(chart.labels) <= 40


def test_axis_steps_are_round_and_cover_the_values() -> None:
    cases = [[7.96, 10.4], [0.0], [-1, -8], [320, -5], [1e12, 3e12], [0.001, 0.004],
             [math.nan, 3.0], [5.0], [-math.inf, 2.0], [5e-324]]
    for values in cases:
        axis = nice_axis(values)
        mantissa = axis.step / 10 ** math.floor(math.log10(axis.step) + 1e-9)
        assert round(mantissa, 6) in (1, 2, 5), (values, axis)
        finite = [v for v in values if math.isfinite(v)]
        assert axis.low <= min([0.0, *finite]) and axis.high >= max([0.0, *finite])
        assert 2 <= len(axis.ticks) <= 12 and axis.high > axis.low
    line = nice_axis([20, 33], with_zero=False)
    assert line.low > 0 and line.low <= 20 and line.high >= 33
    assert nice_axis([0.5, 1.5]).text(0.5) == "0.5" and nice_axis([0, 400]).text(200) == "200"


def test_the_axis_prints_its_round_ticks(tmp_path: Path) -> None:
    """The numbers left of the plot are the axis' ticks, evenly apart, one step each."""
    labels, data = CASES["mixed signs"]
    drawn = draw_chart(tmp_path / "axis.pdf", "columns", labels, data)
    chart = drawn.chart
    assert isinstance(chart, PlotChart)
    left = drawn.box[0] + chart.gutter
    rows: dict[float, str] = {}
    for c in chars_in(drawn.pdf):
        plot_top = drawn.box[3] - chart.plot_bottom - chart.plot_height
        if c["x1"] <= left and plot_top - 0.5 < c["top"] < drawn.box[3] - chart.plot_bottom:
            rows[round(c["top"], 1)] = rows.get(round(c["top"], 1), "") + c["text"]
    numbers = [float(rows[top]) for top in sorted(rows)]
    assert numbers == sorted(numbers, reverse=True) and len(numbers) >= 3
    steps = {round(a - b, 6) for a, b in pairwise(numbers)}
    assert steps == {chart.axis.step} and 0.0 in numbers


def fills(pdf: Path) -> list[tuple[float, ...]]:
    with pdfplumber.open(pdf) as opened:
        return [tuple(r["non_stroking_color"]) for r in opened.pages[0].rects if r["fill"]]


def test_colours_are_the_themes(tmp_path: Path) -> None:
    """Columns of one series in the `chart` colour; a point's colour name (rise/fall) paints
    its bar and number; several series take chart, then the next distinct colours."""
    theme = typesetter()[0]
    cmyk = {name: tuple(v / 100 for v in theme.colors[name]) for name in theme.colors}
    labels, data = CASES["years"]
    plain = draw_chart(tmp_path / "plain.pdf", "columns", labels, data)
    assert set(fills(plain.pdf)) == {cmyk["chart"]}
    values = [10.1, -3.2, 6.6, -12.5]
    signed = series("同比（%）", values, "{:+.1f}%",
                    colors=tuple("rise" if v >= 0 else "fall" for v in values))
    for kind in ("columns", "bars"):
        drawn = draw_chart(tmp_path / f"{kind}.pdf", kind, ["甲", "乙", "丙", "丁"], [signed])
        assert sorted(fills(drawn.pdf)) == sorted(
            [cmyk["rise"], cmyk["fall"], cmyk["rise"], cmyk["fall"]])
        with pdfplumber.open(drawn.pdf) as opened:
            digits = {tuple(c["non_stroking_color"]) for c in opened.pages[0].chars
                      if c["text"] in "+-" and c["size"] > 10}
        assert digits == {cmyk["rise"], cmyk["fall"]}
    names = charts.series_colors(theme, 4)
    assert names[0] == "chart" and len({tuple(theme.colors[n]) for n in names}) == 4
    labels, three = CASES["three series"]
    drawn = draw_chart(tmp_path / "three.pdf", "columns", labels, three)
    assert {cmyk[n] for n in names[:3]} <= set(fills(drawn.pdf))


def test_a_zero_line_where_values_cross_zero(tmp_path: Path) -> None:
    theme = typesetter()[0]
    muted = tuple(v / 100 for v in theme.colors["muted"])
    for case, crossing in (("mixed signs", True), ("years", False)):
        labels, data = CASES[case]
        drawn = draw_chart(tmp_path / "zero.pdf", "line", labels, data)
        chart = drawn.chart
        assert isinstance(chart, PlotChart)
        with pdfplumber.open(drawn.pdf) as opened:
            page = opened.pages[0]
            zero_lines = [line for line in page.lines
                          if tuple(line["stroking_color"]) == muted
                          and abs(line["top"] - line["bottom"]) < 0.01]
        assert bool(zero_lines) == crossing
        if crossing:
            y = drawn.box[3] - chart.y(0.0)
            assert abs(zero_lines[0]["top"] - y) < 0.1


def test_columns_and_lines_do_not_split_bars_do() -> None:
    theme, setter = typesetter()
    labels, data = CASES["years"]
    for kind in ("columns", "line"):
        chart = series_chart(kind, "图表", labels, data, theme, setter, theme.text_width)
        height = chart.wrap(theme.text_width, 1e9)[1]
        assert 0.2 * theme.text_width < height < 0.7 * theme.text_width
        assert chart.split(theme.text_width, height + 1) == [chart]
        assert chart.split(theme.text_width, height - 1) == []
    many = [f"指标{i}" for i in range(12)]
    two = [series("甲", [float(i) for i in range(12)]),
           series("乙", [-float(i) for i in range(12)])]
    bars = series_chart("bars", "图表", many, two, theme, setter, theme.text_width)
    assert isinstance(bars, BarChart)
    height = bars.wrap(theme.text_width, 1e9)[1]
    first, rest = bars.split(theme.text_width, height * 0.6)
    assert isinstance(first, BarChart) and isinstance(rest, BarChart)
    assert first.legend is not None and rest.legend is None and rest.title is None
    assert len(first.names) + len(rest.names) == 12
    assert first.wrap(theme.text_width, 1e9)[1] <= height * 0.6 + 1e-6


@pytest.mark.parametrize("kind", charts.KINDS)
def test_no_points_and_missing_values_draw(tmp_path: Path, kind: str) -> None:
    """No labels at all, and a value missing (NaN, infinite): the chart draws, without the
    missing point's mark or number."""
    draw_chart(tmp_path / "empty.pdf", kind, [], [Series("空", (), ())])
    values = [3.0, math.nan, math.inf, 5.0]
    drawn = draw_chart(tmp_path / "gaps.pdf", kind, ["甲", "乙", "丙", "丁"],
                       [Series("缺", tuple(values), ("3", "缺", "无穷", "5"))])
    if isinstance(drawn.chart, PlotChart):
        shown = {"".join(line.text for line in p.lines) for p in drawn.chart.values}
        assert "5" in shown and not shown & {"缺", "无穷"}


def test_mistakes_are_clean_errors() -> None:
    theme, setter = typesetter()
    with pytest.raises(ValueError, match="unknown chart kind"):
        series_chart("pie", None, ["a"], [series("s", [1.0])], theme, setter, 300)
    with pytest.raises(ValueError, match="2 values for 1 labels"):
        series_chart("line", None, ["a"], [series("s", [1.0, 2.0])], theme, setter, 300)
    with pytest.raises(ValueError, match="1 texts"):
        Series("s", (1.0, 2.0), ("1",))


def test_the_checks_catch_crowded_labels_and_rgb(tmp_path: Path, monkeypatch) -> None:
    """Fault injection: every month labelled (no thinning) is caught as overlapping texts;
    a theme colour in RGB is caught in the chart's stream."""
    labels, data = CASES["months"]

    def every_label(self: PlotChart, stride: int) -> tuple[list, bool]:
        return [self.label(i, self.slot * 4) for i in range(len(self.names))], False

    monkeypatch.setattr(PlotChart, "place_labels_at", every_label)
    crowded = draw_chart(tmp_path / "crowded.pdf", "line", labels, data)
    assert overlapping(chars_in(crowded.pdf))
    monkeypatch.undo()
    theme = typesetter()[0]
    monkeypatch.setattr(type(theme), "color", lambda self, name: Color(0.8, 0.1, 0.1))
    rgb = draw_chart(tmp_path / "rgb.pdf", "columns", *CASES["years"])
    assert re.search(r"\b(rg|RG)\b", stream(rgb.pdf))
