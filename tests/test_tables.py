"""Scorecard tables and charts, built and read back (pdfplumber): column widths from the
content (no unit, number or Latin word broken inside a cell), the ¼ em Han–Latin gap in cells
and chart labels, numbers on the decimal point, splits leaving at least 3 rows a side with
title, header and note kept with their rows, and the chart on the page of its table's last
rows, its labels wrapped, never cut, its bars in the theme's `chart` colour."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pdfplumber
import pypdf
import pytest
import yaml
from content_factory import document, han, write

from builder.build import build
from builder.errors import BrochureError
from builder.layout import tables as scorecard
from builder.source.theme import load_theme, theme_path

TABLES = Path(__file__).parent / "data" / "tables.yaml"
DEFAULT_CONTENT = Path(__file__).parent.parent / "content" / "xianan-2022.yaml"
SIZES = ("A4", "A5", "大16开", "32开")
CELL, NUMBER, NOTE = 9.5, 10.5, 8.0
"""Type sizes of table cells and chart labels, of the value column, of notes (default theme)."""
HAN = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z0-9]")


def rows_of(content: Path) -> list[dict]:
    return [row for part in yaml.safe_load(content.read_text(encoding="utf-8"))["parts"]
            for block in part["blocks"] if "scorecard" in block for row in block["rows"]]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    """build(content, size, theme) -> the PDF's path, each built once for the module."""
    folder = tmp_path_factory.mktemp("tables")
    done: dict[tuple[Path, str, str], Path] = {}

    def make(content: Path, size: str = "A4", theme: str = "default") -> Path:
        key = (content, size, theme)
        if key not in done:
            output = folder / f"{content.stem}-{size}-{theme}.pdf"
            build(content, output, theme, page_size=size)
            done[key] = output
        return done[key]

    return make


def table_chars(page, sizes: tuple[float, ...] = (CELL, NUMBER)) -> list[dict]:
    """The page's characters in the table fonts (sans) and their cell and number sizes, in
    drawing order (a cell's or a label's lines are drawn one after the other)."""
    return [c for c in page.chars if "Sans" in c["fontname"]
            and any(abs(c["size"] - s) < 0.01 for s in sizes)]


def occurrences(chars: list[dict], text: str) -> Iterator[list[dict]]:
    """The runs of `chars` spelling `text`."""
    stream = "".join(c["text"] for c in chars)
    start = stream.find(text)
    while start >= 0:
        yield chars[start:start + len(text)]
        start = stream.find(text, start + 1)


def broken(pdf: Path, pieces: set[str]) -> tuple[list[str], set[str]]:
    """(pieces printed across two lines in a table cell or chart label, pieces found)."""
    found, split = set(), []
    with pdfplumber.open(pdf) as opened:
        for number, page in enumerate(opened.pages, start=1):
            chars = table_chars(page)
            for piece in pieces:
                for run in occurrences(chars, piece):
                    found.add(piece)
                    if len({round(c["top"]) for c in run}) > 1:
                        split.append(f"p{number}: {piece}")
    return split, found


def pieces_of(content: Path) -> set[str]:
    """What must never wrap inside itself: units, values, changes and Latin words."""
    pieces: set[str] = set()
    for row in rows_of(content):
        pieces |= {row["unit"], row["value"]}
        if "change" in row:
            pieces.add(row["change"].lstrip("+-") + "%")
        pieces |= set(re.findall(r"[A-Za-z0-9][A-Za-z0-9.&]*", row["metric"]))
    return pieces


@pytest.mark.parametrize("size", SIZES)
def test_no_unit_number_or_word_wraps_inside_a_cell(built, size: str) -> None:
    pieces = pieces_of(TABLES)
    assert {"平方公里", "万亿美元", "亿千瓦时", "GDP", "PM2.5", "R&D"} <= pieces
    split, found = broken(built(TABLES, size), pieces)
    assert not split, f"broken inside a cell at {size}: {split[:10]}"
    assert found == pieces, f"not found in any cell: {sorted(pieces - found)[:10]}"


