"""Hostile PDFs for the PDF tools (`preflight`, `impose`, `preview`, `check --typography`,
`check --layout`): each refuses cleanly (exit 2, the file named, a hint) or gives a result
that is not vacuous; nothing hangs, nothing tracebacks, nothing is written for a refused
input, and preview's pixels are bounded. Every PDF is made here, with pikepdf or byte by byte."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from hostile import Outcome, assert_refused, cli, cli_process
from PIL import Image

from builder.inspect.preview import SHEET_PIXELS, _cell

TOOLS = ("preflight", "impose", "preview", "typography", "layout")


def run(tool: str, pdf: Path, out: Path) -> Outcome:
    """`brochure TOOL PDF` in this process, writing any output under `out`."""
    return cli(*argv(tool, pdf, out))


def argv(tool: str, pdf: Path, out: Path) -> list[str | Path]:
    commands: dict[str, list[str | Path]] = {
        "preflight": ["preflight", pdf],
        "impose": ["impose", pdf, "-o", out / "booklet.pdf"],
        "preview": ["preview", pdf, "--out", out / "pages"],
        "typography": ["check", "--typography", pdf],
        "layout": ["check", "--layout", pdf]}
    return commands[tool]


def nothing_written(out: Path) -> bool:
    return not (out / "booklet.pdf").exists() and not (out / "pages").exists()


# --------------------------------------------------------------------------- makers
def blank(pages: int = 1, box: list | None = None, **boxes: list) -> bytes:
    """A PDF of blank A4 pages; `box` replaces each MediaBox, `boxes` adds others."""
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    for page in pdf.pages:
        if box is not None:
            page.obj.MediaBox = pikepdf.Array(box)
        for name, value in boxes.items():
            page.obj[f"/{name}"] = pikepdf.Array(value)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def encrypted(user: str) -> bytes:
    pdf = pikepdf.open(io.BytesIO(blank()))
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(user=user, owner="owner"))
    return out.getvalue()


def raw_pdf(*objects: bytes) -> bytes:
    """A PDF of `objects` (1 is the catalog) with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def stream(data: bytes, entries: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n%s\nendstream" % (len(data), entries, data)


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
ONE_PAGE = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
FORM = b"/Type /XObject /Subtype /Form /BBox [0 0 10 10] "
DEEP = 100_000


def page(entries: bytes = b"") -> bytes:
    return b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R %s >>" % (
        entries)


def page_tree_loop() -> bytes:
    return raw_pdf(CATALOG, b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>", page(),
                   stream(b""))


def deep_page_dictionary() -> bytes:
    return raw_pdf(CATALOG, ONE_PAGE, page(b"/X " + b"[" * DEEP + b"]" * DEEP), stream(b""))


def form_drawing_itself(times: int) -> bytes:
    """A page drawing form F, which draws itself `times` times (forever, to any depth)."""
    return raw_pdf(CATALOG, ONE_PAGE, page(b"/Resources << /XObject << /F 5 0 R >> >>"),
                   stream(b"/F Do"),
                   stream(b"/F Do " * times, FORM + b"/Resources << /XObject << /F 5 0 R >> >>"))


def form_chain(length: int) -> bytes:
    """Forms drawing forms, `length` deep, the last one a word of text."""
    forms = [stream(b"/F Do", FORM + b"/Resources << /XObject << /F %d 0 R >> >>" % (6 + i))
             for i in range(length)]
    return raw_pdf(CATALOG, ONE_PAGE, page(b"/Resources << /XObject << /F 5 0 R >> >>"),
                   stream(b"/F Do"), *forms, stream(b"", FORM))


def cut(length: int) -> Callable[[Path], bytes]:
    """The default brochure (`default`, the test session's build) cut to its first `length`
    bytes (from the end when negative)."""
    return lambda default: default.read_bytes()[:length]


