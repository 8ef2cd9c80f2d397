"""The baseline grid (design.grid): every body line of a built PDF on one grid, read back
glyph by glyph with pdfplumber; both columns on the same baselines; the text after headings,
quotes and tables back on the grid; grid off keeps the spacing the blocks ask for; and the
typography report's rule on lines off the grid (the PDF's XMP says brochure:grid = on).

Each PDF is built once for the module: the second text (headings, quotes, a figure) in the
newsletter theme at A5 (two columns) and in the default theme at A4, that again with the
grid off, and the default content (tables with text under them) in the default theme.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pikepdf
import pytest

from builder.build import build
from builder.cli.main import main
from builder.inspect.typography import GRID_TOLERANCE_PT, analyze_pdf
from builder.pdf.reading import BROCHURE_NS, brochure_property
from builder.source.theme import load_theme, theme_path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONTENT = ROOT / "content" / "xianan-2022.yaml"
SECOND_TEXT = ROOT / "tests" / "data" / "second-text.yaml"

HEADING_TO_TEXT = 22.74
"""Without the grid, a heading's baseline to the next body baseline in the default theme:
the spacing of the layout before the grid (measured on b749c70's builds of the second text),
which grid off keeps."""


@dataclass(frozen=True)
class Line:
    page: int
    baseline: float   # pt from the page top
    x0: float
    size: float
    font: str
    text: str


def read_lines(pdf: Path) -> list[Line]:
    """Every text line of the PDF: glyphs grouped by page, baseline and horizontal run
    (a gap of over 2 em splits two columns)."""
    lines: list[Line] = []
    with pdfplumber.open(pdf) as document:
        for number, page in enumerate(document.pages, start=1):
            rows: dict[float, list[dict]] = defaultdict(list)
            for char in page.chars:
                if char["upright"] and char["text"].strip():
                    rows[round(page.height - char["matrix"][5], 2)].append(char)
            for baseline, chars in sorted(rows.items()):
                chars.sort(key=lambda c: c["x0"])
                run = [chars[0]]
                for char in chars[1:] + [None]:
                    if char is not None and char["x0"] - run[-1]["x1"] < 2 * char["size"]:
                        run.append(char)
                        continue
                    lines.append(Line(number, baseline, run[0]["x0"], round(run[0]["size"], 2),
                                      run[0]["fontname"].partition("+")[2] or run[0]["fontname"],
                                      "".join(c["text"] for c in run)))
                    if char is not None:
                        run = [char]
    return lines


def body_lines(lines: list[Line], size: float) -> list[Line]:
    return [line for line in lines if line.size == size and line.font == "NotoSerifSC-Regular"]


def off_grid(lines: list[Line], step: float, top: float) -> list[Line]:
    """The lines whose baseline is not a whole number of `step`s below `top`'s grid line
    (the first body baseline of a full page)."""
    def off(line: Line) -> float:
        rest = (line.baseline - top) % step
        return min(rest, step - rest)
    return [line for line in lines if off(line) > GRID_TOLERANCE_PT]


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("grid")
    theme = folder / "nogrid.yaml"
    theme.write_text("name: nogrid\nextends: default\ndesign:\n  grid: false\n",
                     encoding="utf-8")
    built = {"newsletter": (SECOND_TEXT, "newsletter", "A5"),
             "default": (SECOND_TEXT, "default", "A4"),
             "content": (DEFAULT_CONTENT, "default", "A4"),
             "off": (SECOND_TEXT, str(theme), "A4")}
    for name, (content, theme_name, size) in built.items():
        build(content, folder / f"{name}.pdf", theme_name, page_size=size)
    return {name: folder / f"{name}.pdf" for name in built}


@pytest.fixture(scope="module")
def lines(pdfs: dict[str, Path]) -> dict[str, list[Line]]:
    return {name: read_lines(pdf) for name, pdf in pdfs.items()}


THEMES = {"newsletter": "newsletter", "default": "default", "content": "default"}


def grid_of(theme_name: str, lines: list[Line]) -> tuple[float, float, list[Line]]:
    """The theme's body leading, the first body baseline of a page whose text starts at
    the frame's top, and the body lines."""
    body = load_theme(theme_path(theme_name)).style("body")
    text = body_lines(lines, body.size)
    top = min(line.baseline for line in text)  # a full page's first line
    return body.leading, top, text


@pytest.mark.parametrize("name", ["newsletter", "default", "content"])
def test_every_body_line_is_on_one_grid(lines: dict[str, list[Line]], name: str) -> None:
    step, top, text = grid_of(THEMES[name], lines[name])
    assert len(text) > 50
    assert off_grid(text, step, top) == []
    pages = {line.page for line in text}
    starts = {min(line.baseline for line in text if line.page == page) for page in pages}
    assert top in starts and len(pages) >= 5  # the grid is the same on every page


def test_both_columns_share_their_baselines(lines: dict[str, list[Line]]) -> None:
    step, top, text = grid_of("newsletter", lines["newsletter"])
    left = min(line.x0 for line in text)
    shared = 0
    for page in {line.page for line in text}:
        columns: dict[bool, set[float]] = defaultdict(set)
        for line in text:
            if line.page == page:
                columns[line.x0 > left + 100].add(line.baseline)
        if len(columns) == 2:
            shared += len(columns[False] & columns[True])
            assert off_grid([Line(page, b, 0, 0, "", "") for b in columns[True]], step, top) \
                == []
    assert shared >= 20  # rows of the two columns on the very same baselines


def next_body_line(lines: list[Line], after: Line, size: float,
                   column: bool = True) -> Line | None:
    """The first body line under `after` (in its column: starting within 3 em of it)."""
    below = [line for line in body_lines(lines, size) if line.page == after.page
             and line.baseline > after.baseline
             and (not column or abs(line.x0 - after.x0) <= 3 * size)]
    return min(below, key=lambda line: line.baseline, default=None)


@pytest.mark.parametrize("name", ["newsletter", "default", "content"])
def test_text_after_headings_and_tables_is_on_the_grid(lines: dict[str, list[Line]],
                                                       name: str) -> None:
    theme = load_theme(theme_path(THEMES[name]))
    step, top, _ = grid_of(THEMES[name], lines[name])
    heading = theme.style("heading").size
    cell = theme.style("table_cell").size
    after: dict[str, list[Line]] = {"heading": [], "table": []}
    for line in lines[name]:
        kind = "heading" if line.size == heading and "Sans" in line.font else \
            "table" if line.size == cell and "Sans" in line.font else None
        found = next_body_line(lines[name], line, theme.style("body").size,
                               column=kind == "heading") if kind else None
        if kind and found is not None and found.baseline - line.baseline < 3 * step:
            after[kind].append(found)
    assert off_grid(after["heading"] + after["table"], step, top) == []
    if name == "content":
        assert after["table"], "no text right under a table"
    else:
        assert after["heading"], "no heading with text under it"


def test_grid_off_keeps_todays_spacing(pdfs: dict[str, Path],
                                       lines: dict[str, list[Line]]) -> None:
    theme = load_theme(theme_path("default"))
    step, top, text = grid_of("default", lines["off"])
    heading = theme.style("heading")
    gaps = []
    for line in lines["off"]:
        if line.size == heading.size and "Sans" in line.font:
            found = next_body_line(lines["off"], line, theme.style("body").size)
            if found is not None:
                gaps.append(round(found.baseline - line.baseline, 2))
    assert gaps and set(gaps) == {HEADING_TO_TEXT}
    assert len(off_grid(text, step, top)) > 10  # the quote, the text after the figure...
    report = analyze_pdf(pdfs["off"])
    assert not report.grid_required and report.ok and report.grid_share is not None \
        and report.grid_share < 0.9
    with pikepdf.open(pdfs["off"]) as off:
        assert brochure_property(off, "grid") is None
    # on: the same headings, the text after them snapped to the grid, never closer
    on_gaps = []
    for line in lines["default"]:
        if line.size == heading.size and "Sans" in line.font:
            found = next_body_line(lines["default"], line, theme.style("body").size)
            if found is not None:
                on_gaps.append(found.baseline - line.baseline)
    assert len(on_gaps) == len(gaps) and min(on_gaps) >= HEADING_TO_TEXT - 0.01


def test_report_row_and_rule(pdfs: dict[str, Path], tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    report = analyze_pdf(pdfs["default"])
    assert report.grid_required and report.grid_share == 1.0 and report.ok
    assert main(["check", "--typography", str(pdfs["default"])]) == 0
    assert "baseline grid: 100.0% of" in capsys.readouterr().out
    # fault: the grid-off file claiming the grid; its lines off the grid are named
    claimed = tmp_path / "claimed.pdf"
    with pikepdf.open(pdfs["off"]) as pdf:
        with pdf.open_metadata() as xmp:
            xmp[f"{{{BROCHURE_NS}}}grid"] = "on"
        pdf.save(claimed)
    with pikepdf.open(claimed) as pdf:
        assert brochure_property(pdf, "grid") == "on"
    assert main(["check", "--typography", str(claimed)]) == 1
    out = capsys.readouterr().out
    faulty = analyze_pdf(claimed)
    step, top, text = grid_of("default", read_lines(pdfs["off"]))
    named = {(f.page, f.text) for f in faulty.off_grid}
    assert named == {(line.page, line.text) for line in off_grid(text, step, top)}
    assert not faulty.ok and "lines off the grid" in out.splitlines()[-1]
    first = faulty.off_grid[0]
    assert f"  p.{first.page} l.{first.line}" in out and first.text in out
    # the rule can be asked for (or waived) whatever the file says
    assert not analyze_pdf(pdfs["off"], grid=True).ok
    assert analyze_pdf(claimed, grid=False).ok


def contents_entries(pdf: Path, size: float) -> list[float]:
    """Baselines (pt from the page top) of the contents entries' page numbers, page 2."""
    with pdfplumber.open(pdf) as document:
        chars = document.pages[1].chars
    return sorted({round(c["bottom"], 2) for c in chars
                   if c["text"].isdigit() and abs(c["size"] - size) < 0.01})


def test_contents_entries_take_whole_lines_of_the_grid(pdfs: dict[str, Path]) -> None:
    """The contents page keeps a grid of its own: each entry (with its headline) takes
    whole body lines, so the entries step by multiples of the body leading; without the
    grid they step by their own heights (51 and 36 pt in the default theme)."""
    theme = load_theme(theme_path("default"))
    step, size = theme.style("body").leading, theme.style("contents_number").size
    on = contents_entries(pdfs["content"], size)
    steps = [b - a for a, b in zip(on, on[1:], strict=False)]
    assert len(on) == 7 and all(abs(s / step - round(s / step)) < 0.01 for s in steps), steps
    off = contents_entries(pdfs["off"], size)
    assert any(abs(s / step - round(s / step)) > 0.05
               for s in (b - a for a, b in zip(off, off[1:], strict=False)))


@pytest.mark.parametrize("theme_name", ["report", "default"])
def test_the_contents_grid_never_costs_a_page(tmp_path: Path, theme_name: str) -> None:
    """On 32开 the report theme's contents runs over onto a second page: then the entries
    are set as without the grid, and the page count is the same with the grid or without."""
    off = tmp_path / "off.yaml"
    off.write_text(f"name: nogrid\nextends: {theme_name}\ndesign:\n  grid: false\n",
                   encoding="utf-8")
    pages = [build(DEFAULT_CONTENT, tmp_path / f"{n}.pdf", t, page_size="32开").pages
             for n, t in (("on", theme_name), ("off", str(off)))]
    assert pages[0] == pages[1]
