"""Verify stage: read the PDF back and confirm that every text of the content is in it.

The texts of the cover and contents (meta) must each appear somewhere; the texts of the parts
(titles, headlines, paragraphs, headings, quotes, captions, every scorecard cell) must appear
in reading order, inside the page's trim box. A text may run on over several pages: the
running header and folio drawn between its pieces are skipped (each piece is the longest
prefix found on its page, at least MIN_PIECE characters; text that repeats itself may be
matched in the wrong place, so tests use text that does not).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pypdfium2

from builder.errors import BrochureError
from builder.parallel import beside
from builder.rules.check import Text, block_texts, part_texts, tag_printed
from builder.source.model import (
    TRUNCATION_MARK,
    Block,
    Document,
    Figure,
    Paragraph,
    Part,
    Scorecard,
    Span,
)
from builder.source.theme import Theme

SPACE = re.compile(r"\s+")
SOFT_HYPHEN = str.maketrans({"\ufffe": "-", "\x02": "-"})
MIN_PIECE = 8
"""Characters a piece of a text must have at least when the text runs on to the next page."""
FRONT_KEYS = ("kicker", "title", "subtitle", "lead", "issuer", "date")
"""Meta texts printed on the cover and contents pages (subject and language are metadata)."""


def page_texts(pdf: bytes) -> list[str]:
    """The text of each page inside its trim box: text drawn beyond the page's edge is lost
    in print (pdfium: about 30 times faster than pypdf here). A long PDF is read by two
    processes, each taking half of the pages (the second is a fork, where that is safe)."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        count = len(document)
    finally:
        document.close()
    if count < PARALLEL_PAGES:
        return _page_texts(pdf, range(count))
    half = count // 2
    with beside(lambda: _page_texts(pdf, range(half, count))) as second:
        first = _page_texts(pdf, range(half))
        rest = _page_texts(pdf, range(half, count)) if second is None else second.result()
    return first + rest


PARALLEL_PAGES = 64
"""From this many pages on, two processes read the PDF back."""


def _page_texts(pdf: bytes, numbers: range) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        texts = []
        for number in numbers:
            page = document[number]
            text_page = page.get_textpage()
            texts.append(text_page.get_text_bounded(*page.get_trimbox()))
            text_page.close()
            page.close()
        return texts
    finally:
        document.close()


def flatten(text: str) -> str:
    """Text as compared between content and PDF: no white space, no **bold** markers, and a
    hyphen that pdfium reports as a soft hyphen (U+FFFE or U+0002 at a line end) a hyphen."""
    return SPACE.sub("", text).replace("**", "").translate(SOFT_HYPHEN)


def front_texts(document: Document) -> list[Text]:
    """Meta texts that must be printed somewhere (cover, contents, back cover)."""
    meta = document.meta
    return [Text(value, f"meta '{key}'", meta.where.get(key) or Span(0, 0))
            for key in FRONT_KEYS if (value := getattr(meta, key))]


def expected_texts(document: Document, theme: Theme | None = None) -> list[Text]:
    """Texts of the parts in the order they print."""
    found: list[Text] = []
    for part in document.parts:
        found += [t for t in part_texts(part) if t.what != "part 'tag'"
                  or tag_printed(part, theme)]
        blocks = list(part.blocks)
        if part.layout == "gallery":  # the picture grid comes first
            blocks.sort(key=lambda b: not isinstance(b, Figure))
        for block in blocks:
            found += _printed(block, part)
    return found


def _printed(block: Block, part: Part) -> Iterator[Text]:
    """A block's texts as printed."""
    texts = list(block_texts(block))
    if isinstance(block, Paragraph) and block.truncated:
        first = texts[0]
        texts[0] = Text(first.value + TRUNCATION_MARK, first.what, first.span)
    if isinstance(block, Scorecard) and block.title == part.title:
        texts = texts[1:]  # printed once, as the part's title
    for text in texts:
        if text.what == "row 'change'":  # printed as ▲10.1% / ▼3.2%
            text = Text(text.value.lstrip("+-"), text.what, text.span)
        yield text


@dataclass
class _Reader:
    """Searches flattened page texts from a moving position."""

    pages: list[str]
    page: int = 0
    offset: int = 0

    def find(self, text: str) -> tuple[int, int] | None:
        """Where `text` ends when found at or after the position, else None."""
        for page in range(self.page, len(self.pages)):
            start = self.offset if page == self.page else 0
            end = self._find_from(text, page, start)
            if end is not None:
                return end
        return None

    def _find_from(self, text: str, page: int, start: int) -> tuple[int, int] | None:
        """`text` starting on `page`, perhaps running on over the next pages."""
        while page < len(self.pages):
            body = self.pages[page]
            index = body.find(text, start)
            if index >= 0:
                return page, index + len(text)
            size = self._longest_prefix(text, body, start)
            if size < min(MIN_PIECE, len(text)):
                return None
            text, page, start = text[size:], page + 1, 0
        return None

    @staticmethod
    def _longest_prefix(text: str, body: str, start: int) -> int:
        """Length of the longest prefix of `text` found in `body` at or after `start`."""
        low, high = 0, len(text)
        while low < high:
            middle = (low + high + 1) // 2
            if body.find(text[:middle], start) >= 0:
                low = middle
            else:
                high = middle - 1
        return low


def missing_texts(document: Document, pdf: bytes, theme: Theme | None = None) -> list[Text]:
    """Texts of the content not found in the PDF (empty when all are there)."""
    pages = [flatten(page) for page in page_texts(pdf)]
    missing = [t for t in front_texts(document) if _Reader(pages).find(flatten(t.value)) is None]
    reader = _Reader(pages)
    for text in expected_texts(document, theme):
        end = reader.find(flatten(text.value))
        if end is None:
            missing.append(text)
        else:
            reader.page, reader.offset = end
    return missing


def ensure_nothing_lost(document: Document, pdf: bytes, theme: Theme | None = None) -> None:
    """Raise a BrochureError naming the first missing text and where it is written."""
    lost = missing_texts(document, pdf, theme)
    if not lost:
        return
    first = lost[0]
    shown = first.value if len(first.value) <= 40 else first.value[:40] + "…"
    more = f" (and {len(lost) - 1} more)" if len(lost) > 1 else ""
    raise BrochureError(f"the {first.what} {shown!r} is missing from the PDF{more}",
                        path=document.source, line=first.span.line or None,
                        column=first.span.column or None,
                        hint="this is a layout fault (an overflowing frame or a dropped row);"
                             " nothing was written — please report it with the content file")
