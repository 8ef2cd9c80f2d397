"""The files the package ships (themes, JSON schemas, the ICC profile, fonts, the example
content), found through importlib.resources so that an installed wheel finds them as the
checkout does.

The fonts and the example content live in the repository's top-level fonts/ and content/
folders; pyproject.toml maps them to the packages `builder.data.fonts` and
`builder.data.content`.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from builder.errors import BrochureError

ICC_NAME = "FOGRA39L-brochure.icc"
EXAMPLE = "xianan-2022.yaml"
"""The example brochure `brochure build` makes when it finds no content to build."""


def _folder(package: str, name: str | None = None) -> Path:
    """A shipped folder as a file-system path (ReportLab and Pillow open files by name)."""
    folder = files(package) if name is None else files(package).joinpath(name)
    path = Path(str(folder))
    if not path.is_dir():  # e.g. the package imported from a zip file
        raise BrochureError(f"brochure's data folder {folder} is not on disk",
                            hint="install the package as files (pip install), not zipped")
    return path


def themes_dir() -> Path:
    return _folder(__name__, "themes")


def schemas_dir() -> Path:
    return _folder(__name__, "schemas")


def fonts_dir() -> Path:
    return _folder(f"{__name__}.fonts")


def icc_profile() -> Path:
    """The CMYK output profile (FOGRA39) the print files name and images are converted to."""
    return _folder(__name__, "color") / ICC_NAME


def shipped_themes() -> list[str]:
    return sorted(p.stem for p in themes_dir().glob("*.yaml"))


def shipped_fonts() -> list[str]:
    return sorted(p.name for p in fonts_dir().glob("*.ttf"))


def example_content() -> Path:
    return _folder(f"{__name__}.content") / EXAMPLE
