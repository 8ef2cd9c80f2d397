"""Load stage: table rows read from spreadsheets, .xlsx and .csv, as untrusted input (issue 14).

`read_sheet` gives a `Sheet`: a header row and rectangular rows of `SheetCell`s, each cell's
text as the editor sees it in Excel (numbers through their number format, dates as dates)
and its A1 reference, so every later message can name the file, the sheet and the cell.

Untrusted input: the file is read through `files.read_input` (a regular file within the
spreadsheet size limit, never waited on); an .xlsx is checked as a zip from its directory
(total unpacked size, the size of each part openpyxl reads whole, compression ratio,
encryption) before openpyxl opens it; the worksheet's XML is scanned (no tree) down to the
window's last row for formulas and for more cells than openpyxl should parse; openpyxl then
reads only a bounded window of rows and columns, whatever the sheet says its size is.
Whatever goes wrong is a `SheetError` naming the file (and sheet and cell when known) with a
hint, never a traceback.

The window: from the range's first cell (or A1), at most `max_rows` + `ROW_SCAN` rows and
`max_columns` + `COLUMN_SCAN` columns are looked at; data further out than that (beyond a
thousand empty rows below the table, or sixty empty columns beside it) is not seen.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime
import difflib
import io
import math
import posixpath
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree
from xml.parsers import expat

from builder.errors import BrochureError
from builder.files import LIMITS, MB, read_input

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

EXTENSIONS = (".xlsx", ".csv")
"""The spreadsheet files read (the extension decides the reader)."""
MAX_UNPACKED = 200 * MB
"""The most bytes the members of an .xlsx may unpack to, from its zip directory."""
MAX_RATIO = 100
"""The largest compression ratio of an .xlsx member over 1 MB unpacked (sheet XML packs about
10:1; a zip bomb packs 1000:1)."""
MAX_PART = 16 * MB
"""The most bytes a part openpyxl reads whole (shared strings, styles, …: every .xml part but
the worksheets) may unpack to: 16 MB of shared strings (500,000 strings) take openpyxl
about 6 s."""
MAX_MEMBERS = 10_000
MAX_SCANNED_CELLS = 250_000
"""The most cells a worksheet may have down to the last row looked at (a 2,000-row table of
40 columns has 80,000): openpyxl parses each row whole, however wide."""
ROW_SCAN = 1000
"""Rows looked at beyond `max_rows` from the range's first row: leading empty rows, empty rows
inside and below the table, and the row that tells a table is too long."""
COLUMN_SCAN = 60
"""Columns looked at beyond `max_columns` from the range's first column."""
MAX_CSV_CELLS = 1_000_000
"""A .csv with more separators than this is refused before it is split into cells."""
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""How an .xls workbook and a password-protected .xlsx start (an OLE2 compound file)."""
EXCEL_LIMITS = (1_048_576, 16_384)
"""Excel's rows and columns."""

SAVE_HINT = ("open it in Excel, WPS or LibreOffice and save it again as 'Excel Workbook "
             "(.xlsx)'")
CSV_HINT = "in Excel, save it with 'Save as' → 'CSV UTF-8 (comma delimited) (*.csv)'"
RANGE_HINT = "write a range such as A1:E61, or the header's first cell such as B3"

PLAIN_NUMBER = re.compile(r"[+\-−]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?%?")
_CELL_REF = re.compile(r"([A-Za-z]{1,3})([1-9]\d{0,6})")
_LITERAL = r'"[^"]*"|\\.'
_NUMBER_FORMAT = re.compile(rf'((?:{_LITERAL})*)(#,##0|0)(?:\.(0+))?(%?)((?:{_LITERAL})*)')


def looks_like_number(text: str) -> bool:
    """Whether `text` reads as a plain number (7.96, -3, 1,234.5, 12%): typed as text in a
    spreadsheet, Excel marks such a cell with its green triangle."""
    return any(c.isdigit() for c in text) and PLAIN_NUMBER.fullmatch(text.strip()) is not None


