"""The default brochure, built and read back: what a reader of the PDF would check."""

from __future__ import annotations

from conftest import Built, flat

from builder.inspect.typography import analyze_pdf
from builder.layout.document import section_label
from builder.source.model import Paragraph, Scorecard


def _page_of(built: Built, text: str, start: int = 0) -> int:
    """1-based number of the first page at or after `start` whose text contains `text`."""
    for number, page in enumerate(built.page_texts()[start:], start=start + 1):
        if flat(text) in flat(page):
            return number
    raise AssertionError(f"{text!r} is on no page from {start + 1} on")


def test_page_one_is_the_cover_with_title_kicker_and_subtitle(built: Built) -> None:
    cover = flat(built.page_texts()[0])
    meta = built.document.meta
    for text in (meta.title, meta.kicker, meta.subtitle):
        assert text and flat(text) in cover, f"cover lacks {text!r}"


def test_contents_lists_every_part_with_the_page_where_it_starts(built: Built, plumber) -> None:
    page = plumber.pages[1]
    chars = page.chars
    stream = "".join(c["text"] for c in chars)
    assert "目录" in stream
    position = stream.index("目录")
    for part in built.document.parts:
        index = stream.find(part.title, position)
        assert index >= 0, f"contents page lacks part {part.title!r}"
        position = index + len(part.title)
        baseline = chars[index]["bottom"]
        digits = sorted((c for c in chars if abs(c["bottom"] - baseline) < 1
                         and c["x0"] > page.width * 0.7 and c["text"].isdigit()),
                        key=lambda c: c["x0"])
        assert digits, f"no page number on the line of {part.title!r}"
        listed = int("".join(c["text"] for c in digits))
        texts = built.body_texts()
        on_page = flat(texts[listed - 1])
        assert flat(part.headline or part.title) in on_page, \
            f"{part.title!r}: contents says page {listed}, but it is not there"
        first_block = part.blocks[0]
        if isinstance(first_block, Scorecard):
            row = first_block.rows[0]
            first_text = row.metric + row.qualifier + row.value
        else:
            first_text = getattr(first_block, "text", None) or first_block.caption
        assert flat(first_text)[:20] not in flat(texts[listed - 2]), \
            f"{part.title!r} already starts before page {listed}"


def test_each_section_opens_with_its_headline_beside_or_above_its_text(built: Built) -> None:
    """A full opener page on a left-hand page faces the part's first text page; a band
    opener heads the part's first text page."""
    texts = built.body_texts()
    for part in built.document.sections:
        number = _page_of(built, part.headline or part.title, 2)
        opener = flat(texts[number - 1])
        assert flat(part.title) in opener and flat(part.headline or "") in opener
        paragraphs = [b for b in part.blocks if isinstance(b, Paragraph)]
        start = flat(paragraphs[0].text)[:20]
        if start in opener:  # a band: the headline above the first line
            assert opener.index(flat(part.headline or "")) < opener.index(start)
        else:  # a page of its own, on the left, the text on the right
            assert number % 2 == 0 and start in flat(texts[number]), \
                f"the body of {part.title!r} does not start facing its opener"


def test_every_paragraph_is_in_the_pdf_in_order_without_inserted_spaces(built: Built) -> None:
    stream = "".join(text.replace("\n", "") for text in built.body_texts())
    position = 0
    for part in built.document.parts:
        for block in part.blocks:
            if not isinstance(block, Paragraph):
                continue
            index = stream.find(block.printed_text, position)
            assert index >= 0, (f"paragraph at line {block.line} is missing or altered: "
                                f"{block.printed_text[:30]!r}")
            position = index + len(block.printed_text)


def test_truncated_paragraphs_end_with_the_editorial_mark(built: Built) -> None:
    stream = flat("".join(built.body_texts()))
    truncated = [b for p in built.document.parts for b in p.blocks
                 if isinstance(b, Paragraph) and b.truncated]
    assert len(truncated) == 3
    for block in truncated:
        assert flat(block.text) + "……" in stream


def test_each_scorecard_row_has_metric_and_value_on_the_same_page_and_line(
        built: Built, plumber) -> None:
    rows = [row for part in built.document.parts for block in part.blocks
            if isinstance(block, Scorecard) for row in block.rows]
    assert len(rows) >= 40
    pages = [(page, "".join(c["text"] for c in page.chars)) for page in plumber.pages]
    for row in rows:
        # the table cell: the metric followed, within the row, by its value
        hits = [(page, stream, index) for page, stream in pages
                for index in _occurrences(stream, row.metric)
                if row.value in stream[index + len(row.metric):][:12 + len(row.value)]]
        assert hits, f"row {row.metric!r} with value {row.value} is on no page"
        page, stream, index = hits[0]
        metric_end = page.chars[index + len(row.metric) - 1]
        value = page.chars[stream.index(row.value, index + len(row.metric))]
        assert abs(value["bottom"] - metric_end["bottom"]) < 1.5, \
            f"{row.metric!r} and its value {row.value} are not on one line"


def _occurrences(stream: str, text: str) -> list[int]:
    found, index = [], stream.find(text)
    while index >= 0:
        found.append(index)
        index = stream.find(text, index + 1)
    return found


def test_every_font_is_an_embedded_truetype_subset(built: Built) -> None:
    seen = set()
    for page in built.reader().pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            name = str(font["/BaseFont"])
            seen.add(name)
            assert font["/Subtype"] == "/TrueType", f"{name} is not TrueType"
            prefix, _, _ = name.lstrip("/").partition("+")
            assert len(prefix) == 6 and prefix.isupper(), f"{name} is not a subset"
            assert "/FontFile2" in font["/FontDescriptor"], f"{name} is not embedded"
    assert not any("Helvetica" in name for name in seen)
    assert any("NotoSerifSC" in n for n in seen) and any("NotoSansSC" in n for n in seen)


def test_pdf_metadata_outline_and_language(built: Built) -> None:
    reader = built.reader()
    meta = built.document.meta
    assert reader.metadata.title == meta.title
    assert reader.metadata.author == meta.issuer
    assert reader.metadata.subject
    assert reader.trailer["/Root"]["/Lang"] == meta.language
    titles = [item["/Title"] for item in reader.outline]
    assert titles == [section_label(built.document, p) for p in built.document.parts]


def test_the_cover_has_no_page_number_and_body_pages_have_one(built: Built) -> None:
    texts = built.page_texts()
    assert not texts[0].strip().split("\n")[-1].strip().isdigit()
    for number in range(2, len(texts)):
        lines = [line.strip() for line in texts[number - 1].split("\n") if line.strip()]
        if lines and lines[-1].isdigit():
            assert int(lines[-1]) == number
    body_numbers = sum(1 for n, t in enumerate(texts, 1)
                       if t.strip().split("\n")[-1].strip() == str(n))
    assert body_numbers >= len(texts) // 2


def test_body_text_meets_the_clreq_targets(built: Built) -> None:
    report = analyze_pdf(built.pdf)
    assert report.body_lines >= 50 and report.nonfinal_lines >= 30
    assert not report.forbidden_starts and not report.forbidden_ends
    assert report.flush_share == 1.0, report.ragged_lines
    assert not report.orphans
    assert report.han_latin_gaps.count >= 40
    assert 0.2 <= report.han_latin_gaps.median <= 0.3
    assert report.punctuation_pairs.max <= 1.5 + 1e-6
