"""Check stage: content problems found before layout (flaws of the source, missing glyphs).

Each finding names file:line:col, a rule id, a severity and what to do; some carry a `Fix`
that `brochure check --fix` applies (builder/fix.py). Errors stop the build.

Rules: duplicate-section, duplicate-paragraph, cut-off, unbalanced-pair,
half-width-punctuation, mixed-width-digits, missing-glyph, too-long, not-a-number,
not-a-date, missing-image, unreadable-image, unprinted-tag.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from builder.source.model import (
    Block,
    Document,
    Figure,
    Heading,
    Paragraph,
    Part,
    Photos,
    Quote,
    Scorecard,
    Span,
)
from builder.source.theme import Theme
from builder.typeset.clreq import is_han, is_latin
from builder.typeset.fonts import FontFace, missing_chars

CLOSING_MARKS = "。！？…”’）》」』：；.!?"
"""A paragraph ending without one of these is cut off (unless marked truncated)."""
PAIRS = {"“": "”", "‘": "’", "《": "》", "（": "）", "「": "」", "『": "』", "〈": "〉",
         "【": "】"}
CLOSERS = {close: open_ for open_, close in PAIRS.items()}
FULL_WIDTH = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？", "(": "（", ")": "）",
              ".": "。"}
"""Half-width marks and the full-width marks Chinese text uses instead (GB/T 15834)."""
CHINESE_MARKS = set("，。、；：！？“”‘’（）《》「」『』〈〉【】…—·")
FULL_DIGITS = re.compile(r"[０-９％](?:[０-９％]|．(?=[０-９]))*")
HALF_DIGITS = re.compile(r"[0-9%]")
TO_HALF = str.maketrans("０１２３４５６７８９％．", "0123456789%.")
NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
"""A scorecard value or earlier value: 7.96, 1,265, -3.2 (ASCII digits)."""
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
"""A scorecard change in %: no thousands separators."""
DATE = re.compile(r"\d{4}(?:-\d{1,2}(?:-\d{1,2})?)?|\d{4}年(?:\d{1,2}月(?:\d{1,2}日)?)?")
"""meta date: a year, year-month or full date (2022, 2022-10, 2022-10-01, 2022年10月1日)."""
MAX_IMAGE_PIXELS = 50_000_000
"""Larger pictures are refused: 300 ppi on a full A4 page is about 9 million pixels."""
MAX_LENGTH = {
    "meta 'kicker'": 20, "meta 'title'": 40, "meta 'subtitle'": 40, "meta 'lead'": 300,
    "meta 'issuer'": 16, "meta 'date'": 11, "part 'title'": 20, "part 'headline'": 60,
    "part 'tag'": 20, "figure caption": 150, "quote": 600, "quote source": 40,
    "row 'metric'": 100, "row 'from'": 12, "row 'qualifier'": 4, "row 'value'": 12,
    "row 'unit'": 4, "row 'change'": 8, "row 'remark'": 10,
}
"""Most characters of texts whose place does not split across pages or wrap (box, cover,
table cell, contents line): longer ones would overflow the page (A4 and A5 tested).
Paragraphs, headings, scorecard titles and notes split and have no limit."""


@dataclass(frozen=True)
class Fix:
    """Characters to replace in one text value: (index in the text, new character)."""

    span: Span
    text: str
    changes: tuple[tuple[int, str], ...]

    def apply(self) -> str:
        chars = list(self.text)
        for index, char in self.changes:
            chars[index] = char
        return "".join(chars)


@dataclass(frozen=True)
class Finding:
    line: int
    rule: str
    severity: str  # "error" | "warning"
    message: str
    hint: str
    column: int = 0
    fix: Fix | None = field(default=None, compare=False, repr=False)

    def format(self, path: str) -> str:
        where = f"{path}:{self.line}:{self.column}" if self.column else f"{path}:{self.line}"
        return f"{where}: {self.severity}: [{self.rule}] {self.message}\n  hint: {self.hint}"

    def as_dict(self, path: str) -> dict[str, object]:
        return {"file": path, "line": self.line, "column": self.column, "rule": self.rule,
                "severity": self.severity, "message": self.message, "hint": self.hint,
                "fixable": self.fix is not None}


@dataclass(frozen=True)
class Text:
    """One text value of the document: what it is and where it is written."""

    value: str
    what: str
    span: Span

    def finding(self, index: int, rule: str, severity: str, message: str, hint: str,
                fix: Fix | None = None) -> Finding:
        """A finding at the text's character `index`."""
        line, column = self.span.at(index)
        return Finding(line, rule, severity, f"{self.what}: {message}", hint, column, fix)


