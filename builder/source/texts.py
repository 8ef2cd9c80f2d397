"""The texts of a document in reading order, each with what it is, where it is written and
which field of which model object holds it (the layout's record of what it printed names
the same object and field)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from builder.source.model import (
    Block,
    DataTable,
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

ROW_FIELDS = (("metric", "metric"), ("from", "start"), ("qualifier", "qualifier"),
              ("value", "value"), ("unit", "unit"), ("change", "change"), ("remark", "remark"))
"""A scorecard row's (YAML key, attribute) pairs in column order."""
META_KEYS = ("kicker", "title", "subtitle", "lead", "issuer", "date", "subject")


@dataclass(frozen=True)
class Text:
    """One text value of the document: what it is, where it is written, and the model
    object (`owner`) and attribute (`field`) that hold it."""

    value: str
    what: str
    span: Span
    owner: object = field(default=None, compare=False, repr=False)
    field: str = field(default="", compare=False, repr=False)

    @property
    def source(self) -> tuple[int, str]:
        """The key the layout's print record uses for this text."""
        return source_key(self.owner, self.field)


def source_key(owner: object, attribute: str) -> tuple[int, str]:
    """One content text, as the walker and the print record both name it: the very model
    object holding it (copies are other texts) and its attribute."""
    return id(owner), attribute


def text_at(owner: object, key: str, value: str, what: str, attribute: str = "") -> Text:
    """A text of `owner` written under the YAML `key` (its span, else the owner's line)."""
    where = getattr(owner, "where", {})
    span = where.get(key) or Span(getattr(owner, "line", 0), 0)
    return Text(value, what, span, owner, attribute)


def _text(owner: object, key: str, attribute: str, what: str) -> Iterator[Text]:
    value = getattr(owner, attribute)
    if value:
        yield text_at(owner, key, value, what, attribute)


def block_texts(block: Block) -> Iterator[Text]:
    """The texts of one block in reading order (scorecard cells in column order)."""
    if isinstance(block, Paragraph):
        yield from _text(block, "paragraph", "text", "paragraph")
    elif isinstance(block, Heading):
        yield from _text(block, "heading", "text", "heading")
    elif isinstance(block, Quote):
        yield from _text(block, "quote", "text", "quote")
        yield from _text(block, "source", "source", "quote source")
    elif isinstance(block, Figure):
        yield from _text(block, "figure", "caption", "figure caption")
    elif isinstance(block, Photos):
        for figure in block.figures:
            yield from _text(figure, "caption", "caption", "photo caption")
    elif isinstance(block, Scorecard):
        yield from _text(block, "scorecard", "title", "scorecard title")
        for row in block.rows:
            for key, attribute in ROW_FIELDS:
                yield from _text(row, key, attribute, f"row '{key}'")
        yield from _text(block, "note", "note", "scorecard note")
    elif isinstance(block, DataTable):
        yield from _text(block, "table", "title", "table title")
        for column in block.columns:
            yield from _text(column, "header", "header", "column header")
        for cells in (row.cells for row in block.rows):
            for cell in cells:
                yield from _text(cell, "cell", "text", "table cell")
        yield from _text(block, "note", "note", "table note")
        if block.chart is not None:
            yield from _text(block.chart, "title", "title", "chart title")


def part_texts(part: Part) -> Iterator[Text]:
    for key in ("title", "headline", "tag"):
        yield from _text(part, key, key, f"part '{key}'")


def meta_texts(document: Document) -> Iterator[Text]:
    for key in META_KEYS:
        yield from _text(document.meta, key, key, f"meta '{key}'")


def texts(document: Document) -> Iterator[Text]:
    """Every user text of the document with where it is written, in reading order."""
    yield from meta_texts(document)
    for part in document.parts:
        yield from part_texts(part)
        for block in part.blocks:
            yield from block_texts(block)


def data_files(document: Document) -> list[Path]:
    """The spreadsheets a document's tables read their rows from (watch mode watches them)."""
    return [block.data for part in document.parts for block in part.blocks
            if isinstance(block, DataTable) and block.data is not None]


def image_files(document: Document) -> list[Path]:
    """The picture files a document names, its parts' pictures too (the build reads them,
    watch mode watches them)."""
    return [path for part in document.parts
            for path in (part.picture, *(f.image for f in figures(part))) if path is not None]


def figures(part: Part) -> Iterator[Figure]:
    """Every picture of a part: figure blocks and the pictures of photo grids."""
    for block in part.blocks:
        if isinstance(block, Figure):
            yield block
        elif isinstance(block, Photos):
            yield from block.figures


def tag_printed(part: Part, theme: Theme | None) -> bool:
    """Whether the layout prints a part's tag: section openers do; so do the titles of
    every part when the theme sets openers inline."""
    return part.layout == "section" or (theme is not None
                                        and theme.design.opener == "inline")
