"""Typography report: how well a built PDF's Chinese body text is set (W3C clreq).

Everything is measured from the PDF alone, from the glyph boxes pdfminer (pdfplumber's
engine) reads back (``x0``/``x1`` are each glyph's advance box, so a mark compressed by
moving its neighbour still has a 1 em box), never from the composer's state:

1. lines that start with a mark in ``LINE_START_FORBIDDEN`` or end with one in
   ``LINE_END_FORBIDDEN`` (clreq "basic" prohibition rules);
2. the share of non-final body lines that end flush with the text block's right edge;
3. the gap between Han characters and adjacent Latin letters or digits, in em;
4. the advance taken by two adjacent full-width marks (target: at most 1.5 em);
5. 孤字: a paragraph's last line holding one character, or one character plus marks;
6. an opening bracket or quote at a line start still at full width (clreq 3.1.6.2: its
   empty half is cut, at a paragraph start inside the indent too), and an interpunct · at a
   line start;
7. the punctuation style the marks are set in (全角式, 开明式, 半角式), read from how far a
   mark's next glyph starts: no option is needed, and no style is an error.
8. line breaks that part a number from its unit or a date ("2 | 月7日", "69.3亿 | 元") or a
   name near its interpunct ("史蒂 | 文·巴奈特"), from ``clreq.kept_spans``;
9. the loosest non-final line (its median Han–Han gap, em) and the lines looser than
   ``clreq.LOOSE_LIMIT``;
10. non-final lines ending ``SHORT_LINE_EM`` or more short.

How the body text is found: glyphs are grouped into lines by page and baseline, and a
baseline is split into separate lines at gaps wider than ``COLUMN_GAP_EM``.  Body lines are
the lines set mostly in the body size (the most common size of the document, by glyph count,
unless given) and the most common font at that size.  Text blocks are found from the body
lines' left edges (the most common start, with first-line indents of up to 3 em folded in),
and each block's right edge is the most common right end of its lines that do not end in a
punctuation mark.  Lines are read page by page, block by block from left to right, top to
bottom.  A paragraph starts at a line indented by ``INDENT_MIN_EM`` or more, after a
vertical gap wider than the block's leading, or at a page or column change unless the line
continues a paragraph from a full column (not indented, previous line near the block's
bottom).

The baseline grid: the share of body lines on one grid for the whole document (its step the
body leading, its phase the most common baseline position modulo the step), the lines off it
named; a rule when the PDF's XMP says its theme sets the grid (``brochure:grid``, design.grid).

Limitations: tables, headings, running heads, footnotes and captions are recognized only
by being set in another size or font; body-size text in the body font (a caption, a table
set like the body, a ``quote`` with its own indents) is analysed as body text, and a quote
indented on the left looks like a run of one-line paragraphs.  A page with a full-width
block above two columns whose left edges coincide is read as one block.  Text drawn as
outlines or images is invisible; vertical text is ignored.
"""

from __future__ import annotations

import bisect
import io
import json
import logging
import statistics
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from builder.errors import BrochureError
from builder.files import MB
from builder.findings import Finding
from builder.pdf.reading import brochure_property, checked_pdf, unreadable
from builder.typeset.clreq import (
    BLANK_LEFT,
    BLANK_RIGHT,
    FULL_IN_KAIMING,
    INTERPUNCTS,
    LINE_END_FORBIDDEN,
    LINE_START_FORBIDDEN,
    LOOSE_LIMIT,
    breaks_kept,
    is_han,
    is_latin,
)

__all__ = [
    "FULL_WIDTH_MARKS",
    "BodyText",
    "HALF_CUT_AT_LINE_END",
    "LINE_END_FORBIDDEN",
    "LINE_START_FORBIDDEN",
    "Stats",
    "TextBlock",
    "TypographyReport",
    "analyze_pdf",
    "find_body",
    "format_json",
    "format_report",
]

# ----------------------------------------------------------------------------- rules as data
# The rule tables are builder.typeset.clreq's, shared with the composer (one source of truth);
# LINE_START_FORBIDDEN and LINE_END_FORBIDDEN are re-exported from here.

#: Full-width marks that take 1 em and are compressed in pairs (not …… —— ～ ·).
FULL_WIDTH_MARKS = BLANK_RIGHT + BLANK_LEFT
#: Marks whose ink sits in the left half of the em in SC fonts: cut to ½ em at a line end
#: (GB/T 15834-2011 §5.1.10), so such a line is flush when the mark's middle meets the edge.
HALF_CUT_AT_LINE_END = BLANK_RIGHT

# ----------------------------------------------------------------------------- tolerances
CONTENT_BUDGET = (1 * MB, 2.0)
"""The typography check reads page content at about 0.3 MB/s (pdfminer): it reads at most
1 MB plus twice the file's size of it (the 500-page yearbook: 4.2 MB of 4.4 allowed), so that
a file under 1 MB is read within about 10 s."""
BASELINE_TOLERANCE_PT = 0.5   # glyphs whose baselines differ by less share a line
FLUSH_TOLERANCE_PT = 0.5      # a line is flush when it ends this close to the right edge
COLUMN_GAP_EM = 1.25          # a wider horizontal gap on a baseline separates two lines
                              # (a 2 em gutter less a line-end mark hanging ½ em is 1.5 em)
