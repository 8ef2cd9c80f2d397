"""Print production: boxes, bleed, marks, colour, page sizes, imposition, preflight, releases."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pdfplumber
import pikepdf
import pypdfium2
import pytest
from conftest import DEFAULT_CONTENT, ROOT, Built, flat
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from builder import data
from builder.build import build
from builder.inspect.preflight import preflight
from builder.inspect.typography import analyze_pdf
from builder.pdf.impose import impose, saddle_order
from builder.pdf.profile import PRINT
from builder.source.theme import MM

A4 = (210 * MM, 297 * MM)


def boxes(page) -> dict[str, tuple[float, ...]]:
    return {name: tuple(float(v) for v in page.obj[f"/{name}"])
            for name in ("MediaBox", "TrimBox", "BleedBox")}


def pixel(pdf: Path, page: int, x: float, y: float, scale: float = 2.0) -> tuple[int, ...]:
    """Colour of the rendered page at PDF point (x, y) (origin bottom left of the MediaBox)."""
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        image = document[page].render(scale=scale).to_pil().convert("RGB")
        return image.getpixel((int(x * scale), int(image.height - y * scale)))
    finally:
        document.close()


def test_every_print_page_has_trim_and_bleed_boxes_and_room_for_marks(built: Built) -> None:
    with pikepdf.open(built.pdf) as document:
        assert len(document.pages) % 4 == 0, "print file is padded for saddle stitch"
        for number, page in enumerate(document.pages, start=1):
            b = boxes(page)
            trim, bleed, media = b["TrimBox"], b["BleedBox"], b["MediaBox"]
            assert abs(trim[2] - trim[0] - A4[0]) < 0.1 and abs(trim[3] - trim[1] - A4[1]) < 0.1
            for side in range(2):
                assert abs(trim[side] - bleed[side] - 3 * MM) < 0.01, number
                assert abs(bleed[side + 2] - trim[side + 2] - 3 * MM) < 0.01, number
                assert trim[side] - media[side] >= 8 * MM  # bleed plus 5 mm crop marks


def test_backgrounds_run_into_the_bleed_and_marks_sit_outside_it(built: Built) -> None:
    with pikepdf.open(built.pdf) as document:
        x0, y0, x1, y1 = boxes(document.pages[0])["TrimBox"]
    middle = (y0 + y1) / 2
    red = pixel(built.pdf, 0, x0 - 1.5 * MM, middle)     # in the bleed, left of the cover
    assert red[0] > 150 and red[1] < 80, f"cover background stops at the trim: {red}"
    white = pixel(built.pdf, 0, x0 - 4 * MM, y0 + 40 * MM)  # beyond the bleed, no mark
    assert min(white) > 245, white
    mark = pixel(built.pdf, 0, x0 - 6 * MM, y0, scale=4)   # the horizontal crop mark
    assert max(mark) < 120, f"no crop mark at the lower left corner: {mark}"


def test_marks_use_the_registration_colour_and_are_drawn_once(built: Built) -> None:
    with pikepdf.open(built.pdf) as document:
        forms = {page.Resources.XObject["/FormXob.marks"].objgen for page in document.pages}
        assert len(forms) == 1, "every page places the same marks form"
        marks = document.pages[3].Resources.XObject["/FormXob.marks"]
        spaces = marks.Resources.get("/ColorSpace", {})
        separations = [str(space[1]) for space in spaces.values()
                       if str(space[0]) == "/Separation"]
        assert b"/All CS" in marks.read_bytes()
    assert "/All" in separations


def test_every_padding_page_has_its_marks_once(tmp_path: Path) -> None:
    """With band openers only (no opener page can absorb the page count), 大32开 pads with
    blank pages: each is a page begun as any other (marks drawn once), and the back cover
    after them draws its marks once too."""
    theme = tmp_path / "bands.yaml"
    theme.write_text("name: bands\nextends: default\ndesign:\n  opener: band\n",
                     encoding="utf-8")
    output = tmp_path / "padded.pdf"
    build(DEFAULT_CONTENT, output, str(theme), page_size="大32开")
    with pikepdf.open(output) as document:
        streams = [page.Contents.read_bytes() for page in document.pages]
    blanks = [s for s in streams if b" Tf" not in s and b" re" not in s]
    assert len(streams) % 4 == 0 and len(blanks) >= 2, "the case needs two blanks or more"
    assert [s.count(b"/FormXob.marks Do") for s in streams] == [1] * len(streams)


def test_section_openers_place_one_drawing_of_their_art(built: Built) -> None:
    sections = [p for p in built.document.parts if p.layout == "section"]
    with pikepdf.open(built.pdf) as document:
        forms = [page.Resources.XObject["/FormXob.opener-art"].objgen
                 for page in document.pages if "/FormXob.opener-art" in page.Resources.XObject]
    assert 1 < len(forms) <= len(sections) and len(set(forms)) == 1


def test_print_file_is_cmyk_with_body_text_in_black_only(built: Built) -> None:
    report = preflight(built.pdf)
    assert not [i for i in report.issues if i.rule == "rgb"]
    with pdfplumber.open(built.pdf) as pdf:
        body = [c for page in pdf.pages for c in page.chars if round(c["size"], 1) == 10.5
                and c["fontname"].endswith("NotoSerifSC-Regular") and c["text"] != "…"]
    assert len(body) > 200
    assert {tuple(c["non_stroking_color"]) for c in body} == {(0.0, 0.0, 0.0, 1.0)}


def test_screen_file_is_rgb_without_marks_and_its_contents_link_to_the_parts(
        screen: Path, built: Built) -> None:
    with pikepdf.open(screen) as document:
        assert all("/TrimBox" not in page.obj for page in document.pages)
        assert "/OutputIntents" not in document.Root
        links = document.pages[1].obj.get("/Annots", [])
        assert len(links) == len(built.document.parts)
        page_numbers = {page.objgen: n for n, page in enumerate(document.pages, start=1)}
        targets = []
        for link in links:
            destination = link.get("/Dest")
            if destination is None:
                destination = link.A.D
            if isinstance(destination, (pikepdf.String, pikepdf.Name)):
                destination = document.Root.Names.Dests.Names[
                    list(document.Root.Names.Dests.Names).index(destination) + 1]
            targets.append(page_numbers[destination[0].objgen])
    texts = [p.extract_text() for p in __import__("pypdf").PdfReader(screen).pages]
    for part, target in zip(built.document.parts, targets, strict=True):
        assert flat(part.headline or part.title) in flat(texts[target - 1])
    report = preflight(screen, PRINT)
    assert {"rgb", "boxes", "output-intent"} <= {i.rule for i in report.errors}


@pytest.mark.parametrize("size, width_mm, height_mm", [("A5", 148, 210), ("大16开", 210, 285),
                                                      ("185×260 mm", 185, 260)])
def test_the_brochure_builds_in_other_page_sizes_without_overflow(
        tmp_path: Path, size: str, width_mm: float, height_mm: float) -> None:
    output = tmp_path / "sized.pdf"
    build(DEFAULT_CONTENT, output, page_size=size)  # fails if any text were lost
    with pikepdf.open(output) as document:
        x0, y0, x1, y1 = boxes(document.pages[0])["TrimBox"]
    assert abs(x1 - x0 - width_mm * MM) < 0.1 and abs(y1 - y0 - height_mm * MM) < 0.1
    report = preflight(output)
    assert not report.errors, report.to_text()  # nothing within 3 mm of the trim or beyond
    typography = analyze_pdf(output)
    assert typography.flush_share == 1.0 and not typography.forbidden_starts


def test_saddle_stitch_order_is_the_printers() -> None:
    assert saddle_order(8) == [(8, 1), (2, 7), (6, 3), (4, 5)]
    assert saddle_order(4) == [(4, 1), (2, 3)]
    with pytest.raises(ValueError):
        saddle_order(6)


def test_impose_proof_pads_and_places_each_page_on_the_right_half(tmp_path: Path) -> None:
    source = tmp_path / "seven.pdf"
    canvas = Canvas(str(source), pagesize=(200, 300))
    for number in range(1, 8):
        canvas.setFont("Helvetica", 40)
        canvas.drawString(60, 150, f"P{number}")
        canvas.showPage()
    canvas.save()
    imposed = impose(source, proof=True)
    assert imposed.blanks == 1 and imposed.pages == 7
    expected = [(7, 1), (2, None), (6, 3), (4, 5)]  # the blank goes before the back page
    assert imposed.sides == expected
    with pdfplumber.open(io.BytesIO(imposed.pdf)) as pdf:
        assert len(pdf.pages) == 4
        for page, (left, right) in zip(pdf.pages, expected, strict=True):
            assert (page.width, page.height) == (400, 300)
            halves = (page.crop((0, 0, 200, 300)), page.crop((200, 0, 400, 300)))
            for half, number in zip(halves, (left, right), strict=True):
                text = (half.extract_text() or "").strip()
                assert text == (f"P{number}" if number else ""), (left, right, text)


def test_impose_proof_clips_print_pages_to_their_trim(built: Built) -> None:
    imposed = impose(built.pdf, proof=True)
    with pikepdf.open(io.BytesIO(imposed.pdf)) as document:
        width = float(document.pages[0].MediaBox[2])
        forms = list(document.pages[0].Resources.XObject.values())
        assert abs(width - 2 * A4[0]) < 0.1  # an A3 sheet for A4 pages
        assert all(abs(float(f.BBox[2]) - float(f.BBox[0]) - A4[0]) < 0.1 for f in forms)
    assert impose(built.pdf, proof=True).pdf == imposed.pdf  # reproducible


def test_preflight_passes_the_default_brochure(built: Built) -> None:
    report = preflight(built.pdf)
    assert not report.issues, report.to_text()
    assert {"font-embedded", "rgb", "boxes", "bleed", "image-ppi", "safety",
            "output-intent", "page-count"} <= set(report.checked)


def test_preflight_finds_a_bleed_under_3_mm(tmp_path: Path) -> None:
    theme = tmp_path / "thin.yaml"
    theme.write_text((data.themes_dir() / "default.yaml").read_text(encoding="utf-8").replace(
        "  bleed: 3 ", "  bleed: 1 "), encoding="utf-8")
    output = tmp_path / "thin.pdf"
    build(DEFAULT_CONTENT, output, str(theme))
    assert [i.rule for i in preflight(output).errors] and all(
        i.rule == "bleed" for i in preflight(output).errors)


def test_preflight_finds_low_resolution_images(tmp_path: Path) -> None:
    Image.new("RGB", (60, 40), (200, 30, 30)).save(tmp_path / "small.png")
    content = tmp_path / "photo.yaml"
    content.write_text(
        'meta: {title: 图片测试, date: "2022", language: zh-CN}\n'
        "parts:\n  - title: 图片\n    blocks:\n"
        "      - figure: 小图片\n        image: small.png\n", encoding="utf-8")
    output = tmp_path / "photo.pdf"
    build(content, output)
    report = preflight(output)
    assert [i.rule for i in report.errors] == ["image-ppi"], report.to_text()


def test_preflight_finds_unembedded_fonts_and_text_near_the_trim(tmp_path: Path) -> None:
    pdf = tmp_path / "bad.pdf"
    canvas = Canvas(str(pdf), pagesize=(300, 300), trimBox=(20, 20, 280, 280),
                    bleedBox=(11, 11, 289, 289))
    canvas.setFont("Helvetica", 12)
    canvas.drawString(22, 150, "edge")
    canvas.save()
    rules = {i.rule for i in preflight(pdf).errors}
    assert {"font-embedded", "safety", "output-intent"} <= rules


def test_preflight_cli_exit_status_and_json(screen: Path, built: Built) -> None:
    run = subprocess.run([sys.executable, "-m", "builder", "preflight", str(screen),
                          "--format", "json"], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 1 and '"ok": false' in run.stdout
    run = subprocess.run([sys.executable, "-m", "builder", "preflight", str(built.pdf)],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0 and "PASS: 0 errors, 0 warnings" in run.stdout


def test_builds_are_byte_identical_and_dated_from_the_source(tmp_path: Path) -> None:
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    one, two = build(DEFAULT_CONTENT, first), build(DEFAULT_CONTENT, second)
    assert first.read_bytes() == second.read_bytes()
    assert one.sha256 == two.sha256 == hashlib.sha256(first.read_bytes()).hexdigest()
    with pikepdf.open(first) as document:
        assert str(document.docinfo.CreationDate).startswith("D:20220101")
    os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
    try:
        build(DEFAULT_CONTENT, second)
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]
    with pikepdf.open(second) as document:
        assert str(document.docinfo.CreationDate).startswith("D:20231114")


def test_pdfx_metadata_agrees_with_the_info_and_the_ids_come_from_the_file(
        built: Built, screen: Path) -> None:
    meta = built.document.meta
    with pikepdf.open(built.pdf) as document:
        assert document.pdf_version == "1.6"
        info = document.docinfo
        assert str(info.GTS_PDFXVersion) == "PDF/X-4" and info.Trapped == pikepdf.Name("/False")
        intent = document.Root.OutputIntents[0]
        assert intent.S == pikepdf.Name.GTS_PDFX and str(intent.OutputConditionIdentifier)
        profile = intent.DestOutputProfile
        assert profile.N == 4 and profile.read_bytes()[36:40] == b"acsp"  # an ICC profile
        assert document.Root.Metadata.get("/Filter") is None  # XMP stays readable
        with document.open_metadata() as xmp:
            assert xmp["dc:title"] == meta.title == str(info.Title)
            assert xmp["dc:creator"] == [meta.issuer]
            assert xmp["pdfxid:GTS_PDFXVersion"] == "PDF/X-4"
            assert xmp["xmp:CreateDate"].startswith("2022-01-01")
            document_id = xmp["xmpMM:DocumentID"].removeprefix("uuid:").replace("-", "")
            instance_id = xmp["xmpMM:InstanceID"].removeprefix("uuid:").replace("-", "")
        first, second = (bytes(part).hex() for part in document.trailer.ID)
    assert first == second == document_id != instance_id
    from builder.pdf.printing import ID_PLACEHOLDER, INSTANCE_PLACEHOLDER
    as_written = built.pdf.read_bytes()  # the file as ReportLab wrote it: placeholders back
    for stamped, placeholder in ((document_id, ID_PLACEHOLDER),
                                 (instance_id, INSTANCE_PLACEHOLDER)):
        for form in (str, lambda hex_id: str(uuid.UUID(hex_id))):
            as_written = as_written.replace(form(stamped).encode(), form(placeholder).encode())
    assert hashlib.sha256(as_written).hexdigest() == document_id + instance_id
    with pikepdf.open(screen) as document:
        assert "/GTS_PDFXVersion" not in document.docinfo
        assert document.pdf_version == "1.7"  # PDF/UA-1 is based on PDF 1.7
        with document.open_metadata() as xmp:
            assert xmp["dc:title"] == meta.title and "pdfxid:GTS_PDFXVersion" not in xmp


def test_document_ids_follow_the_content(tmp_path: Path) -> None:
    from builder.errors import BrochureError
    from builder.pdf.printing import ID_PLACEHOLDER, stamp_document_id
    placeholder_file = (f"%PDF-1.6 <{ID_PLACEHOLDER}> 5fd1e3b0-c2a4-9e77-81f0-6ad3b8c94e21 "
                        "a0c3f96e-4b1d-4287-8e5c-0b9d6f2e7a13 ").encode()
    one = stamp_document_id(placeholder_file + b"page one")
    two = stamp_document_id(placeholder_file + b"page two")
    assert len(one) == len(placeholder_file + b"page one"), "offsets stay right"
    assert one != two and one[:50] != two[:50] and ID_PLACEHOLDER.encode() not in one
    assert stamp_document_id(placeholder_file + b"page one") == one
    with pytest.raises(BrochureError, match="placeholder"):
        stamp_document_id(b"%PDF-1.6 no placeholders")


def test_reportlab_url_pattern_is_deferred_and_still_matches() -> None:
    """In a fresh process: importing through builder.engine.platypus leaves ReportLab's URL pattern
    uncompiled until used, and the stand-in matches as the real pattern does."""
    script = """if True:
        import re
        from builder.engine.platypus import defer_uri_pattern
        from builder.engine.private import uri_pattern
        from reportlab.platypus import paragraph
        defer_uri_pattern()  # a second call changes nothing
        assert type(paragraph.uri_pat).__name__ == "LazyPattern", "no effect"
        assert paragraph.uri_pat.compiled is None
        real = re.compile(*uri_pattern())
        assert isinstance(real, re.Pattern), "the stand-in was left in re's cache"
        for text in ("https://example.com/a?b=1", "mailto:x", "ftp://[::1]:21/", "text"):
            assert bool(paragraph.uri_pat.match(text)) == bool(real.match(text)), text
        print("ok")
    """
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=ROOT)
    assert run.stdout.strip() == "ok", run.stderr


def test_release_writes_the_folder_with_checksums(tmp_path: Path) -> None:
    content = tmp_path / "xianan-2022.yaml"
    content.write_text(DEFAULT_CONTENT.read_text(encoding="utf-8"), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "builder", "release", str(content)],
                         capture_output=True, text=True, cwd=tmp_path,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr
    folder = tmp_path / "dist" / "xianan-2022"
    names = {p.name for p in folder.iterdir()}
    assert names == {"xianan-2022-print.pdf", "xianan-2022-screen.pdf",
                     "xianan-2022-booklet.pdf", "preflight.txt", "preflight.json", "SHA256SUMS"}
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
    # every PDF preflighted by the rules of its kind, each named with its result
    reports = json.loads((folder / "preflight.json").read_text())
    assert reports["ok"] is True
    kinds = {Path(r["path"]).name: (r["profile"], r["kind"], r["ok"]) for r in reports["files"]}
    assert kinds == {"xianan-2022-print.pdf": ("print", "pages", True),
                     "xianan-2022-screen.pdf": ("screen", "pages", True),
                     "xianan-2022-booklet.pdf": ("print", "booklet", True)}
    for name in kinds:
        assert re.search(rf"{name}\s+PASS", run.stdout), run.stdout
        assert re.search(rf"{name}\s+PASS", (folder / "preflight.txt").read_text())


def test_a_failing_file_fails_the_release_and_is_named(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A booklet that preflight fails (here: without its output intent) fails the release,
    though the print file passes: release no longer vouches for the print file alone."""
    import pikepdf

    from builder.cli import release as releasing
    from builder.pdf.impose import Imposed

    real = releasing.impose

    def without_intent(source: Path, *args: object, **options: object) -> Imposed:
        imposed = real(source, *args, **options)  # type: ignore[arg-type]
        with pikepdf.open(io.BytesIO(imposed.pdf)) as pdf:
            del pdf.Root.OutputIntents
            out = io.BytesIO()
            pdf.save(out)
        return Imposed(out.getvalue(), imposed.pages, imposed.blanks, imposed.sides)

    monkeypatch.setattr(releasing, "impose", without_intent)
    made = releasing.release(DEFAULT_CONTENT, tmp_path / "dist")
    assert not made.ok
    failed = [path.name for path, report in made.reports.items() if report.errors]
    assert failed == ["xianan-2022-booklet.pdf"]
    assert "xianan-2022-booklet.pdf  FAIL" in releasing.summary(made.reports)