def test_the_check_sees_a_unit_column_too_narrow(tmp_path: Path, monkeypatch) -> None:
    """Fault injection: with the unit column squeezed to two characters (as a fixed share
    left it on A5), units wrap inside the word, and the check above says so."""
    widths = scorecard.ScorecardTable.widths

    def squeezed(self, columns, body):
        found = widths(self, columns, body)
        unit = [c.header for c in columns].index(self.theme.labels.table_unit)
        narrow = 2 * CELL + 2 * self.theme.decor.cell_padding
        found[0] += found[unit] - narrow
        found[unit] = narrow
        return found

    monkeypatch.setattr(scorecard.ScorecardTable, "widths", squeezed)
    build(TABLES, tmp_path / "narrow.pdf", page_size="A5")
    split, _ = broken(tmp_path / "narrow.pdf", {"平方公里", "万亿美元", "亿千瓦时"})
    assert split


@pytest.mark.parametrize("size", ("A4", "A5", "大16开"))
def test_metrics_of_the_default_brochure_take_at_most_two_lines(built, size: str) -> None:
    """The metric column gets what the number columns leave, not a fixed share: no metric
    of the default brochure wraps to a third line (it did on A5)."""
    metrics = {row["metric"] for row in rows_of(DEFAULT_CONTENT)}
    seen = set()
    with pdfplumber.open(built(DEFAULT_CONTENT, size)) as pdf:
        for page in pdf.pages:
            chars = table_chars(page, (CELL,))
            for metric in metrics:
                for run in occurrences(chars, metric):
                    seen.add(metric)
                    assert len({round(c["top"]) for c in run}) <= 2, (size, metric)
    assert seen == metrics


def test_han_latin_gap_in_cells_and_chart_labels(built) -> None:
    """Every Han–Latin boundary in a cell or label is ¼ em apart (the composer's gap, made by
    positioning), in the table and again in the chart."""
    def boundary(a: str, b: str) -> bool:
        return bool(HAN.match(a) and LATIN.match(b) or LATIN.match(a) and HAN.match(b))

    gaps: list[float] = []
    with pdfplumber.open(built(TABLES)) as pdf:
        for page in pdf.pages:
            chars = table_chars(page, (CELL,))
            for a, b in zip(chars, chars[1:], strict=False):
                if abs(a["top"] - b["top"]) < 0.5 and boundary(a["text"], b["text"]):
                    gaps.append((b["x0"] - a["x1"]) / a["size"])
    in_metrics = sum(boundary(a, b) for row in rows_of(TABLES) if "change" in row
                     for a, b in zip(row["metric"], row["metric"][1:], strict=False))
    assert in_metrics >= 5 and len(gaps) >= 2 * in_metrics  # table and chart
    assert gaps and all(0.2 <= gap <= 0.3 for gap in gaps), sorted(gaps)[:3]


def test_numbers_line_up_on_the_decimal_point(built) -> None:
    """The value column's decimal points share one x; a whole number ends there."""
    values = [r["value"] for r in rows_of(TABLES)]
    checked = 0
    with pdfplumber.open(built(TABLES)) as pdf:
        for page in pdf.pages:
            chars = table_chars(page)
            stream = "".join(c["text"] for c in chars)
            points, ends = [], []
            for value in values:
                for match in re.finditer(rf"(?<![\d.]){re.escape(value)}(?![\d.])", stream):
                    if "." in value:
                        points.append(chars[match.start() + value.index(".")]["x0"])
                    else:
                        ends.append(chars[match.end() - 1]["x1"])
            if points:
                checked += len(points) + len(ends)
                assert max(points) - min(points) < 0.3
                assert all(abs(end - points[0]) < 0.5 for end in ends), (points[0], ends)
    assert checked >= len(values)


def synthetic(folder: Path) -> tuple[Path, list[dict]]:
    """Tables of 4 to 40 rows after paragraphs of varied length, so that they meet the page
    foot at many heights; every value is unique."""
    blocks: list[dict] = []
    cards: list[dict] = []
    serial = 100
    for number, rows in enumerate((4, 5, 6, 7, 11, 24, 40, 9, 13, 5, 30)):
        blocks.append({"paragraph": han(40 + 97 * number % 400, seed=number) + "。"})
        card_rows = []
        for row in range(rows):
            serial += 1
            card_rows.append({"metric": han(4 + (row * 7) % 17, seed=serial),
                              "value": f"{serial}.{row % 9 + 1}1", "unit": "万元",
                              "change": f"{(row * 13) % 40 - 9}.5"})
        card = {"scorecard": f"表{han(3, seed=1000 + number)}", "rows": card_rows,
                "note": f"注{han(6, seed=2000 + number)}"}
        if number % 3 == 0:
            card["chart"] = "bars"
        cards.append(card)
        blocks.append(card)
    return write(folder, document(*blocks, layout="plain")), cards


