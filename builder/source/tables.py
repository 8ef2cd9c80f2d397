"""Load stage: tables with declared columns (the `table:` block), their rows written in the
content or read from a spreadsheet (.xlsx or .csv) inside the content's folder.

Cells are kept as written; whether a number cell is a number, and the other data checks,
are the check stage's (builder/rules/check.py), which names the file, sheet and cell.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import yaml

from builder.errors import BrochureError
from builder.source.model import (
    ALIGNS,
    CHART_KINDS,
    COLUMN_KINDS,
    NUMBER_KINDS,
    Chart,
    Column,
    DataTable,
    Span,
    TableCell,
    TableRow,
)
from builder.source.numbers import parse_quantity
from builder.source.yamlfile import NodeReader

DATA_SUFFIXES = (".xlsx", ".csv")


def load_table(reader: NodeReader, entries: dict[str, yaml.Node], line: int,
               where: dict[str, Span], column_keys: dict[str, bool],
               chart_keys: dict[str, bool], max_rows: int) -> DataTable:
    """A `table:` block (its keys already checked) as a DataTable."""
    title = reader.text(entries["table"], "table")
    columns = tuple(_column(reader, node, column_keys) for node in
                    reader.sequence(entries["columns"], "'columns'")) \
        if "columns" in entries else None
    if columns is not None:
        _unique_headers(reader, entries["columns"], columns)
    rows_node = entries["rows"]
    data: Path | None = None
    for key in ("sheet", "range", "ignore"):
        if key in entries and not isinstance(rows_node, yaml.ScalarNode):
            raise reader.fail(entries[key], f"'{key}' is for rows read from a spreadsheet",
                              hint="write rows: data/file.xlsx, or remove the key")
    if isinstance(rows_node, yaml.ScalarNode):
        data = _data_path(reader, rows_node)
        columns, rows = _sheet_rows(reader, entries, data, columns, max_rows)
    else:
        if columns is None:
            raise reader.fail(entries["table"], "a table whose rows are written here needs "
                              "'columns'", hint="list the column headers under columns:, or "
                              "read the rows from a spreadsheet: rows: data/file.xlsx")
        nodes = reader.sequence(rows_node, "'rows'")
        if len(nodes) > max_rows:
            raise too_many_rows(reader, rows_node, "table", len(nodes), max_rows)
        rows = tuple(_row(reader, node, columns) for node in nodes)
    chart = _chart(reader, entries["chart"], columns, chart_keys) \
        if "chart" in entries else None
    return DataTable(title, columns, rows, note=reader.optional_text(entries, "note", "table"),
                     chart=chart, data=data, line=line, where=where)


def too_many_rows(reader: NodeReader, node: yaml.Node, what: str, count: int,
                  limit: int) -> BrochureError:
    """The error for a `what` (table, scorecard) of more rows than one table may have."""
    return reader.fail(node, f"the {what} has {count:,} rows, more than the {limit:,} one "
                       f"table may have", hint=f"split it into several {what}s (a long table "
                       "is set page by page, and each page costs more the longer the table)")


def _column(reader: NodeReader, node: yaml.Node, keys: dict[str, bool]) -> Column:
    """A column: its header alone, or a mapping of header, kind, align, width, unit, …"""
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        return Column(reader.text(node, "column header"), line=line,
                      where={"header": reader.span(node)})
    entries = reader.mapping(node, "a column", keys)
    kind = reader.optional_choice(entries, "kind", "column", COLUMN_KINDS,
                                  "column kind") or "text"
    align = reader.optional_choice(entries, "align", "column", ALIGNS, "alignment")
    width = None
    if "width" in entries:
        width = _share(reader.text(entries["width"], "column 'width'"))
        if width is None:
            raise reader.fail(entries["width"], "a column's width is its share of the "
                              "table's width", hint="write a percentage from 5% to 80%, "
                              "e.g. width: 30%")
    unit = reader.optional_text(entries, "unit", "column") or ""
    if unit and kind not in NUMBER_KINDS:
        raise reader.fail(entries["unit"], f"a {kind} column has no unit",
                          hint="give the column kind: number (or change, percent), or put "
                               "the unit in the header")
    required = reader.flag(entries["required"], "'required'") if "required" in entries \
        else False
    return Column(reader.text(entries["header"], "column 'header'"), kind=kind, align=align,
                  width=width, unit=unit, required=required,
                  source=reader.optional_text(entries, "from", "column"), line=line,
                  where=reader.spans(entries))


def _share(text: str) -> float | None:
    """A width written as 30% or 0.3, as a share from 0.05 to 0.8; None if it is not one."""
    try:
        share = float(text[:-1]) / 100 if text.endswith(("%", "％")) else float(text)
    except ValueError:
        return None
    return share if 0.05 <= share <= 0.8 else None


def _unique_headers(reader: NodeReader, node: yaml.Node, columns: tuple[Column, ...]) -> None:
    seen: set[str] = set()
    for column, item in zip(columns, reader.sequence(node, "'columns'"), strict=True):
        if column.header in seen:
            raise reader.fail(item, f"two columns are headed '{column.header}'",
                              hint="give each column its own header")
        seen.add(column.header)


def _cell(reader: NodeReader, node: yaml.Node) -> TableCell:
    """A cell written in the content: text as written ('' for an empty or null value)."""
    if not isinstance(node, yaml.ScalarNode) or node.tag.endswith(":bool"):
        raise reader.fail(node, "a table cell must be text or a number",
                          hint="write it on one line, in quotes if it contains ': '; a "
                               "cell of several values is one text: 'a、b、c'")
    text = "" if node.tag.endswith(":null") else node.value.strip()
    return TableCell(text, where={"cell": reader.span(node)})


def _row(reader: NodeReader, node: yaml.Node, columns: tuple[Column, ...]) -> TableRow:
    """A row: its cells in column order, or a mapping of header to cell."""
    line = node.start_mark.line + 1
    headers = [c.header for c in columns]
    if isinstance(node, yaml.SequenceNode):
        if len(node.value) != len(columns):
            raise reader.fail(node, f"the row has {len(node.value)} cells for "
                              f"{len(columns)} columns ({'、'.join(headers)})",
                              hint="write one cell per column, '' for an empty one")
        return TableRow(tuple(_cell(reader, item) for item in node.value), line=line)
    entries = reader.mapping(node, "a table row", dict.fromkeys(headers, False))
    empty = TableCell("", where={"cell": reader.span(node)})
    return TableRow(tuple(_cell(reader, entries[h]) if h in entries else empty
                          for h in headers), line=line)


def _data_path(reader: NodeReader, node: yaml.Node) -> Path:
    """The rows' spreadsheet: a .xlsx or .csv inside the content's folder."""
    written = reader.text(node, "'rows'")
    if not written.lower().endswith(DATA_SUFFIXES):
        raise reader.fail(node, f"'{written}' is not a spreadsheet the rows can be read "
                          "from", hint="write the rows as a list, or name a .xlsx or .csv "
                          "file next to the content, e.g. rows: data/成绩单.xlsx")
    return reader.inside(node, written, "rows' file", "data/成绩单.xlsx")


def _sheet_rows(reader: NodeReader, entries: dict[str, yaml.Node], path: Path,
                columns: tuple[Column, ...] | None, max_rows: int
                ) -> tuple[tuple[Column, ...], tuple[TableRow, ...]]:
    """The declared columns (or the sheet's own, kinds guessed) and the rows of `path`,
    each cell knowing its file, sheet and cell."""
    from builder.source.sheets import SheetError, read_sheet  # openpyxl: only when used

    sheet_name = reader.optional_text(entries, "sheet", "table")
    cells = reader.optional_text(entries, "range", "table")
    ignore = {reader.text(n, "an ignored column") for n in
              reader.sequence(entries["ignore"], "'ignore'")} if "ignore" in entries else set()
    try:
        sheet = read_sheet(path, sheet_name, cells, max_rows=max_rows)
    except SheetError as error:
        raise reader.fail(entries["rows"], f"{path.name}: {error.message}",
                          hint=error.hint) from None

    def span(ref: str) -> Span:
        cell = f"sheet {sheet.sheet}, {ref}" if sheet.sheet else ref
        return Span(0, 0, file=path, cell=cell)

    found = {" ".join(c.text.split()): index for index, c in enumerate(sheet.header)}
    if columns is None:
        columns = tuple(_guessed(c.text, [row[i].text for row in sheet.rows])
                        for i, c in enumerate(sheet.header) if c.text not in ignore)
    picked: list[int] = []
    for column in columns:
        wanted = " ".join((column.source or column.header).split())
        if wanted not in found:
            close = difflib.get_close_matches(wanted, list(found), n=1, cutoff=0.5)
            raise reader.fail(entries.get("columns", entries["rows"]),
                              f"column '{wanted}' is not in the header row of "
                              f"{sheet.place(sheet.header[0].ref)} (found: "
                              f"{'、'.join(found)})",
                              hint=f"did you mean '{close[0]}'? write from: {close[0]}" if close
                              else "write the spreadsheet's header under from:, or add the "
                                   "column to the spreadsheet")
        picked.append(found[wanted])
    left = [c for i, c in enumerate(sheet.header) if i not in picked and c.text not in ignore
            and any(row[i].text for row in sheet.rows)]
    if left:
        raise reader.fail(entries["rows"], f"{sheet.place(left[0].ref)}: column "
                          f"'{left[0].text}' is read but not printed",
                          hint="declare it under columns:, or leave it out with "
                               f"ignore: [{left[0].text}]")
    rows = tuple(TableRow(tuple(TableCell(row[i].text, row[i].stored_as_text,
                                          where={"cell": span(row[i].ref)})
                                for i in picked)) for row in sheet.rows)
    return columns, rows


def _guessed(header: str, texts: list[str]) -> Column:
    """A column read from a spreadsheet without declared columns: number when every filled
    cell is a number form, else free."""
    filled = [t for t in texts if t]
    numeric = bool(filled) and all(parse_quantity(t) is not None for t in filled)
    return Column(header, kind="number" if numeric else "free")


def _chart(reader: NodeReader, node: yaml.Node, columns: tuple[Column, ...],
           keys: dict[str, bool]) -> Chart:
    """`chart: line`, or a mapping of type, value (a header or a list), label and title."""
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        entries: dict[str, yaml.Node] = {"type": node}
    else:
        entries = reader.mapping(node, "a chart", keys)
    kind = reader.optional_choice(entries, "type", "chart", CHART_KINDS, "chart")
    assert kind is not None  # 'type' is required
    headers = [c.header for c in columns]
    numeric = [c.header for c in columns if c.kind in NUMBER_KINDS]
    if "value" in entries:
        value_node = entries["value"]
        items = reader.sequence(value_node, "chart 'value'") \
            if isinstance(value_node, yaml.SequenceNode) else [value_node]
        values = tuple(reader.text(item, "chart 'value'") for item in items)
        for item, value in zip(items, values, strict=True):
            if value not in numeric:
                raise reader.fail(item, f"the chart's value '{value}' is not a numeric "
                                  "column", hint="name a column of kind number, change or "
                                  f"percent: {'、'.join(numeric) or 'there is none'}")
    elif numeric:
        values = (numeric[0],)
    else:
        raise reader.fail(entries["type"], "the table has no numeric column to chart",
                          hint="give a column kind: number, change or percent")
    label = reader.optional_text(entries, "label", "chart") or next(
        (c.header for c in columns if c.kind in ("text", "free")), headers[0])
    if label not in headers:
        raise reader.fail(entries["label"], f"the chart's label '{label}' is not a column",
                          hint=f"name one of: {'、'.join(headers)}")
    return Chart(kind, values, label, reader.optional_text(entries, "title", "chart"),
                 line=line, where=reader.spans(entries))
