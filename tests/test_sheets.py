"""Table rows read from spreadsheets (builder/source/sheets.py, issue 14): real .xlsx files made
with openpyxl (some parts rewritten by hand where openpyxl cannot write them: formulas with
saved values, error cells, a lying dimension), .csv files in the encodings Excel writes, and
hostile files. Every refusal is a SheetError naming the file (and sheet and cell) with a hint."""

from __future__ import annotations

import datetime
import os
import pickle
import struct
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder.source import sheets
from builder.source.sheets import (
    Sheet,
    SheetError,
    format_date,
    format_number,
    looks_like_number,
    read_sheet,
)

SHEET_XML = "xl/worksheets/sheet1.xml"


def texts(sheet: Sheet) -> list[list[str]]:
    """The header and rows as texts."""
    return [[cell.text for cell in row] for row in (sheet.header, *sheet.rows)]


def workbook(path: Path, rows: list[list[object]], title: str = "Sheet",
             formats: dict[str, str] | None = None) -> Path:
    """An .xlsx at `path` with `rows` from A1 on one sheet; `formats` maps cells to number
    formats."""
    book = openpyxl.Workbook()
    pane = book.active
    assert pane is not None
    pane.title = title
    for row in rows:
        pane.append(row)
    for ref, number_format in (formats or {}).items():
        pane[ref].number_format = number_format
    book.save(path)
    return path


