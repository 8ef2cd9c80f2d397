"""Chinese line composition to clreq: atoms, break rules, total-fit line breaking, drawing.

A paragraph is cut into atoms (a Han character, a Latin word or number, a punctuation mark, a
space). Between two atoms lies a gap whose natural width, shrink and stretch follow clreq:
¼ em between Han and Latin, −½ em between two marks whose empty halves meet (compression).
Breaks are allowed only where the prohibition rules allow them; the breaks of a whole
paragraph are chosen together (dynamic programming) so that every line but the last is
justified to the measure and the last line never holds a single character. Where that leaves
a line too loose or a number parted from its unit, the paragraph is set again with its Latin
words hyphenated, and the cheaper setting kept.

Glyphs are drawn one text object per line, with TJ position adjustments (never inserted
space characters), so text extraction returns the characters exactly as written.
"""

from __future__ import annotations

import functools
import math
import re
import string
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import accumulate
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary, WeakSet

from reportlab.lib.rl_accel import escapePDF
from reportlab.pdfbase.pdfmetrics import stringWidth

from builder.engine.private import set_fill_overprint, subset_glyph
from builder.typeset import tags
from builder.typeset.clreq import (
    BLANK_LEFT,
    BLANK_RIGHT,
    INTERPUNCTS,
    LATIN_RUN,
    LINE_END_FORBIDDEN,
    LINE_START_FORBIDDEN,
    LOOSE_LIMIT,
    PUNCTUATION,
    UNBREAKABLE_PAIRS,
    half_width,
    is_han,
    is_latin,
    kept_spans,
)

if TYPE_CHECKING:
    import pyphen

HAN_LATIN_GAP = 0.25      # em, natural gap between Han and Latin (clreq: up to ¼ em)
HAN_LATIN_MIN = 0.125     # em, the gap may shrink to this
HAN_LATIN_WEIGHT = 1.5    # a space between Latin words takes this many shares of the stretch
                          # (a Han–Latin gap takes none: only its reserve, HAN_LATIN_MAX)
HAN_LATIN_MAX = 0.5       # em: a Han–Latin gap stretches this far (clreq: "up to ½ em") once
                          # the Han gaps reach clreq.LOOSE_LIMIT, before they go on
SPACE_MAX = 0.5           # em: and a Latin word space this far (clreq: up to ½ em)
RESERVE_COST = 400.0      # badness of 1 em of that reserve stretch in a line
COMPRESSION = 0.5         # em removed where two empty halves of marks meet
LONELY_PENALTY = 200_000.0  # cost of a last line with one character (孤字): above a loose
                           # line (LOOSE_PENALTY) up to about 0.45 em a gap
LOOSE_PENALTY = 20_000.0  # extra cost of a line looser than clreq.LOOSE_LIMIT em a gap,
                          # times (looseness / limit)²: chosen only when nothing else fits,
                          # and then spread over lines rather than piled on one
KEPT_PENALTY = 5_000.0    # a break inside a number with its unit, a date or name·name
                          # (clreq.KEPT_TOGETHER): below LOOSE_PENALTY, so such a break is
                          # taken only where keeping the span would make a line too loose
SHRINK_COST = 1600.0      # badness of a line squeezed by 1 em (¼ em: as 0.1 em a gap of
                          # stretch): compressing marks and Han–Latin gaps is used where it
                          # helps, not everywhere
HYPHEN_PENALTY = 3_000.0  # a break inside a Latin word (with a hyphen): below KEPT_PENALTY and
                          # a loose line, above any line within clreq.LOOSE_LIMIT
HYPHEN = "\u00ad"        # drawn at such a break: the font's hyphen glyph, read back as a soft
                          # hyphen (PDF 32000-1 14.8.2.2.3), so the word extracts whole
HYPHEN_MIN_WORD = 6       # letters a word needs to be hyphenated (TeX: 2 before, 3 after)
LOOSEST = 4.0             # em of stretch beyond which a line is costed only if nothing fits
TJ_STEP = 80              # largest rightward TJ move in 1/1000 em written at once
BASELINE_DROP = 0.88      # em from the top of a glyph's box to its baseline (draw_lines)
EMPHASIS = re.compile(r"\*\*(.+?)\*\*")


@dataclass(frozen=True)
class Run:
    """A piece of paragraph text in one style variant."""

    text: str
    bold: bool = False
    color: object | None = None
    """None: the paragraph's colour."""
    keep: bool = False
    """No line break inside the run (a number with its unit: 90.62亿元)."""


def parse_emphasis(text: str) -> list[Run]:
    """Split text on the one inline markup authors have: **bold**. Everything else is literal."""
    runs: list[Run] = []
    position = 0
    for match in EMPHASIS.finditer(text):
        if match.start() > position:
            runs.append(Run(text[position:match.start()]))
        runs.append(Run(match.group(1), bold=True))
        position = match.end()
    if position < len(text):
        runs.append(Run(text[position:]))
    return runs


