"""A perfect-bound book's cover spread (issue 17, item 3): back cover, spine and front cover
on one page beside the pages' file, the spine pages / 2 × caliper wide with its texts set
top to bottom; the pages' file holds no cover. Measured from the built PDFs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from conftest import DEFAULT_CONTENT

from builder.build import BuildResult, build, cover_path
from builder.errors import BrochureError
from builder.inspect.preflight import preflight
from builder.pdf.reading import BROCHURE_NS
from builder.source.theme import MM
from builder.typeset import vertical

SLUG, BLEED, A5 = 10 * MM, 3 * MM, (148 * MM, 210 * MM)


def _theme(folder: Path, caliper: float) -> str:
    path = folder / f"glued-{caliper}.yaml"
    path.write_text("name: glued\nextends: default\nprint:\n  binding: perfect\n"
                    f"  caliper: {caliper}\n", encoding="utf-8")
    return str(path)


@dataclass(frozen=True)
class Glued:
    result: BuildResult
    caliper: float


@pytest.fixture(scope="module")
def glued(tmp_path_factory: pytest.TempPathFactory) -> Glued:
    """The default brochure on A5, glued, on 1 mm board: a spine wide enough for text."""
    folder = tmp_path_factory.mktemp("glued")
    result = build(DEFAULT_CONTENT, folder / "book.pdf", _theme(folder, 1), page_size="A5")
    return Glued(result, 1.0)


def test_the_spread_is_back_spine_front_with_bleed_and_marks(glued: Glued) -> None:
    result = glued.result
    assert result.cover == cover_path(result.output) and result.cover.exists()
    spine = result.pages / 2 * glued.caliper * MM
    width, height = A5
    with pikepdf.open(result.cover) as pdf:
        assert len(pdf.pages) == 1
        page = pdf.pages[0]
        media = [float(v) for v in page.MediaBox]
        trim = [float(v) for v in page.TrimBox]
        bleed = [float(v) for v in page.BleedBox]
        with pdf.open_metadata() as xmp:
            assert xmp.get(f"{{{BROCHURE_NS}}}kind") == "cover"
        assert "/OutputIntents" in pdf.Root
    assert trim == pytest.approx([SLUG, SLUG, SLUG + 2 * width + spine, SLUG + height], abs=0.01)
    assert bleed == pytest.approx([trim[0] - BLEED, trim[1] - BLEED, trim[2] + BLEED,
                                   trim[3] + BLEED], abs=0.01)
    assert media[2] == pytest.approx(trim[2] + SLUG, abs=0.01)
    report = preflight(result.cover)
    assert report.kind == "cover" and not report.errors, report.to_text()
    assert "page-count" in report.checked


def test_the_pages_file_holds_no_cover_and_starts_on_a_right_hand_page(glued: Glued) -> None:
    result = glued.result
    with pdfplumber.open(result.output) as pdf:
        first = pdf.pages[0].extract_text()
        every = "".join(page.extract_text() for page in pdf.pages)
    assert result.pages % 2 == 0
    assert "目录" in first.replace(" ", "")
    assert "喜迎二十大" not in every.replace(" ", "")  # the kicker is on the front cover only
    assert not preflight(result.output).errors


def test_the_spine_sets_the_title_top_to_bottom_inside_the_spine(glued: Glued) -> None:
    result = glued.result
    spine = result.pages / 2 * glued.caliper * MM
    left = SLUG + A5[0]
    with pdfplumber.open(result.cover) as pdf:
        page = pdf.pages[0]
        chars = [c for c in page.chars if left <= (c["x0"] + c["x1"]) / 2 <= left + spine]
        cover = page.extract_text().replace(" ", "")
    assert "喜迎二十大" in cover and "共" in cover  # front cover kicker, back cover imprint
    title = "".join(c["text"] for c in chars)
    assert title.startswith("咸安") and "首善之区" in title and title.endswith("咸安区")
    assert "『" in title and "』" in title and "“" not in title  # vertical quotation marks
    upright = [c for c in chars if c["upright"]]
    tops = [c["top"] for c in upright]
    assert tops == sorted(tops)  # each character below the one before
    assert all(c["size"] <= 0.6 * spine + 0.01 for c in chars)


def test_a_thin_spine_is_left_plain(tmp_path: Path) -> None:
    result = build(DEFAULT_CONTENT, tmp_path / "thin.pdf", _theme(tmp_path, 0.1),
                   page_size="A5")
    assert result.cover is not None and "too thin" in (result.spine or "")
    left, spine = SLUG + A5[0], result.pages / 2 * 0.1 * MM
    with pdfplumber.open(result.cover) as pdf:
        inside = [c for c in pdf.pages[0].chars
                  if left - 1 <= (c["x0"] + c["x1"]) / 2 <= left + spine + 1]
    assert inside == []


def test_a_saddle_stitched_or_screen_build_writes_no_cover(tmp_path: Path) -> None:
    theme = _theme(tmp_path, 1)
    saddle = build(DEFAULT_CONTENT, tmp_path / "saddle.pdf", page_size="A5")
    screen = build(DEFAULT_CONTENT, tmp_path / "screen.pdf", theme, page_size="A5",
                   profile="screen")
    assert saddle.cover is None and screen.cover is None
    assert not cover_path(saddle.output).exists() and not cover_path(screen.output).exists()


def test_a_cover_text_lost_from_the_spread_stops_the_build(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """The read-back holds the spread against its record: a front cover not drawn loses
    the kicker, and neither file is written (the old ones survive)."""
    from builder.layout import pages

    theme = _theme(tmp_path, 1)
    output = tmp_path / "book.pdf"
    build(DEFAULT_CONTENT, output, theme, page_size="A5")
    old_pages, old_cover = output.read_bytes(), cover_path(output).read_bytes()
    monkeypatch.setattr(pages.PageArt, "cover", lambda self, canvas: None)
    with pytest.raises(BrochureError) as caught:
        build(DEFAULT_CONTENT, output, theme, page_size="A5")
    assert "kicker" in caught.value.message and "missing" in caught.value.message
    assert output.read_bytes() == old_pages and cover_path(output).read_bytes() == old_cover


def test_vertical_runs_turn_latin_and_brackets_and_keep_han_upright() -> None:
    runs = vertical.runs("咸安：书写“首善” 2022 ReportLab，")
    placements = [(run.text, run.placement) for run in runs]
    assert ("：", "turned") in placements and ("『", "turned") in placements
    assert ("』", "turned") in placements and ("，", "corner") in placements
    assert ("2022 ReportLab", "turned") in placements  # one run, its space inside
    assert all(p == "upright" for t, p in placements if t in "咸安书写首善")
