"""Tables with declared columns (issue 14), built and read back: the economy test text (rows
from the content, a 60-row .xlsx and a GB18030 .csv, every number form, a line chart) in both
themes at A4 and A5 with every cell in the PDF and clean reports; numbers kept whole with
their units, aligned on the decimal point, changes coloured by the theme; errors and data
checks naming the file, sheet and cell; the nothing-lost read-back covering spreadsheet cells;
watch mode watching the spreadsheets."""

from __future__ import annotations

import shutil
from pathlib import Path

import pdfplumber
import pytest
from content_factory import document, write
from openpyxl import Workbook

from builder.build import build
from builder.cli.watch import watched_files
from builder.errors import BrochureError
from builder.inspect.layout import analyze_layout, format_report
from builder.inspect.typography import analyze_pdf
from builder.inspect.typography import format_report as typography_report
from builder.inspect.verify import flatten, page_texts
from builder.layout import tables
from builder.rules.check import check_document
from builder.source.content import load_document
from builder.source.model import DataTable
from builder.source.numbers import NUMBER_WITH_UNIT, parse_quantity
from builder.source.texts import texts
from builder.source.theme import load_theme, theme_path

ECONOMY = Path(__file__).parent / "data" / "economy" / "economy.yaml"
THEMES, SIZES = ("default", "newsletter"), ("A4", "A5")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    """build(theme, size) -> the economy text's PDF, each built once for the module."""
    folder = tmp_path_factory.mktemp("economy")
    done: dict[tuple[str, str], Path] = {}

    def make(theme: str = "default", size: str = "A4") -> Path:
        if (theme, size) not in done:
            output = folder / f"{theme}-{size}.pdf"
            build(ECONOMY, output, theme, page_size=size)
            done[(theme, size)] = output
        return done[(theme, size)]

    return make


def tables_of(content: Path) -> list[DataTable]:
    document = load_document(content)
    return [b for part in document.parts for b in part.blocks if isinstance(b, DataTable)]


def test_the_economy_text_reads_its_spreadsheets() -> None:
    free, monthly, regions = tables_of(ECONOMY)
    assert len(monthly.rows) == 60 and len(regions.rows) == 16
    assert monthly.rows[0].cells[0].text == "2018年1月"
    assert monthly.rows[0].cells[1].span.cell == "sheet 月度, B2"
    assert regions.rows[0].cells[2].text == "1,203.5"  # a GB18030 file, detected
    assert regions.rows[0].cells[0].span.place == "地区.csv, A2"
    assert {c.kind for c in free.columns} == {"text", "number", "change"}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("theme", THEMES)
def test_every_cell_is_in_the_pdf_and_the_reports_are_clean(built, theme: str,
                                                            size: str) -> None:
    output = built(theme, size)
    text = "".join(flatten(page) for page in page_texts(output.read_bytes()))
    cells = [t for t in texts(load_document(ECONOMY)) if t.what == "table cell"]
    assert len(cells) > 60 * 3 + 16 * 4
    for cell in cells:
        if cell.owner is not None and cell.value.startswith(("+", "-")):
            continue  # a signed change prints ▲ / ▼ instead of its sign: below
        assert flatten(cell.value) in text, (theme, size, cell.value, cell.span)
    report = analyze_layout(output)
    assert not [f for f in report.findings if f.severity == "error"], format_report(report)
    typography = analyze_pdf(output)
    assert typography.ok, typography_report(typography)


def test_changes_print_arrows_in_the_rise_and_fall_colours(built) -> None:
    theme = load_theme(theme_path("default"))
    rise = tuple(v / 100 for v in theme.colors["rise"])
    fall = tuple(v / 100 for v in theme.colors["fall"])
    seen: dict[str, set] = {"▲": set(), "▼": set()}
    with pdfplumber.open(built()) as pdf:
        for page in pdf.pages:
            for char in page.chars:
                if char["text"] in seen and "Sans" in char["fontname"]:  # not the text
                    seen[char["text"]].add(tuple(round(v, 3) for v in
                                                 char["non_stroking_color"]))
    assert seen["▲"] == {tuple(round(v, 3) for v in rise)}
    assert seen["▼"] == {tuple(round(v, 3) for v in fall)}
    text = "".join(flatten(page) for page in page_texts(built().read_bytes()))
    assert "▲3.0%" in text and "▼1.1%" in text and "▼1.2" in text  # ▼1.2: -1.2 in 地区.csv