@dataclass(frozen=True)
class TextStyle:
    """What the composer needs to know of a paragraph style."""

    font: str
    bold_font: str
    size: float
    leading: float
    color: object
    indent: float = 0.0          # first-line indent in em
    align: str = "justify"       # justify | left | center | right
    punctuation: str = "quanjiao"  # quanjiao | kaiming | banjiao (clreq.PUNCTUATION_STYLES)
    half_start_bracket: bool = True
    """An opening bracket or quote that starts a line (or the paragraph, inside the
    indent) is set half width (clreq 3.1.6.2)."""
    hyphenation: str = "en_US"
    """The pyphen dictionary that breaks Latin words at a line end, or "off"."""
    half_interpunct: bool = True
    """The interpunct takes ½ em (Simplified Chinese), else 1 em (clreq.half_width_interpunct)."""


@dataclass
class Atom:
    text: str
    font: str
    width: float
    kind: str  # han | latin | mark | space | other | piece (of a word wider than the line)
    color: object | None = None
    bound: bool = False
    """No line break before it (it continues a run that keeps together)."""
    shift: float = 0.0
    """How far left of the atom's box its glyph is drawn: the empty half cut from a
    half-width opening mark (negative: a narrow glyph centred in a wider box)."""
    trimmed: bool = False
    """A mark set half width by the punctuation style (its empty half is gone)."""
    collapsed: bool = False
    """A space next to Han or a mark, set as the Han–Latin gap (¼ em, to ½ em at most)."""
    hyphen: bool = False
    """A syllable after the first of a hyphenated word: a line may end before it, with a
    hyphen (HYPHEN_PENALTY)."""


@dataclass
class Gap:
    natural: float = 0.0
    shrink_latin: float = 0.0    # first to give: Han–Latin gaps down to ⅛ em
    shrink_mark: float = 0.0     # then: the empty half of a mark
    weight: float = 1.0          # shares of the line's stretch this gap takes (0: none)
    reserve: float = 0.0         # stretch held back until Han gaps reach clreq.LOOSE_LIMIT:
                                 # Han–Latin gaps and Latin word spaces up to ½ em


@dataclass
class Glyph:
    char: str
    font: str
    x: float
    width: float
    color: object | None = None


@dataclass
class Line:
    glyphs: list[Glyph]
    width: float          # the measure this line was set to
    last: bool = False
    cut: float = 0.0
    """The empty part of the first glyph's box left of the line's ink: a line-start
    bracket's cut half (the glyph is drawn that far left of where the line starts)."""
    space: bool = False
    """The line ends at a space of the text (Text | Layout): draw_lines writes it after the
    ink, so that the text read from the PDF (and by a screen reader) keeps the two words."""

    @property
    def text(self) -> str:
        return "".join(g.char for g in self.glyphs)


_WIDTHS: dict[tuple[str, float], dict[str, float]] = {}


def text_width(text: str, font: str, size: float) -> float:
    """ReportLab's stringWidth, memoized per font and size: the same glyphs come back often."""
    widths = _WIDTHS.get((font, size))
    if widths is None:
        widths = _WIDTHS[(font, size)] = {}
    width = widths.get(text)
    if width is None:
        width = widths[text] = stringWidth(text, font, size)
    return width


def _is_letter(atom: Atom) -> bool:
    """An atom that counts as a character of a line (not a mark, a space or a lone
    symbol such as & that reads as punctuation): a 孤字 is one of these alone."""
    return atom.kind not in ("mark", "space") and not all(
        unicodedata.category(char).startswith("P") for char in atom.text)


def atomize(runs: Sequence[Run], style: TextStyle) -> list[Atom]:
    """Cut styled runs into atoms."""
    atoms: list[Atom] = []
    size = style.size
    for run in runs:
        font, color = (style.bold_font if run.bold else style.font), run.color
        text_width(" ", font, size)  # makes sure the font's width table exists
        widths = _WIDTHS[(font, size)]
        position, first = 0, len(atoms)
        text = run.text
        while position < len(text):
            char = text[position]
            match = LATIN_RUN.match(text, position) if char in _LATIN_START else None
            if match and match.end() > position:
                piece, kind = match.group(), "latin"
            else:
                piece, kind = char, _KINDS.get(char) or _kind(char)
                if kind == "space":
                    piece = " "
            position += len(piece) if kind != "space" else _space_run(text, position)
            if kind == "latin" and style.hyphenation != "off" and len(piece) >= HYPHEN_MIN_WORD:
                syllables = hyphenated(piece, style.hyphenation)
                if len(syllables) > 1:
                    atoms += [Atom(part, font, text_width(part, font, size), kind, color,
                                   hyphen=number > 0) for number, part in enumerate(syllables)]
                    continue
            width = widths.get(piece)
            if width is None:
                width = text_width(piece, font, size)
            atom = Atom(piece, font, width, kind, color)
            if kind == "mark" or piece in INTERPUNCTS:
                _set_mark_width(atom, style)
            atoms.append(atom)
        if run.keep:
            for atom in atoms[first + 1:]:
                atom.bound = True
    return _collapse_spaces(atoms, style.size)


