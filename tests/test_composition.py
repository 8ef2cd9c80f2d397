"""Composition in spreads (issue 13): openers with their text, no wasted paper, figures in
their sections, running heads from the page's first line and mirrored. Every test reads the
built PDF back (pdfplumber) and locates texts by their glyph positions."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest
import yaml
from conftest import ROOT, Built, flat
from content_factory import han

from builder.build import build
from builder.layout.document import section_label
from builder.source.content import load_document
from builder.source.model import Document, Figure, Paragraph, Photos

SECOND_TEXT = ROOT / "tests" / "data" / "second-text.yaml"


def _pages(pdf: Path) -> list[str]:
    with pdfplumber.open(pdf) as document:
        return [flat(page.extract_text() or "") for page in document.pages]


def _lines(pdf: Path, page: int) -> list[tuple[float, float, str]]:
    """(top, size, text) of each text line of a page (1-based), top down."""
    with pdfplumber.open(pdf) as document:
        words = document.pages[page - 1].extract_words(keep_blank_chars=True,
                                                         extra_attrs=["size"])
    return sorted((w["top"], w["size"], flat(w["text"])) for w in words)


def _first_page_of(texts: list[str], wanted: str, start: int = 3) -> int:
    """The first page (1-based, from `start`: after the contents) whose text holds
    `wanted`."""
    for number in range(start, len(texts)):
        if flat(wanted) in texts[number - 1]:
            return number
    raise AssertionError(f"{wanted!r} is on no page")


def _opener_and_text(texts: list[str], document: Document) -> list[tuple[int, int]]:
    """(page of each section's title block, page of its first paragraph)."""
    pairs = []
    for part in document.sections:
        first = next(b for b in part.blocks if isinstance(b, Paragraph))
        opener = _first_page_of(texts, part.headline or part.title, 3)
        pairs.append((opener, _first_page_of(texts, first.text[:12], opener)))
    return pairs


def test_default_brochure_needs_twelve_pages_and_no_blank(built: Built) -> None:
    texts = _pages(built.pdf)
    assert len(texts) <= 12 and len(texts) % 4 == 0
    assert all(texts), f"blank pages: {[n for n, t in enumerate(texts, 1) if not t]}"


def test_every_opener_is_on_the_spread_of_its_text(built: Built) -> None:
    texts = _pages(built.pdf)
    pairs = _opener_and_text(texts, built.document)
    for opener, text in pairs:
        # the same page (a band atop the text) or a left-hand opener facing its text
        assert text == opener or (opener % 2 == 0 and text == opener + 1), (opener, text)
    assert any(text == opener + 1 for opener, text in pairs), \
        "the page count was made up by opener pages, none is left"


def test_few_pages_are_less_than_half_full(built: Built) -> None:
    """At most 3 pages (covers included) have text over less than half the page height."""
    with pdfplumber.open(built.pdf) as document:
        sparse = []
        for number, page in enumerate(document.pages, start=1):
            trim = page.trimbox if page.trimbox else page.bbox
            height = trim[3] - trim[1]
            # running heads and folios (small type in the margins) do not count
            body = [(w["top"], w["bottom"]) for w in page.extract_words(extra_attrs=["size"])
                    if w["size"] >= 10 or trim[1] + height * 0.08 < w["top"] < w["bottom"]
                    < trim[3] - height * 0.07]
            extent = max((b for _, b in body), default=0) - min((t for t, _ in body),
                                                                 default=0)
            if extent < height * 0.5:
                sparse.append(number)
    assert len(sparse) <= 3, f"pages less than half full: {sparse}"


def _running_head(pdf: Path, page: int) -> str:
    """Text in the top 9 % of the trim, in a small size."""
    with pdfplumber.open(pdf) as document:
        sheet = document.pages[page - 1]
        trim = sheet.trimbox if sheet.trimbox else sheet.bbox
        limit = trim[1] + (trim[3] - trim[1]) * 0.09
        words = [w for w in sheet.extract_words(extra_attrs=["size"])
                 if w["bottom"] < limit and w["top"] > trim[1] and w["size"] < 10]
    return flat("".join(w["text"] for w in words))


def test_running_heads_name_the_section_of_the_first_line_mirrored(built: Built) -> None:
    document, texts = built.document, _pages(built.pdf)
    title = flat(document.meta.title)
    starts = {part.title: _first_page_of(texts, part.headline or part.title, 3)
              for part in document.parts}
    checked = 0
    for page in range(2, len(texts)):
        head = _running_head(built.pdf, page)
        if not head:
            continue
        if page % 2 == 0:  # left-hand: the book's title only
            assert head == title, (page, head)
            continue
        # right-hand: the section whose text is at the top of the page
        running = [p for p in document.parts if starts[p.title] <= page]
        first_line = _lines(built.pdf, page)[1][2]  # under the running head
        here = [p for p in running if starts[p.title] == page
                and flat(p.title) in first_line]
        part = here[0] if here else running[-1] if starts[running[-1].title] < page \
            else running[-2]
        assert head == flat(section_label(document, part)), (page, head, first_line)
        checked += 1
    assert checked >= 2


def test_no_running_head_on_covers_and_opener_pages(built: Built) -> None:
    texts = _pages(built.pdf)
    assert not _running_head(built.pdf, 1) and not _running_head(built.pdf, len(texts))
    for opener, _text in _opener_and_text(texts, built.document):
        assert not _running_head(built.pdf, opener), opener  # a full page or a band


def test_photos_stand_in_their_sections(built: Built) -> None:
    texts, parts = _pages(built.pdf), built.document.parts
    starts = [_first_page_of(texts, p.headline or p.title, 3) for p in parts]
    for index, part in enumerate(parts):
        captions = [f.caption for b in part.blocks for f in (
            [b] if isinstance(b, Figure) else b.figures if isinstance(b, Photos) else [])]
        end = starts[index + 1] if index + 1 < len(parts) else len(texts)
        for caption in captions:
            page = _first_page_of(texts, caption, 3)
            assert starts[index] <= page <= end, (caption, page, starts[index], end)
    assert any(isinstance(b, (Figure, Photos)) for p in parts for b in p.blocks)


def test_the_note_on_cut_text_stands_under_the_first_cut(built: Built) -> None:
    texts = _pages(built.pdf)
    cut = next(b for p in built.document.parts for b in p.blocks
               if isinstance(b, Paragraph) and b.truncated)
    note = "文中“……”表示原稿在此处中断"
    page = _first_page_of(texts, cut.text[-8:] + "……", 2)
    assert flat(note) in texts[page - 1]
    assert flat(note) not in texts[-1]


def _write(folder: Path, content: dict) -> Path:
    path = folder / "doc.yaml"
    path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    return path


def _section(title: str, paragraphs: int, **fields: object) -> dict:
    """A section of `paragraphs` paragraphs of 200 characters, each starting 'N号正文'."""
    seed = sum(map(ord, title))
    return {"title": title, "layout": "section", "headline": f"{title}的标题",
            "blocks": [{"paragraph": f"{n}号正文，{han(200, seed * 100 + n)}。"}
                       for n in range(paragraphs)], **fields}


@pytest.mark.parametrize("opener", ["page", "band"])
def test_a_part_may_choose_its_opener(tmp_path: Path, opener: str) -> None:
    content = {"meta": {"title": "开篇测试", "date": "2026", "language": "zh-CN"},
               "parts": [_section("第一部分", 2, opener=opener), _section("第二部分", 2)]}
    output = tmp_path / "out.pdf"
    build(_write(tmp_path, content), output)
    texts = _pages(output)
    opener_page = _first_page_of(texts, "第一部分的标题")
    text_page = _first_page_of(texts, "0号正文")
    if opener == "page":
        assert opener_page % 2 == 0 and text_page == opener_page + 1
    else:
        assert text_page == opener_page


def test_long_parts_get_an_opener_page_and_short_ones_a_band(tmp_path: Path) -> None:
    content = {"meta": {"title": "长短测试", "date": "2026", "language": "zh-CN"},
               "parts": [_section("短的", 2), _section("长的", 40)]}
    output = tmp_path / "out.pdf"
    build(_write(tmp_path, content), output)
    texts = _pages(output)
    short = _first_page_of(texts, "短的的标题")
    assert _first_page_of(texts, "0号正文", short) == short
    long_opener = _first_page_of(texts, "长的的标题")
    assert long_opener % 2 == 0 and "0号正文" not in texts[long_opener - 1]


def test_right_hand_starts_when_the_theme_says_so(tmp_path: Path) -> None:
    theme = tmp_path / "right.yaml"
    theme.write_text("name: right\nextends: default\ndesign:\n  opener: band\n"
                     "  part_start: right\n", encoding="utf-8")
    content = {"meta": {"title": "右页测试", "date": "2026", "language": "zh-CN"},
               "theme": "right.yaml",
               "parts": [_section(f"第{n}部分", 3) for n in range(1, 5)]}
    output = tmp_path / "out.pdf"
    build(_write(tmp_path, content), output)
    texts = _pages(output)
    for n in range(1, 5):
        assert _first_page_of(texts, f"第{n}部分的标题") % 2 == 1


def test_a_figure_that_does_not_fit_floats_and_leaves_no_hole(tmp_path: Path) -> None:
    """Wherever the figure falls, no page before the last ends more than 3 lines short of
    the text block's foot; and where it did not fit, the text after it filled the page."""
    floated = 0
    for before in range(3, 9):
        blocks: list[dict] = [{"paragraph": f"{n}号正文，{han(240, n)}。"}
                              for n in range(before)]
        blocks += [{"figure": "浮动的图片"}, {"paragraph": f"图片之后的正文{han(400, 50)}。"},
                   {"paragraph": f"最后一段正文{han(300, 51)}。"}]
        content = {"meta": {"title": "浮动测试", "date": "2026", "language": "zh-CN"},
                   "parts": [_section("浮动", 0, blocks=blocks)]}
        output = tmp_path / f"out{before}.pdf"
        build(_write(tmp_path, content), output)
        texts = _pages(output)
        figure, after = _first_page_of(texts, "浮动的图片"), _first_page_of(texts, "图片之后的正文")
        floated += after < figure
        last = _first_page_of(texts, "最后一段正文")
        with pdfplumber.open(output) as pdf:
            for number in range(3, last):
                page = pdf.pages[number - 1]
                foot = page.trimbox[1] + (page.trimbox[3] - page.trimbox[1]) * 0.92
                bottom = max(w["bottom"] for w in page.extract_words() if w["bottom"] < foot)
                assert foot - bottom < 19 * 3 + 20, (before, number, foot - bottom)
    assert floated, "no layout made the figure float"


@pytest.fixture(scope="module")
def second_text(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("second") / "second.pdf"
    build(SECOND_TEXT, output)
    return output


def test_second_text_pairs_openers_and_centres_a_lone_last_photo(second_text: Path) -> None:
    document = load_document(SECOND_TEXT)
    texts = _pages(second_text)
    for opener, text in _opener_and_text(texts, document):
        assert text == opener or (opener % 2 == 0 and text == opener + 1), (opener, text)
    with pdfplumber.open(second_text) as pdf:
        for page in pdf.pages:
            words = {w["text"]: w for w in page.extract_words()}
            if "第5张图片的说明" in words:
                trim = page.trimbox if page.trimbox else page.bbox
                centre = (words["第5张图片的说明"]["x0"] + words["第5张图片的说明"]["x1"]) / 2
                assert abs(centre - (trim[0] + trim[2]) / 2) < 3
                break
        else:
            raise AssertionError("the fifth photo is missing")


def test_newsletter_prints_lead_and_contents_once(tmp_path: Path) -> None:
    output = tmp_path / "newsletter.pdf"
    build(ROOT / "content" / "xianan-2022.yaml", output, "newsletter")
    document = load_document(ROOT / "content" / "xianan-2022.yaml")
    texts = _pages(output)
    lead = flat(document.meta.lead or "")
    assert sum(text.count(lead) for text in texts) == 1
    assert all(texts) and len(texts) <= 8