SPACED_GAP_TOLERANCE_EM = 0.02  # wide gaps this alike are one line's letter-spacing
INDENT_MIN_EM = 0.75          # a line starting this far right of the left edge is indented
INDENT_MAX_EM = 3.0           # line starts up to this far right of the edge belong to it
PAIR_TARGET_EM = 1.5          # two adjacent full-width marks should take at most this much
LEADING_SLACK = 1.1           # a baseline step above leading × this ends a paragraph
FULL_COLUMN_LEADINGS = 2.5    # a column ending this many leadings above its bottom is full
START_CUT_TOLERANCE_EM = 0.15  # a line-start bracket ½ em (± this) off a whole em is cut
SHORT_LINE_EM = 0.5            # a non-final line ending this far short of the edge is short
LOOSE_TOLERANCE_EM = 0.005     # a line is loose above LOOSE_LIMIT + this (rounding of TJ)
KEPT_CONTEXT = 12              # characters of each line read around a break (kept spans)
BAND_GAP_LEADINGS = 3         # body lines this far apart on a page (a figure, a heading
                              # between runs of columns) start a new band of the page


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Stats:
    """Count, median, minimum and maximum of a list of measures (None when empty)."""

    count: int
    median: float | None
    min: float | None
    max: float | None

    @classmethod
    def of(cls, values: Sequence[float]) -> Stats:
        if not values:
            return cls(0, None, None, None)
        return cls(len(values), statistics.median(values), min(values), max(values))


@dataclass(frozen=True)
class TextBlock:
    """A text block (column) found from the body lines: its edges and leading, in pt."""

    left: float
    right: float
    leading: float
    lines: int


