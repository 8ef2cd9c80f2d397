"""Page masters (issue 15): designed pages as theme data, read back from the built PDF: the
report theme's cover and back cover, a new cover made by a theme file alone, fit rules that
shrink or refuse, opener masters with part fields, and errors naming the theme file and line."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pdfplumber
import pytest
from conftest import DEFAULT_CONTENT
from content_factory import document, write
from pdfminer.pdftypes import resolve1

from builder.build import build
from builder.errors import BrochureError
from builder.inspect.preflight import preflight
from builder.layout.pages import PageArt
from builder.source.content import load_document
from builder.source.masters import PAGES
from builder.source.theme import load_theme, theme_path
from builder.typeset.record import PrintRecord
from builder.typeset.typesetter import Typesetter, register_theme_fonts

META = load_document(DEFAULT_CONTENT).meta


def words(page) -> dict[str, dict]:
    """The page's lines of text by their text, each with its box and size."""
    found: dict[str, dict] = {}
    for line in page.extract_text_lines():
        chars = line["chars"]
        found["".join(c["text"] for c in chars).replace(" ", "")] = {
            "x0": line["x0"], "x1": line["x1"], "top": line["top"], "bottom": line["bottom"],
            "size": max(c["size"] for c in chars),
            "color": tuple(round(v, 3) for v in chars[0]["non_stroking_color"] or ())}
    return found


def trim_of(page) -> tuple[float, float]:
    """The trim's left and top edge in pdfplumber's coordinates (top down)."""
    x0, _, _, y1 = (float(v) for v in resolve1(page.page_obj.attrs["TrimBox"]))
    return x0, float(page.height) - y1


def test_the_report_cover_is_drawn_from_its_master(tmp_path: Path) -> None:
    theme = load_theme(theme_path("report"))
    build(DEFAULT_CONTENT, tmp_path / "report.pdf", "report")
    with pdfplumber.open(tmp_path / "report.pdf") as pdf:
        cover, back = pdf.pages[0], pdf.pages[-1]
        left, top = trim_of(cover)
        found = words(cover)
        assert META.issuer in found and found[META.issuer]["color"] == (0.0, 1.0, 1.0, 0.0)
        rule = [r for r in cover.lines + cover.rects if abs(r["top"] - r["bottom"]) < 3
                and r["x1"] - r["x0"] > theme.text_width * 0.9]
        margin = theme.margin_top
        block = theme.page_height - theme.margin_top - theme.margin_bottom
        rule_y = top + margin + 0.26 * block  # the rule at 26 % of the margins' box
        assert any(abs(r["top"] - rule_y) < 2 for r in rule), (rule, rule_y)
        assert found[META.issuer]["bottom"] < rule_y  # the heading above it
        middle = left + theme.page_width / 2
        assert abs((found[META.date]["x0"] + found[META.date]["x1"]) / 2 - middle) < 1
        title_lines = [t for t in found if t and t in META.title]
        assert title_lines, found.keys()
        assert not cover.images and not [r for r in cover.rects if r["width"] > cover.width / 2
                                          and r["non_stroking_color"] not in ((0, 0, 0, 0),)]
        assert f"编印：{META.issuer}" in words(back)
        assert f"{META.date}　共{len(pdf.pages)}页".replace("　", "") in \
            "".join(words(back)).replace("　", "")