REFUSED: dict[str, tuple[Callable[[Path], bytes], str]] = {
    # name: (maker, words the refusal names)
    "text": (lambda _: "这不是 PDF\n".encode(), "not a PDF"),
    "empty": (lambda _: b"", "not a PDF"),
    "png": (lambda _: _png_bytes(), "not a PDF"),
    "header only": (lambda _: b"%PDF-1.7\n", "cannot read the PDF"),
    "cut at 1 KB": (cut(1024), "cannot read the PDF"),
    "cut at half": (cut(180_000), "cannot read the PDF"),
    "user password": (lambda _: encrypted("user"), "encrypted with a password"),
    "no pages": (lambda _: blank(0), "no pages"),
    "MediaBox 0×0": (lambda _: blank(box=[0, 0, 0, 0]), "MediaBox is 0×0 pt"),
    "MediaBox 1×1": (lambda _: blank(box=[0, 0, 1, 1]), "MediaBox is 1×1 pt"),
    "MediaBox 1e9": (lambda _: blank(box=[0, 0, 10**9, 10**9]), "each side must be"),
    "MediaBox 20000 wide": (lambda _: blank(box=[0, 0, 20000, 842]), "MediaBox is 20000×842"),
    "MediaBox huge negative": (lambda _: blank(box=[-10**12, 0, 0, 842]), "each side must be"),
    "TrimBox 0×0": (lambda _: blank(TrimBox=[10, 10, 10, 10]), "TrimBox is 0×0 pt"),
    "BleedBox not numbers": (lambda _: blank(BleedBox=[0, 0, pikepdf.Name("/A"), 5]),
                             "BleedBox is not four numbers"),
    "page tree loop": (lambda _: page_tree_loop(), "Loop detected in /Pages"),
    "deep nesting": (lambda _: deep_page_dictionary(), "nested"),
    "form drawing itself 60 times": (lambda _: form_drawing_itself(60), "forms within forms"),
    "form drawing itself twice": (lambda _: form_drawing_itself(2), "forms within forms"),
}


def _png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "PNG")
    return out.getvalue()


# --------------------------------------------------------------------------- refusals
@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("name", REFUSED)
def test_hostile_pdf_is_refused_naming_the_file(built, tmp_path: Path, name: str,
                                                tool: str) -> None:
    maker, words = REFUSED[name]
    pdf = tmp_path / "hostile.pdf"
    pdf.write_bytes(maker(built.pdf))
    message = assert_refused(run(tool, pdf, tmp_path), words)
    assert message.startswith(f"{pdf}: error:"), message
    assert nothing_written(tmp_path)


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("name", ["missing", "folder", "dangling link"])
def test_what_is_not_a_file_is_refused(tmp_path: Path, name: str, tool: str) -> None:
    pdf = tmp_path / "given.pdf"
    if name == "folder":
        pdf.mkdir()
    elif name == "dangling link":
        pdf.symlink_to(tmp_path / "nowhere.pdf")
    words = "a folder" if name == "folder" else "not found"
    assert_refused(run(tool, pdf, tmp_path), words)
    assert nothing_written(tmp_path)


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("name", ["/dev/zero", "link to /dev/zero", "FIFO"])
def test_devices_and_pipes_are_refused_without_waiting(tmp_path: Path, name: str,
                                                        tool: str) -> None:
    pdf = Path("/dev/zero")
    if name == "link to /dev/zero":
        pdf = tmp_path / "zero.pdf"
        pdf.symlink_to("/dev/zero")
    elif name == "FIFO":
        pdf = tmp_path / "pipe.pdf"
        os.mkfifo(pdf)
    outcome = cli_process(*argv(tool, pdf, tmp_path), cwd=tmp_path)
    assert_refused(outcome, "not a regular file", "a named pipe" if name == "FIFO"
                   else "a device")
    assert nothing_written(tmp_path)


@pytest.mark.parametrize("tool", TOOLS)
def test_too_many_pages_are_refused(tmp_path: Path, tool: str) -> None:
    pdf = tmp_path / "many.pdf"
    pdf.write_bytes(blank(501 if tool == "preview" else 5001))
    assert_refused(run(tool, pdf, tmp_path), "pages, more than the")
    assert nothing_written(tmp_path)


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("name", ["form drawing itself 60 times", "form chain 5000 deep"])
def test_form_bombs_end_in_time(tmp_path: Path, name: str, tool: str) -> None:
    """pdfium takes hours over a form that draws itself; a chain of forms 5000 deep ends
    Python's recursion in pdfminer: both end within the time limit, without a traceback."""
    pdf = tmp_path / "bomb.pdf"
    pdf.write_bytes(form_drawing_itself(60) if "itself" in name else form_chain(5000))
    outcome = cli_process(*argv(tool, pdf, tmp_path), cwd=tmp_path)
    assert "Traceback" not in outcome.err
    if "itself" in name or tool in ("typography", "layout"):
        assert_refused(outcome, "forms within forms" if "itself" in name else "too deeply")
    else:
        assert outcome.code in (0, 1), outcome