@dataclass(frozen=True)
class SheetCell:
    """One cell of a sheet."""

    text: str
    """The cell as the editor sees it in Excel, white space at the ends removed ('' when
    empty): numbers through their number format, dates as dates; a .csv cell as written."""
    ref: str
    """Where it is, A1 style ("B7"); in a .csv the column letter and the line the record
    starts on."""
    stored_as_text: bool = False
    """An .xlsx text cell that reads as a plain number ('7.96' typed as text: Excel's green
    triangle); always False for a .csv and for a formula's text result."""


@dataclass(frozen=True)
class Sheet:
    """A table read from a spreadsheet: the header row and the rows below it."""

    path: Path
    sheet: str | None
    """The .xlsx sheet's name; None for a .csv."""
    encoding: str
    """A .csv's encoding ('utf-8', 'gb18030' or 'utf-16'); '' for an .xlsx."""
    header: tuple[SheetCell, ...]
    rows: tuple[tuple[SheetCell, ...], ...]
    """Rectangular: each row as long as the header (an empty cell reads ''); an empty row
    inside the table is kept, empty rows below it are not."""

    def place(self, ref: str) -> str:
        """Where cell `ref` is, for a message: '成绩单.xlsx, sheet 半年, B7' (file name only)."""
        return ", ".join(_where(self.path.name, self.sheet, ref))


class SheetError(BrochureError):
    """A spreadsheet that cannot be read as a table: names the file (`path`), the sheet and
    the cell when known (in the message, and as `sheet` and `ref`), and always has a hint."""

    def __init__(self, message: str, *, path: Path, hint: str, sheet: str | None = None,
                 ref: str | None = None) -> None:
        where = _where(None, sheet, ref)
        super().__init__(f"{', '.join(where)}: {message}" if where else message, path=path,
                         hint=hint)
        self.sheet = sheet
        self.ref = ref

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled whole (a check may run in a worker process): the message as built, and
        every attribute."""
        return _restored, (type(self), self.args, dict(self.__dict__))


def _restored(kind: type[SheetError], args: tuple[object, ...],
              state: dict[str, object]) -> SheetError:
    error = kind.__new__(kind)
    Exception.__init__(error, *args)
    vars(error).update(state)
    return error


def _where(name: str | None, sheet: str | None, ref: str | None) -> list[str]:
    return [part for part in (name, None if sheet is None else f"sheet {sheet}", ref) if part]


@dataclass(frozen=True)
class _Area:
    """The window read: 1-based first row and column, last ones (inclusive) or None, and
    whether the first row is fixed as the header row (a range was given)."""

    first_row: int
    first_column: int
    last_row: int | None
    last_column: int | None
    fixed: bool

    def row_bound(self, max_rows: int) -> int:
        bound = self.first_row + max_rows + ROW_SCAN
        return min(bound, self.last_row) if self.last_row is not None else bound

    def column_bound(self, max_columns: int) -> int:
        bound = self.first_column + max_columns + COLUMN_SCAN - 1
        return min(bound, self.last_column) if self.last_column is not None else bound


_Row = list["SheetCell | None"]
"""Cells from the area's first column on, None where empty, without trailing Nones."""


def read_sheet(path: Path, sheet: str | None = None, cells: str | None = None,
               max_rows: int = 2000, max_columns: int = 40) -> Sheet:
    """The table in the spreadsheet `path` (.xlsx or .csv): on the sheet named `sheet` (an
    .xlsx's first visible sheet by default), in the range `cells` ('A1:E61', or a start cell 'B3'
    meaning from there to the end of the data; by default the whole used area from its first
    non-empty row). The range's first row is the header. Raises SheetError."""
    extension = path.suffix.lower()
    if extension not in EXTENSIONS:
        raise SheetError(f"rows are read from {' or '.join(EXTENSIONS)} files, not "
                         f"'{path.suffix or path.name}'", path=path,
                         hint="save the spreadsheet as an Excel workbook (.xlsx) or as CSV "
                              "(.csv)")
    area = _parse_range(cells, path, sheet)
    try:
        data = read_input(path, "spreadsheet",
                          hint=f"name an .xlsx or .csv file of at most "
                               f"{LIMITS['spreadsheet'] // MB} MB")
    except SheetError:
        raise
    except BrochureError as exc:
        raise SheetError(exc.message, path=path, hint=exc.hint or "check the path") from None
    if extension == ".csv":
        return _read_csv(data, path, area, max_rows, max_columns)
    return _read_xlsx(data, path, sheet, area, max_rows, max_columns)