def test_a_perfect_bound_release_ships_its_cover_spread_not_a_booklet(tmp_path: Path) -> None:
    from builder.cli.release import release

    theme = tmp_path / "glued.yaml"
    theme.write_text("name: glued\nextends: default\nprint:\n  binding: perfect\n",
                     encoding="utf-8")
    made = release(DEFAULT_CONTENT, tmp_path / "dist", str(theme))
    kinds = {path.name: report.kind for path, report in made.reports.items()}
    assert kinds == {"xianan-2022-print.pdf": "pages", "xianan-2022-screen.pdf": "pages",
                     "xianan-2022-cover.pdf": "cover"}
    assert made.ok and made.blanks == 0
    assert not (made.folder / "xianan-2022-booklet.pdf").exists()


@pytest.mark.parametrize(("date", "stamp"), [
    ("2022", "2022-01-01"), ("2022-10", "2022-10-01"), ("2022-10-05", "2022-10-05"),
    ("2022年10月5日", "2022-10-05"), ("2022/3/9", "2022-03-09"), ("99999999999", "2000-01-01"),
])
def test_the_file_date_comes_from_the_content_date(date: str, stamp: str) -> None:
    from builder.pdf.printing import build_date
    from builder.source.model import Meta
    assert build_date(Meta(title="t", date=date, language="zh-CN")).strftime(
        "%Y-%m-%d") == stamp


def test_written_pdfs_get_the_usual_file_mode(tmp_path: Path) -> None:
    from builder.files import write_atomically
    target = tmp_path / "a.pdf"
    mask = os.umask(0o022)
    try:
        write_atomically(b"%PDF-1.4", target)
    finally:
        os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o644
    target.chmod(0o600)
    write_atomically(b"%PDF-1.4 again", target)  # replacing keeps the file's mode
    assert target.stat().st_mode & 0o777 == 0o600


def test_a_release_is_named_as_the_build_names_its_file(tmp_path: Path) -> None:
    """`brochure new demo` writes demo/content.yaml: the build writes dist/demo.pdf and the
    release dist/demo/demo-print.pdf, never dist/content/."""
    from builder.cli.inputs import output_for
    from builder.cli.release import release

    folder = tmp_path / "demo"
    folder.mkdir()
    content = folder / "content.yaml"
    content.write_text(DEFAULT_CONTENT.read_text(encoding="utf-8"), encoding="utf-8")
    made = release(content, tmp_path / "dist")
    assert output_for(content, tmp_path / "dist").stem == "demo"
    assert made.folder == tmp_path / "dist" / "demo"
    assert (made.folder / "demo-print.pdf").exists()
