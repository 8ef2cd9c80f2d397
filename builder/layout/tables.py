"""Layout stage: tables — scorecards and tables with declared columns.

Both are planned as columns (header, alignment, whether it holds numbers, whether it wraps)
and cells (composer runs, the content fields they print, a colour, the point numbers align
on), then set by one engine. Column widths come from the content: every cell (header
included) is measured as the composer sets it; columns of numbers take their natural width,
and the columns of text share what is left, never narrower than their widest unbreakable
piece (a word, a number with its unit). Numbers are right-aligned on the decimal point, a
qualifier (超, 约) before it and a unit after it. A table splits only between rows, leaving
at least MIN_SPLIT_ROWS body rows on each side, with its title on the first part, the
header repeated on every part and the note under the last. The theme's `table_columns`
shares are deprecated: still read (old themes load), no longer used."""

from __future__ import annotations

from dataclasses import dataclass, replace

from builder.engine.platypus import Flowable, LayoutError, Spacer, Table, TableStyle
from builder.source.model import (
    NUMBER_KINDS,
    Column,
    DataTable,
    Scorecard,
    ScoreRow,
    TableCell,
)
from builder.source.numbers import (
    ARROWS,
    DIRECTIONS,
    NUMBER_WITH_UNIT,
    Quantity,
    parse_quantity,
)
from builder.source.theme import Theme
from builder.typeset.compose import Run, TextStyle, compose, measure_runs
from builder.typeset.record import PrintRecord, Source
from builder.typeset.typesetter import ComposedParagraph, Typesetter

SCORECARD_NUMBERS = ("from", "value", "change")
SCORECARD_WRAPPING = ("metric", "remark")
"""Scorecard columns of numbers, and of text that may wrap (between their unbreakable
pieces); all others keep to their natural width."""
ROW_ATTRIBUTES = {"metric": ("metric",), "from": ("start",), "value": ("qualifier", "value"),
                  "unit": ("unit",), "change": ("change",), "remark": ("remark",)}
"""The row fields each scorecard column prints."""
SHORT_REMARK = 6
"""Characters (em) of a remark that does not wrap, if the metric column keeps METRIC_KEEPS."""
METRIC_KEEPS = 8
"""Characters (em) of the metric column a short remark leaves it."""
MIN_SPLIT_ROWS = 3
"""Fewest body rows a table leaves on either side of a page break."""
RISE, FALL = "▲", "▼"
SQUEEZE_ROWS = 100
"""Rows whose lines are counted when a table's widths are shared an em at a time (those
with the most text): the time stays bounded in a table of 2,000 rows."""


class ColumnsTooWide(LayoutError):
    """A table's columns that never wrap leave its text columns no room."""


@dataclass(frozen=True)
class ColumnPlan:
    """How a column is set."""

    header: str
    align: str = "left"
    """left, right or center."""
    numeric: bool = False
    """Its cells align on their decimal point."""
    wraps: bool = True
    """Its cells may wrap (between their unbreakable pieces); else natural width."""
    role: str = "table_cell"
    share: float | None = None
    """A declared share of the table's width."""
    sources: tuple[Source, ...] = ()
    """The content field the header prints."""


@dataclass(frozen=True)
class CellPlan:
    """How a cell is set: its text as composer runs, what it prints, its colour (a theme
    colour name) and where the part right of its decimal point starts (None: not aligned)."""

    runs: tuple[Run, ...]
    sources: tuple[Source, ...] = ()
    color: str | None = None
    point: int | None = None
    wraps: bool = False
    """A cell of words or several values in a column of numbers: it wraps within the
    width the column's numbers give it, not widening the column."""

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


EMPTY = CellPlan(())


class Cell(ComposedParagraph):
    """A table cell's text, set by the composer, that knows the content fields it prints
    (`sources`) and its role (a header's or a cell's); drawn unrecorded, the table's
    CellRecorder records it."""

    role = "table_cell"


