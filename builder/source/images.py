"""Pictures as untrusted input: read only through `files.read_input` (a regular file within the
size limit; a FIFO or a device is refused, never waited on), checked for their pixel count
before a pixel is decoded, decoded in full (first frame) and turned upright by their EXIF
orientation. Whatever goes wrong is a BrochureError naming the file, with a hint.

The check and the build both call `picture`, so what the check passes the build builds, and
a file is decoded once while it is unchanged (a small cache keyed by the file's identity and
times: a rewritten file is decoded again, as watch mode needs).

Pillow's own limits are left as they are for other users of the library (its global
`Image.MAX_IMAGE_PIXELS` is not changed): the pixel cap here, below Pillow's, is checked on the
header, and Pillow's decompression-bomb warning is raised as an error only while decoding here.
"""

from __future__ import annotations

import importlib
import io
import os
import stat
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from PIL import ExifTags, Image, ImageOps

from builder.errors import BrochureError
from builder.files import LIMITS, MB, read_input

MAX_PIXELS = 50_000_000
"""Larger pictures are refused: 300 ppi on a full A4 page is about 9 million pixels."""
SIGNATURES = ((b"\xff\xd8\xff", "JPEG", "JpegImagePlugin"),
              (b"\x89PNG\r\n\x1a\n", "PNG", "PngImagePlugin"),
              (b"GIF87a", "GIF", "GifImagePlugin"), (b"GIF89a", "GIF", "GifImagePlugin"),
              (b"II*\x00", "TIFF", "TiffImagePlugin"), (b"MM\x00*", "TIFF", "TiffImagePlugin"),
              (b"II+\x00", "TIFF", "TiffImagePlugin"), (b"MM\x00+", "TIFF", "TiffImagePlugin"),
              (b"RIFF", "WEBP", "WebPImagePlugin"))
"""How each format decoded starts, and its Pillow plugin (JPEG includes MPO, the variant many
cameras write). A file is handed to that one decoder only: other formats are refused before
one of Pillow's rarer decoders sees them, and only the plugin needed is imported."""
FORMAT_NAMES = "JPEG, PNG, GIF, TIFF or WebP"
HINT = "re-export it as a JPEG or PNG file (an image editor's 'Export' or 'Save as')"
SIZE_HINT = "scale it down: 300 ppi needs about 2500 × 3500 pixels for a full A4 page"
READ_HINT = f"name a JPEG or PNG file of at most {LIMITS['image'] // MB} MB"
CACHE_BYTES = 256 * MB
"""Most bytes of decoded pixels kept between a check and a build (or between watch rebuilds);
a larger picture is decoded again when the build needs it."""
CACHE_ENTRIES = 64


@dataclass(frozen=True)
class Picture:
    """A decoded picture. `image` is shared: callers make new images, never change it."""

    image: Image.Image
    """Upright, the first frame, in mode L, LA, RGB, RGBA or CMYK (16-bit grey scaled to
    8 bits; palettes and colour keys expanded, with an alpha channel if they have one)."""
    format: str
    icc: bytes | None
    turned: bool
    """Whether the EXIF orientation asked for a turn or flip."""
    raw: bytes | None
    """The file's bytes for a JPEG (a screen file may embed it as it is), else None."""


_Key = tuple[int, int, int, int, int]
_cache: OrderedDict[_Key, Picture] = OrderedDict()


def picture(path: Path) -> Picture:
    """The picture in the file `path`, decoded once while the file is unchanged; a
    BrochureError naming the file if it cannot be read or decoded, or is too large."""
    key = _identity(path)
    found = _cache.get(key) if key is not None else None
    if found is None:
        found = decode_picture(path)
        if key is not None:
            _remember(key, found)
    else:
        _cache.move_to_end(key)  # type: ignore[arg-type]
    _check_pixels(found.image.size, path)  # the cap may have been lowered since
    return found


def forget() -> None:
    """Empty the cache of decoded pictures (it is otherwise kept for the process's life)."""
    _cache.clear()


