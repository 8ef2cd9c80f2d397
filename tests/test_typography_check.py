"""Tests for builder.inspect.typography and `brochure check --typography`, on PDFs drawn glyph
by glyph.

Each test draws lines at exact positions with ReportLab's canvas: a 10 pt body in Noto Serif
SC, a text block 20 em wide from x = 72 pt, 18 pt leading.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from builder.cli.main import main
from builder.errors import BrochureError
from builder.inspect.typography import (
    FULL_WIDTH_MARKS,
    LINE_END_FORBIDDEN,
    LINE_START_FORBIDDEN,
    analyze_pdf,
    format_json,
    format_report,
)
from builder.typeset.fonts import load_face

ROOT = Path(__file__).resolve().parent.parent
SERIF = ROOT / "fonts" / "NotoSerifSC-Regular.ttf"
SANS = ROOT / "fonts" / "NotoSansSC-Regular.ttf"
SIZE = 10.0
LEFT = 72.0
WIDTH = 20                      # characters per line
RIGHT = LEFT + WIDTH * SIZE
LEADING = 18.0
TOP = 760.0                     # baseline of the first line (PDF coordinates)
HAN = "咸安区书写四个首善之区建设奋进答卷踔厉奋发文明城市创建工作深入推进全域协同上台阶"

#: A row: (indent in em, text), or segments [(x in em, text), ...]; None leaves a line empty.
Row = tuple[float, str] | list[tuple[float, str]] | None


def han(count: int, start: int = 0) -> str:
    """``count`` distinct-looking Han characters."""
    return "".join(HAN[(start + i) % len(HAN)] for i in range(count))


def draw_pdf(path: Path, pages: Sequence[Sequence[Row]], *, size: float = SIZE,
             chrome: bool = False) -> Path:
    """Draw each page's rows as body lines; ``chrome`` adds a header, heading and folio."""
    serif = load_face(SERIF).name
    sans = load_face(SANS).name
    pdf = canvas.Canvas(str(path), pagesize=(595.0, 842.0))
    for number, rows in enumerate(pages, start=1):
        if chrome:
            pdf.setFont(sans, 8)
            pdf.drawString(LEFT, 800, "，页眉“")
            pdf.drawString(290, 40, str(number))
            pdf.setFont(sans, 14)
            pdf.drawString(LEFT, TOP + 24, "标")
        pdf.setFont(serif, size)
        for index, row in enumerate(rows):
            if row is None:
                continue
            segments = [row] if isinstance(row, tuple) else row
            for x_em, text in segments:
                pdf.drawString(LEFT + x_em * size, TOP - index * LEADING, text)
        pdf.showPage()
    pdf.save()
    return path


def paragraph(last: int, start: int = 0, lines: int = 4) -> list[Row]:
    """A justified paragraph: indented first line, full lines, a last line of ``last`` chars."""
    rows: list[Row] = [(2, han(WIDTH - 2, start))]
    rows += [(0, han(WIDTH, start + i)) for i in range(1, lines - 1)]
    rows.append((0, han(last, start + 7)))
    return rows


def test_rule_constants_are_strings_of_the_clreq_marks() -> None:
    assert isinstance(LINE_START_FORBIDDEN, str) and isinstance(LINE_END_FORBIDDEN, str)
    for mark in "。．，、：；！？‼⁇”’」』）〕］｝】〗》〉～·・‧/／…‥—–":
        assert mark in LINE_START_FORBIDDEN
    assert set("“‘「『（〔［｛【〖《〈") <= set(LINE_END_FORBIDDEN)
    assert not set(LINE_START_FORBIDDEN) & set(LINE_END_FORBIDDEN)
    assert "…" not in FULL_WIDTH_MARKS and "—" not in FULL_WIDTH_MARKS


