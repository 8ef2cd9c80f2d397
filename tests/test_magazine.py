"""The magazine theme and pictures in page masters (issue 15, item 4), read back from the
built PDF: image art placed covering or contained in its box and clipped to it, a part's
picture on its opener (its fallback colour without one), print keeping every picture CMYK,
errors naming the theme's or the content's file and line, text on a band over a picture
passing the layout report while text set on the picture itself does not, and the magazine
theme building its pictured test content clean at A4 and A5."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pikepdf
import pypdfium2
import pytest
from content_factory import document, write
from PIL import Image

from builder.build import build
from builder.errors import BrochureError
from builder.inspect.layout import analyze_layout, format_report
from builder.inspect.typography import analyze_pdf
from builder.inspect.typography import format_report as typography_report
from builder.source.content import load_document
from builder.source.theme import load_theme, theme_path

MM = 72 / 25.4
MAGAZINE = Path(__file__).parent / "data" / "magazine" / "magazine.yaml"
RED = (220, 30, 30)
THEME = """name: pictured
extends: default
design:
  opener: page
masters:
  opener:
    background: paper
    art:
      - {{image: "{{part.picture}}", box: [20mm, 30mm, 100mm, 60mm], fit: {fit}{fallback}}}
{band}    slots:
      - {{text: "{{part.title}}", style: opener_title, box: [{title}], color: ink}}
"""
"""A theme whose openers show the part's picture in a 100 × 60 mm box 20 mm from the left
and 30 mm from the top of the trim, and the part's title below it (or over it: `title`)."""


def pictured(folder: Path, fit: str = "cover", fallback: str = "", band: str = "",
             title: str = "20mm, 120mm, 150mm, 20mm") -> Path:
    """A theme file (THEME) and content of two section parts, the first with a 400 × 200
    pixel red picture, the second without one; returns the content file."""
    Image.new("RGB", (400, 200), RED).save(folder / "wide.png")
    theme = folder / "pictured.yaml"
    theme.write_text(THEME.format(fit=fit, fallback=f", fallback: {fallback}" if fallback
                                  else "", band=band, title=title), encoding="utf-8")
    content = document(layout="section", picture="wide.png")
    content["parts"].append({"title": "第二部分", "layout": "section",
                             "blocks": [{"paragraph": "第二部分的正文。"}]})
    content["theme"] = "pictured.yaml"
    return write(folder, content)


def opener_pages(pdf: Path) -> list[int]:
    """Indexes of the pages showing a section's title at opener size (34 pt)."""
    with pdfplumber.open(pdf) as document:
        return [index for index, page in enumerate(document.pages)
                if any(char["size"] > 30 for char in page.chars)]


def render(pdf: Path, index: int, scale: float = 2.0) -> Image.Image:
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        return document[index].render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()


def pixel(image: Image.Image, x_mm: float, y_mm: float, scale: float = 2.0
          ) -> tuple[int, int, int]:
    """The colour at x, y mm from the top left of a screen page (trim = page)."""
    return image.getpixel((round(x_mm * MM * scale), round(y_mm * MM * scale)))


def near(found: tuple[int, ...], wanted: tuple[int, ...], tolerance: int = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(found, wanted, strict=True))


@pytest.mark.parametrize(("fit", "box"), [
    ("cover", (10, 30, 130, 90)),     # 2:1 into 5:3: as tall as the box, 10 mm over each side
    ("contain", (20, 35, 120, 85)),   # as wide as the box, 5 mm short above and below
])
def test_image_art_covers_or_fits_its_box(tmp_path: Path, fit: str,
                                           box: tuple[float, ...]) -> None:
    content = pictured(tmp_path, fit)
    pdf = tmp_path / "out.pdf"
    build(content, pdf, profile="screen")
    [first, _] = opener_pages(pdf)
    with pdfplumber.open(pdf) as document:
        [image] = document.pages[first].images
        placed = tuple(image[key] / MM for key in ("x0", "top", "x1", "bottom"))
    assert all(abs(a - b) < 0.2 for a, b in zip(placed, box, strict=True)), (placed, box)
    page = render(pdf, first)
    assert near(pixel(page, 22, 60), RED) and near(pixel(page, 118, 60), RED)
    if fit == "cover":  # the picture runs 10 mm past the box's sides: clipped there
        assert near(pixel(page, 15, 60), (255, 255, 255)), pixel(page, 15, 60)
        assert near(pixel(page, 125, 60), (255, 255, 255)), pixel(page, 125, 60)
        assert near(pixel(page, 70, 31), RED) and near(pixel(page, 70, 89), RED)
    else:  # the box's top and foot are left empty
        assert near(pixel(page, 70, 32), (255, 255, 255)) and near(pixel(page, 70, 34), (
            255, 255, 255)) and near(pixel(page, 70, 36), RED)