def _parse_range(cells: str | None, path: Path, sheet: str | None) -> _Area:
    if cells is None:
        return _Area(1, 1, None, None, fixed=False)
    first, _, last = cells.strip().partition(":")
    start = _cell_position(first)
    end = _cell_position(last) if last.strip() else None
    if start is None or (last.strip() and end is None):
        raise SheetError(f"'{cells}' is not a range of cells", path=path, sheet=sheet,
                         hint=RANGE_HINT)
    if end is not None and (end[0] < start[0] or end[1] < start[1]):
        raise SheetError(f"the range '{cells}' ends before it starts", path=path, sheet=sheet,
                         hint="name the top left cell first: " + RANGE_HINT)
    return _Area(start[0], start[1], end[0] if end else None, end[1] if end else None,
                 fixed=True)


def _cell_position(ref: str) -> tuple[int, int] | None:
    """(row, column), 1-based, of an A1 reference within Excel's limits, or None."""
    found = _CELL_REF.fullmatch(ref.strip())
    if found is None:
        return None
    column = 0
    for letter in found.group(1).upper():
        column = column * 26 + ord(letter) - ord("A") + 1
    row = int(found.group(2))
    if row > EXCEL_LIMITS[0] or column > EXCEL_LIMITS[1]:
        return None
    return row, column


def column_letter(column: int) -> str:
    """The letters of the 1-based `column` (1 → A, 27 → AA)."""
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# --------------------------------------------------------------------------- the table


def _table(rows: Iterator[tuple[int, _Row]], area: _Area, *, path: Path, sheet: str | None,
           encoding: str, max_rows: int, max_columns: int) -> Sheet:
    """The header and rows from the `rows` of the window (numbered, from its first column):
    leading empty rows skipped unless the range fixes the header row, empty rows at the end
    dropped, empty columns dropped, headers checked."""
    header: tuple[int, _Row] | None = None
    body: list[tuple[int, _Row]] = []
    empty_run: list[tuple[int, _Row]] = []
    for number, cells in rows:
        if header is None:
            if cells or area.fixed:
                header = (number, cells)
            continue
        if not cells:
            empty_run.append((number, cells))
            continue
        body.extend(empty_run)
        empty_run.clear()
        body.append((number, cells))
        if len(body) > max_rows:
            raise SheetError(f"more than {max_rows:,} rows below the header (row {number} "
                             "is one too many)", path=path, sheet=sheet,
                             ref=f"{column_letter(area.first_column)}{number}",
                             hint="a table this long does not read in print: split it "
                                  "into several tables (each with its own range), or leave "
                                  "rows out")
    if header is None or not (header[1] or any(cells for _, cells in body)):
        what = "the range" if area.fixed else "the sheet" if sheet is not None else "the file"
        raise SheetError(f"{what} has no data", path=path, sheet=sheet,
                         hint="name the sheet or range that holds the table"
                         if encoding == "" else "check that this is the file with the table")
    columns = sorted({index for _, cells in (header, *body)
                      for index, cell in enumerate(cells) if cell is not None})
    if len(columns) > max_columns:
        first = area.first_column + columns[0]
        last_row = body[-1][0] if body else header[0]
        raise SheetError(f"more than {max_columns} columns (the data reaches column "
                         f"{column_letter(area.first_column + columns[-1])})", path=path,
                         sheet=sheet, hint="give a range that holds only the table's columns, "
                         f"e.g. {column_letter(first)}{header[0]}:"
                         f"{column_letter(first + max_columns - 1)}{last_row}")
    return Sheet(path, sheet, encoding,
                 _header(header, body, columns, area, path, sheet),
                 tuple(tuple(_cell(cells, index, number, area) for index in columns)
                       for number, cells in body))


