"""Binding as a choice (issue 17, item 1): a saddle stitch closes at most
`print.saddle_pages` pages, a longer print file is refused with what to do; a perfect-bound
book is padded to an even count only."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from conftest import DEFAULT_CONTENT

from builder.build import build
from builder.errors import BrochureError


def _theme(folder: Path, lines: str) -> str:
    path = folder / "bound.yaml"
    path.write_text(f"name: bound\nextends: default\nprint:\n{lines}", encoding="utf-8")
    return str(path)


def test_a_saddle_stitch_refuses_more_pages_than_it_closes(tmp_path: Path) -> None:
    theme = _theme(tmp_path, "  saddle_pages: 8\n")
    output = tmp_path / "out.pdf"
    build(DEFAULT_CONTENT, output, theme, profile="screen")  # a screen file is not bound
    old = output.read_bytes()
    with pytest.raises(BrochureError) as caught:
        build(DEFAULT_CONTENT, output, theme)
    assert "12 pages, more than a saddle stitch closes (8" in caught.value.message
    assert "binding: perfect" in (caught.value.hint or "")
    assert output.read_bytes() == old  # refused before anything is written


def test_a_perfect_bound_book_is_padded_to_an_even_count_only(tmp_path: Path) -> None:
    saddle = build(DEFAULT_CONTENT, tmp_path / "saddle.pdf", page_size="A5")
    perfect = build(DEFAULT_CONTENT, tmp_path / "perfect.pdf",
                    _theme(tmp_path, "  binding: perfect\n"), page_size="A5")
    screen = build(DEFAULT_CONTENT, tmp_path / "screen.pdf", page_size="A5", profile="screen")
    assert saddle.pages % 4 == 0
    # the glued book's covers are on its cover spread: two pages fewer, one blank at most
    assert perfect.pages % 2 == 0 and screen.pages - 2 <= perfect.pages <= screen.pages - 1
    with pikepdf.open(perfect.output) as pdf:
        assert len(pdf.pages) == perfect.pages


def test_preflight_counts_pages_by_the_binding_the_file_states(tmp_path: Path) -> None:
    """The print file states its binding in its XMP (brochure:binding); preflight holds a
    perfect-bound file to an even count, not to a multiple of 4 (the default brochure on A5:
    14 pages glued, their covers apart; 16 stapled)."""
    from builder.inspect.preflight import preflight
    from builder.pdf.reading import BROCHURE_NS

    perfect = build(DEFAULT_CONTENT, tmp_path / "perfect.pdf",
                    _theme(tmp_path, "  binding: perfect\n"), page_size="A5")
    saddle = build(DEFAULT_CONTENT, tmp_path / "saddle.pdf", page_size="A5")
    assert perfect.pages % 4 and perfect.pages % 2 == 0 and saddle.pages % 4 == 0
    for result, binding in ((perfect, "perfect"), (saddle, "saddle")):
        with pikepdf.open(result.output) as pdf, pdf.open_metadata() as xmp:
            assert xmp.get(f"{{{BROCHURE_NS}}}binding") == binding
        report = preflight(result.output)
        assert not [issue for issue in report.issues if issue.rule == "page-count"]
