"""Nothing lost: every text of the content is printed (as the layout's record says) and read
back from the built PDF on the page the record gives, in order, or the build fails naming the
text and where it is written, and leaves the old PDF alone."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import Built
from content_factory import document, han, write
from reportlab.pdfgen.canvas import Canvas

from builder.build import build
from builder.errors import BrochureError
from builder.inspect.verify import missing_texts
from builder.layout import document as layout
from builder.layout import tables as scorecard
from builder.pdf.profile import PRINT
from builder.source.content import load_document
from builder.source.model import Document, Figure, Heading, Paragraph, Quote, Scorecard
from builder.source.texts import Text, texts
from builder.source.theme import load_theme, theme_path
from builder.typeset.record import PrintRecord
from builder.typeset.typesetter import ComposedParagraph, register_theme_fonts


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A document with every kind of text, built once to leave a 'previous' PDF."""
    doc = document(
        {"paragraph": "第一段正文。"}, {"heading": "一个小标题"},
        {"paragraph": "第二段正文，很长。" + han(300, seed=2) + "。"},
        {"quote": "引用的话。", "source": "某人"}, {"figure": "图片说明文字"},
        {"scorecard": "成绩表", "note": "数据来源：统计局。",
         "rows": [{"metric": "一般公共预算收入", "value": "7.96", "unit": "亿元",
                   "change": "10.1"},
                  {"metric": "常住人口城镇化率", "from": "68.09", "value": "70", "unit": "%"},
                  {"metric": "新增市场主体", "qualifier": "超", "value": "2", "unit": "万户",
                   "remark": "以上"}]},
        layout="section", headline="这一部分的大标题", tag="首善之区")
    doc["meta"] |= {"kicker": "喜迎盛会", "subtitle": "副标题文字", "lead": "导语一段话。",
                    "issuer": "某区"}
    path = write(tmp_path, doc)
    build(path, tmp_path / "doc.pdf")
    return path


def drop(monkeypatch, condition) -> None:
    """Make the layout leave out the blocks for which condition(block) is true."""
    original = layout.StoryBuilder.block

    def block(self, item, part):
        return [] if condition(item) else original(self, item, part)

    monkeypatch.setattr(layout.StoryBuilder, "block", block)


def drop_cells(monkeypatch, condition) -> None:
    """Make the layout's scorecard tables leave out the cells (row, column) for which
    condition(row, column) is true: blank them, or (condition returns 'row') the row."""
    original = scorecard.ScorecardTable.cell

    def cell(self, row, column):
        return "" if condition(row, column) else original(self, row, column)

    monkeypatch.setattr(scorecard.ScorecardTable, "cell", cell)


def assert_build_names(path: Path, what: str, needle: str) -> None:
    before = (path.parent / "doc.pdf").read_bytes()
    with pytest.raises(BrochureError) as caught:
        build(path, path.parent / "doc.pdf")
    message = str(caught.value)
    text = path.read_text(encoding="utf-8")
    index = text.index(needle)
    line = text.count("\n", 0, index) + 1
    column = index - text.rfind("\n", 0, index)
    assert message.startswith(f"{path}:{line}:{column}: error: the {what} "), message
    assert needle[:10] in message and "missing from the PDF" in message
    assert (path.parent / "doc.pdf").read_bytes() == before, "the old PDF was touched"


def test_everything_is_found_when_nothing_is_dropped(content: Path) -> None:
    doc = load_document(content)
    theme = load_theme(theme_path("default"))
    laid_out = layout.layout_document(doc, theme, register_theme_fonts(theme), PRINT)
    drawn = laid_out.record.sources_drawn()
    assert {t.what for t in texts(doc) if t.source in drawn} >= {
        "paragraph", "heading", "quote", "quote source", "figure caption", "row 'metric'",
        "row 'value'", "row 'unit'", "row 'change'", "row 'from'", "row 'qualifier'",
        "row 'remark'", "scorecard title", "scorecard note", "part 'title'",
        "part 'headline'", "part 'tag'", "meta 'kicker'", "meta 'lead'", "meta 'title'",
        "meta 'subtitle'", "meta 'issuer'", "meta 'date'"}
    assert missing_texts(doc, laid_out.pdf, laid_out.record) == []


@pytest.mark.parametrize(("kind", "what", "needle"), [
    (Paragraph, "paragraph", "第一段正文。"),
    (Heading, "heading", "一个小标题"),
    (Quote, "quote", "引用的话。"),
    (Figure, "figure caption", "图片说明文字"),
])
def test_a_dropped_block_fails_the_build_and_is_named(content: Path, monkeypatch, kind,
                                                      what: str, needle: str) -> None:
    drop(monkeypatch, lambda block: isinstance(block, kind))
    assert_build_names(content, what, needle)