@pytest.mark.parametrize("fallback", ["", "accent"])
def test_a_part_without_a_picture_gets_the_fallback_colour_or_nothing(
        tmp_path: Path, fallback: str) -> None:
    content = pictured(tmp_path, fallback=fallback)
    pdf = tmp_path / "out.pdf"
    build(content, pdf, profile="screen")
    [first, second] = opener_pages(pdf)
    with pdfplumber.open(pdf) as document:
        assert len(document.pages[first].images) == 1 and not document.pages[second].images
        fills = [r for r in document.pages[second].rects if r.get("fill")
                 and abs(r["x0"] - 20 * MM) < 0.5 and abs(r["width"] - 100 * MM) < 0.5
                 and abs(r["top"] - 30 * MM) < 0.5 and abs(r["height"] - 60 * MM) < 0.5]
    assert len(fills) == (1 if fallback else 0)
    red, green, blue = colour = pixel(render(pdf, second), 70, 60)
    if fallback:  # the default's gold
        assert red > 220 and 150 < green < 220 and blue < 120, colour
    else:
        assert near(colour, (255, 255, 255)), colour


def test_print_keeps_every_picture_cmyk_and_runs_openers_to_the_bleed(tmp_path: Path) -> None:
    pdf = tmp_path / "magazine.pdf"
    build(MAGAZINE, pdf)
    with pikepdf.open(pdf) as document:
        images = {x.objgen: str(x.get("/ColorSpace")) for page in document.pages
                  for x in (page.obj.Resources.get("/XObject") or {}).values()
                  if x.get("/Subtype") == "/Image"}
    assert len(images) == 3 and set(images.values()) == {"/DeviceCMYK"}  # 2 openers, 1 figure
    with pdfplumber.open(pdf) as document:
        pictured_openers = 0
        for page in document.pages:
            bleed = [float(v) for v in page.page_obj.attrs["BleedBox"]]
            for image in page.images:
                height = float(page.height)
                if image["x0"] <= bleed[0] + 0.1 and image["x1"] >= bleed[2] - 0.1 and \
                        image["top"] <= height - bleed[3] + 0.1 and \
                        image["bottom"] >= height - bleed[1] - 0.1:
                    pictured_openers += 1
    assert pictured_openers == 2


@pytest.mark.parametrize(("art", "words"), [
    ('{image: photos/none.jpg, box: [0, 0, 10, 10]}', "none.jpg"),
    ('{image: ../outside.png, box: [0, 0, 10, 10]}', "not a file in the theme's folder"),
    ('{image: broken.jpg, box: [0, 0, 10, 10]}', "cannot be decoded"),
    ('{image: "{part.title}", box: [0, 0, 10, 10]}', "not '{part.title}'"),
    ('{image: wide.png, box: [0, 0, 10, 10], fallback: primary}', "'fallback' is for"),
    ('{image: wide.png, box: [0, 0, 10, 10], fit: fill}', "unknown fit 'fill'"),
    ('{image: wide.png}', "missing"),
])
def test_a_bad_theme_image_names_the_theme_file_and_line(tmp_path: Path, art: str,
                                                         words: str) -> None:
    folder = tmp_path / "theme"
    folder.mkdir()
    Image.new("RGB", (40, 20), RED).save(folder / "wide.png")
    Image.new("RGB", (40, 20), RED).save(tmp_path / "outside.png")
    whole = folder / "whole.jpg"
    Image.new("RGB", (400, 300), RED).save(whole, quality=90)
    (folder / "broken.jpg").write_bytes(whole.read_bytes()[:600])  # cut off mid-scan
    theme = folder / "bad.yaml"
    theme.write_text(f"name: bad\nextends: default\nmasters:\n  opener:\n    art:\n"
                     f"      - {art}\n", encoding="utf-8")
    with pytest.raises(BrochureError) as caught:
        load_theme(theme)
    assert caught.value.path == theme and caught.value.line == 6, str(caught.value)
    assert words in str(caught.value) and caught.value.hint