class CellRecorder:
    """A table's render callback (ReportLab's `renderCB`, carried over when a table splits):
    enters each content cell in the print record as the table draws it."""

    def __init__(self, record: PrintRecord) -> None:
        self.record = record
        self.headers: set[int] = set()
        """The header cells recorded: one repeated atop a continued table is decoration."""

    def __call__(self, table: Table, event: str, *details: object) -> None:
        if event != "startCell":
            return
        cell = details[2]  # row, column, value, style, position, size
        items = cell if isinstance(cell, (list, tuple)) else (cell,)  # the table makes tuples
        for item in items:
            if not isinstance(item, ComposedParagraph) or not item.text.strip():
                continue
            role = getattr(item, "role", "table_cell")
            if role == "table_header" and id(item) in self.headers:
                item.tag = None  # drawn untagged: an artifact
                continue
            if role == "table_header":
                self.headers.add(id(item))
            item.tag = self.record.printed(table.canv, item.text, role, *item.sources)


class Measure:
    """Widths of cells as the composer sets them in a theme role (memoized in _MEASURED,
    for every table: a yearbook repeats its units and headers)."""

    def __init__(self, typesetter: Typesetter) -> None:
        self.type = typesetter
        self.styles: dict[str, tuple[TextStyle, int]] = {}
        self.found: dict[tuple[tuple[Run, ...], str], tuple[float, float]] = {}

    def __call__(self, runs: tuple[Run, ...], role: str) -> tuple[float, float]:
        """(natural width on one line, width of the widest piece no line may break)."""
        found = self.found.get((runs, role))
        if found is not None:
            return found
        styled = self.styles.get(role)
        if styled is None:  # a style's number: cheaper to hash than the style
            style = self.type.text_style(role)
            styled = self.styles[role] = (style, _STYLES.setdefault(style, len(_STYLES)))
        style, number = styled
        found = _MEASURED.get((runs, number))
        if found is None:
            if len(_MEASURED) >= MEASURED_LIMIT:
                _MEASURED.clear()
            found = _MEASURED[(runs, number)] = measure_runs(runs, style)
        self.found[(runs, role)] = found
        return found

    def natural(self, text: str, role: str) -> float:
        return self((Run(text),), role)[0]

    def fraction(self, cell: CellPlan, role: str) -> float:
        """Width of what follows the cell's decimal point ('.28%'), 0 without one."""
        text = cell.text
        if cell.point is None or cell.point >= len(text):
            return 0.0
        return self.natural(text, role) - self.natural(text[:cell.point], role)


MEASURED_LIMIT = 20_000
_MEASURED: dict[tuple[tuple[Run, ...], int], tuple[float, float]] = {}
_STYLES: dict[TextStyle, int] = {}
"""The text styles measured, numbered (a handful per theme)."""


def decimal_point(text: str) -> int | None:
    """Where a scorecard number's part right of its decimal point starts, or None."""
    return text.index(".") if "." in text else None


