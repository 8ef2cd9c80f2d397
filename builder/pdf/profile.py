"""Output profiles: what kind of PDF a build makes, chosen once from `--profile`."""

from __future__ import annotations

from dataclasses import dataclass

from builder.errors import BrochureError


@dataclass(frozen=True)
class OutputProfile:
    """One kind of output file; every stage asks it instead of comparing profile names."""

    name: str
    color_space: str
    """'CMYK' (device CMYK for the press, FOGRA39) or 'RGB' (sRGB for screens): the space of
    the palette's colours and of every image in the file."""
    marks: bool
    """Bleed, slug with crop and registration marks, TrimBox and BleedBox."""
    pdfx: bool
    """PDF/X-4 keys and the FOGRA39 output intent."""
    links: bool
    """Clickable contents entries."""
    pad_pages: bool
    """Blank pages before the back cover up to the theme's page multiple (saddle stitch)."""


PRINT = OutputProfile("print", "CMYK", marks=True, pdfx=True, links=False, pad_pages=True)
SCREEN = OutputProfile("screen", "RGB", marks=False, pdfx=False, links=True, pad_pages=False)
PROFILES = {profile.name: profile for profile in (PRINT, SCREEN)}


def output_profile(name: str) -> OutputProfile:
    """The profile of that name, or a BrochureError naming the known ones."""
    try:
        return PROFILES[name]
    except KeyError:
        raise BrochureError(f"unknown profile '{name}'",
                            hint=f"use one of: {', '.join(PROFILES)}") from None
