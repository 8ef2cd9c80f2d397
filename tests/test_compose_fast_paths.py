"""The composer's shortcuts give what the plain definitions give (issue 7: same PDF, faster)."""

from __future__ import annotations

import math
import sys

import pytest
from conftest import DEFAULT_CONTENT
from reportlab.pdfbase.pdfmetrics import stringWidth

from builder.source.content import load_document
from builder.source.model import Paragraph
from builder.source.theme import load_theme, theme_path
from builder.typeset import compose
from builder.typeset.clreq import LATIN_RUN
from builder.typeset.typesetter import Typesetter, register_theme_fonts


@pytest.fixture(scope="module")
def setting() -> tuple[list[str], Typesetter, float]:
    theme = load_theme(theme_path("default"))
    texts = [block.text for part in load_document(DEFAULT_CONTENT).parts
             for block in part.blocks if isinstance(block, Paragraph)]
    return texts, Typesetter(theme, register_theme_fonts(theme)), theme.text_width


def test_latin_runs_start_only_with_the_listed_characters() -> None:
    starters = [chr(c) for c in range(sys.maxunicode + 1)
                if not 0xD800 <= c <= 0xDFFF and LATIN_RUN.match(chr(c) + "0")]
    assert set(starters) <= compose._LATIN_START


def test_memoized_widths_are_reportlabs(setting) -> None:
    texts, typesetter, _ = setting
    style = typesetter.text_style("body")
    for text in ("咸", "G351", "17.28%", "，", " "):
        assert compose.text_width(text, style.font, style.size) == stringWidth(
            text, style.font, style.size)


def test_inlined_costs_choose_as_line_cost_does(setting) -> None:
    """For every line end, `_cheapest` picks the start that `line_cost` ranks first."""
    texts, typesetter, width = setting
    for role, measure in (("body", width), ("caption", 150.0)):
        style = typesetter.text_style(role, "justify")
        for text in texts:
            composer = compose.Composer(compose.atomize(compose.parse_emphasis(text), style),
                                        style)
            count = len(composer.atoms)
            first = measure - style.indent * style.size
            costs = [(start * 7919) % 101 / 7 for start in range(count)]  # arbitrary
            for end in range(1, count + 1):
                starts = list(range(max(0, end - 60), end))
                expected = None
                for start in starts:
                    cost = costs[start] + composer.line_cost(
                        start, end, first if start == 0 else measure, end == count)
                    if cost < math.inf and (expected is None or cost < expected[0]):
                        expected = (cost, start)
                assert composer._cheapest(starts, end, measure, first, costs) == expected


def test_shared_gaps_are_gap_between(setting) -> None:
    texts, typesetter, _ = setting
    style = typesetter.text_style("body", "justify")
    for text in texts[:8]:
        atoms = compose.atomize(compose.parse_emphasis(text), style)
        composer = compose.Composer(atoms, style)
        assert composer.gaps == [compose.gap_between(a, b, style.size)
                                 for a, b in zip(atoms, atoms[1:], strict=False)]
