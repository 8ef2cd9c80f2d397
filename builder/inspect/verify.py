"""Verify stage: read the PDF back and hold it against the layout's record of what it printed
(builder/typeset/record.py).

Three things must hold, or the build fails naming the first text lost and where it is
written: every text of the content was printed (or left out on purpose by the design, as the
record says); every text printed in pieces (a paragraph split over pages, a title over two
lines) was printed whole; and every piece is in the PDF on the page the record gives, inside
the trim box, in the order it was drawn there.
"""

from __future__ import annotations

import pypdfium2

from builder.errors import BrochureError
from builder.parallel import beside
from builder.source.model import Document, Span
from builder.source.texts import Text, source_key, texts
from builder.typeset.compose import HYPHEN
from builder.typeset.record import Printing, PrintRecord

WHITE_SPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
               "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
"""Every character str.isspace() calls white space (a test holds the list to it)."""
FLAT = str.maketrans({**dict.fromkeys(WHITE_SPACE), "\ufffe": "-", "\x02": "-", HYPHEN: "-"})
"""White space dropped, and a hyphen at a line end made a hyphen: pdfium reports one as
U+FFFE or U+0002, whether typed or added where the composer broke a word (a soft hyphen)."""


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
    """Text as compared between the record and the PDF: no white space, no **bold** markers,
    and every hyphen at a line end a hyphen (see FLAT)."""
    return text.translate(FLAT).replace("**", "")


def missing_texts(document: Document, pdf: bytes, record: PrintRecord,
                  *others: tuple[bytes, PrintRecord]) -> list[Text]:
    """Texts of the content lost between the records and the PDFs (empty when none is), in
    the order they are written. `others`: more files of the same build, each with its own
    record (a perfect-bound book's cover spread): a text printed in any of them is not lost."""
    content = {text.source: text for text in texts(document)}
    files = [(pdf, record), *others]
    lost: list[Text] = []
    drawn: set[tuple[int, str]] = set()
    omitted: set[tuple[int, str]] = set()
    for data, printed in files:
        pieces = printed.pieces()
        drawn |= printed.sources_drawn(pieces)
        omitted |= set(printed.omitted)
        lost += _lost_pieces(content, data, printed, pieces)
    lost += [text for key, text in content.items() if key not in drawn and key not in omitted]
    order = {id(text): number for number, text in enumerate(content.values())}
    unique = {id(text): text for text in lost}
    return sorted(unique.values(), key=lambda text: order.get(id(text), len(order)))


def _lost_pieces(content: dict[tuple[int, str], Text], pdf: bytes, record: PrintRecord,
                 drawn_pieces: dict[int, list[str]]) -> list[Text]:
    """The texts of one file printed in pieces that do not make the whole, or whose pieces
    are not on the page the record gives, in the order drawn there."""

    def text_of(printing: Printing) -> Text:
        for source in printing.sources:
            if source_key(*source) in content:
                return content[source_key(*source)]
        return Text(printing.text, f"{printing.role.replace('_', ' ')} text", Span(0, 0))

    lost = []
    for number, pieces in drawn_pieces.items():
        whole, printing = "".join(pieces), record.printings[number]
        if whole != printing.text and flatten(whole.replace(HYPHEN, "")) != flatten(
                printing.text):  # the composer's hyphens are not the content's
            lost.append(text_of(printing))
    pages = [flatten(page) for page in page_texts(pdf)]
    offsets = [0] * len(pages)
    for piece in record.drawn:
        wanted = flatten(piece.text)
        index = piece.page - 1
        found = pages[index].find(wanted, offsets[index]) if 0 <= index < len(pages) else -1
        if found < 0:
            lost.append(text_of(record.printings[piece.printing]))
        elif wanted:
            offsets[index] = found + len(wanted)
    return lost


def ensure_nothing_lost(document: Document, pdf: bytes, record: PrintRecord,
                        *others: tuple[bytes, PrintRecord]) -> None:
    """Raise a BrochureError naming the first missing text and where it is written
    (`others`: see `missing_texts`)."""
    lost = missing_texts(document, pdf, record, *others)
    if not lost:
        return
    first = lost[0]
    shown = first.value if len(first.value) <= 40 else first.value[:40] + "…"
    more = f" (and {len(lost) - 1} more)" if len(lost) > 1 else ""
    span = first.span
    where = f" ({span.place})" if span.file is not None else ""
    raise BrochureError(f"the {first.what} {shown!r}{where} is missing from the PDF{more}",
                        path=document.source, line=span.line or None,
                        column=span.column or None,
                        hint="this is a layout fault (an overflowing frame or a dropped row);"
                             " nothing was written — please report it with the content file")