class GridTable:
    """The table engine: a plan of columns and rows (`plan()`, made by a subclass) set as a
    TableBlock with its title, note and chart."""

    title: str = ""
    title_sources: tuple[Source, ...] = ()
    note: str | None = None
    note_sources: tuple[Source, ...] = ()

    def __init__(self, theme: Theme, typesetter: Typesetter) -> None:
        self.theme, self.type = theme, typesetter
        self.measure = Measure(typesetter)
        self.styles: dict[tuple[str, str, object], TextStyle] = {}

    def plan(self) -> tuple[list[ColumnPlan], list[list[CellPlan]]]:
        raise NotImplementedError

    def decimal_room(self, cells: list[CellPlan], role: str) -> float:
        """Room right of the decimal point: the widest fraction ('.28%') of a column."""
        return max((self.measure.fraction(c, role) for c in cells), default=0.0)

    def widths(self, columns: list[ColumnPlan], body: list[list[CellPlan]]) -> list[float]:
        """Column widths from the content (see the module docstring); ColumnsTooWide if the
        columns that never wrap leave the text columns less than two characters each."""
        measure = self.theme.text_width
        padding = 2 * self.theme.decor.cell_padding
        natural: list[float] = []
        piece: list[float] = []
        for index, column in enumerate(columns):
            cells = [row[index] for row in body]
            sizes = [(0.0, piece) if c.wraps and not column.wraps else (natural, piece)
                     for c in cells for natural, piece in [self.measure(c.runs, column.role)]]
            sizes.append(self.measure((Run(column.header),), "table_header"))
            if column.numeric:  # the digits before the point, then the widest fraction
                room = self.decimal_room(cells, column.role)
                sizes += [(self.measure(c.runs, column.role)[0]
                           - self.measure.fraction(c, column.role) + room, 0.0) for c in cells
                          if not c.wraps]
            natural.append(max(n for n, _ in sizes) + padding)
            piece.append(max(p for _, p in sizes) + padding)
        minimum = self.theme.styles["table_cell"].size * 2 + padding
        declared = {i: max(c.share * measure, piece[i]) for i, c in enumerate(columns)
                    if c.share is not None}
        wrapping = [i for i, c in enumerate(columns) if c.wraps and i not in declared]
        fixed = sum(declared.get(i, w) for i, w in enumerate(natural) if i not in wrapping)
        left = measure - fixed
        em = self.theme.styles["table_cell"].size
        comfortable = sum(min(natural[i], METRIC_KEEPS * em + padding) for i in wrapping)
        if not wrapping or left < comfortable:  # text columns this narrow: numbers wrap too
            return self.squeezed(columns, natural, piece, declared, body)
        widths = [declared.get(i, w) for i, w in enumerate(natural)]
        texts = [[columns[i].header] + [row[i].text for row in body] for i in wrapping]
        shares = self.share(left, texts, [natural[i] for i in wrapping],
                            [max(piece[i], minimum) for i in wrapping])
        for index, width in zip(wrapping, shares, strict=True):
            widths[index] = width
        return widths

    def squeezed(self, columns: list[ColumnPlan], natural: list[float], piece: list[float],
                 declared: dict[int, float], body: list[list[CellPlan]]) -> list[float]:
        """Widths when the columns that keep their natural width leave the text columns too
        little: every column may wrap, each keeps its widest unbreakable piece, and the
        room over those goes, an em at a time, to the column where it saves the table the
        most lines (then to what the columns lack of their natural width)."""
        measure = self.theme.text_width
        least = [declared.get(i, p) for i, p in enumerate(piece)]
        if sum(least) > measure + 0.01:
            raise ColumnsTooWide(
                f"its widest unbreakable pieces take {sum(least):.0f} pt of the text "
                f"block's {measure:.0f} pt")
        padding = 2 * self.theme.decor.cell_padding
        step = self.theme.styles["table_cell"].size
        widths = list(least)
        counted: dict[tuple[int, float], list[int]] = {}
        if len(body) > SQUEEZE_ROWS:  # the rows with the most text decide (a long table)
            body = sorted(body, key=lambda row: -sum(len(c.text) for c in row))[:SQUEEZE_ROWS]

        def lines(index: int, width: float) -> list[int]:
            found = counted.get((index, width))
            if found is None:
                role = columns[index].role
                found = counted[(index, width)] = [
                    self.cell_lines(row[index].runs, role, width - padding) for row in body]
            return found

        def cost(trial: list[float]) -> int:
            per_column = [lines(i, w) for i, w in enumerate(trial)]
            return sum(max(row) for row in zip(*per_column, strict=True))

        spare, current = measure - sum(widths), cost(widths)
        while spare >= step:
            best: tuple[int, int] | None = None
            for index in range(len(columns)):
                if index in declared or widths[index] >= natural[index]:
                    continue
                trial = list(widths)
                trial[index] += step
                saved = current - cost(trial)
                if saved > 0 and (best is None or saved > best[0]):
                    best = (saved, index)
            if best is None:
                break
            widths[best[1]] += step
            spare, current = spare - step, current - best[0]
        lacking = [0.0 if i in declared else max(n - w, 0.0)
                   for i, (n, w) in enumerate(zip(natural, widths, strict=True))]
        total = sum(lacking)
        if total <= 0:  # all at their natural width: the spare in proportion to it
            return [w + spare * w / sum(widths) for w in widths]
        return [w + spare * lack / total for w, lack in zip(widths, lacking, strict=True)]

    def cell_lines(self, runs: tuple[Run, ...], role: str, width: float) -> int:
        """Lines the composer sets a cell in at `width`."""
        if not runs:
            return 1
        return len(compose(list(runs), self.type.text_style(role), max(width, 1.0)))

    def share(self, room: float, texts: list[list[str]], natural: list[float],
              least: list[float]) -> list[float]:
        """`room` shared among the wrapping columns (`texts`: each one's cells, header
        first). If all fit, each gets its natural width and the spare in proportion to it.
        Of two, the first (the label) takes the rest after the second, whose width is the
        one, among those that set one of its cells on one line or two, giving the table
        the fewest lines, lines beyond a cell's second counting double (on a tie, the
        narrowest), and no narrower than SHORT_REMARK em while the first keeps
        METRIC_KEEPS em: short remarks do not wrap, long ones give way to the label. Of
        three and more, each gets its least and the rest in proportion to what it lacks."""
        if sum(natural) <= room:
            return [room * n / sum(natural) for n in natural]
        if len(natural) == 1:
            return [room]
        if len(natural) > 2:
            lacking = [max(n - low, 0.0) for n, low in zip(natural, least, strict=True)]
            spare = max(room - sum(least), 0.0)
            return [low + spare * lack / (sum(lacking) or 1.0)
                    for low, lack in zip(least, lacking, strict=True)]
        padding = 2 * self.theme.decor.cell_padding
        em = self.theme.styles["table_cell"].size
        remarks = [self.measure.natural(t, "table_cell") for t in texts[1]]
        high = max(room - least[0], least[1])
        # a short remark stays on one line while the label column keeps METRIC_KEEPS em
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
        return self.cell_lines((Run(text),) if text else (), "table_cell", width)

    def paragraph(self, runs: tuple[Run, ...], role: str, align: str,
                  color: object | None = None, sources: tuple[Source, ...] = ()) -> Cell:
        """A cell's text set by the composer (unrecorded: the table's CellRecorder records
        it as it draws)."""
        key = (role, align, color)
        style = self.styles.get(key)
        if style is None:
            style = self.type.text_style(role, align)
            if color is not None:
                style = replace(style, color=color)
            self.styles[key] = style
        cell = Cell(list(runs), style, sources=sources)
        cell.role = role
        return cell

    def flowables(self, show_title: bool = True,
                  chart: Flowable | None = None) -> list[Flowable]:
        """The table as a TableBlock, with its title, note and `chart` (kept on the page of
        the table's last rows when it can be)."""
        theme = self.theme
        columns, body = self.plan()
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
        rooms = {index: self.decimal_room([row[index] for row in body], column.role)
                 for index, column in enumerate(columns) if column.numeric}
        data: list[list[object]] = [[
            self.paragraph((Run(c.header),), "table_header", c.align, header_color,
                           c.sources) for c in columns]]
        heights = [row_height(data[0], widths, padding, {}, cell_style.leading)]
        for number, cells in enumerate(body, start=1):
            row_cells: list[object] = []
            right_paddings: dict[int, float] = {}
            wrapped = False
            for index, (cell, column) in enumerate(zip(cells, columns, strict=True)):
                if not cell.runs:
                    row_cells.append("")
                    continue
                color = None if cell.color is None else theme.color(cell.color)
                row_cells.append(self.paragraph(cell.runs, column.role, column.align, color,
                                                cell.sources))
                natural = self.measure(cell.runs, column.role)[0]
                fits = natural <= widths[index] - 2 * padding + 0.01
                if index in rooms and fits:  # the decimal point under the column's others
                    right = padding + rooms[index] - self.measure.fraction(cell, column.role)
                    right = min(right, widths[index] - padding - natural)
                    commands.append(("RIGHTPADDING", (index, number), (index, number), right))
                    right_paddings[index] = right
                if not fits:
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
            head += [self.type.paragraph(self.title, "table_title",
                                         sources=self.title_sources), Spacer(1, padding)]
        elif self.type.record is not None:
            for source in self.title_sources:
                self.type.record.omit(source, "printed once, as the part's title")
        tail: list[Flowable] = []
        if self.note:
            tail += [Spacer(1, padding), self.type.paragraph(
                self.note, "note", sources=self.note_sources)]
        block = TableBlock(table, heights, head, tail, chart, theme.spacing.block)
        return [Spacer(1, theme.spacing.block / 2), block,
                Spacer(1, theme.spacing.block)]