@dataclass
class TypographyReport:
    """The figures of one PDF; lengths in pt, gaps and advances in em."""

    path: str
    pages: int
    body_size: float | None
    body_font: str | None
    body_lines: int = 0
    #: Han characters in the body lines: without any, there is nothing to judge (not ok)
    han_characters: int = 0
    paragraphs: int = 0
    blocks: list[TextBlock] = field(default_factory=list)
    #: the baseline grid (step = the body leading, phase from the page top), None without lines
    grid_step: float | None = None
    grid_phase: float | None = None
    grid_lines: int = 0
    #: grid_lines / body_lines, None without a grid
    grid_share: float | None = None
    #: body lines off the grid; ``value`` = how far below the grid line above them (pt)
    off_grid: list[Finding] = field(default_factory=list)
    #: whether lines off the grid break a rule (the PDF says its theme set it on the grid)
    grid_required: bool = False
    forbidden_starts: list[Finding] = field(default_factory=list)
    forbidden_ends: list[Finding] = field(default_factory=list)
    nonfinal_lines: int = 0
    flush_lines: int = 0
    #: non-final lines that are not flush; ``value`` = right edge − line end (pt, < 0 overhangs)
    ragged_lines: list[Finding] = field(default_factory=list)
    han_latin_gaps: Stats = field(default_factory=lambda: Stats.of([]))
    #: x1 of the second mark − x0 of the first, in em
    punctuation_pairs: Stats = field(default_factory=lambda: Stats.of([]))
    #: the same, less the line's justification stretch (its median Han–Han gap, if positive)
    punctuation_pairs_net: Stats = field(default_factory=lambda: Stats.of([]))
    #: pairs whose net advance exceeds ``PAIR_TARGET_EM``; ``value`` = net advance in em
    loose_pairs: list[Finding] = field(default_factory=list)
    orphans: list[Finding] = field(default_factory=list)
    #: lines starting with an opening bracket or quote set full width (not cut to ½ em);
    #: ``value`` = where the bracket's box starts, in em right of the block's left edge
    start_brackets: list[Finding] = field(default_factory=list)
    #: lines starting with an opening bracket or quote cut to ½ em, as clreq 3.1.6.2 asks
    start_brackets_cut: int = 0
    #: lines starting with an interpunct (·): it belongs to the name before it
    interpunct_starts: list[Finding] = field(default_factory=list)
    #: pause marks (，、：；) and stops (。？！) followed by a Han character mid-line, by the
    #: width they are set in: full (they advance 1 em, less the line's stretch) or half
    pause_marks: dict[str, int] = field(default_factory=lambda: {"full": 0, "half": 0})
    stop_marks: dict[str, int] = field(default_factory=lambda: {"full": 0, "half": 0})

    #: line breaks splitting a number from its unit, a date, or a name at its interpunct
    #: (clreq.KEPT_TOGETHER); on the line before the break, ``text`` = "end | start"
    kept_breaks: list[Finding] = field(default_factory=list)
    #: the non-final line with the widest justification stretch (``value``, em per Han gap)
    loosest_line: Finding | None = None
    #: non-final lines stretched beyond clreq.LOOSE_LIMIT em per gap
    loose_lines: list[Finding] = field(default_factory=list)
    #: non-final lines ending SHORT_LINE_EM or more short of the edge (the worst ragged lines)
    short_lines: list[Finding] = field(default_factory=list)

    @property
    def punctuation_style(self) -> str | None:
        """The punctuation style most marks are measured in: quanjiao (全角式), kaiming
        (开明式), banjiao (半角式), or None without marks to measure. (A block may set its
        own style: the counts show a mix.)"""
        pauses, stops = self.pause_marks, self.stop_marks
        if not (sum(pauses.values()) or sum(stops.values())):
            return None
        if pauses["full"] > pauses["half"]:
            return "quanjiao"
        return "kaiming" if stops["full"] > stops["half"] else "banjiao"

    @property
    def flush_share(self) -> float | None:
        """Flush non-final lines / non-final lines, or None without non-final lines."""
        return self.flush_lines / self.nonfinal_lines if self.nonfinal_lines else None

    @property
    def found_text(self) -> bool:
        """Whether Chinese body text was found (a PDF of outlines, images or Latin text
        only has none, and passes nothing)."""
        return self.han_characters > 0

    @property
    def ok(self) -> bool:
        """Chinese body text found, with no forbidden line start or end, no 孤字, every
        non-final line flush (the clreq rules; `breaks_ok` has issue 18's figures)."""
        share = self.flush_share
        if self.grid_required and self.off_grid:
            return False
        return self.found_text and not (self.forbidden_starts or self.forbidden_ends or self.orphans
                    or (share is not None and share < 1.0) or self.start_brackets
                    or self.interpunct_starts)

    @property
    def breaks_ok(self) -> bool:
        """No number parted from its unit, no line looser than clreq.LOOSE_LIMIT, no short
        non-final line: targets still missed in some narrow columns (two columns on A5, 32开),
        so kept apart from `ok`; `passed` (and the CLI's exit status) needs both."""
        return self.found_text and not (self.kept_breaks or self.loose_lines or self.short_lines)

    @property
    def passed(self) -> bool:
        """Every rule of the report met: `ok` and `breaks_ok`."""
        return self.ok and self.breaks_ok

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (for JSON)."""
        data = asdict(self)
        data["flush_share"] = self.flush_share
        data["found_text"] = self.found_text
        data["pair_target_em"] = PAIR_TARGET_EM
        data["punctuation_style"] = self.punctuation_style
        data["ok"] = self.ok
        data["breaks_ok"] = self.breaks_ok
        data["passed"] = self.passed
        return data


# ----------------------------------------------------------------------------- reading
@dataclass
class _Glyph:
    text: str
    x0: float
    x1: float
    size: float
    font: str


@dataclass
class _Line:
    page: int
    baseline: float          # distance from the top of the page, pt
    glyphs: list[_Glyph]     # left to right, without white space
    size: float
    font: str
    block: int = -1          # index into the report's blocks
    number: int = 0          # 1-based among the page's body lines
    band: int = 0            # 0-based: runs of columns stacked on a page, top down

    @property
    def x0(self) -> float:
        return self.glyphs[0].x0

    @property
    def x1(self) -> float:
        return self.glyphs[-1].x1

    @property
    def text(self) -> str:
        return "".join(g.text for g in self.glyphs)


def _font_name(name: str) -> str:
    """``ABCDEF+Name`` → ``Name``: subsets of one font count as one font."""
    prefix, plus, rest = name.partition("+")
    return rest if plus and len(prefix) == 6 and prefix.isalpha() and prefix.isupper() else name


def _read_lines(path: Path) -> tuple[int, list[_Line], bool]:
    """Page count, the text lines of every page (any size or font) and whether the PDF
    says its body is set on a baseline grid (brochure:grid in its XMP). The PDF is checked
    first (`builder.pdf.reading`: a regular file, no password, sane pages)."""
    with checked_pdf(path, content_budget=CONTENT_BUDGET) as checked, unreadable(path):
        grid_on = brochure_property(checked.document, "grid") == "on"
        try:
            pages = _read_glyphs(checked.data)
        except ImportError:  # pragma: no cover - depends on the installation
            raise BrochureError("the typography report needs pdfminer.six", path=path,
                                hint="install the test extra: pip install -e '.[test]'"
                                ) from None
    lines: list[_Line] = []
    for number, glyphs in enumerate(pages, start=1):
        lines.extend(_page_lines(number, glyphs))
    return len(pages), lines, grid_on


def _read_glyphs(data: bytes) -> list[list[tuple[_Glyph, float]]]:
    """Per page, the upright visible glyphs with their baselines (pt from the page top).

    pdfminer (which pdfplumber is built on) is used directly, with paths and images
    skipped: that reads the brochure about 40 % faster than ``pdfplumber``'s ``page.chars``.
    """
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LTChar, LTContainer, LTItem
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    class _TextOnly(PDFPageAggregator):
        def paint_path(self, *args: Any, **kwargs: Any) -> None:
            """Drawn paths are not text."""

        def render_image(self, *args: Any, **kwargs: Any) -> None:
            """Images are not text."""

    def walk(items: Iterable[LTItem], height: float, out: list[tuple[_Glyph, float]]) -> None:
        for item in items:
            if isinstance(item, LTChar):
                text = item.get_text()
                if text.strip() and item.upright and item.size > 0:
                    glyph = _Glyph(text, item.x0, item.x1, item.size, _font_name(item.fontname))
                    out.append((glyph, height - item.matrix[5]))
            elif isinstance(item, LTContainer):  # a form XObject
                walk(item, height, out)

    # pdfminer logs what it finds odd in a damaged file; an error that matters is raised
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    pages: list[list[tuple[_Glyph, float]]] = []
    manager = PDFResourceManager(caching=True)
    device = _TextOnly(manager, laparams=None)
    interpreter = PDFPageInterpreter(manager, device)
    with io.BytesIO(data) as file:
        document = PDFDocument(PDFParser(file))
        for page in PDFPage.create_pages(document):
            interpreter.process_page(page)
            layout = device.get_result()
            glyphs: list[tuple[_Glyph, float]] = []
            walk(layout, layout.height, glyphs)
            pages.append(glyphs)
    return pages


def _page_lines(page: int, glyphs: Iterable[tuple[_Glyph, float]]) -> list[_Line]:
    """Group one page's glyphs by baseline, then split baselines at wide gaps."""
    rows: list[tuple[float, list[_Glyph]]] = []   # (baseline, glyphs)
    by_baseline: dict[int, int] = {}
    for glyph, baseline in glyphs:
        key = round(baseline / BASELINE_TOLERANCE_PT)
        index = next((by_baseline[k] for k in (key, key - 1, key + 1) if k in by_baseline
                      and abs(rows[by_baseline[k]][0] - baseline) < BASELINE_TOLERANCE_PT),
                     None)
        if index is None:
            by_baseline[key] = len(rows)
            rows.append((baseline, [glyph]))
        else:
            rows[index][1].append(glyph)
    lines: list[_Line] = []
    for baseline, row in rows:
        row.sort(key=lambda g: g.x0)
        runs: list[list[_Glyph]] = [[]]
        for glyph in row:
            run = runs[-1]
            if run:
                last = run[-1]
                if glyph.text == last.text and abs(glyph.x0 - last.x0) < 0.1 * glyph.size:
                    continue  # the same glyph drawn twice (shadow, fake bold)
                if glyph.x0 - last.x1 > COLUMN_GAP_EM * max(glyph.size, last.size):
                    runs.append(run := [])
            run.append(glyph)
        lines.extend(_make_line(page, baseline, run) for run in _join_spaced(runs))
    return lines


