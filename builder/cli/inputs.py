"""Which content a command works on when none is named, and where its PDF goes."""

from __future__ import annotations

import os
from pathlib import Path

from builder import data
from builder.errors import BrochureError
from builder.source.yamlfile import entry, read_yaml_nodes

DIST = Path("dist")
GENERIC_STEM = "content"
"""A content file with this stem (as `brochure new` writes) is named after its folder."""


def find_content(folder: Path) -> Path:
    """The content file to use when the command line names none: the one content file in
    `folder` (as after `brochure new DIR; cd DIR`), else the one in `folder`/content/ (a
    checkout of this project), else the example brochure the package ships."""
    for place in (folder, folder / "content"):
        found = [path for path in sorted(place.glob("*.y*ml")) if _is_content(path)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            names = ", ".join(path.name for path in found)
            raise BrochureError(f"{place} holds several content files ({names})",
                                hint="name the one to use: brochure build FILE.yaml")
    return data.example_content()


def output_for(content: Path, folder: Path = DIST) -> Path:
    """folder/NAME.pdf: NAME is the content file's stem, or its folder's name for a generic
    content.yaml, so that two brochures made by `brochure new` never share an output."""
    stem = content.stem
    if stem == GENERIC_STEM:
        stem = content.resolve().parent.name or stem
    return folder / f"{stem}.pdf"


def _is_content(path: Path) -> bool:
    """A YAML file with a top-level `parts` key (themes have none); unreadable files are
    left for the build to report."""
    if not os.path.isfile(path):
        return False
    try:
        return entry(read_yaml_nodes(path), "parts") is not None
    except BrochureError:
        return False
