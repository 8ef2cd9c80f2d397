"""Layout stage: scorecards as tables.

Column widths come from the content: every cell (header included) is measured as the
composer sets it; number, unit and change columns take their natural width, and the text
columns (metric, remark) share what is left, never narrower than their widest unbreakable
piece (a word, a number with its unit). Every cell is set by the composer, so the ¼ em
Han–Latin gap is in tables too; numbers are right-aligned on the decimal point. A table
splits only between rows, leaving at least MIN_SPLIT_ROWS body rows on each side, with its
title on the first part, the header repeated on every part and the note under the last.
The theme's `table_columns` shares are deprecated: still read (old themes load), no longer
used."""

from __future__ import annotations

from dataclasses import replace

from builder.engine.platypus import Flowable, LayoutError, Spacer, Table, TableStyle
from builder.source.model import Scorecard, ScoreRow
from builder.source.theme import Theme
from builder.typeset.compose import Composer, Run, TextStyle, atomize, compose, may_break
from builder.typeset.record import PrintRecord, Source
from builder.typeset.typesetter import ComposedParagraph, Typesetter

NUMBER_COLUMNS = ("from", "value", "change")
WRAPPING_COLUMNS = ("metric", "remark")
"""Columns of text that may wrap (between their unbreakable pieces); all others keep to
their natural width."""
ROW_ATTRIBUTES = {"metric": ("metric",), "from": ("start",), "value": ("qualifier", "value"),
                  "unit": ("unit",), "change": ("change",), "remark": ("remark",)}
"""The row fields each column prints."""
SHORT_REMARK = 6
"""Characters (em) of a remark that does not wrap, if the metric column keeps METRIC_KEEPS."""
METRIC_KEEPS = 8
"""Characters (em) of the metric column a short remark leaves it."""
MIN_SPLIT_ROWS = 3
"""Fewest body rows a table leaves on either side of a page break."""


class ColumnsTooWide(LayoutError):
    """A scorecard's number columns (which never wrap) leave its metric column no room."""


class Cell(ComposedParagraph):
    """A table cell's text, set by the composer, that knows the content fields it prints
    (`sources`); drawn unrecorded, the table's CellRecorder records it."""


class CellRecorder:
    """A table's render callback (ReportLab's `renderCB`, carried over when a table splits):
    enters each content cell in the print record as the table draws it."""

    def __init__(self, record: PrintRecord) -> None:
        self.record = record

    def __call__(self, table: Table, event: str, *details: object) -> None:
        if event != "startCell":
            return
        cell = details[2]  # row, column, value, style, position, size
        items = cell if isinstance(cell, (list, tuple)) else (cell,)  # the table makes tuples
        for item in items:
            if isinstance(item, ComposedParagraph) and item.sources:
                self.record.printed(table.canv, item.text, "table_cell", *item.sources)


class Measure:
    """Widths of texts as the composer sets them in a theme role (memoized in _MEASURED,
    for every table: a yearbook repeats its units and headers)."""

    def __init__(self, typesetter: Typesetter) -> None:
        self.type = typesetter
        self.styles: dict[str, tuple[TextStyle, int]] = {}
        self.found: dict[tuple[str, str], tuple[float, float]] = {}

    def __call__(self, text: str, role: str) -> tuple[float, float]:
        """(natural width on one line, width of the widest piece no line may break)."""
        found = self.found.get((text, role))
        if found is not None:
            return found
        styled = self.styles.get(role)
        if styled is None:  # a style's number: cheaper to hash than the style
            style = self.type.text_style(role)
            styled = self.styles[role] = (style, _STYLES.setdefault(style, len(_STYLES)))
        style, number = styled
        found = _MEASURED.get((text, number))
        if found is None:
            if len(_MEASURED) >= MEASURED_LIMIT:
                _MEASURED.clear()
            found = _MEASURED[(text, number)] = _measure(text, style)
        self.found[(text, role)] = found
        return found

    def natural(self, text: str, role: str) -> float:
        return self(text, role)[0]

    def fraction(self, text: str, role: str) -> float:
        """Width of what follows the decimal point ('.28%'), 0 for a whole number."""
        if "." not in text:
            return 0.0
        return self.natural(text, role) - self.natural(text[:text.index(".")], role)


