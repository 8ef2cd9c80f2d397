"""builder/engine/private.py against the installed ReportLab: every private name listed in
`private.RELIANCES` is still there and of the kind expected, each function does what the
code uses it for, and no other module of builder/ touches a private name."""

from __future__ import annotations

import ast
import functools
import importlib
import io
import re
from pathlib import Path

import pikepdf
import pytest
from reportlab import Version
from reportlab.lib.colors import CMYKColor, CMYKColorSep
from reportlab.lib.rl_accel import escapePDF
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDocument, PDFInfo, PDFName, PDFString
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from builder.engine import private
from builder.engine.platypus import Drawing, Rect, renderPDF

ROOT = Path(__file__).resolve().parent.parent
FONT = ROOT / "fonts" / "NotoSansSC-Regular.ttf"
FONT_NAME = "brochure-test-private"
HERE = "builder/engine/private.py"


def resolve(owner: str) -> object:
    """The module or class named by a dotted path."""
    parts = owner.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            target = getattr(target, name)
        return target
    raise ImportError(owner)


@functools.cache
def parsed_font() -> TTFont:
    return TTFont(FONT_NAME, str(FONT))


@functools.cache
def samples() -> dict[str, object]:
    """An instance of each class whose instances' attributes private.py relies on; a font
    made again from its kept state stands for TTFont and TTFontFace too."""
    restored = private.font_from_state(private.parsed_font_state(parsed_font()),
                                       FONT.read_bytes())
    from reportlab.platypus.frames import Frame
    return {private.CANVAS: Canvas(io.BytesIO()), private.DOCUMENT: PDFDocument(),
            private.FRAME: Frame(0, 0, 100, 100),
            private.FONT: (parsed_font(), restored),
            private.FACE: (parsed_font().face, restored.face)}


@pytest.mark.parametrize("reliance", private.RELIANCES, ids=lambda r: r.qualified)
def test_reportlab_still_has_every_name_private_py_relies_on(
        reliance: private.Reliance) -> None:
    where = f"ReportLab {Version}: {reliance.qualified}, which {HERE} relies on,"
    try:
        owner = resolve(reliance.owner)
    except (ImportError, AttributeError):
        pytest.fail(f"{where} is gone: there is no {reliance.owner}")
    if reliance.instance:
        assert reliance.owner in samples(), f"add a sample {reliance.owner} to this test"
        sample = samples()[reliance.owner]
        targets = sample if isinstance(sample, tuple) else (sample,)
        assert isinstance(owner, type) and all(isinstance(t, owner) for t in targets)
    else:
        targets = (owner,)
    for target in targets:
        if not hasattr(target, reliance.name):
            if not reliance.required:
                pytest.skip(f"{reliance.qualified} is not there (optional)")
            pytest.fail(f"{where} is gone")
        value = getattr(target, reliance.name)
        assert isinstance(value, reliance.kind), \
            f"{where} is now a {type(value).__name__}, not {reliance.kind}"


def test_no_module_but_private_py_touches_a_private_name() -> None:
    """Attributes starting with `_` (but Python's own dunders) of anything but self and cls,
    and the undocumented names private.py wraps, appear in no other module of builder/."""
    python = {"__init__", "__name__", "__mro__", "__new__", "__setattr__", "__slots__",
              "os._exit"}
    wrapped = {"STATE_DEFAULTS", "standardFonts", "charToGlyph", "uri_pat"}
    found = []
    for path in sorted((ROOT / "builder").rglob("*.py")):
        if path.relative_to(ROOT).as_posix() == HERE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute):
                text, name = ast.unparse(node), node.attr
                owner = node.value.id if isinstance(node.value, ast.Name) else ""
                if (name.startswith("_") and owner not in ("self", "cls")
                        and name not in python and text not in python) or name in wrapped:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text}")
            elif isinstance(node, ast.Name) and node.id in wrapped:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.id}")
    assert not found, f"private names outside {HERE}: " + ", ".join(found)


# --------------------------------------------------------------------------- behaviour


def pdf_of(canvas: Canvas, buffer: io.BytesIO) -> pikepdf.Pdf:
    canvas.save()
    return pikepdf.open(io.BytesIO(buffer.getvalue()))


def test_subset_glyph_is_where_drawstring_puts_the_character() -> None:
    pdfmetrics.registerFont(parsed_font())
    canvas = Canvas(io.BytesIO())
    subset, code = private.subset_glyph(canvas, FONT_NAME, "咸")
    canvas.setFont(FONT_NAME, 12)
    canvas.drawString(0, 0, "咸")
    drawn = canvas.getCurrentPageContent()
    assert f"{subset} 12 Tf" in drawn and f"({escapePDF(code)}) Tj" in drawn


def test_form_resources_name_the_forms_separation() -> None:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.beginForm("marks")
    canvas.setStrokeColor(CMYKColorSep(1, 1, 1, 1, spotName="All"))
    canvas.line(0, 0, 10, 10)
    canvas.endForm(Resources=private.form_resources(canvas))
    canvas.doForm("marks")
    with pdf_of(canvas, buffer) as pdf:
        form = pdf.pages[0].Resources.XObject["/FormXob.marks"]
        spaces = list(form.Resources.ColorSpace.values())
    assert [str(space[1]) for space in spaces] == ["/All"]