# --------------------------------------------------------------------------- results
@pytest.mark.parametrize("name, box", [("inverted", [595, 842, 0, 0]),
                                       ("negative", [0, 0, -595, -842]),
                                       ("offset", [-10000, -10000, -9405, -9158]),
                                       ("not numbers, repaired", [0, 0, pikepdf.Name("/X"), 5])])
def test_odd_but_readable_boxes_give_results(tmp_path: Path, name: str, box: list) -> None:
    pdf = tmp_path / "odd.pdf"
    pdf.write_bytes(blank(2, box=box))
    assert run("impose", pdf, tmp_path).code == 0
    with pikepdf.open(tmp_path / "booklet.pdf") as booklet:
        x0, y0, x1, y1 = (float(v) for v in booklet.pages[0].trimbox)  # the spread's trim
        width, height = x1 - x0, y1 - y0
    expected = (2 * 612, 792) if "repaired" in name else (2 * 595, 842)
    assert (round(width), round(height)) == expected
    assert run("preview", pdf, tmp_path).code == 0
    assert Image.open(tmp_path / "pages" / "page-01.png").width == 300
    preflight = run("preflight", pdf, tmp_path)
    assert preflight.code == 1 and "FAIL" in preflight.out
    # qpdf repaired the MediaBox: preflight says the file is damaged
    assert ("error    structure: the file is damaged" in preflight.out) == ("repaired" in name)


def test_owner_password_is_read_but_fails_preflight(tmp_path: Path) -> None:
    """A PDF with only an owner password opens in every viewer, so the tools read it; a
    print shop may refuse it, so preflight fails it."""
    pdf = tmp_path / "owner.pdf"
    pdf.write_bytes(encrypted(""))
    preflight = run("preflight", pdf, tmp_path)
    assert preflight.code == 1 and "error    encryption: the PDF is encrypted" in preflight.out
    assert preflight.out.rstrip().endswith("warnings") and "FAIL" in preflight.out
    assert run("impose", pdf, tmp_path).code == 0
    assert run("preview", pdf, tmp_path).code == 0


@pytest.mark.parametrize("name", ["blank pages", "owner password", "Latin text only"])
def test_typography_without_chinese_text_is_not_ok(tmp_path: Path, name: str) -> None:
    pdf = tmp_path / "none.pdf"
    if name == "Latin text only":
        from reportlab.pdfgen.canvas import Canvas
        canvas = Canvas(str(pdf))
        for row in range(20):
            canvas.drawString(72, 700 - 14 * row, "Plain Latin text, line after line.")
        canvas.save()
    else:
        pdf.write_bytes(blank(3) if name == "blank pages" else encrypted(""))
    outcome = run("typography", pdf, tmp_path)
    assert outcome.code == 1, outcome
    assert "summary: FAIL: no Chinese body text found" in outcome.out
    assert "summary: ok" not in outcome.out
    as_json = cli("check", "--typography", pdf, "--format", "json")
    assert as_json.code == 1 and '"found_text": false' in as_json.out


def test_the_default_brochure_still_passes_every_tool(built, tmp_path: Path) -> None:
    preflight = run("preflight", built.pdf, tmp_path)
    assert preflight.code == 0 and "ok       structure" in preflight.out
    assert "ok       encryption" in preflight.out and "PASS" in preflight.out
    typography = run("typography", built.pdf, tmp_path)
    assert typography.code == 0 and "summary: ok" in typography.out


@pytest.mark.parametrize("end, repaired", [(-1, False), (-7, False), (-20, True),
                                          (-200, True), (-5000, True)])
