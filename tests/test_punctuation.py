"""Punctuation styles (全角式 quanjiao, 开明式 kaiming, 半角式 banjiao) and the line-start rules
(clreq 3.1.6.2), measured from glyph positions in built PDFs read back with pdfplumber.

Widths are read as the advance from a mark's box to the next glyph's box, less the line's
justification stretch (the median gap between two Han characters of the line): a full-width
mark advances 1 em, a half-width one ½ em. A line-start bracket cut to half width has its box
start ½ em left of where the line's text starts (the ink half stays in the text block).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pytest
from content_factory import document, han, write

import builder.typeset.compose as compose_module
from builder.build import build
from builder.cli.main import main
from builder.inspect.typography import analyze_pdf
from builder.source.model import PUNCTUATION_STYLES
from builder.typeset.clreq import LINE_START_FORBIDDEN
from builder.typeset.clreq import PUNCTUATION_STYLES as CLREQ_STYLES

BODY = 10.5    # the default theme's body size, pt
LINE = 42      # body characters a line on A4 in the default theme (441 pt)
INDENT = 2     # em, the body's first-line indent


def styled(seed: int) -> str:
    """A paragraph with every kind of mark: pauses, stops, quotes, brackets, adjacent pairs."""
    return (han(10, seed) + "，" + han(6, seed + 1) + "。" + han(8, seed + 2) + "：“"
            + han(6, seed + 3) + "”，" + han(10, seed + 4) + "？" + han(6, seed + 5) + "（"
            + han(4, seed + 6) + "）" + han(9, seed + 7) + "、" + han(12, seed + 8) + "；"
            + han(14, seed + 9) + "。”")


QUOTED = "“" + han(20, 30) + "”" + han(6, 31) + "约翰·史密斯" + han(60, 32) + "。"
"""A paragraph starting with an opening quote, inside the first-line indent; an interpunct
in its first line."""
BRACKETED = han(LINE - INDENT, 40) + "（" + han(20, 41) + "）" + han(8, 42) + "。"
"""A first line of exactly 40 Han characters: the second line starts with （."""
NAMED = han(LINE - INDENT - 3, 50) + "史蒂文·巴奈特" + han(30, 51) + "。"
"""Without the rule, the best break falls before the interpunct (·)."""


def content(tmp: Path, punctuation_blocks: bool = True) -> Path:
    blocks: list[dict[str, object]] = [{"paragraph": QUOTED}, {"paragraph": BRACKETED},
                                       {"paragraph": NAMED}, {"paragraph": styled(100)}]
    if punctuation_blocks:
        blocks += [{"paragraph": styled(200), "punctuation": "kaiming"},
                   {"paragraph": styled(300), "punctuation": "banjiao"},
                   {"paragraph": styled(400), "punctuation": "quanjiao"}]
    return write(tmp, document(*blocks, layout="plain"))


def theme(tmp: Path, name: str, design: str) -> Path:
    path = tmp / f"{name}.yaml"
    path.write_text(f"name: {name}\nextends: default\ndesign:\n{design}", encoding="utf-8")
    return path


@dataclass
class Char:
    text: str
    x0: float
    x1: float


@dataclass
class Lines:
    """The body-size lines of a PDF, top to bottom, with the text block's left edge."""

    lines: list[list[Char]]
    left: float

    def text(self, line: list[Char]) -> str:
        return "".join(c.text for c in line)

    def containing(self, piece: str) -> list[Char]:
        found = [line for line in self.lines if piece in self.text(line)]
        assert found, f"no line holds {piece}"
        return found[0]

    def starting(self, char: str) -> list[list[Char]]:
        return [line for line in self.lines if line[0].text == char]


def read_lines(pdf: Path) -> Lines:
    lines: list[list[Char]] = []
    with pdfplumber.open(pdf) as document_pdf:
        for page in document_pdf.pages:
            rows: dict[float, list[Char]] = {}
            for char in page.chars:
                if abs(char["size"] - BODY) < 0.05 and char["text"].strip():
                    rows.setdefault(round(char["top"], 1), []).append(
                        Char(char["text"], char["x0"], char["x1"]))
            lines += [sorted(rows[top], key=lambda c: c.x0) for top in sorted(rows)]
    starts = [round(line[0].x0, 1) for line in lines if line[0].text not in "“（"]
    return Lines(lines, min(starts))


def stretch(line: list[Char]) -> float:
    """The line's justification stretch in pt: its median Han-to-Han gap."""
    gaps = [b.x0 - a.x1 for a, b in zip(line, line[1:], strict=False)
            if "\u4e00" <= a.text <= "\u9fff" and "\u4e00" <= b.text <= "\u9fff"]
    return statistics.median(gaps) if gaps else 0.0