def test_flush_paragraphs_pass(tmp_path: Path) -> None:
    pdf = draw_pdf(tmp_path / "a.pdf", [paragraph(7) + paragraph(5, start=3, lines=2)],
                   chrome=True)
    report = analyze_pdf(pdf)
    assert report.body_size == SIZE and report.body_font == "NotoSerifSC-Regular"
    assert (report.body_lines, report.paragraphs) == (6, 2)
    [block] = report.blocks
    assert block.left == pytest.approx(LEFT, abs=0.01)
    assert block.right == pytest.approx(RIGHT, abs=0.01)
    assert block.leading == pytest.approx(LEADING, abs=0.01)
    assert (report.nonfinal_lines, report.flush_lines, report.flush_share) == (4, 4, 1.0)
    assert not (report.forbidden_starts or report.forbidden_ends or report.orphans
                or report.ragged_lines)
    assert report.ok
    assert "summary: ok" in format_report(report)


def test_line_starting_with_a_comma_is_reported(tmp_path: Path) -> None:
    rows = paragraph(6)
    rows[2] = (0, "，" + han(WIDTH - 1, 5))
    report = analyze_pdf(draw_pdf(tmp_path / "b.pdf", [rows], chrome=True))
    [finding] = report.forbidden_starts
    assert (finding.page, finding.line, finding.mark) == (1, 3, "，")
    assert finding.text.startswith("，" + han(3, 5))
    assert not report.forbidden_ends  # the header's "，页眉“" is not body text
    assert not report.ok
    assert "p.1 l.3  「，」  ，" in format_report(report)


def test_line_ending_with_an_opening_quote_is_reported(tmp_path: Path) -> None:
    rows = paragraph(6)
    rows[1] = (0, han(WIDTH - 1, 2) + "“")
    report = analyze_pdf(draw_pdf(tmp_path / "c.pdf", [rows]))
    [finding] = report.forbidden_ends
    assert (finding.page, finding.line, finding.mark) == (1, 2, "“")
    assert report.flush_share == 1.0
    assert not report.ok


def test_ragged_and_hanging_lines_lower_the_flush_share(tmp_path: Path) -> None:
    rows = paragraph(6, lines=5)
    rows[1] = (0, han(WIDTH - 3, 1))             # 3 em short
    rows[2] = (0, han(WIDTH, 2) + "。")           # a stop hanging into the margin
    report = analyze_pdf(draw_pdf(tmp_path / "d.pdf", [rows]))
    assert report.blocks[0].right == pytest.approx(RIGHT, abs=0.01)
    assert (report.nonfinal_lines, report.flush_lines) == (4, 2)
    assert report.flush_share == pytest.approx(0.5)
    short, hanging = report.ragged_lines
    assert (short.line, short.value) == (2, pytest.approx(3 * SIZE, abs=0.01))
    assert (hanging.line, hanging.value) == (3, pytest.approx(-SIZE, abs=0.01))
    assert not report.ok


def test_a_stop_cut_to_half_an_em_at_the_line_end_is_flush(tmp_path: Path) -> None:
    # 19 characters spread over 19.5 em, then "，" whose left half ends at the edge
    step = 19.5 / 19
    cut = [(i * step, ch) for i, ch in enumerate(han(19, 4))] + [(19.5, "，")]
    rows = paragraph(6)
    rows[1] = cut
    report = analyze_pdf(draw_pdf(tmp_path / "cut.pdf", [rows]))
    assert report.flush_share == 1.0 and report.ok


def test_an_opening_quote_cut_at_the_line_start_keeps_the_block(tmp_path: Path) -> None:
    # "“" loses its leading ½ em: its box starts ½ em left of the edge
    step = 18.5 / 18
    rows = paragraph(6)
    rows[2] = [(-0.5, "“")] + [(0.5 + i * step, ch) for i, ch in enumerate(han(19, 3))]
    report = analyze_pdf(draw_pdf(tmp_path / "open.pdf", [rows]))
    assert len(report.blocks) == 1 and report.blocks[0].left == pytest.approx(LEFT)
    assert report.paragraphs == 1 and report.flush_share == 1.0