def _lines_of(pdf: Path) -> list[tuple[int, float, str]]:
    """(page, baseline, text) of every line of table text (sans) in the PDF."""
    found = []
    with pdfplumber.open(pdf) as opened:
        for number, page in enumerate(opened.pages, start=1):
            rows: dict[tuple[float, float], list[dict]] = {}
            for char in page.chars:
                if "Sans" in char["fontname"]:
                    rows.setdefault((round(char["bottom"]), round(char["size"])), []).append(
                        char)
            for (bottom, _), chars in rows.items():
                chars.sort(key=lambda c: c["x0"])
                found.append((number, bottom, "".join(c["text"] for c in chars)))
    return found


@pytest.mark.parametrize("size", SIZES)
def test_no_number_is_parted_from_its_unit(built, size: str) -> None:
    """Every number with its unit of the free table (90.62亿元, 7平方公里, 6.87亿吨 …) stands
    on one line, in A5's narrow columns too."""
    free = tables_of(ECONOMY)[0]
    pieces = set()
    for row in free.rows:
        for cell in row.cells:
            quantity = parse_quantity(cell.text)
            if quantity is not None and not quantity.upper:  # kept: number, unit, tail
                pieces.add(quantity.number + quantity.unit + quantity.tail)
            else:  # words, a range (it may break at its arrow), several values
                pieces |= {m.group() for side in cell.text.split("→")
                           for m in NUMBER_WITH_UNIT.finditer(side)}
    assert {"90.62亿元", "6.87亿吨", "3.1万亿美元以上", "0.3个百分点", "2%左右"} <= pieces
    pieces = {p for p in pieces if not p.startswith(("+", "-"))}  # printed ▲ ▼ instead
    lines = [text for _, _, text in _lines_of(built("default", size))]
    joined = "".join(lines)
    for piece in pieces:
        assert piece in joined, piece
        assert any(piece in line for line in lines), f"{piece} broken across lines at {size}"


def test_numbers_of_one_unit_align_on_the_decimal_point(tmp_path: Path) -> None:
    content = write(tmp_path, document({"table": "对齐", "columns": [
        "项目", {"header": "金额", "kind": "number", "unit": "亿元"}], "rows": [
        ["甲", "约7.96"], ["乙", "超过121.5"], ["丙", "8"], ["丁", "1,234.25"]]}))
    build(content, tmp_path / "doc.pdf")
    points = []
    with pdfplumber.open(tmp_path / "doc.pdf") as pdf:
        for page in pdf.pages:
            header = [c for c in page.chars if c["text"] == "额"]
            if not header:
                continue
            below = header[0]["bottom"]  # the rows: under the header, above the table's foot
            chars = [c for c in page.chars if below < c["top"] < below + 100
                     and "Sans" in c["fontname"]]
            points += [c["x0"] for c in chars if c["text"] == "."]
            points += [c["x1"] for c in chars if c["text"] == "8"]
    assert len(points) == 4 and max(points) - min(points) < 0.5, points


def test_thousands_are_separated_as_the_theme_says(tmp_path: Path) -> None:
    content = write(tmp_path, document({"table": "分节", "columns": [
        "项目", {"header": "金额", "kind": "number"}], "rows": [
        ["甲", "12345.5万元"], ["乙", "2022"], ["丙", "1,234,567"]]}))
    theme = tmp_path / "comma.yaml"
    theme.write_text("name: comma\nextends: default\ndesign:\n  thousands: comma\n",
                     encoding="utf-8")
    build(content, tmp_path / "comma.pdf", str(theme))
    text = "".join(flatten(p) for p in page_texts((tmp_path / "comma.pdf").read_bytes()))
    assert "12,345.5万元" in text and "2022" in text and "1,234,567" in text
    theme.write_text("name: none\nextends: default\ndesign:\n  thousands: none\n",
                     encoding="utf-8")
    build(content, tmp_path / "none.pdf", str(theme))
    text = "".join(flatten(p) for p in page_texts((tmp_path / "none.pdf").read_bytes()))
    assert "12345.5万元" in text and "1234567" in text
    build(content, tmp_path / "asis.pdf")
    text = "".join(flatten(p) for p in page_texts((tmp_path / "asis.pdf").read_bytes()))
    assert "12345.5万元" in text and "1,234,567" in text


