"""Typeset stage: one line of text set top to bottom, as on a Chinese book's spine.

As in vertical Chinese (W3C clreq 2.3, JIS X 4051): Han characters, kana and the marks that
stay upright (！？) stand upright, each in an em square; the marks that sit at the corner of
a character (，。、．) move to the upper right of their square; brackets, quotes, dashes, the
ellipsis, colons, and runs of Latin letters and figures are turned a quarter clockwise.
The fonts carry no vertical forms a ReportLab canvas can reach (they sit behind OpenType's
`vert` feature), so turning the horizontal forms stands in for them.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from typing import Literal

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from builder.engine.private import glyph_box

Placement = Literal["upright", "corner", "turned", "space"]
CORNER = frozenset("，。、．")
"""Marks set at the upper right of their em square."""
TURNED = frozenset("（）〔〕［］｛｝〈〉《》「」『』【】〖〗“”‘’—…～：；－｜─()[]{}<>")
"""Full-width marks turned a quarter clockwise in vertical text."""
CENTRED = frozenset("：；")
"""Turned marks whose ink is centred in their square (the fonts set them to one side)."""
VERTICAL_QUOTES = str.maketrans("“”‘’", "『』「」")
"""Vertical text takes corner brackets for quotation marks, turned (GB/T 15834-2011
4.2: ﹃﹄ for “”, ﹁﹂ for ‘’)."""
HAN_LATIN_GAP = 0.25
"""Between Han characters and Latin letters or figures, in ems."""
ASCENT = 0.88
"""The em square's top above the baseline, in ems (the CJK fonts' ideographic box)."""


@dataclass(frozen=True)
class Run:
    text: str
    placement: Placement


def runs(text: str) -> list[Run]:
    """The text cut where the placement changes; marks and letters turned in a row (a Latin
    word, a number, a dash pair) stay one run, and so does a space between Latin words.
    Quotation marks become their vertical forms (VERTICAL_QUOTES)."""
    text = text.translate(VERTICAL_QUOTES)
    found: list[Run] = []
    for index, char in enumerate(text):
        placement = _placement(char)
        if placement == "space" and 0 < index < len(text) - 1 \
                and _is_narrow(text[index - 1]) and _is_narrow(text[index + 1]):
            placement = "turned"
        if found and placement == found[-1].placement and placement in ("turned", "space"):
            found[-1] = Run(found[-1].text + char, placement)
        else:
            found.append(Run(char, placement))
    return found


def length(text: str, font: str, size: float) -> float:
    """How long the text runs down the page, in points."""
    placed = _placed(text, font, size)
    return placed[-1][1] + placed[-1][2] if placed else 0.0


def draw(canvas: Canvas, text: str, font: str, size: float, axis: float, top: float) -> None:
    """Set `text` down from `top`, centred on the vertical line x = `axis`."""
    canvas.setFont(font, size)
    middle = (ASCENT - (1 - ASCENT)) / 2  # the em square's middle above the baseline
    for run, offset, _advance in _placed(text, font, size):
        y = top - offset
        ink = _ink(font, run.text) if len(run.text) == 1 else None
        if run.placement == "turned":
            along, across = 0.0, middle
            if ink is not None and run.text in CENTRED:
                along, across = 0.5 - (ink[0] + ink[2]) / 2, (ink[1] + ink[3]) / 2
            canvas.saveState()
            canvas.translate(axis, y)
            canvas.rotate(-90)
            canvas.drawString(along * size, -across * size, run.text)
            canvas.restoreState()
        elif ink is not None and (run.placement == "corner"
                                  or unicodedata.category(run.text).startswith("P")):
            # the mark's ink centred in its square, or in the square's upper right quarter
            x, drop = (0.25, 0.25) if run.placement == "corner" else (0.0, 0.5)
            canvas.drawString(axis + (x - (ink[0] + ink[2]) / 2) * size,
                              y - (drop + (ink[1] + ink[3]) / 2) * size, run.text)
        elif run.placement != "space":
            width = stringWidth(run.text, font, size)
            canvas.drawString(axis - width / 2, y - ASCENT * size, run.text)


def _placed(text: str, font: str, size: float) -> list[tuple[Run, float, float]]:
    """Each run with its distance from the top and its advance; a quarter em apart where
    Han characters meet Latin letters or figures (clreq 3.2.1), as in horizontal lines."""
    placed: list[tuple[Run, float, float]] = []
    y = 0.0
    for run in runs(text):
        if placed and _meets_latin(placed[-1][0], run):
            y += HAN_LATIN_GAP * size
        advance = _advance(run, font, size)
        placed.append((run, y, advance))
        y += advance
    return placed


def _meets_latin(before: Run, after: Run) -> bool:
    latin = [run.placement == "turned" and _is_narrow(run.text[0]) for run in (before, after)]
    han = [run.placement in ("upright", "corner") for run in (before, after)]
    return (latin[0] and han[1]) or (han[0] and latin[1])


@functools.lru_cache(maxsize=512)
def _ink(font: str, char: str) -> tuple[float, float, float, float] | None:
    """The glyph's ink box in ems (left, bottom, right, top), or None."""
    return glyph_box(pdfmetrics.getFont(font), char)


def _advance(run: Run, font: str, size: float) -> float:
    if run.placement == "space":
        return 0.5 * size * len(run.text)
    if run.placement == "turned":
        return stringWidth(run.text, font, size)
    return size * len(run.text)


def _placement(char: str) -> Placement:
    if char.isspace():
        return "space"
    if char in CORNER:
        return "corner"
    if char in TURNED or _is_narrow(char):
        return "turned"
    return "upright"


def _is_narrow(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("Na", "H", "N")