def test_a_theme_file_alone_makes_a_new_cover(tmp_path: Path) -> None:
    """The closing note's diff: the default cover turned into another without Python."""
    theme = tmp_path / "poster.yaml"
    theme.write_text("""name: poster
extends: default
masters:
  cover:
    background: accent
    art:
      - {rect: [0, 0, 100%, 40%], in: bleed, color: primary_dark}
      - {circle: [80%, 70%, 30mm], color: paper}
    slots:
      - {text: "{meta.title}", style: cover_title, box: [0, 10%, 100%, 20%], in: margins,
         align: center, valign: middle, fit: {shrink: 16}}
      - {text: "{meta.kicker}", style: cover_kicker, box: [0, 0, 100%, 12mm], in: margins,
         fit: {shrink: 9}}
      - {text: "{meta.subtitle}", style: cover_subtitle, box: [0, 35%, 100%, 12mm],
         in: margins, align: center, fit: {shrink: 9}}
      - {text: "{meta.issuer}　{meta.date}", style: cover_issuer, box: [0, -20mm, 100%, 10mm],
         in: margins, align: center}
""", encoding="utf-8")
    build(DEFAULT_CONTENT, tmp_path / "poster.pdf", str(theme))
    with pdfplumber.open(tmp_path / "poster.pdf") as pdf:
        cover = pdf.pages[0]
        fills = {tuple(round(v, 3) for v in r["non_stroking_color"]) for r in cover.rects}
        default = load_theme(theme_path("default"))
        assert tuple(v / 100 for v in default.colors["accent"]) in fills
        assert tuple(round(v / 100, 3) for v in default.colors["primary_dark"]) in fills
        assert cover.curves  # the circle
        found = words(cover)
        assert f"{META.issuer}{META.date}" in [t.replace("　", "") for t in found]
        assert META.subtitle.replace(" ", "") in found


def test_a_master_that_leaves_out_a_content_field_is_refused(tmp_path: Path) -> None:
    """A cover master without the kicker would drop the content's kicker: an error naming
    the master, not a lost text."""
    theme = _poster(tmp_path, '{text: "{meta.title}", style: cover_title, box: [20mm, 30mm, '
                              '170mm, 60mm], fit: {shrink: 12}}')
    with pytest.raises(BrochureError) as caught:
        build(DEFAULT_CONTENT, tmp_path / "lost.pdf", str(theme))
    assert caught.value.path == theme and caught.value.line in (4, 5)
    assert "shows no {meta.kicker}" in caught.value.message


def _poster(tmp_path: Path, slot: str) -> Path:
    theme = tmp_path / "fit.yaml"
    theme.write_text("name: fit\nextends: default\nmasters:\n  cover:\n    slots:\n"
                     f"      - {slot}\n", encoding="utf-8")
    return theme


def test_a_slot_shrinks_to_fit_and_refuses_below_its_least_size(tmp_path: Path) -> None:
    content = write(tmp_path, document({"paragraph": "正文。"}) | {
        "meta": {"title": "很长的标题" * 6, "date": "2022", "language": "zh-CN"}})
    theme = _poster(tmp_path, '{text: "{meta.title}", style: cover_title, box: [20mm, 30mm, '
                              '120mm, 20mm], fit: {shrink: 10}}')
    build(content, tmp_path / "fit.pdf", str(theme))
    size = load_theme(theme_path("default")).styles["cover_title"].size
    with pdfplumber.open(tmp_path / "fit.pdf") as pdf:
        sizes = {round(c["size"], 1) for c in pdf.pages[0].chars}
    assert sizes and max(sizes) < size and min(sizes) >= 10
    theme = _poster(tmp_path, '{text: "{meta.title}", style: cover_title, box: [20mm, 30mm, '
                              '120mm, 20mm]}')
    with pytest.raises(BrochureError) as caught:
        build(content, tmp_path / "refused.pdf", str(theme))
    assert caught.value.path == theme and caught.value.line == 6
    assert "cannot fit its box" in caught.value.message and "shrink" in str(caught.value.hint)
    assert not (tmp_path / "refused.pdf").exists()
    theme = _poster(tmp_path, '{text: "{meta.title}", style: cover_title, box: [20mm, 30mm, '
                              '120mm, 200mm], fit: {lines: 1}}')
    with pytest.raises(BrochureError, match="at most 1 lines"):
        build(content, tmp_path / "refused.pdf", str(theme))


