"""Every shipped theme × page size × content, print profile, measured from the PDF by the
layout report (`brochure check --layout`) and the typography report: no collisions, no ink
beyond the BleedBox, marks on every page, no table split leaving fewer than 3 rows, no lone
lines, running heads right on every page, clreq figures clean (issue 13's figures)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DEFAULT_CONTENT, ROOT

from builder.build import build
from builder.cli.scaffold import scaffold
from builder.inspect.layout import analyze_layout, format_report
from builder.inspect.typography import analyze_pdf
from builder.inspect.typography import format_report as typography_report

CONTENTS = {"default": DEFAULT_CONTENT, "second": ROOT / "tests" / "data" / "second-text.yaml",
            "economy": ROOT / "tests" / "data" / "economy" / "economy.yaml",
            "scaffold": None}
"""The contents built; the scaffold is what `brochure new` writes (made once)."""
SIZES = ("A4", "A5", "B5", "大16开", "32开")
THEMES = ("default", "newsletter", "report", "magazine")


@pytest.fixture(scope="module")
def new_brochure(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The content file of a brochure made by `brochure new`."""
    written = scaffold(tmp_path_factory.mktemp("new") / "demo")
    return next(path for path in written if path.suffix == ".yaml")


@pytest.mark.parametrize("content", sorted(CONTENTS))
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("theme", THEMES)
def test_every_combination_passes_the_layout_report(tmp_path: Path, theme: str, size: str,
                                                    content: str,
                                                    new_brochure: Path) -> None:
    output = tmp_path / "out.pdf"
    source = CONTENTS[content] or new_brochure
    result = build(source, output, theme, page_size=size)
    report = analyze_layout(output)
    errors = [f for f in report.findings if f.severity == "error"]
    assert not errors, format_report(report)
    assert report.pages == result.pages and report.print_file
    typography = analyze_pdf(output)
    assert typography.ok, typography_report(typography)