def test_a_cut_end_is_repaired_and_failed_by_preflight(built, tmp_path: Path, end: int,
                                                       repaired: bool) -> None:
    """Without the end of its cross-reference section the file is rebuilt by qpdf: the
    tools read it, preflight fails it as damaged (a lost `%%EOF` line alone is harmless)."""
    pdf = tmp_path / "cut.pdf"
    pdf.write_bytes(cut(end)(built.pdf))
    preflight = run("preflight", pdf, tmp_path)
    assert "Traceback" not in preflight.err
    if repaired:
        assert preflight.code == 1, preflight
        assert "error    structure: the file is damaged and was repaired" in preflight.out
    else:
        assert preflight.code == 0 and "ok       structure" in preflight.out, preflight
    assert run("impose", pdf, tmp_path).code == 0


# --------------------------------------------------------------------------- preview's bounds
@pytest.mark.parametrize("width", ["0", "15", "4001", "-300", "1000000000"])
def test_preview_width_is_bounded(tmp_path: Path, width: str) -> None:
    pdf = tmp_path / "one.pdf"
    pdf.write_bytes(blank())
    assert_refused(cli("preview", pdf, "--out", tmp_path / "pages", "--width", width),
                   "pixels wide")
    assert not (tmp_path / "pages").exists()


@pytest.mark.parametrize("box, size", [
    ([0, 0, 14400, 3], (4000, 1)),            # a strip: the full width
    ([0, 0, 3, 14400], (70, 336000)),         # a column: narrower, within PAGE_PIXELS
    ([0, 0, 14400, 14400], (4000, 4000)),     # the largest page PDF allows
])
def test_preview_of_extreme_pages_is_bounded_in_pixels(tmp_path: Path, box: list,
                                                       size: tuple[int, int]) -> None:
    pdf = tmp_path / "extreme.pdf"
    pdf.write_bytes(blank(box=box))
    assert cli("preview", pdf, "--out", tmp_path / "pages", "--width", "4000").code == 0
    page = Image.open(tmp_path / "pages" / "page-01.png")
    assert abs(page.width - size[0]) <= 1 and abs(page.height - size[1]) <= 1
    sheet = Image.open(tmp_path / "pages" / "contact-sheet.png")
    assert sheet.width * sheet.height <= SHEET_PIXELS


