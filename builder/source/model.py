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
PUNCTUATION_STYLES: tuple[str, ...] = ("quanjiao", "kaiming", "banjiao")
"""A block's `punctuation:` (the theme's design.punctuation otherwise): 全角式, 开明式, 半角式."""
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
    file: Path | None = None
    """A data file the value is read from (a spreadsheet), if not the content file."""
    cell: str = ""
    """Where in that data file: 'sheet 半年, B7' or 'B7'."""

    @property
    def place(self) -> str:
        """'成绩单.xlsx, sheet 半年, B7' for a value read from a data file, else ''."""
        return f"{self.file.name}, {self.cell}" if self.file is not None else ""

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
    lang: str | None = None
    """The language of the text when it is not the document's (a BCP 47 tag: en)."""
    punctuation: str | None = None
    """The block's punctuation style (PUNCTUATION_STYLES), if not the theme's."""

    @property
    def printed_text(self) -> str:
        """The text as it appears on the page, with the editorial mark if cut off."""
        return self.text + TRUNCATION_MARK if self.truncated else self.text


@dataclass(frozen=True)
class Heading:
    text: str
    line: int = 0
    where: Mapping[str, Span] = _where()
    lang: str | None = None
    punctuation: str | None = None


@dataclass(frozen=True)
class Quote:
    text: str
    source: str | None = None
    line: int = 0
    where: Mapping[str, Span] = _where()
    lang: str | None = None
    punctuation: str | None = None


@dataclass(frozen=True)
class Figure:
    caption: str
    image: Path | None = None
    width: str = "full"
    """A key of FIGURE_WIDTHS."""
    line: int = 0
    alt: str | None = None
    """What the picture shows, for a screen reader (the tagged PDF's /Alt)."""
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
COLUMN_KINDS: dict[str, str] = {
    "text": "words; wraps (the row's label)",
    "number": "a number as written: 超2万户, 3.1万亿美元以上, 7→10平方公里, -3.2, 1,234.5",
    "change": "a signed change: +10.1, -3.2 (printed ▲10.1% ▼3.2%), 同比下降0.3个百分点",
    "percent": "a share in %: 45.2 or 45.2%",
    "free": "anything: several values, words and numbers; never checked",
}
"""What a declared table column holds, and how its cells are set and checked."""
NUMBER_KINDS = ("number", "change", "percent")
ALIGNS = ("left", "right", "center")
CHART_KINDS = ("bars", "columns", "line")
"""Charts of a table's numeric column: horizontal bars, vertical bars, a line over time."""


@dataclass(frozen=True)
class Column:
    """A declared table column."""

    header: str
    kind: str = "text"
    """A key of COLUMN_KINDS."""
    align: str | None = None
    """left, right or center; None: numbers right, text left."""
    width: float | None = None
    """The column's share of the table's width (0–1), or None: from its cells."""
    unit: str = ""
    """The unit of the column's numbers, printed once in the header: 数值（亿元）."""
    required: bool = False
    """Every row must fill it."""
    source: str | None = None
    """The spreadsheet header it reads (`from:`), if not its own header."""
    line: int = 0
    where: Mapping[str, Span] = _where()

    @property
    def printed_header(self) -> str:
        """The header as printed: with the unit in brackets, unless the header has it."""
        return f"{self.header}（{self.unit}）" if self.unit and self.unit not in self.header \
            else self.header


@dataclass(frozen=True)
class TableCell:
    """One cell of a declared table, as written (a YAML value or a spreadsheet cell)."""

    text: str
    stored_as_text: bool = False
    """A spreadsheet text cell that reads as a plain number (Excel's green triangle)."""
    where: Mapping[str, Span] = _where()
    """'cell': where it is written."""

    @property
    def span(self) -> Span:
        return self.where.get("cell") or Span(0, 0)


@dataclass(frozen=True)
class TableRow:
    cells: tuple[TableCell, ...]
    """One per column, in column order ('' where empty)."""
    line: int = 0
    where: Mapping[str, Span] = _where()


@dataclass(frozen=True)
class Chart:
    """A chart of a declared table: `values` are numeric columns, `label` the column naming
    each point (bars) or time (line)."""

    kind: str
    values: tuple[str, ...]
    label: str
    title: str | None = None
    line: int = 0
    where: Mapping[str, Span] = _where()


@dataclass(frozen=True)
class DataTable:
    """A table with declared columns; rows written in the content or read from `data`."""

    title: str
    columns: tuple[Column, ...]
    rows: tuple[TableRow, ...]
    note: str | None = None
    chart: Chart | None = None
    data: Path | None = None
    """The spreadsheet (.xlsx or .csv) the rows are read from, or None."""
    line: int = 0
    where: Mapping[str, Span] = _where()

    def column(self, header: str) -> int:
        """The index of the column with this header (ValueError if none)."""
        return [c.header for c in self.columns].index(header)


Block = Paragraph | Heading | Quote | Figure | Scorecard | Photos | DataTable


@dataclass(frozen=True)
class Part:
    title: str
    blocks: tuple[Block, ...]
    layout: Layout = "plain"
    headline: str | None = None
    tag: str | None = None
    opener: str | None = None
    """A section's own opener ('page', 'band' or 'auto'); None: the theme's."""
    picture: Path | None = None
    """The section's picture (resolved, inside the content's folder): `{part.picture}`."""
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
        return sum(len(block.rows) if isinstance(block, (Scorecard, DataTable))
                   else len(block.figures) if isinstance(block, Photos) else 1
                   for part in self.parts for block in part.blocks)

    def section_number(self, part: Part) -> int | None:
        """1-based number of a `section` part among the sections, else None."""
        for number, section in enumerate(self.sections, start=1):
            if section is part:
                return number
        return None
