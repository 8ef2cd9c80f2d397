"""The content model: plain typed objects that know nothing of YAML or ReportLab.

A document is metadata plus parts; a part is a list of blocks. See docs/content-schema.md.
Each object's `where` maps its YAML keys to the `Span` where the value is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Layout = Literal["section", "plain", "gallery"]
LAYOUTS: tuple[str, ...] = ("section", "plain", "gallery")
OPENERS: tuple[str, ...] = ("auto", "page", "band")
FIGURE_WIDTHS: dict[str, float] = {"full": 1.0, "2/3": 2 / 3, "1/2": 0.5}
"""A figure's width as a share of the text block's."""

TRUNCATION_MARK = "……"
"""Printed after a paragraph the source cuts off mid-sentence."""


@dataclass(frozen=True)
class Span:
    """Where a text value is written in its source file (1-based line and column).

    `text_column` is the column of the text's first character when the value is written
    on one line exactly as it reads (no escapes, no folding), else None.
    """

    line: int
    column: int
    text_column: int | None = None

    def at(self, index: int) -> tuple[int, int]:
        """Line and column of the text's character `index` (the value's start if unknown)."""
        if self.text_column is None:
            return self.line, self.column
        return self.line, self.text_column + index


def _where() -> Any:
    """A `where` field: the Span of each key's value, by YAML key (not part of equality)."""
    return field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Paragraph:
    text: str
    truncated: bool = False
    line: int = 0
    where: Mapping[str, Span] = _where()

    @property
    def printed_text(self) -> str:
        """The text as it appears on the page, with the editorial mark if cut off."""
        return self.text + TRUNCATION_MARK if self.truncated else self.text


@dataclass(frozen=True)
class Heading:
    text: str
    line: int = 0
    where: Mapping[str, Span] = _where()


@dataclass(frozen=True)
class Quote:
    text: str
    source: str | None = None
    line: int = 0
    where: Mapping[str, Span] = _where()


@dataclass(frozen=True)
class Figure:
    caption: str
    image: Path | None = None
    width: str = "full"
    """A key of FIGURE_WIDTHS."""
    line: int = 0
    where: Mapping[str, Span] = _where()


@dataclass(frozen=True)
class ScoreRow:
    metric: str
    value: str
    unit: str = ""
    change: str | None = None
    start: str | None = None
    qualifier: str = ""
    remark: str = ""
    line: int = 0
    where: Mapping[str, Span] = _where()


@dataclass(frozen=True)
class Scorecard:
    title: str
    rows: tuple[ScoreRow, ...]
    note: str | None = None
    line: int = 0
    where: Mapping[str, Span] = _where()
    chart: str | None = None
    """'bars': the year-on-year changes are also drawn as a bar chart."""


@dataclass(frozen=True)
class Photos:
    """A grid of pictures with captions."""

    figures: tuple[Figure, ...]
    columns: int = 2
    line: int = 0
    where: Mapping[str, Span] = _where()


CHARTS = ("bars",)
Block = Paragraph | Heading | Quote | Figure | Scorecard | Photos


@dataclass(frozen=True)
class Part:
    title: str
    blocks: tuple[Block, ...]
    layout: Layout = "plain"
    headline: str | None = None
    tag: str | None = None
    opener: str | None = None
    """A section's own opener ('page', 'band' or 'auto'); None: the theme's."""
    line: int = 0
    where: Mapping[str, Span] = _where()


@dataclass(frozen=True)
class Meta:
    title: str
    date: str
    language: str
    kicker: str | None = None
    subtitle: str | None = None
    lead: str | None = None
    issuer: str | None = None
    subject: str | None = None
    where: Mapping[str, Span] = _where()


@dataclass(frozen=True)
class Document:
    meta: Meta
    parts: tuple[Part, ...]
    source: Path
    theme: str = "default"
    where: Mapping[str, Span] = _where()
    sections: tuple[Part, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "sections", tuple(p for p in self.parts if p.layout == "section"))

    @property
    def size(self) -> int:
        """How many blocks the document has, each scorecard row and photo counted as one:
        what its layout and check cost grows with."""
        return sum(len(block.rows) if isinstance(block, Scorecard)
                   else len(block.figures) if isinstance(block, Photos) else 1
                   for part in self.parts for block in part.blocks)

    def section_number(self, part: Part) -> int | None:
        """1-based number of a `section` part among the sections, else None."""
        for number, section in enumerate(self.sections, start=1):
            if section is part:
                return number
        return None