def _join_spaced(runs: list[list[_Glyph]]) -> list[list[_Glyph]]:
    """Join back the pieces of one letter-spaced line: runs of a baseline parted by two or
    more wide gaps in a row of one width (a justified line of few characters, 项 目 组 邀 请)
    are one line; a lone wide gap (a gutter) still parts two lines, and so do runs holding
    two Han characters side by side, which such a line spaces too (table cells 指标 数值 单位)."""
    if len(runs) < 3:
        return runs
    gaps = [b[0].x0 - a[-1].x1 for a, b in zip(runs, runs[1:], strict=False)]
    spaced = [not any(is_han(a.text) and is_han(b.text) for a, b in zip(run, run[1:],
                                                                         strict=False))
              for run in runs]

    def even(i: int, j: int) -> bool:
        em = runs[i + 1][0].size
        return (abs(gaps[i] - gaps[j]) <= SPACED_GAP_TOLERANCE_EM * em
                and all(spaced[min(i, j):max(i, j) + 2]))

    joined = [runs[0]]
    for index, run in enumerate(runs[1:]):
        if (index > 0 and even(index, index - 1)) or (index + 1 < len(gaps)
                                                       and even(index, index + 1)):
            joined[-1] = joined[-1] + run
        else:
            joined.append(run)
    return joined


def _make_line(page: int, baseline: float, glyphs: list[_Glyph]) -> _Line:
    sizes: Counter[float] = Counter()
    fonts: Counter[str] = Counter()
    for glyph in glyphs:
        sizes[round(glyph.size, 2)] += 1
        fonts[glyph.font] += 1
    return _Line(page, baseline, glyphs, sizes.most_common(1)[0][0], fonts.most_common(1)[0][0])


# ----------------------------------------------------------------------------- geometry
def _mode(values: Sequence[float], tolerance: float) -> float:
    """The centre of the densest window of width 2 × ``tolerance`` (ties: the rightmost)."""
    ordered = sorted(values)
    best, best_count = 0, -1
    for i, value in enumerate(ordered):
        count = (bisect.bisect_right(ordered, value + tolerance)
                 - bisect.bisect_left(ordered, value - tolerance))
        if count >= best_count:
            best, best_count = i, count
    centre = ordered[best]
    window = [v for v in ordered if abs(v - centre) <= tolerance]
    return statistics.median(window)


def _find_blocks(lines: list[_Line], em: float) -> list[TextBlock]:
    """Text blocks from the body lines' starts and ends; sets each line's ``block``."""
    starts = sorted(line.x0 for line in lines)
    clusters: list[list[float]] = [[starts[0]]]
    for x in starts[1:]:
        if x - clusters[-1][-1] > INDENT_MAX_EM * em:
            clusters.append([])
        clusters[-1].append(x)
    lefts = []
    for cluster in clusters:
        # The edge: the most common start within 1 em of the leftmost one; lines starting
        # further right are indented, lines starting left of it begin with a cut bracket.
        near = [x for x in cluster if x <= cluster[0] + em]
        lefts.append(_mode(near, FLUSH_TOLERANCE_PT))
    members: list[list[_Line]] = [[] for _ in lefts]
    for line in lines:
        index = max((i for i, left in enumerate(lefts) if left <= line.x0 + em), default=0)
        line.block = index
        members[index].append(line)
    blocks = []
    for left, group in zip(lefts, members, strict=True):
        group.sort(key=lambda line: (line.page, line.baseline))
        ends = [line.x1 for line in group if line.glyphs[-1].text[-1] not in
                LINE_START_FORBIDDEN] or [line.x1 for line in group]
        steps = [b.baseline - a.baseline for a, b in zip(group, group[1:], strict=False)
                 if a.page == b.page and b.baseline > a.baseline]
        leading = _mode(steps, 0.05) if steps else 2 * em
        blocks.append(TextBlock(round(left, 2), round(_mode(ends, FLUSH_TOLERANCE_PT), 2),
                                round(leading, 2), len(group)))
    return blocks


def _find_bands(lines: list[_Line], blocks: list[TextBlock]) -> None:
    """Set each line's ``band``: a page whose body lines leave a gap of BAND_GAP_LEADINGS
    or more across every block (a figure or a title between two runs of columns) is read
    band by band, each band column by column."""
    if not blocks:
        return
    gap = BAND_GAP_LEADINGS * max(block.leading for block in blocks)
    by_page: dict[int, list[_Line]] = {}
    for line in lines:
        by_page.setdefault(line.page, []).append(line)
    for page_lines in by_page.values():
        page_lines.sort(key=lambda line: line.baseline)
        band, last = 0, page_lines[0].baseline
        for line in page_lines:
            band += line.baseline - last > gap
            line.band, last = band, line.baseline