@pytest.mark.parametrize(("master", "words"), [
    ('cover:\n    art:\n      - {image: "{part.picture}", box: [0, 0, 10, 10]}',
     "on a part's pages only"),
    ('opener:\n    slots:\n      - {text: "{part.picture}", style: opener_title, '
     'box: [0, 0, 10, 10]}', "'{part.picture}' does not exist"),
])
def test_the_part_picture_field_is_for_image_art_on_a_parts_pages(
        tmp_path: Path, master: str, words: str) -> None:
    theme = tmp_path / "bad.yaml"
    theme.write_text(f"name: bad\nextends: default\nmasters:\n  {master}\n",
                     encoding="utf-8")
    with pytest.raises(BrochureError) as caught:
        load_theme(theme)
    assert words in str(caught.value) and caught.value.path == theme
    assert caught.value.line == 6


def test_a_part_picture_outside_the_content_folder_is_refused_at_its_line(
        tmp_path: Path) -> None:
    folder = tmp_path / "content"
    folder.mkdir()
    Image.new("RGB", (40, 20), RED).save(tmp_path / "outside.png")
    content = write(folder, document(layout="section", picture="../outside.png"))
    with pytest.raises(BrochureError, match="leaves the content's folder") as caught:
        load_document(content)
    line = next(number for number, text in enumerate(
        content.read_text(encoding="utf-8").splitlines(), 1) if "picture:" in text)
    assert caught.value.path == content and caught.value.line == line


@pytest.mark.parametrize("damage", ["truncated", "missing"])
def test_a_bad_part_picture_stops_the_build_at_its_line(tmp_path: Path, damage: str) -> None:
    content = pictured(tmp_path)
    picture = tmp_path / "photo.jpg"
    if damage == "truncated":
        Image.new("RGB", (400, 300), RED).save(picture, quality=90)
        picture.write_bytes(picture.read_bytes()[:600])
    text = content.read_text(encoding="utf-8").replace("wide.png", "photo.jpg")
    content.write_text(text, encoding="utf-8")
    line = next(number for number, row in enumerate(text.splitlines(), 1) if "picture:" in row)
    with pytest.raises(BrochureError) as caught:
        build(content, tmp_path / "out.pdf")
    assert caught.value.path == content and caught.value.line == line, str(caught.value)
    assert "photo.jpg" in str(caught.value)
    assert not (tmp_path / "out.pdf").exists()


@pytest.mark.parametrize("band", [False, True])
def test_text_over_a_picture_needs_a_band_under_it(tmp_path: Path, band: bool) -> None:
    """A title set on the picture itself is text over art; on a band painted over the
    picture it is not (the magazine opener)."""
    content = pictured(tmp_path, band="      - {rect: [10mm, 60mm, 130mm, 26mm], color: paper}\n"
                       if band else "", title="20mm, 64mm, 100mm, 20mm")
    pdf = tmp_path / "out.pdf"
    build(content, pdf)
    report = analyze_layout(pdf)
    over = [f for f in report.findings if f.rule == "text-over-art"]
    assert len(over) == (0 if band else 1), format_report(report)


@pytest.mark.parametrize("size", ["A4", "A5"])
def test_the_magazine_theme_builds_its_pictured_content_clean(tmp_path: Path,
                                                             size: str) -> None:
    pdf = tmp_path / "magazine.pdf"
    result = build(MAGAZINE, pdf, page_size=size)
    report = analyze_layout(pdf)
    assert not [f for f in report.findings if f.severity == "error"], format_report(report)
    assert len(report.sections) == 3
    typography = analyze_pdf(pdf)
    assert typography.ok, typography_report(typography)
    with pdfplumber.open(pdf) as document:
        texts = [page.extract_text() or "" for page in document.pages]
    meta = load_document(MAGAZINE).meta
    assert meta.subtitle in texts[0].replace("\n", "")
    assert result.pages % 4 == 0