def test_preview_of_the_largest_page_stays_under_1_gb(tmp_path: Path) -> None:
    """Rendered in a child process; its peak memory read from the kernel (wait4)."""
    pdf = tmp_path / "large.pdf"
    pdf.write_bytes(blank(2, box=[0, 0, 14400, 14400]))
    child = subprocess.Popen([sys.executable, "-m", "builder", "preview", str(pdf), "--out",
                              str(tmp_path / "pages"), "--width", "4000"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    timer = threading.Timer(30, os.kill, (child.pid, signal.SIGKILL))
    timer.start()
    try:
        _, status, usage = os.wait4(child.pid, 0)
    finally:
        timer.cancel()
    child.returncode = os.waitstatus_to_exitcode(status)
    assert child.returncode == 0, child.stderr.read() if child.stderr else ""
    assert usage.ru_maxrss * 1024 < 1024**3, f"{usage.ru_maxrss / 1024:.0f} MB"


@pytest.mark.parametrize("pages, page", [(500, (4000, 5657)), (16, (4000, 5657)),
                                         (3, (4000, 1))])
def test_contact_sheet_cells_keep_the_sheet_within_its_pixels(
        pages: int, page: tuple[int, int]) -> None:
    width, height = _cell([page] * pages)
    rows, columns = -(-pages // 4), 4
    assert (columns * (width + 12) + 12) * (rows * (height + 12) + 12) <= SHEET_PIXELS
    assert width >= 16


# --------------------------------------------------------------------------- outputs
def test_preview_refuses_the_input_as_its_folder(tmp_path: Path) -> None:
    pdf = tmp_path / "one.pdf"
    pdf.write_bytes(blank())
    before = pdf.read_bytes()
    assert_refused(cli("preview", pdf, "--out", pdf), "the PDF being previewed")
    assert pdf.read_bytes() == before


def test_preview_refuses_a_file_as_its_folder(tmp_path: Path) -> None:
    pdf, notes = tmp_path / "one.pdf", tmp_path / "notes.txt"
    pdf.write_bytes(blank())
    notes.write_text("keep me")
    assert_refused(cli("preview", pdf, "--out", notes), "a file, not a folder")
    assert notes.read_text() == "keep me"


def test_preview_never_replaces_a_file_that_is_not_a_png(tmp_path: Path) -> None:
    pdf, folder = tmp_path / "one.pdf", tmp_path / "pages"
    pdf.write_bytes(blank())
    folder.mkdir()
    (folder / "page-01.png").write_text("my notes, misnamed")
    assert_refused(cli("preview", pdf, "--out", folder), "not a PNG file")
    assert (folder / "page-01.png").read_text() == "my notes, misnamed"
    assert sorted(p.name for p in folder.iterdir()) == ["page-01.png"]  # no temp file left


def test_impose_onto_its_input_is_refused(tmp_path: Path) -> None:
    pdf = tmp_path / "one.pdf"
    pdf.write_bytes(blank())
    before = pdf.read_bytes()
    assert_refused(cli("impose", pdf, "-o", pdf), "overwrite an input")
    assert pdf.read_bytes() == before


@pytest.mark.parametrize("box", [[0, 0, 8000, 842], [0, 0, 7300, 500]])
def test_impose_refuses_a_sheet_pdf_cannot_hold(tmp_path: Path, box: list) -> None:
    pdf = tmp_path / "wide.pdf"
    pdf.write_bytes(blank(box=box))
    assert_refused(cli("impose", pdf, "-o", tmp_path / "booklet.pdf"), "the sheet would be")
    assert not (tmp_path / "booklet.pdf").exists()


# --------------------------------------------------------------------------- compression bombs
def bomb(decoded: int, streams: int = 1, filters: tuple[str, ...] = ("/FlateDecode",),
         content: bytes = b"0 0 m 1 1 l S\n") -> bytes:
    """A one-page PDF whose content is `streams` streams each decoding to about `decoded`
    bytes of drawing instructions: a few KB on disk."""
    import base64
    import zlib

    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    data = zlib.compress(content * (decoded // len(content)), 9)
    if filters[0] == "/ASCII85Decode":
        data = base64.a85encode(data, adobe=True)[2:]  # without the <~ that PDF leaves out
    parts = []
    for _ in range(streams):
        stream = pikepdf.Stream(pdf, data)
        stream.Filter = pikepdf.Array([pikepdf.Name(f) for f in filters])
        parts.append(stream)
    pdf.pages[0].obj.Contents = pikepdf.Array(parts)
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


BOMBS = {
    "one stream of 20 MB": lambda: bomb(20_000_000),
    "8 streams of 1.5 MB": lambda: bomb(1_500_000, streams=8),
    "ascii85 then flate, 20 MB": lambda: bomb(20_000_000, filters=("/ASCII85Decode",
                                                                   "/FlateDecode")),
    "zeros, 40 MB": lambda: bomb(40_000_000, content=b"\0" * 64),
}


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("case", BOMBS)
def test_compression_bombs_are_refused_before_they_are_read(tmp_path: Path, tool: str,
                                                            case: str) -> None:
    pdf = tmp_path / "bomb.pdf"
    pdf.write_bytes(BOMBS[case]())
    assert pdf.stat().st_size < 300_000
    assert_refused(cli_process(*argv(tool, pdf, tmp_path)), "compression bomb")
    assert nothing_written(tmp_path)


def test_the_typography_check_reads_less_content_than_the_other_tools(tmp_path: Path) -> None:
    """3 MB of drawing in a small file: the print tools read it in about a second, the
    typography check (pdfminer, about 0.3 MB/s) refuses it rather than take ten."""
    pdf = tmp_path / "dense.pdf"
    pdf.write_bytes(bomb(3_000_000))
    assert cli("preflight", pdf).code in (0, 1)
    assert_refused(cli("check", "--typography", pdf), "compression bomb")


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0", "1e308", "12pt"])
def test_a_body_size_that_is_no_type_size_is_refused(tmp_path: Path, value: str) -> None:
    pdf = tmp_path / "blank.pdf"
    pdf.write_bytes(blank())
    outcome = cli_process("check", "--typography", pdf, "--body-size", value)
    assert outcome.code == 2 and "Traceback" not in outcome.err
    assert "argument --body-size" in outcome.err and "type size" in outcome.err \
        or "not a number" in outcome.err, outcome.err