def test_an_opener_master_shows_each_part(tmp_path: Path) -> None:
    theme = tmp_path / "opener.yaml"
    theme.write_text("""name: opener
extends: default
design:
  opener: page
masters:
  opener:
    background: primary
    slots:
      - {text: "第{part.number}篇", style: opener_number, box: [0, 20%, 100%, 60mm],
         in: margins, align: center}
      - {text: "{part.title}", style: opener_title, box: [0, 55%, 100%, 20mm], in: margins,
         align: center, fit: {shrink: 12}}
      - {text: "{part.tag}", style: opener_tag, box: [0, 75%, 100%, 20mm], in: margins,
         align: center, fit: {shrink: 8}}
""", encoding="utf-8")
    build(DEFAULT_CONTENT, tmp_path / "opener.pdf", str(theme))
    sections = load_document(DEFAULT_CONTENT).sections
    with pdfplumber.open(tmp_path / "opener.pdf") as pdf:
        texts = ["".join(words(page)) for page in pdf.pages]
    for number, part in enumerate(sections, start=1):
        assert any(f"第{number:02d}篇" in t and part.title in t for t in texts), part.title


@pytest.mark.parametrize(("master", "line", "message"), [
    ('slots:\n      - {text: "{meta.titel}", style: cover_title, box: [0, 0, 10, 10]}', 7,
     "did you mean 'meta.title'"),
    ('slots:\n      - {text: "{part.title}", style: cover_title, box: [0, 0, 10, 10]}', 7,
     "does not exist on this page"),
    ('slots:\n      - {text: "{meta.title}", style: cover_tilte, box: [0, 0, 10, 10]}', 7,
     "unknown style 'cover_tilte'"),
    ("art:\n      - {rect: [0, 0, 10, 10], color: gold}", 7, "unknown colour 'gold'"),
    ("art:\n      - {rect: [0, 0, 10cm, 10], color: primary}", 7, "'10cm' is not a length"),
    ("art:\n      - {rings: [50%, 50%], color: primary}", 7, "rings need 'step'"),
    ("art:\n      - {rect: [0, 0, 10], color: primary}", 7, "must be [x, y, width, height]"),
    ("backdrop: primary", 6, "unknown key 'backdrop'"),
    ('slots:\n      - {text: "{meta.title}", style: cover_title, box: [0, 0, 10, 10], '
     'below: band}', 7, "names 'band', which is not a slot"),
    ("art:\n      - {name: a, rect: [0, 0, 10, 10], in: b, color: primary}\n"
     "      - {name: b, rect: [0, 0, 10, 10], in: a, color: primary}", 5,
     "place each other in a circle: a → b"),
    ("art:\n      - {rect: [0, 0, 10, 10], color: primary, clear: title}", 7,
     "'clear' belongs to rings art"),
    ("art:\n      - {rect: [0, 0, 42% + 3em, 10], color: primary}", 7,
     "'42% + 3em' is not a length"),
    ('stacks:\n      - {box: [0, 0, 10, 10], stack: [{text: "{meta.title}", '
     'style: cover_title, box: [0, 0, 1, 1]}]}', 7, "a slot in a stack takes no 'box'"),
])
def test_master_errors_name_the_theme_line(tmp_path: Path, master: str, line: int,
                                           message: str) -> None:
    theme = tmp_path / "bad.yaml"
    theme.write_text(f"name: bad\nextends: default\nmasters:\n  cover:\n    {master}\n",
                     encoding="utf-8")
    theme.write_text(theme.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(BrochureError) as caught:
        load_theme(theme)
    assert caught.value.path == theme and caught.value.line in (line - 1, line), \
        str(caught.value)
    assert message in str(caught.value) and caught.value.hint


@pytest.mark.parametrize("name", ["default", "newsletter", "report"])
def test_every_shipped_theme_is_data_only(name: str) -> None:
    """Every designed page of every shipped theme is a master; the layout code names no
    theme and draws no design of its own (no rings, bands or covers in pages.py)."""
    theme = load_theme(theme_path(name))
    assert set(theme.masters) == set(PAGES)
    layout = Path(__file__).parent.parent / "builder" / "layout"
    assert all(f'"{name}"' not in path.read_text(encoding="utf-8")
               for path in layout.glob("*.py"))
    pages = (layout / "pages.py").read_text(encoding="utf-8")
    for drawing in ("circle(", "roundRect(", "drawString(", "Rings(", "primary", "accent"):
        assert drawing not in pages


def test_overlapping_text_boxes_are_refused_on_the_page_size_where_they_meet(
        tmp_path: Path) -> None:
    """Boxes placed in mm, apart on A4, meet on A5: an error naming both lines, on A5
    only."""
    theme = _poster(tmp_path, '{text: "{meta.title}", style: cover_title, box: [0, 100mm, '
                              '100%, 30mm], in: margins, fit: {shrink: 10}}\n'
                              '      - {text: "{meta.date}", style: cover_issuer, box: [0, '
                              '-40mm, 100%, 10mm], in: margins}\n'
                              '      - {text: "{meta.kicker}", style: cover_kicker, box: [0, '
                              '0, 100%, 10mm], in: margins, fit: {shrink: 8}}\n'
                              '      - {text: "{meta.subtitle}", style: cover_subtitle, box: '
                              '[0, 60mm, 100%, 10mm], in: margins, fit: {shrink: 8}}')
    build(DEFAULT_CONTENT, tmp_path / "a4.pdf", str(theme))
    with pytest.raises(BrochureError) as caught:
        build(DEFAULT_CONTENT, tmp_path / "a5.pdf", str(theme), page_size="A5")
    assert "the text boxes of lines" in caught.value.message and "overprint" in \
        caught.value.message and caught.value.path == theme


ARTWORK = Path(__file__).parent / "data" / "artwork"


def test_svg_artwork_prints_in_the_palette_and_its_frames_hold_the_slots(
        tmp_path: Path) -> None:
    """The cover drawn from an SVG: its colours become the theme's CMYK (no RGB operator on
    the page), its frames (rectangles with an id) hold the title and date, and the art and
    frames scale together on A5."""
    import pikepdf

    theme = load_theme(ARTWORK / "svg-cover.yaml")
    primary = tuple(round(v / 100, 3) for v in theme.colors["primary"])
    for size in ("A4", "A5"):
        output = tmp_path / f"{size}.pdf"
        build(DEFAULT_CONTENT, output, str(ARTWORK / "svg-cover.yaml"), page_size=size)
        with pikepdf.open(output) as pdf:
            stream = pdf.pages[0].Contents.read_bytes() if not isinstance(
                pdf.pages[0].Contents, pikepdf.Array) else b"".join(
                part.read_bytes() for part in pdf.pages[0].Contents)
            forms = b"".join(x.read_bytes() for x in pdf.pages[0].Resources.get(
                "/XObject", {}).values())
        assert not re.search(rb"\srg\s|\sRG\s", stream + forms), "RGB on a print cover"
        report = preflight(output)  # no ReportLab default font (Helvetica) comes along
        assert not report.errors, [f.message for f in report.errors][:3]
        with pdfplumber.open(output) as opened:
            cover = opened.pages[0]
            left, top = trim_of(cover)
            fills = {tuple(round(v, 3) for v in (p.get("non_stroking_color") or ()))
                     for p in cover.objects.get("curve", []) + cover.rects}
            found = words(cover)
        assert primary in fills, fills
        sized = theme.with_page_size(size)  # the art covers the bleed box, centred
        bleed, art = sized.print.bleed, 210 * 72 / 25.4
        scale = max((sized.page_width + 2 * bleed) / art,
                    (sized.page_height + 2 * bleed) / (297 * 72 / 25.4))
        frame_left = -bleed + (sized.page_width + 2 * bleed - art * scale) / 2 \
            + 20 * 72 / 25.4 * scale  # the title frame: x = 20 of the SVG's 210
        title = [v for t, v in found.items() if t and t in META.title.replace(" ", "")]
        assert title, found.keys()
        assert all(abs(v["x0"] - left - frame_left) < 1.5 for v in title), (size, title)
        date = found[f"{META.issuer}{META.date}"] if f"{META.issuer}{META.date}" in found \
            else next(v for t, v in found.items() if META.date in t)
        assert date["top"] - top > 0.85 * (float(cover.height) - 2 * top)  # the foot frame


@pytest.mark.parametrize(("svg", "colors", "box", "message"), [
    ('<rect width="10" height="10" fill="#123456"/>', '{"#c8102e": primary}', "[0, 0, 10, 10]",
     "1 colour(s) with no palette entry: #123456"),
    ('<text x="5" y="5" fill="#c8102e">标题</text>', '{"#c8102e": primary}', "[0, 0, 10, 10]",
     "the SVG has text"),
    ('<rect width="10" height="10" fill="#c8102e"/>', '{"#c8102e": primary}', '"#title"',
     "no rectangle with id 'title'"),
    ('<rect width="10" height="10" fill="#c8102e"/>', '{"#c8102e": gold}', "[0, 0, 10, 10]",
     "unknown colour 'gold'"),
    ('<rect width="10" height="10" fill="#c8102e"/>', '{"red": primary}', "[0, 0, 10, 10]",
     "is not a colour of the form #rrggbb"),
])
def test_svg_errors_name_the_theme_line(tmp_path: Path, svg: str, colors: str, box: str,
                                        message: str) -> None:
    (tmp_path / "art.svg").write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" '
        f'viewBox="0 0 100 100">{svg}</svg>', encoding="utf-8")
    theme = tmp_path / "art.yaml"
    theme.write_text("name: art\nextends: default\nmasters:\n  cover:\n    svg:\n"
                     f"      file: art.svg\n      colors: {colors}\n    slots:\n"
                     f'      - {{text: "{{meta.title}}", style: cover_title, box: {box}}}\n',
                     encoding="utf-8")
    with pytest.raises(BrochureError) as caught:
        load_theme(theme)
    assert caught.value.path == theme and caught.value.line is not None
    assert message in str(caught.value) and caught.value.hint, str(caught.value)