def split_faults(pdf: Path, cards: list[dict]) -> tuple[list[str], int]:
    """(What breaks the split rules in the PDF, the number of page breaks inside tables):
    fewer than 3 body rows on a page, a table of fewer than 6 rows split, the title away
    from the first rows, a page of rows without the header, the note away from the last
    rows or more than 20 pt below them."""
    faults: list[str] = []
    splits = 0
    with pdfplumber.open(pdf) as opened:
        pages = opened.pages
        texts = [re.sub(r"\s", "", p.extract_text() or "") for p in pages]
        words = [{w["text"] for w in p.extract_words()} for p in pages]
        for card in cards:
            name, values = card["scorecard"], [row["value"] for row in card["rows"]]
            counts = {n: sum(v in words[n] for v in values) for n in range(len(pages))}
            counts = {n: c for n, c in counts.items() if c}
            assert sum(counts.values()) == len(values), f"{name}: rows not found"
            on = sorted(counts)
            splits += len(on) - 1
            if len(values) < 6 and len(on) > 1:
                faults.append(f"{name} ({len(values)} rows) split")
            if min(counts.values()) < 3:
                faults.append(f"{name}: rows by page {counts}")
            if name not in texts[on[0]]:
                faults.append(f"{name}: title away from its first rows")
            faults += [f"{name}: no header on page {n + 1}" for n in on if "指标" not in texts[n]]
            last = pages[on[-1]]
            note = [c for c in last.chars if abs(c["size"] - NOTE) < 0.01
                    and c["text"] == card["note"][0]]
            if not note:
                faults.append(f"{name}: the note is not on the page of the last rows")
                continue
            row_bottom = max(c["bottom"] for c in last.chars if abs(c["size"] - NUMBER) < 0.01
                             and c["text"] in "0123456789" and c["top"] < note[0]["top"])
            if note[0]["top"] - row_bottom > 20:
                faults.append(f"{name}: the note floats below its table")
    return faults, splits


@pytest.mark.parametrize("size", ("A4", "A5", "大16开"))
def test_tables_split_leaving_three_rows_a_side_with_title_header_and_note(
        tmp_path: Path, size: str) -> None:
    content, cards = synthetic(tmp_path)
    build(content, tmp_path / "doc.pdf", page_size=size)
    faults, splits = split_faults(tmp_path / "doc.pdf", cards)
    assert not faults
    assert splits >= 3, "the content should make tables split"


def test_the_split_check_sees_two_rows_stranded(tmp_path: Path, monkeypatch) -> None:
    """Fault injection: with tables allowed to leave a single row on a page, the check
    above finds pages of fewer than 3 rows."""
    monkeypatch.setattr(scorecard, "MIN_SPLIT_ROWS", 1)
    content, cards = synthetic(tmp_path)
    build(content, tmp_path / "doc.pdf", page_size="A5")
    faults, _ = split_faults(tmp_path / "doc.pdf", cards)
    assert any("rows by page" in fault for fault in faults)


@pytest.mark.parametrize(("content", "size"), [
    (TABLES, "A4"), (TABLES, "A5"), (TABLES, "大16开"), (TABLES, "32开"),
    (DEFAULT_CONTENT, "A4"), (DEFAULT_CONTENT, "A5"), (DEFAULT_CONTENT, "大16开"),
    (DEFAULT_CONTENT, "B5"), (DEFAULT_CONTENT, "32开")])