def _text(owner: object, key: str, value: str | None, what: str) -> Iterator[Text]:
    if value:
        where = getattr(owner, "where", {})
        yield Text(value, what, where.get(key) or Span(getattr(owner, "line", 0), 0))


def block_texts(block: Block) -> Iterator[Text]:
    """The texts of one block in reading order (scorecard cells in column order)."""
    if isinstance(block, Paragraph):
        yield from _text(block, "paragraph", block.text, "paragraph")
    elif isinstance(block, Heading):
        yield from _text(block, "heading", block.text, "heading")
    elif isinstance(block, Quote):
        yield from _text(block, "quote", block.text, "quote")
        yield from _text(block, "source", block.source, "quote source")
    elif isinstance(block, Figure):
        yield from _text(block, "figure", block.caption, "figure caption")
    elif isinstance(block, Photos):
        for figure in block.figures:
            yield from _text(figure, "caption", figure.caption, "photo caption")
    elif isinstance(block, Scorecard):
        yield from _text(block, "scorecard", block.title, "scorecard title")
        for row in block.rows:
            for key, value in (("metric", row.metric), ("from", row.start),
                               ("qualifier", row.qualifier), ("value", row.value),
                               ("unit", row.unit), ("change", row.change),
                               ("remark", row.remark)):
                yield from _text(row, key, value, f"row '{key}'")
        yield from _text(block, "note", block.note, "scorecard note")


def figures(part: Part) -> Iterator[Figure]:
    """Every picture of a part: figure blocks and the pictures of photo grids."""
    for block in part.blocks:
        if isinstance(block, Figure):
            yield block
        elif isinstance(block, Photos):
            yield from block.figures


def part_texts(part: Part) -> Iterator[Text]:
    for key in ("title", "headline", "tag"):
        yield from _text(part, key, getattr(part, key), f"part '{key}'")


def texts(document: Document) -> Iterator[Text]:
    """Every user text of the document with where it is written, in reading order."""
    meta = document.meta
    for key in ("kicker", "title", "subtitle", "lead", "issuer", "date", "subject"):
        yield from _text(meta, key, getattr(meta, key), f"meta '{key}'")
    for part in document.parts:
        yield from part_texts(part)
        for block in part.blocks:
            yield from block_texts(block)


def tag_printed(part: Part, theme: Theme | None) -> bool:
    """Whether the layout prints a part's tag: section openers do; so do the titles of
    every part when the theme sets openers inline."""
    return part.layout == "section" or (theme is not None
                                        and theme.design.opener == "inline")


def check_document(document: Document, faces: tuple[FontFace, ...],
                   theme: Theme | None = None) -> list[Finding]:
    """All findings for a document, in file order; errors stop the build. Without the
    theme, a design with opener pages is assumed."""
    all_texts = list(texts(document))
    findings = list(_duplicates(document))
    findings += _paragraphs(document)
    findings += _mixed_digits(all_texts)
    for text in all_texts:
        findings += _unbalanced(text)
        findings += _half_width(text)
        findings += _missing_glyphs(text, faces)
        findings += _too_long(text)
    findings += _numbers(document)
    findings += _date(document)
    findings += _images(document)
    findings += _tags(document, theme)
    return sorted(findings, key=lambda f: (f.line, f.column))


def _content(part: Part) -> tuple[tuple[str, ...], ...]:
    return tuple((type(b).__name__, *(t.value for t in block_texts(b))) for b in part.blocks)


def _duplicates(document: Document) -> Iterator[Finding]:
    """Whole parts repeated (once per part), then paragraphs repeated outside those."""
    seen_parts: dict[tuple, Part] = {}
    repeated: set[int] = set()
    for part in document.parts:
        first = seen_parts.setdefault(_content(part), part)
        if first is not part:
            repeated.add(id(part))
            line, column = next(part_texts(part)).span.at(0)
            yield Finding(line, "duplicate-section", "error",
                          f"part '{part.title}' repeats the part at line {first.line} word for"
                          f" word ({len(part.blocks)} blocks)",
                          "delete the second copy of the part", column)
    seen: dict[str, int] = {}
    for part in document.parts:
        for block in part.blocks:
            if not isinstance(block, Paragraph) or id(part) in repeated:
                continue
            if block.text in seen:
                text = next(block_texts(block))
                yield text.finding(0, "duplicate-paragraph", "error",
                                   f"repeats the paragraph at line {seen[block.text]}",
                                   "delete one of the two copies")
            seen.setdefault(block.text, block.line)


def _paragraphs(document: Document) -> Iterator[Finding]:
    """Paragraphs that stop without closing punctuation and are not marked truncated."""
    for part in document.parts:
        for block in part.blocks:
            if isinstance(block, Paragraph) and not block.truncated \
                    and block.text[-1] not in CLOSING_MARKS:
                text = next(block_texts(block))
                yield text.finding(len(block.text) - 1, "cut-off", "warning",
                                   f"ends without closing punctuation: …{block.text[-10:]}",
                                   "finish the sentence, or add 'truncated: true' to print an"
                                   " editorial ……")