def test_hostile_svg_files_are_refused_quickly(tmp_path: Path) -> None:
    """Entity bombs, outside files and things that are not SVG: errors, never a hang."""
    import time

    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    bomb = (f'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY l0 "lol">{lol}]>'
            '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
            '<text x="1" y="1">&l9;</text></svg>')
    cases = {"bomb.svg": bomb, "notsvg.svg": "<html><body/></html>", "broken.svg": "<svg",
             "../outside.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>"}
    folder = tmp_path / "theme"
    folder.mkdir()
    for name, text in cases.items():
        (folder / name).write_text(text, encoding="utf-8")
        theme = folder / "art.yaml"
        theme.write_text(f"name: art\nextends: default\nmasters:\n  cover:\n    svg:\n"
                         f"      file: {name}\n      colors: {{}}\n", encoding="utf-8")
        started = time.monotonic()
        with pytest.raises(BrochureError) as caught:
            load_theme(theme)
        assert time.monotonic() - started < 5, name
        assert caught.value.path == theme and caught.value.hint, (name, str(caught.value))


def test_a_sum_of_lengths_places_a_box(tmp_path: Path) -> None:
    """`58% + 10mm` is the sum: a rect reaching to 58 % of the trim and 10 mm more."""
    theme = tmp_path / "sum.yaml"
    theme.write_text("name: sum\nextends: default\nmasters:\n  cover:\n    art:\n"
                     "      - {rect: [0, 0, 100%, 58% + 10mm], color: accent}\n"
                     "    slots:\n      - {text: \"{meta.title}{meta.kicker}{meta.subtitle}\","
                     " style: cover_issuer, box: [0, -20mm, 100%, 15mm], in: margins, "
                     "fit: {shrink: 4}}\n", encoding="utf-8")
    build(DEFAULT_CONTENT, tmp_path / "sum.pdf", str(theme), profile="screen")
    resolved = load_theme(theme)
    with pdfplumber.open(tmp_path / "sum.pdf") as pdf:
        band = max(pdf.pages[0].rects, key=lambda r: r["width"] * r["height"])
    assert band["height"] == pytest.approx(resolved.page_height * 0.58 + 10 * 72 / 25.4,
                                           abs=0.05)