def _paragraphs(lines: list[_Line], blocks: list[TextBlock]) -> list[list[_Line]]:
    """Split the body lines, in reading order, into paragraphs."""
    bottoms: dict[int, float] = {}
    for line in lines:
        bottoms[line.block] = max(bottoms.get(line.block, 0.0), line.baseline)
    band_bottoms: dict[tuple[int, int, int], float] = {}
    last_band: dict[int, int] = {}
    for line in lines:
        key = (line.page, line.band, line.block)
        band_bottoms[key] = max(band_bottoms.get(key, 0.0), line.baseline)
        last_band[line.page] = max(last_band.get(line.page, 0), line.band)
    paragraphs: list[list[_Line]] = []
    previous: _Line | None = None
    for line in lines:
        block = blocks[line.block]
        indented = line.x0 - block.left >= INDENT_MIN_EM * line.size
        if previous is None or indented:
            new = True
        elif previous.page != line.page or previous.block != line.block \
                or previous.band != line.band:
            # continues only from a full column: the previous line sits near the bottom
            # (of its band, in a band above another on the page)
            bottom = bottoms[previous.block] if previous.band == last_band[previous.page] \
                else band_bottoms[(previous.page, previous.band, previous.block)]
            new = (bottom - previous.baseline
                   > FULL_COLUMN_LEADINGS * blocks[previous.block].leading)
        else:
            step = line.baseline - previous.baseline
            new = step <= 0 or step > block.leading * LEADING_SLACK
        if new:
            paragraphs.append([])
        paragraphs[-1].append(line)
        previous = line
    return paragraphs


# ----------------------------------------------------------------------------- measures
def _is_mark(char: str) -> bool:
    return (unicodedata.category(char).startswith("P") or char in LINE_START_FORBIDDEN
            or char in LINE_END_FORBIDDEN)


def _is_flush(line: _Line, right: float) -> bool:
    last = line.glyphs[-1]
    if abs(last.x1 - right) <= FLUSH_TOLERANCE_PT:
        return True
    # a closing or pause mark cut to ½ em at the line end: its box still spans 1 em
    return (last.text in HALF_CUT_AT_LINE_END
            and abs(last.x0 + last.size / 2 - right) <= FLUSH_TOLERANCE_PT)


def _stretch(line: _Line) -> float:
    """The line's justification stretch in em: its median gap between two Han glyphs, ≥ 0."""
    gaps = [(b.x0 - a.x1) / b.size for a, b in zip(line.glyphs, line.glyphs[1:], strict=False)
            if is_han(a.text[-1]) and is_han(b.text[0])]
    return max(0.0, statistics.median(gaps)) if gaps else 0.0


@dataclass
class BodyText:
    """The body text of a document: its size and font, its lines in reading order (numbered
    per page), its text blocks and its paragraphs. Empty lists when none was found."""

    size: float | None
    font: str | None
    lines: list[_Line] = field(default_factory=list)
    blocks: list[TextBlock] = field(default_factory=list)
    paragraphs: list[list[_Line]] = field(default_factory=list)


LONG_LINE = 12
"""Glyphs of a line that counts towards the body size: a paragraph's line, not a table
cell's or a label's (a table-heavy document has more glyphs in cells than in paragraphs)."""


def find_body(lines: list[_Line], body_size: float | None = None) -> BodyText:
    """The body lines among ``lines`` (see the module docstring), their blocks and
    paragraphs; ``body_size`` (pt) selects them, by default the most common glyph size of
    the lines of LONG_LINE glyphs or more."""
    sizes: Counter[float] = Counter()
    long_lines = [line for line in lines if len(line.glyphs) >= LONG_LINE] or lines
    for line in long_lines:  # not table cells and chart labels, however many
        for glyph in line.glyphs:
            sizes[round(glyph.size, 2)] += 1
    if body_size is None and sizes:
        body_size = sizes.most_common(1)[0][0]
    if body_size is None:
        return BodyText(None, None)
    fonts = Counter(g.font for line in long_lines for g in line.glyphs
                    if abs(g.size - body_size) < 0.05) or Counter(
        g.font for line in lines for g in line.glyphs if abs(g.size - body_size) < 0.05)
    if not fonts:
        return BodyText(body_size, None)
    font = fonts.most_common(1)[0][0]
    body = [line for line in lines if abs(line.size - body_size) < 0.05 and line.font == font]
    if not body:
        return BodyText(body_size, font)
    blocks = _find_blocks(body, body_size)
    _find_bands(body, blocks)
    # reading order: page, band, then block (column) left to right, then top to bottom
    body.sort(key=lambda line: (line.page, line.band, line.block, line.baseline))
    per_page: Counter[int] = Counter()
    for line in body:
        per_page[line.page] += 1
        line.number = per_page[line.page]
    return BodyText(body_size, font, body, blocks, _paragraphs(body, blocks))


GRID_TOLERANCE_PT = 0.25      # a body baseline this close to a line of the grid is on it
GRID_STEP_MAX_EM = 2.5        # the grid's step: the leading, at most this many body sizes


def _measure_grid(report: TypographyReport, body: list[_Line], required: bool) -> None:
    """The baseline grid of the body lines: its step is the body leading (the most common
    step between neighbouring lines of a column, of at most GRID_STEP_MAX_EM), its phase
    the most common baseline position modulo the step, over every page; each line more
    than GRID_TOLERANCE_PT from a grid line is off it."""
    report.grid_required = required
    if not report.blocks or report.body_size is None:
        return
    columns: dict[tuple[int, int], list[float]] = {}
    for line in body:
        columns.setdefault((line.page, line.block), []).append(line.baseline)
    steps = [b - a for baselines in columns.values()
             for a, b in zip(sorted(baselines), sorted(baselines)[1:], strict=False)
             if 0 < b - a <= GRID_STEP_MAX_EM * report.body_size]
    step = _mode(steps, 0.05) if steps else max(block.leading for block in report.blocks)
    if step <= 0:
        return
    residues = [line.baseline % step for line in body]
    # the densest window, wrapping around the step (a phase near 0 is near the step too)
    wrapped = residues + [r + step for r in residues if r < 2 * GRID_TOLERANCE_PT]
    phase = _mode(wrapped, GRID_TOLERANCE_PT) % step
    report.grid_step, report.grid_phase = round(step, 3), round(phase, 3)
    for line in body:
        off = (line.baseline - phase) % step
        if min(off, step - off) <= GRID_TOLERANCE_PT:
            report.grid_lines += 1
        else:
            report.off_grid.append(_finding(
                line, "off-grid", "the line is off the baseline grid", "", off))
    report.grid_share = report.grid_lines / len(body)