def test_the_chart_stays_with_its_table_and_its_labels_are_whole(
        built, content: Path, size: str) -> None:
    """The chart begins on the page of its table's last rows (their note), or on the next
    where they fill a page, and every label is printed whole (wrapped, never cut with …)."""
    card = next(b for p in yaml.safe_load(content.read_text(encoding="utf-8"))["parts"]
                for b in p["blocks"] if b.get("chart") == "bars")
    with pdfplumber.open(built(content, size)) as pdf:
        texts = [re.sub(r"\s", "", p.extract_text() or "") for p in pdf.pages]
        note = next(n for n, t in enumerate(texts) if card["note"] in t)
        title = next(n for n, t in enumerate(texts) if f"{card['scorecard']}：同比增长" in t)
        # with its last rows; on 32开 the table's last 3 rows (3 lines each) and the note
        # fill a page, and the chart (40 bars) starts on the next
        apart = (0, 1) if (content, size) == (TABLES, "32开") else (0,)
        assert title - note in apart, f"chart on page {title + 1}, its table ends on {note + 1}"
        labels = [c["text"] for p in pdf.pages[title:title + 3] for c in table_chars(p, (CELL,))]
        assert "…" not in labels
        stream = "".join(c["text"] for p in pdf.pages for c in table_chars(p, (CELL,))
                         if not c["text"].isspace())  # a space at a line end is not set
    for row in card["rows"]:
        if "change" in row:  # in the table and in the chart
            metric = re.sub(r"\s", "", row["metric"])
            assert stream.count(metric) >= 2, f"label {row['metric']} not whole"


def bar_colours(pdf: Path) -> list[tuple[float, ...]]:
    """Fill colours of the chart's bars (the filled rectangles on the chart's page that are
    neither table rows nor page art: as tall as a bar, narrower than the measure)."""
    with pdfplumber.open(pdf) as opened:
        page = next(p for p in opened.pages if "同比增长" in (p.extract_text() or ""))
        return [tuple(r["non_stroking_color"]) for r in page.rects
                if r["fill"] and 3 < r["height"] < 15 and r["width"] < page.width / 2
                and r["top"] > next(c["top"] for c in page.chars if c["text"] == "：")]


def test_bars_take_the_theme_chart_colour(built, tmp_path: Path) -> None:
    rows = [r for r in rows_of(DEFAULT_CONTENT) if "change" in r]
    default = load_theme(theme_path("default"))
    newsletter = load_theme(theme_path("newsletter"))
    assert default.colors["chart"] == default.colors["primary"]  # left out: primary
    assert newsletter.colors["chart"] == newsletter.colors["primary"]  # navy, not red
    navy = tuple(v / 100 for v in newsletter.colors["primary"])
    colours = bar_colours(built(DEFAULT_CONTENT, "A4", "newsletter"))
    assert len(colours) >= len(rows) and set(colours) == {navy}
    theme = tmp_path / "yellow.yaml"
    theme.write_text("name: yellow\nextends: default\ncolors:\n  chart: [0, 0, 100, 0]\n",
                     encoding="utf-8")
    yellow = tmp_path / "yellow.pdf"
    build(DEFAULT_CONTENT, yellow, str(theme))
    assert set(bar_colours(yellow)) == {(0.0, 0.0, 1.0, 0.0)}


def test_numbers_too_wide_for_their_columns_wrap_between_pieces(tmp_path: Path) -> None:
    """Nothing is rejected for length: when the columns of numbers do not fit at their
    natural width (A5 here), every column wraps between its unbreakable pieces, and no
    number is broken; only pieces wider than the page together are an error
    (ColumnsTooWide), naming the scorecard's line."""
    row = {"metric": "指标", "from": "1" * 12, "qualifier": "超过超过", "value": "8" * 12,
           "unit": "平方公里", "change": "-" + "9" * 7}
    path = write(tmp_path, document({"scorecard": "表", "rows": [row]}))
    build(path, tmp_path / "doc.pdf", page_size="A5")
    text = "".join(pypdf.PdfReader(tmp_path / "doc.pdf").pages[-2].extract_text().split())
    assert "1" * 12 in text and "8" * 12 in text and "9" * 7 in text
    path = write(tmp_path, document({"table": "表", "columns": ["指标", {
        "header": "数值", "kind": "number"}], "rows": [["指标", "8" * 90]]}))
    with pytest.raises(BrochureError, match="widest unbreakable pieces take") as caught:
        build(path, tmp_path / "wide.pdf", page_size="A5")
    assert f"{path}:" in str(caught.value) and not (tmp_path / "wide.pdf").exists()