@functools.cache
def hyphenated(word: str, language: str) -> tuple[str, ...]:
    """A word cut at its hyphenation points: plain ASCII words of lower-case letters after
    the first (not a name written in capitals or camel case: ISO, PostgreSQL), two letters
    at least before a cut and three after."""
    if not (word.isascii() and word.isalpha() and word[1:].islower()):
        return (word,)
    dictionary = _dictionary(language)
    cuts = [0, *dictionary.positions(word), len(word)]
    return tuple(word[a:b] for a, b in zip(cuts, cuts[1:], strict=False))


@functools.cache
def _dictionary(language: str) -> pyphen.Pyphen:
    import pyphen  # 25 ms, and 80 ms to read a dictionary: only when a word needs it

    return pyphen.Pyphen(lang=language, left=2, right=3)


_LATIN_START = frozenset("¥$€£#" + string.ascii_letters + string.digits)
"""The characters a LATIN_RUN match can start with."""
_KINDS: dict[str, str] = {"\u3000": "other"}
"""An ideographic space is a full-width character (1 em), not a collapsible space."""


def _set_mark_width(atom: Atom, style: TextStyle) -> None:
    """A mark's width in the paragraph's punctuation style: half width cuts its empty half
    (the ink half stays); an interpunct takes half an em (a whole one in Traditional Chinese)
    with its ink in the middle."""
    char, half = atom.text, 0.5 * style.size
    if char in INTERPUNCTS:
        box = half if style.half_interpunct else style.size
        atom.shift, atom.width, atom.trimmed = (atom.width - box) / 2, box, True
    elif (char in BLANK_RIGHT or char in BLANK_LEFT) and half_width(char, style.punctuation):
        atom.shift = atom.width - half if char in BLANK_LEFT else 0.0
        atom.width, atom.trimmed = half, True


def _hangs(atom: Atom) -> bool:
    """A full-width mark with its empty half on the right: at a line end that half may
    hang past the measure (a half-width mark has none left)."""
    return atom.text[-1] in BLANK_RIGHT and not atom.trimmed


def _kind(char: str) -> str:
    """The atom kind of a character outside a Latin run (memoized in _KINDS)."""
    kind = _KINDS[char] = ("han" if is_han(char) else "space" if char.isspace()
                           else "mark" if char in PUNCTUATION else
                           "latin" if is_latin(char) else "other")
    return kind


def _space_run(text: str, position: int) -> int:
    end = position
    while end < len(text) and text[end].isspace():
        end += 1
    return end - position


def _collapse_spaces(atoms: list[Atom], size: float) -> list[Atom]:
    """A space next to Han takes the Han–Latin gap's width; spaces at the ends are dropped."""
    while atoms and atoms[0].kind == "space":
        atoms.pop(0)
    while atoms and atoms[-1].kind == "space":
        atoms.pop()
    for index, atom in enumerate(atoms):
        if atom.kind != "space":
            continue
        neighbours = (atoms[index - 1].kind, atoms[index + 1].kind)
        if "han" in neighbours or "mark" in neighbours:
            atom.width, atom.collapsed = HAN_LATIN_GAP * size, True
    return atoms


def gap_between(a: Atom, b: Atom, em: float) -> Gap:
    """The gap between two neighbouring atoms."""
    if b.hyphen:  # two syllables of one word
        return Gap(weight=0)
    last, first = a.text[-1], b.text[0]
    if a.text + b.text in UNBREAKABLE_PAIRS or (last == first and last in "—…"):
        return Gap(weight=0)
    if last in PUNCTUATION and first in PUNCTUATION and (last in BLANK_RIGHT
                                                         or first in BLANK_LEFT):
        if not (a.trimmed or b.trimmed):  # two full-width marks: compressed, 1.5 em
            return Gap(natural=-COMPRESSION * em, weight=0)
        return Gap(weight=0)  # a half-width mark has no empty half left to give
    if {a.kind, b.kind} == {"han", "latin"}:  # ¼ em, shrinks to ⅛ em, stretches as reserve
        return Gap(natural=HAN_LATIN_GAP * em, shrink_latin=(HAN_LATIN_GAP - HAN_LATIN_MIN) * em,
                   weight=0, reserve=(HAN_LATIN_MAX - HAN_LATIN_GAP) * em)
    if a.collapsed or b.collapsed:  # a typed space as the Han–Latin gap: stretches as one
        return Gap(weight=0, reserve=(HAN_LATIN_MAX - HAN_LATIN_GAP) * em / 2)
    if a.kind == "space" or b.kind == "space":  # each side of a space (¼ em) takes half
        return Gap(weight=HAN_LATIN_WEIGHT, reserve=(SPACE_MAX - HAN_LATIN_GAP) * em / 2)
    if (last in BLANK_RIGHT and not a.trimmed) or (first in BLANK_LEFT and not b.trimmed):
        return Gap(shrink_mark=COMPRESSION * em)  # clreq: ，、； brackets → ½ em when squeezed
    return Gap()