def advances(lines: Lines, seed: int, mark: str) -> list[float]:
    """In em: from `mark` to the Han character after it, less the stretch, in paragraph
    `styled(seed)` (found by its first characters)."""
    first = lines.lines.index(lines.containing(han(10, seed)))
    found = []
    for line in lines.lines[first:first + 3]:
        for a, b in zip(line, line[1:], strict=False):
            if a.text == mark and "\u4e00" <= b.text <= "\u9fff":
                found.append(round((b.x0 - a.x0 - stretch(line)) / BODY, 2))
    assert found, f"no {mark} followed by Han in paragraph {seed}"
    return found


def pair(lines: Lines, seed: int, marks: str) -> float:
    """In em: what two adjacent marks take, from the first's box to the next glyph's box
    (less the stretch), in paragraph styled(seed). (A half-width mark's box still spans
    1 em: its x1 is not where the next glyph starts.)"""
    first = lines.lines.index(lines.containing(han(10, seed)))
    for line in lines.lines[first:first + 3]:
        for a, b, c in zip(line, line[1:], line[2:], strict=False):
            if a.text + b.text == marks:
                return round((c.x0 - a.x0 - stretch(line)) / BODY, 2)
    raise AssertionError(f"no {marks} in paragraph {seed}")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Lines]:
    """The default theme (quanjiao, line-start brackets half) with per-block styles."""
    tmp = tmp_path_factory.mktemp("punct")
    pdf = tmp / "default.pdf"
    build(content(tmp), pdf, profile="screen")
    return pdf, read_lines(pdf)


@pytest.fixture(scope="module")
def kaiming_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A theme whose punctuation is kaiming; one block sets quanjiao, one banjiao."""
    tmp = tmp_path_factory.mktemp("kaiming")
    pdf = tmp / "kaiming.pdf"
    build(content(tmp), pdf, str(theme(tmp, "kai", "  punctuation: kaiming\n")),
          profile="screen")
    return pdf


@pytest.fixture(scope="module")
def kaiming_theme(kaiming_pdf: Path) -> Lines:
    return read_lines(kaiming_pdf)


def test_the_styles_are_named_alike_in_the_content_model_and_clreq() -> None:
    assert PUNCTUATION_STYLES == CLREQ_STYLES


@pytest.mark.parametrize(("seed", "pause", "stop"), [
    (100, 1.0, 1.0),   # the theme's quanjiao: every mark 1 em
    (400, 1.0, 1.0),   # a block's quanjiao
    (200, 0.5, 1.0),   # a block's kaiming: ，、；： half, 。？ full
    (300, 0.5, 0.5),   # a block's banjiao: every mark half
])
def test_each_style_sets_its_marks_to_its_widths(built: tuple[Path, Lines], seed: int,
                                                  pause: float, stop: float) -> None:
    lines = built[1]
    for mark in "，、；":
        assert advances(lines, seed, mark) == pytest.approx([pause] * len(
            advances(lines, seed, mark)), abs=0.03), mark
    for mark in "。？":
        assert advances(lines, seed, mark) == pytest.approx([stop] * len(
            advances(lines, seed, mark)), abs=0.03), mark


@pytest.mark.parametrize(("seed", "quote", "close_pause"), [
    (100, 1.5, 1.5),   # quanjiao: two full marks compressed to 1.5 em
    (200, 1.0, 1.0),   # kaiming: two half marks, nothing more to compress
    (300, 1.0, 1.0),   # banjiao
])
def test_adjacent_marks_are_compressed_consistently_with_the_style(
        built: tuple[Path, Lines], seed: int, quote: float, close_pause: float) -> None:
    lines = built[1]
    assert pair(lines, seed, "：“") == pytest.approx(quote, abs=0.03)
    assert pair(lines, seed, "”，") == pytest.approx(close_pause, abs=0.03)


def test_a_theme_sets_the_style_and_a_block_overrides_it(kaiming_theme: Lines) -> None:
    assert set(advances(kaiming_theme, 100, "，")) == {0.5}   # the theme's kaiming
    assert set(advances(kaiming_theme, 100, "。")) == {1.0}
    assert set(advances(kaiming_theme, 300, "。")) == {0.5}   # the block's banjiao
    assert set(advances(kaiming_theme, 400, "，")) == {1.0}   # the block's quanjiao


def test_the_report_measures_the_style_and_passes_its_half_marks(kaiming_pdf: Path) -> None:
    report = analyze_pdf(kaiming_pdf)
    assert report.punctuation_style == "kaiming"
    # 。” at a paragraph's end: 1 em and ½ em, not the 2 em the second mark's box spans
    assert report.loose_pairs == []
    assert report.punctuation_pairs.max == pytest.approx(1.5, abs=0.01)
    assert report.ok


def test_a_paragraph_starting_with_a_quote_cuts_its_empty_half_inside_the_indent(
        built: tuple[Path, Lines]) -> None:
    lines = built[1]
    first = lines.containing(han(20, 30))
    assert first[0].text == "“"
    # the quote's box starts ½ em before the indent: its ink starts at the indent
    assert (first[0].x0 - lines.left) / BODY == pytest.approx(INDENT - 0.5, abs=0.02)
    assert (first[1].x0 - lines.left) / BODY == pytest.approx(INDENT + 0.5, abs=0.05)


def test_a_line_starting_with_a_bracket_cuts_its_empty_half(
        built: tuple[Path, Lines]) -> None:
    lines = built[1]
    starting = [line for line in lines.starting("（") if han(20, 41)[:4] in lines.text(line)]
    assert starting, "the second line of BRACKETED should start with （"
    line = starting[0]
    assert (line[0].x0 - lines.left) / BODY == pytest.approx(-0.5, abs=0.02)
    assert (line[1].x0 - lines.left) / BODY == pytest.approx(0.5, abs=0.05)


def test_the_report_counts_the_cut_brackets_and_passes(built: tuple[Path, Lines]) -> None:
    report = analyze_pdf(built[0])
    assert report.start_brackets == []
    assert report.start_brackets_cut >= 2
    assert report.interpunct_starts == []
    # paragraphs 100 and 400 in quanjiao, 200 in kaiming, 300 in banjiao: 4 pauses each
    assert report.pause_marks["half"] == 8
    assert report.stop_marks["half"] == 2       # banjiao's 。？
    assert report.stop_marks["full"] >= 6       # quanjiao's and kaiming's


def test_full_width_line_start_brackets_are_reported(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Fault injection: a theme that keeps line-start brackets full width."""
    pdf = tmp_path / "full.pdf"
    build(content(tmp_path, punctuation_blocks=False), pdf,
          str(theme(tmp_path, "full", "  line_start_bracket: full\n")), profile="screen")
    lines = read_lines(pdf)
    quoted = lines.containing(han(20, 30))
    assert (quoted[0].x0 - lines.left) / BODY == pytest.approx(INDENT, abs=0.02)
    assert main(["check", "--typography", str(pdf)]) == 1
    out = capsys.readouterr().out
    assert "line-start brackets at full width: 2" in out
    assert "「“」 at +2.00 em" in out and "「（」 at +0.00 em" in out