def test_a_stack_that_cannot_fit_names_its_line(tmp_path: Path) -> None:
    theme = tmp_path / "stack.yaml"
    theme.write_text("name: stack\nextends: default\nmasters:\n  cover:\n    stacks:\n"
                     "      - box: [0, 0, 100%, 20mm]\n        stack:\n"
                     "          - {text: \"{meta.kicker}\", style: cover_kicker}\n"
                     "          - {text: \"{meta.title}\", style: cover_title}\n"
                     "          - {text: \"{meta.subtitle}\", style: cover_subtitle}\n",
                     encoding="utf-8")
    with pytest.raises(BrochureError) as caught:
        build(DEFAULT_CONTENT, tmp_path / "stack.pdf", str(theme))
    assert caught.value.path == theme and caught.value.line in (9, 10), str(caught.value)
    assert "cannot fit" in caught.value.message and caught.value.hint


def test_a_masthead_cover_without_a_list_of_sections_is_refused(tmp_path: Path) -> None:
    """design.cover: masthead drops the contents page: a cover master that lists no
    sections would lose them."""
    theme = tmp_path / "masthead.yaml"
    theme.write_text("name: m\nextends: default\ndesign:\n  cover: masthead\n",
                     encoding="utf-8")
    with pytest.raises(BrochureError) as caught:
        load_theme(theme)
    assert caught.value.path == theme and caught.value.line == 4
    assert "lists no sections" in caught.value.message and "newsletter" in caught.value.hint