def test_the_magazine_theme_is_data_only() -> None:
    """Its cover is SVG artwork beside it, its openers, back cover and spine masters."""
    theme = load_theme(theme_path("magazine"))
    assert set(theme.masters) == {"cover", "opener", "band", "back_cover", "spine"}
    assert theme.design.opener == "page"
    svg = theme.masters["cover"].svg
    assert svg is not None and svg.path.name == "magazine-cover.svg"
    assert {"title", "kicker", "subtitle", "issuer"} <= set(
        load_artwork_frames(svg.path))
    layout = Path(__file__).parent.parent / "builder" / "layout"
    assert all('"magazine"' not in path.read_text(encoding="utf-8")
               for path in layout.glob("*.py"))


def load_artwork_frames(path: Path) -> dict[str, object]:
    from builder.source.artwork import read_artwork

    return dict(read_artwork(path)[1].frames)


def test_a_theme_picture_is_drawn_where_its_master_puts_it(tmp_path: Path) -> None:
    Image.new("RGB", (400, 200), RED).save(tmp_path / "wide.png")
    theme = tmp_path / "photo-cover.yaml"
    theme.write_text("name: photo-cover\nextends: default\nmasters:\n  cover:\n"
                     "    background: paper\n    art:\n"
                     "      - {image: wide.png, box: [0, 0, 100%, 50%], fit: contain}\n"
                     "    slots:\n"
                     '      - {text: "{meta.title}", style: cover_title, box: [0, 60%, 100%, '
                     '20%], color: ink}\n', encoding="utf-8")
    pdf = tmp_path / "out.pdf"
    build(write(tmp_path, document()), pdf, str(theme), profile="screen")
    with pdfplumber.open(pdf) as document_:
        [image] = document_.pages[0].images
        width = float(document_.pages[0].width)
    assert abs(image["x0"]) < 0.5 and abs(image["x1"] - width) < 0.5  # as wide as the page
    assert abs(image["top"] - (148.5 * MM - width / 2) / 2) < 0.5  # centred in the top half


def test_a_theme_picture_spoilt_after_loading_names_the_theme_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault injection: with the load-time check left out, the draw still names the theme's
    line, never a traceback."""
    from builder.source import masters

    monkeypatch.setattr(masters._Context, "picture_file",
                        lambda self, node, written: tmp_path / written)
    Image.new("RGB", (400, 300), RED).save(tmp_path / "photo.jpg", quality=90)
    (tmp_path / "photo.jpg").write_bytes((tmp_path / "photo.jpg").read_bytes()[:600])
    theme = tmp_path / "spoilt.yaml"
    theme.write_text("name: spoilt\nextends: default\nmasters:\n  cover:\n    art:\n"
                     "      - {image: photo.jpg, box: [0, 0, 100%, 50%]}\n"
                     '    slots:\n      - {text: "{meta.title}", style: cover_title, '
                     "box: [0, 60%, 100%, 20%]}\n", encoding="utf-8")
    with pytest.raises(BrochureError) as caught:
        build(write(tmp_path, document()), tmp_path / "out.pdf", str(theme))
    assert caught.value.path == theme and caught.value.line == 6, str(caught.value)
    assert "photo.jpg" in str(caught.value) and "cannot be decoded" in str(caught.value)


def test_a_part_picture_unchecked_before_the_layout_names_the_content_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault injection: with the content check's picture findings left out, the opener's
    draw names the content's line."""
    from builder.rules import check

    monkeypatch.setattr(check, "_images", lambda document: iter(()))
    content = pictured(tmp_path)
    (tmp_path / "wide.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    line = next(number for number, row in enumerate(
        content.read_text(encoding="utf-8").splitlines(), 1) if "picture:" in row)
    with pytest.raises(BrochureError) as caught:
        build(content, tmp_path / "out.pdf")
    assert caught.value.path == content and caught.value.line == line, str(caught.value)
    assert "wide.png" in str(caught.value) and "第一部分" in str(caught.value)