def test_the_interpunct_never_starts_a_line_and_is_half_width(
        built: tuple[Path, Lines]) -> None:
    lines = built[1]
    assert "·" in LINE_START_FORBIDDEN
    assert not lines.starting("·")
    line = lines.containing("约翰·史")
    dot = line.index(next(c for c in line if c.text == "·"))
    before, after = line[dot - 1], line[dot + 1]
    # half an em between its neighbours (plus the line's stretch on each side), ink centred
    room = (after.x0 - before.x1 - 2 * stretch(line)) / BODY
    assert room == pytest.approx(0.5, abs=0.03)
    ink_centre = (line[dot].x0 + line[dot].x1) / 2  # the serif font's · is centred in its box
    assert ink_centre - before.x1 - stretch(line) == pytest.approx(0.25 * BODY, abs=0.3)


@pytest.mark.parametrize("language", ["zh-TW", "zh-Hant-HK"])
def test_traditional_chinese_gives_the_interpunct_a_whole_em(tmp_path: Path,
                                                             language: str) -> None:
    """clreq: the interpunct is half width in Simplified Chinese only; a document whose
    language is Taiwan's or Hong Kong's sets it in a full em, ink centred."""
    source = document({"paragraph": QUOTED}, layout="plain")
    source["meta"]["language"] = language
    pdf = tmp_path / "hant.pdf"
    build(write(tmp_path, source), pdf, profile="screen")
    line = read_lines(pdf).containing("约翰·史")
    dot = line.index(next(c for c in line if c.text == "·"))
    before, after = line[dot - 1], line[dot + 1]
    assert (after.x0 - before.x1 - 2 * stretch(line)) / BODY == pytest.approx(1.0, abs=0.03)
    ink_centre = (line[dot].x0 + line[dot].x1) / 2
    assert ink_centre - before.x1 - stretch(line) == pytest.approx(0.5 * BODY, abs=0.3)


def test_without_the_rule_the_interpunct_would_start_a_line_and_is_reported(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault injection: the composer's line-start table without ·, and without the penalty
    that also keeps a name with its interpunct (clreq.kept_spans)."""
    monkeypatch.setattr(compose_module, "LINE_START_FORBIDDEN",
                        LINE_START_FORBIDDEN.replace("·", ""))
    monkeypatch.setattr(compose_module, "KEPT_PENALTY", 0.0)
    compose_module._CACHE.clear()
    pdf = tmp_path / "dot.pdf"
    build(content(tmp_path, punctuation_blocks=False), pdf, profile="screen")
    compose_module._CACHE.clear()
    assert read_lines(pdf).starting("·")
    report = analyze_pdf(pdf)
    assert [f.mark for f in report.interpunct_starts] == ["·"]
    assert not report.ok
