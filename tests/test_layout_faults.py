"""Layout faults: content larger than a page splits or scales, in bounded time, without
ReportLab's LayoutError; what cannot split is refused before layout with a clear message."""

from __future__ import annotations

import time
from pathlib import Path

import pdfplumber
import pytest
from content_factory import document, han, time_limit, write
from PIL import Image

from builder.build import BuildResult, build
from builder.errors import BrochureError
from builder.inspect.verify import flatten, missing_texts, page_texts
from builder.layout.document import layout_document
from builder.pdf.profile import PRINT
from builder.rules.check import MAX_LENGTH
from builder.source.content import load_document
from builder.source.theme import load_theme, theme_path
from builder.typeset.typesetter import register_theme_fonts

SECONDS = 60
"""No build in this file may take longer (each takes well under 2 s)."""


def build_in_time(path: Path) -> BuildResult:
    started = time.perf_counter()
    with time_limit(SECONDS):
        result = build(path, path.with_suffix(".pdf"))
    assert time.perf_counter() - started < SECONDS
    return result


def test_a_300_row_scorecard_splits_by_rows_over_pages(tmp_path: Path) -> None:
    rows = [{"metric": f"指标{han(6, seed=i)}", "value": f"{i}.{i % 7}", "unit": "亿元",
             "change": f"-{i % 9}.5"} for i in range(300)]
    result = build_in_time(write(tmp_path, document({"scorecard": "大表", "rows": rows})))
    assert result.pages >= 8
    text = flatten("".join(page_texts(result.output.read_bytes())))
    assert all(row["metric"] in text for row in rows) and text.count("亿元") == 300


def test_a_20000_character_paragraph_runs_over_many_pages(tmp_path: Path) -> None:
    paragraph = han(20_000, seed=1) + "。"
    result = build_in_time(write(tmp_path, document({"paragraph": paragraph})))
    pages = page_texts(result.output.read_bytes())
    holding = [p for p in pages if flatten(p)[:50] and flatten(p)[:8] in paragraph]
    assert len(holding) >= 10, "the paragraph should fill at least ten pages"
    # the build read it back whole, piece by piece, across the running headers; so do we:
    doc = load_document(result.output.with_suffix(".yaml"))
    theme = load_theme(theme_path("default"))
    laid_out = layout_document(doc, theme, register_theme_fonts(theme), PRINT)
    pieces = [d for d in laid_out.record.drawn
              if laid_out.record.printings[d.printing].role == "body"]
    assert len(pieces) >= 10 and [d.page for d in pieces] == list(
        range(pieces[0].page, pieces[0].page + len(pieces))), "one piece on each page"
    assert missing_texts(doc, laid_out.pdf, laid_out.record) == []


@pytest.mark.parametrize("size", [(40, 4000), (4000, 40), (3000, 3000)])
def test_an_image_larger_than_the_page_is_scaled_into_its_frame(tmp_path: Path,
                                                                size: tuple[int, int]) -> None:
    Image.new("RGB", size, "red").save(tmp_path / "big.png")
    path = write(tmp_path, document({"figure": "大图", "image": "big.png"},
                                    {"paragraph": "图后的正文。"}))
    result = build_in_time(path)
    with pdfplumber.open(result.output) as pdf:
        placed = [(page, image) for page in pdf.pages for image in page.images]
        assert len(placed) == 1
        page, image = placed[0]
        x0, y0, x1, y1 = page.trimbox if hasattr(page, "trimbox") else page.bbox
        assert image["x0"] >= x0 and image["x1"] <= x1
        assert image["top"] >= 0 and image["bottom"] <= page.height
        assert image["bottom"] - image["top"] < (y1 - y0) / 2


def test_a_heading_longer_than_a_line_wraps_and_splits(tmp_path: Path) -> None:
    heading = han(3_000, seed=3)
    result = build_in_time(write(tmp_path, document({"heading": heading},
                                                    {"paragraph": "正文。"})))
    assert result.pages >= 4