def test_a_dropped_table_row_fails_the_build_and_is_named(content: Path, monkeypatch) -> None:
    drop_cells(monkeypatch, lambda row, column: row.metric == "常住人口城镇化率")
    assert_build_names(content, "row 'metric'", "常住人口城镇化率")


def test_a_cell_dropped_from_a_row_is_named(content: Path, monkeypatch) -> None:
    drop_cells(monkeypatch, lambda row, column: column == "unit" and row.unit == "万户")
    assert_build_names(content, "row 'unit'", "万户")


def test_a_paragraph_losing_lines_in_a_split_is_named(tmp_path: Path, monkeypatch) -> None:
    path = write(tmp_path, document({"paragraph": "很长的一段。" + han(3000, seed=7) + "。"}))
    build(path, tmp_path / "doc.pdf")
    original = ComposedParagraph.split

    def split(self, width, height):  # the continued part loses its last line
        parts = original(self, width, height)
        if len(parts) == 2:
            parts[1].lines = parts[1].lines[:-1]
        return parts

    monkeypatch.setattr(ComposedParagraph, "split", split)
    assert_build_names(path, "paragraph", "很长的一段。")


def test_cover_and_contents_texts_are_checked(content: Path, monkeypatch) -> None:
    monkeypatch.setattr(layout.PageArt, "cover", lambda self, canv: None)
    assert_build_names(content, "meta 'kicker'", "喜迎盛会")


def record_of(doc: Document, *pages: list[str | tuple[str, Text]]) -> PrintRecord:
    """A record of the front texts and the given pieces drawn on pages 1, 2, ...: a piece
    is a content text drawn whole, or (text, content text) a piece of it."""
    record = PrintRecord()
    by_value = {text.value: text for text in texts(doc)}
    whole: dict[str, int] = {}
    for number, page in enumerate(pages, start=1):
        canvas = type("Page", (), {"getPageNumber": lambda self, n=number: n})()
        for piece in page:
            if isinstance(piece, str):
                text = by_value[piece]
                record.printed(canvas, piece, "body", (text.owner, text.field))
            else:
                shown, text = piece
                if text.value not in whole:
                    whole[text.value] = record.expect(text.value, "body",
                                                      (text.owner, text.field))
                record.drew(canvas, whole[text.value], shown)
    return record


FRONT = ["测试手册", "2022", "第一部分"]


def pdf_of(*pages: list[tuple[float, float, str]]) -> bytes:
    """A PDF whose pages carry these strings at (x, y) in the body font."""
    fonts = register_theme_fonts(load_theme(theme_path("default")))
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(400, 400))
    for page in pages:
        for x, y, text in page:
            canvas.setFont(fonts.faces[0].name, 10)
            canvas.drawString(x, y, text)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def small(tmp_path: Path, *paragraphs: str):
    return load_document(write(tmp_path, document(*({"paragraph": p} for p in paragraphs))))


def test_text_drawn_off_the_page_is_missing(tmp_path: Path) -> None:
    doc = small(tmp_path, "甲乙丙丁戊己。", "庚辛壬癸子丑。")
    front = [(10, 390, "测试手册"), (10, 380, "2022"), (10, 370, "第一部分")]
    inside = pdf_of(front + [(10, 300, "甲乙丙丁戊己。"), (10, 280, "庚辛壬癸子丑。")])
    outside = pdf_of(front + [(10, 300, "甲乙丙丁戊己。"), (420, 280, "庚辛壬癸子丑。")])
    record = record_of(doc, [*FRONT, "甲乙丙丁戊己。", "庚辛壬癸子丑。"])
    assert missing_texts(doc, inside, record) == []
    assert [t.value for t in missing_texts(doc, outside, record)] == ["庚辛壬癸子丑。"]


def test_texts_out_of_order_are_missing(tmp_path: Path) -> None:
    doc = small(tmp_path, "甲乙丙丁戊己。", "庚辛壬癸子丑。")
    front = [(10, 390, "测试手册"), (10, 380, "2022"), (10, 370, "第一部分")]
    swapped = pdf_of(front + [(10, 300, "庚辛壬癸子丑。"), (10, 280, "甲乙丙丁戊己。")])
    record = record_of(doc, [*FRONT, "甲乙丙丁戊己。", "庚辛壬癸子丑。"])
    assert [t.value for t in missing_texts(doc, swapped, record)] == ["庚辛壬癸子丑。"]