def _unbalanced(text: Text) -> Iterator[Finding]:
    """Quotes and brackets opened and never closed, or closed and never opened."""
    value = text.value
    stack: list[int] = []
    for index, char in enumerate(value):
        if char in PAIRS:
            stack.append(index)
        elif char in CLOSERS:
            if stack and value[stack[-1]] == CLOSERS[char]:
                stack.pop()
            elif char == "’" and 0 < index < len(value) - 1 and is_latin(value[index - 1]):
                continue  # an apostrophe: it’s
            else:
                yield text.finding(index, "unbalanced-pair", "warning",
                                   f"'{char}' closes a '{CLOSERS[char]}' that was not opened: "
                                   f"{_context(value, index)}",
                                   f"add the opening '{CLOSERS[char]}' or remove '{char}'")
    for index in stack:
        char = value[index]
        yield text.finding(index, "unbalanced-pair", "warning",
                           f"'{char}' is never closed: {_context(value, index)}",
                           f"add the closing '{PAIRS[char]}' where the quotation or title ends")


def _chinese(char: str) -> bool:
    return is_han(char) or char in CHINESE_MARKS


def half_width_marks(value: str) -> list[int]:
    """Indices of half-width marks set in Chinese text (next to Han or Chinese marks)."""
    found: set[int] = set()
    for index, char in enumerate(value):
        if char not in FULL_WIDTH:
            continue
        before = value[index - 1] if index else ""
        after = value[index + 1] if index + 1 < len(value) else ""
        if char == ".":
            if before and is_han(before) and not (after and is_latin(after)):
                found.add(index)
        elif (before and _chinese(before)) or (after and _chinese(after)):
            found.add(index)
    stack: list[int] = []
    for index, char in enumerate(value):  # a bracket pair is fixed as a pair
        if char == "(":
            stack.append(index)
        elif char == ")" and stack:
            opening = stack.pop()
            if opening in found or index in found:
                found |= {opening, index}
    return sorted(found)


def _half_width(text: Text) -> Iterator[Finding]:
    marks = half_width_marks(text.value)
    if not marks:
        return
    fix = Fix(text.span, text.value, tuple((i, FULL_WIDTH[text.value[i]]) for i in marks))
    shown = " ".join(sorted({text.value[i] for i in marks}))
    yield text.finding(marks[0], "half-width-punctuation", "warning",
                       f"{len(marks)} half-width mark(s) {shown} in Chinese text, first: "
                       f"{_context(text.value, marks[0])}",
                       "use full-width ，：；！？（）。 — `brochure check --fix` replaces them",
                       fix)


def _mixed_digits(all_texts: list[Text]) -> Iterator[Finding]:
    """Full-width digits or ％ in a document that also writes 0-9 or %."""
    if not any(HALF_DIGITS.search(t.value) for t in all_texts):
        return
    for text in all_texts:
        runs = list(FULL_DIGITS.finditer(text.value))
        if not runs:
            continue
        changes = tuple((i, text.value[i].translate(TO_HALF)) for run in runs
                        for i in range(run.start(), run.end()))
        yield text.finding(runs[0].start(), "mixed-width-digits", "warning",
                           f"full-width '{runs[0].group()}' where the rest of the document"
                           " writes half-width digits and %",
                           "write 0-9 and % (GB/T 15835) — `brochure check --fix` converts"
                           " them", Fix(text.span, text.value, changes))


def _missing_glyphs(text: Text, faces: tuple[FontFace, ...]) -> Iterator[Finding]:
    names = ", ".join(f.name for f in faces)
    for char in missing_chars(text.value, faces):
        yield text.finding(text.value.index(char), "missing-glyph", "error",
                           f"character '{char}' (U+{ord(char):04X}) is in none of the fonts"
                           f" tried ({names})",
                           "replace the character, or give the theme a font that has it")


def _too_long(text: Text) -> Iterator[Finding]:
    limit = MAX_LENGTH.get(text.what)
    if limit is not None and len(text.value) > limit:
        yield text.finding(limit, "too-long", "error",
                           f"{len(text.value)} characters, more than the {limit} its place"
                           " on the page holds", "shorten it; longer text belongs in a"
                           " paragraph")


