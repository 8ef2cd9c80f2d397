"""Images and colour in both output profiles, read back from the built PDFs: flattened alpha,
embedded ICC profiles, grey on the K plate, downsampling, EXIF orientation, the screen palette
through the press profile, and what preflight says about images. Every image is made here."""

from __future__ import annotations

import io
from pathlib import Path

import pdfplumber
import pikepdf
import pypdfium2
import pytest
from colour_tools import adobe_rgb_profile, delta_e00, lab
from PIL import Image, ImageCms, ImageDraw
from reportlab.pdfgen.canvas import Canvas

from builder import data
from builder.build import build
from builder.inspect.preflight import preflight
from builder.pdf import color, images
from builder.pdf.color import press_profile, screen_palette, srgb_profile
from builder.pdf.images import MAX_PPI, ImageStore, decode
from builder.pdf.profile import PRINT, SCREEN
from builder.source.theme import load_theme, theme_path

PROFILES = ("print", "screen")
WHITE, RED = (255, 255, 255), (220, 30, 30)


def brochure(folder: Path, blocks: str, name: str = "images") -> Path:
    """A one-part brochure whose blocks (YAML lines under `blocks:`) name images in `folder`."""
    content = folder / f"{name}.yaml"
    content.write_text('meta: {title: 图片测试, date: "2022", language: zh-CN}\n'
                       "parts:\n  - title: 图片\n    blocks:\n" + blocks, encoding="utf-8")
    return content


def figure(image: str, caption: str = "图") -> str:
    return f"      - figure: {caption}\n        image: {image}\n"


def built(folder: Path, blocks: str, profile: str) -> Path:
    output = folder / f"{profile}.pdf"
    build(brochure(folder, blocks), output, profile=profile)
    return output


def placed(pdf: Path) -> list[tuple[int, dict]]:
    """(page index, pdfplumber image) for every image drawn, in page order."""
    with pdfplumber.open(pdf) as document:
        return [(index, image) for index, page in enumerate(document.pages)
                for image in page.images]


def rendered(pdf: Path, which: int = 0, scale: float = 3.0) -> Image.Image:
    """The `which`-th placed image as the page renders it (pdfium), cropped to its box."""
    index, box = placed(pdf)[which]
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        page = document[index].render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()
    return page.crop(tuple(round(v * scale) for v in (box["x0"], box["top"], box["x1"],
                                                       box["bottom"])))


def at(image: Image.Image, x: float, y: float) -> tuple[int, ...]:
    """The pixel at a fraction (x, y) of the image's width and height."""
    return image.getpixel((int(x * (image.width - 1)), int(y * (image.height - 1))))


def close(pixel: tuple[float, ...], expected: tuple[float, ...], tolerance: float) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


def image_xobjects(pdf: Path) -> list[pikepdf.PdfImage]:
    with pikepdf.open(pdf) as document:
        found = {}
        for page in document.pages:
            for xobject in (page.obj.Resources.get("/XObject") or {}).values():
                if xobject.get("/Subtype") == "/Image":
                    found[xobject.objgen] = pikepdf.PdfImage(xobject).as_pil_image()
        return list(found.values())


def transparent(mode: str) -> Image.Image:
    """A 300×200 image, transparent but for an opaque disc in its middle whose colour is
    RED (grey modes: dark grey); the hidden pixels are black, as PNG exporters leave them."""
    image = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((100, 50, 200, 150), fill=(*RED, 255))
    return image.convert("LA") if mode == "LA" else image


def palette_with_transparency() -> Image.Image:
    """A palette image whose index 0 is transparent (black in its palette), index 1 RED."""
    image = Image.new("P", (300, 200), 0)
    image.putpalette([0, 0, 0, *RED] + [0] * 762)
    ImageDraw.Draw(image).ellipse((100, 50, 200, 150), fill=1)
    image.info["transparency"] = 0
    return image


