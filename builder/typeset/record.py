"""The layout's record of what it printed: each text it meant to print in full (with the
content fields it comes from), and each piece it drew, on which page, in drawing order.

The read-back (builder/inspect/verify.py) holds the PDF against this record, so it never
re-derives what the layout decided (which tags print, how a change reads, what repeats).
A 500-page build records some 30 000 pieces: entries are plain tuples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from builder.source.texts import source_key

Source = tuple[object, str]
"""A content text as the model holds it: (the model object, its attribute name)."""


class PageCanvas(Protocol):
    def getPageNumber(self) -> int: ...  # noqa: N802  (ReportLab's name)


class Printing(NamedTuple):
    """One text the layout meant to print, in full."""

    text: str
    role: str
    sources: tuple[Source, ...]


class Drawn(NamedTuple):
    """A piece of printing number `printing` drawn on a page (1-based)."""

    page: int
    printing: int
    text: str


@dataclass
class PrintRecord:
    printings: list[Printing] = field(default_factory=list)
    drawn: list[Drawn] = field(default_factory=list)
    omitted: dict[tuple[int, str], str] = field(default_factory=dict)
    """Content texts the design leaves out on purpose, with the reason."""

    def expect(self, text: str, role: str, *sources: Source) -> int:
        """Announce a text to be printed (perhaps in pieces); returns its number."""
        self.printings.append(Printing(text, role, sources))
        return len(self.printings) - 1

    def drew(self, canvas: PageCanvas, printing: int, text: str) -> None:
        """A piece of printing number `printing` has been drawn on the canvas's page."""
        self.drawn.append(Drawn(canvas.getPageNumber(), printing, text))

    def printed(self, canvas: PageCanvas, text: str, role: str, *sources: Source) -> int:
        """A text drawn whole; returns its number."""
        number = self.expect(text, role, *sources)
        self.drew(canvas, number, text)
        return number

    def omit(self, source: Source, reason: str) -> None:
        self.omitted[source_key(*source)] = reason

    def pieces(self) -> dict[int, list[str]]:
        """The pieces drawn of each printing that was drawn, in drawing order."""
        found: dict[int, list[str]] = {}
        for piece in self.drawn:
            found.setdefault(piece.printing, []).append(piece.text)
        return found

    def sources_drawn(self, pieces: dict[int, list[str]] | None = None
                      ) -> set[tuple[int, str]]:
        """The content texts of which at least a piece with some text was drawn (`pieces`:
        what `pieces()` gives, if already at hand)."""
        return {source_key(*source)
                for number, texts in (pieces or self.pieces()).items()
                if any(t.strip() for t in texts)
                for source in self.printings[number].sources}