_GAPS: dict[tuple[str, str, str, str, float, bool, bool, bool], Gap] = {}


def _shared_gap(a: Atom, b: Atom, em: float) -> Gap:
    """gap_between, memoized for one-character atoms (all but Latin words); the Gap objects
    are shared, and never changed."""
    if len(a.text) != 1 or len(b.text) != 1:
        return gap_between(a, b, em)
    key = (a.text, b.text, a.kind, b.kind, em, a.trimmed, b.trimmed, a.collapsed or b.collapsed)
    gap = _GAPS.get(key)
    if gap is None:
        gap = _memoized(_GAPS, key, lambda: gap_between(a, b, em))
    return gap


def may_break(a: Atom, b: Atom) -> bool:
    """True if a line may end after atom a and start with atom b."""
    if b.bound:
        return False
    if b.text[0] in LINE_START_FORBIDDEN or a.text[-1] in LINE_END_FORBIDDEN:
        return False
    if a.text[-1] in INTERPUNCTS:  # 史蒂文· | 巴奈特: the interpunct never ends a line
        return False
    if b.hyphen:
        return True
    if a.kind == "piece" and b.kind == "piece":
        return True  # a word wider than the line, cut into characters (_split_wide_atoms)
    if b.kind == "space" or (a.kind == "latin" and b.kind == "latin"):
        return False
    if a.kind == "other" and b.kind == "latin" and a.text.isascii():
        return False  # <b>, (a), +86: an ASCII symbol stays with the word after it (UAX #14)
    return not (a.kind == "latin" and b.kind == "other" or a.kind == "other" == b.kind)


def measure_runs(runs: Sequence[Run], style: TextStyle) -> tuple[float, float]:
    """(natural width of the runs set on one line, width of their widest piece no line may
    break: a word, a number with its unit)."""
    atoms = atomize(runs, style)
    if not atoms:
        return 0.0, 0.0
    composer = Composer(atoms, style)
    widest, start = 0.0, 0
    for end in range(1, len(atoms) + 1):
        if end == len(atoms) or may_break(atoms[end - 1], atoms[end]):
            widest = max(widest, composer.measure(start, end)[0])
            start = end
    return composer.measure(0, len(atoms))[0], widest


@dataclass
class _Sums:
    """Prefix sums over atoms and gaps, so any line's widths cost O(1)."""

    width: list[float]
    natural: list[float]
    shrink: list[float]
    slots: list[float]
    reserve: list[float]
    letters: list[int]