def test_han_latin_gap_is_measured_in_em(tmp_path: Path) -> None:
    serif = load_face(SERIF).name
    digits = stringWidth("2021", serif, SIZE) / SIZE
    mixed = [(0, "年"), (1.25, "2021"), (1.25 + digits + 0.25, "年实现")]
    rows: list[Row] = [(2, han(18)), (0, han(20, 1)), mixed]
    report = analyze_pdf(draw_pdf(tmp_path / "e.pdf", [rows]))
    gaps = report.han_latin_gaps
    assert gaps.count == 2
    assert gaps.median == pytest.approx(0.25, abs=0.01)
    assert gaps.min == pytest.approx(0.25, abs=0.01)
    assert gaps.max == pytest.approx(0.25, abs=0.01)


def test_adjacent_full_width_marks_take_their_advance(tmp_path: Path) -> None:
    compressed = [(0, han(10) + "。"), (10.5, "”" + han(9, 3))]    # 。” in 1.5 em
    loose = (0, han(8, 2) + "》《" + han(10, 4))                   # 》《 in 2 em
    rows: list[Row] = [(2, han(18)), compressed, loose, (0, han(4))]
    report = analyze_pdf(draw_pdf(tmp_path / "pairs.pdf", [rows]))
    pairs = report.punctuation_pairs
    assert pairs.count == 2
    assert pairs.min == pytest.approx(1.5, abs=0.01)
    assert pairs.max == pytest.approx(2.0, abs=0.01)
    [finding] = report.loose_pairs
    assert (finding.line, finding.mark) == (3, "》《")


def test_justification_stretch_is_not_held_against_a_pair(tmp_path: Path) -> None:
    # every gap stretched by 0.1 em, the pair 。” compressed by ½ em: 1.6 em, net 1.5 em
    text, x, spread = han(8) + "。”" + han(8, 3), 0.0, []
    for a, b in zip(text, text[1:] + " ", strict=True):
        spread.append((x, a))
        x += (0.5 if (a, b) == ("。", "”") else 1.0) + 0.1
    rows: list[Row] = [(2, han(18)), spread, (0, han(4))]
    report = analyze_pdf(draw_pdf(tmp_path / "stretch.pdf", [rows]))
    assert report.punctuation_pairs.max == pytest.approx(1.6, abs=0.01)
    assert report.punctuation_pairs_net.max == pytest.approx(1.5, abs=0.01)
    assert not report.loose_pairs


def test_single_character_last_line_is_reported(tmp_path: Path) -> None:
    page = paragraph(1) + paragraph(2, start=4, lines=2) + [(2, "改！")]
    page[3] = (0, "功。")
    page[5] = (0, "功")
    report = analyze_pdf(draw_pdf(tmp_path / "f.pdf", [page]))
    assert report.paragraphs == 3
    assert [(f.line, f.text) for f in report.orphans] == [(4, "功。"), (6, "功")]
    assert not report.ok
    assert "孤字 (last line of one character): 2" in format_report(report)


def test_paragraph_boundaries_from_gaps_pages_and_columns(tmp_path: Path) -> None:
    first = paragraph(6) + [None] + [(0, han(WIDTH, 1)), (0, han(WIDTH, 2))]  # gap: new para
    first += [(0, han(WIDTH, 3)), (0, han(WIDTH - 3, 4))]   # fills the column, ragged at end
    second = [(0, han(WIDTH, 5)), (0, han(3, 6))]           # continues the paragraph
    report = analyze_pdf(draw_pdf(tmp_path / "pages.pdf", [first, second]))
    assert report.blocks[0].right == pytest.approx(RIGHT)  # not page 2's short line
    assert report.paragraphs == 2
    assert [(f.page, f.line) for f in report.ragged_lines] == [(1, 8)]
    second[0] = (2, han(WIDTH - 2, 5))                     # indented: a new paragraph
    report = analyze_pdf(draw_pdf(tmp_path / "pages2.pdf", [first, second]))
    assert report.paragraphs == 3 and report.flush_share == 1.0