MEASURED_LIMIT = 20_000
_MEASURED: dict[tuple[str, int], tuple[float, float]] = {}
_STYLES: dict[TextStyle, int] = {}
"""The text styles measured, numbered (a handful per theme)."""


def _measure(text: str, style: TextStyle) -> tuple[float, float]:
    """(natural width of `text` on one line, its widest piece no line may break)."""
    atoms = atomize([Run(text)], style)
    if not atoms:
        return 0.0, 0.0
    composer = Composer(atoms, style)
    widest, start = 0.0, 0
    for end in range(1, len(atoms) + 1):
        if end == len(atoms) or may_break(atoms[end - 1], atoms[end]):
            widest = max(widest, composer.measure(start, end)[0])
            start = end
    return composer.measure(0, len(atoms))[0], widest


class ScorecardTable:
    """A scorecard block as a table: header row repeated on each page, rows never split."""

    def __init__(self, card: Scorecard, theme: Theme, typesetter: Typesetter) -> None:
        self.card, self.theme, self.type = card, theme, typesetter
        self.measure = Measure(typesetter)
        self.styles: dict[tuple[str, str, object], TextStyle] = {}

    def columns(self) -> list[str]:
        rows = self.card.rows
        wanted = ["metric"]
        if any(r.start for r in rows):
            wanted.append("from")
        wanted += ["value"]
        if any(r.unit for r in rows):
            wanted.append("unit")
        if any(r.change for r in rows):
            wanted.append("change")
        if any(r.remark for r in rows):
            wanted.append("remark")
        return wanted

    def header(self, column: str) -> str:
        labels = self.theme.labels
        return {"metric": labels.table_metric, "from": labels.table_from,
                "value": labels.table_value, "unit": labels.table_unit,
                "change": labels.table_change, "remark": labels.table_remark}[column]

    def cell(self, row: ScoreRow, column: str) -> str:
        if column == "metric":
            return row.metric
        if column == "from":
            return f"{row.start} →" if row.start else ""
        if column == "value":
            return f"{row.qualifier} {row.value}" if row.qualifier else row.value
        if column == "unit":
            return row.unit
        if column == "change":
            if row.change is None:
                return ""
            value = float(row.change)
            arrow = "▲" if value >= 0 else "▼"
            return f"{arrow}{row.change.lstrip('+-')}%"
        return row.remark

    def sources(self, row: ScoreRow, column: str) -> tuple[Source, ...]:
        """The row fields a cell prints (those with a value)."""
        return tuple((row, name) for name in ROW_ATTRIBUTES[column] if getattr(row, name))

    @staticmethod
    def role(column: str) -> str:
        return "table_number" if column == "value" else "table_cell"

    def decimal_room(self, texts: list[str], role: str) -> float:
        """Room right of the decimal point: the widest fraction ('.28%') of a column."""
        return max((self.measure.fraction(t, role) for t in texts), default=0.0)

    def widths(self, columns: list[str], body: list[list[str]]) -> list[float]:
        """Column widths from the content (see the module docstring); ColumnsTooWide if the
        columns that never wrap leave the metric column less than two characters."""
        measure = self.theme.text_width
        padding = 2 * self.theme.decor.cell_padding
        header_role = "table_header"
        natural: list[float] = []
        piece: list[float] = []
        for index, column in enumerate(columns):
            texts = [cells[index] for cells in body]
            role = self.role(column)
            sizes = [self.measure(t, role) for t in texts] + [
                self.measure(self.header(column), header_role)]
            if column in NUMBER_COLUMNS:  # the digits before the point, then the widest fraction
                room = self.decimal_room(texts, role)
                sizes += [(self.measure.natural(t, role) - self.measure.fraction(t, role) + room,
                           0.0) for t in texts]
            natural.append(max(n for n, _ in sizes) + padding)
            piece.append(max(p for _, p in sizes) + padding)
        fixed = sum(w for w, c in zip(natural, columns, strict=True)
                    if c not in WRAPPING_COLUMNS)
        minimum = self.theme.styles["table_cell"].size * 2 + padding
        left = measure - fixed
        wrapping = [i for i, c in enumerate(columns) if c in WRAPPING_COLUMNS]
        others = left - sum(minimum for i in wrapping[1:])
        if others < minimum:
            raise ColumnsTooWide(
                f"its number columns take {fixed:.0f} pt of the text block's "
                f"{measure:.0f} pt, leaving {max(others, 0):.0f} pt for the metric column")
        widths = list(natural)
        shares = self.share(left, [[self.header(columns[i])] + [cells[i] for cells in body]
                                   for i in wrapping], [natural[i] for i in wrapping],
                            [max(piece[i], minimum) for i in wrapping])
        for index, width in zip(wrapping, shares, strict=True):
            widths[index] = width
        return widths

    def share(self, room: float, texts: list[list[str]], natural: list[float],
              least: list[float]) -> list[float]:
        """`room` shared among the wrapping columns (`texts`: each one's cells, header
        first). If all fit, each gets its natural width and the spare in proportion to it.
        Else the metric column (the first) takes the rest after the remark column, whose
        width is the one, among those that set one of its cells on one line or two, giving
        the table the fewest lines, lines beyond a cell's second counting double (on a tie,
        the narrowest), and no narrower than SHORT_REMARK em while the metric keeps
        METRIC_KEEPS em: short remarks do not wrap, long ones give way to the metric."""
        if sum(natural) <= room:
            return [room * n / sum(natural) for n in natural]
        if len(natural) == 1:
            return [room]
        padding = 2 * self.theme.decor.cell_padding
        em = self.theme.styles["table_cell"].size
        remarks = [self.measure.natural(t, "table_cell") for t in texts[1]]
        high = max(room - least[0], least[1])
        # a short remark stays on one line while the metric column keeps METRIC_KEEPS em
        short = min(max(remarks), SHORT_REMARK * em) + padding
        keeps = room - min(natural[0], METRIC_KEEPS * em + padding)
        low = min(max(least[1], min(short, keeps)), high)
        wanted = [room * natural[1] / sum(natural)]
        for width in remarks:  # widths setting a remark on one line, or on two
            wanted += [width + padding, width / 2 + em + padding]
        best: tuple[int, float] | None = None
        for width in sorted({min(max(w, low), high) for w in wanted}):
            cost = 0
            for metric, remark in zip(texts[0], texts[1], strict=True):
                lines = max(self.lines(metric, room - width - padding),
                            self.lines(remark, width - padding))
                cost += lines + max(lines - 2, 0)  # a third line and more count double
            if best is None or cost < best[0]:
                best = (cost, width)
        assert best is not None
        return [room - best[1], best[1]]

    def lines(self, text: str, width: float) -> int:
        """Lines the composer sets a table cell's text in at `width`."""
        if not text:
            return 1
        return len(compose([Run(text)], self.type.text_style("table_cell"), max(width, 1.0)))

    def paragraph(self, text: str, role: str, align: str, color: object | None = None,
                  sources: tuple[Source, ...] = ()) -> Cell:
        """A cell's text set by the composer (unrecorded: the table's CellRecorder records
        it as it draws)."""
        key = (role, align, color)
        style = self.styles.get(key)
        if style is None:
            style = self.type.text_style(role, align)
            if color is not None:
                style = replace(style, color=color)
            self.styles[key] = style
        return Cell([Run(text)], style, sources=sources)

    def flowables(self, show_title: bool = True,
                  chart: Flowable | None = None) -> list[Flowable]:
        """The table as a TableBlock, with its title, note and `chart` (kept on the page of
        the table's last rows when it can be)."""
        theme = self.theme
        columns = self.columns()
        body = [[self.cell(row, c) for c in columns] for row in self.card.rows]
        widths = self.widths(columns, body)
        padding = theme.decor.cell_padding
        zebra = theme.design.table == "zebra"
        header_color = theme.color(theme.style("table_header").color if zebra else "primary")
        cell_style = theme.style("table_cell")
        commands: list[tuple] = [  # FONT and TEXTCOLOR: empty cells (no default RGB black)
            ("FONT", (0, 0), (-1, -1), self.type.fonts.name(cell_style), cell_style.size,
             cell_style.leading),
            ("TEXTCOLOR", (0, 0), (-1, -1), theme.color(cell_style.color)),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LINEBELOW", (0, 0), (-1, -1), theme.spacing.table_rule / 2,
             theme.color("rule")),
            ("LINEBELOW", (0, -1), (-1, -1), theme.spacing.table_rule * 2,
             theme.color("primary")),
            ("LEFTPADDING", (0, 0), (-1, -1), padding),
            ("RIGHTPADDING", (0, 0), (-1, -1), padding),
            ("TOPPADDING", (0, 0), (-1, -1), padding * 0.7),
            ("BOTTOMPADDING", (0, 0), (-1, -1), padding * 0.85),
        ]
        if zebra:  # a filled header row and tinted alternate rows
            commands += [("BACKGROUND", (0, 0), (-1, 0), theme.color("primary")),
                         ("ROWBACKGROUNDS", (0, 1), (-1, -1),
                          [theme.color("paper"), theme.color("zebra")])]
        else:  # rules only: a strong rule under the header
            commands += [("LINEBELOW", (0, 0), (-1, 0), theme.spacing.table_rule * 2,
                          theme.color("primary")),
                         ("LINEABOVE", (0, 0), (-1, 0), theme.spacing.table_rule * 2,
                          theme.color("primary"))]
        rooms = {index: self.decimal_room([cells[index] for cells in body], self.role(name))
                 for index, name in enumerate(columns) if name in NUMBER_COLUMNS}
        data: list[list[object]] = [[
            self.paragraph(self.header(c), "table_header",
                           "right" if c in NUMBER_COLUMNS else "left", header_color)
            for c in columns]]
        heights = [row_height(data[0], widths, padding, {}, cell_style.leading)]
        for number, (row, cells) in enumerate(zip(self.card.rows, body, strict=True), start=1):
            row_cells: list[object] = []
            right_paddings: dict[int, float] = {}
            wrapped = False
            for index, (text, column) in enumerate(zip(cells, columns, strict=True)):
                role = self.role(column)
                if not text:
                    row_cells.append("")
                    continue
                color = None
                if column == "change" and row.change is not None:
                    color = theme.color("rise" if float(row.change) >= 0 else "fall")
                aligned = "right" if column in NUMBER_COLUMNS else "left"
                row_cells.append(self.paragraph(text, role, aligned, color,
                                                self.sources(row, column)))
                if index in rooms:  # the decimal point under the column's others
                    right = padding + rooms[index] - self.measure.fraction(text, role)
                    commands.append(("RIGHTPADDING", (index, number), (index, number), right))
                    right_paddings[index] = right
                if self.measure.natural(text, role) > widths[index] - 2 * padding + 0.01:
                    wrapped = True
            if wrapped:  # numbers sit on the last line of a wrapped label
                commands.append(("VALIGN", (0, number), (-1, number), "BOTTOM"))
            data.append(row_cells)
            heights.append(row_height(row_cells, widths, padding, right_paddings,
                                      cell_style.leading))
        record = self.type.record
        table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT", splitByRow=1,
                      renderCB=None if record is None else CellRecorder(record))
        table.setStyle(TableStyle(commands))
        head: list[Flowable] = []
        if show_title:
            head += [self.type.paragraph(self.card.title, "table_title",
                                         sources=((self.card, "title"),)), Spacer(1, padding)]
        elif self.type.record is not None:
            self.type.record.omit((self.card, "title"), "printed once, as the part's title")
        tail: list[Flowable] = []
        if self.card.note:
            tail += [Spacer(1, padding), self.type.paragraph(
                self.card.note, "note", sources=((self.card, "note"),))]
        block = TableBlock(table, heights, head, tail, chart, theme.spacing.block)
        return [Spacer(1, theme.spacing.block / 2), block,
                Spacer(1, theme.spacing.block)]


