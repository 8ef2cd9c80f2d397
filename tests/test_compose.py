"""The clreq composer, checked on glyph positions read back from a PDF with pdfplumber."""

from __future__ import annotations

import io
import statistics
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pytest
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from builder.source.theme import load_theme, theme_path
from builder.typeset.clreq import (
    BLANK_LEFT,
    BLANK_RIGHT,
    LINE_END_FORBIDDEN,
    LINE_START_FORBIDDEN,
    is_han,
    is_latin,
)
from builder.typeset.typesetter import Typesetter, register_theme_fonts

SIZE = 10.0
LEFT = 72.0


@dataclass
class SetLine:
    chars: list[dict]

    @property
    def text(self) -> str:
        return "".join(c["text"] for c in self.chars)


@dataclass
class SetParagraph:
    lines: list[SetLine]
    pdf: bytes
    right: float

    def flush(self, line: SetLine) -> bool:
        """The line's ink reaches the right edge (a line-end mark may be set half width)."""
        last = line.chars[-1]
        if abs(last["x1"] - self.right) <= 0.5:
            return True
        return last["text"] in BLANK_RIGHT and last["x0"] + SIZE / 2 - 0.5 <= self.right \
            <= last["x1"] + 0.5


@pytest.fixture(scope="module")
def typesetter() -> Typesetter:
    theme = load_theme(theme_path("default"))
    return Typesetter(theme, register_theme_fonts(theme))


def set_paragraph(typesetter: Typesetter, text: str, chars_per_line: float,
                  indent: float = 0.0, align: str = "justify") -> SetParagraph:
    """Typeset `text` in a column `chars_per_line` em wide and read its glyphs back."""
    width = chars_per_line * SIZE
    style = typesetter.text_style("body", align)
    style = type(style)(**{**style.__dict__, "size": SIZE, "leading": 18.0, "indent": indent})
    paragraph = typesetter.paragraph(text, "body", align)
    paragraph.style = style
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width + 2 * LEFT, 800), invariant=1)
    _, height = paragraph.wrap(width, 700)
    paragraph.drawOn(canvas, LEFT, 760 - height)
    canvas.save()
    pdf = buffer.getvalue()
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        chars = [c for c in document.pages[0].chars if c["text"].strip()]
    lines: dict[float, list[dict]] = {}
    for char in chars:
        lines.setdefault(round(char["matrix"][5], 1), []).append(char)  # the baseline
    ordered = [SetLine(sorted(v, key=lambda c: c["x0"]))
               for _, v in sorted(lines.items(), reverse=True)]
    return SetParagraph(ordered, pdf, LEFT + width)


def assert_clreq(paragraph: SetParagraph) -> None:
    for number, line in enumerate(paragraph.lines, start=1):
        assert line.text[0] not in LINE_START_FORBIDDEN, f"line {number} starts: {line.text}"
        assert line.text[-1] not in LINE_END_FORBIDDEN, f"line {number} ends: {line.text}"
        assert line.chars[-1]["x1"] <= paragraph.right + SIZE / 2 + 0.01, "overflows"
    for number, line in enumerate(paragraph.lines[:-1], start=1):
        assert paragraph.flush(line), f"line {number} is not flush right: {line.text}"


def test_closing_mark_never_starts_a_line(typesetter: Typesetter) -> None:
    # greedy filling would put "，" or "。" first on lines 2 and 3
    text = "一二三四五六七八九十，一二三四五六七八九十。一二三四五六七八九十”好的。"
    paragraph = set_paragraph(typesetter, text, 10)
    assert_clreq(paragraph)
    assert len(paragraph.lines) >= 3


def test_opening_mark_never_ends_a_line(typesetter: Typesetter) -> None:
    text = "一二三四五六七八九“十一二三四五六七八《九十一二三四五六七八九十。"
    paragraph = set_paragraph(typesetter, text, 10)
    assert_clreq(paragraph)


@pytest.mark.parametrize("token", ["17.28%", "7.96", "2021", "G351", "C919", "5G+",
                                   "2023－2025", "ReportLab"])
def test_numbers_and_latin_words_are_never_split(typesetter: Typesetter, token: str) -> None:
    for shift in range(6):  # move the token across the line end
        text = "一" * (8 + shift) + token + "亿元的投资项目正在推进中，今年完成。"
        paragraph = set_paragraph(typesetter, text, 12)
        holders = [line.text for line in paragraph.lines if token[0] in line.text
                   and any(c in line.text for c in token[-1])]
        assert any(token in line for line in holders), (shift, [ln.text for ln in
                                                             paragraph.lines])
        assert_clreq(paragraph)