SOURCES = {
    "RGBA": lambda: transparent("RGBA"),
    "LA": lambda: transparent("LA"),
    "P": palette_with_transparency,
}


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("mode", sorted(SOURCES))
def test_transparent_images_print_the_paper_around_their_shape_not_black(
        tmp_path: Path, mode: str, profile: str) -> None:
    SOURCES[mode]().save(tmp_path / "logo.png")
    pdf = built(tmp_path, figure("logo.png"), profile)
    picture = rendered(pdf)
    for corner in ((0.05, 0.05), (0.95, 0.05), (0.05, 0.95), (0.95, 0.95), (0.2, 0.5)):
        assert close(at(picture, *corner), WHITE, 3), (corner, at(picture, *corner))
    middle = at(picture, 0.5, 0.5)
    if mode == "LA":
        assert max(middle) < 140 and max(middle) - min(middle) < 6, middle  # a dark grey
    else:
        assert middle[0] > 150 and middle[1] < 90 and middle[2] < 90, middle  # red
    assert not any("/SMask" in x or "/Mask" in x for x in _xobjects(pdf))


def _xobjects(pdf: Path) -> list[dict]:
    with pikepdf.open(pdf) as document:
        return [{str(k): v for k, v in x.items()} for page in document.pages
                for x in (page.obj.Resources.get("/XObject") or {}).values()
                if x.get("/Subtype") == "/Image"]


def test_alpha_is_flattened_onto_the_themes_paper_colour(tmp_path: Path) -> None:
    path = tmp_path / "logo.png"
    transparent("RGBA").save(path)
    cream = (0.0, 0.05, 0.18, 0.0)
    image = decode(path, "CMYK", cream).image
    assert image.mode == "CMYK"
    assert image.getpixel((5, 5)) == (0, 13, 46, 0)  # exactly the paper: no black, no rich ink
    c, m, y, k = image.getpixel((150, 100))
    assert m > 200 and y > 200 and c < 40, (c, m, y, k)
    grey = tmp_path / "grey.png"
    transparent("LA").save(grey)
    assert decode(grey, "CMYK", (0, 0, 0, 0.1)).image.getpixel((5, 5)) == 255 - 26  # 10 % K
    assert decode(grey, "CMYK", cream).image.getpixel((5, 5)) == (0, 13, 46, 0)  # not grey


def test_an_image_in_adobe_rgb_is_converted_from_its_own_profile(tmp_path: Path) -> None:
    icc = adobe_rgb_profile()
    colour = (60, 180, 90)
    Image.new("RGB", (300, 200), colour).save(tmp_path / "adobe.png", icc_profile=icc)
    source = ImageCms.ImageCmsProfile(io.BytesIO(icc))

    def expected(target: ImageCms.ImageCmsProfile, mode: str, of: ImageCms.ImageCmsProfile
                 ) -> tuple[int, ...]:
        patch = Image.new("RGB", (1, 1), colour)
        return color.apply(patch, ImageCms.buildTransform(
            of, target, "RGB", mode, ImageCms.Intent.RELATIVE_COLORIMETRIC,
            flags=ImageCms.Flags.BLACKPOINTCOMPENSATION)).getpixel((0, 0))

    screen = rendered(built(tmp_path, figure("adobe.png"), "screen"))
    wanted = expected(srgb_profile(), "RGB", source)
    assert close(at(screen, 0.5, 0.5), wanted, 3), (at(screen, 0.5, 0.5), wanted)
    assert abs(wanted[0] - colour[0]) > 40  # read as sRGB it would have been far off

    [cmyk] = image_xobjects(built(tmp_path, figure("adobe.png"), "print"))
    assert cmyk.mode == "CMYK"
    wanted = expected(press_profile(), "CMYK", source)
    as_srgb = expected(press_profile(), "CMYK", srgb_profile())
    assert close(cmyk.getpixel((150, 100)), wanted, 2), (cmyk.getpixel((150, 100)), wanted)
    assert max(abs(a - b) for a, b in zip(wanted, as_srgb, strict=True)) > 20