def _cell(cells: _Row, index: int, number: int, area: _Area) -> SheetCell:
    found = cells[index] if index < len(cells) else None
    return found or SheetCell("", f"{column_letter(area.first_column + index)}{number}")


def _header(header: tuple[int, _Row], body: Sequence[tuple[int, _Row]], columns: list[int],
            area: _Area, path: Path, sheet: str | None) -> tuple[SheetCell, ...]:
    number, cells = header
    if not cells:
        raise SheetError(f"the header row {number} is empty", path=path, sheet=sheet,
                         ref=f"{column_letter(area.first_column)}{number}",
                         hint="start the range at the row that names the columns")
    titled = tuple(_cell(cells, index, number, area) for index in columns)
    seen: dict[str, SheetCell] = {}
    for index, title in zip(columns, titled, strict=True):
        if not title.text:
            below = next(row[index] for _, row in body
                         if index < len(row) and row[index] is not None)
            assert below is not None
            raise SheetError(f"the column has no header, but {below.ref} holds "
                             f"\"{_short(below.text)}\"", path=path, sheet=sheet, ref=title.ref,
                             hint="give the column a header in the first row of the table")
        if title.text in seen:
            raise SheetError(f"the header \"{_short(title.text)}\" appears twice, in "
                             f"{seen[title.text].ref} and {title.ref}", path=path, sheet=sheet,
                             ref=title.ref, hint="give each column its own header")
        seen[title.text] = title
    return titled


def _short(text: str, length: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length - 1] + "…"


# --------------------------------------------------------------------------- csv


def _read_csv(data: bytes, path: Path, area: _Area, max_rows: int, max_columns: int) -> Sheet:
    text, encoding = _decode(data, path)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise SheetError(f"line {line} holds a NUL character: this is not a text file", path=path,
                         hint=CSV_HINT)
    first_line = next((line for line in io.StringIO(text) if line.strip()), "")
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    if text.count(delimiter) + text.count("\n") > MAX_CSV_CELLS:
        raise SheetError(f"more than {MAX_CSV_CELLS:,} cells", path=path,
                         hint=f"a table holds at most {max_rows:,} rows of {max_columns} "
                              "columns: save only the table's rows and columns")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _table(_csv_rows(reader, area, max_rows, max_columns), area, path=path,
                      sheet=None, encoding=encoding, max_rows=max_rows, max_columns=max_columns)
    except csv.Error as exc:
        raise SheetError(f"line {reader.line_num}: {exc}", path=path,
                         hint="check the quotes on that line; " + CSV_HINT) from None


def _csv_rows(reader: Iterator[list[str]], area: _Area, max_rows: int,
              max_columns: int) -> Iterator[tuple[int, _Row]]:
    """The records in the window, numbered by the line they start on."""
    line = 1
    last_row, last_column = area.row_bound(max_rows), area.column_bound(max_columns)
    for record in reader:
        number, line = line, reader.line_num + 1  # type: ignore[attr-defined]
        if number > last_row:
            return
        if number < area.first_row:
            continue
        cells: _Row = []
        for offset, value in enumerate(record[area.first_column - 1:last_column]):
            value = value.strip()
            cells.append(SheetCell(value, f"{column_letter(area.first_column + offset)}{number}")
                         if value else None)
        yield number, _trimmed(cells)