class TableBlock(Flowable):
    """A table with what goes above it (the title) and below it (the note, then a chart
    `gap` below), as one flowable: it splits only between rows, leaving at least
    MIN_SPLIT_ROWS body rows on each side (a table of fewer than 2 × MIN_SPLIT_ROWS rows
    does not split); the title goes with the first part, the note and the chart with the
    last, the header repeats. `rows`: the heights of the table's rows, header first, as
    the table sets them.

    The chart stays with the table's last rows: near the page foot it closes up its bars,
    or splits between them, or takes the last rows with it to the next page; only when the
    table cannot split does it go to the next page alone."""

    def __init__(self, table: Table, rows: list[float], head: list[Flowable],
                 tail: list[Flowable], chart: Flowable | None = None,
                 gap: float = 0.0, continued: bool = False, room: float = 0.0) -> None:
        super().__init__()
        self.table, self.rows, self.head, self.tail = table, rows, head, tail
        self.chart, self.gap = chart, gap
        self.continued = continued
        """The last rows of a split table: they leave the chart behind only on a fresh
        page (where the chart cannot follow them)."""
        self.room = room
        """The most height the table has been offered so far (a fresh page's, once it
        split)."""
        self.heights: list[float] = []

    @property
    def parts(self) -> list[Flowable]:
        chart = [] if self.chart is None else [Spacer(1, self.gap), self.chart]
        return [*self.head, self.table, *self.tail, *chart]

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        # the table's height is its rows' (ReportLab's own wrap, costly with a flowable in
        # every cell, runs once, when the table is drawn)
        self.heights = [sum(self.rows) if part is self.table else
                        part.wrap(available_width, available_height)[1] for part in self.parts]
        self.width, self.height = available_width, sum(self.heights)
        return self.width, self.height

    def with_parts(self, table: Table, rows: list[float], head: list[Flowable],
                   tail: list[Flowable], chart: Flowable | None,
                   continued: bool = False) -> TableBlock:
        block = TableBlock(table, rows, head, tail, chart, self.gap, continued, self.room)
        block.content_origin = getattr(self, "content_origin", None)
        return block

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        self.wrap(available_width, available_height)
        if self.height <= available_height + 1e-6:
            return [self]
        fresh = available_height >= self.room - 1.0  # as much room as the table ever had
        self.room = max(self.room, available_height)
        if self.chart is not None:  # the chart closes up or splits to stay on this page
            above = sum(self.heights[:-1])
            pieces = self.chart.split(available_width, available_height - above)
            if pieces:
                block = self.with_parts(self.table, self.rows, self.head, self.tail, pieces[0],
                                        self.continued)
                return [block, *pieces[1:]]
        rows = self.split_rows(available_width, available_height)
        if rows or self.chart is None or (self.continued and not fresh):
            return rows
        alone = self.with_parts(self.table, self.rows, self.head, self.tail, None)
        if alone.wrap(available_width, available_height)[1] <= available_height + 1e-6:
            return [alone, self.chart]  # the table cannot split: the chart goes on alone
        return []

    def split_rows(self, available_width: float, available_height: float) -> list[Flowable]:
        """The table split between rows (see the class docstring), or nothing."""
        header, body = self.rows[0], self.rows[1:]
        if len(body) < 2 * MIN_SPLIT_ROWS:
            return []
        room = available_height - sum(self.heights[:len(self.head)]) - header
        fit, used = 0, 0.0
        for height in body:
            if used + height > room + 1e-6:
                break
            used, fit = used + height, fit + 1
        fit = min(fit, len(body) - MIN_SPLIT_ROWS)
        if fit < MIN_SPLIT_ROWS:
            return []
        # the table splits after the last row within the height (a margin far below a row)
        pieces = self.table.split(available_width, header + sum(body[:fit]) + min(body) / 2)
        if len(pieces) != 2:
            return []
        return [self.with_parts(pieces[0], self.rows[:1 + fit], self.head, [], None),
                self.with_parts(pieces[1], [header, *body[fit:]], [], self.tail, self.chart,
                                continued=True)]

    def draw(self) -> None:
        y = self.height
        for part, height in zip(self.parts, self.heights, strict=True):
            y -= height
            if part is self.table:
                part.wrapOn(self.canv, self.width, height)
            part.drawOn(self.canv, 0, y)


def row_height(cells: list[object], widths: list[float], padding: float,
               right_paddings: dict[int, float], leading: float) -> float:
    """Height of a table row as ReportLab sets it: its tallest cell (an empty one is a line
    of `leading`) and the vertical padding."""
    tallest = leading
    for index, cell in enumerate(cells):
        if isinstance(cell, Flowable):
            inner = widths[index] - padding - right_paddings.get(index, padding)
            tallest = max(tallest, cell.wrap(inner, 1e9)[1])
    return tallest + padding * 0.7 + padding * 0.85


TOO_WIDE_HINT = ("set its numbers in a smaller type (the theme's styles.table_number and "
                 "table_cell) or less decor.cell_padding, shorten them, or use a larger page size")
