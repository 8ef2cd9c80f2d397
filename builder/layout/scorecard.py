"""Layout stage: scorecards as tables. Numbers right-aligned on the decimal point, the header
row repeated on every page a table runs to, rows never split, ▲/▼ changes in the theme's
rise and fall colours, zebra rows or rules as the theme's design says."""

from __future__ import annotations

from builder.engine.platypus import Flowable, LayoutError, Spacer, Table, TableStyle
from builder.source.model import Scorecard, ScoreRow
from builder.source.theme import Theme
from builder.typeset.record import PrintRecord, Source
from builder.typeset.typesetter import ComposedParagraph, Typesetter

NUMBER_COLUMNS = ("from", "value", "change")
TEXT_COLUMNS = ("unit", "remark")
ROW_ATTRIBUTES = {"metric": ("metric",), "from": ("start",), "value": ("qualifier", "value"),
                  "unit": ("unit",), "change": ("change",), "remark": ("remark",)}
"""The row fields each column prints."""


class ColumnsTooWide(LayoutError):
    """A scorecard's number columns (which never wrap) leave its metric column no room."""


class Cell(str):
    """A table cell's text that knows the content fields it prints."""

    sources: tuple[Source, ...]

    def __new__(cls, text: str, *sources: Source) -> Cell:
        cell = super().__new__(cls, text)
        cell.sources = sources
        return cell

    def __deepcopy__(self, memo: dict[int, object]) -> Cell:
        return self  # immutable; the content objects it names keep their identity


class CellRecorder:
    """A table's render callback (ReportLab's `renderCB`, carried over when a table splits):
    enters each content cell in the print record as the table draws it."""

    def __init__(self, record: PrintRecord) -> None:
        self.record = record

    def __call__(self, table: Table, event: str, *details: object) -> None:
        if event != "startCell":
            return
        cell = details[2]  # row, column, value, style, position, size
        if isinstance(cell, Cell):
            self.record.printed(table.canv, str(cell), "table_cell", *cell.sources)
        elif isinstance(cell, (list, tuple)):  # flowables in a cell (the table makes a tuple)
            for item in cell:
                if isinstance(item, ComposedParagraph):
                    self.record.printed(table.canv, item.text, "table_cell", *item.sources)