def _trimmed(cells: _Row) -> _Row:
    while cells and cells[-1] is None:
        cells.pop()
    return cells


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    """The text of a .csv and its encoding: UTF-8 (with or without a BOM), UTF-16 with a BOM
    (Excel's 'Unicode text'), else GB18030 (what Excel writes in China)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            _undecodable(data, exc.start, path)
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError as gb_error:
            # the reading that got further is more likely the file's own encoding
            _undecodable(data, max(utf8_error.start, gb_error.start), path)
    raise AssertionError("unreachable")


def _undecodable(data: bytes, offset: int, path: Path) -> None:
    line = data.count(b"\n", 0, offset) + 1
    raise SheetError(f"line {line} (byte {offset:,}) is neither UTF-8 nor GB18030 text",
                     path=path, hint=CSV_HINT)


# --------------------------------------------------------------------------- xlsx


def _read_xlsx(data: bytes, path: Path, sheet: str | None, area: _Area, max_rows: int,
               max_columns: int) -> Sheet:
    _check_zip(data, path)
    import openpyxl  # imported here: a quarter of a second, only when a workbook is read

    bounds = (area.first_row, area.row_bound(max_rows), area.first_column,
              area.column_bound(max_columns))
    name = sheet
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unknown extensions, dates out of range, …
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                pane = _pick_sheet(book, sheet, path)
                name = pane.title
                formulas = _scan_sheet(data, _worksheet_part(data, name), area, bounds[1],
                                       bounds[3], path, name)
                return _table(_xlsx_rows(_window(pane, *bounds), area, formulas, path, name),
                              area, path=path, sheet=name, encoding="", max_rows=max_rows,
                              max_columns=max_columns)
            finally:
                book.close()
    except SheetError:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl raises KeyError (a missing part),
        # ValueError, TypeError, XML parse errors, zipfile errors, …: each means this file
        # cannot be read as it is
        reason = (str(exc) or type(exc).__name__).splitlines()[0][:160]
        raise SheetError(f"the workbook cannot be read ({reason})", path=path, sheet=name,
                         hint=SAVE_HINT) from None


def _worksheet_part(data: bytes, name: str) -> str:
    """The zip part holding the worksheet `name`, found as openpyxl finds it: the package's
    relationships name the workbook part, the workbook gives the sheet's relationship id, and
    the workbook's relationships the part (openpyxl keeps it only in a private attribute)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        book = _relation(archive, "_rels/.rels", "",
                         lambda rel: rel.get("Type", "").endswith("/officeDocument"))
        sheet_id = next(value for element in ElementTree.fromstring(archive.read(book)).iter()
                        if element.tag.rpartition("}")[2] == "sheet"
                        and element.get("name") == name
                        for key, value in element.attrib.items() if key.endswith("}id"))
        folder, file = posixpath.split(book)
        return _relation(archive, posixpath.join(folder, "_rels", f"{file}.rels"), folder,
                         lambda rel: rel.get("Id") == sheet_id)


def _relation(archive: zipfile.ZipFile, part: str, folder: str,
              wanted: Callable[[ElementTree.Element], bool]) -> str:
    """The part the first `wanted` relationship in the relationships `part` points to (its
    target is relative to `folder`, or to the package's root when it starts with '/')."""
    target = next(rel.get("Target", "") for rel in ElementTree.fromstring(archive.read(part))
                  if wanted(rel))
    return target[1:] if target.startswith("/") \
        else posixpath.normpath(posixpath.join(folder, target))


class _Scanned(Exception):
    """Raised from the XML parser's handler at the window's last row: the scan is done."""


@dataclass
class _SheetScan:
    """What the scan of a worksheet's XML has seen so far."""

    area: _Area
    last_row: int
    last_column: int
    row: int = 0
    ref: str = ""
    """The last cell of the row that gave its reference ('' for none yet)."""
    after_ref: int = 0
    """Cells since then without one (each is one column further on)."""
    row_cells: int = 0
    cells: int = 0
    formulas: set[str] = field(default_factory=set)

    def start(self, name: str, attributes: dict[str, str]) -> None:
        """The parser's handler for each opening tag: rows, cells and formulas."""
        tag = name.rpartition("}")[2]
        if tag == "c":
            if "r" in attributes:
                self.ref, self.after_ref = attributes["r"], 0
            else:
                self.after_ref += 1
            self.row_cells += 1
            self.cells += 1
            if self.row_cells > EXCEL_LIMITS[1] or self.cells > MAX_SCANNED_CELLS:
                raise _Scanned()
        elif tag == "f" and self.row >= self.area.first_row:
            position = _cell_position(self.ref) if self.ref else None
            column = (position[1] if position else 0) + self.after_ref
            if self.area.first_column <= column <= self.last_column:
                self.formulas.add(f"{column_letter(column)}{self.row}")
        elif tag == "row":
            self.row = int(attributes.get("r") or self.row + 1)
            self.ref, self.after_ref, self.row_cells = "", 0, 0
            if self.row > self.last_row:
                raise _Scanned()


