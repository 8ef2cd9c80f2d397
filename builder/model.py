"""The content model: plain typed objects that know nothing of YAML or ReportLab.

A document is metadata plus parts; a part is a list of blocks. See docs/content-schema.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Layout = Literal["section", "plain", "gallery"]
LAYOUTS: tuple[str, ...] = ("section", "plain", "gallery")

TRUNCATION_MARK = "……"
"""Printed after a paragraph the source cuts off mid-sentence."""


@dataclass(frozen=True)
class Paragraph:
    text: str
    truncated: bool = False
    line: int = 0

    @property
    def printed_text(self) -> str:
        """The text as it appears on the page, with the editorial mark if cut off."""
        return self.text + TRUNCATION_MARK if self.truncated else self.text


@dataclass(frozen=True)
class Heading:
    text: str
    line: int = 0


@dataclass(frozen=True)
class Quote:
    text: str
    source: str | None = None
    line: int = 0


@dataclass(frozen=True)
class Figure:
    caption: str
    image: Path | None = None
    line: int = 0


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


@dataclass(frozen=True)
class Scorecard:
    title: str
    rows: tuple[ScoreRow, ...]
    note: str | None = None
    line: int = 0


Block = Paragraph | Heading | Quote | Figure | Scorecard


@dataclass(frozen=True)
class Part:
    title: str
    blocks: tuple[Block, ...]
    layout: Layout = "plain"
    headline: str | None = None
    tag: str | None = None
    line: int = 0


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


@dataclass(frozen=True)
class Document:
    meta: Meta
    parts: tuple[Part, ...]
    source: Path
    theme: str = "default"
    sections: tuple[Part, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "sections", tuple(p for p in self.parts if p.layout == "section"))

    def section_number(self, part: Part) -> int | None:
        """1-based number of a `section` part among the sections, else None."""
        for number, section in enumerate(self.sections, start=1):
            if section is part:
                return number
        return None