def test_headers_print_as_declared_with_their_unit(built) -> None:
    text = "".join(flatten(page) for page in page_texts(built().read_bytes()))
    assert "零售总额（亿元）" in text and "常住人口（万人）" in text and "说明" in text
    assert "备注" in text  # the xlsx's own 备注 column, declared


def _economy_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "economy"
    shutil.copytree(ECONOMY.parent, folder, ignore=shutil.ignore_patterns("*.py"))
    return folder / ECONOMY.name


def _book(path: Path, rows: list[list[object]], title: str = "半年") -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)


def _sheet_table(tmp_path: Path, rows: list[list[object]], **block) -> Path:
    (tmp_path / "data").mkdir(exist_ok=True)
    _book(tmp_path / "data" / "成绩单.xlsx", rows)
    return write(tmp_path, document({"table": "成绩单", "rows": "data/成绩单.xlsx", **block}))


def test_a_cell_that_is_no_number_is_named_by_file_sheet_and_cell(tmp_path: Path) -> None:
    content = _sheet_table(tmp_path, [["指标", "数值"], ["收入", 7.96], ["支出", 3],
                                      ["投资", "7.96亿"]], columns=[
        "指标", {"header": "数值", "kind": "number", "unit": "亿元"}])
    findings = check_document(load_document(content), ())
    found = [f for f in findings if f.rule == "mixed-units"]
    assert found and found[0].place.endswith("成绩单.xlsx, sheet 半年, B4"), findings
    assert "is in 亿, the column's unit is 亿元" in found[0].message
    with pytest.raises(BrochureError) as caught:
        build(content, tmp_path / "doc.pdf")
    assert "成绩单.xlsx, sheet 半年, B4" in str(caught.value)
    assert not (tmp_path / "doc.pdf").exists()


@pytest.mark.parametrize(("rows", "columns", "rule", "cell"), [
    ([["指标", "数值"], ["收入", "七点九"]], ["指标", {"header": "数值", "kind": "number"}],
     "not-a-number", "B2"),
    ([["指标", "数值"], ["收入", "7.96"], ["支出", 3]],
     ["指标", {"header": "数值", "kind": "number"}], "number-as-text", "B2"),
    ([["指标", "数值"], ["收入", None], ["支出", 3]],
     ["指标", {"header": "数值", "kind": "number", "required": True}], "empty-cell", "B2"),
    ([["指标", "数值", "同比"], ["面积", "7→10", -5]],
     ["指标", {"header": "数值", "kind": "number"}, {"header": "同比", "kind": "change"}],
     "change-sign", "C2"),
    ([["指标", "数值"], ["收入", 7], ["收入", 7]], ["指标", {"header": "数值", "kind": "number"}],
     "duplicate-row", "A3"),
    ([["指标", "数值"], *[[f"项{i}", f"{i}亿元"] for i in range(5)], ["项9", "9万元"]],
     ["指标", {"header": "数值", "kind": "number"}], "mixed-units", "B7"),
])
def test_each_data_check_names_its_cell(tmp_path: Path, rows, columns, rule: str,
                                        cell: str) -> None:
    content = _sheet_table(tmp_path, rows, columns=columns)
    found = [f for f in check_document(load_document(content), ()) if f.rule == rule]
    assert len(found) == 1 and found[0].place.endswith(f"成绩单.xlsx, sheet 半年, {cell}"), found
    assert found[0].format(str(content)).startswith(found[0].place)


def test_checks_in_the_content_name_the_line(tmp_path: Path) -> None:
    content = write(tmp_path, document({"table": "表", "columns": [
        "指标", {"header": "同比", "kind": "change"}], "rows": [["收入", "下降-3"]]}))
    found = [f for f in check_document(load_document(content), ()) if f.rule == "change-sign"]
    assert found and found[0].line > 0 and not found[0].place