def _finding(line: _Line, rule: str, message: str, mark: str = "",
             value: float | None = None) -> Finding:
    """A finding on a body line: where it is, its text, the mark at fault, a measure."""
    return Finding(rule, "error", message, line=line.number, page=line.page, text=line.text,
                   mark=mark, value=None if value is None else round(value, 3))


def analyze_pdf(path: Path, body_size: float | None = None,
                grid: bool | None = None) -> TypographyReport:
    """Measure the Chinese body text of the PDF at ``path`` (see the module docstring).

    ``body_size`` (pt) selects the body lines; by default the most common glyph size.
    ``grid``: whether a body line off the baseline grid breaks a rule; by default as the
    PDF says (its theme's ``grid``, written in its XMP as ``brochure:grid``).
    Raises ``BrochureError`` for a missing or unreadable file.
    """
    path = Path(path)
    pages, lines, grid_on = _read_lines(path)
    grid_required = grid_on if grid is None else grid
    body_text = find_body(lines, body_size)
    report = TypographyReport(str(path), pages, body_text.size, body_text.font)
    body, paragraphs = body_text.lines, body_text.paragraphs
    if not body:
        return report
    report.body_lines = len(body)
    report.han_characters = sum(is_han(c) for line in body for g in line.glyphs for c in g.text)
    report.blocks = body_text.blocks
    report.paragraphs = len(paragraphs)

    _mark_advances(report, body)  # first: the pairs' advances depend on the style
    half_style = report.punctuation_style in ("kaiming", "banjiao")
    gaps: list[float] = []
    pairs: list[float] = []
    net_pairs: list[float] = []
    for line in body:
        first, last = line.glyphs[0].text[0], line.glyphs[-1].text[-1]
        if first in LINE_START_FORBIDDEN:
            report.forbidden_starts.append(
                _finding(line, "forbidden-start", f"the line starts with 「{first}」", first))
        if last in LINE_END_FORBIDDEN:
            report.forbidden_ends.append(
                _finding(line, "forbidden-end", f"the line ends with 「{last}」", last))
        glyphs = line.glyphs
        for index, (a, b) in enumerate(zip(glyphs, glyphs[1:], strict=False)):
            ca, cb = a.text[-1], b.text[0]
            if (is_han(ca) and is_latin(cb)) or (is_latin(ca) and is_han(cb)):
                gaps.append((b.x0 - a.x1) / max(a.size, b.size))
            if ca in FULL_WIDTH_MARKS and cb in FULL_WIDTH_MARKS:
                stretch = _stretch(line)
                advance = _pair_advance(glyphs, index, stretch,
                                        _half_marks(line, half_style, stretch))
                net = advance - stretch
                pairs.append(advance)
                net_pairs.append(net)
                if net > PAIR_TARGET_EM + 0.01:
                    report.loose_pairs.append(_finding(
                        line, "loose-pair", f"「{ca}{cb}」 takes {net:.2f} em", ca + cb, net))

    for paragraph in paragraphs:
        for line in paragraph[:-1]:
            report.nonfinal_lines += 1
            right = report.blocks[line.block].right
            if _is_flush(line, right):
                report.flush_lines += 1
            else:
                report.ragged_lines.append(_finding(
                    line, "ragged-line", "the line stops short of the right edge", "",
                    right - line.x1))
        last_line = paragraph[-1]
        if len(paragraph) > 1 and sum(not _is_mark(g.text[0]) for g in last_line.glyphs) <= 1:
            report.orphans.append(_finding(
                last_line, "orphan", "the last line holds one character (孤字)",
                last_line.text))
    _line_starts(report, body_text)
    report.kept_breaks = find_kept_breaks(paragraphs)
    report.loosest_line, report.loose_lines = find_loose_lines(paragraphs)
    report.short_lines = find_short_lines(report.ragged_lines, body_text.size or 0.0)
    report.han_latin_gaps = Stats.of([round(gap, 4) + 0.0 for gap in gaps])
    report.punctuation_pairs = Stats.of([round(pair, 4) + 0.0 for pair in pairs])
    report.punctuation_pairs_net = Stats.of([round(pair, 4) + 0.0 for pair in net_pairs])
    _measure_grid(report, body, grid_required)
    return report


def _pair_advance(glyphs: list[_Glyph], index: int, stretch: float, half: bool) -> float:
    """The advance in em of the marks glyphs[index] and glyphs[index + 1]: to the second's box
    end, or where the next glyph starts (less the line's stretch, in em) if that is nearer:
    a half-width mark (开明式, 半角式) still has a 1 em box, its empty half under the next
    glyph. At the line's end, a closing mark of a line set in half-width marks (`half`)
    takes its ink half only."""
    a, b = glyphs[index], glyphs[index + 1]
    size = max(a.size, b.size)
    end = b.x1
    if index + 2 < len(glyphs):
        end = min(end, glyphs[index + 2].x0 - stretch * size)
    elif half and b.text[-1] in BLANK_RIGHT:
        end = b.x0 + b.size / 2
    return (end - a.x0) / size