class ScorecardTable(GridTable):
    """A scorecard (metric / from / value / unit / change / remark) as a table."""

    def __init__(self, card: Scorecard, theme: Theme, typesetter: Typesetter) -> None:
        super().__init__(theme, typesetter)
        self.card = card
        self.title, self.title_sources = card.title, ((card, "title"),)
        self.note, self.note_sources = card.note, ((card, "note"),)

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
            arrow = RISE if float(row.change) >= 0 else FALL
            return f"{arrow}{row.change.lstrip('+-')}%"
        return row.remark

    def sources(self, row: ScoreRow, column: str) -> tuple[Source, ...]:
        """The row fields a cell prints (those with a value)."""
        return tuple((row, name) for name in ROW_ATTRIBUTES[column] if getattr(row, name))

    def plan(self) -> tuple[list[ColumnPlan], list[list[CellPlan]]]:
        names = self.columns()
        columns = [ColumnPlan(self.header(name),
                              "right" if name in SCORECARD_NUMBERS else "left",
                              numeric=name in SCORECARD_NUMBERS,
                              wraps=name in SCORECARD_WRAPPING,
                              role="table_number" if name == "value" else "table_cell")
                   for name in names]
        body = []
        for row in self.card.rows:
            cells = []
            for name in names:
                text = self.cell(row, name)
                color = None
                if name == "change" and row.change is not None:
                    color = "rise" if float(row.change) >= 0 else "fall"
                runs: tuple[Run, ...] = () if not text else (
                    Run(text, keep=name not in SCORECARD_WRAPPING),)
                if name == "value" and row.qualifier:  # 超过 | 7.96: a word, then a number
                    runs = (Run(f"{row.qualifier} "), Run(row.value, keep=True))
                cells.append(CellPlan(  # numbers and units never break inside
                    runs, self.sources(row, name), color,
                    decimal_point(text) if name in SCORECARD_NUMBERS else None))
            body.append(cells)
        return columns, body