def test_catalog_key_info_and_trailer_id_are_written() -> None:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1, pdfVersion=(1, 6))
    canvas.setTitle("标题")
    canvas.setProducer("brochure")
    fields = private.document_info(canvas)
    assert set(fields) == set(private.INFO_FIELDS)
    assert fields["title"] == "标题" and fields["producer"] == "brochure"
    info = PDFInfo()
    info.title = "another"
    private.set_document_info(canvas, info)
    private.declare_catalog_key(canvas, "OutputIntents")
    private.declare_catalog_key(canvas, "OutputIntents")  # once is enough
    referred = private.indirect_object(canvas, PDFString("profile"))
    canvas.setCatalogEntry("OutputIntents", PDFArray([PDFName("GTS_PDFX"), referred]))
    trailer_id = "0123456789abcdef0123456789abcdef"
    private.set_document_id(canvas, f"\n[<{trailer_id}><{trailer_id}>]\n".encode())
    canvas.drawString(0, 0, "x")
    with pdf_of(canvas, buffer) as pdf:
        intents = pdf.Root.OutputIntents
        assert isinstance(intents, pikepdf.Array) and not intents.is_indirect
        assert str(intents[0]) == "/GTS_PDFX" and intents[1].is_indirect
        assert str(pdf.docinfo.Title) == "another"
        assert bytes(pdf.trailer.ID[0]).hex() == trailer_id
        assert pdf.pdf_version == "1.6"


def test_a_font_made_from_its_kept_state_is_the_parsed_font() -> None:
    parsed = parsed_font()
    state = private.parsed_font_state(parsed)
    assert private.font_state_name(state) == FONT_NAME
    assert private.font_state_name({"face": {}, "font": {}}) is None
    assert private.font_state_name("not a state") is None
    restored = private.font_from_state(state, FONT.read_bytes())
    assert vars(restored.face).keys() == vars(parsed.face).keys()
    assert private.parsed_font_state(restored)["face"] == state["face"]
    assert restored.face._pdfScale(512) == parsed.face._pdfScale(512)
    assert restored.stringWidth("咸安区 G351", 10) == parsed.stringWidth("咸安区 G351", 10)
    assert private.font_codepoints(restored) == private.font_codepoints(parsed)
    assert ord("咸") in private.font_codepoints(parsed)


def test_registered_fonts_their_files_and_the_standard_ones() -> None:
    registry = private.font_registry()
    previous = registry.get(FONT_NAME)
    registry[FONT_NAME] = parsed_font()  # registerFont might keep an earlier font of the face
    try:
        assert pdfmetrics.getFont(FONT_NAME) is parsed_font(), "not ReportLab's registry"
        assert private.registered_font_file(FONT_NAME) == str(FONT)
    finally:
        if previous is None:
            del registry[FONT_NAME]
        else:
            registry[FONT_NAME] = previous
    assert private.registered_font_file("Helvetica") is None
    assert private.is_standard_font("Helvetica") and not private.is_standard_font(FONT_NAME)


def test_a_drawing_starts_from_its_initial_colours_not_rgb_black() -> None:
    ink = CMYKColor(0, 0, 0, 1)
    drawing = Drawing(10, 10)
    drawing.add(Rect(0, 0, 5, 5, fillColor=CMYKColor(0, 1, 1, 0), strokeColor=None))
    private.set_initial_colors(drawing, fill=ink, stroke=ink)
    canvas = Canvas(io.BytesIO())
    renderPDF.draw(drawing, canvas, 0, 0)
    drawn = canvas.getCurrentPageContent()
    assert "0 0 0 1 k" in drawn and "0 0 0 1 K" in drawn
    assert not re.search(r"\brg\b|\bRG\b", drawn), "RGB operators in the drawing"


def test_the_uri_pattern_is_read_from_reportlabs_source() -> None:
    found = private.uri_pattern()
    assert found is not None, (
        f"ReportLab {Version} no longer writes `uri_pat = re.compile(r\"...\", re.I)` in "
        f"reportlab/platypus/paragraph.py: {HERE}'s uri_pattern finds nothing to defer")
    from reportlab.platypus import paragraph

    assert paragraph.uri_pat.pattern == found[0] and paragraph.uri_pat.flags & found[1]
    with private.lazy_uri_pattern():
        assert isinstance(re.compile(*found), private.LazyPattern), \
            "re.compile no longer consults re._cache: the stand-in is not found"
    assert isinstance(re.compile(*found), re.Pattern), "the stand-in was left in re's cache"


def test_fill_overprint_is_written_as_extgstates_and_undone() -> None:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    private.set_fill_overprint(canvas, True)
    canvas.rect(0, 0, 10, 10, fill=1)
    private.set_fill_overprint(canvas, False)
    canvas.save()
    with pikepdf.open(io.BytesIO(buffer.getvalue())) as document:
        page = document.pages[0]
        states = {str(k): dict(v) for k, v in page.Resources.ExtGState.items()}
        used = [str(ins.operands[0]) for ins in pikepdf.parse_content_stream(page, "gs")]
    assert [states[name] for name in used] == [{"/op": True}, {"/OPM": 1}, {"/op": False}]