def _half_marks(line: _Line, default: bool, stretch: float) -> bool:
    """Whether a line's pause marks (，、：；) are set half width (开明式, 半角式), as measured
    on the line (whose justification `stretch` is given), else as the document's
    (`default`)."""
    for a, b in zip(line.glyphs, line.glyphs[1:], strict=False):
        if a.text[-1] in PAUSE_MARKS and is_han(b.text[0]):
            return not _set_full(a, b, stretch)
    return default


def _set_full(mark: _Glyph, after: _Glyph, stretch: float) -> bool:
    """Whether a mark followed by a Han character is set full width: the advance from the
    mark to it, less the line's stretch (em), is about 1 em full and ½ em half (above ¾)."""
    return (after.x0 - mark.x0) / mark.size - stretch > 0.75


def _line_starts(report: TypographyReport, body_text: BodyText) -> None:
    """Line-start brackets at full width and interpuncts at a line start (clreq 3.1.6.2).

    A bracket's box is cut by half an em: where the box starts, in em right of its text
    block's left edge, is then a whole number less ½ (−0.5, or 1.5 inside a 2 em indent);
    a whole number (0, 2) means the bracket took its full em."""
    for line in body_text.lines:
        first = line.glyphs[0]
        if first.text[0] in INTERPUNCTS:
            report.interpunct_starts.append(_finding(
                line, "interpunct-start", f"the line starts with 「{first.text[0]}」",
                first.text[0]))
        if first.text[0] not in BLANK_LEFT:
            continue
        offset = (first.x0 - body_text.blocks[line.block].left) / first.size
        if abs(offset - round(offset)) <= START_CUT_TOLERANCE_EM:
            report.start_brackets.append(_finding(
                line, "start-bracket", f"「{first.text[0]}」 starts the line at full width",
                first.text[0], offset))
        elif abs(abs(offset - round(offset)) - 0.5) <= START_CUT_TOLERANCE_EM:
            report.start_brackets_cut += 1


PAUSE_MARKS = "，、：；"
"""Marks set half width in 开明式 (with the brackets and quotes); FULL_IN_KAIMING stay 1 em."""


def _mark_advances(report: TypographyReport, body: list[_Line]) -> None:
    """Count pause marks and stops by width: the advance from the mark to the Han character
    after it, less the line's justification stretch, is about 1 em set full width, ½ em
    half (above ¾ em: full)."""
    for line in body:
        stretch = None
        for a, b in zip(line.glyphs, line.glyphs[1:], strict=False):
            mark = a.text[-1]
            if (mark in PAUSE_MARKS or mark in FULL_IN_KAIMING) and is_han(b.text[0]):
                stretch = _stretch(line) if stretch is None else stretch
                width = "full" if _set_full(a, b, stretch) else "half"
                (report.stop_marks if mark in FULL_IN_KAIMING else report.pause_marks)[width] += 1


def _start_rows(report: TypographyReport) -> list[str]:
    """The report's rows on line starts and mark widths (see `_line_starts`)."""
    cut = report.start_brackets_cut
    out = [f"line-start brackets at full width: {len(report.start_brackets)} "
           f"({cut} cut to ½ em, as clreq 3.1.6.2 asks)"]
    out += [f"  p.{f.page} l.{f.line}  「{f.mark}」 at {f.value or 0.0:+.2f} em  {f.text}"
            for f in report.start_brackets]
    out.append(f"interpunct at a line start: {len(report.interpunct_starts)}")
    out += _list(report.interpunct_starts, "mark")
    style = report.punctuation_style
    pauses, stops = report.pause_marks, report.stop_marks
    out.append(f"punctuation style measured: {style or '–'} (，、：； {pauses['full']} full, "
               f"{pauses['half']} half width; 。？！ {stops['full']} full, {stops['half']} half)")
    return out


def find_kept_breaks(paragraphs: list[list[_Line]]) -> list[Finding]:
    """Breaks between two lines of a paragraph that split a number from its unit ("2 | 月7日",
    "69.3亿 | 元"), a date, or a name at its interpunct ("史蒂文· | 巴奈特")."""
    found = []
    for paragraph in paragraphs:
        for line, after in zip(paragraph, paragraph[1:], strict=False):
            end, start = line.text[-KEPT_CONTEXT:], after.text[:KEPT_CONTEXT]
            if breaks_kept(end, start):
                found.append(Finding("kept-break", "error", "a line break parts a number from "
                                     "its unit (or a name from its interpunct)",
                                     line=line.number, page=line.page,
                                     text=f"{end} | {start}"))
    return found


def find_loose_lines(paragraphs: list[list[_Line]]) -> tuple[Finding | None, list[Finding]]:
    """The loosest non-final line (its stretch: the median gap between two Han glyphs, em)
    and the lines looser than clreq.LOOSE_LIMIT."""
    loosest: Finding | None = None
    loose = []
    for paragraph in paragraphs:
        for line in paragraph[:-1]:
            stretch = _stretch(line)
            if loosest is None or stretch > (loosest.value or 0.0):
                loosest = _finding(line, "loosest-line", "the loosest line", "", stretch)
            if stretch > LOOSE_LIMIT + LOOSE_TOLERANCE_EM:
                loose.append(_finding(line, "loose-line", f"the line is stretched "
                                      f"{stretch:.2f} em a gap", "", stretch))
    return loosest, loose


def find_short_lines(ragged: list[Finding], size: float) -> list[Finding]:
    """The ragged non-final lines ending SHORT_LINE_EM or more short of the right edge."""
    return [Finding("short-line", "error", "a non-final line ends short of the edge",
                    line=f.line, page=f.page, text=f.text, value=f.value)
            for f in ragged if (f.value or 0.0) >= SHORT_LINE_EM * size]


