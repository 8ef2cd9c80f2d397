"""Check stage: content problems found before layout (flaws of the source, missing glyphs).

Each finding names file:line:col, a rule id, a severity and what to do; some carry a `Fix`
that `brochure check --fix` applies (builder/fix.py). Errors stop the build.

Rules: duplicate-section, duplicate-paragraph, cut-off, unbalanced-pair,
half-width-punctuation, mixed-width-digits, invisible-character, missing-glyph, too-long,
not-a-number, missing-image, unreadable-image, missing-alt, unprinted-tag,
unprinted-picture; and the data
of tables (builder/rules/data.py): not-a-number, mixed-units, number-as-text, empty-cell,
change-sign, duplicate-row. (A date that is not one is refused when the
content is loaded: builder.source.content.date_problem.)
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterator

from builder.errors import BrochureError
from builder.findings import Finding, Fix
from builder.rules.data import table_findings
from builder.rules.located import finding_at
from builder.source.model import (
    Document,
    Paragraph,
    Part,
    Scorecard,
)
from builder.source.texts import (
    Text,
    block_texts,
    figures,
    part_texts,
    tag_printed,
    text_at,
    texts,
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
MAX_LENGTH = {
    "meta 'kicker'": 20, "meta 'title'": 40, "meta 'subtitle'": 40, "meta 'lead'": 300,
    "meta 'issuer'": 16, "meta 'date'": 11, "part 'title'": 20, "part 'headline'": 60,
    "part 'tag'": 20, "figure caption": 150, "quote": 600, "quote source": 40,
    "row 'metric'": 100, "row 'from'": 12, "row 'qualifier'": 4, "row 'value'": 12,
    "row 'unit'": 4, "row 'change'": 8, "row 'remark'": 30,
}
"""Most characters of texts whose place does not split across pages or wrap (box, cover,
table cell, contents line): longer ones would overflow the page (A4 and A5 tested).
Paragraphs, headings, scorecard titles and notes split and have no limit."""


def _fix(text: Text, changes: tuple[tuple[int, str], ...]) -> Fix:
    """A fix of `text`'s characters: (index, new character)."""
    return Fix((text.span.line, text.span.column), text.value, changes)


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
        findings += _invisible(text)
        findings += _missing_glyphs(text, faces)
        findings += _too_long(text)
    findings += _numbers(document)
    findings += table_findings(document)
    findings += _images(document)
    findings += _tags(document, theme)
    findings += _unprinted_pictures(document, theme)
    return sorted(findings, key=lambda f: (f.line, f.column, f.place))


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
            yield Finding("duplicate-section", "error",
                          f"part '{part.title}' repeats the part at line {first.line} word for"
                          f" word ({len(part.blocks)} blocks)",
                          "delete the second copy of the part", line, column)
    seen: dict[str, int] = {}
    for part in document.parts:
        for block in part.blocks:
            if not isinstance(block, Paragraph) or id(part) in repeated:
                continue
            if block.text in seen:
                text = next(block_texts(block))
                yield finding_at(text, 0, "duplicate-paragraph", "error",
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
                yield finding_at(text, len(block.text) - 1, "cut-off", "warning",
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
                yield finding_at(text, index, "unbalanced-pair", "warning",
                                   f"'{char}' closes a '{CLOSERS[char]}' that was not opened: "
                                   f"{_context(value, index)}",
                                   f"add the opening '{CLOSERS[char]}' or remove '{char}'")
    for index in stack:
        char = value[index]
        yield finding_at(text, index, "unbalanced-pair", "warning",
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
    fix = _fix(text, tuple((i, FULL_WIDTH[text.value[i]]) for i in marks))
    shown = " ".join(sorted({text.value[i] for i in marks}))
    yield finding_at(text, marks[0], "half-width-punctuation", "warning",
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
        yield finding_at(text, runs[0].start(), "mixed-width-digits", "warning",
                           f"full-width '{runs[0].group()}' where the rest of the document"
                           " writes half-width digits and %",
                           "write 0-9 and % (GB/T 15835) — `brochure check --fix` converts"
                           " them", _fix(text, changes))


INVISIBLE = frozenset({"Cc", "Cf", "Cs"})
"""Control, format (zero-width, bidi, tag) and surrogate characters: they print nothing, so
the PDF cannot be checked to hold the text; whitespace among them (tab, line feed) is kept."""


def invisible_chars(value: str) -> list[int]:
    """Indices of the characters of `value` that print nothing and are not whitespace."""
    if value.isprintable():  # the usual case, one pass in C (whitespace but space is not)
        return []
    return [index for index, char in enumerate(value)
            if not char.isspace() and unicodedata.category(char) in INVISIBLE]


def char_name(char: str) -> str:
    """`U+200B ZERO WIDTH SPACE`: the code point and its Unicode name (or its kind)."""
    kinds = {"Cc": "(a control character)", "Cs": "(a lone surrogate)"}
    name = unicodedata.name(char, "") or kinds.get(unicodedata.category(char), "(no name)")
    return f"U+{ord(char):04X} {name}"


def _invisible(text: Text) -> Iterator[Finding]:
    found = invisible_chars(text.value)
    if not found:
        return
    distinct = list(dict.fromkeys(text.value[i] for i in found))
    shown = ", ".join(char_name(c) for c in distinct[:3]) + (", …" if len(distinct) > 3 else "")
    yield finding_at(text, found[0], "invisible-character", "error",
                     f"{len(found)} invisible or control character(s): {shown}",
                     "delete them (they print nothing, or reorder the text) — `brochure check "
                     "--fix` removes them", _fix(text, tuple((i, "") for i in found)))


def _missing_glyphs(text: Text, faces: tuple[FontFace, ...]) -> Iterator[Finding]:
    names = ", ".join(f.name for f in faces)
    for char in missing_chars(text.value, faces):
        yield finding_at(text, text.value.index(char), "missing-glyph", "error",
                           f"character '{char}' (U+{ord(char):04X}) is in none of the fonts"
                           f" tried ({names})",
                           "replace the character, or give the theme a font that has it")


def _too_long(text: Text) -> Iterator[Finding]:
    limit = MAX_LENGTH.get(text.what)
    if limit is not None and len(text.value) > limit:
        yield finding_at(text, limit, "too-long", "error",
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
                        text = text_at(row, key, value, f"row '{key}'")
                        yield finding_at(text, 0, "not-a-number", "error",
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


def _images(document: Document) -> Iterator[Finding]:
    """Pictures that cannot be printed: missing files become a framed placeholder; any
    other file is read and decoded as the build will (`builder.source.images`, whose cache
    the build then uses), so what the check passes, the build builds."""
    from builder.source.images import HINT, picture  # Pillow: only for documents with images

    for part in document.parts:
        for figure in figures(part):
            if figure.image is None:
                continue
            where = text_at(figure, "image", str(figure.image), "figure image")
            name = figure.image.name
            if not os.path.exists(figure.image):  # False for a name too long, too
                yield finding_at(where, 0, "missing-image", "warning",
                                    f"image file {name} not found; a framed placeholder is"
                                    " printed instead", "add the file or correct the path")
                continue
            try:
                picture(figure.image)
            except BrochureError as error:
                yield finding_at(where, 0, "unreadable-image", "error",
                                    f"{name}: {error.message}", error.hint or HINT)
                continue
            if not figure.alt:
                yield finding_at(where, 0, "missing-alt", "warning",
                                 f"the picture {name} has no alternate text: a screen reader "
                                 "reads its caption instead",
                                 "add alt: with what the picture shows, e.g. alt: 新建的图书馆"
                                 "阅览室，读者在书架间选书")
        if part.picture is not None:  # a section's picture: no placeholder stands in for it
            where = text_at(part, "picture", str(part.picture), "part picture")
            try:
                picture(part.picture)
            except BrochureError as error:
                yield finding_at(where, 0, "unreadable-image", "error",
                                 f"{part.picture.name}: {error.message}", error.hint or HINT)


def _unprinted_pictures(document: Document, theme: Theme | None) -> Iterator[Finding]:
    """A part's picture the theme never prints: only a section's opener (its full page, or
    the band atop its text) shows one, when that master has `{part.picture}` image art."""
    if theme is None:
        return
    showing = {page for page in ("opener", "band") if page in theme.masters and any(
        item.kind == "image" and item.picture is None for item in theme.masters[page].art)}
    pages = {"page": {"opener"}, "band": {"band"}, "auto": {"opener", "band"}}
    for part in document.parts:
        if part.picture is None:
            continue
        opener = "inline" if theme.design.opener == "inline" else part.opener or \
            theme.design.opener
        if part.layout == "section" and pages.get(opener, set()) & showing:
            continue
        reason = ("the theme's openers show no picture ({part.picture})" if not showing else
                  f"this part's layout is '{part.layout}'" if part.layout != "section" else
                  f"this section opens {'inline' if opener == 'inline' else 'with a ' + opener}"
                  f", and only the theme's {' and '.join(sorted(showing))} master shows one")
        where = text_at(part, "picture", str(part.picture), "part picture")
        yield finding_at(where, 0, "unprinted-picture", "warning",
                         f"the picture {part.picture.name} is not printed: {reason}",
                         "use a theme that prints it (--theme magazine), 'layout: section' "
                         "with 'opener: page', or remove the picture")


def _tags(document: Document, theme: Theme | None) -> Iterator[Finding]:
    for part in document.parts:
        if part.tag and not tag_printed(part, theme):
            text = next(t for t in part_texts(part) if t.field == "tag")
            yield finding_at(text, 0, "unprinted-tag", "warning",
                               f"the theme prints a tag only on section openers; this part's"
                               f" layout is '{part.layout}'",
                               "remove the tag or use 'layout: section'")


def _context(value: str, index: int, width: int = 8) -> str:
    return f"…{value[max(0, index - width):index + width + 1]}…"