class ScorecardTable:
    """A scorecard block as a table: header row repeated on each page, rows never split."""

    def __init__(self, card: Scorecard, theme: Theme, typesetter: Typesetter) -> None:
        self.card, self.theme, self.type = card, theme, typesetter

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

    def widths(self, columns: list[str]) -> list[float]:
        """Column widths: theme shares of the measure; number columns widen to their widest
        cell (numbers never wrap), text columns may wrap; the metric column takes the rest
        but keeps at least a fifth of the measure."""
        measure = self.theme.text_width
        padding = 2 * self.theme.decor.cell_padding
        widths = [self.theme.table_columns.share(c) * measure for c in columns]
        for index, column in enumerate(columns):
            if column in NUMBER_COLUMNS:
                role = "table_number" if column == "value" else "table_cell"
                cells = [self.cell(row, column) for row in self.card.rows]
                widest = max(self.type.width(c, role) for c in cells)
                widths[index] = max(widths[index],
                                    widest + self.decimal_padding(cells, role) + padding)
        minimum = self.theme.styles["table_cell"].size * 2 + padding
        for index, column in enumerate(columns):  # text columns give way to the metric
            if column in TEXT_COLUMNS and measure - sum(widths[1:]) < measure / 5:
                widths[index] = max(minimum, widths[index] - (measure / 5 - (
                    measure - sum(widths[1:]))))
        widths[0] = measure - sum(widths[1:])
        if widths[0] < minimum:
            raise ColumnsTooWide(
                f"its number columns take {sum(widths[1:]):.0f} pt of the text block's "
                f"{measure:.0f} pt, leaving {max(widths[0], 0):.0f} pt for the metric column")
        return widths

    def decimal_padding(self, texts: list[str], role: str) -> float:
        """Right padding that keeps the widest fraction ('.28%') inside a decimal column."""
        fractions = [t[t.index("."):] for t in texts if "." in t]
        widest = max((self.type.width(f, role) for f in fractions), default=0.0)
        return widest + self.theme.decor.cell_padding

    def flowables(self, show_title: bool = True) -> list[Flowable]:
        theme, labels = self.theme, self.theme.labels
        columns = self.columns()
        widths = self.widths(columns)
        header_names = {"metric": labels.table_metric, "from": labels.table_from,
                        "value": labels.table_value, "unit": labels.table_unit,
                        "change": labels.table_change, "remark": labels.table_remark}
        header_style = theme.style("table_header")
        padding = theme.decor.cell_padding
        cell_style, number_style = theme.style("table_cell"), theme.style("table_number")
        zebra = theme.design.table == "zebra"
        commands: list[tuple] = [
            ("FONT", (0, 0), (-1, 0), self.type.fonts.name(header_style), header_style.size),
            ("TEXTCOLOR", (0, 0), (-1, 0),
             theme.color(header_style.color if zebra else "primary")),
            ("FONT", (0, 1), (-1, -1), self.type.fonts.name(cell_style), cell_style.size,
             cell_style.leading),
            ("TEXTCOLOR", (0, 1), (-1, -1), theme.color(cell_style.color)),
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
        body = [[self.cell(row, c) for c in columns] for row in self.card.rows]
        for index, name in enumerate(columns):
            if name not in ("value", "from", "change"):
                continue
            role = "table_number" if name == "value" else "table_cell"
            padding = self.decimal_padding([cells[index] for cells in body], role)
            commands += [("ALIGN", (index, 0), (index, 0), "RIGHT"),
                         ("ALIGN", (index, 1), (index, -1), "DECIMAL"),
                         ("RIGHTPADDING", (index, 1), (index, -1), padding)]
            if name == "value":
                commands.append(("FONT", (index, 1), (index, -1),
                                 self.type.fonts.name(number_style), number_style.size,
                                 number_style.leading))
        data: list[list[object]] = [[header_names[c] for c in columns]]
        for number, (row, cells) in enumerate(zip(self.card.rows, body, strict=True), start=1):
            row_cells: list[object] = [Cell(text, *self.sources(row, column)) if text else text
                                        for text, column in zip(cells, columns, strict=True)]
            wrapped = False
            for index, column in enumerate(columns):
                text = cells[index]
                if (column == "metric" or column in TEXT_COLUMNS) \
                        and self.type.width(text, "table_cell") > widths[index] - 2 * padding:
                    row_cells[index] = self.type.paragraph(
                        text, "table_cell", sources=self.sources(row, column), recorded=False)
                    wrapped = True
            if wrapped:  # numbers sit on the last line of a wrapped label
                commands.append(("VALIGN", (0, number), (-1, number), "BOTTOM"))
            if row.change is not None:
                index = columns.index("change")
                color = "rise" if float(row.change) >= 0 else "fall"
                commands.append(("TEXTCOLOR", (index, number), (index, number),
                                 theme.color(color)))
            data.append(row_cells)
        record = self.type.record
        table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT", splitByRow=1,
                      renderCB=None if record is None else CellRecorder(record))
        table.setStyle(TableStyle(commands))
        flow: list[Flowable] = [Spacer(1, theme.spacing.block / 2)]
        if show_title:
            flow += [self.type.paragraph(self.card.title, "table_title",
                                         sources=((self.card, "title"),)), Spacer(1, padding)]
        elif self.type.record is not None:
            self.type.record.omit((self.card, "title"), "printed once, as the part's title")
        flow.append(table)
        if self.card.note:
            flow += [Spacer(1, padding), self.type.paragraph(
                self.card.note, "note", sources=((self.card, "note"),))]
        flow.append(Spacer(1, theme.spacing.block))
        return flow


TOO_WIDE_HINT = ("set its numbers in a smaller type (the theme's styles.table_number and "
                 "table_cell) or less decor.cell_padding, shorten them, or use a larger page size")
