"""The tagged PDF (issue 16), read with tools independent of the build: poppler's
`pdfinfo -struct-text` and pikepdf. Every build is tagged: the structure tree holds every
paragraph of the content in order, no running head or folio; every page's content is marked
(text as structure, the rest as artifacts), its MCIDs reachable from the ParentTree.

PDF/UA-1 (ISO 14289-1) requirements checked here, by the Matterhorn Protocol's failure
conditions where its numbers were confirmed: 01-003 (artifact inside tagged content) and
01-004 (tagged content inside an artifact), 01-005 (content neither artifact nor tagged),
06-001 (no XMP metadata stream), with the PDF/UA identification (pdfuaid:part 1) and dc:title
in it; and, cited by what they require: MarkInfo /Marked true, the document /Lang,
ViewerPreferences /DisplayDocTitle, /Tabs /S on every page, every MCID reachable through the
ParentTree, each StructElem's /P, TH with /Scope, Figure with /Alt. Not checked: headings in
sequence, Link annotations (the screen contents' links are not yet tagged), /Lang of spans
in another language. No validator (veraPDF, PAC) was available: conformance is not claimed."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
from conftest import DEFAULT_CONTENT, ROOT
from pikepdf import Array, Dictionary

from builder.build import build
from builder.source.content import load_document
from builder.source.model import Paragraph, Quote

PAINTING = {"Tj", "TJ", "'", '"', "Do", "f", "F", "f*", "S", "s", "B", "B*", "b", "b*", "sh",
            "BI"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str, str], Path]:
    folder = tmp_path_factory.mktemp("tagged")
    found = {}
    for theme, size, profile in (("default", "A4", "screen"), ("default", "A5", "print"),
                                 ("newsletter", "A4", "screen"), ("second", "A5", "print")):
        path = folder / f"{theme}-{size}-{profile}.pdf"
        if theme == "second":
            build(ROOT / "tests" / "data" / "second-text.yaml", path, "newsletter",
                  profile=profile, page_size=size)
        else:
            build(DEFAULT_CONTENT, path, theme, profile=profile, page_size=size)
        found[(theme, size, profile)] = path
    return found


def struct_text(path: Path) -> list[str]:
    """The texts of the structure tree as poppler prints them, in tree order."""
    out = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True,
                         text=True, check=True).stdout
    return [match.group(1) for match in re.finditer(r'^\s*"(.*)"\s*$', out, re.MULTILINE)]


def content_paragraphs() -> list[str]:
    document = load_document(DEFAULT_CONTENT)
    texts = []
    for part in document.parts:
        for block in part.blocks:
            if isinstance(block, Paragraph):
                texts.append(block.text.replace("**", ""))
            elif isinstance(block, Quote):
                texts.append(block.text)
    return texts


needs_poppler = pytest.mark.skipif(shutil.which("pdfinfo") is None,
                                   reason="poppler-utils (pdfinfo) not installed")


@needs_poppler
@pytest.mark.parametrize("key", [("default", "A4", "screen"), ("default", "A5", "print"),
                                 ("newsletter", "A4", "screen")])
def test_the_structure_tree_holds_the_article_in_order(built: dict, key: tuple) -> None:
    """Every paragraph and quote of the content, whole (its pieces on two pages or columns
    joined), in the content's order; two columns read column by column."""
    texts = struct_text(built[key])
    joined = "".join(texts)
    position = 0
    for paragraph in content_paragraphs():
        start = joined.find(paragraph[:40], position)
        assert start >= 0, f"missing or out of order: {paragraph[:40]}"
        assert joined.startswith(paragraph.rstrip("…"), start) or paragraph in joined
        position = start + 1


@needs_poppler
def test_running_heads_and_folios_are_not_in_the_tree(built: dict) -> None:
    """The newsletter's folio (第 N 页 / 共 M 页) and the running heads are artifacts."""
    texts = struct_text(built[("newsletter", "A4", "screen")])
    assert not any(re.search(r"第 \d+ 页", text) for text in texts)
    with pikepdf.open(built[("newsletter", "A4", "screen")]) as pdf:
        pages = len(pdf.pages)
    document = load_document(DEFAULT_CONTENT)
    title = document.meta.title
    # the title is in the tree once on the cover and once on the back cover, not per page
    assert sum(text.startswith(title[:3]) for text in texts) < pages


@pytest.mark.parametrize("key", [("default", "A4", "screen"), ("default", "A5", "print"),
                                 ("newsletter", "A4", "screen"), ("second", "A5", "print")])
