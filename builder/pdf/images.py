"""Images for the output file: decoded once per build (`builder.source.images`, shared with the
check: a file that cannot be decoded is refused there), turned upright, converted from their
own ICC profile to the output's colour space, flattened onto the paper, downsampled where
placed.

Print: device CMYK through the press profile (FOGRA39); grey images stay on the K plate
(DeviceGray, which a press prints with black ink only); untagged CMYK passes through.
Screen: sRGB; a JPEG the pipeline leaves untouched is embedded as it is, other JPEGs are
re-encoded as JPEG, everything else is stored losslessly.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from reportlab.lib.utils import ImageReader

from builder.errors import BrochureError
from builder.pdf import color
from builder.source import images as pictures

MAX_PPI = 450
"""Images finer than this where placed are downsampled to it (a press resolves no more)."""
SCREEN_JPEG_QUALITY = 90


@dataclass(frozen=True)
class Decoded:
    """An image in the output's colour space, alpha already flattened onto the paper."""

    image: Image.Image
    untouched: bytes | None
    """The file's bytes when they can be embedded as they are (a screen JPEG as is)."""
    jpeg: bool


class ImageStore:
    """The images of one build: each file decoded and converted once, each placed size
    downsampled once."""

    def __init__(self, space: str, paper: tuple[float, ...], content: Path | None = None
                 ) -> None:
        """`space`: 'CMYK' or 'RGB'; `paper`: the paper colour in that space (0–1);
        `content`: the content file that names the images (for error messages)."""
        self.space, self.paper, self.content = space, paper, content
        self._decoded: dict[Path, Decoded] = {}
        self._placed: dict[tuple[Path, int, int], ImageReader] = {}
        self.names: dict[int, str] = {}
        """The PDF name of each placed reader (`builder.engine.private.draw_image`)."""

    def size(self, path: Path, line: int = 0) -> tuple[int, int]:
        """Pixel size of the upright image (named on the content's `line`)."""
        return self._decode(path, line).image.size

    def placed(self, path: Path, width: float, height: float, line: int = 0) -> ImageReader:
        """The image for a placement of width × height points, at most MAX_PPI."""
        decoded = self._decode(path, line)
        size = _fitting(decoded.image.size, width, height)
        key = (path.resolve(), *size)
        if key not in self._placed:
            image = decoded.image
            if size != image.size:
                image = image.resize(size, Image.Resampling.LANCZOS)
            elif decoded.untouched is not None:
                with warnings.catch_warnings():  # Pillow, reading the header again, may
                    warnings.simplefilter("ignore")  # warn of corrupt EXIF once more
                    self._placed[key] = ImageReader(io.BytesIO(decoded.untouched))
                return self._placed[key]
            if decoded.jpeg and self.space == "RGB":
                buffer = io.BytesIO()
                image.save(buffer, "JPEG", quality=SCREEN_JPEG_QUALITY)
                self._placed[key] = ImageReader(buffer)
            else:
                self._placed[key] = ImageReader(image)
        return self._placed[key]

    def _decode(self, path: Path, line: int) -> Decoded:
        key = path.resolve()  # two spellings of one file are one image
        if key not in self._decoded:
            try:
                self._decoded[key] = decode(path, self.space, self.paper)
            except BrochureError as error:  # the check refuses it first, but for a check
                # running in another process (long documents): name the content's line too
                raise BrochureError(f"figure image: {path.name}: {error.message}",
                                    path=self.content or path, line=line,
                                    hint=error.hint) from None
        return self._decoded[key]


def decode(path: Path, space: str, paper: tuple[float, ...]) -> Decoded:
    """Read an image and bring it into the output colour space (see the module's doc);
    a BrochureError naming the file if it cannot be read or decoded."""
    source = pictures.picture(path)
    jpeg = source.format == "JPEG"
    image, alpha = _split_alpha(source.image)
    digest, profile = color.source_profile(source.icc, image.mode)
    paper_pixel = tuple(round(v * 255) for v in paper)
    grey_paper = _grey_level(paper_pixel, space)
    keeps_grey = image.mode == "L" and (alpha is None or grey_paper is not None)
    if keeps_grey and space == "CMYK":  # K only: DeviceGray, whose levels are 255 - K
        image = image.point([255 - k for k in color.grey_to_k(digest, profile)])
    elif not (keeps_grey and digest == "sRGB"):  # untagged grey shows as it is on screen
        if image.mode == "L" and digest == "sRGB":
            image = image.convert("RGB")
        if image.mode != space or digest != _default_digest(space):
            image = color.apply(image, color.transform(digest, profile, image.mode, space))
    if alpha is not None:
        paper_image = (Image.new("L", image.size, grey_paper) if image.mode == "L"
                       else Image.new(space, image.size, paper_pixel))
        image = Image.composite(image, paper_image, alpha)
    untouched = (jpeg and space == "RGB" and not source.turned and image.mode in ("RGB", "L")
                 and digest == "sRGB" and source.raw is not None
                 and _embeddable(source.raw, image.size))
    return Decoded(image, source.raw if untouched else None, jpeg)


def _embeddable(jpeg: bytes, size: tuple[int, int]) -> bool:
    """Whether ReportLab can embed the JPEG file as it is: its own header reader takes it
    (baseline or progressive, 8 bits, grey or RGB) and finds the size Pillow decoded; other
    JPEGs (arithmetic coding, odd headers) are re-encoded instead of failing in the layout."""
    from reportlab.pdfbase.pdfutils import readJPEGInfo

    try:
        width, height, components, _ = readJPEGInfo(io.BytesIO(jpeg))
    except Exception:  # noqa: BLE001 - whatever ReportLab's reader trips on: re-encode
        return False
    return (width, height) == size and components in (1, 3)


def _split_alpha(image: Image.Image) -> tuple[Image.Image, Image.Image | None]:
    """The image (L, LA, RGB, RGBA or CMYK: `pictures.Picture`) in L, RGB or CMYK, and its
    alpha channel if that hides anything (alpha channels, palette transparency and
    transparent colour keys alike)."""
    if image.mode in ("LA", "RGBA"):
        alpha = image.getchannel("A")
        image = image.convert(image.mode[:-1])
        return image, None if alpha.getextrema() == (255, 255) else alpha
    if image.mode not in ("L", "RGB", "CMYK"):
        return image.convert("RGB"), None
    return image, None


def _grey_level(pixel: tuple[int, ...], space: str) -> int | None:
    """The paper as a grey level (255 white), or None if it has a hue."""
    if space == "CMYK":
        return None if any(pixel[:3]) else 255 - pixel[3]
    return pixel[0] if len(set(pixel)) == 1 else None


def _default_digest(space: str) -> str:
    """The digest `color.source_profile` gives an untagged image already in `space`."""
    return color.press_profile_digest() if space == "CMYK" else "sRGB"


def _fitting(size: tuple[int, int], width: float, height: float) -> tuple[int, int]:
    """The pixel size for width × height points at most MAX_PPI; never larger than `size`."""
    most = (round(width / 72 * MAX_PPI), round(height / 72 * MAX_PPI))
    if size[0] <= most[0] and size[1] <= most[1]:
        return size
    scale = min(most[0] / size[0], most[1] / size[1])
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))
