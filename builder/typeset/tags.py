"""Typeset stage: the tagged PDF (issue 16). Every text the layout draws from the content is
marked content with an MCID, owned by a structure element; everything else painted on a
page (running heads, folios, crop marks, rules, rings, bands) is an Artifact. At save the
structure tree is written in the same pass as the rest of the file:
Document → (cover texts) → Sect per part → H1/H2/P/BlockQuote/Caption/Table … in content
order, with its ParentTree, the pages' StructParents and /Tabs, and MarkInfo.

The elements are the print record's printings (builder/typeset/record.py): a text's pieces
on several pages or columns (a split paragraph) are one element. Drawing calls
`draw_lines(…, tag=printing)`; a page's untagged painting is wrapped as artifacts when the
page ends (`Tagger.seal`), so no content is left untagged."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, is_dataclass
from weakref import WeakKeyDictionary

from reportlab.pdfgen.canvas import Canvas

from builder.engine import private
from builder.source.model import Document, Part
from builder.typeset.record import PrintRecord, Source

ROLE_TYPES = {
    "part_title": "H1", "opener_title": "H1", "heading": "H2", "cover_title": "H1",
    "contents_title": "H1", "quote": "BlockQuote", "caption": "Caption",
    "table_title": "Caption", "table_header": "TH", "table_cell": "TD", "table_number": "TD",
    "contents_number": "Lbl", "part_label": "Lbl", "opener_number": "Lbl",
    "figure": "Figure", "contents_page": "Reference",
}
"""The structure type of a printing by its role; every other role is a paragraph (P)."""
TABLE_ROLES = ("table_header", "table_cell", "table_number")
TOC_ROLES = ("contents_entry", "contents_number", "contents_detail", "contents_page")
PAINTING = re.compile(r"(?:^|\s)(?:TJ|Tj|'|\"|Do|sh|BI|f\*?|F|S|s|B\*?|b\*?)(?=\s|$)")
"""Content-stream operators that paint (text, XObjects, shadings, inline images, paths)."""

_TAGGERS: WeakKeyDictionary[Canvas, Tagger] = WeakKeyDictionary()


def start(canvas: Canvas, record: PrintRecord) -> Tagger:
    """Tag what is drawn on `canvas` (one PDF document), the elements being `record`'s."""
    tagger = _TAGGERS[canvas] = Tagger(canvas, record)
    return tagger


def tagger(canvas: Canvas) -> Tagger | None:
    return _TAGGERS.get(canvas)


def structure_type(role: str) -> str:
    return ROLE_TYPES.get(role, "P")


@contextmanager
def artifact(canvas: Canvas, kind: str) -> Iterator[None]:
    """Mark what is drawn inside as an artifact of this type ('Pagination': running heads
    and folios; 'Page': crop marks; 'Layout'), not part of the content."""
    tagger = _TAGGERS.get(canvas)
    opened = tagger is not None and tagger.begin_artifact(kind)
    try:
        yield
    finally:
        if opened and tagger is not None:
            tagger.end()


@contextmanager
def figure(canvas: Canvas, alt: str, *sources: Source) -> Iterator[None]:
    """Mark what is drawn inside as one Figure, read as `alt` (its texts are the picture's:
    a chart's labels are not read one by one); `sources` place it among the content."""
    with element(canvas, "figure", alt, *sources):
        yield


@contextmanager
def element(canvas: Canvas, role: str, alt: str | None, *sources: Source) -> Iterator[None]:
    """Mark what is drawn inside (not a text of the print record: a picture, a chart, a page
    number filled in late) as one element of this role."""
    tagger = _TAGGERS.get(canvas)
    opened = tagger is not None and tagger.begin(tagger.add_extra(role, alt, sources))
    try:
        yield
    finally:
        if opened and tagger is not None:
            tagger.end()


def link(canvas: Canvas, printing: int, annotation: str) -> None:
    """The link annotation registered as `annotation` belongs to `printing`'s text, which
    becomes a Link element holding both."""
    tagger = _TAGGERS.get(canvas)
    if tagger is not None and not private.in_form(canvas):
        tagger.links.append((printing, annotation, private.page_name(canvas)))


@dataclass(eq=False)
class Element:
    """A structure element: its type, its kids (elements, or (page name, MCID) pairs)."""

    kind: str
    kids: list[Element | tuple[str, int] | tuple[str, str, str]] = field(default_factory=list)
    attributes: str = ""
    """Extra dictionary entries as written, e.g. ' /A <</O /Table /Scope /Column>>'."""
    name: str = ""
    alt: str | None = None