def test_a_cmyk_jpeg_with_the_press_profile_keeps_its_ink_and_shows_through_it(
        tmp_path: Path) -> None:
    ink = (10, 200, 160, 20)
    Image.new("CMYK", (300, 200), ink).save(tmp_path / "press.jpg", quality=95,
                                            icc_profile=data.icc_profile().read_bytes())
    [cmyk] = image_xobjects(built(tmp_path, figure("press.jpg"), "print"))
    assert cmyk.mode == "CMYK" and close(cmyk.getpixel((150, 100)), ink, 3)
    screen = rendered(built(tmp_path, figure("press.jpg"), "screen"))
    patch = Image.new("CMYK", (1, 1), ink)
    wanted = color.apply(patch, ImageCms.buildTransform(
        press_profile(), srgb_profile(), "CMYK", "RGB", ImageCms.Intent.RELATIVE_COLORIMETRIC,
        flags=ImageCms.Flags.BLACKPOINTCOMPENSATION)).getpixel((0, 0))
    assert close(at(screen, 0.5, 0.5), wanted, 6), (at(screen, 0.5, 0.5), wanted)


def test_a_grey_image_prints_on_the_k_plate_only(tmp_path: Path) -> None:
    ramp = Image.linear_gradient("L").resize((512, 256)).rotate(90, expand=True)
    ramp.save(tmp_path / "grey.png")  # black on the left to white on the right
    pdf = built(tmp_path, figure("grey.png"), "print")
    with pikepdf.open(pdf) as document:
        spaces = [str(x.get("/ColorSpace")) for page in document.pages
                  for x in (page.obj.Resources.get("/XObject") or {}).values()
                  if x.get("/Subtype") == "/Image"]
    assert spaces == ["/DeviceGray"]  # K on press; no C, M or Y anywhere
    [grey] = image_xobjects(pdf)
    levels = [grey.getpixel((x, 10)) for x in [*range(0, grey.width, 8), grey.width - 1]]
    assert levels[0] == 0 and levels[-1] == 255  # solid K to paper
    assert levels == sorted(levels)
    # the middle grey prints the lightness it shows on screen, not 50 % K (dot gain)
    k = 255 - grey.getpixel((grey.width // 2, 10))
    ink = lab((0, 0, 0, k), press_profile(), "CMYK")
    shown = lab((128, 128, 128), srgb_profile(), "RGB")
    darkest = lab((0, 0, 0, 255), press_profile(), "CMYK")[0]
    assert abs(ink[0] - (darkest + shown[0] / 100 * (100 - darkest))) < 1.5


def test_images_finer_than_450_ppi_are_downsampled_and_others_kept(tmp_path: Path) -> None:
    for name, size in (("fine.png", (2400, 1600)), ("coarse.png", (600, 400))):
        image = Image.new("RGB", size, (40, 120, 200))
        ImageDraw.Draw(image).rectangle((0, 0, size[0] // 2, size[1]), fill=(240, 200, 40))
        image.save(tmp_path / name)
    blocks = ("      - photos:\n          - {image: fine.png, caption: 细}\n"
              "          - {image: coarse.png, caption: 粗}\n        columns: 3\n")
    pdf = built(tmp_path, blocks, "print")
    fine, coarse = (box for _, box in placed(pdf))
    assert fine["srcsize"][0] < 2400
    assert MAX_PPI - 5 <= fine["srcsize"][0] / (fine["width"] / 72) <= MAX_PPI + 1
    assert 2400 / (fine["width"] / 72) > 1000  # the source was over 1000 ppi
    assert coarse["srcsize"] == (600, 400)  # under 450 ppi: never enlarged


def test_an_exif_rotated_photo_comes_out_upright(tmp_path: Path) -> None:
    upright = Image.new("RGB", (300, 200), RED)  # landscape, red left, blue right
    ImageDraw.Draw(upright).rectangle((150, 0, 300, 200), fill=(30, 60, 220))
    stored = upright.rotate(90, expand=True)  # as a camera held sideways stores it
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    stored.save(tmp_path / "camera.jpg", exif=exif, quality=95)
    for profile in PROFILES:
        pdf = built(tmp_path, figure("camera.jpg"), profile)
        [(_, box)] = placed(pdf)
        assert box["width"] > box["height"]
        picture = rendered(pdf)
        left, right = at(picture, 0.25, 0.5), at(picture, 0.75, 0.5)
        assert left[0] > 150 and left[2] < 100, (profile, left)
        assert right[2] > 150 and right[0] < 100, (profile, right)


def test_an_image_used_in_several_figures_is_decoded_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Image.new("RGB", (400, 300), (90, 160, 60)).save(tmp_path / "same.jpg")
    calls: list[Path] = []
    real = images.decode
    monkeypatch.setattr(images, "decode", lambda path, *a: calls.append(path) or real(path, *a))
    blocks = "".join(figure("same.jpg", f"图{n}") for n in range(3))
    built(tmp_path, blocks + "      - photos:\n          - {image: same.jpg, caption: 甲}\n"
          "          - {image: same.jpg, caption: 乙}\n", "print")
    assert len(calls) == 1
    store = ImageStore("CMYK", (0, 0, 0, 0))
    assert store.placed(tmp_path / "same.jpg", 20, 15) is store.placed(tmp_path / "same.jpg",
                                                                       20, 15)


def test_colour_transforms_are_built_once() -> None:
    icc = adobe_rgb_profile()
    first = color.transform(*color.source_profile(icc, "RGB"), "RGB", "CMYK")
    again = color.source_profile(bytes(icc), "RGB")  # the same bytes, read again
    assert color.transform(*again, "RGB", "CMYK") is first
    assert color.transform(*again, "RGB", "RGB") is not first


def test_screen_colours_are_the_press_colours_through_the_profile() -> None:
    colors = load_theme(theme_path("default")).colors
    screen = screen_palette(colors)
    for name, cmyk in colors.items():
        printed = lab(tuple(round(v * 2.55) for v in cmyk), press_profile(), "CMYK")
        shown = lab(tuple(round(v * 255) for v in screen[name]), srgb_profile(), "RGB")
        assert delta_e00(printed, shown) < 1.5, name
    # the formula screen files used before, (1 - c)(1 - k): the red was 6 ΔE00 off
    printed = lab((0, 255, 255, 26), press_profile(), "CMYK")
    assert delta_e00(printed, lab((230, 0, 0), srgb_profile(), "RGB")) > 5


def test_everything_in_a_screen_file_is_drawn_in_palette_colours(tmp_path: Path) -> None:
    from conftest import DEFAULT_CONTENT

    output = tmp_path / "screen.pdf"
    build(DEFAULT_CONTENT, output, profile="screen")
    palette = screen_palette(load_theme(theme_path("default")).colors).values()
    colours = set()
    with pikepdf.open(output) as document:
        streams = [page for page in document.pages] + [
            x for page in document.pages
            for x in (page.obj.Resources.get("/XObject") or {}).values()
            if x.get("/Subtype") == "/Form"]
        for stream in streams:
            for operands, operator in pikepdf.parse_content_stream(stream):
                if str(operator) in ("rg", "RG"):
                    colours.add(tuple(float(v) for v in operands))
                assert str(operator) not in ("k", "K", "g", "G")
    strays = {c for c in colours  # PDF numbers are written with few digits
              if not any(close(c, p, 0.002) for p in palette)}
    assert colours and not strays, strays  # the chart's bars included


def test_preflight_warns_about_alpha_and_low_resolution_naming_page_and_image(
        tmp_path: Path) -> None:
    logo = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    ImageDraw.Draw(logo).ellipse((50, 50, 150, 150), fill=(*RED, 255))
    logo.save(tmp_path / "logo.png")
    pdf = tmp_path / "alpha.pdf"
    canvas = Canvas(str(pdf), pagesize=(300, 300))
    canvas.showPage()
    canvas.drawImage(str(tmp_path / "logo.png"), 50, 50, 72, 72, mask="auto")  # 200 ppi
    canvas.save()
    report = preflight(pdf, SCREEN)
    alpha = [i for i in report.issues if i.rule == "image-alpha"]
    ppi = [i for i in report.issues if i.rule == "image-ppi"]
    assert [(i.severity, i.page) for i in alpha] == [("warning", 2)]
    assert [(i.severity, i.page) for i in ppi] == [("warning", 2)]
    assert "200×200 px" in alpha[0].message and "200 ppi" in ppi[0].message
    name = alpha[0].message.split()[1]
    assert name in ppi[0].message and name != "(200×200"
    assert "image-alpha: page 2: image " in report.to_text()
    # a brochure's own transparent images are flattened: nothing to warn about
    transparent("RGBA").resize((3000, 2000)).save(tmp_path / "big.png")
    built_pdf = built(tmp_path, figure("big.png"), "print")
    assert not [i for i in preflight(built_pdf, PRINT).issues if i.rule == "image-alpha"]