@pytest.mark.parametrize(("block", "needle", "message"), [
    ({"columns": ["指标", "数值"], "rows": [["收入"]]}, "- - 收入", "the row has 1 cells for 2"),
    ({"columns": ["指标", {"header": "数值", "kind": "money"}], "rows": [["a", "1"]]}, "money",
     "unknown column kind 'money'"),
    ({"columns": ["指标", "指标"], "rows": [["a", "1"]]}, "- 指标\n    rows",
     "two columns are headed"),
    ({"rows": [["a", "1"]]}, "table:", "needs 'columns'"),
    ({"columns": ["指标"], "rows": "../x.xlsx"}, "../x.xlsx", "leaves the content's folder"),
    ({"columns": ["指标"], "rows": "data/x.txt"}, "data/x.txt", "is not a spreadsheet"),
    ({"columns": ["指标", {"header": "数值", "unit": "亿元"}], "rows": [["a", "1"]]}, "亿元",
     "a text column has no unit"),
])
def test_table_errors_name_the_line(tmp_path: Path, block: dict, needle: str,
                                    message: str) -> None:
    content = write(tmp_path, document({"table": "表", **block}))
    with pytest.raises(BrochureError) as caught:
        load_document(content)
    text = content.read_text(encoding="utf-8")
    line = text[:text.index(needle)].count("\n") + 1
    assert caught.value.line in (line, line - 1) and message in caught.value.message, \
        str(caught.value)


def test_spreadsheet_columns_map_by_header_and_none_is_left_unprinted(tmp_path: Path) -> None:
    rows = [["指标", "数值", "备用"], ["收入", 7.96, "x"]]
    content = _sheet_table(tmp_path, rows, columns=["指标", {"header": "金额", "kind": "number",
                                                             "from": "数值"}])
    with pytest.raises(BrochureError) as caught:
        load_document(content)
    assert "成绩单.xlsx, sheet 半年, C1: column '备用' is read but not printed" in str(
        caught.value) and "ignore: [备用]" in str(caught.value.hint)
    content = _sheet_table(tmp_path, rows, columns=["指标", {"header": "金额", "kind": "number",
                                                             "from": "数额"}], ignore=["备用"])
    with pytest.raises(BrochureError) as caught:
        load_document(content)
    assert "column '数额' is not in the header row" in caught.value.message
    assert "did you mean '数值'" in str(caught.value.hint)
    content = _sheet_table(tmp_path, rows, columns=["指标", {"header": "金额", "kind": "number",
                                                             "from": "数值"}], ignore=["备用"])
    build(content, tmp_path / "doc.pdf")
    text = "".join(flatten(p) for p in page_texts((tmp_path / "doc.pdf").read_bytes()))
    assert "金额" in text and "7.96" in text and "备用" not in text


def test_a_sheet_without_declared_columns_prints_them_all(tmp_path: Path) -> None:
    content = _sheet_table(tmp_path, [["地区", "人口（万人）", "说明"],
                                      ["东湖区", 86.4, "含开发区"], ["西山区", 52.1, ""]])
    table = tables_of(content)[0]
    assert [(c.header, c.kind) for c in table.columns] == [
        ("地区", "free"), ("人口（万人）", "number"), ("说明", "free")]
    build(content, tmp_path / "doc.pdf")


def test_a_spreadsheet_cell_that_does_not_print_fails_the_build(tmp_path: Path,
                                                                 monkeypatch) -> None:
    """Fault injection: the layout drops one cell of the .xlsx; the read-back names it by
    file, sheet and cell, and no PDF is written."""
    content = _economy_copy(tmp_path)
    original = tables.DataTableLayout.cell

    def dropping(self, cell, column):
        if cell.span.cell == "sheet 月度, B31":
            return tables.EMPTY
        return original(self, cell, column)

    monkeypatch.setattr(tables.DataTableLayout, "cell", dropping)
    with pytest.raises(BrochureError) as caught:
        build(content, tmp_path / "doc.pdf")
    assert "(月度.xlsx, sheet 月度, B31) is missing from the PDF" in str(caught.value)
    assert not (tmp_path / "doc.pdf").exists()


def test_watch_mode_watches_the_spreadsheets(tmp_path: Path) -> None:
    content = _economy_copy(tmp_path)
    data = content.parent / "data"
    watched = watched_files(content, None)
    assert (data / "月度.xlsx").resolve() in watched and (data / "地区.csv").resolve() in watched
    (data / "月度.xlsx").write_bytes(b"not a spreadsheet")  # a bad save: still watched
    with pytest.raises(BrochureError):
        load_document(content)
    watched = [p.resolve() for p in watched_files(content, None)]
    assert (data / "月度.xlsx").resolve() in watched