def _scan_sheet(data: bytes, member: str, area: _Area, last_row: int, last_column: int,
                path: Path, sheet: str) -> set[str]:
    """The cells of the window that hold a formula, read from the worksheet's XML up to the
    window's last row (openpyxl gives a cell's formula or its saved value, never both).
    Refuses a row of more cells than Excel has and more than MAX_SCANNED_CELLS cells down to
    the window's last row: openpyxl would read them all. A parser with a handler for opening
    tags only (expat, as openpyxl's: entity expansion is bounded, external entities are not
    read), no tree: memory stays flat."""
    scan = _SheetScan(area, last_row, last_column)
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = scan.start
    with zipfile.ZipFile(io.BytesIO(data)) as archive, \
            archive.open(member.lstrip("/")) as stream, contextlib.suppress(_Scanned):
        parser.ParseFile(stream)
    if scan.row_cells > EXCEL_LIMITS[1]:
        raise SheetError(f"row {scan.row} has more than the {EXCEL_LIMITS[1]:,} cells a row "
                         "can have", path=path, sheet=sheet, hint=SAVE_HINT)
    if scan.cells > MAX_SCANNED_CELLS:
        raise SheetError(f"the sheet has more than {MAX_SCANNED_CELLS:,} cells down to row "
                         f"{scan.row}", path=path, sheet=sheet,
                         hint="copy the table into a sheet of its own (or save it as .csv)")
    return scan.formulas


def _check_zip(data: bytes, path: Path) -> None:
    """Refuse what is no .xlsx, or would unpack to too much, before openpyxl sees it."""
    if data.startswith(OLE2):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise SheetError("the workbook is password-protected", path=path,
                             hint="save it without a password (in Excel: File → Info → "
                                  "Protect Workbook → Encrypt with Password, empty)")
        raise SheetError("this is an old Excel 97–2003 workbook (.xls) named .xlsx",
                         path=path, hint=SAVE_HINT)
    if not data.startswith(b"PK\x03\x04"):
        raise SheetError("not an Excel workbook: an .xlsx file is a zip archive, and this is "
                         "not one", path=path, hint=SAVE_HINT)
    if data.count(b"PK\x01\x02") > MAX_MEMBERS:  # each part's entry in the zip directory
        raise SheetError(f"the workbook has more than the {MAX_MEMBERS:,} parts allowed",
                         path=path, hint=SAVE_HINT)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise SheetError(f"a damaged workbook ({exc})", path=path, hint=SAVE_HINT) from None
    if len(members) > MAX_MEMBERS:
        raise SheetError(f"the workbook has {len(members):,} parts, more than the "
                         f"{MAX_MEMBERS:,} allowed", path=path, hint=SAVE_HINT)
    if any(member.flag_bits & 0x1 for member in members):
        raise SheetError("the workbook's zip archive is encrypted", path=path,
                         hint="save it without a password")
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_UNPACKED:
        raise SheetError(f"the workbook unpacks to {unpacked:,} bytes, more than the "
                         f"{MAX_UNPACKED:,} allowed", path=path,
                         hint="keep only the table's sheet in the workbook, or save the "
                              "table as .csv")
    for member in members:
        whole = member.filename.lower().endswith((".xml", ".rels")) \
            and not member.filename.startswith("xl/worksheets/")
        if whole and member.file_size > MAX_PART:
            raise SheetError(f"the workbook's part {member.filename} unpacks to "
                             f"{member.file_size:,} bytes, more than the {MAX_PART:,} allowed",
                             path=path, hint="copy the table into a workbook of its own, or "
                                             "save its sheet as .csv")
        if member.file_size > MB and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise SheetError(f"the workbook's part {member.filename} unpacks "
                             f"{member.file_size // max(member.compress_size, 1):,} times "
                             "larger than it is stored: not a spreadsheet Excel writes",
                             path=path, hint=SAVE_HINT)