def test_the_compact_cover_is_used_where_the_cover_does_not_fit(tmp_path: Path) -> None:
    """Twelve sections on 32开: the newsletter's cover does not hold them; its compact
    master does, with every section listed."""
    document = load_document(DEFAULT_CONTENT)
    extra = tuple(replace(document.sections[0], title=f"第{n}节") for n in range(8))
    document = replace(document, parts=document.parts + extra)
    theme = load_theme(theme_path("newsletter")).with_page_size("32开")
    cover = theme.masters["cover"]
    assert cover.compact is not None
    fonts = register_theme_fonts(theme)
    art = PageArt(document, theme, fonts, Typesetter(theme, fonts, PrintRecord()))
    with pytest.raises(BrochureError):
        art.masters.lay(cover, None, 1, None, {})
    assert art.masters.chosen(cover) is cover.compact
    plan = art.masters.plan(cover)
    titles = {placed.text for placed in plan.texts}
    assert all(part.title in titles for part in document.sections)
    a4 = load_theme(theme_path("newsletter"))
    fonts = register_theme_fonts(a4)
    usual = PageArt(load_document(DEFAULT_CONTENT), a4, fonts, Typesetter(a4, fonts))
    assert usual.masters.chosen(a4.masters["cover"]) is a4.masters["cover"]


def test_a_cover_listing_the_sections_must_print_the_lead(tmp_path: Path) -> None:
    """A cover that lists the sections replaces the contents page, which prints the lead:
    leaving the lead out is an error naming the master, not a lost paragraph."""
    theme = tmp_path / "nolead.yaml"
    theme.write_text(
        "name: nolead\nextends: default\ndesign:\n  cover: masthead\nmasters:\n  cover:\n"
        "    slots:\n      - {list: sections, style: contents_entry, number: contents_number,"
        " detail: contents_detail, box: [0, 40%, 100%, 40%], in: margins}\n"
        '      - {text: "{meta.title}{meta.kicker}{meta.subtitle}", style: cover_issuer, '
        "box: [0, 0, 100%, 20%], in: margins, fit: {shrink: 5}}\n", encoding="utf-8")
    with pytest.raises(BrochureError) as caught:
        build(DEFAULT_CONTENT, tmp_path / "nolead.pdf", str(theme))
    assert caught.value.path is not None and caught.value.path.name == "nolead.yaml"
    assert "{meta.lead}" in caught.value.message and caught.value.hint