class Composer:
    """Sets one paragraph's atoms into justified lines."""

    def __init__(self, atoms: list[Atom], style: TextStyle) -> None:
        self.atoms, self.style, self.em = atoms, style, style.size
        self.gaps = [_shared_gap(a, b, self.em) for a, b in zip(atoms, atoms[1:], strict=False)]
        half = COMPRESSION * self.em if style.half_start_bracket else 0.0
        self.lead = [half if a.text[0] in BLANK_LEFT and not a.trimmed else 0.0 for a in atoms]
        """Per atom: the empty half cut from it when a line starts with it (an opening
        bracket or quote, clreq 3.1.6.2)."""
        self.cost = math.inf
        """The total cost of the last breaks() found, with its penalties (paid), and the
        cost of its worst line but the last."""
        self.paid = self.worst = 0.0
        self.tail = [0.0] * (len(atoms) + 1)
        """Per line end (atom index): the width of the hyphen a line ending there adds."""
        self.hyphens = [i for i, a in enumerate(atoms) if a.hyphen] \
            if style.hyphenation != "off" else []
        """The atoms a line may end before with a hyphen (none unless hyphenated)."""
        for index in self.hyphens:
            self.tail[index] = text_width(HYPHEN, atoms[index - 1].font, self.em)
        gaps = [*self.gaps, Gap(weight=0)]  # after the last atom: nothing
        self.sums = _Sums(
            width=[*accumulate((a.width for a in atoms), initial=0.0)],
            natural=[*accumulate((g.natural for g in gaps), initial=0.0)],
            shrink=[*accumulate((g.shrink_latin + g.shrink_mark for g in gaps), initial=0.0)],
            slots=[*accumulate((g.weight for g in gaps), initial=0.0)],
            reserve=[*accumulate((g.reserve for g in gaps), initial=0.0)],
            letters=[*accumulate((_is_letter(a) for a in atoms), initial=0)])

    def ink_end(self, start: int, end: int) -> int:
        """The end of a line's ink: a space that ends the line is not set (its width would
        leave the justified line short by a quarter em)."""
        return end - 1 if end - 1 > start and self.atoms[end - 1].kind == "space" else end

    def measure(self, start: int, end: int) -> tuple[float, float, float]:
        """Natural width, shrink and stretch shares of atoms[start:end]."""
        end = self.ink_end(start, end)
        s, last = self.sums, end - 1
        natural = (s.width[end] - s.width[start] + s.natural[last] - s.natural[start]
                   - self.lead[start] + self.tail[end])
        shrink = s.shrink[last] - s.shrink[start]
        if _hangs(self.atoms[last]):
            shrink += COMPRESSION * self.em  # a line-end mark may be set half width
        return natural, shrink, s.slots[last] - s.slots[start]

    def line_cost(self, start: int, end: int, measure: float, last: bool) -> float:
        """Badness of a line; infinite when it cannot be set to the measure."""
        natural, shrink, slots = self.measure(start, end)
        if natural > measure + 0.01:
            excess = natural - measure
            if excess > shrink + 0.01:
                return math.inf
            return SHRINK_COST * (excess / self.em) ** 2 + 1
        if last:
            single = self.sums.letters[end] - self.sums.letters[start] <= 1 and start > 0
            return LONELY_PENALTY if single else 0.0
        spare = measure - natural
        if spare <= 0.01:
            return 0.0
        reserve = self.sums.reserve[self.ink_end(start, end) - 1] - self.sums.reserve[start]
        used, rest = _reserve_taken(spare, slots, reserve, self.em)
        if rest > 0.01 and slots == 0:
            return 1e6 + rest  # a lone word cannot be justified: only as a last resort
        each = (spare - used) / slots / self.em if slots else 0.0
        loose = LOOSE_PENALTY * (each / LOOSE_LIMIT) ** 2 if each > LOOSE_LIMIT else 0.0
        return 100 * (each / 0.1) ** 2 + RESERVE_COST * (used / self.em) ** 2 + loose

    def kept_penalties(self) -> dict[int, float]:
        """KEPT_PENALTY for each atom index a line may not well end before: inside a
        number with its unit, a date or a name at its interpunct (clreq.kept_spans);
        HYPHEN_PENALTY inside a hyphenated word."""
        offsets = [*accumulate((len(atom.text) for atom in self.atoms), initial=0)]
        spans = kept_spans("".join(atom.text for atom in self.atoms))
        penalties: dict[int, float] = {}
        for start, end in spans:
            first = bisect_right(offsets, start)
            for index in range(first, len(self.atoms)):
                if offsets[index] >= end:
                    break
                penalties[index] = KEPT_PENALTY
        for index in self.hyphens:
            penalties[index] = max(penalties.get(index, 0.0), HYPHEN_PENALTY)
        return penalties

    def breaks(self, width: float, first_width: float) -> list[int]:
        """Line ends (atom indexes) minimizing the paragraph's total badness."""
        atoms, count, em = self.atoms, len(self.atoms), self.em
        allowed = [i for i in range(1, count) if may_break(atoms[i - 1], atoms[i])] + [count]
        s = self.sums
        # a line's natural width is ends[end] - begins[start]; begins grows with start
        begins = [s.width[k] + s.natural[k] + self.lead[k] for k in range(count)]
        costs = [math.inf] * (count + 1)  # the cheapest way to end a line at each atom
        costs[0] = 0.0
        previous = [-1] * (count + 1)     # ... and where that line starts
        starts, start_begins = [0], [begins[0]]
        penalties = self.kept_penalties()
        for end in allowed:
            ink = end - 1 if atoms[end - 1].kind == "space" else end
            reach = s.width[ink] + s.natural[ink - 1] + self.tail[end]
            # starts whose line is at most 2 em too long and, unless last, at most
            # LOOSEST em too short: the only ones worth costing
            low = bisect_left(start_begins, reach - max(width, first_width) - 2 * em)
            high = len(starts) if end == count else bisect_right(
                start_begins, reach - min(width, first_width) + LOOSEST * em)
            found = self._cheapest(starts[low:high], end, width, first_width, costs)
            if found is None and end != count:
                found = self._cheapest(starts, end, width, first_width, costs)
            if found is not None:
                costs[end], previous[end] = found[0] + penalties.get(end, 0.0), found[1]
                starts.append(end)
                start_begins.append(begins[end] if end < count else math.inf)
        if costs[count] == math.inf:
            raise OverflowError("no way to set this paragraph within the measure")
        ends, end = [], count
        while end > 0:
            ends.append(end)
            end = previous[end]
        self.cost = costs[count]
        self.paid = sum(penalties.get(end, 0.0) for end in ends)
        self.worst = max(costs[end] - costs[previous[end]] - penalties.get(end, 0.0)
                         for end in ends[1:]) if len(ends) > 1 else 0.0  # but the last line
        return ends[::-1]

    def _cheapest(self, starts: list[int], end: int, width: float, first_width: float,
                  costs: list[float]) -> tuple[float, int] | None:
        """The best (cost, start) for a line ending at `end`, or None if none fits; `costs`
        holds the cost of the paragraph up to each start.

        `line_cost` inlined (the hot loop of every paragraph), with the same arithmetic; a
        start already costing as much as the best found is skipped (line costs are >= 0)."""
        last, em, s = end == len(self.atoms), self.em, self.sums
        ink = end - 1 if self.atoms[end - 1].kind == "space" else end  # see ink_end
        width_end, natural_last = s.width[ink] + self.tail[end], s.natural[ink - 1]
        shrink_last, slots_last, letters_end = s.shrink[ink - 1], s.slots[ink - 1], s.letters[end]
        reserves_last, reserves = s.reserve[ink - 1], s.reserve
        limit = LOOSE_LIMIT * em  # stretch a share takes before the reserve is used
        mark_end = _hangs(self.atoms[ink - 1])
        widths, naturals, shrinks, slots, letters = s.width, s.natural, s.shrink, s.slots, s.letters
        lead = self.lead
        found_cost, found_start = math.inf, -1
        for start in starts:
            before = costs[start]
            if before >= found_cost or start >= ink:
                continue
            measure = first_width if start == 0 else width
            natural = width_end - widths[start] + natural_last - naturals[start] - lead[start]
            if natural > measure + 0.01:
                shrink = shrink_last - shrinks[start]
                if mark_end:
                    shrink += COMPRESSION * em
                excess = natural - measure
                if excess > shrink + 0.01:
                    continue
                line = SHRINK_COST * (excess / em) ** 2 + 1
            elif last:
                line = LONELY_PENALTY if letters_end - letters[start] <= 1 and start > 0 else 0.0
            elif measure - natural <= 0.01:
                line = 0.0
            else:
                spare, share = measure - natural, slots_last - slots[start]
                rest = spare - limit * share
                if rest <= 0.0:  # within the limit: the Han gaps take it all (most lines)
                    each = spare / share / em
                    line = 100 * (each / 0.1) ** 2
                else:  # as _reserve_taken
                    used = min(rest, reserves_last - reserves[start])
                    if share == 0:
                        line = (1e6 + rest - used) if rest - used > 0.01 \
                            else RESERVE_COST * (used / em) ** 2
                    else:
                        each = (spare - used) / share / em
                        line = 100 * (each / 0.1) ** 2 + RESERVE_COST * (used / em) ** 2
                        if each > LOOSE_LIMIT:
                            line += LOOSE_PENALTY * (each / LOOSE_LIMIT) ** 2
            cost = before + line
            if cost < found_cost:
                found_cost, found_start = cost, start
        return (found_cost, found_start) if found_start >= 0 else None

    def place(self, start: int, end: int, measure: float, indent: float, last: bool) -> Line:
        """Glyph positions for atoms[start:end] set to the measure."""
        natural, shrink, slots = self.measure(start, end)
        gaps = self.gaps[start:self.ink_end(start, end) - 1]  # not before a line-end space
        adjust = [g.natural for g in gaps]
        align = self.style.align
        offset = indent - self.lead[start]  # a line-start bracket's empty half is cut
        if natural > measure and _hangs(self.atoms[self.ink_end(start, end) - 1]):
            # the line-end mark is set half width: its empty half hangs past the measure
            # and the line is justified to the mark's ink (GB/T 15834 §5.1.10)
            natural -= COMPRESSION * self.em
        if natural > measure:  # shrink gaps: Han–Latin first, then the empty halves of marks
            excess = natural - measure
            for attribute in ("shrink_latin", "shrink_mark"):
                pool = sum(getattr(g, attribute) for g in gaps)
                if excess > 0 and pool > 0:
                    take = min(1.0, excess / pool)
                    adjust = [a - getattr(g, attribute) * take for a, g in zip(adjust, gaps,
                                                                              strict=True)]
                    excess -= pool * take
        elif align == "justify" and (not last or natural > measure - 0.01):
            spare = measure - natural
            reserve = sum(g.reserve for g in gaps)
            used, _rest = _reserve_taken(spare, slots, reserve, self.em)
            if used > 0:  # Han–Latin gaps and word spaces (clreq's order of stretch)
                take = used / reserve
                adjust = [a + g.reserve * take for a, g in zip(adjust, gaps, strict=True)]
                spare -= used
            if spare > 0 and slots:
                each = spare / slots
                adjust = [a + each * g.weight for a, g in zip(adjust, gaps, strict=True)]
        elif align == "center":
            offset += (measure - natural) / 2
        elif align == "right":
            offset += measure - natural
        glyphs: list[Glyph] = []
        x = offset
        for index in range(start, end):
            atom = self.atoms[index]
            if atom.kind == "space" and index == end - 1:
                break
            if atom.shift or atom.trimmed:  # a mark set narrower than its glyph's advance
                glyphs.append(Glyph(atom.text, atom.font, x - atom.shift,
                                    text_width(atom.text, atom.font, self.em), atom.color))
            elif atom.kind == "space" or len(atom.text) == 1:  # the atom's width is the glyph's
                glyphs.append(Glyph(atom.text, atom.font, x, atom.width, atom.color))
            else:
                for char in atom.text:
                    advance = text_width(char, atom.font, self.em)
                    glyphs.append(Glyph(char, atom.font, x, advance, atom.color))
                    x += advance
                x -= atom.width
            x += atom.width + (adjust[index - start] if index - start < len(adjust) else 0)
        if self.tail[end]:  # a word broken here ends with a hyphen
            before = self.atoms[end - 1]
            glyphs.append(Glyph(HYPHEN, before.font, x, self.tail[end], before.color))
        cut = offset + self.lead[start] - glyphs[0].x if glyphs else 0.0
        return Line(glyphs=glyphs, width=measure + indent, last=last, cut=max(cut, 0.0),
                    space=self.ink_end(start, end) != end)