@pytest.mark.parametrize("word", [
    "https://example.com/" + "abcdefghij" * 40 + "?q=1&lang=zh-CN",
    "Supercalifragilistic" * 25,
])
def test_a_latin_word_wider_than_the_line_is_cut_and_kept(tmp_path: Path, word: str) -> None:
    paragraph = f"请访问{word}了解详情。"
    result = build_in_time(write(tmp_path, document({"paragraph": paragraph})))
    assert flatten(word) in flatten("".join(page_texts(result.output.read_bytes())))


def test_quotes_build_and_a_quote_taller_than_a_page_shrinks_into_one(tmp_path: Path) -> None:
    short = write(tmp_path, document({"quote": "短的引文。", "source": "某人"}), "short.yaml")
    build_in_time(short)  # quote boxes used to fail: KeepInFrame had no canvas
    doc = load_document(write(tmp_path, document({"quote": han(4_000, seed=4) + "。",
                                                  "source": "某人"})))
    theme = load_theme(theme_path("default"))
    with time_limit(SECONDS):  # layout directly: the check would refuse this length
        laid_out = layout_document(doc, theme, register_theme_fonts(theme), PRINT)
    assert missing_texts(doc, laid_out.pdf, laid_out.record) == []
    pages = [p for p in page_texts(laid_out.pdf) if han(10, seed=4) in flatten(p)]
    assert len(pages) == 1


@pytest.mark.parametrize(("block", "what"), [
    ({"figure": han(5_000)}, "figure caption"),
    ({"quote": han(5_000)}, "quote"),
    ({"scorecard": "表", "rows": [{"metric": han(5_000), "value": "1"}]}, "row 'metric'"),
])
def test_texts_that_cannot_split_are_refused_before_layout(tmp_path: Path, block: dict,
                                                           what: str) -> None:
    path = write(tmp_path, document(block))
    with pytest.raises(BrochureError, match=rf"\[too-long\] {what}: 5000 characters"):
        build_in_time(path)


def test_every_limited_text_at_its_limit_builds(tmp_path: Path) -> None:
    """The limits of MAX_LENGTH fit the default A4 theme, all at once, in every layout."""
    limit = MAX_LENGTH.__getitem__
    row = {"metric": han(limit("row 'metric'")), "from": "1" * limit("row 'from'"),
           "qualifier": han(limit("row 'qualifier'")), "value": "8" * limit("row 'value'"),
           "unit": han(limit("row 'unit'")), "change": "+" + "9" * (limit("row 'change'") - 1),
           "remark": han(limit("row 'remark'"))}
    parts = []
    for number, layout in enumerate(("section", "plain", "gallery")):
        blocks = [{"figure": han(limit("figure caption"), seed=number * 10 + i)}
                  for i in range(3)]
        blocks += [{"quote": han(limit("quote")), "source": han(limit("quote source"))},
                   {"scorecard": "表", "rows": [row]}, {"paragraph": f"正文{number}。"}]
        parts.append({"title": han(limit("part 'title'"), seed=number), "layout": layout,
                      "headline": han(limit("part 'headline'")), "blocks": blocks}
                     | ({"tag": han(limit("part 'tag'"))} if layout == "section" else {}))
    meta = {key: han(limit(f"meta '{key}'"), seed=7) for key in
            ("kicker", "title", "subtitle", "lead", "issuer")}
    date = "2022年10月01日"
    assert len(date) == limit("meta 'date'")
    content = {"meta": meta | {"date": date, "language": "zh-CN"},
               "parts": parts}
    result = build_in_time(write(tmp_path, content))
    assert result.findings == ()


def test_a_page_too_small_for_a_block_is_a_clean_error(tmp_path: Path) -> None:
    path = write(tmp_path, document({"paragraph": "正文。"}, headline=han(60)))
    with time_limit(SECONDS), pytest.raises(BrochureError, match="does not fit on the page"):
        build(path, tmp_path / "doc.pdf", page_size="60×60 mm")
    assert not (tmp_path / "doc.pdf").exists()