def test_a_text_on_another_page_than_recorded_is_missing(tmp_path: Path) -> None:
    doc = small(tmp_path, "甲乙丙丁戊己。", "庚辛壬癸子丑。")
    front = [(10, 390, "测试手册"), (10, 380, "2022"), (10, 370, "第一部分")]
    pdf = pdf_of(front + [(10, 300, "甲乙丙丁戊己。")], [(10, 300, "庚辛壬癸子丑。")])
    assert missing_texts(doc, pdf, record_of(
        doc, [*FRONT, "甲乙丙丁戊己。"], ["庚辛壬癸子丑。"])) == []
    assert [t.value for t in missing_texts(doc, pdf, record_of(
        doc, [*FRONT, "甲乙丙丁戊己。", "庚辛壬癸子丑。"]))] == ["庚辛壬癸子丑。"]


def test_a_text_the_layout_never_printed_is_missing(tmp_path: Path) -> None:
    doc = small(tmp_path, "甲乙丙丁戊己。", "庚辛壬癸子丑。")
    front = [(10, 390, "测试手册"), (10, 380, "2022"), (10, 370, "第一部分")]
    pdf = pdf_of(front + [(10, 300, "甲乙丙丁戊己。"), (10, 280, "庚辛壬癸子丑。")])
    record = record_of(doc, [*FRONT, "甲乙丙丁戊己。"])
    assert [t.value for t in missing_texts(doc, pdf, record)] == ["庚辛壬癸子丑。"]
    second = next(t for t in texts(doc) if t.value == "庚辛壬癸子丑。")
    record.omit((second.owner, second.field), "left out by the design")
    assert missing_texts(doc, pdf, record) == []


def test_a_text_may_run_on_over_pages_past_the_running_header(tmp_path: Path) -> None:
    text = han(60, seed=5)
    doc = small(tmp_path, text)
    head = [(10, 390, "测试手册"), (10, 380, "2022"), (10, 370, "第一部分")]
    split = pdf_of(head + [(10, 300, text[:25]), (10, 10, "页眉 1")],
                   [(10, 300, text[25:]), (10, 10, "页眉 2")])
    whole = next(t for t in texts(doc) if t.value == text)
    record = record_of(doc, [*FRONT, (text[:25], whole)], [(text[25:], whole)])
    assert missing_texts(doc, split, record) == []
    gap = pdf_of(head + [(10, 300, text[:25]), (10, 10, "页眉 1")],
                 [(10, 300, text[30:]), (10, 10, "页眉 2")])
    assert [t.value for t in missing_texts(doc, gap, record)] == [text]
    lost = record_of(doc, [*FRONT, (text[:25], whole)], [(text[30:], whole)])
    assert [t.value for t in missing_texts(doc, gap, lost)] == [text], \
        "five characters the layout never drew"


def test_the_default_brochure_checks_every_cell(built: Built) -> None:
    theme = load_theme(theme_path("default"))
    laid_out = layout.layout_document(built.document, theme, register_theme_fonts(theme),
                                      PRINT)
    drawn = laid_out.record.sources_drawn()
    rows = [row for part in built.document.parts for block in part.blocks
            if isinstance(block, Scorecard) for row in block.rows]
    cells = [t for t in texts(built.document) if t.what.startswith("row ")]
    assert len(cells) >= 3 * len(rows) and len(rows) >= 40
    assert all(t.source in drawn for t in cells), "every cell is in the record"
    assert missing_texts(built.document, laid_out.pdf, laid_out.record) == []


def _numbered_pages(count: int) -> bytes:
    """A PDF whose page N reads '第N页' (with a trim box, as built pages have)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(200, 200), trimBox=(10, 10, 190, 190))
    for number in range(1, count + 1):
        canvas.setFont("Helvetica", 12)
        canvas.drawString(20, 100, f"page {number} of {count}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def test_long_pdfs_are_read_back_by_two_processes_in_page_order(monkeypatch) -> None:
    from builder.inspect import verify
    pdf = _numbered_pages(verify.PARALLEL_PAGES + 7)
    workers: list[bool] = []
    real_beside = verify.beside
    monkeypatch.setattr(verify, "beside", lambda work: workers.append(True) or real_beside(work))
    texts = verify.page_texts(pdf)
    assert [t.strip() for t in texts] == [
        f"page {n} of {verify.PARALLEL_PAGES + 7}" for n in range(1, verify.PARALLEL_PAGES + 8)]
    assert workers == [True]
    workers.clear()
    assert len(verify.page_texts(_numbered_pages(verify.PARALLEL_PAGES - 1))) == \
        verify.PARALLEL_PAGES - 1
    assert workers == [], "a short PDF is read by one process"


def test_flatten_drops_every_white_space_character() -> None:
    from builder.inspect.verify import WHITE_SPACE, flatten
    assert set(WHITE_SPACE) == {chr(c) for c in range(0x110000) if chr(c).isspace()}
    assert flatten(" 甲\u3000乙\n**丙**\ufffe") == "甲乙丙-"