def _numbers(document: Document) -> Iterator[Finding]:
    """Scorecard numbers that do not parse (the layout aligns and colours them)."""
    for part in document.parts:
        for card in (b for b in part.blocks if isinstance(b, Scorecard)):
            for row in card.rows:
                for key, value, pattern in (("value", row.value, NUMBER),
                                            ("from", row.start, NUMBER),
                                            ("change", row.change, PLAIN_NUMBER)):
                    if value and not pattern.fullmatch(value.translate(TO_HALF)):
                        text = next(_text(row, key, value, f"row '{key}'"))
                        yield text.finding(0, "not-a-number", "error",
                                           f"{value!r} is not a number", _number_hint(key, value))


def _number_hint(key: str, value: str) -> str:
    """What to write instead of a scorecard value that is not a number."""
    if key == "change":
        return "write the change in % as a plain signed number, e.g. -3.2 (no % or commas)"
    head = re.match(r"[+-]?[\d.,]+", value)
    tail = re.search(r"[\d.,]+$", value)
    if key == "value" and head and NUMBER.fullmatch(head.group()):
        return f"write value: \"{head.group()}\" and unit: {value[head.end():].strip()}"
    if key == "value" and tail and NUMBER.fullmatch(tail.group()):
        return f"write qualifier: {value[:tail.start()].strip()} and value: \"{tail.group()}\""
    return "write digits only, e.g. 7.96; words go in 'qualifier', 'unit' or 'remark'"


def _date(document: Document) -> Iterator[Finding]:
    """The date is printed and becomes the PDF's date: it must be one."""
    if not DATE.fullmatch(document.meta.date):
        text = next(_text(document.meta, "date", document.meta.date, "meta 'date'"))
        yield text.finding(0, "not-a-date", "error", f"{document.meta.date!r} is not a date",
                           "write a year, year-month or full date: 2022, 2022-10, 2022-10-01"
                           " or 2022年10月1日")


def _images(document: Document) -> Iterator[Finding]:
    """Pictures that cannot be printed: missing files become a framed placeholder."""
    from PIL import Image

    for part in document.parts:
        for figure in figures(part):
            if figure.image is None:
                continue
            where = next(_text(figure, "image", str(figure.image), "figure image"))
            name = figure.image.name
            if not figure.image.exists():
                yield where.finding(0, "missing-image", "warning",
                                    f"image file {name} not found; a framed placeholder is"
                                    " printed instead", "add the file or correct the path")
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                    with Image.open(figure.image) as image:
                        pixels = image.width * image.height
                        image.verify()
            except Exception as exc:  # Pillow raises many kinds of errors on bad files
                yield where.finding(0, "unreadable-image", "error",
                                    f"{name} is not a readable picture ({exc})",
                                    "give a JPEG, PNG or TIFF file")
                continue
            if pixels > MAX_IMAGE_PIXELS:
                yield where.finding(0, "unreadable-image", "error",
                                    f"{name} has {pixels:,} pixels, more than the"
                                    f" {MAX_IMAGE_PIXELS:,} allowed",
                                    "scale it down: 300 ppi needs about 2500 × 3500 pixels"
                                    " for a full A4 page")


def _tags(document: Document, theme: Theme | None) -> Iterator[Finding]:
    for part in document.parts:
        if part.tag and not tag_printed(part, theme):
            text = next(_text(part, "tag", part.tag, "part 'tag'"))
            yield text.finding(0, "unprinted-tag", "warning",
                               f"the theme prints a tag only on section openers; this part's"
                               f" layout is '{part.layout}'",
                               "remove the tag or use 'layout: section'")


def _context(value: str, index: int, width: int = 8) -> str:
    return f"…{value[max(0, index - width):index + width + 1]}…"


# --------------------------------------------------------------------------- reports


def check_file(content: Path) -> tuple[Document, list[Finding]]:
    """Load a content file with its theme's fonts and check it."""
    from builder.source.content import load_document
    from builder.source.theme import load_theme, theme_path
    from builder.typeset.typesetter import register_theme_fonts

    document = load_document(content)
    theme = load_theme(theme_path(document.theme, content.parent))
    return document, check_document(document, register_theme_fonts(theme).faces, theme)


def summary(findings: Iterable[Finding]) -> tuple[int, int]:
    """Numbers of errors and warnings."""
    findings = list(findings)
    errors = sum(f.severity == "error" for f in findings)
    return errors, len(findings) - errors


def format_text(findings: list[Finding], path: str) -> str:
    errors, warnings = summary(findings)
    lines = [f.format(path) for f in findings]
    lines.append(f"{len(findings)} findings: {errors} errors, {warnings} warnings")
    return "\n".join(lines)


def format_json(findings: list[Finding], path: str) -> str:
    errors, warnings = summary(findings)
    return json.dumps({"file": path, "errors": errors, "warnings": warnings,
                       "findings": [f.as_dict(path) for f in findings]},
                      ensure_ascii=False, indent=2)