@pytest.mark.parametrize(("theme", "part", "reason"), [
    ("magazine", {"layout": "section"}, None),
    ("magazine", {"layout": "section", "opener": "auto"}, None),
    ("default", {"layout": "section"}, "openers show no picture"),
    ("magazine", {"layout": "section", "opener": "band"}, "opens with a band, and only"),
    ("magazine", {}, "layout is 'plain'"),
    ("newsletter", {"layout": "section", "opener": "page"}, "openers show no picture"),
])
def test_a_picture_the_theme_does_not_print_is_reported(tmp_path: Path, theme: str,
                                                         part: dict, reason: str | None
                                                         ) -> None:
    from builder.rules.check import check_document
    from builder.typeset.typesetter import register_theme_fonts

    Image.new("RGB", (40, 20), RED).save(tmp_path / "wide.png")
    loaded = load_theme(theme_path(theme))
    found = [f for f in check_document(
        load_document(write(tmp_path, document(picture="wide.png", **part))),
        register_theme_fonts(loaded).faces, loaded) if f.rule == "unprinted-picture"]
    if reason is None:
        assert found == []
    else:
        [finding] = found
        assert finding.severity == "warning" and reason in finding.message, finding.message


def test_a_section_asking_for_a_band_gets_the_magazine_band(tmp_path: Path) -> None:
    content = document({"paragraph": "第一部分的正文。"}, layout="section", opener="band",
                       headline="标题之下的一行", tag="标签")
    pdf = tmp_path / "band.pdf"
    build(write(tmp_path, content), pdf, "magazine")
    report = analyze_layout(pdf)
    assert not [f for f in report.findings if f.severity == "error"], format_report(report)
    with pdfplumber.open(pdf) as document_:
        page = next(p for p in document_.pages if "第一部分的正文" in (p.extract_text() or ""))
        bands = [r for r in page.rects if r.get("fill") and r["width"] > page.width * 0.9
                 and tuple(round(v, 2) for v in r["non_stroking_color"] or ()) == (
                     0.6, 0.4, 0.4, 1.0)]
        trim_top = float(page.height) - float(page.page_obj.attrs["TrimBox"][3])
    assert len(bands) == 1 and bands[0]["top"] < trim_top - 2  # black, run into the bleed


def test_a_theme_picture_on_every_opener_is_one_image_placed_on_each(tmp_path: Path) -> None:
    """Opener art is otherwise drawn once as a form, whose resources would not hold the
    image (found: openers without their picture); the picture is stored once."""
    Image.new("RGB", (300, 200), RED).save(tmp_path / "wide.png")
    theme = tmp_path / "opener-photo.yaml"
    theme.write_text("name: opener-photo\nextends: default\ndesign:\n  opener: page\n"
                     "masters:\n  opener:\n    background: paper\n    art:\n"
                     "      - {image: wide.png, box: [0, 0, 100%, 40%], in: bleed}\n"
                     "    slots:\n"
                     '      - {text: "{part.title}", style: opener_title, box: [10%, 50%, '
                     "80%, 10%], color: ink, fit: {shrink: 10}}\n"
                     '      - {text: "{part.tag}", style: opener_tag, box: [10%, 65%, 80%, 5%],'
                     " fit: {shrink: 7}}\n", encoding="utf-8")
    content = document(layout="section", tag="标签一")
    content["parts"].append({"title": "第二部分", "layout": "section", "tag": "标签二",
                             "blocks": [{"paragraph": "第二部分的正文。"}]})
    pdf = tmp_path / "out.pdf"
    build(write(tmp_path, content), pdf, str(theme))
    openers = opener_pages(pdf)
    with pdfplumber.open(pdf) as document_:
        assert len(openers) == 2 and all(len(document_.pages[i].images) == 1 for i in openers)
    with pikepdf.open(pdf) as document_:
        stored = {x.objgen for page in document_.pages
                  for x in (page.obj.Resources.get("/XObject") or {}).values()
                  if x.get("/Subtype") == "/Image"}
    assert len(stored) == 1
