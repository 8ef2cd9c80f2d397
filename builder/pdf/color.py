"""Colour management with LittleCMS (Pillow's ImageCms): the press profile (FOGRA39), sRGB,
and transforms between them or from an image's own profile, each built once per process.

Intents: the palette is converted relative colorimetric, so a screen colour is the colour the
press prints (paper white becomes screen white; the shipped profile's perceptual table is
its colorimetric one anyway); images add black point compensation, so the shadows of an
sRGB or Adobe RGB photo map onto the press's deepest black instead of clipping.
"""

from __future__ import annotations

import functools
import hashlib
import io
from collections.abc import Mapping

from PIL import Image, ImageCms

from builder import data

RELATIVE = ImageCms.Intent.RELATIVE_COLORIMETRIC
IMAGE_FLAGS = ImageCms.Flags.BLACKPOINTCOMPENSATION
PALETTE_FLAGS = ImageCms.Flags.NOOPTIMIZE
"""A handful of colours: no precalculated table (1 ms to build instead of 80 ms)."""

Transform = ImageCms.ImageCmsTransform
_transforms: dict[tuple[str, str, str, int, int], Transform] = {}
_grey_tables: dict[str, list[int]] = {}


@functools.cache
def press_profile() -> ImageCms.ImageCmsProfile:
    """The output intent's CMYK profile (FOGRA39)."""
    return ImageCms.getOpenProfile(str(data.icc_profile()))


@functools.cache
def press_profile_digest() -> str:
    return hashlib.sha256(data.icc_profile().read_bytes()).hexdigest()


@functools.cache
def srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def target_profile(space: str) -> ImageCms.ImageCmsProfile:
    """The profile of an output colour space: 'CMYK' the press, 'RGB' sRGB."""
    return press_profile() if space == "CMYK" else srgb_profile()


def source_profile(icc: bytes | None, mode: str) -> tuple[str, ImageCms.ImageCmsProfile]:
    """An image's profile and its digest: the one it carries if LittleCMS can read it and it
    fits the mode; else sRGB for RGB and grey, the press profile for CMYK (untagged CMYK is
    taken to be press CMYK already)."""
    if icc:
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        except (OSError, ImageCms.PyCMSError):
            profile = None
        space = {"L": "GRAY", "RGB": "RGB", "CMYK": "CMYK"}.get(mode)
        if profile is not None and profile.profile.xcolor_space.strip() == space:
            return hashlib.sha256(icc).hexdigest(), profile
    if mode == "CMYK":
        return press_profile_digest(), press_profile()
    return "sRGB", srgb_profile()


def transform(digest: str, profile: ImageCms.ImageCmsProfile, mode: str, target: str,
              intent: int = RELATIVE, flags: int = IMAGE_FLAGS) -> Transform:
    """A transform from `profile` (of mode `mode`) to the target space, built once: keyed by
    the source profile's digest, the mode, the target, the intent and the flags."""
    key = (digest, mode, target, int(intent), int(flags))
    if key not in _transforms:
        _transforms[key] = ImageCms.buildTransform(
            profile, target_profile(target), mode, target,
            ImageCms.Intent(intent), flags=ImageCms.Flags(flags))
    return _transforms[key]


def screen_palette(colors: Mapping[str, tuple[float, float, float, float]]
                   ) -> dict[str, tuple[float, float, float]]:
    """Each palette colour (CMYK percentages on the press) as the sRGB colour that looks the
    same on a screen (0–1 per channel): FOGRA39 -> sRGB, relative colorimetric."""
    names = list(colors)
    patch = Image.new("CMYK", (len(names), 1))
    patch.putdata([tuple(round(v * 2.55) for v in colors[n]) for n in names])
    digest, press = press_profile_digest(), press_profile()
    rgb = apply(patch, transform(digest, press, "CMYK", "RGB", flags=PALETTE_FLAGS)).tobytes()
    return {name: (rgb[3 * i] / 255, rgb[3 * i + 1] / 255, rgb[3 * i + 2] / 255)
            for i, name in enumerate(names)}


@functools.cache
def _k_lightness() -> tuple[float, ...]:
    """L* (0–100, relative to the paper) of each 8-bit K-only tint on the press."""
    tints = Image.new("CMYK", (256, 1))
    tints.putdata([(0, 0, 0, k) for k in range(256)])
    return _lightness(tints, press_profile())


def grey_to_k(digest: str, profile: ImageCms.ImageCmsProfile) -> list[int]:
    """A 256-entry table from a grey image's levels to K-only ink (0–255) printing the same
    lightness: the grey's L* (through its profile; sRGB if untagged) scaled so that its
    black is solid K (black point compensation), then found on the press's K-only tone
    curve. Built once per source profile."""
    if digest not in _grey_tables:
        if digest == "sRGB":
            ramp = Image.new("RGB", (256, 1))
            ramp.putdata([(g, g, g) for g in range(256)])
        else:
            ramp = Image.new("L", (256, 1))
            ramp.putdata(list(range(256)))
        source = _lightness(ramp, profile)
        curve = _k_lightness()
        low, high = min(source), max(source)
        table = []
        for lightness in source:
            wanted = curve[255] + (lightness - low) / ((high - low) or 1) * (curve[0] - curve[255])
            k = next((k for k in range(256) if curve[k] <= wanted), 255)
            if k > 0 and curve[k - 1] - wanted < wanted - curve[k]:  # the nearer tint
                k -= 1
            table.append(k)
        _grey_tables[digest] = table
    return _grey_tables[digest]


def _lightness(image: Image.Image, profile: ImageCms.ImageCmsProfile) -> tuple[float, ...]:
    """L* (0–100, relative colorimetric) of each pixel of a one-row image."""
    lab = apply(image, ImageCms.buildTransform(profile, ImageCms.createProfile("LAB"),
                                               image.mode, "LAB", RELATIVE,
                                               flags=PALETTE_FLAGS))
    return tuple(level / 2.55 for level in lab.tobytes()[0::3])


def apply(image: Image.Image, transform: Transform) -> Image.Image:
    """The image converted (ImageCms returns None only when asked to work in place)."""
    result = ImageCms.applyTransform(image, transform)
    assert result is not None
    return result