def _window(pane: Any, first_row: int, last_row: int, first_column: int,
            last_column: int) -> Iterator[tuple[object, ...]]:
    """The cells of `pane` in the window, row by row, each row as wide as the window (the
    bounds keep a sheet that claims a million rows fast; the stubs type this for Worksheet
    only)."""
    return iter(pane.iter_rows(min_row=first_row, max_row=last_row, min_col=first_column,
                               max_col=last_column))


def _pick_sheet(book: Workbook, sheet: str | None, path: Path) -> ReadOnlyWorksheet:
    """The worksheet named `sheet`, or the first visible worksheet."""
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    names = list(book.sheetnames)
    worksheets = [pane for pane in book.worksheets if isinstance(pane, ReadOnlyWorksheet)]
    if sheet is None:
        if not worksheets:
            raise SheetError("the workbook has no worksheet", path=path, hint=SAVE_HINT)
        # the first sheet the editor sees: a hidden one is skipped
        return next((pane for pane in worksheets if pane.sheet_state == "visible"),
                    worksheets[0])
    if sheet not in names:
        close = difflib.get_close_matches(sheet, names, n=1, cutoff=0.4)
        listed = "、".join(names)
        raise SheetError(f"no sheet named '{sheet}'", path=path,
                         hint=(f"did you mean '{close[0]}'? " if close else "")
                         + f"the workbook's sheets: {listed}")
    pane = book[sheet]
    if not isinstance(pane, ReadOnlyWorksheet):
        raise SheetError(f"'{sheet}' is a chart sheet, not a sheet of cells", path=path,
                         hint="name the sheet that holds the chart's data")
    return pane


def _xlsx_rows(rows: Iterator[tuple[object, ...]], area: _Area, formulas: set[str],
               path: Path, sheet: str) -> Iterator[tuple[int, _Row]]:
    """The window's rows as cells; `formulas` names the cells that hold a formula."""
    from openpyxl.cell.read_only import EMPTY_CELL  # what fills the cells a sheet leaves out

    for number, row in enumerate(rows, start=area.first_row):
        cells: _Row = []
        for offset, cell in [(offset, cell) for offset, cell in enumerate(row)
                             if cell is not EMPTY_CELL]:
            cells.extend([None] * (offset - len(cells)))
            value = getattr(cell, "value", None)
            ref = f"{column_letter(area.first_column + offset)}{number}"
            formula = ref in formulas
            if value is None:
                if formula:
                    raise SheetError("a formula without a saved value (the file was written "
                                     "by a program, never opened in a spreadsheet)", path=path,
                                     sheet=sheet, ref=ref,
                                     hint="open and save the file in Excel, WPS or LibreOffice"
                                          " (which work out the formulas), or type the value")
                cells.append(None)
                continue
            text, as_text = _cell_text(value, getattr(cell, "data_type", "n"),
                                       getattr(cell, "number_format", "General"), formula,
                                       path, sheet, ref)
            cells.append(SheetCell(text, ref, as_text) if text else None)
        yield number, _trimmed(cells)


def _cell_text(value: object, data_type: str, number_format: str, formula: bool, path: Path,
               sheet: str, ref: str) -> tuple[str, bool]:
    """The text of an .xlsx cell as Excel shows it, and whether it is a number stored as
    text."""
    if data_type == "e":
        raise SheetError(f"the cell shows the error {value}", path=path, sheet=sheet, ref=ref,
                         hint="correct the cell (or the formula) in the spreadsheet and save "
                              "it, or type the value")
    if isinstance(value, bool):
        raise SheetError(f"a true/false cell ({'TRUE' if value else 'FALSE'})", path=path,
                         sheet=sheet, ref=ref, hint="write 是/否 (or any word) as text")
    if isinstance(value, str):
        text = value.strip()
        return text, not formula and looks_like_number(text)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return format_date(value, number_format), False
    if isinstance(value, datetime.timedelta):
        minutes, seconds = divmod(round(value.total_seconds()), 60)
        return f"{minutes // 60}:{minutes % 60:02d}" + (f":{seconds:02d}" if seconds else ""), \
            False
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise SheetError(f"the cell holds {value}, not a number Excel shows", path=path,
                             sheet=sheet, ref=ref, hint="type the value")
        return format_number(value, number_format), False
    raise SheetError(f"a cell of an unknown kind ({type(value).__name__})", path=path,
                     sheet=sheet, ref=ref, hint="type the value as text or a number")


