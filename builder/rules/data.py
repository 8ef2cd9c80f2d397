"""Check stage: the data of tables with declared columns, cell by cell, each finding naming
the content's line or the spreadsheet's file, sheet and cell.

Rules: not-a-number, mixed-units, number-as-text, empty-cell, change-sign, duplicate-row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

from builder.findings import Finding
from builder.rules.located import finding_at
from builder.source.model import (
    NUMBER_KINDS,
    Column,
    DataTable,
    Document,
    Scorecard,
    TableCell,
)
from builder.source.numbers import DIRECTIONS, Quantity, parse_quantity, parse_values
from builder.source.texts import Text, text_at


def table_findings(document: Document) -> Iterator[Finding]:
    """Every finding of every declared table, in row order."""
    for part in document.parts:
        for block in part.blocks:
            if isinstance(block, DataTable):
                yield from _table(block)
            elif isinstance(block, Scorecard):
                yield from _scorecard_signs(block)


def _scorecard_signs(card: Scorecard) -> Iterator[Finding]:
    """A scorecard row whose change contradicts its from → value."""
    for row in card.rows:
        try:
            grew = Decimal(row.value.replace(",", "")) - Decimal((row.start or "")
                                                                 .replace(",", ""))
            change = Decimal(row.change or "")
        except ArithmeticError:
            continue  # not numbers: the not-a-number check says so
        if grew * change < 0:
            text = text_at(row, "change", row.change or "", "row 'change'", "change")
            yield finding_at(text, 0, "change-sign", "warning",
                             f"{row.change} contradicts {row.start} → {row.value}",
                             "check the sign of the change, or the from and value")


def _where(cell: TableCell) -> Text:
    return text_at(cell, "cell", cell.text, "table cell", "text")


def _table(table: DataTable) -> Iterator[Finding]:
    for index, column in enumerate(table.columns):
        cells = [row.cells[index] for row in table.rows]
        yield from _cells(column, cells)
        if column.kind in NUMBER_KINDS:
            yield from _units(column, cells)
    yield from _signs(table)
    yield from _duplicates(table)


def _cells(column: Column, cells: list[TableCell]) -> Iterator[Finding]:
    """Empty required cells; numbers that are not; numbers a spreadsheet keeps as text."""
    for cell in cells:
        if not cell.text:
            if column.required:
                yield finding_at(_where(cell), 0, "empty-cell", "error",
                                 f"column '{column.header}' must be filled",
                                 "write the value, or make the column optional (remove "
                                 "'required: true')")
            continue
        if column.kind not in NUMBER_KINDS:
            continue
        values = parse_values(cell.text) if column.kind == "number" else (
            [q] if (q := parse_quantity(cell.text)) is not None else None)
        if values is None:
            yield finding_at(_where(cell), 0, "not-a-number", "error",
                             f"{cell.text!r} is not a number", _hint(column, cell.text))
        elif cell.stored_as_text:
            yield finding_at(_where(cell), 0, "number-as-text", "warning",
                             f"{cell.text!r} is a number stored as text",
                             "in Excel or WPS, select the cell and convert it to a number "
                             "(the green triangle's menu), so sums and charts count it")
        if values and column.kind == "change" and values[0].qualifier in DIRECTIONS \
                and values[0].number.startswith(("-", "−")):
            yield finding_at(_where(cell), 0, "change-sign", "warning",
                             f"{cell.text!r} says {values[0].qualifier} of a negative number",
                             f"write {values[0].qualifier}{values[0].number.lstrip('-−')}, "
                             "or a signed number alone")


def _hint(column: Column, text: str) -> str:
    if column.kind == "change":
        return ("write a signed change such as +10.1 or -3.2 (printed ▲10.1% ▼3.2%), or with "
                "its direction: 同比下降0.3个百分点")
    return ("write a number as editors do: 7.96, 超2万户, 3.1万亿美元以上, 90.62亿元（133个）, "
            "7→10平方公里, -3.2, 1,234.5; words go in a text column"
            + ("" if column.kind == "number" else f" (a {column.kind} column)"))


def _unit_of(column: Column, quantity: Quantity) -> str:
    """A number's unit as compared within its column: % in a percent column whether
    written or not; in a change column % and 个百分点 alike (rates change in points)."""
    unit = quantity.unit
    if column.kind == "percent" and unit in ("", "％"):
        return "%"
    if column.kind == "change" and unit in ("", "％", "个百分点", "百分点"):
        return column.unit or "%"
    return unit


def _units(column: Column, cells: list[TableCell]) -> Iterator[Finding]:
    """Units other than the column's declared one (errors: its header prints that unit);
    without one, units other than the column's most common one (warnings)."""
    found = [(cell, quantity) for cell in cells if cell.text
             and (quantity := parse_quantity(cell.text)) is not None]
    if column.unit:
        for cell, quantity in found:
            unit = _unit_of(column, quantity)
            if unit and unit != column.unit:
                yield finding_at(_where(cell), 0, "mixed-units", "error",
                                 f"{cell.text!r} is in {unit}, the column's unit is "
                                 f"{column.unit}", f"write the number in {column.unit}: the "
                                 f"header prints the unit once, e.g. {quantity.number}")
        return
    counts = Counter(_unit_of(column, q) for _, q in found)
    if not counts:
        return
    common, times = counts.most_common(1)[0]
    if len(counts) < 2 or times < max(3, len(found) * MOSTLY):
        return  # one unit, or a column of several metrics, each in its own
    for cell, quantity in found:
        unit = _unit_of(column, quantity)
        if unit != common:
            shown = unit or "no unit"
            yield finding_at(_where(cell), 0, "mixed-units", "warning",
                             f"{cell.text!r} is in {shown}, {times} other cells of column "
                             f"'{column.header}' in {common or 'no unit'}",
                             "write the column's numbers in one unit, and give it as the "
                             "column's unit: (unit: 亿元) prints it once in the header")


MOSTLY = 2 / 3
"""A column is in one unit when this share of its numbers is (the others are strays)."""


def _signs(table: DataTable) -> Iterator[Finding]:
    """A change whose sign contradicts a range in its row (7→10 with ▼)."""
    changes = [i for i, c in enumerate(table.columns) if c.kind == "change"]
    ranges = [i for i, c in enumerate(table.columns) if c.kind == "number"]
    if not changes or not ranges:
        return
    for row in table.rows:
        for index in ranges:
            quantity = parse_quantity(row.cells[index].text)
            if quantity is None or quantity.upper_value is None:
                continue
            grew = quantity.upper_value - quantity.value
            for change_index in changes:
                cell = row.cells[change_index]
                change = parse_quantity(cell.text)
                if change is not None and grew * change.value < Decimal(0):
                    yield finding_at(_where(cell), 0, "change-sign", "warning",
                                     f"{cell.text!r} contradicts "
                                     f"{row.cells[index].text!r} in its row",
                                     "check the sign of the change or the order of the range")


def _duplicates(table: DataTable) -> Iterator[Finding]:
    """A row that repeats an earlier row cell for cell."""
    seen: dict[tuple[str, ...], TableCell] = {}
    for row in table.rows:
        key = tuple(cell.text for cell in row.cells)
        if not any(key):
            continue
        first = seen.setdefault(key, row.cells[0])
        if first is not row.cells[0]:
            span = first.span
            earlier = span.cell or f"line {span.line}"
            yield finding_at(_where(row.cells[0]), 0, "duplicate-row", "warning",
                             f"the row repeats the row at {earlier} cell for cell",
                             "delete one of the two rows")
