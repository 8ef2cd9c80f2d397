"""Tests for builder.typeset.fonts and the shipped fonts in fonts/."""

from __future__ import annotations

import io
import itertools
import shutil
from pathlib import Path

import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.areaPen import AreaPen
from fontTools.pens.t2CharStringPen import T2CharStringPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont
from fontTools.ttLib.tables.TupleVariation import TupleVariation
from pypdf import PdfReader
from reportlab.lib.fonts import ps2tt, tt2ps
from reportlab.pdfgen import canvas

from builder.errors import BrochureError
from builder.typeset.fonts import (
    FontFace,
    convert_to_truetype,
    load_face,
    missing_chars,
    register_family,
)

REPO = Path(__file__).resolve().parents[1]
FONTS = REPO / "fonts"
SHIPPED = {
    "NotoSerifSC-Regular": FONTS / "NotoSerifSC-Regular.ttf",
    "NotoSerifSC-Bold": FONTS / "NotoSerifSC-Bold.ttf",
    "NotoSansSC-Regular": FONTS / "NotoSansSC-Regular.ttf",
    "NotoSansSC-Bold": FONTS / "NotoSansSC-Bold.ttf",
}
FEATURE_TEXT = REPO.parent / "shared/source/xianan-2022-feature.txt"
NOTO_SANS_TTC = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SAMPLE = "咸安区书写四个首善之区建设奋进答卷，踔厉奋发。"  # 20 distinct characters
_names = itertools.count()


def unique_ps_name() -> str:
    """A PostScript name not used by any other test (ReportLab's registry is global)."""
    return f"BrochureTest-Face{next(_names)}"


def source_text() -> str:
    """The text the shipped fonts must cover: the feature article, else content/*.yaml."""
    if FEATURE_TEXT.is_file():
        return FEATURE_TEXT.read_text(encoding="utf-8")
    files = sorted((REPO / "content").glob("*.yaml"))
    assert files, "neither the feature text nor content/*.yaml exists"
    return "".join(f.read_text(encoding="utf-8") for f in files)