def test_every_page_is_marked_and_reachable_from_the_parent_tree(built: dict,
                                                                 key: tuple) -> None:
    """MarkInfo, /Lang, DisplayDocTitle; per page /Tabs /S, balanced marked content, nothing
    painted outside it, no marked content nested in other, MCIDs 0..n-1, each owned by the
    element the ParentTree names for it; every element's /P is its parent."""
    with pikepdf.open(built[key]) as pdf:
        root = pdf.Root
        assert root.MarkInfo.Marked is True
        assert str(root.Lang) == "zh-CN"
        assert root.ViewerPreferences.DisplayDocTitle is True
        tree = root.StructTreeRoot
        pages = list(pdf.pages)
        index = {page.obj.objgen: number for number, page in enumerate(pages)}
        owned: dict[tuple[int, int], tuple[int, int]] = {}
        kinds: list[str] = []

        def walk(element: Dictionary, parent: Dictionary) -> None:
            assert element.P.objgen == parent.objgen, f"bad /P on {element.S}"
            kinds.append(str(element.S))
            kids = element.get("/K")
            for kid in (list(kids) if isinstance(kids, Array) else [kids]) if kids is not None \
                    else []:
                if isinstance(kid, int):
                    owned[(index[element.Pg.objgen], int(kid))] = element.objgen
                elif isinstance(kid, Dictionary) and kid.get("/Type") == "/MCR":
                    owned[(index[kid.Pg.objgen], int(kid.MCID))] = element.objgen
                elif isinstance(kid, Dictionary) and kid.get("/Type") != "/OBJR":
                    walk(kid, element)

        walk(tree.K, tree)
        assert kinds[0] == "/Document" and "/Sect" in kinds and "/P" in kinds
        numbers = list(tree.ParentTree.Nums)
        parent_tree = {int(numbers[i]): numbers[i + 1] for i in range(0, len(numbers), 2)}
        assert int(tree.ParentTreeNextKey) > max(parent_tree)
        for number, page in enumerate(pages):
            assert page.obj.Tabs == "/S"
            depth, untagged, nested, mcids = 0, 0, 0, []
            for operands, operator in pikepdf.parse_content_stream(page):
                name = str(operator)
                if name in ("BDC", "BMC"):
                    nested += depth > 0
                    depth += 1
                    if name == "BDC" and isinstance(operands[1], Dictionary) \
                            and "/MCID" in operands[1]:
                        mcids.append(int(operands[1].MCID))
                elif name == "EMC":
                    depth -= 1
                elif name in PAINTING and depth == 0:
                    untagged += 1
            assert depth == 0 and untagged == 0 and nested == 0, (number, untagged, nested)
            assert mcids == list(range(len(mcids)))
            entry = list(parent_tree[int(page.obj.StructParents)])
            assert len(entry) == len(mcids)
            for mcid, element in enumerate(entry):
                assert owned[(number, mcid)] == element.objgen, (number, mcid)


def test_a_paragraph_across_two_pages_is_one_element(built: dict) -> None:
    """The second text's paragraphs cross pages in A5 (two columns): one P holds marked
    content on both (an MCR to the second page)."""
    with pikepdf.open(built[("second", "A5", "print")]) as pdf:
        split = [element for element in elements(pdf.Root.StructTreeRoot.K)
                 if element.get("/S") == "/P" and isinstance(element.get("/K"), Array)
                 and any(isinstance(kid, Dictionary) and kid.get("/Type") == "/MCR"
                         for kid in element.K)]
    assert len(split) >= 1


@needs_poppler
def test_tables_are_rows_of_cells_with_column_headers(built: dict) -> None:
    """A scorecard is a Table: its header row of TH (Scope Column) once, though the table
    continues on another page, and a TR of cells per row."""
    out = subprocess.run(["pdfinfo", "-struct-text", str(built[("default", "A5", "print")])],
                         capture_output=True, text=True, check=True).stdout
    tables = out.count("Table (block)")
    assert tables == 3
    document = load_document(DEFAULT_CONTENT)
    rows = sum(len(block.rows) for part in document.parts for block in part.blocks
               if type(block).__name__ == "Scorecard")
    assert out.count("\n        TR") + out.count("\n      TR") >= rows
    for table in out.split("Table (block)")[1:]:
        head = table.split("TBody")[0]
        header = re.findall(r"TH:\s*\n\s*/Scope /Column\s*\n\s*\"(.*)\"", head)
        assert header[0] == "指标" and "数值" in header
        assert len(header) == len(set(header))  # not repeated on a continued table


def elements(element: Dictionary) -> Iterator[Dictionary]:
    """A structure element and every element under it, in tree order."""
    yield element
    kids = element.get("/K")
    for kid in (list(kids) if isinstance(kids, Array) else [kids]) if kids is not None else []:
        if isinstance(kid, Dictionary) and kid.get("/Type") == "/StructElem":
            yield from elements(kid)


def _figures(path: Path) -> list[str]:
    with pikepdf.open(path) as pdf:
        return [str(element.get("/Alt", "")) for element in elements(pdf.Root.StructTreeRoot.K)
                if element.get("/S") == "/Figure"]


def test_charts_are_figures_read_from_their_data(built: dict) -> None:
    """The scorecard's change bars are a Figure whose alternate text is its title and every
    bar's label and value, as the table prints them."""
    alts = _figures(built[("default", "A4", "screen")])
    assert alts, "no Figure in the tree"
    chart = next(alt for alt in alts if alt.startswith("半年成绩单"))
    assert "一般公共预算收入 ▲10.1%" in chart and chart.endswith("。")