def _reserve_taken(spare: float, slots: float, reserve: float, em: float) -> tuple[float, float]:
    """How much of a line's spare width its reserve stretch takes (Gap.reserve: once the
    stretch shares reach clreq.LOOSE_LIMIT em), and what is left beyond both."""
    rest = max(0.0, spare - LOOSE_LIMIT * em * slots)
    used = min(rest, reserve)
    return used, rest - used


_CACHE: dict[tuple, list[Line]] = {}
_CACHE_LIMIT = 20_000


def compose(runs: Sequence[Run], style: TextStyle, width: float) -> list[Line]:
    """Set a paragraph's runs into lines of the given width (memoized: layout passes and
    page splits ask for the same paragraph again)."""
    return _memoized(_CACHE, (tuple(runs), style, round(width, 3)),
                     lambda: _compose(runs, style, width))


def _memoized(cache: dict, key: tuple, make: Callable[[], object]):
    """cache[key], made by make() on a miss; a full cache (_CACHE_LIMIT) is emptied first."""
    value = cache.get(key)
    if value is None:
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        value = cache[key] = make()
    return value


def _compose(runs: Sequence[Run], style: TextStyle, width: float) -> list[Line]:
    """Set the runs without hyphenation; only where that leaves a line looser than the limit
    or parts a number from its unit are they set again with it, and the cheaper setting
    kept (most paragraphs never load a hyphenation dictionary)."""
    plain = _without_hyphenation(style)
    lines, cost, strained = _set(runs, plain, width)
    if strained and plain is not style and any(_HYPHENATABLE.search(r.text) for r in runs):
        hyphenated, hyphenated_cost, _strained = _set(runs, style, width)
        if hyphenated_cost < cost:
            return hyphenated
    return lines