@pytest.fixture(scope="module")
def small_font(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 20-character TrueType font made by convert_to_truetype.

    From the Debian Noto Sans CJK collection (CFF -> glyf) when installed, otherwise
    from a shipped font, so the test also runs on CI machines without system CJK fonts.
    """
    if NOTO_SANS_TTC.is_file():
        src, number = NOTO_SANS_TTC, 2
    else:
        src, number = SHIPPED["NotoSansSC-Regular"], 0
    dst = tmp_path_factory.mktemp("small") / "Small.ttf"
    convert_to_truetype(src, dst, font_number=number, unicodes=map(ord, SAMPLE),
                        family="Brochure Test", style="Regular", ps_name="BrochureTest-Small")
    return dst


def make_cff_font(path: Path) -> None:
    """Write a minimal OpenType-CFF font (one square glyph for 'A')."""
    builder = FontBuilder(1000, isTTF=False)
    builder.setupGlyphOrder([".notdef", "A"])
    builder.setupCharacterMap({ord("A"): "A"})
    pen = T2CharStringPen(600, None)
    pen.moveTo((100, 0))
    pen.lineTo((500, 0))
    pen.lineTo((500, 700))
    pen.lineTo((100, 700))
    pen.closePath()
    square = pen.getCharString()
    empty = T2CharStringPen(600, None).getCharString()
    builder.setupCFF("BrochureTest-CFF", {"FullName": "BrochureTest CFF"},
                     {".notdef": empty, "A": square}, {})
    builder.setupHorizontalMetrics({".notdef": (600, 0), "A": (600, 100)})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "BrochureTest CFF", "styleName": "Regular",
                            "psName": "BrochureTest-CFF"})
    builder.setupOS2()
    builder.setupPost()
    builder.save(path)


# --------------------------------------------------------------------------- shipped fonts


@pytest.mark.parametrize("ps_name", sorted(SHIPPED))
def test_shipped_font_loads_under_its_postscript_name(ps_name: str) -> None:
    face = load_face(SHIPPED[ps_name])
    assert isinstance(face, FontFace)
    assert face.name == ps_name
    assert face.path == SHIPPED[ps_name].resolve()
    assert len(face.codepoints) > 7000
    assert load_face(SHIPPED[ps_name]) is face  # registered once, cached


def test_shipped_fonts_have_distinct_postscript_names_and_truetype_outlines() -> None:
    names = []
    for path in SHIPPED.values():
        with TTFont(path, lazy=True) as font:
            assert font.sfntVersion == "\x00\x01\x00\x00"
            assert "glyf" in font and "CFF " not in font
            assert font["maxp"].tableVersion == 0x00010000
            names.append(font["name"].getDebugName(6))
    assert sorted(names) == sorted(SHIPPED)


def test_shipped_fonts_cover_the_source_text() -> None:
    text = source_text()
    assert len(set(text)) > 100
    content = "".join(f.read_text(encoding="utf-8")
                      for f in sorted((REPO / "content").glob("*.yaml")))
    for path in SHIPPED.values():
        face = load_face(path)
        assert missing_chars(text, [face]) == [], path.name
        missing = missing_chars(content, [face])
        assert missing == [], f"{path.name} lacks {missing}: run python tools/make_fonts.py"


def test_shipped_fonts_total_size_is_small() -> None:
    total = sum(p.stat().st_size for p in FONTS.iterdir() if p.is_file())
    assert total < 40_000_000


def test_register_family_maps_bold_markup_to_bold_face() -> None:
    regular, bold = register_family("Noto Serif SC", SHIPPED["NotoSerifSC-Regular"],
                                    SHIPPED["NotoSerifSC-Bold"])
    assert (regular.name, bold.name) == ("NotoSerifSC-Regular", "NotoSerifSC-Bold")
    assert tt2ps("Noto Serif SC", 1, 0) == "NotoSerifSC-Bold"
    assert tt2ps("Noto Serif SC", 0, 0) == "NotoSerifSC-Regular"
    family, is_bold, is_italic = ps2tt("NotoSerifSC-Regular")
    assert tt2ps(family, 1, is_italic) == "NotoSerifSC-Bold"
    assert not is_bold


# --------------------------------------------------------------------------- conversion


def test_converted_font_is_truetype_with_new_names(small_font: Path) -> None:
    with TTFont(small_font) as font:
        assert font.sfntVersion == "\x00\x01\x00\x00"
        assert "glyf" in font and "loca" in font
        assert not {"CFF ", "CFF2", "VORG"} & set(font.keys())
        assert font["maxp"].tableVersion == 0x00010000
        assert font["post"].formatType in (2.0, 3.0)
        assert set(font.getBestCmap()) >= set(map(ord, SAMPLE))
        assert font["maxp"].numGlyphs < 60
        name = font["name"]
        assert name.getDebugName(6) == "BrochureTest-Small"
        assert name.getDebugName(1) == "Brochure Test"
        assert name.getDebugName(16) == "Brochure Test"
        assert name.getDebugName(4) == "Brochure Test"
        glyph = font["glyf"][font.getBestCmap()[ord("安")]]
        assert glyph.numberOfContours > 0
        assert font["hmtx"][font.getBestCmap()[ord("安")]][1] == glyph.xMin


def test_converted_font_embeds_and_text_extracts_back(small_font: Path) -> None:
    face = load_face(small_font)
    assert missing_chars(SAMPLE, [face]) == []
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.setFont(face.name, 18)
    pdf.drawString(72, 720, SAMPLE)
    pdf.save()
    reader = PdfReader(io.BytesIO(buffer.getvalue()))
    assert reader.pages[0].extract_text().strip() == SAMPLE
    fonts = reader.pages[0]["/Resources"]["/Font"]
    base_fonts = {str(f.get_object()["/BaseFont"]) for f in fonts.values()}
    assert any(b.endswith("+BrochureTest-Small") for b in base_fonts), base_fonts


def test_convert_to_truetype_replaces_destination_atomically(small_font: Path,
                                                              tmp_path: Path) -> None:
    dst = tmp_path / "out.ttf"
    dst.write_bytes(b"old")
    convert_to_truetype(small_font, dst, unicodes=[ord("安")], ps_name=unique_ps_name())
    assert dst.read_bytes()[:4] == b"\x00\x01\x00\x00"
    assert [p.name for p in tmp_path.iterdir()] == ["out.ttf"]  # no temp file left


def test_convert_to_truetype_converts_cff_outlines(tmp_path: Path) -> None:
    src, dst = tmp_path / "cff.otf", tmp_path / "cff.ttf"
    make_cff_font(src)
    ps_name = unique_ps_name()
    convert_to_truetype(src, dst, family="Brochure Square", style="Bold", ps_name=ps_name)
    with TTFont(dst) as font:
        assert "glyf" in font and "CFF " not in font
        glyph = font["glyf"]["A"]
        assert (glyph.xMin, glyph.yMin, glyph.xMax, glyph.yMax) == (100, 0, 500, 700)
        area = AreaPen(font.getGlyphSet())
        font.getGlyphSet()["A"].draw(area)
        assert area.value == pytest.approx(-400 * 700)  # TrueType: outer contour clockwise
        assert font["name"].getDebugName(2) == "Bold"
        assert font["name"].getDebugName(4) == "Brochure Square Bold"
    assert load_face(dst).codepoints == frozenset({ord("A")})


def make_variable_font(path: Path) -> None:
    """Write a TrueType variable font: one 'wght' axis that widens the glyph 'A'."""
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "A"])
    builder.setupCharacterMap({ord("A"): "A"})
    pen = TTGlyphPen(None)
    pen.moveTo((100, 0))
    pen.lineTo((100, 700))
    pen.lineTo((500, 700))
    pen.lineTo((500, 0))
    pen.closePath()
    builder.setupGlyf({".notdef": TTGlyphPen(None).glyph(), "A": pen.glyph()})
    builder.setupHorizontalMetrics({".notdef": (600, 0), "A": (600, 100)})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "BrochureTest VF", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    builder.setupFvar([("wght", 100, 400, 900, "Weight")], [])
    # At wght 900 the right edge moves 100 units right (4 points + 4 phantom points).
    deltas = [(0, 0), (0, 0), (100, 0), (100, 0), (0, 0), (0, 0), (0, 0), (0, 0)]
    builder.setupGvar({"A": [TupleVariation({"wght": (0.0, 1.0, 1.0)}, deltas)]})
    builder.save(path)


def test_convert_to_truetype_pins_variable_fonts(tmp_path: Path) -> None:
    src = tmp_path / "vf.ttf"
    make_variable_font(src)
    pinned, default = tmp_path / "pinned.ttf", tmp_path / "default.ttf"
    convert_to_truetype(src, pinned, axes={"wght": 900}, ps_name=unique_ps_name())
    convert_to_truetype(src, default, ps_name=unique_ps_name())
    with TTFont(pinned) as font:
        assert "fvar" not in font and "gvar" not in font
        assert font["glyf"]["A"].xMax == 600
    with TTFont(default) as font:
        assert "fvar" not in font
        assert font["glyf"]["A"].xMax == 500
    with pytest.raises(BrochureError, match="axes"):
        convert_to_truetype(src, tmp_path / "bad.ttf", axes={"wdth": 50})


# --------------------------------------------------------------------------- errors


def test_load_face_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.ttf"
    with pytest.raises(BrochureError, match="font file not found") as info:
        load_face(missing)
    assert str(missing) in str(info.value)


def test_load_face_not_a_font(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.ttf"
    bogus.write_text("this is not a font\n" * 10, encoding="utf-8")
    with pytest.raises(BrochureError) as info:
        load_face(bogus)
    assert str(bogus) in str(info.value)
    assert info.value.path == bogus


def test_load_face_truncated_font(tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.ttf"
    truncated.write_bytes(SHIPPED["NotoSansSC-Bold"].read_bytes()[:3000])
    with pytest.raises(BrochureError) as info:
        load_face(truncated)
    assert str(truncated) in str(info.value)


def test_load_face_rejects_cff_font(tmp_path: Path) -> None:
    otf = tmp_path / "cff.otf"
    make_cff_font(otf)
    with pytest.raises(BrochureError, match="CFF") as info:
        load_face(otf)
    assert "tools/make_fonts.py" in (info.value.hint or "")


def test_load_face_rejects_fonts_that_forbid_embedding(small_font: Path,
                                                       tmp_path: Path) -> None:
    restricted = tmp_path / "restricted.ttf"
    with TTFont(small_font) as font:
        font["OS/2"].fsType = 0x0002
        font["name"].setName(unique_ps_name(), 6, 3, 1, 0x409)
        font.save(restricted)
    with pytest.raises(BrochureError, match="licence") as info:
        load_face(restricted)
    assert str(restricted) in str(info.value)


def test_two_files_with_the_same_postscript_name(tmp_path: Path) -> None:
    original = load_face(SHIPPED["NotoSansSC-Regular"])
    copy = tmp_path / "NotoSansSC-Regular-copy.ttf"
    shutil.copyfile(SHIPPED["NotoSansSC-Regular"], copy)
    with pytest.raises(BrochureError, match="NotoSansSC-Regular") as info:
        load_face(copy)
    assert str(copy) in str(info.value)
    assert load_face(SHIPPED["NotoSansSC-Regular"]) is original


# --------------------------------------------------------------------------- coverage


def test_missing_chars_distinct_in_order_ignoring_whitespace() -> None:
    face = FontFace("X", Path("x.ttf"), frozenset(map(ord, "ab中")))
    other = FontFace("Y", Path("y.ttf"), frozenset(map(ord, "c")))
    text = "a中文 b\t字\n文c\u3000\u200b字😀\x07"
    assert missing_chars(text, [face, other]) == ["文", "字", "😀"]
    assert missing_chars(text, []) == ["a", "中", "文", "b", "字", "c", "😀"]
    assert missing_chars("", [face]) == []