def rewrite(path: Path, old: str, new: str, member: str = SHEET_XML) -> Path:
    """Replace `old` by `new` in one part of the .xlsx `path` (what openpyxl cannot write:
    a formula with a saved value, an error cell, a lying dimension)."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    text = parts[member].decode()
    assert old in text, text
    parts[member] = text.replace(old, new).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def refused(path: Path, *words: str, **options: object) -> SheetError:
    """The SheetError reading `path` gives; its text names the file and holds `words`."""
    with pytest.raises(SheetError) as caught:
        read_sheet(path, **options)  # type: ignore[arg-type]
    error = caught.value
    message = str(error)
    assert error.path == path and str(path) in message
    assert error.hint and "hint: " in message and "Traceback" not in message
    for word in words:
        assert word in message, (word, message)
    return error


@pytest.fixture
def no_openpyxl(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault injection: openpyxl must never be asked to open the file."""
    def opened(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("openpyxl opened a file the zip checks should have refused")
    monkeypatch.setattr(openpyxl, "load_workbook", opened)


# ------------------------------------------------------------------ cells as Excel shows them


@pytest.mark.parametrize(("value", "number_format", "shown"), [
    (7, "General", "7"),
    (7.96, "General", "7.96"),
    (3.0, "General", "3"),
    (0.1 + 0.2, "General", "0.3"),
    (1e-05, "General", "0.00001"),
    (1e20, "General", "100000000000000000000"),
    (-0.0, "General", "0"),
    (7.955, "0.00", "7.96"),
    (2.675, "0.00", "2.68"),             # as Excel rounds the decimal it shows, not the binary
    (7, "0.00", "7.00"),
    (7.96, "0", "8"),
    (7.96, "0.0", "8.0"),
    (1234567.891, "#,##0", "1,234,568"),
    (1234567.891, "#,##0.00", "1,234,567.89"),
    (-1234.5, "#,##0.00_);[Red](#,##0.00)", "-1,234.50"),
    (0.1234, "0%", "12%"),
    (0.1234, "0.0%", "12.3%"),
    (0.1234, "0.00%", "12.34%"),
    (-0.004, "0.0%", "-0.4%"),
    (-0.0001, "0.00", "0.00"),
    (90.62, '0.00"亿元"', "90.62亿元"),
    (1234.5, '[$¥-804]#,##0.00', "¥1,234.50"),
    (3.14159, "0.00E+00", "3.14159"),    # another format: General
    (42, "@", "42"),
])
def test_numbers_read_as_their_format_shows_them(value: float, number_format: str,
                                                 shown: str) -> None:
    assert format_number(value, number_format) == shown


def test_the_largest_numbers_keep_every_digit() -> None:
    assert format_number(1.7e308, "#,##0.00").startswith("170,000,000,000,000,000,000,")
    assert format_number(1.7e308, "#,##0.00").endswith(",000.00")
    assert format_number(10 ** 30, "0.0%") == "1" + "0" * 32 + ".0%"


@pytest.mark.parametrize(("value", "number_format", "shown"), [
    (datetime.date(2022, 10, 1), "yyyy-mm-dd", "2022-10-01"),
    (datetime.datetime(2022, 10, 1), "mm-dd-yy", "2022-10-01"),
    (datetime.datetime(2022, 10, 1), 'yyyy"年"m"月"d"日"', "2022年10月1日"),
    (datetime.datetime(2022, 10, 1), 'yyyy"年"m"月"', "2022年10月"),
    (datetime.datetime(2022, 10, 1), "yyyy-mm", "2022-10"),
    (datetime.datetime(2022, 10, 1), 'm"月"d"日"', "10月1日"),
    (datetime.datetime(2022, 10, 1, 14, 30), "yyyy-mm-dd h:mm", "2022-10-01 14:30"),
    (datetime.time(9, 5), "h:mm", "09:05"),
])
def test_dates_read_as_dates(value: datetime.date, number_format: str, shown: str) -> None:
    assert format_date(value, number_format) == shown


def test_a_workbook_reads_as_excel_shows_it(tmp_path: Path) -> None:
    path = workbook(tmp_path / "成绩单.xlsx", [
        ["指标", "数值", "比例", "日期", "月份", "备注"],
        ["一般公共预算收入", 1234567.891, 0.1234, datetime.date(2022, 10, 1),
         datetime.date(2022, 10, 1), "7.96"],
        ["税收", 7, 0.05, datetime.date(2023, 1, 31), datetime.date(2023, 1, 1), " 超2万户 "],
    ], title="半年", formats={"B2": "#,##0.00", "C2": "0.0%", "C3": "0%",
                              "D2": 'yyyy"年"m"月"d"日"', "D3": "yyyy-mm-dd",
                              "E2": 'yyyy"年"m"月"', "E3": 'yyyy"年"m"月"'})
    sheet = read_sheet(path)
    assert sheet.sheet == "半年" and sheet.encoding == "" and sheet.path == path
    assert texts(sheet) == [
        ["指标", "数值", "比例", "日期", "月份", "备注"],
        ["一般公共预算收入", "1,234,567.89", "12.3%", "2022年10月1日", "2022年10月", "7.96"],
        ["税收", "7", "5%", "2023-01-31", "2023年1月", "超2万户"],
    ]
    assert [cell.ref for cell in sheet.rows[1]] == ["A3", "B3", "C3", "D3", "E3", "F3"]
    assert [cell.stored_as_text for cell in sheet.rows[0]] == [False] * 5 + [True]
    assert not any(cell.stored_as_text for cell in sheet.rows[1])
    assert sheet.place("B7") == "成绩单.xlsx, sheet 半年, B7"


def test_numbers_stored_as_text_are_the_ones_excel_flags() -> None:
    for text in ("7.96", "-3", "1,234.5", "12%", "+0.5", ".5", " 42 "):
        assert looks_like_number(text), text
    for text in ("", "超2万户", "7.96亿", "7.9.6", "%", "-", "1,23", "2022-10-01", "七"):
        assert not looks_like_number(text), text


def test_formulas_read_their_saved_values(tmp_path: Path) -> None:
    path = workbook(tmp_path / "f.xlsx", [["指标", "数值"], ["合计", "=1+1"], ["文字", "=A3"]],
                    formats={"B2": "0.00"})
    rewrite(path, "<f>1+1</f><v></v>", "<f>1+1</f><v>2</v>")
    rewrite(path, '<c r="B3"><f>A3</f><v></v></c>', '<c r="B3" t="str"><f>A3</f><v>7.96</v></c>')
    sheet = read_sheet(path)
    assert texts(sheet)[1:] == [["合计", "2.00"], ["文字", "7.96"]]
    assert not sheet.rows[1][1].stored_as_text  # a formula's text result: no green triangle


def test_a_formula_without_a_saved_value_is_an_error_naming_the_cell(tmp_path: Path) -> None:
    # openpyxl saves formulas without values, as any program that never calculates them
    path = workbook(tmp_path / "f.xlsx", [["指标", "数值"], ["收入", 5], ["合计", "=SUM(B2:B2)"]])
    error = refused(path, "sheet Sheet, B3", "formula without a saved value",
                    "open and save the file in Excel")
    assert error.sheet == "Sheet" and error.ref == "B3"


@pytest.mark.parametrize("shown", ["#DIV/0!", "#N/A", "#REF!"])
def test_error_values_are_errors_naming_the_cell(tmp_path: Path, shown: str) -> None:
    path = workbook(tmp_path / "e.xlsx", [["指标", "数值"], ["增速", "=1/0"]])
    rewrite(path, '<c r="B2"><f>1/0</f><v></v></c>',
            f'<c r="B2" t="e"><f>1/0</f><v>{shown}</v></c>')
    refused(path, "sheet Sheet, B2", shown)


def test_true_and_false_cells_are_errors(tmp_path: Path) -> None:
    path = workbook(tmp_path / "b.xlsx", [["指标", "达标"], ["收入", True]])
    refused(path, "B2", "TRUE", "是/否")


# --------------------------------------------------------------------------- sheets and ranges


def test_the_first_visible_sheet_is_read_by_default(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    helper = book.active
    assert helper is not None
    helper.title = "辅助"
    helper.append(["隐藏"])
    helper.sheet_state = "hidden"
    book.create_sheet("成绩").append(["指标"])
    book.save(path := tmp_path / "hidden.xlsx")
    assert read_sheet(path).sheet == "成绩"
    assert texts(read_sheet(path, sheet="辅助")) == [["隐藏"]]


def test_formulas_are_looked_for_in_the_sheet_read(tmp_path: Path) -> None:
    # the sheet's part is found through the workbook's relationships, as openpyxl finds it:
    # here with targets relative to the workbook (as Excel writes them) and parts swapped
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "一"
    first.append(["指标", "数值"])
    first.append(["收入", 1])
    second = book.create_sheet("二")
    second.append(["指标", "数值"])
    second.append(["合计", "=1+1"])
    book.save(path := tmp_path / "swapped.xlsx")
    rels = "xl/_rels/workbook.xml.rels"
    rewrite(path, 'Target="/xl/worksheets/sheet1.xml"', 'Target="worksheets/sheet9.xml"', rels)
    rewrite(path, 'Target="/xl/worksheets/sheet2.xml"', 'Target="worksheets/sheet1.xml"', rels)
    rewrite(path, 'Target="worksheets/sheet9.xml"', 'Target="worksheets/sheet2.xml"', rels)
    refused(path, "sheet 一, B2", "formula without a saved value", sheet="一")
    assert texts(read_sheet(path, sheet="二")) == [["指标", "数值"], ["收入", "1"]]


def test_a_sheet_error_survives_pickling(tmp_path: Path) -> None:
    # a check may run in a worker process: its errors come back whole
    path = workbook(tmp_path / "b.xlsx", [["指标", "达标"], ["收入", False]])
    error = refused(path, "B2")
    copy = pickle.loads(pickle.dumps(error))
    assert isinstance(copy, SheetError) and str(copy) == str(error)
    assert (copy.path, copy.sheet, copy.ref, copy.hint) == (path, "Sheet", "B2", error.hint)


def test_sheets_are_found_by_name_and_a_wrong_name_lists_them(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "全年"
    first.append(["指标", "全年"])
    second = book.create_sheet("半年")
    second.append(["指标", "半年"])
    second.append(["收入", 3])
    book.save(path := tmp_path / "s.xlsx")
    assert texts(read_sheet(path)) == [["指标", "全年"]]
    assert texts(read_sheet(path, sheet="半年")) == [["指标", "半年"], ["收入", "3"]]
    error = refused(path, "no sheet named '上半年'", "did you mean '半年'", "全年、半年",
                    sheet="上半年")
    assert error.ref is None


def test_a_range_picks_the_table_and_its_first_row_is_the_header(tmp_path: Path) -> None:
    rows: list[list[object]] = [["2022年成绩单（标题）"], [], [None, "指标", "数值", "同比"]]
    rows += [[None, f"指标{i}", i, f"{i}%", "旁注"] for i in range(1, 6)]
    path = workbook(tmp_path / "r.xlsx", rows)
    sheet = read_sheet(path, cells="B3:D5")
    assert texts(sheet) == [["指标", "数值", "同比"], ["指标1", "1", "1%"], ["指标2", "2", "2%"]]
    assert sheet.header[0].ref == "B3" and sheet.rows[-1][-1].ref == "D5"
    # from B3 to the end of the data, the side notes in column E have no header
    refused(path, "E3", "E4 holds \"旁注\"", "give the column a header", cells="B3")
    assert texts(read_sheet(path, cells="B3:D61"))[-1] == ["指标5", "5", "5%"]


def test_a_start_cell_reads_to_the_end_of_the_data(tmp_path: Path) -> None:
    path = workbook(tmp_path / "r.xlsx", [["标题"], [], ["指标", "数值"], ["收入", 1], [],
                                          ["支出", 2], [], [], []])
    sheet = read_sheet(path, cells="a3")
    assert texts(sheet) == [["指标", "数值"], ["收入", "1"], ["", ""], ["支出", "2"]]
    assert read_sheet(path, cells="A3:") == sheet
    assert [cell.ref for cell in sheet.rows[1]] == ["A5", "B5"]  # the empty row is kept


@pytest.mark.parametrize("cells", ["A0", "E61:A1", "1A:E6", "A1:E", "XFE1", "A1048577", "表"])
def test_a_bad_range_is_an_error_with_an_example(tmp_path: Path, cells: str) -> None:
    path = workbook(tmp_path / "r.xlsx", [["指标"], ["收入"]])
    refused(path, "A1:E61", cells=cells)


def test_the_used_area_starts_at_the_first_cell_with_data(tmp_path: Path) -> None:
    rows: list[list[object]] = [[], [], [None, None, "指标", None, "数值"],
                                [None, None, "收入", None, 7.96], [], []]
    path = workbook(tmp_path / "u.xlsx", rows)
    sheet = read_sheet(path)
    # the empty column D inside the table is dropped: it has neither header nor data
    assert texts(sheet) == [["指标", "数值"], ["收入", "7.96"]]
    assert [cell.ref for cell in sheet.header] == ["C3", "E3"]


def test_merged_cells_read_in_their_first_cell(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    pane = book.active
    assert pane is not None
    for row in (["地区", "指标", "数值"], ["江苏", "收入", 1], [None, "支出", 2]):
        pane.append(row)
    pane.merge_cells("A2:A3")
    book.save(path := tmp_path / "m.xlsx")
    assert texts(read_sheet(path))[1:] == [["江苏", "收入", "1"], ["", "支出", "2"]]


def test_a_column_without_a_header_is_an_error_naming_it(tmp_path: Path) -> None:
    path = workbook(tmp_path / "h.xlsx", [["指标", None, "同比"], ["收入", 7.96, "5%"]])
    error = refused(path, "B1", "B2", "give the column a header")
    assert error.ref == "B1"


def test_a_header_twice_is_an_error_naming_both_cells(tmp_path: Path) -> None:
    path = workbook(tmp_path / "d.xlsx", [["指标", "数值", "数值 "], ["收入", 1, 2]])
    refused(path, "\"数值\" appears twice, in B1 and C1", "its own header")


def test_an_empty_header_row_and_an_empty_sheet_are_errors(tmp_path: Path) -> None:
    path = workbook(tmp_path / "e.xlsx", [["指标"], [], ["收入"]])
    refused(path, "header row 2 is empty", "A2", cells="A2")
    refused(workbook(tmp_path / "empty.xlsx", []), "no data")


def test_more_rows_than_allowed_is_an_error_and_fast(tmp_path: Path) -> None:
    path = workbook(tmp_path / "big.xlsx",
                    [["指标", "数值"]] + [[f"指标{i}", i] for i in range(3000)])
    started = time.perf_counter()
    refused(path, "more than 2,000 rows", "A2002", "split")
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0, elapsed
    assert len(read_sheet(path, cells="A1:B2001").rows) == 2000


def test_more_columns_than_allowed_is_an_error(tmp_path: Path) -> None:
    path = workbook(tmp_path / "wide.xlsx", [[f"列{i}" for i in range(45)], list(range(45))])
    refused(path, "more than 40 columns", "column AS", "e.g. A1:AN2")
    assert len(read_sheet(path, max_columns=45).header) == 45


def test_formulas_are_found_in_cells_without_references(tmp_path: Path) -> None:
    # the cell reference (r="B2") is optional in the file format: cells then follow each other
    path = workbook(tmp_path / "r.xlsx", [["指标", "数值", "同比"], ["收入", 1, "5%"]])
    rewrite(path, '<c r="B2" t="n"><v>1</v></c><c r="C2" t="inlineStr">',
            '<c t="n"><v>1</v></c><c><f>1/0</f></c><c t="inlineStr">')
    refused(path, "sheet Sheet, C2", "formula without a saved value")


def test_a_sheet_of_too_many_cells_is_refused_before_openpyxl_reads_it(tmp_path: Path) -> None:
    path = workbook(tmp_path / "many.xlsx", [["指标"], ["收入"]])
    rewrite(path, "</sheetData>", "".join(
        f'<row r="{row}">' + "".join(f"<c><v>{row * column}</v></c>" for column in range(1000))
        + "</row>" for row in range(3, 300))
        + "</sheetData>")
    started = time.perf_counter()
    refused(path, "more than 250,000 cells", "a sheet of its own")
    assert time.perf_counter() - started < 2.0


def test_a_sheet_claiming_a_million_rows_and_columns_stays_fast(tmp_path: Path) -> None:
    # the dimension trap: a sheet that says it spans A1:XFD1048576 (some programs write that)
    # and a stray cell far away: only the window is read
    path = workbook(tmp_path / "trap.xlsx", [["指标", "数值"], ["收入", 1]])
    rewrite(path, '<dimension ref="A1:B2"/>', '<dimension ref="A1:XFD1048576"/>')
    rewrite(path, "</sheetData>",
            '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>远</t></is></c></row>'
            "</sheetData>")
    started = time.perf_counter()
    sheet = read_sheet(path)
    assert time.perf_counter() - started < 2.0
    assert texts(sheet) == [["指标", "数值"], ["收入", "1"]]


# --------------------------------------------------------------------------- csv


def test_a_gb18030_csv_with_chinese_headers(tmp_path: Path) -> None:
    path = tmp_path / "成绩单.csv"
    path.write_bytes("指标,数值\n一般公共预算收入,7.96\n".encode("gb18030"))
    sheet = read_sheet(path)
    assert sheet.encoding == "gb18030" and sheet.sheet is None
    assert texts(sheet) == [["指标", "数值"], ["一般公共预算收入", "7.96"]]
    assert not sheet.rows[0][1].stored_as_text and sheet.rows[0][1].ref == "B2"
    assert sheet.place("B2") == "成绩单.csv, B2"


@pytest.mark.parametrize(("data", "encoding"), [
    ("指标,数值\r\n收入,7.96\r\n".encode("utf-8-sig"), "utf-8"),
    ("指标,数值\n收入,7.96".encode(), "utf-8"),
    ("指标\t数值\r\n收入\t7.96\r\n".encode("utf-16"), "utf-16"),   # Excel's 'Unicode text'
    ("指标\t数值\n收入\t7.96\n".encode(), "utf-8"),
])
def test_csv_encodings_and_tabs(tmp_path: Path, data: bytes, encoding: str) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    sheet = read_sheet(path)
    assert sheet.encoding == encoding
    assert texts(sheet) == [["指标", "数值"], ["收入", "7.96"]]


def test_csv_refs_name_the_line_a_record_starts_on(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text('\n指标,说明,数值\n收入,"两行\n说明, 带逗号",1\n\n支出,,2\n\n\n',
                    encoding="utf-8")
    sheet = read_sheet(path)
    assert texts(sheet) == [["指标", "说明", "数值"], ["收入", "两行\n说明, 带逗号", "1"],
                            ["", "", ""], ["支出", "", "2"]]
    assert sheet.header[0].ref == "A2"
    assert [row[0].ref for row in sheet.rows] == ["A3", "A5", "A6"]
    assert texts(read_sheet(path, cells="B2:C3")) == [["说明", "数值"], ["两行\n说明, 带逗号", "1"]]


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_csv_in_no_known_encoding_names_line_and_byte(tmp_path: Path, encoding: str) -> None:
    # the bad byte is found in either reading: the one that got further is reported
    path = tmp_path / "bad.csv"
    start = "指标,数值\n收入,".encode(encoding)
    path.write_bytes(start + b"\xff\xfe\x80" + b"\n")
    refused(path, "line 2", f"(byte {len(start)})", "CSV UTF-8")


def test_a_csv_with_a_nul_byte_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nul.csv"
    path.write_bytes(b"a,b\n1,\x002\n")
    refused(path, "line 2", "NUL")


def test_a_csv_with_a_field_too_long_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_bytes(b'a,b\n1,"' + b"x" * 200_000 + b'"\n')
    refused(path, "line", "field larger than field limit")


def test_a_csv_of_separators_is_refused_before_it_is_split(tmp_path: Path) -> None:
    path = tmp_path / "commas.csv"
    path.write_bytes(b"a" + b"," * 2_000_000)
    refused(path, "more than 1,000,000 cells")


# --------------------------------------------------------------------------- hostile files


def test_files_that_are_not_spreadsheets_are_refused(tmp_path: Path) -> None:
    refused(tmp_path / "missing.xlsx", "not found")
    (folder := tmp_path / "folder.xlsx").mkdir()
    refused(folder, "folder")
    (old := tmp_path / "old.xls").write_bytes(sheets.OLE2 + bytes(504))
    refused(old, ".xlsx or .csv", "Excel workbook (.xlsx)")
    (text := tmp_path / "text.xlsx").write_text("指标,数值\n", encoding="utf-8")
    refused(text, "not an Excel workbook", "save it again")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_named_pipe_is_refused_not_waited_on(tmp_path: Path) -> None:
    os.mkfifo(pipe := tmp_path / "pipe.csv")
    refused(pipe, "not a regular file")


def test_an_xls_and_a_password_protected_workbook(tmp_path: Path, no_openpyxl: None) -> None:
    (xls := tmp_path / "renamed.xlsx").write_bytes(sheets.OLE2 + bytes(504) + b"Workbook")
    refused(xls, "Excel 97", "save it again as 'Excel Workbook (.xlsx)'")
    (locked := tmp_path / "locked.xlsx").write_bytes(
        sheets.OLE2 + bytes(504) + "EncryptedPackage".encode("utf-16-le"))
    refused(locked, "password-protected", "without a password")


def test_a_truncated_workbook_is_refused(tmp_path: Path, no_openpyxl: None) -> None:
    path = workbook(tmp_path / "whole.xlsx", [["指标", "数值"], ["收入", 1]])
    (cut := tmp_path / "cut.xlsx").write_bytes(path.read_bytes()[:-200])
    refused(cut, "damaged workbook")


def test_a_zip_of_other_things_is_refused(tmp_path: Path) -> None:
    with zipfile.ZipFile(path := tmp_path / "other.xlsx", "w") as archive:
        archive.writestr("hello.txt", "你好")
    refused(path, "cannot be read", "save it again")


def test_a_zip_bomb_is_refused_from_its_ratio(tmp_path: Path, no_openpyxl: None) -> None:
    path = tmp_path / "bomb.xlsx"
    chunk = bytes(MB := 1024 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive, \
            archive.open(SHEET_XML, "w") as member:
        for _ in range(64):
            member.write(chunk)
    assert path.stat().st_size < MB
    refused(path, SHEET_XML, "times larger")


def claim_size(path: Path, member: str, size: int) -> Path:
    """Make the zip directory of `path` say that `member` unpacks to `size` bytes (the
    member itself is left as it is: only the directory is read before openpyxl)."""
    data = bytearray(path.read_bytes())
    entry = data.index(b"PK\x01\x02")
    while True:  # the directory's entries: fixed fields, then name, extra and comment
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, entry + 28)
        if data[entry + 46:entry + 46 + name_length].decode() == member:
            struct.pack_into("<I", data, entry + 24, size)
            path.write_bytes(bytes(data))
            return path
        entry += 46 + name_length + extra_length + comment_length


def test_a_zip_claiming_a_gigabyte_is_refused_from_its_directory(tmp_path: Path,
                                                                 no_openpyxl: None) -> None:
    path = workbook(tmp_path / "claims.xlsx", [["指标"], ["收入"]])
    claim_size(path, SHEET_XML, 1024 ** 3)
    refused(path, "the workbook unpacks to 1,07", "more than the 209,715,200 allowed")


def test_a_part_openpyxl_reads_whole_is_limited(tmp_path: Path, no_openpyxl: None) -> None:
    path = workbook(tmp_path / "styles.xlsx", [["指标"], ["收入"]])
    claim_size(path, "xl/styles.xml", sheets.MAX_PART + 1)
    refused(path, "xl/styles.xml unpacks to", "a workbook of its own")


def test_a_row_of_more_cells_than_excel_has_is_refused(tmp_path: Path) -> None:
    # openpyxl would read such a row whole, however long: the scan before it refuses it
    path = workbook(tmp_path / "row.xlsx", [["指标"], ["收入"]])
    rewrite(path, '<row r="2">', '<row r="2">' + "<c><v>1</v></c>" * 16_385)
    refused(path, "row 2 has more than the 16,384 cells")


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as stream:
        stream.truncate(17 * 1024 * 1024)  # sparse: nothing is written
    refused(path, "more than the 16,777,216 allowed")


def test_entity_expansion_in_a_sheet_is_refused_quickly(tmp_path: Path) -> None:
    path = workbook(tmp_path / "laughs.xlsx", [["指标"], ["laugh"]])
    entities = '<!ENTITY a0 "ha">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    rewrite(path, "<worksheet ", f"<!DOCTYPE worksheet [{entities}]><worksheet ")
    rewrite(path, "<t>laugh</t>", "<t>&a9;</t>")
    started = time.perf_counter()
    refused(path, "cannot be read", "amplification")
    assert time.perf_counter() - started < 2.0


def test_an_external_entity_in_a_sheet_is_not_read(tmp_path: Path) -> None:
    # a workbook must not copy another file of the computer into the brochure
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET", encoding="utf-8")
    path = workbook(tmp_path / "xxe.xlsx", [["指标"], ["laugh"]])
    rewrite(path, "<worksheet ",
            f'<!DOCTYPE worksheet [<!ENTITY x SYSTEM "{secret.as_uri()}">]><worksheet ')
    rewrite(path, "<t>laugh</t>", "<t>&x;</t>")
    error = refused(path, "cannot be read")
    assert "SECRET" not in str(error)


# --------------------------------------------------------------------------- property


CELL_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                    min_size=1, max_size=20).map(str.strip).filter(
                        lambda text: text != "" and text[0] != "=")
"""Texts a cell can hold (one starting with '=' is a formula to openpyxl)."""


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.lists(CELL_TEXT, min_size=3, max_size=3), min_size=1, max_size=8))
def test_any_text_cells_read_back_as_written(tmp_path: Path, cells: list[list[str]]) -> None:
    header = ["指标", "数值", "说明"]
    path = workbook(tmp_path / "p.xlsx", [header, *cells])
    sheet = read_sheet(path)
    assert texts(sheet) == [header, *cells]
    for row in sheet.rows:
        for cell in row:
            assert cell.stored_as_text == looks_like_number(cell.text), cell