def decode_picture(path: Path) -> Picture:
    """Read and decode the picture in `path` (no cache): see the module's doc."""
    raw = read_input(path, "image", hint=READ_HINT)
    form = _format(raw, path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # corrupt EXIF and the like: decoded as Pillow can
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw), formats=(form,)) as opened:
                _check_pixels(opened.size, path)
                opened.load()
                form, icc = opened.format or form, opened.info.get("icc_profile")
                turned = opened.getexif().get(ExifTags.Base.Orientation, 1) != 1
                image = ImageOps.exif_transpose(opened)  # a copy, upright
            image = _normalised(image)
    except BrochureError:
        raise
    except Image.UnidentifiedImageError:  # it starts as one, but its header is broken
        raise BrochureError(f"a damaged {form} file: its header cannot be read", path=path,
                            hint=HINT) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BrochureError(f"the picture has more than the {MAX_PIXELS:,} pixels allowed",
                            path=path, hint=SIZE_HINT) from None
    except Exception as exc:  # noqa: BLE001 - Pillow's decoders raise OSError (truncated),
        # ValueError (a text chunk too large), SyntaxError, struct.error, EOFError,
        # ZeroDivisionError, IndexError…: each means this file cannot be used as it is
        reason = (str(exc) or type(exc).__name__).splitlines()[0][:160]
        raise BrochureError(f"the {form} picture cannot be decoded ({reason})", path=path,
                            hint=HINT) from None
    if not (image.width and image.height):
        raise BrochureError("the picture has no pixels", path=path, hint=HINT)
    return Picture(image, form, icc if isinstance(icc, bytes) else None, turned,
                   raw if form == "JPEG" else None)


def _format(raw: bytes, path: Path) -> str:
    """The format `raw` is in (its plugin imported), or a BrochureError."""
    for signature, name, plugin in SIGNATURES:
        if raw.startswith(signature) and (name != "WEBP" or raw[8:12] == b"WEBP"):
            importlib.import_module(f"PIL.{plugin}")  # registers the format with Pillow
            return name
    raise BrochureError(f"not a picture in a format this build reads ({FORMAT_NAMES})",
                        path=path, hint=HINT)


def _check_pixels(size: tuple[int, int], path: Path) -> None:
    pixels = size[0] * size[1]
    if pixels > MAX_PIXELS:
        raise BrochureError(f"the picture has {pixels:,} pixels, more than the "
                            f"{MAX_PIXELS:,} allowed", path=path, hint=SIZE_HINT)


def _normalised(image: Image.Image) -> Image.Image:
    """`image` in mode L, LA, RGB, RGBA or CMYK; an alpha channel only where the file has
    transparency (alpha channel, palette transparency or colour key)."""
    if image.mode.startswith("I"):  # 16-bit grey: scaled, not clipped, to 8 bits
        image = image.convert("I").point(lambda v: v / 257).convert("L")
    elif image.mode in ("1", "F"):
        image = image.convert("L")
    if image.mode == "PA" or "transparency" in image.info:
        image = image.convert("LA" if image.mode == "L" else "RGBA")
    if image.mode not in ("L", "LA", "RGB", "RGBA", "CMYK"):
        image = image.convert("RGB")
    return image


def _identity(path: Path) -> _Key | None:
    """What tells one version of a regular file from another; None for anything else
    (`read_input` then says what is wrong with it)."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns


def _remember(key: _Key, found: Picture) -> None:
    """Keep `found`, dropping older versions of the same file, then the least recently used
    pictures, to stay within CACHE_BYTES and CACHE_ENTRIES."""
    cost = _bytes(found.image)
    if cost > CACHE_BYTES:
        return
    for old in [k for k in _cache if k[:2] == key[:2]]:
        del _cache[old]
    _cache[key] = found
    while len(_cache) > CACHE_ENTRIES or sum(_bytes(p.image) for p in _cache.values()) > \
            CACHE_BYTES:
        _cache.popitem(last=False)


def _bytes(image: Image.Image) -> int:
    return image.width * image.height * len(image.getbands())