def test_a_picture_is_a_figure_with_its_alt_text_and_check_warns_without(
        tmp_path: Path) -> None:
    """A figure's `alt:` is its Figure's /Alt; without it the caption stands in, and
    `brochure check` warns (missing-alt)."""
    from builder.rules.check import check_document

    def check(document: object) -> list:
        return check_document(document, ())  # type: ignore[arg-type]

    content = ROOT / "tests" / "data" / "magazine" / "magazine.yaml"
    output = tmp_path / "mag.pdf"
    build(content, output, "magazine", profile="screen")
    alts = _figures(output)
    assert any(alt.startswith("生成的示意照片") for alt in alts)
    document = load_document(content)
    assert not [f for f in check(document) if f.rule == "missing-alt"]
    text = content.read_text(encoding="utf-8").replace(
        "        alt: 生成的示意照片：绿色的田野向远处的山丘延伸，天空由蓝渐黄\n", "")
    (tmp_path / "photos").mkdir()
    for photo in (content.parent / "photos").iterdir():
        (tmp_path / "photos" / photo.name).write_bytes(photo.read_bytes())
    bare = tmp_path / "bare.yaml"
    bare.write_text(text, encoding="utf-8")
    findings = [f for f in check(load_document(bare)) if f.rule == "missing-alt"]
    assert len(findings) == 1 and findings[0].severity == "warning" and findings[0].line
    build(bare, tmp_path / "bare.pdf", "magazine", profile="screen")
    assert "城乡之间，一座新桥连起两岸" in _figures(tmp_path / "bare.pdf")


def test_the_screen_file_identifies_itself_as_pdf_ua(built: dict) -> None:
    """The screen edition's XMP carries pdfuaid:part 1 and the title; the print file keeps
    its PDF/X identification and claims no PDF/UA."""
    with pikepdf.open(built[("default", "A4", "screen")]) as pdf, pdf.open_metadata() as xmp:
        assert xmp.get("pdfuaid:part") == "1"
        assert xmp.get("dc:title") == load_document(DEFAULT_CONTENT).meta.title
    with pikepdf.open(built[("default", "A5", "print")]) as pdf, pdf.open_metadata() as xmp:
        assert xmp.get("pdfuaid:part") is None and xmp.get("pdfxid:GTS_PDFXVersion")


def test_the_contents_links_are_tagged_links_with_their_titles(built: dict) -> None:
    """Screen contents: each entry's link annotation has its title as /Contents and a
    /StructParent whose ParentTree entry is the Link element holding the title's marked
    content and an OBJR to the annotation; the page number is a Reference."""
    with pikepdf.open(built[("default", "A4", "screen")]) as pdf:
        tree = pdf.Root.StructTreeRoot
        numbers = list(tree.ParentTree.Nums)
        parent_tree = {int(numbers[i]): numbers[i + 1] for i in range(0, len(numbers), 2)}
        titles = [part.title for part in load_document(DEFAULT_CONTENT).parts]
        links = [annotation for page in pdf.pages for annotation in page.get("/Annots", [])
                 if annotation.get("/Subtype") == "/Link"]
        assert len(links) == len(titles)
        for annotation, title in zip(links, titles, strict=True):
            assert str(annotation.Contents) == title
            element = parent_tree[int(annotation.StructParent)]
            assert element.S == "/Link" and element.P.S == "/TOCI"
            kids = list(element.K) if isinstance(element.K, Array) else [element.K]
            assert any(isinstance(kid, Dictionary) and kid.get("/Type") == "/OBJR"
                       and kid.Obj.objgen == annotation.objgen for kid in kids)
            assert any(isinstance(kid, int) for kid in kids)
        assert int(tree.ParentTreeNextKey) == len(pdf.pages) + len(links)
    out = subprocess.run(["pdfinfo", "-struct-text", str(built[("default", "A4", "screen")])],
                         capture_output=True, text=True, check=True).stdout
    assert out.count("Reference (inline)") == len(titles)


def test_a_block_in_another_language_carries_its_lang(tmp_path: Path) -> None:
    """`lang: en` on a quote: its element has /Lang en; the document stays zh-CN; a tag that
    is no language tag is refused at its line."""
    from content_factory import document, write

    from builder.errors import BrochureError

    content = write(tmp_path, document(
        {"paragraph": "正文一段。"},
        {"quote": "Clear is kind, unclear is unkind.", "source": "Brené Brown", "lang": "en"}))
    output = tmp_path / "lang.pdf"
    build(content, output, profile="screen")
    with pikepdf.open(output) as pdf:
        assert str(pdf.Root.Lang) == "zh-CN"
        langs = [(str(element.S), str(element.Lang))
                 for element in elements(pdf.Root.StructTreeRoot.K) if "/Lang" in element]
    assert ("/BlockQuote", "en") in langs and {lang for _, lang in langs} == {"en"}
    assert len(langs) == 2  # the quote and its source line; the Chinese paragraph has none
    bad = write(tmp_path, document({"paragraph": "Text.", "lang": "english!"}), "bad.yaml")
    with pytest.raises(BrochureError) as caught:
        load_document(bad)
    assert caught.value.line and "language tag" in caught.value.message