def format_number(value: int | float, number_format: str = "General") -> str:
    """`value` as Excel shows it with `number_format`: fixed decimals (0.00), thousands
    separators (#,##0), percent (0.0%) and quoted text around them ('0.00"亿元"'); any other
    format as General (at most 15 significant digits, never 1E-05 style). A negative number
    always reads with '-' (a format's own negative section is not followed)."""
    with localcontext(Context(prec=400)):  # every digit of the largest float, and decimals
        return _formatted(value, number_format)


def _formatted(value: int | float, number_format: str) -> str:
    section = _plain_section(number_format)
    found = _NUMBER_FORMAT.fullmatch(section)
    number = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
    if found is None:
        return _general(value)
    before, digits, decimals, percent, after = found.groups()
    if percent:
        number *= 100
    number = number.quantize(Decimal(1).scaleb(-len(decimals or "")), ROUND_HALF_UP)
    if number == 0:
        number = abs(number)
    text = format(number, ",f" if digits.startswith("#") else "f")
    return f"{_literal(before)}{text}{percent}{_literal(after)}"


def _plain_section(number_format: str) -> str:
    """The format's first section without colours, conditions and padding; a currency
    ([$¥-804]) as quoted text."""
    section = number_format.split(";")[0]
    section = re.sub(r"\[\$([^\]\-]*)(?:-[0-9A-Fa-f]+)?\]", r'"\1"', section)
    section = re.sub(r"\[[^\]]*\]", "", section)
    return re.sub(r"[_*].", "", section).strip()


def _literal(part: str) -> str:
    return "".join(piece[1:-1] if piece.startswith('"') else piece[1:]
                   for piece in re.findall(_LITERAL, part))


def _general(value: int | float) -> str:
    if isinstance(value, int):
        return str(value)
    number = Decimal(f"{value:.15g}")
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_date(value: datetime.date | datetime.time, number_format: str = "") -> str:
    """A date as 2022-10-01, or 2022年10月1日 when the format is written with 年; a format
    without the day gives the month (2022年10月, 2022-10), without the year the day (10月1日);
    the time follows when the format shows hours."""
    bare = re.sub(rf"{_LITERAL}|\[[^\]]*\]", "", number_format).lower()
    chinese = "年" in number_format or "月" in number_format
    time_shown = "h" in bare
    clock = ""
    if isinstance(value, datetime.time) or (isinstance(value, datetime.datetime) and time_shown):
        clock = f"{value.hour:02d}:{value.minute:02d}" + (
            f":{value.second:02d}" if value.second else "")
        if isinstance(value, datetime.time):
            return clock
    assert isinstance(value, datetime.date)
    date_part = re.sub(r"h+[^a-z]*m+|m+[^a-z]*s+", "", bare)  # minutes are no month
    year, month, day = ("y" in date_part, "m" in date_part, "d" in date_part)
    if year and month and not day:
        text = f"{value.year}年{value.month}月" if chinese else f"{value.year}-{value.month:02d}"
    elif month and day and not year:
        text = f"{value.month}月{value.day}日" if chinese else f"{value.month:02d}-{value.day:02d}"
    elif year and not (month or day):
        text = f"{value.year}年" if chinese else str(value.year)
    elif chinese:
        text = f"{value.year}年{value.month}月{value.day}日"
    else:
        text = value.strftime("%Y-%m-%d") if value.year >= 1000 else value.isoformat()[:10]
    return f"{text} {clock}" if clock else text