@functools.cache
def _without_hyphenation(style: TextStyle) -> TextStyle:
    return style if style.hyphenation == "off" else replace(style, hyphenation="off")


_HYPHENATABLE = re.compile(rf"[A-Za-z][a-z]{{{HYPHEN_MIN_WORD - 1},}}")
"""A word hyphenated() may cut."""


def _set(runs: Sequence[Run], style: TextStyle, width: float
         ) -> tuple[list[Line], float, bool]:
    """The lines, their total cost (with penalties), and whether a line is looser than
    clreq.LOOSE_LIMIT (or cannot be justified) or a break parts a kept span."""
    atoms = atomize(runs, style)
    if not atoms:
        return [], 0.0, False
    indent = style.indent * style.size
    composer = Composer(atoms, style)
    cost = math.inf
    try:
        ends = composer.breaks(width, width - indent)
        cost = composer.cost
    except OverflowError:  # a word wider than the line: cut it, keep the other rules
        composer = Composer(_split_wide_atoms(atoms, width, style), style)
        try:
            ends = composer.breaks(width, width - indent)
        except OverflowError:
            ends = _greedy(composer, width, width - indent)
    lines, start = [], 0
    for number, end in enumerate(ends):
        first = number == 0
        lines.append(composer.place(start, end, width - (indent if first else 0),
                                    indent if first else 0, end == len(composer.atoms)))
        start = end
    strained = cost == math.inf or composer.paid > 0 or composer.worst >= LOOSE_PENALTY
    return lines, cost, strained


def _split_wide_atoms(atoms: list[Atom], width: float, style: TextStyle) -> list[Atom]:
    """Last resort for a word wider than the line (a long URL): cut it into characters."""
    result: list[Atom] = []
    for atom in atoms:
        if atom.width <= width:
            result.append(atom)
        else:
            result += [Atom(c, atom.font, stringWidth(c, atom.font, style.size), "piece",
                            atom.color) for c in atom.text]
    return result


def _greedy(composer: Composer, width: float, first_width: float) -> list[int]:
    """Fill lines greedily, breaking anywhere: used only when the rules leave no solution."""
    ends: list[int] = []
    start = 0
    count = len(composer.atoms)
    while start < count:
        end = start + 1
        measure = first_width if not ends else width
        while end < count and composer.measure(start, end + 1)[0] <= measure:
            end += 1
        ends.append(end)
        start = end
    return ends


def draw_lines(canvas, lines: Sequence[Line], style: TextStyle, x: float, top: float,
               tag: int | None = None) -> None:
    """Draw composed lines; the first baseline sits in the first line box of height `leading`.
    `tag`: the printing (print record) the lines are a piece of, marked as its content in a
    tagged PDF (builder/typeset/tags.py)."""
    tagger = tags.tagger(canvas) if tag is not None else None
    opened = tagger is not None and tag is not None and tagger.begin(tag)
    _draw_lines(canvas, lines, style, x, top)
    if opened and tagger is not None:
        tagger.end()


