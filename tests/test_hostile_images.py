"""Pictures as hostile input: damaged, truncated, disguised, bombs (pixels and text chunks),
FIFOs, folders, devices, links, files over the size limit. `brochure check` reports each with
the content's file:line, `brochure build` refuses it cleanly (never a traceback, never a hang),
and whatever the check passes the build builds. Odd but valid pictures build; EXIF orientation
is honoured; each file is decoded once per check + build. Every file is made here."""

from __future__ import annotations

import io
import itertools
import os
import random
import struct
import warnings
import zlib
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from hostile import Outcome, assert_refused, cli, cli_process
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, features

from builder.errors import BrochureError
from builder.files import LIMITS
from builder.pdf.images import ImageStore
from builder.source import images as pictures

HEAD = 'meta: {title: 图片测试, date: "2022", language: zh-CN}\nparts:\n  - title: 图片\n'
LINE = 6
"""The content line naming the (first) image."""


@pytest.fixture(autouse=True)
def _no_cached_pictures() -> None:
    pictures.forget()


def content(folder: Path, *names: str, name: str = "doc.yaml") -> Path:
    """A brochure with one figure per image name, the first naming its image on LINE."""
    blocks = "".join(f"      - figure: 图{n}\n        image: {image}\n"
                     for n, image in enumerate(names))
    path = folder / name
    path.write_text(HEAD + "    blocks:\n" + blocks, encoding="utf-8")
    return path


def encoded(image: Image.Image, form: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, form, **options)
    return buffer.getvalue()


def photo(size: tuple[int, int] = (96, 64), seed: int = 0) -> Image.Image:
    """A picture with detail (noise over a gradient), so that every format has data to cut;
    the same for the same size and seed."""
    noise = Image.frombytes("RGB", size, random.Random(seed).randbytes(size[0] * size[1] * 3))
    return Image.blend(noise, Image.linear_gradient("L").resize(size).convert("RGB"), 0.5)


