"""The press-ready booklet (`brochure impose`): sheet, boxes, bleed, the exact fold, marks,
slug line, metadata, creep, preflight; and the desktop proof (`--proof`)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pikepdf
import pypdfium2
import pytest
from conftest import DEFAULT_CONTENT, Built
from content_factory import document, han, write
from hostile import cli
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from builder.build import build
from builder.errors import BrochureError
from builder.inspect.preflight import preflight
from builder.pdf.impose import Imposed, choose_sheet, creep_shifts, impose, mark_room
from builder.pdf.printing import Marks
from builder.source.theme import MM

A4 = (210 * MM, 297 * MM)
CALIPER = 0.1 * MM
"""The default theme's print.caliper."""
TOLERANCE = 0.01
"""Points: the placement is written with 4 decimals."""


@dataclass(frozen=True)
class Booklet:
    source: Path
    path: Path
    imposed: Imposed


def imposed_to_file(source: Path, folder: Path, **options: object) -> Booklet:
    imposed = impose(source, **options)  # type: ignore[arg-type]
    path = folder / f"{source.stem}-booklet.pdf"
    path.write_bytes(imposed.pdf)
    return Booklet(source, path, imposed)


@pytest.fixture(scope="module")
def a4(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Booklet:
    return imposed_to_file(built.pdf, tmp_path_factory.mktemp("a4"))


@pytest.fixture(scope="module")
def a5(tmp_path_factory: pytest.TempPathFactory) -> Booklet:
    folder = tmp_path_factory.mktemp("a5")
    build(DEFAULT_CONTENT, folder / "a5.pdf", page_size="A5")
    return imposed_to_file(folder / "a5.pdf", folder)


@pytest.fixture(scope="module")
def newsletter(tmp_path_factory: pytest.TempPathFactory) -> Booklet:
    folder = tmp_path_factory.mktemp("newsletter")
    build(DEFAULT_CONTENT, folder / "newsletter.pdf", "newsletter")
    return imposed_to_file(folder / "newsletter.pdf", folder)


@pytest.fixture(scope="module")
def long(tmp_path_factory: pytest.TempPathFactory) -> Booklet:
    """A 48-page saddle-stitched booklet (12 sheets) of text that never repeats."""
    folder = tmp_path_factory.mktemp("long")
    blocks = [{"paragraph": han(300, seed=i) + "。"} for i in range(195)]
    content = write(folder, document(*blocks), "long.yaml")
    build(content, folder / "long.pdf")
    return imposed_to_file(folder / "long.pdf", folder)


def synthetic(path: Path, pages: int = 8, size: tuple[float, float] = (148 * MM, 210 * MM),
              bleed: float = 3 * MM, slug: float = 10 * MM) -> Path:
    """A print-like PDF whose pages are filled edge to edge (trim, bleed and slug) with
    cyan (odd pages) or magenta (even pages), with TrimBox and BleedBox: any ink a page puts
    past the fold, or bleed cut off, shows in a rendering."""
    width, height = size
    canvas = Canvas(str(path), pagesize=(width + 2 * slug, height + 2 * slug), invariant=1)
    for number in range(1, pages + 1):
        canvas.setTrimBox((slug, slug, slug + width, slug + height))
        canvas.setBleedBox((slug - bleed, slug - bleed, slug + width + bleed,
                            slug + height + bleed))
        canvas.setFillColorCMYK(*((1, 0, 0, 0) if number % 2 else (0, 1, 0, 0)))
        canvas.rect(0, 0, width + 2 * slug, height + 2 * slug, stroke=0, fill=1)
        canvas.showPage()
    canvas.save()
    return path


def box(page: pikepdf.Page, name: str) -> tuple[float, ...]:
    return tuple(float(v) for v in page.obj[f"/{name}"])


def placements(page: pikepdf.Page) -> dict[int, tuple[float, float]]:
    """Where each source page (its form /PageN) is drawn: the translation of its matrix."""
    found, matrix = {}, (0.0, 0.0)
    for operands, operator in pikepdf.parse_content_stream(page, "cm Do"):
        if str(operator) == "cm":
            matrix = (float(operands[4]), float(operands[5]))
        elif str(operands[0]).startswith("/Page"):
            found[int(str(operands[0])[5:])] = matrix
    return found


def registration_strokes(page: pikepdf.Page) -> tuple[list[tuple[float, ...]], int, int]:
    """The straight strokes in the registration colour (Separation All) on the sheet side
    itself (not in its pages), the curves among its strokes, and strokes in another colour."""
    spaces = page.obj.Resources.get("/ColorSpace", {})
    registration = {name for name, space in spaces.items()
                    if str(space[0]) == "/Separation" and str(space[1]) == "/All"}
    lines, curves, other, stroke_space, start, end, curved = [], 0, 0, None, None, None, False
    for operands, operator in pikepdf.parse_content_stream(page, "CS m l c S"):
        op = str(operator)
        if op == "CS":
            stroke_space = str(operands[0])
        elif op == "m":
            start, end, curved = tuple(float(v) for v in operands), None, False
        elif op == "l":
            end = tuple(float(v) for v in operands)
        elif op == "c":
            curved = True
        elif op == "S":
            if stroke_space not in registration:
                other += 1
            elif curved:
                curves += 1
            elif start and end:
                lines.append((*start, *end))
    return lines, curves, other


def test_a4_pages_go_on_sra3_with_the_spreads_trim_and_bleed(a4: Booklet) -> None:
    assert a4.imposed.sheet == "SRA3" and a4.imposed.sheet_mm == pytest.approx((450, 320))
    with pikepdf.open(a4.path) as booklet:
        assert len(booklet.pages) == len(a4.imposed.sides) == 6
        for page in booklet.pages:
            assert box(page, "MediaBox") == pytest.approx((0, 0, 450 * MM, 320 * MM), abs=0.01)
            x0, y0, x1, y1 = box(page, "TrimBox")
            assert (x1 - x0, y1 - y0) == pytest.approx((2 * A4[0], A4[1]), abs=0.01)
            assert ((x0 + x1) / 2, (y0 + y1) / 2) == pytest.approx((225 * MM, 160 * MM))
            assert box(page, "BleedBox") == pytest.approx(
                (x0 - 3 * MM, y0 - 3 * MM, x1 + 3 * MM, y1 + 3 * MM), abs=0.01)


def test_a5_pages_go_on_sra3_too_and_larger_ones_on_the_smallest_sheet(
        a5: Booklet, tmp_path: Path) -> None:
    assert a5.imposed.sheet == "SRA3"
    big = synthetic(tmp_path / "big.pdf", 4, (250 * MM, 340 * MM))
    imposed = impose(big)  # 500 + 2 × 10.5 mm wide: no SRA3, no B3; A2 is the smallest
    assert imposed.sheet == "A2" and imposed.sheet_mm == pytest.approx((594, 420))
    with pikepdf.open(io.BytesIO(imposed.pdf)) as booklet:
        assert box(booklet.pages[0], "MediaBox")[2:] == pytest.approx((594 * MM, 420 * MM))
    room = mark_room(3 * MM, Marks())
    assert choose_sheet("auto", (2 * 1000 * MM, 400 * MM))[0] == "2000×400 mm"  # just enough
    assert choose_sheet("B3", (2 * A4[0] + 2 * room, A4[1] + 2 * room))[0] == "B3"


def test_a_sheet_too_small_is_refused_with_the_size_needed(a4: Booklet, tmp_path: Path) -> None:
    with pytest.raises(BrochureError, match=r"SRA4 \(225×320 mm\) is too small.*need 441×318 mm"):
        impose(a4.source, "SRA4")
    outcome = cli("impose", a4.source, "-o", tmp_path / "b.pdf", "--sheet", "A3")
    assert outcome.code != 0 and "need 441×318 mm" in outcome.err
    assert not (tmp_path / "b.pdf").exists()


def test_the_fold_is_exact_and_the_outer_edges_keep_their_bleed(tmp_path: Path) -> None:
    """Rendered: left of the fold only the left page's colour, right of it only the right
    page's (or white beside a blank), also on inner sheets moved by creep (caliper 1 mm);
    the bleed runs 3 mm past the outer trim (moved with the page), and the paper beyond it
    is white."""
    source = synthetic(tmp_path / "colours.pdf", pages=7)  # a blank beside page 2
    imposed = impose(source, caliper=1 * MM)
    assert (2, None) in imposed.sides
    assert imposed.shifts == pytest.approx((0, 1 * MM))
    scale = 4.0
    pdf = pypdfium2.PdfDocument(imposed.pdf)
    try:
        with pikepdf.open(io.BytesIO(imposed.pdf)) as booklet:
            for index, (left, right) in enumerate(imposed.sides):
                x0, y0, x1, y1 = box(booklet.pages[index], "TrimBox")
                image = pdf[index].render(scale=scale).to_pil().convert("RGB")

                def colour(x: float, y: float, image: Image.Image = image) -> str:
                    r, g, b = image.getpixel((round(x * scale), round(image.height - y * scale)))
                    if min(r, g, b) > 240:
                        return "white"
                    return "cyan" if r < 100 and g > 130 else "magenta" if g < 100 else "?"

                def page_colour(number: int | None) -> str:
                    return "white" if number is None else "cyan" if number % 2 else "magenta"

                fold = (x0 + x1) / 2
                for y in (y0 + 1, (y0 + y1) / 2, y1 - 1, y0 - 2 * MM, y1 + 2 * MM):
                    assert colour(fold - 1, y) == page_colour(left), (index, y)
                    assert colour(fold + 1, y) == page_colour(right), (index, y)
                # an inner sheet's pages moved by creep take their outer bleed along: the
                # knife cuts them that much nearer the fold, as they stick out of the book
                shift = imposed.shifts[index // 2]
                for x, number in ((x0 + shift - 2.5 * MM, left), (x1 - shift + 2.5 * MM, right)):
                    assert colour(x, (y0 + y1) / 2) == page_colour(number)  # bleed, outside
                for y in (y0 - 2.5 * MM, y1 + 2.5 * MM):  # bleed, top and bottom
                    assert colour(x0 + 20 * MM, y) == page_colour(left)
                    assert colour(x1 - 20 * MM, y) == page_colour(right)
                for x, y in ((x0 - 4 * MM, (y0 + y1) / 2 + 20 * MM), (x1 + 4 * MM, y0 + 20 * MM),
                             (x0 + 20 * MM, y0 - 3.6 * MM), (x1 - 60 * MM, y1 + 3.6 * MM)):
                    assert colour(x, y) == "white", (index, x, y)  # the slug stays clear
    finally:
        pdf.close()


def test_marks_per_sheet_side_in_the_registration_colour(a4: Booklet) -> None:
    offset, length = 3 * MM, 5 * MM
    with pikepdf.open(a4.path) as booklet:
        for page in booklet.pages:
            x0, y0, x1, y1 = box(page, "TrimBox")
            fold = (x0 + x1) / 2
            lines, circles, other = registration_strokes(page)
            # registration targets above and below each page and beside the sheet
            assert other == 0 and circles == 6
            crop = {(x + dx * offset, y, x + dx * (offset + length), y)
                    for x, y, dx in ((x0, y0, -1), (x1, y0, 1), (x0, y1, -1), (x1, y1, 1))} | {
                    (x, y + dy * offset, x, y + dy * (offset + length))
                    for x, y, dy in ((x0, y0, -1), (x1, y0, -1), (x0, y1, 1), (x1, y1, 1))}
            for mark in crop:
                assert any(line == pytest.approx(mark, abs=0.01) for line in lines), mark
            folds = [line for line in lines if abs(line[0] - fold) < 0.01
                     and abs(line[2] - fold) < 0.01]
            assert len(folds) == 2  # top and bottom, outside the bleed
            for line in folds:
                ends = (line[1], line[3])
                assert all(y < y0 for y in ends) or all(y > y1 for y in ends)
                gap = min(abs(y - edge) for y in ends for edge in (y0, y1))
                assert gap == pytest.approx(3 * MM, abs=0.01)
            assert len(lines) == 8 + 2 + 2 * 6  # crop, fold, the targets' crosses
            crosses = [line for line in lines if line[1] == line[3]
                       and line not in crop and abs(line[2] - line[0]) < length + 0.01]
            assert all(max(line[0], line[2]) < fold - 1 or min(line[0], line[2]) > fold + 1
                       for line in crosses)  # no target on the fold mark


def test_each_sheet_side_has_a_slug_line_in_black_only(a4: Booklet) -> None:
    below_bleed = ((320 - 297) / 2 - 3) * MM  # from the sheet's bottom edge
    with pdfplumber.open(a4.path) as pdf:
        for index, page in enumerate(pdf.pages):
            slug = [c for c in page.chars if c["top"] > page.height - 10 * MM]
            text = "".join(c["text"] for c in slug)
            side = ("front", "back")[index % 2]
            assert text.replace(" ", "") == f"{a4.source.name}sheet{index // 2 + 1}/3{side}", text
            assert all(tuple(c["non_stroking_color"]) == (0, 0, 0, 1) for c in slug)
            assert all(page.height - c["top"] < below_bleed for c in slug)


def test_the_booklet_carries_the_sources_output_intent_and_metadata(a4: Booklet) -> None:
    with pikepdf.open(a4.source) as source, pikepdf.open(a4.path) as booklet:
        assert booklet.pdf_version == "1.6"
        intent, original = booklet.Root.OutputIntents[0], source.Root.OutputIntents[0]
        assert str(intent.OutputConditionIdentifier) == "FOGRA39"
        assert intent.DestOutputProfile.read_bytes() == original.DestOutputProfile.read_bytes()
        info = booklet.trailer.Info
        assert str(info.GTS_PDFXVersion) == "PDF/X-4" and str(info.Trapped) == "/False"
        for key in ("/Title", "/Author", "/CreationDate", "/ModDate"):
            assert str(info[key]) == str(source.trailer.Info[key])
        with booklet.open_metadata() as xmp:
            assert xmp["{https://brochure.invalid/ns/1.0/}kind"] == "booklet"
            assert xmp["pdfxid:GTS_PDFXVersion"] == "PDF/X-4"
            assert xmp["dc:title"] == str(source.trailer.Info.Title)
        with source.open_metadata() as xmp:
            source_id = xmp["xmpMM:DocumentID"]
        with booklet.open_metadata() as xmp:
            assert xmp["xmpMM:DocumentID"] != source_id


@pytest.mark.parametrize("name", ["a4", "a5", "newsletter"])
def test_preflight_passes_the_booklet(name: str, request: pytest.FixtureRequest) -> None:
    booklet: Booklet = request.getfixturevalue(name)
    report = preflight(booklet.path)
    assert not report.errors and not report.issues, report.to_text()
    assert report.kind == "booklet"
    assert {"boxes", "bleed", "output-intent", "safety", "rgb"} <= set(report.checked)


def test_a_source_without_an_output_intent_gives_a_booklet_that_fails_preflight(
        tmp_path: Path) -> None:
    booklet = imposed_to_file(synthetic(tmp_path / "plain.pdf"), tmp_path)
    assert booklet.imposed.notes and "output intent" in booklet.imposed.notes[0]
    report = preflight(booklet.path)
    # (ReportLab's pages name its Helvetica, not embedded, even without text)
    assert {i.rule for i in report.errors} - {"font-embedded"} == {"output-intent"}, \
        report.to_text()


def test_slug_text_is_left_out_of_the_safety_rule_but_text_in_the_bleed_is_not(
        tmp_path: Path) -> None:
    path = tmp_path / "bleed-text.pdf"
    canvas = Canvas(str(path), pagesize=(200, 300))
    canvas.setTrimBox((25, 25, 175, 275))
    canvas.setBleedBox((15, 15, 185, 285))
    canvas.setFont("Helvetica", 8)
    canvas.drawString(40, 17, "BLEED")  # between the trim and the bleed edge
    canvas.drawString(40, 1, "SLUG")    # wholly outside the BleedBox
    canvas.showPage()
    canvas.save()
    safety = [i for i in preflight(path).errors if i.rule == "safety"]
    assert len(safety) == 1 and "5 characters" in safety[0].message
    assert "BLEED" in safety[0].message and "SLUG" not in safety[0].message


def test_creep_moves_each_sheets_pages_towards_the_fold(long: Booklet) -> None:
    """Measured from the placement matrices: the pages of sheet k (0 the outermost) sit
    k × caliper closer to the fold, and each page's clip ends at the fold."""
    imposed = long.imposed
    assert imposed.pages + imposed.blanks == 48 and len(imposed.sides) == 24
    expected = [k * CALIPER for k in range(12)]
    assert imposed.shifts == pytest.approx(expected)
    measured: list[list[float]] = [[] for _ in range(12)]
    with pikepdf.open(long.source) as source, pikepdf.open(long.path) as booklet:
        for index, (page, numbers) in enumerate(zip(booklet.pages, imposed.sides,
                                                    strict=True)):
            x0, _, x1, _ = box(page, "TrimBox")
            fold = (x0 + x1) / 2
            placed = placements(page)
            forms = page.obj.Resources.XObject
            for half, number in enumerate(numbers):
                assert number is not None
                trim = [float(v) for v in source.pages[number - 1].obj.TrimBox]
                dx = placed[number][0]
                shift = fold - (trim[0] + dx) if half else trim[2] + dx - fold
                measured[index // 2].append(shift)
                clip = [float(v) for v in forms[f"/Page{number}"].BBox]
                assert (clip[0] if half else clip[2]) + dx == pytest.approx(fold, abs=TOLERANCE)
    for sheet, shifts in enumerate(measured):
        assert len(shifts) == 4  # two pages on each side
        assert shifts == pytest.approx([expected[sheet]] * 4, abs=TOLERANCE), sheet
    assert measured[-1][0] == pytest.approx(1.1 * MM, abs=TOLERANCE)


def test_creep_0_places_every_page_at_the_fold(long: Booklet) -> None:
    flat = impose(long.source, caliper=0)
    assert flat.shifts == (0,) * 12 and flat.pdf != long.imposed.pdf
    assert creep_shifts(3, 0.2 * MM) == pytest.approx((0, 0.2 * MM, 0.4 * MM))
    with pikepdf.open(io.BytesIO(flat.pdf)) as booklet, pikepdf.open(long.source) as source:
        page = booklet.pages[11]  # the innermost sheet's front
        left, right = flat.sides[11]
        assert left is not None and right is not None
        fold = sum(box(page, "TrimBox")[::2]) / 2
        placed = placements(page)
        assert float(source.pages[left - 1].obj.TrimBox[2]) + placed[left][0] == \
            pytest.approx(fold, abs=TOLERANCE)
        assert float(source.pages[right - 1].obj.TrimBox[0]) + placed[right][0] == \
            pytest.approx(fold, abs=TOLERANCE)


def test_the_booklet_is_reproducible(long: Booklet, a4: Booklet) -> None:
    assert impose(long.source).pdf == long.imposed.pdf
    other = impose(a4.source, caliper=0.2 * MM)
    with pikepdf.open(io.BytesIO(other.pdf)) as one, pikepdf.open(a4.path) as two:
        with one.open_metadata() as xmp:
            first = xmp["xmpMM:DocumentID"]
        with two.open_metadata() as xmp:
            assert xmp["xmpMM:DocumentID"] != first  # another booklet, another ID


def test_proof_is_the_old_desktop_sheet(a4: Booklet, tmp_path: Path) -> None:
    proof = impose(a4.source, proof=True)
    assert proof.proof and proof.sheet_mm == pytest.approx((420, 297), abs=0.1)
    with pikepdf.open(io.BytesIO(proof.pdf)) as booklet:
        page = booklet.pages[0]
        assert box(page, "MediaBox") == pytest.approx((0, 0, 2 * A4[0], A4[1]), abs=0.1)
        assert "/TrimBox" not in page.obj and "/OutputIntents" not in booklet.Root
        assert registration_strokes(page)[0] == []  # no marks
    outcome = cli("impose", a4.source, "-o", tmp_path / "proof.pdf", "--proof")
    assert outcome.code == 0 and "(proof)" in outcome.out
    assert (tmp_path / "proof.pdf").read_bytes() == proof.pdf
    report = preflight(tmp_path / "proof.pdf")
    assert {"boxes", "output-intent"} <= {i.rule for i in report.errors}


def test_only_the_pages_of_a_saddle_stitched_book_are_imposed(a4: Booklet,
                                                              tmp_path: Path) -> None:
    """A booklet, a cover spread and a perfect-bound book's pages are refused, saying what
    the file is and what to send instead (their XMP says what they are)."""
    theme = tmp_path / "glued.yaml"
    theme.write_text("name: glued\nextends: default\nprint:\n  binding: perfect\n",
                     encoding="utf-8")
    glued = build(DEFAULT_CONTENT, tmp_path / "glued.pdf", str(theme), page_size="A5")
    assert glued.cover is not None
    for path, said in ((a4.path, "a booklet's sheets already"),
                       (glued.cover, "cover spread"), (glued.output, "perfect-bound")):
        with pytest.raises(BrochureError, match=said) as caught:
            impose(path)
        assert caught.value.path == path and caught.value.hint