def test_two_columns_are_two_text_blocks(tmp_path: Path) -> None:
    half = WIDTH // 2 - 1                                   # 9 em columns, 2 em gutter
    rows: list[Row] = [
        [(2, han(half - 2)), (11 + 2, han(half - 2, 1))],
        [(0, han(half, 2)), (11, han(half, 3))],
        [(0, han(half - 3, 4)), (11, han(half, 5))],       # left column: ragged
        [(0, han(2, 6)), (11, han(3, 7))],
    ]
    report = analyze_pdf(draw_pdf(tmp_path / "columns.pdf", [rows]))
    assert [(b.left, b.right) for b in report.blocks] == [
        (pytest.approx(LEFT), pytest.approx(LEFT + half * SIZE)),
        (pytest.approx(LEFT + 11 * SIZE), pytest.approx(LEFT + (11 + half) * SIZE))]
    assert report.paragraphs == 2
    assert (report.nonfinal_lines, report.flush_lines) == (6, 5)


def test_body_size_can_be_given(tmp_path: Path) -> None:
    pdf = draw_pdf(tmp_path / "size.pdf", [paragraph(7)], chrome=True)
    report = analyze_pdf(pdf, body_size=8)
    assert report.body_font == "NotoSansSC-Regular"
    assert [f.mark for f in report.forbidden_starts] == ["，"]      # the header
    assert [f.mark for f in report.forbidden_ends] == ["“"]
    assert analyze_pdf(pdf, body_size=30).body_lines == 0


def test_missing_or_broken_pdf_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(BrochureError, match="PDF not found"):
        analyze_pdf(tmp_path / "none.pdf")
    junk = tmp_path / "junk.pdf"
    junk.write_text("not a pdf")
    with pytest.raises(BrochureError, match="cannot read the PDF"):
        analyze_pdf(junk)


def test_cli_exit_status_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = draw_pdf(tmp_path / "good.pdf", [paragraph(7)])
    bad_rows = paragraph(1)
    bad_rows[1] = (0, "，" + han(WIDTH - 1, 2))
    bad = draw_pdf(tmp_path / "bad.pdf", [bad_rows])

    assert main(["check", "--typography", str(good)]) == 0
    assert "summary: ok" in capsys.readouterr().out
    assert main(["check", "--typography", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "forbidden line starts: 1" in out and "summary: FAIL" in out

    assert main(["check", "--typography", str(bad), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False and data["body_size"] == SIZE
    assert data["forbidden_starts"][0] == {
        "rule": "forbidden-start", "severity": "error", "message": "the line starts with 「，」",
        "hint": "", "page": 1, "line": 2, "column": 0, "text": "，" + han(WIDTH - 1, 2),
        "mark": "，", "value": None, "fix": None, "place": ""}
    assert data["orphans"][0]["text"] == han(1, 7)
    assert data["flush_share"] == 1.0 and data["nonfinal_lines"] == 3
    assert set(data["han_latin_gaps"]) == {"count", "median", "min", "max"}
    assert json.loads(format_json(analyze_pdf(good)))["ok"] is True

    assert main(["check", "--typography", str(tmp_path / "none.pdf")]) == 2
    assert "PDF not found" in capsys.readouterr().err
    assert main(["check", "--typography", str(good), "--body-size", "10"]) == 0
    with pytest.raises(SystemExit):
        main(["check", "--body-size", "10"])


def test_a_letter_spaced_line_is_read_as_one_loose_line(tmp_path: Path) -> None:
    """Four characters justified over a 9 em column (gaps of 1⅔ em, wider than a gutter)
    are one line, and the loosest; the 2 em gutter beside it still parts the columns."""
    half = WIDTH // 2 - 1
    spaced = [(i * 8 / 3, han(1, 20 + i)) for i in range(4)]
    rows: list[Row] = [
        [(2, han(half - 2)), (11 + 2, han(half - 2, 1))],
        [*spaced, (11, han(half, 3))],
        [(0, han(half, 2)), (11, han(half, 5))],
        [(0, han(3, 6)), (11, han(3, 7))],
    ]
    report = analyze_pdf(draw_pdf(tmp_path / "spaced.pdf", [rows]))
    assert len(report.blocks) == 2 and report.paragraphs == 2
    assert report.loosest_line is not None
    assert report.loosest_line.text == han(4, 20)
    assert report.loosest_line.value == pytest.approx(8 / 3 - 1, abs=0.01)
    assert [f.text for f in report.loose_lines] == [han(4, 20)]
