"""Themes: the shipped newsletter theme, extends, design choices, header/footer templates."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest
from conftest import DEFAULT_CONTENT, flat
from pypdf import PdfReader

from builder import data
from builder.build import build
from builder.errors import BrochureError
from builder.inspect.typography import analyze_pdf, format_report
from builder.source.theme import load_theme, theme_path
from builder.typeset.clreq import BLANK_RIGHT


@pytest.fixture(scope="module")
def newsletter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("newsletter") / "newsletter.pdf"
    build(DEFAULT_CONTENT, output, "newsletter")
    return output


def test_newsletter_sets_body_text_in_two_justified_columns(newsletter: Path) -> None:
    theme = load_theme(theme_path("newsletter"))
    left = theme.print.slug + theme.margin_side
    second = left + theme.text_width - theme.column_width
    with pdfplumber.open(newsletter) as pdf:
        body = [c for c in pdf.pages[2].chars if round(c["size"], 1) == 10.0]
    starts = {round(c["x0"], 1) for c in body}
    assert any(abs(x - left) < 0.5 for x in starts)
    assert any(abs(x - second) < 0.5 for x in starts), "no second column"
    for edge in (left + theme.column_width, second + theme.column_width):
        assert sum(1 for c in body if abs(c["x1"] - edge) < 0.5) >= 5, f"ragged at {edge}"
    edge = second + theme.column_width
    assert all(c["x1"] <= edge + 0.5 or (c["text"] in BLANK_RIGHT and c["x1"] <= edge + 5.01)
               for c in body)  # only a line-end mark's empty half may pass the edge


def test_newsletter_has_no_opener_pages_and_a_masthead_cover(newsletter: Path) -> None:
    texts = [p.extract_text() for p in PdfReader(newsletter).pages]
    assert len(texts) < 16  # the default theme needs 16 pages with its opener pages
    assert "本期要目" in texts[0]
    second = flat(texts[1])  # the cover lists the contents: no contents page
    assert "文明城市" in second and "在我市获得第七届" in second  # title and body share a page
    assert not any("目录" in text for text in texts)


def test_footer_template_counts_pages(newsletter: Path) -> None:
    texts = [p.extract_text() for p in PdfReader(newsletter).pages]
    total = len(texts)
    for number in (2, 3, total - 2):
        assert f"第{number}页/共{total}页" in flat(texts[number - 1])


def test_a_theme_extending_another_overrides_only_what_it_names(tmp_path: Path) -> None:
    theme = tmp_path / "green.yaml"
    theme.write_text("name: green\nextends: newsletter\ncolors:\n  primary: [90, 0, 100, 20]\n",
                     encoding="utf-8")
    loaded = load_theme(theme)
    base = load_theme(theme_path("newsletter"))
    assert loaded.colors["primary"] == (90, 0, 100, 20)
    assert loaded.colors["accent"] == base.colors["accent"]
    assert loaded.design == base.design and loaded.styles == base.styles
    output = tmp_path / "green.pdf"
    build(DEFAULT_CONTENT, output, str(theme))
    with pdfplumber.open(output) as pdf:
        title = [c for page in pdf.pages[1:-1] for c in page.chars
                 if c["text"] == "文" and c["size"] > 15]
    assert title and tuple(title[0]["non_stroking_color"]) == (0.9, 0.0, 1.0, 0.2)


@pytest.mark.parametrize(("body", "words"), [
    ("design:\n  cover: stars\n", "unknown cover design 'stars'"),
    ("design:\n  columns: 3\n", "must be 1 or 2"),
    ("footer:\n  right: '{page} of {total}'\n", "unknown field"),
    ("decor:\n  rings_stpe: 30\n", "did you mean 'rings_step'"),
    ("extends: loop\n", "circle"),
])
def test_theme_errors_name_file_and_line(tmp_path: Path, body: str, words: str) -> None:
    theme = tmp_path / "loop.yaml"
    theme.write_text(f"name: bad\nextends: {'loop.yaml' if 'loop' in body else 'default'}\n"
                     + body.replace("extends: loop\n", ""), encoding="utf-8")
    with pytest.raises(BrochureError) as caught:
        load_theme(theme)
    assert words in str(caught.value) and str(theme) in str(caught.value)


def test_every_shipped_theme_loads_under_its_own_name() -> None:
    names = sorted(p.stem for p in data.themes_dir().glob("*.yaml"))
    assert names == ["default", "magazine", "newsletter", "report"]
    for name in names:
        assert load_theme(theme_path(name)).name == name


def test_newsletter_columns_meet_the_clreq_targets(newsletter: Path) -> None:
    report = analyze_pdf(newsletter)
    assert report.body_lines >= 100 and len(report.blocks) >= 2  # two columns found
    assert report.ok, format_report(report)
    assert 0.2 <= report.han_latin_gaps.median <= 0.3


def test_colours_made_from_primary_follow_it(tmp_path: Path) -> None:
    """Changing only `primary` recolours what is drawn in the colours made from it: the
    back cover (primary_dark) turns dark green, not dark red (issue 15)."""
    theme = tmp_path / "green.yaml"
    theme.write_text("name: green\nextends: default\ncolors:\n  primary: [85, 10, 100, 10]\n",
                     encoding="utf-8")
    green = load_theme(theme)
    assert green.colors["primary_dark"] == (100, 10, 100, 35)  # [85+15, 10, 100, 10+25]
    assert load_theme(theme_path("default")).colors["primary_dark"] == (15, 100, 100, 35)
    assert load_theme(theme_path("newsletter")).colors["primary_dark"] == (100, 80, 0, 55)
    build(DEFAULT_CONTENT, tmp_path / "green.pdf", str(theme))
    with pdfplumber.open(tmp_path / "green.pdf") as pdf:
        back = pdf.pages[-1]
        fills = {tuple(round(v, 3) for v in r["non_stroking_color"]) for r in back.rects
                 if r["width"] > back.width / 2 and r["height"] > back.height / 2}
    assert (1.0, 0.1, 1.0, 0.35) in fills, fills


@pytest.mark.parametrize(("colors", "words"), [
    ("  primary_dark: {from: brand}\n", "made from 'brand', which the theme does not define"),
    ("  primary: primary_dark\n  primary_dark: {from: primary}\n", "made from itself"),
    ("  primary_dark: {from: primary, add: [0, 0, 0, 120]}\n", "colors.primary_dark.add"),
    ("  primary_dark: {from: primary, shade: 3}\n", "unknown key 'shade'"),
])
def test_derived_colour_errors_name_the_line(tmp_path: Path, colors: str, words: str) -> None:
    theme = tmp_path / "bad.yaml"
    theme.write_text(f"name: bad\nextends: default\ncolors:\n{colors}", encoding="utf-8")
    with pytest.raises(BrochureError) as caught:
        load_theme(theme)
    assert words in str(caught.value) and caught.value.path == theme
    assert caught.value.line is not None and caught.value.line >= 4, str(caught.value)