class DataTableLayout(GridTable):
    """A table with declared columns: numbers kept as written (qualifier, unit, tail and
    note), aligned on their decimal point; changes with ▲▼ in the theme's rise and fall
    colours; every cell kept whole where it has a number with its unit. A column of one
    unit aligns on the decimal point; one of several (a row per metric) sets its numbers
    flush right."""

    def __init__(self, table: DataTable, theme: Theme, typesetter: Typesetter) -> None:
        super().__init__(theme, typesetter)
        self.table = table
        self.title, self.title_sources = table.title, ((table, "title"),)
        self.note, self.note_sources = table.note, ((table, "note"),)

    def plan(self) -> tuple[list[ColumnPlan], list[list[CellPlan]]]:
        columns = []
        for column in self.table.columns:
            numeric = column.kind in NUMBER_KINDS
            columns.append(ColumnPlan(
                column.printed_header, column.align or ("right" if numeric else "left"),
                numeric=numeric and (column.align or "right") == "right", wraps=not numeric,
                role="table_number" if column.kind in ("number", "percent") else "table_cell",
                share=column.width, sources=((column, "header"),)))
        body = [[self.cell(cell, column) for cell, column in
                 zip(row.cells, self.table.columns, strict=True)] for row in self.table.rows]
        for index in range(len(self.table.columns)):
            if len(self.units(index)) > 1:  # rows of several metrics: flush right
                for row in body:
                    row[index] = replace(row[index], point=None)
        return columns, body

    def units(self, index: int) -> set[str]:
        """The units of a column's numbers (with their tails: 以上 aligns apart)."""
        quantities = (parse_quantity(row.cells[index].text) for row in self.table.rows)
        return {q.unit + q.tail for q in quantities if q is not None}

    def cell(self, cell: TableCell, column: Column) -> CellPlan:
        """A cell as printed: see the class docstring."""
        if not cell.text:
            return EMPTY
        sources: tuple[Source, ...] = ((cell, "text"),)
        quantity = parse_quantity(cell.text) if column.kind in NUMBER_KINDS else None
        if quantity is None:  # words, or several values: wrapping between values
            return CellPlan(tuple(keep_numbers(cell.text)), sources, wraps=True)
        separated = self.separated(quantity)
        if column.kind == "percent" and not quantity.unit and not column.unit:
            separated = replace(separated, unit="%")
        color = None
        if column.kind == "change":
            color = "rise" if quantity.value >= 0 else "fall"
            if quantity.qualifier not in DIRECTIONS:  # +10.1 → ▲10.1%
                unit = quantity.unit or ("" if column.unit else "%")
                separated = replace(separated, qualifier=(RISE if quantity.value >= 0
                                                          else FALL) + separated.qualifier,
                                    number=separated.number.lstrip("+-−"), unit=unit)
        return quantity_cell(separated, sources, color)

    def chart(self, width: float) -> Flowable | None:
        """The table's chart (None if it has none): the rows whose label and values are
        filled, the values as the table prints them."""
        spec = self.table.chart
        if spec is None:
            return None
        from builder.layout.chart import Series, series_chart

        table = self.table
        label = table.column(spec.label)
        picked = [table.column(header) for header in spec.values]
        rows = [row for row in table.rows if row.cells[label].text and all(
            parse_quantity(row.cells[i].text) is not None for i in picked)]
        if not rows:
            return None
        series = []
        for index in picked:
            column = table.columns[index]
            cells = [self.cell(row.cells[index], column) for row in rows]
            values = tuple(float(parse_quantity(row.cells[index].text).value)  # type: ignore[union-attr]
                           for row in rows)
            colors = tuple(c.color or "ink" for c in cells) if column.kind == "change" else ()
            series.append(Series(column.printed_header, values, tuple(c.text for c in cells),
                                 text_colors=colors))
        return series_chart(spec.kind, spec.title or table.title,
                            [row.cells[label].text for row in rows], series, self.theme,
                            self.type, width, ((spec, "title"),) if spec.title else ())

    def separated(self, quantity: Quantity) -> Quantity:
        """The quantity with its numbers' thousands separated as the theme says."""
        style = self.theme.design.thousands
        if style == "as-written":
            return quantity
        return replace(quantity, number=thousands(quantity.number, style),
                       upper=thousands(quantity.upper, style))