class Tagger:
    """The marked content of one document while it is drawn, and its structure at save."""

    def __init__(self, canvas: Canvas, record: PrintRecord) -> None:
        self.canvas, self.record = canvas, record
        self.owners: dict[str, list[int]] = {}
        """Per page name: the printing that owns each MCID, in MCID order."""
        self.spans: list[tuple[int, int]] = []
        """The current page's tagged stretches of its code list: (first, last) entries."""
        self.open_at: int | None = None
        self.extras: list[tuple[str, str | None, tuple[Source, ...]]] = []
        """Elements that are no text of the record (pictures, charts, late page numbers):
        (role, alternate text, sources); extra i is printing -1 - i."""
        self.links: list[tuple[int, str, str]] = []
        """(printing, annotation name, page name) of each link annotation."""

    def add_extra(self, role: str, alt: str | None, sources: tuple[Source, ...]) -> int:
        self.extras.append((role, alt, sources))
        return -len(self.extras)

    def role(self, printing: int) -> str:
        return self.extras[-1 - printing][0] if printing < 0 else \
            self.record.printings[printing].role

    def sources(self, printing: int) -> tuple[Source, ...]:
        return self.extras[-1 - printing][2] if printing < 0 else \
            self.record.printings[printing].sources

    def begin(self, printing: int) -> bool:
        """Open the marked content of `printing` on the current page; False (nothing
        opened) inside a form, inside another sequence, or for an unknown printing."""
        canvas = self.canvas
        if self.open_at is not None or private.in_form(canvas) or not \
                -len(self.extras) <= printing < len(self.record.printings):
            return False
        page = private.page_name(canvas)
        owners = self.owners.setdefault(page, [])
        kind = structure_type(self.role(printing))
        self.open_at = len(private.page_code(canvas))
        canvas.addLiteral(f"/{kind} <</MCID {len(owners)}>> BDC")
        owners.append(printing)
        return True

    def begin_artifact(self, kind: str) -> bool:
        if self.open_at is not None or private.in_form(self.canvas):
            return False
        self.open_at = len(private.page_code(self.canvas))
        self.canvas.addLiteral(f"/Artifact <</Type /{kind}>> BDC")
        return True

    def end(self) -> None:
        assert self.open_at is not None
        self.canvas.addLiteral("EMC")
        self.spans.append((self.open_at, len(private.page_code(self.canvas)) - 1))
        self.open_at = None

    def seal(self) -> None:
        """At the end of a page: wrap every stretch of painting outside the tagged content
        as an Artifact, so no content of the page is left untagged."""
        code = private.page_code(self.canvas)
        sealed: list[str] = []
        position = 0
        for first, last in [*self.spans, (len(code), len(code))]:
            outside = code[position:first]
            if any(PAINTING.search(entry) for entry in outside):
                sealed += ["/Artifact BMC", *outside, "EMC"]
            else:
                sealed += outside
            sealed += code[first:last + 1]
            position = last + 1
        code[:] = sealed
        self.spans = []

    # ------------------------------------------------------------------ at save

    def finish(self, document: Document) -> None:
        """Write the structure tree, the ParentTree and the page and catalog keys."""
        root = self.tree(document)
        order: list[Element] = []
        stack = [root]
        while stack:
            element = stack.pop()
            order.append(element)
            stack += [kid for kid in reversed(element.kids) if isinstance(kid, Element)]
        for number, element in enumerate(order, start=1):
            element.name = f"SE{number}"
        parents = {id(kid): element for element in order for kid in element.kids
                   if isinstance(kid, Element)}
        by_printing = {printing: element for element, printing in self._elements.items()}
        pages = private.page_names(self.canvas)
        parent_tree: list[tuple[int, list[str]]] = []
        for index, page in enumerate(pages):
            owners = self.owners.get(page, [])
            parent_tree.append((index, [by_printing[p].name for p in owners]))
        links = [(annotation, by_printing[printing].name)
                 for printing, annotation, _ in self.links if printing in by_printing]
        private.write_structure(self.canvas, [
            (element.name, element.kind, parents[id(element)].name if id(element) in parents
             else None, element.kids, element.attributes, element.alt) for element in order],
            root.name, parent_tree, links)

    def tree(self, document: Document) -> Element:
        """Document → top-level texts and a Sect per part, in reading order (the content's
        order: a text's first page, then its printing order)."""
        first: dict[int, tuple[int, int]] = {}
        """printing → (page index, MCID) where it is first drawn: drawing order."""
        pages = {page: number for number, page in enumerate(private.page_names(self.canvas))}
        mcids: dict[int, list[tuple[str, int]]] = {}
        for page, owners in self.owners.items():
            for mcid, printing in enumerate(owners):
                mcids.setdefault(printing, []).append((page, mcid))
                first[printing] = min(first.get(printing, (10**9, 0)),
                                      (pages.get(page, 0), mcid))
        owner = _owners(document)
        drawn = sorted(mcids)
        place: dict[int, tuple[int, int, object]] = {}
        """printing → (part index, block index, row object) when it belongs to a part."""
        for printing in drawn:
            role = self.role(printing)
            if role in TOC_ROLES or role.startswith(("cover_", "back_")):
                continue
            found = next((owner[id(obj)] for obj, _ in self.sources(printing)
                          if id(obj) in owner), None)
            if found is not None:
                place[printing] = found
        following: tuple[int, int, object] | None = None
        for printing in reversed(drawn):  # a number or header without a source belongs
            if printing in place:         # with the texts drawn after it
                following = place[printing]
                continue
            role = self.role(printing)
            if following is not None and (role in TABLE_ROLES or role.startswith(
                    ("opener_", "part_"))):
                place[printing] = (following[0], following[1], None)
        self._elements: dict[Element, int] = {}
        self._links: dict[int, list[tuple[str, str]]] = {}
        for number, annotation, page in self.links:
            self._links.setdefault(number, []).append((annotation, page))
        sections: dict[int, Element] = {}
        top: list[tuple[tuple[int, int], Element]] = []
        blocks: dict[tuple[int, int], list[int]] = {}
        contents: list[int] = []
        for printing in sorted(drawn, key=lambda number: first[number]):
            if printing in place:
                part, block, _ = place[printing]
                blocks.setdefault((part, block), []).append(printing)
            elif self.role(printing) in TOC_ROLES:
                contents.append(printing)
            else:
                top.append((first[printing], self._element(printing, mcids)))
        for (part, _), members in sorted(blocks.items()):
            section = sections.get(part)
            if section is None:
                section = sections[part] = Element("Sect")
                top.append((min(first[p] for p in members), section))
            section.kids += self._block(sorted(members), place, mcids)
        if contents:
            top.append((first[contents[0]], self._contents(contents, mcids)))
        top.sort(key=lambda item: item[0])
        return Element("Document", [element for _, element in top])

    def _contents(self, members: list[int], mcids: dict[int, list[tuple[str, int]]]
                  ) -> Element:
        """The list of sections (contents page or cover): a TOC of TOCI, each from its
        number (Lbl) on, in drawing order."""
        toc = Element("TOC")
        item: Element | None = None
        roles: list[str] = []
        for printing in members:
            role = self.role(printing)
            if item is None or role == "contents_number" or (
                    role == "contents_entry" and "contents_entry" in roles):
                item, roles = Element("TOCI"), []
                toc.kids.append(item)
            item.kids.append(self._element(printing, mcids))
            roles.append(role)
        return toc

    def _element(self, printing: int, mcids: dict[int, list[tuple[str, int]]]) -> Element:
        kind = structure_type(self.role(printing))
        linked = self._links.get(printing, [])
        lang = next((getattr(obj, "lang", None) for obj, _ in self.sources(printing)
                     if getattr(obj, "lang", None)), None)  # checked: letters, digits, -
        element = Element("Link" if linked else kind, [
            *mcids[printing], *(("objr", annotation, page) for annotation, page in linked)],
            (" /A <</O /Table /Scope /Column>>" if kind == "TH" else "")
            + (f" /Lang ({lang})" if lang else ""),
            alt=self.extras[-1 - printing][1] if printing < 0 else None)
        self._elements[element] = printing
        return element

    def _block(self, members: list[int], place: dict[int, tuple[int, int, object]],
               mcids: dict[int, list[tuple[str, int]]]) -> list[Element]:
        """A block's elements: a table's cells gathered into Table, THead/TBody and rows;
        any other block's texts in printing order."""
        cells = [p for p in members if self.role(p) in TABLE_ROLES]
        if not cells:
            return [self._element(p, mcids) for p in members]
        table = Element("Table")
        head, body = Element("THead"), Element("TBody")
        rows: dict[object, Element] = {}
        header_row: Element | None = None
        after: list[Element] = []
        for printing in members:
            role = self.role(printing)
            element = self._element(printing, mcids)
            if role == "table_title":
                table.kids.append(element)
            elif role not in TABLE_ROLES:
                after.append(element)  # notes follow the table's rows
            elif role == "table_header":
                if header_row is None:
                    header_row = Element("TR")
                    head.kids.append(header_row)
                header_row.kids.append(element)
            else:
                row_key = place[printing][2]
                row = rows.get(id(row_key)) if row_key is not None else None
                if row is None:
                    row = Element("TR")
                    rows[id(row_key) if row_key is not None else id(row)] = row
                    body.kids.append(row)
                row.kids.append(element)
        table.kids += [part for part in (head, body) if part.kids]
        return [table, *after]


def _owners(document: Document) -> dict[int, tuple[int, int, object]]:
    """Every model object of the parts: id → (part index, block index, the table row it is
    in, if any)."""
    found: dict[int, tuple[int, int, object]] = {}
    for part_index, part in enumerate(document.parts):
        found[id(part)] = (part_index, -1, None)
        for block_index, block in enumerate(part.blocks):
            _walk(block, (part_index, block_index), None, found, 0)
    return found


def _walk(obj: object, where: tuple[int, int], row: object, found: dict[int, tuple[int, int,
          object]], depth: int) -> None:
    if depth > 4 or not is_dataclass(obj) or isinstance(obj, (type, Part)):
        return
    found[id(obj)] = (*where, row)
    kind = type(obj).__name__
    for item in fields(obj):
        value = getattr(obj, item.name)
        for inner in value if isinstance(value, tuple) else (value,):
            if is_dataclass(inner) and not isinstance(inner, type):
                inner_row = inner if type(inner).__name__ in ("ScoreRow", "TableRow") \
                    else row if kind not in ("ScoreRow", "TableRow") else obj
                _walk(inner, where, inner_row, found, depth + 1)