def format_breaks(report: TypographyReport) -> list[str]:
    """The rows of number–unit breaks, the loosest line and short lines."""
    out = [f"number–unit breaks (and name·name): {len(report.kept_breaks)}"]
    out += [f"  p.{f.page} l.{f.line}  {f.text}" for f in report.kept_breaks]
    loosest = report.loosest_line
    if loosest is None:
        out.append("loosest line: – (no non-final lines)")
    else:
        out.append(f"loosest line: {loosest.value or 0.0:.3f} em a gap (limit {LOOSE_LIMIT:g}), "
                   f"p.{loosest.page} l.{loosest.line}  {loosest.text}; "
                   f"{len(report.loose_lines)} lines above the limit")
    out += [f"  p.{f.page} l.{f.line}  {f.value or 0.0:.3f} em  {f.text}"
            for f in report.loose_lines]
    out.append(f"short non-final lines (≥ {SHORT_LINE_EM:g} em short): {len(report.short_lines)}")
    out += _list(report.short_lines, "pt")
    return out


# ----------------------------------------------------------------------------- output
def _em(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _list(findings: list[Finding], detail: str) -> list[str]:
    """Indented rows ``p.PAGE l.LINE  DETAIL  TEXT``; ``detail`` is "mark" or "pt"."""
    rows = []
    for f in findings:
        shown = f"「{f.mark}」" if detail == "mark" else f"{f.value or 0.0:+7.2f} pt"
        rows.append(f"  p.{f.page} l.{f.line}  {shown}  {f.text}")
    return rows


def _grid_rows(report: TypographyReport) -> list[str]:
    """The grid row and the lines off the grid (``value`` = pt below the grid line above)."""
    share = report.grid_share
    if share is None:
        return ["baseline grid: –"]
    rule = "required by the theme" if report.grid_required else "not required"
    rows = [f"baseline grid: {share:.1%} of {report.body_lines} body lines on one grid "
            f"(step {report.grid_step:.2f} pt, phase {report.grid_phase:.2f} pt from the page "
            f"top; {rule}), {len(report.off_grid)} off it (value = pt below the grid line)"]
    return rows + _list(report.off_grid, "pt")


def format_report(report: TypographyReport) -> str:
    """The report as text: figures, offending lines, and a summary line."""
    out = [f"typography of {report.path}: {report.pages} pages"]
    if not report.body_lines:
        out.append("no body text found"
                   + (f" at {report.body_size:g} pt" if report.body_size else ""))
    else:
        out.append(f"body text: {report.body_size:g} pt {report.body_font}, "
                   f"{report.body_lines} lines in {report.paragraphs} paragraphs")
        for block in report.blocks:
            out.append(f"  text block: left {block.left:.2f} pt, right {block.right:.2f} pt, "
                       f"leading {block.leading:.2f} pt, {block.lines} lines")
    out += _grid_rows(report)
    out.append(f"forbidden line starts: {len(report.forbidden_starts)}")
    out += _list(report.forbidden_starts, "mark")
    out.append(f"forbidden line ends: {len(report.forbidden_ends)}")
    out += _list(report.forbidden_ends, "mark")
    share = report.flush_share
    share_text = "–" if share is None else f"{share:.1%}"
    out.append(f"flush right: {share_text} of {report.nonfinal_lines} non-final lines "
               f"({report.flush_lines} flush, {len(report.ragged_lines)} ragged; "
               "value = right edge − line end)")
    out += _list(report.ragged_lines, "pt")
    gaps = report.han_latin_gaps
    out.append(f"Han–Latin gap: median {_em(gaps.median)} em, min {_em(gaps.min)}, "
               f"max {_em(gaps.max)} ({gaps.count} places)")
    pairs, net = report.punctuation_pairs, report.punctuation_pairs_net
    out.append(f"adjacent full-width marks: max {_em(pairs.max)} em over {pairs.count} pairs "
               f"({_em(net.max)} em less the line's justification stretch), "
               f"{len(report.loose_pairs)} above the target {PAIR_TARGET_EM:g} em")
    grouped: dict[tuple[int | None, int], list[Finding]] = {}
    for f in report.loose_pairs:
        grouped.setdefault((f.page, f.line), []).append(f)
    for (page, line), found in grouped.items():
        marks = " ".join(f"「{f.mark}」{f.value or 0.0:.2f}" for f in found)
        out.append(f"  p.{page} l.{line}  {marks} em  {found[0].text}")
    out.append(f"孤字 (last line of one character): {len(report.orphans)}")
    out += [f"  p.{f.page} l.{f.line}  {f.text}" for f in report.orphans]
    out += _start_rows(report)
    out += format_breaks(report)
    if not report.found_text:
        out.append("summary: FAIL: no Chinese body text found, so nothing was checked (text "
                   "drawn as outlines or images cannot be read; --body-size picks the body)")
        return "\n".join(out)
    verdict = "ok" if report.passed else "FAIL"
    grid = f"{len(report.off_grid)} lines off the grid, " if report.grid_required else ""
    out.append(f"summary: {verdict}: {grid}{len(report.forbidden_starts)} forbidden line starts, "
               f"{len(report.forbidden_ends)} forbidden line ends, {len(report.orphans)} 孤字, "
               f"flush {share_text} of {report.nonfinal_lines} lines, Han–Latin gap median "
               f"{_em(gaps.median)} em, mark pairs max {_em(pairs.max)} em, "
               f"{len(report.start_brackets)} full-width line-start brackets, "
               f"{len(report.interpunct_starts)} line-start interpuncts, "
               f"{len(report.kept_breaks)} number–unit breaks, {len(report.loose_lines)} loose "
               f"and {len(report.short_lines)} short lines")
    return "\n".join(out)


def format_json(report: TypographyReport) -> str:
    """The report as JSON (UTF-8 text, not ASCII-escaped)."""
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