def thousands(number: str, style: str) -> str:
    """A number's integer part with (comma) or without (none) thousands separators; whole
    numbers of four digits stay ungrouped (GB/T 15835: 四位以内的整数可以不分节)."""
    if not number:
        return number
    sign = number[0] if number[0] in "+-−" else ""
    digits = number[len(sign):].replace(",", "")
    whole, dot, fraction = digits.partition(".")
    if style == "comma" and len(whole) > 4:
        groups: list[str] = []
        while whole:
            groups.insert(0, whole[-3:])
            whole = whole[:-3]
        whole = ",".join(groups)
    return f"{sign}{whole}{dot}{fraction}"


def quantity_cell(quantity: Quantity, sources: tuple[Source, ...],
                  color: str | None) -> CellPlan:
    """A number cell: each number kept with its unit (a range may break at its arrow, a
    qualifier and a bracketed note after a word); aligned on the first number's decimal
    point (or its end)."""
    number = quantity.number
    point = len(quantity.qualifier) + (number.index(".") if "." in number else len(number))
    if quantity.upper:
        mark = next(a for a in ARROWS if quantity.arrow.endswith(a))
        kept = [number + quantity.arrow[:-len(mark)], mark,
                quantity.upper + quantity.unit + quantity.tail]
    else:
        kept = [number + quantity.unit + quantity.tail]
    runs = [Run(quantity.qualifier)] if quantity.qualifier else []
    runs += [Run(text, keep=True) for text in kept if text]
    runs += keep_numbers(quantity.note)  # （133个）: 133个 whole
    return CellPlan(tuple(runs), sources, color, point)


def keep_numbers(text: str) -> list[Run]:
    """A text cell as runs, each number with its unit (and qualifier) a run kept whole."""
    runs: list[Run] = []
    position = 0
    for match in NUMBER_WITH_UNIT.finditer(text):
        if match.start() > position:
            runs.append(Run(text[position:match.start()]))
        runs.append(Run(match.group(), keep=True))
        position = match.end()
    if position < len(text):
        runs.append(Run(text[position:]))
    return runs


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