def test_consecutive_marks_are_compressed_to_one_and_a_half_em(typesetter: Typesetter) -> None:
    text = "他说：“我们到了。”大家说，“好！”然后（见上文）、《甲》《乙》都在。"
    paragraph = set_paragraph(typesetter, text, 40, align="left")
    chars = [c for line in paragraph.lines for c in line.chars]
    pairs = 0
    for first, second in zip(chars, chars[1:], strict=False):
        if (first["text"] in BLANK_RIGHT + BLANK_LEFT and second["text"] in
                BLANK_RIGHT + BLANK_LEFT and (first["text"] in BLANK_RIGHT
                                             or second["text"] in BLANK_LEFT)):
            pairs += 1
            assert second["x1"] - first["x0"] <= 1.5 * SIZE + 0.01, first["text"] + second["text"]
    assert pairs >= 6


def test_han_latin_gap_is_a_quarter_em_made_by_positioning(typesetter: Typesetter) -> None:
    text = ("全区完成一般公共预算收入7.96亿元，同比增长10.1%，在库项目133个，"
            "G351国道沿线共有5G基站86座，C919客机于2023年交付。")
    paragraph = set_paragraph(typesetter, text, 20)
    gaps = []
    for line in paragraph.lines:
        for a, b in zip(line.chars, line.chars[1:], strict=False):
            if (is_han(a["text"]) and is_latin(b["text"])) or (is_latin(a["text"])
                                                                and is_han(b["text"])):
                gaps.append((b["x0"] - a["x1"]) / SIZE)
    assert len(gaps) >= 10
    assert 0.2 <= statistics.median(gaps) <= 0.3, gaps
    assert min(gaps) >= 0.12
    extracted = "".join(PdfReader(io.BytesIO(paragraph.pdf)).pages[0].extract_text().split())
    assert extracted == text  # the gap is positioning, not a space character
    assert_clreq(paragraph)


def test_every_line_but_the_last_is_justified(typesetter: Typesetter) -> None:
    text = Path(__file__).resolve().parent.parent.joinpath(
        "content/xianan-2022.yaml").read_text(encoding="utf-8").split("- paragraph: ")[7]
    text = text.split("\n")[0]
    paragraph = set_paragraph(typesetter, text, 21.5, indent=2)
    assert len(paragraph.lines) >= 5
    assert_clreq(paragraph)
    first = paragraph.lines[0].chars[0]["x0"]
    assert abs(first - (LEFT + 2 * SIZE)) < 0.01, "first line indent is not 2 em"
    assert all(abs(line.chars[0]["x0"] - LEFT) < 0.01 for line in paragraph.lines[1:])


def test_last_line_never_holds_a_single_character(typesetter: Typesetter) -> None:
    for extra in range(1, 4):
        text = "这是一个测试句子用来检查孤字" * 2 + "好" * extra + "。"
        paragraph = set_paragraph(typesetter, text, 14)
        last = paragraph.lines[-1].text
        letters = [c for c in last if c not in BLANK_RIGHT + BLANK_LEFT]
        assert len(letters) >= 2, [line.text for line in paragraph.lines]
        assert_clreq(paragraph)


def test_ellipsis_and_dash_halves_stay_together(typesetter: Typesetter) -> None:
    for shift in range(4):
        text = "一" * (7 + shift) + "这个……那个——还有好多好多的事情要做完才行。"
        paragraph = set_paragraph(typesetter, text, 10)
        for line in paragraph.lines:
            assert not line.text.startswith(("…", "—")), line.text
        assert_clreq(paragraph)


def test_text_extracts_exactly_as_written(typesetter: Typesetter) -> None:
    text = ("“过去要上街、排队办的养老保险资格认证，如今在社区就能直接办好！”"
            "温泉镇南昌路社区84岁居民李保国称赞。")
    paragraph = set_paragraph(typesetter, text, 13, indent=2)
    extracted = PdfReader(io.BytesIO(paragraph.pdf)).pages[0].extract_text()
    assert extracted.replace("\n", "") == text


def test_bold_markup_and_literal_text(typesetter: Typesetter) -> None:
    text = "这是**加粗**的文字，而<b>标签</b>与&amp;原样印出。"
    paragraph = set_paragraph(typesetter, text, 40, align="left")
    chars = [c for line in paragraph.lines for c in line.chars]
    printed = "".join(c["text"] for c in chars)
    assert printed == "这是加粗的文字，而<b>标签</b>与&amp;原样印出。"
    bold = "".join(c["text"] for c in chars if "Bold" in c["fontname"])
    assert bold == "加粗"