def chunk(kind: bytes, data: bytes) -> bytes:
    """A PNG chunk with a correct CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int, *chunks: bytes) -> bytes:
    """A small PNG whose header claims width × height RGB pixels (its data is a few rows)."""
    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    rows = zlib.compress(b"\x00" * 4000, 9)
    return (b"\x89PNG\r\n\x1a\n" + header + b"".join(chunks) + chunk(b"IDAT", rows)
            + chunk(b"IEND", b""))


TEXT_BOMB = zlib.compress(b"a" * 200_000_000, 9)
"""200 MB of text, compressed to 194 KB."""


def text_bomb(kind: bytes, before_data: bool) -> bytes:
    head = {b"zTXt": b"k\x00\x00", b"iTXt": b"k\x00\x01\x00\x00\x00", b"iCCP": b"p\x00\x00"}
    bomb = chunk(kind, head[kind] + TEXT_BOMB)
    small = encoded(Image.new("RGB", (4, 4), "red"), "PNG")
    at = 33 if before_data else len(small) - 12  # after IHDR, or just before IEND
    return small[:at] + bomb + small[at:]


def jpeg_claiming(width: int, height: int) -> bytes:
    """A JPEG whose frame header claims width × height, the rest being a small picture's."""
    data = bytearray(encoded(Image.new("RGB", (16, 16), "red"), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def gif_claiming(width: int, height: int) -> bytes:
    data = bytearray(encoded(Image.new("P", (8, 8), 1), "GIF"))
    data[6:10] = struct.pack("<HH", width, height)
    return bytes(data)


def tiff_claiming(width: int, height: int) -> bytes:
    data = encoded(Image.new("L", (8, 8), 100), "TIFF")
    image_width, image_length = struct.pack("<HHII", 256, 4, 1, width), \
        struct.pack("<HHII", 257, 4, 1, height)
    count = struct.unpack("<H", data[8:10])[0]  # the entries of the first directory
    entries = bytearray(data)
    for index in range(count):
        at = 10 + 12 * index
        tag = struct.unpack("<H", entries[at:at + 2])[0]
        if tag in (256, 257):
            entries[at:at + 12] = image_width if tag == 256 else image_length
    return bytes(entries)


def cut(form: str, fraction: float, **options: object) -> Callable[[], bytes]:
    def make() -> bytes:
        whole = encoded(photo(), form, **options)
        return whole[:max(1, int(len(whole) * fraction))]
    return make


FILES: dict[str, tuple[str, Callable[[], bytes], str]] = {
    # name: (file name, bytes, words the refusal must contain)
    **{f"jpeg cut at {f * 100:g}%": ("cut.jpg", cut("JPEG", f), "JPEG")
       for f in (0.05, 0.3, 0.6, 0.9, 0.97, 0.995)},
    "jpeg of its first 3 bytes": ("cut.jpg", lambda: b"\xff\xd8\xff", "JPEG"),
    **{f"progressive jpeg cut at {f * 100:g}%": ("cut.jpg", cut("JPEG", f, progressive=True),
                                            "JPEG picture cannot be decoded") for f in (0.4, 0.8)},
    **{f"png cut at byte {n}": ("cut.png", lambda n=n: encoded(photo(), "PNG")[:n], "PNG")
       for n in (8, 20, 33, 40)},
    **{f"png cut at {f * 100:g}%": ("cut.png", cut("PNG", f), "PNG picture cannot be decoded")
       for f in (0.3, 0.7, 0.95)},
    **{f"gif cut at {f * 100:g}%": ("cut.gif", cut("GIF", f), "GIF") for f in (0.01, 0.5)},
    **{f"tiff cut at {f * 100:g}%": ("cut.tif", cut("TIFF", f), "TIFF") for f in (0.01, 0.5)},
    **{f"webp cut at {f * 100:g}%": ("cut.webp", cut("WEBP", f), "WEBP") for f in (0.2, 0.6)},
    **{f"garbage named {suffix}": (f"garbage{suffix}",
                                   lambda: bytes(range(256)) * 20, "JPEG, PNG")
       for suffix in (".jpg", ".png", ".gif", ".tif", ".webp")},
    "garbage after a JPEG signature": ("fake.jpg",
                                       lambda: b"\xff\xd8\xff" + random.Random(1).randbytes(4000),
                                       "JPEG"),
    "garbage after a PNG signature": ("fake.png",
                                      lambda: b"\x89PNG\r\n\x1a\n" + bytes(4000), "PNG"),
    "zero-byte .jpg": ("empty.jpg", lambda: b"", "JPEG, PNG"),
    "zero-byte .png": ("empty.png", lambda: b"", "JPEG, PNG"),
    "text named .png": ("notes.png", "照片稍后补上\n".encode(), "JPEG, PNG"),
    "PNG with a damaged header CRC": (
        "crc.png", lambda: (lambda d: d[:29] + bytes([d[29] ^ 0xFF]) + d[30:])(
            encoded(photo(), "PNG")), "PNG"),
    # formats Pillow could open but the build does not hand to a decoder (EPS: Ghostscript)
    "EPS named .jpg": ("drawing.jpg", lambda: b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 "
                       b"10 10\nshowpage\n", "JPEG, PNG"),
    "PDF named .png": ("page.png", lambda: b"%PDF-1.4\n%%EOF\n", "JPEG, PNG"),
    **{f"{form} picture": (f"picture.{form.lower()}", lambda form=form: encoded(photo(), form),
                           "JPEG, PNG") for form in ("BMP", "PPM", "TGA", "ICO", "PCX")},
    # pixel bombs: small files claiming huge pictures
    "png claiming 50000 × 50000": ("bomb.png", lambda: png_claiming(50_000, 50_000), "pixels"),
    "png just over the pixel cap": ("bomb.png", lambda: png_claiming(7072, 7072),
                                    "50,013,184 pixels"),
    "jpeg claiming 65000 × 65000": ("bomb.jpg", lambda: jpeg_claiming(65_000, 65_000),
                                    "pixels"),
    "gif claiming 65535 × 65535": ("bomb.gif", lambda: gif_claiming(65_535, 65_535), "pixels"),
    "tiff claiming 100000 × 100000": ("bomb.tif", lambda: tiff_claiming(100_000, 100_000),
                                      "pixels"),
    # text bombs: a small file whose chunks inflate to 200 MB
    "zTXt bomb before the pixels": ("text.png", lambda: text_bomb(b"zTXt", True), "too large"),
    "zTXt bomb after the pixels": ("text.png", lambda: text_bomb(b"zTXt", False), "too large"),
    "iTXt bomb": ("text.png", lambda: text_bomb(b"iTXt", False), "too large"),
    "iCCP (colour profile) bomb": ("text.png", lambda: text_bomb(b"iCCP", True), "too large"),
}


@pytest.mark.parametrize("case", sorted(FILES))
def test_a_hostile_picture_is_reported_by_check_and_refused_by_build(
        tmp_path: Path, case: str) -> None:
    name, make, words = FILES[case]
    data = make() if callable(make) else make
    assert len(data) < 1024 * 1024
    (tmp_path / name).write_bytes(data)
    refused_everywhere(tmp_path, name, words)


def refused_everywhere(folder: Path, name: str, words: str = "", shown: str = "",
                       run: Callable[..., Outcome] = cli) -> str:
    """`check` reports an error at the figure's line naming the picture (as `shown`, when a
    link to it was named); `build` refuses it the same way and writes nothing. Returns the
    build's message. `run`: `cli_process` for what could hang."""
    path = content(folder, name)
    name = shown or name
    checked = run("check", path)
    assert "Traceback" not in checked.err
    assert checked.code == 1, (checked.code, checked.out, checked.err)
    report = checked.out
    assert f"{path}:{LINE}:" in report and "error: [unreadable-image]" in report, report
    assert name in report and words in report and "hint:" in report, report
    output = folder / "out.pdf"
    built = run("build", path, "-o", output)
    message = assert_refused(built, f"{path}:{LINE}:", name, words)
    assert not output.exists()
    return message


def test_a_folder_named_like_a_picture_is_refused(tmp_path: Path) -> None:
    (tmp_path / "photo.jpg").mkdir()
    refused_everywhere(tmp_path, "photo.jpg", "folder")


def test_a_link_to_a_named_pipe_in_the_folder_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "photo.jpg").symlink_to(tmp_path / "pipe")
    refused_everywhere(tmp_path, "photo.jpg", "named pipe", shown="pipe", run=cli_process)


@pytest.mark.parametrize("name", ["huge.jpg", "huge.png"])
def test_a_picture_over_the_size_limit_is_refused_before_it_is_read(
        tmp_path: Path, name: str) -> None:
    with open(tmp_path / name, "wb") as sparse:  # a hole: made in no time, no disk used
        sparse.write(encoded(photo(), "PNG" if name.endswith("png") else "JPEG"))
        sparse.truncate(LIMITS["image"] + 1)
    refused_everywhere(tmp_path, name, "more than")


@pytest.mark.parametrize("target", ["/dev/zero", "/etc/hostname", "outside.png"])
def test_a_link_out_of_the_content_folder_is_refused(tmp_path: Path, target: str) -> None:
    folder = tmp_path / "brochure"
    folder.mkdir()
    if target == "outside.png":
        Image.new("RGB", (8, 8)).save(tmp_path / target)
        target = str(tmp_path / target)
    (folder / "photo.png").symlink_to(target)
    path = content(folder, "photo.png")
    for command in (("check", path), ("build", path, "-o", folder / "out.pdf")):
        assert_refused(cli(*command), f"{path}:{LINE}:", "leaves the content's folder")


# ---------------------------------------------------------------- FIFOs: no hang, anywhere

@pytest.mark.parametrize("command", ["check", "build", "build -j 2"])
def test_a_named_pipe_as_a_picture_is_refused_without_waiting(
        tmp_path: Path, command: str) -> None:
    os.mkfifo(tmp_path / "photo.jpg")
    path = content(tmp_path, "photo.jpg")
    if command == "check":
        done = cli_process("check", path)
        assert done.code == 1 and f"{path}:{LINE}:" in done.out, (done.out, done.err)
        assert "named pipe" in done.out and "Traceback" not in done.err
        return
    if command == "build":
        message = assert_refused(cli_process("build", path, "-o", tmp_path / "out.pdf"),
                                 f"{path}:{LINE}:", "named pipe")
        assert "photo.jpg" in message
        return
    Image.new("RGB", (40, 30), "teal").save(tmp_path / "fine.png")
    other = content(tmp_path, "fine.png", name="other.yaml")
    done = cli_process("build", "-j", "2", path, other, cwd=tmp_path)
    assert "Traceback" not in done.err and done.code != 0, (done.out, done.err)
    assert "named pipe" in done.out + done.err
    assert (tmp_path / "dist" / "other.pdf").exists()  # the batch went on with the other
    assert not (tmp_path / "dist" / "doc.pdf").exists()


# ---------------------------------------------------------------- odd but valid pictures

def sixteen_bit_grey() -> Image.Image:
    return Image.linear_gradient("L").resize((64, 48)).convert("I").point(
        lambda v: v * 257).convert("I;16")


def animated(form: str) -> bytes:
    frames = [Image.new("RGB", (40, 30), colour) for colour in ("red", "green", "blue")]
    return encoded(frames[0], form, save_all=True, append_images=frames[1:], duration=100,
                   loop=0)


def palette_with_transparency() -> bytes:
    image = Image.new("P", (40, 30), 0)
    image.putpalette([0, 0, 0, 220, 30, 30] + [0] * 762)
    ImageDraw.Draw(image).ellipse((5, 5, 35, 25), fill=1)
    return encoded(image, "PNG", transparency=0)


def with_bad_icc() -> bytes:
    return encoded(photo(), "JPEG", icc_profile=b"not a colour profile" * 10)


def with_empty_jfif() -> bytes:
    """A JPEG whose JFIF segment is empty: Pillow decodes it, ReportLab's JPEG reader cannot
    (so it is re-encoded, not embedded as it is)."""
    data = encoded(photo(), "JPEG")
    assert data[2:6] == b"\xff\xe0\x00\x10"
    return data[:2] + b"\xff\xe0\x00\x02" + data[20:]


def with_corrupt_exif() -> bytes:
    return encoded(photo(), "JPEG", exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xff")


VALID: dict[str, tuple[str, Callable[[], bytes], tuple[int, int]]] = {
    # name: (file name, bytes, pixel size of the image in the PDF)
    "16-bit grey png": ("grey16.png", lambda: encoded(sixteen_bit_grey(), "PNG"), (64, 48)),
    "16-bit grey tiff": ("grey16.tif", lambda: encoded(sixteen_bit_grey(), "TIFF"), (64, 48)),
    "CMYK jpeg": ("cmyk.jpg", lambda: encoded(photo().convert("CMYK"), "JPEG"), (96, 64)),
    "CMYK tiff": ("cmyk.tif", lambda: encoded(photo().convert("CMYK"), "TIFF"), (96, 64)),
    "palette png with transparency": ("palette.png", palette_with_transparency, (40, 30)),
    "grey png with alpha": ("la.png", lambda: encoded(photo().convert("LA"), "PNG"), (96, 64)),
    "1-bit png": ("bits.png", lambda: encoded(photo().convert("1"), "PNG"), (96, 64)),
    "float tiff": ("float.tif", lambda: encoded(photo().convert("F"), "TIFF"), (96, 64)),
    "1 × 1": ("dot.png", lambda: encoded(Image.new("RGB", (1, 1), "red"), "PNG"), (1, 1)),
    "1 × 20000 strip": ("strip.png", lambda: encoded(Image.new("L", (1, 20_000), 90), "PNG"),
                        (1, 20_000)),
    "20000 × 1 strip": ("line.png", lambda: encoded(Image.new("L", (20_000, 1), 90), "PNG"),
                        (20_000, 1)),
    "animated gif": ("moving.gif", lambda: animated("GIF"), (40, 30)),
    "animated png": ("moving.png", lambda: animated("PNG"), (40, 30)),
    "webp": ("photo.webp", lambda: encoded(photo(), "WEBP"), (96, 64)),
    "png named .jpg": ("really-a-png.jpg", lambda: encoded(photo(), "PNG"), (96, 64)),
    "jpeg named .png": ("really-a-jpeg.png", lambda: encoded(photo(), "JPEG"), (96, 64)),
    "jpeg with an unreadable colour profile": ("icc.jpg", with_bad_icc, (96, 64)),
    "jpeg with corrupt EXIF": ("exif.jpg", with_corrupt_exif, (96, 64)),
    "jpeg with an empty JFIF segment": ("jfif.jpg", with_empty_jfif, (96, 64)),
    "png missing its IEND": ("open.png", lambda: encoded(photo(), "PNG")[:-12], (96, 64)),
}


@pytest.mark.parametrize("profile", ["print", "screen"])
@pytest.mark.parametrize("case", sorted(VALID))
def test_an_odd_but_valid_picture_passes_check_and_builds(
        tmp_path: Path, case: str, profile: str) -> None:
    name, make, size = VALID[case]
    if name.endswith(".webp") and not features.check("webp"):
        pytest.skip("Pillow without WebP")
    (tmp_path / name).write_bytes(make())
    path = content(tmp_path, name)
    checked = cli("check", path)
    assert checked.code == 0 and "unreadable" not in checked.out, checked.out
    built = cli("build", path, "-o", tmp_path / "out.pdf", "--profile", profile)
    assert built.code == 0 and "Traceback" not in built.err, built.err
    [found] = image_sizes(tmp_path / "out.pdf")
    assert same_shape(found, size), (found, size)


def image_sizes(pdf: Path) -> list[tuple[int, int]]:
    """Pixel width × height of each image XObject in the PDF."""
    return [image.size for image in pdf_images(pdf)]


def pdf_images(pdf: Path) -> list[Image.Image]:
    """Each image XObject of the PDF (once however often drawn), in RGB."""
    with pikepdf.open(pdf) as document, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an embedded JPEG's corrupt EXIF
        found = {xobject.objgen: pikepdf.PdfImage(xobject).as_pil_image().convert("RGB")
                 for page in document.pages
                 for xobject in (page.obj.Resources.get("/XObject") or {}).values()
                 if xobject.get("/Subtype") == "/Image"}
    return list(found.values())


def same_shape(found: tuple[int, int], source: tuple[int, int]) -> bool:
    """`found` is `source` or `source` downsampled, its aspect kept to the pixel."""
    (w, h), (sw, sh) = found, source
    return w <= sw and h <= sh and abs(w * sh - h * sw) <= max(sw, sh)


def test_a_missing_picture_is_a_placeholder_and_a_dangling_link_too(tmp_path: Path) -> None:
    (tmp_path / "gone.png").symlink_to(tmp_path / "deleted.png")
    for name in ("absent.png", "gone.png"):
        path = content(tmp_path, name)
        checked = cli("check", path)
        assert checked.code == 0 and "missing-image" in checked.out, checked.out
        assert cli("build", path, "-o", tmp_path / "out.pdf").code == 0
        assert image_sizes(tmp_path / "out.pdf") == []


# ---------------------------------------------------------------- EXIF orientation

TURNS = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
         4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
         6: Image.Transpose.ROTATE_90, 7: Image.Transpose.TRANSVERSE,
         8: Image.Transpose.ROTATE_270}
"""How a camera stores an upright picture for each EXIF orientation (the inverse of the turn
the orientation asks for)."""


@pytest.mark.parametrize("orientation", range(1, 9))
def test_the_exif_orientation_is_honoured(tmp_path: Path, orientation: int) -> None:
    upright = Image.new("RGB", (300, 200), (30, 60, 220))  # landscape, red top-left corner
    ImageDraw.Draw(upright).rectangle((0, 0, 99, 66), fill=(220, 30, 30))
    stored = upright.transpose(TURNS[orientation]) if orientation in TURNS else upright
    exif = Image.Exif()
    exif[0x0112] = orientation
    stored.save(tmp_path / "camera.png", exif=exif)
    path = content(tmp_path, "camera.png")
    assert cli("build", path, "-o", tmp_path / "out.pdf", "--profile", "screen").code == 0
    [placed] = pdf_images(tmp_path / "out.pdf")
    assert placed.size == (300, 200)
    red, blue = placed.getpixel((20, 20)), placed.getpixel((280, 180))
    assert red[0] > 180 and red[2] < 80 and blue[2] > 180 and blue[0] < 80, (red, blue)


def test_a_portrait_exif_photo_is_placed_portrait(tmp_path: Path) -> None:
    stored = photo((300, 200))  # landscape as stored, Orientation 6: portrait to view
    exif = Image.Exif()
    exif[0x0112] = 6
    stored.save(tmp_path / "camera.jpg", exif=exif, quality=90)
    path = content(tmp_path, "camera.jpg")
    assert cli("build", path, "-o", tmp_path / "out.pdf").code == 0
    assert image_sizes(tmp_path / "out.pdf") == [(200, 300)]
    with pikepdf.open(tmp_path / "out.pdf") as document:
        drawn = [op.operands for page in document.pages
                 for op in pikepdf.parse_content_stream(page)
                 if op.operator == pikepdf.Operator("cm") and abs(float(op.operands[0])) > 10]
    assert drawn and all(float(m[3]) > float(m[0]) for m in drawn)  # taller than wide


# ---------------------------------------------------------------- decoded once

def spy(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    calls: list[Path] = []
    real = pictures.decode_picture
    monkeypatch.setattr(pictures, "decode_picture",
                        lambda path: calls.append(path) or real(path))
    return calls


def test_check_and_build_decode_a_picture_once_however_often_and_however_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sub").mkdir()
    photo((1200, 900)).save(tmp_path / "big.jpg")
    os.link(tmp_path / "big.jpg", tmp_path / "sub" / "same.jpg")  # one file, two names
    calls = spy(monkeypatch)
    names = ["big.jpg", "./big.jpg", "sub/../big.jpg", "sub/same.jpg"] * 3
    path = content(tmp_path, *names[:10])
    assert cli("check", path).code == 0
    assert cli("build", path, "-o", tmp_path / "out.pdf").code == 0
    assert len(calls) == 1
    assert len(image_sizes(tmp_path / "out.pdf")) == 1  # and drawn from one image XObject


def test_a_changed_picture_is_decoded_again(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    Image.new("RGB", (60, 40), "red").save(tmp_path / "photo.png")
    calls = spy(monkeypatch)
    path = content(tmp_path, "photo.png")
    for colour in ("red", "blue"):
        if colour == "blue":  # as an editor saves it: same size, same name, new pixels
            Image.new("RGB", (60, 40), "blue").save(tmp_path / "photo.png")
        assert cli("build", path, "-o", tmp_path / "out.pdf", "--profile", "screen").code == 0
        [image] = pdf_images(tmp_path / "out.pdf")
        assert image.getpixel((30, 20)) == Image.new("RGB", (1, 1), colour).getpixel((0, 0))
    assert len(calls) == 2


def test_the_cache_stays_within_its_budget(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    monkeypatch.setattr(pictures, "CACHE_BYTES", 3 * 100 * 100 * 3)
    for n in range(5):
        Image.new("RGB", (100, 100), (n, 0, 0)).save(tmp_path / f"{n}.png")
        pictures.picture(tmp_path / f"{n}.png")
    assert len(pictures._cache) == 3  # the three most recent
    calls = spy(monkeypatch)
    pictures.picture(tmp_path / "4.png")
    pictures.picture(tmp_path / "0.png")
    assert calls == [tmp_path / "0.png"]


def test_an_error_in_the_layout_names_the_content_line(tmp_path: Path) -> None:
    """A check running in another process (long documents) may come second: the layout's
    own refusal names the figure's line too."""
    (tmp_path / "cut.png").write_bytes(encoded(photo(), "PNG")[:60])
    store = ImageStore("CMYK", (0, 0, 0, 0), tmp_path / "doc.yaml")
    with pytest.raises(BrochureError) as caught:
        store.size(tmp_path / "cut.png", 12)
    assert str(caught.value).startswith(f"{tmp_path / 'doc.yaml'}:12: error: figure image: "
                                        "cut.png: the PNG picture cannot be decoded")


def test_pillows_global_limits_are_left_alone(tmp_path: Path) -> None:
    before = Image.MAX_IMAGE_PIXELS
    (tmp_path / "bomb.png").write_bytes(png_claiming(50_000, 50_000))
    with pytest.raises(BrochureError):
        pictures.picture(tmp_path / "bomb.png")
    assert before == Image.MAX_IMAGE_PIXELS


# ---------------------------------------------------------------- property: check == build

MODES = {"L": ("PNG", "JPEG", "TIFF"), "RGB": ("PNG", "JPEG", "TIFF", "WEBP"),
         "RGBA": ("PNG", "TIFF", "WEBP"), "P": ("PNG", "GIF"), "CMYK": ("JPEG", "TIFF"),
         "I;16": ("PNG", "TIFF")}


EXAMPLES = itertools.count()


@st.composite
def picture_files(draw: st.DrawFn) -> tuple[str, bytes]:
    mode = draw(st.sampled_from(sorted(MODES)))
    form = draw(st.sampled_from(MODES[mode]))
    size = (draw(st.integers(1, 80)), draw(st.integers(1, 80)))
    image = photo(size).convert("RGB" if mode in ("P", "I;16") else mode)
    if mode == "P":
        image = image.quantize(16)
    elif mode == "I;16":
        image = image.convert("L").convert("I").point(lambda v: v * 257).convert("I;16")
    options: dict[str, object] = {}
    orientation = draw(st.integers(0, 8))
    if orientation and form != "GIF":
        exif = Image.Exif()
        exif[0x0112] = orientation
        options["exif"] = exif
    data = encoded(image, form, **options)
    if draw(st.booleans()):  # truncated somewhere
        data = data[:int(len(data) * draw(st.floats(0, 0.999)))]
    return f"picture.{form.lower()}", data


@settings(max_examples=25, deadline=None,
          derandomize=os.environ.get("CI") == "true",
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(picture=picture_files())
def test_property_what_check_passes_build_builds(tmp_path: Path,
                                                 picture: tuple[str, bytes]) -> None:
    name, data = picture
    folder = tmp_path / f"example-{next(EXAMPLES)}"
    folder.mkdir()
    (folder / name).write_bytes(data)
    path = content(folder, name)
    checked = cli("check", path)
    pictures.forget()  # the build decodes on its own
    for space, paper in (("CMYK", (0, 0, 0, 0)), ("RGB", (1, 1, 1))):
        try:  # the layout's own decode: refuses cleanly or gives an image
            assert min(ImageStore(space, paper).size(folder / name)) >= 1
        except BrochureError:
            assert checked.code == 1
    pictures.forget()
    built = cli("build", path, "-o", folder / "out.pdf")
    assert "Traceback" not in built.err
    if checked.code == 0:
        assert built.code == 0, built.err
        assert len(image_sizes(folder / "out.pdf")) == 1
    else:
        assert checked.code == 1 and "unreadable-image" in checked.out, checked.out
        assert_refused(built, f"{path}:{LINE}:", name)
