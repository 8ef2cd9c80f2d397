"""Preflight's press rules (issue 17, item 4): total ink, hairlines, overprint of small black
text, spot colours. Each is broken on purpose in a small PDF drawn with ReportLab's canvas,
and each passes on the default brochure's print file, whose small black text overprints."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pikepdf
import pytest
from conftest import DEFAULT_CONTENT, Built
from PIL import Image
from reportlab.lib.colors import CMYKColor, CMYKColorSep
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from builder.build import build
from builder.engine.private import set_fill_overprint
from builder.inspect.preflight import INK_LIMITS, PreflightReport, preflight
from builder.pdf.printing import REGISTRATION
from builder.pdf.profile import PRINT, SCREEN
from builder.source.theme import MM

PAGE = (216 * MM, 303 * MM)  # A4 with 3 mm bleed, no slug: BleedBox = MediaBox
BLEED_BOX = (0, 0, *PAGE)
TRIM_BOX = (3 * MM, 3 * MM, PAGE[0] - 3 * MM, PAGE[1] - 3 * MM)
NEW_RULES = ("ink-coverage", "hairline", "overprint", "spot-colour")


def drawn(tmp_path: Path, draw: Callable[[Canvas], None], *,
          page: tuple[float, float] = PAGE) -> PreflightReport:
    """Preflight (print) of a one-page PDF that `draw` paints."""
    path = tmp_path / "drawn.pdf"
    canvas = Canvas(str(path), pagesize=page, trimBox=TRIM_BOX, bleedBox=BLEED_BOX,
                    invariant=1)
    canvas.setFont("Helvetica", 10)
    draw(canvas)
    canvas.save()
    return preflight(path, PRINT)


def found(report: PreflightReport, rule: str) -> list[str]:
    return [f"{i.severity}: {i.message}" for i in report.issues if i.rule == rule]


def box(canvas: Canvas, color: object, x: float = 100, y: float = 100) -> None:
    canvas.setFillColor(color)
    canvas.rect(x, y, 100, 100, stroke=0, fill=1)


# ------------------------------------------------------------------------- ink coverage


def test_a_fill_above_the_fogra39_limit_fails_and_one_at_it_passes(tmp_path: Path) -> None:
    assert INK_LIMITS["FOGRA39"] == 330
    over = drawn(tmp_path, lambda c: box(c, CMYKColor(1, 1, 1, 1)))
    assert found(over, "ink-coverage") == [
        "error: total ink 400 % in a fill is above the 330 % the press allows (C+M+Y+K): "
        "use less ink, e.g. rich black for large areas only"]
    assert over.ink == [400.0]
    at_limit = drawn(tmp_path, lambda c: box(c, CMYKColor(0.8, 0.8, 0.7, 1)))
    assert found(at_limit, "ink-coverage") == [] and at_limit.ink == [330.0]


def test_strokes_and_text_count_and_the_ok_line_states_the_maximum(tmp_path: Path) -> None:
    def draw(canvas: Canvas) -> None:
        box(canvas, CMYKColor(0.6, 0.4, 0.4, 1))  # rich black: 240 %
        canvas.setStrokeColor(CMYKColor(1, 1, 0.5, 0.5))
        canvas.line(50, 50, 300, 50)
        canvas.showPage()
        canvas.setFillColor(CMYKColor(0, 1, 1, 0.1))
        canvas.drawString(100, 500, "red text, 210 %")

    report = drawn(tmp_path, draw)
    assert report.ink == [300.0, 210.0]
    assert "  ok       ink-coverage (max 300 % on page 1)" in report.to_text().splitlines()
    assert json.loads(report.to_json())["ink"] == [300.0, 210.0]


def cmyk_image(size: int, patch: int, ink: tuple[int, int, int, int]) -> Image.Image:
    """100 % K with a square patch of other ink in its corner."""
    image = Image.new("CMYK", (size, size), (0, 0, 0, 255))
    image.paste(ink, (0, 0, patch, patch))
    return image


@pytest.mark.parametrize("jpeg", [False, True], ids=["flate", "jpeg"])
def test_an_image_patch_of_400_percent_fails(tmp_path: Path, jpeg: bool) -> None:
    image = cmyk_image(600, 150, (255, 255, 255, 255))
    if jpeg:
        data = io.BytesIO()
        image.save(data, "JPEG", quality=95)  # Adobe CMYK, written with /Decode [1 0 …]
        data.seek(0)
    report = drawn(tmp_path, lambda c: c.drawImage(ImageReader(data if jpeg else image),
                                                   100, 100, 144, 144))
    [error] = found(report, "ink-coverage")
    assert error.startswith("error: total ink ") and " in image " in error
    assert 390 <= report.ink[0] <= 400


def test_a_speck_in_a_large_image_is_tolerated_but_its_ink_is_not_lost(
        tmp_path: Path) -> None:
    """A 2×2 px speck of 400 % in a 1024 px image averages with its 4×4 neighbourhood
    (IMAGE_SAMPLES): under the limit, yet more than the 100 % K around it."""
    image = cmyk_image(1024, 2, (255, 255, 255, 255))
    report = drawn(tmp_path, lambda c: c.drawImage(ImageReader(image), 100, 100, 200, 200))
    assert found(report, "ink-coverage") == []
    assert report.ink[0] == pytest.approx(100 + 300 * 4 / 16, abs=0.5)  # (rounded)


def test_registration_colour_counts_only_inside_the_bleed(tmp_path: Path) -> None:
    slug = 10 * MM
    page = (PAGE[0] + 2 * slug, PAGE[1] + 2 * slug)

    def mark(inside: bool) -> Callable[[Canvas], None]:
        def draw(canvas: Canvas) -> None:
            canvas.setStrokeColor(REGISTRATION)
            canvas.setLineWidth(0.25)
            x = slug + 100 if inside else slug / 2
            canvas.line(x, slug + 50, x, slug + 300)
        return draw

    def on_sheet(draw: Callable[[Canvas], None]) -> PreflightReport:
        path = tmp_path / "sheet.pdf"
        canvas = Canvas(str(path), pagesize=page, invariant=1,
                        bleedBox=(slug, slug, slug + PAGE[0], slug + PAGE[1]),
                        trimBox=(slug + 3 * MM, slug + 3 * MM, slug + PAGE[0] - 3 * MM,
                                 slug + PAGE[1] - 3 * MM))
        draw(canvas)
        canvas.save()
        return preflight(path, PRINT)

    assert on_sheet(mark(inside=False)).ink == [0.0]
    inside = on_sheet(mark(inside=True))
    assert inside.ink == [400.0] and found(inside, "ink-coverage")[0].startswith(
        "error: total ink 400 % in a stroke")


def test_the_screen_profile_has_none_of_the_press_rules(tmp_path: Path) -> None:
    path = tmp_path / "screen.pdf"
    canvas = Canvas(str(path))
    box(canvas, CMYKColor(1, 1, 1, 1))
    canvas.save()
    report = preflight(path, SCREEN)
    assert not set(NEW_RULES) & set(report.checked)
    assert not [i for i in report.issues if i.rule in NEW_RULES]
    assert report.ink == []


# ------------------------------------------------------------------------- hairlines


@pytest.mark.parametrize(("width", "scale", "expected"), [
    (0.1, 1, ["warning: 1 stroke thinner than 0.25 pt (the thinnest 0.10 pt): a press may "
              "not hold it"]),
    (0.5, 0.4, ["warning: 1 stroke thinner than 0.25 pt (the thinnest 0.20 pt): a press may "
                "not hold it"]),  # wide, but drawn scaled down
    (0, 1, ["error: 1 stroke of width 0 (the thinnest line a device can draw, invisible on "
            "a plate): give it 0.25 pt or more"]),
    (0.25, 1, []),  # the marks' crop_mark_width
    (0.2, 2, []),
])
def test_hairlines(tmp_path: Path, width: float, scale: float, expected: list[str]) -> None:
    def draw(canvas: Canvas) -> None:
        canvas.scale(scale, scale)
        canvas.setStrokeColor(CMYKColor(0, 0, 0, 1))
        canvas.setLineWidth(width)
        canvas.line(100, 100, 300, 100)
        canvas.setLineWidth(0)  # a width of 0 for a fill only is no hairline
        box(canvas, CMYKColor(0, 0, 0, 0.5))

    assert found(drawn(tmp_path, draw), "hairline") == expected


# ------------------------------------------------------------------------- overprint


def text(size: float, color: object, overprint: bool | None = None, mask: bool = True,
         scale: float = 1) -> Callable[[Canvas], None]:
    def draw(canvas: Canvas) -> None:
        canvas.scale(scale, scale)
        if overprint is not None:
            set_fill_overprint(canvas, overprint)
        if not mask:
            canvas._setOverprintMask(0)  # noqa: SLF001 (a file made elsewhere)
        canvas.setFillColor(color)
        canvas.setFont("Helvetica", size)
        canvas.drawString(100, 300, "small print")
        canvas.drawString(100, 280, "and more")
    return draw


BLACK, WHITE = CMYKColor(0, 0, 0, 1), CMYKColor(0, 0, 0, 0)


def test_small_black_text_that_knocks_out_is_a_warning(tmp_path: Path) -> None:
    [warning] = found(drawn(tmp_path, text(10, BLACK)), "overprint")
    assert warning == (
        "warning: 2 black text runs under 12 pt knock out (e.g. 10.0 pt in F1 at 35, 106 mm):"
        " set 100 % K text to overprint (/op true, /OPM 1), or a misregistered plate shows a "
        "white edge")
    assert found(drawn(tmp_path, text(20, BLACK, scale=0.5)), "overprint")  # 10 pt drawn
    assert found(drawn(tmp_path, text(10, BLACK, overprint=True, mask=False)), "overprint")


@pytest.mark.parametrize("draw", [
    text(10, BLACK, overprint=True),
    text(12, BLACK),
    text(8, BLACK, scale=2),  # 16 pt drawn
    text(8, CMYKColor(0, 0, 0, 0.9)),  # not 100 % K: a tint would show the paper
    text(8, CMYKColor(0, 1, 1, 0)),
], ids=["overprints", "12pt", "scaled-up", "grey", "red"])
def test_text_that_need_not_overprint_passes(tmp_path: Path,
                                             draw: Callable[[Canvas], None]) -> None:
    assert found(drawn(tmp_path, draw), "overprint") == []


def test_white_that_overprints_is_an_error(tmp_path: Path) -> None:
    def white_on_red(canvas: Canvas) -> None:
        box(canvas, CMYKColor(0, 1, 1, 0), 90, 270)
        text(14, WHITE, overprint=True)(canvas)

    assert found(drawn(tmp_path, white_on_red), "overprint") == [
        "error: 2 paper-coloured (0 0 0 0) paints overprint (text): white that overprints "
        "vanishes on press"]
    assert found(drawn(tmp_path, text(14, WHITE)), "overprint") == []


# ------------------------------------------------------------------------- spot colours


def test_a_spot_colour_is_named_and_the_registration_colour_is_not(tmp_path: Path) -> None:
    def draw(canvas: Canvas) -> None:
        box(canvas, CMYKColorSep(0, 0.8, 0.9, 0, spotName="PANTONE 485 C"))
        canvas.setStrokeColor(REGISTRATION)
        canvas.line(1, 1, 1, 5)

    assert found(drawn(tmp_path, draw), "spot-colour") == [
        "warning: spot colour PANTONE 485 C: a plate of its own: convert to CMYK unless the "
        "shop expects the spot colour"]
    assert found(drawn(tmp_path, lambda c: box(c, CMYKColor(0, 0.8, 0.9, 0))),
                 "spot-colour") == []


# ------------------------------------------------------------------------- the brochure


def test_the_default_print_file_passes_every_press_rule(built: Built) -> None:
    report = preflight(built.pdf, PRINT)
    assert set(NEW_RULES) <= set(report.checked)
    assert [i for i in report.issues if i.rule in NEW_RULES] == []
    assert len(report.ink) == report.pages and 200 <= max(report.ink) <= 330
    assert f"ok       ink-coverage (max {max(report.ink):.0f} % on page" in report.to_text()


def text_runs(pdf: Path, forms_only: bool = False) -> Iterator[tuple]:
    """Each text-showing operator of the file: page, fill (CMYK), whether it overprints
    (/op) and the overprint mode, following q/Q, gs (named in the resources of the stream
    that uses it) and forms."""
    with pikepdf.open(pdf) as document:
        for number, page in enumerate(document.pages, start=1):
            yield from _runs(number, page, page.obj.Resources, ((0, 0, 0, 1), False, 0),
                             forms_only)


def _runs(number: int, stream, resources, state: tuple, forms_only: bool,
          depth: int = 0) -> Iterator[tuple]:
    stack = []
    for operands, operator in pikepdf.parse_content_stream(stream):
        op = str(operator)
        if op == "q":
            stack.append(state)
        elif op == "Q":
            state = stack.pop()
        elif op == "k":
            state = (tuple(float(v) for v in operands), *state[1:])
        elif op == "gs":
            extgstate = resources.ExtGState[operands[0]]
            state = (state[0], bool(extgstate.get("/op", state[1])),
                     int(extgstate.get("/OPM", state[2])))
        elif op in ("Tj", "TJ") and (depth or not forms_only):
            yield number, *state
        elif op == "Do":
            xobject = resources.XObject[operands[0]]
            if xobject.Subtype == "/Form":
                yield from _runs(number, xobject, xobject.get("/Resources", resources), state,
                                 forms_only, depth + 1)


def test_the_print_file_overprints_black_text_and_nothing_else(built: Built) -> None:
    runs = list(text_runs(built.pdf))
    black = [r for r in runs if r[1] == (0, 0, 0, 1)]
    others = [r for r in runs if r[1] != (0, 0, 0, 1)]
    assert len(black) > 500 and len({r[1] for r in others}) >= 3  # white, red, gold, grey
    assert all(r[2] and r[3] == 1 for r in black)
    assert not [r for r in others if r[2]], "white or coloured text overprints"


@pytest.fixture(scope="module")
def magazine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("magazine") / "magazine.pdf"
    build(DEFAULT_CONTENT, output, "magazine", profile="print")
    return output


def test_black_text_in_forms_overprints_too(magazine: Path) -> None:
    """The magazine's running header (8 pt, 100 % K) is drawn in a form after the last page:
    the form's resources carry the graphics states its text names."""
    in_forms = [r for r in text_runs(magazine, forms_only=True) if r[1] == (0, 0, 0, 1)]
    assert len(in_forms) >= 8 and all(r[2] and r[3] == 1 for r in in_forms)
    assert not [i for i in preflight(magazine, PRINT).issues if i.rule in NEW_RULES]


def test_the_screen_file_has_no_overprint(screen: Path) -> None:
    with pikepdf.open(screen) as document:
        states = [state for page in document.pages
                  for state in page.obj.Resources.get("/ExtGState", {}).values()]
        forms = [x for page in document.pages
                 for x in page.obj.Resources.get("/XObject", {}).values()
                 if x.get("/Subtype") == "/Form"]
        states += [state for form in forms
                   for state in form.get("/Resources", {}).get("/ExtGState", {}).values()]
        assert not [s for s in states if "/op" in s or "/OP" in s or "/OPM" in s]
    assert {r[2] for r in text_runs(screen)} == {False}