def overprint_black_text(canvas) -> None:
    """Set 100 % K text drawn on this canvas (a print file's) to overprint: no white edge
    where a plate is out of register. White and coloured text still knock out."""
    _OVERPRINTING.add(canvas)


_OVERPRINTING: WeakSet = WeakSet()
"""The canvases whose 100 % K text overprints (overprint_black_text)."""


def is_black(color) -> bool:
    """Whether a colour is 100 % K and nothing else (device CMYK, not a spot colour)."""
    return (getattr(color, "black", None) == 1 and color.cyan == color.magenta
            == color.yellow == 0 and getattr(color, "density", 1) == 1
            and not getattr(color, "spotName", None))


def set_text_fill(canvas, color) -> None:
    """The fill colour of text drawn next, overprinting where it is 100 % K on a canvas
    that asks for it (overprint_black_text)."""
    canvas.setFillColor(color)
    if canvas in _OVERPRINTING:
        set_fill_overprint(canvas, is_black(color))


def _draw_lines(canvas, lines: Sequence[Line], style: TextStyle, x: float, top: float) -> None:
    size, leading = style.size, style.leading
    baseline = top - (leading - size) / 2 - BASELINE_DROP * size
    overprinting = canvas in _OVERPRINTING
    set_text_fill(canvas, style.color)

    def switch(parts: list[str], color) -> list[str]:
        """Within a line, a change to or from 100 % K: the text so far, then the
        overprint state of the new colour."""
        if not overprinting:
            return parts
        canvas.addLiteral(" ".join(parts))
        set_fill_overprint(canvas, is_black(color))
        return []

    codes = _CODES.get(canvas)
    if codes is None:
        codes = _CODES[canvas] = {}
    for line in lines:
        glyphs = line.glyphs
        if not glyphs:
            baseline -= leading
            continue
        if line.space:  # the space the line breaks at: no ink, but the words stay apart
            end = glyphs[-1]
            glyphs = [*glyphs, Glyph(" ", end.font, end.x + end.width, 0.0, end.color)]
        parts = [f"BT 1 0 0 1 {x + glyphs[0].x:.3f} {baseline:.3f} Tm"]
        pen = glyphs[0].x
        current_font, current_color = None, style.color
        tj: list[str] = []
        for glyph in glyphs:
            color = style.color if glyph.color is None else glyph.color
            if color is not current_color and color != current_color:  # (== is slow)
                if tj:
                    parts.append(f"[{' '.join(tj)}] TJ")
                    tj = []
                parts.append(_fill_operator(color))
                parts = switch(parts, color)
                current_color = color
            code = codes.get((glyph.font, glyph.char))
            if code is None:
                code = codes[(glyph.font, glyph.char)] = _glyph_code(canvas, glyph.font,
                                                                     glyph.char)
            font_name, shown = code
            if font_name != current_font:
                if tj:
                    parts.append(f"[{' '.join(tj)}] TJ")
                    tj = []
                parts.append(f"{font_name} {size:.2f} Tf")
                current_font = font_name
            if glyph.x != pen:  # _moves of 0 is []
                tj += _moves(glyph.x - pen, size)
            tj.append(shown)
            pen = glyph.x + glyph.width
        if tj:
            parts.append(f"[{' '.join(tj)}] TJ")
        if current_color != style.color:
            parts.append(_fill_operator(style.color))
            parts = switch(parts, style.color)
        parts.append("ET")
        canvas.addLiteral(" ".join(parts))
        baseline -= leading
    if overprinting:
        set_fill_overprint(canvas, False)  # (shapes drawn next knock out)


_CODES: WeakKeyDictionary = WeakKeyDictionary()
"""Per canvas (one PDF document): (font, character) -> (the font subset's name, the character's
code as a PDF string), found once per document (a character's subset and code never change)."""


def _glyph_code(canvas, font_name: str, char: str) -> tuple[str, str]:
    """Where ReportLab's subsetting puts `char` of the font: subset name and '(code)'."""
    subset, encoded = subset_glyph(canvas, font_name, char)
    return subset, f"({escapePDF(encoded)})"


def _fill_operator(color) -> str:
    """The PDF fill-colour operator for a ReportLab colour (device CMYK or RGB)."""
    if hasattr(color, "cyan"):
        return f"{color.cyan:.4f} {color.magenta:.4f} {color.yellow:.4f} {color.black:.4f} k"
    return f"{color.red:.4f} {color.green:.4f} {color.blue:.4f} rg"


def _moves(distance: float, size: float) -> list[str]:
    """TJ numbers moving the pen by `distance` points; rightward moves in small steps so that
    text extraction does not mistake a Han–Latin gap for a word space."""
    units = -distance * 1000 / size
    if abs(units) < 0.05:
        return []
    if units > 0:
        return [f"{units:.2f}"]
    steps = math.ceil(-units / TJ_STEP)
    return [f"{units / steps:.2f}"] * steps
