"""Load stage: SVG artwork for page masters (made in Inkscape or Illustrator), read with
svglib into a ReportLab drawing whose every colour is mapped to a palette name, so print
stays CMYK; rectangles with an `id` are frames a master's slots can name (`box: "#title"`).

The SVG is untrusted: read within a size limit from the theme's own folder, parsed without
entities or outside references; text in it (fonts we cannot check) and pictures are refused.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder.errors import BrochureError
from builder.files import read_input

SVG_HINT = "export it from Inkscape or Illustrator as plain SVG, text converted to paths"


@dataclass(frozen=True)
class Artwork:
    """An SVG drawing: its size in points, its colours (hex, lower case) and its frames
    (id → x, y from the top left, width, height, in points)."""

    path: Path
    width: float
    height: float
    colors: frozenset[str]
    frames: dict[str, tuple[float, float, float, float]]
    painted: tuple[tuple[Any, str, str], ...] = ()
    """(shape, 'fillColor' or 'strokeColor', its colour as drawn in the SVG): what a build
    recolours with the palette."""


def hex_of(color: Any) -> str | None:
    """A ReportLab colour as #rrggbb (None for none or a fully transparent one)."""
    if color is None or getattr(color, "alpha", 1) == 0:
        return None
    red, green, blue = (round(v * 255) for v in color.rgb())
    return f"#{red:02x}{green:02x}{blue:02x}"


def shapes(node: Any) -> list[Any]:
    """Every shape of a drawing or group, groups opened (iteratively)."""
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        children = getattr(current, "contents", None)
        if children is not None:
            stack += children
        else:
            found.append(current)
    return found


@functools.lru_cache(maxsize=32)
def _read(path: Path, stamp: tuple[int, int]) -> tuple[Any, Artwork]:
    """The drawing and what it holds (cached while the file is unchanged: `stamp`)."""
    from lxml import etree
    from svglib.svglib import SvgRenderer

    from builder.engine.platypus import GraphicsImage, String

    data = read_input(path, "image", hint=SVG_HINT)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             remove_comments=True)
    try:
        root = etree.parse(io.BytesIO(data), parser).getroot()
    except etree.XMLSyntaxError as error:
        raise BrochureError(f"not a readable SVG file: {error}", path=path,
                            hint=SVG_HINT) from None
    if not isinstance(root.tag, str) or not root.tag.endswith("svg"):
        raise BrochureError("not an SVG file (its root is not <svg>)", path=path,
                            hint=SVG_HINT)
    try:
        drawing = SvgRenderer(str(path), external_reference_root=str(path.parent)).render(root)
    except Exception as error:  # svglib raises what its parts raise
        raise BrochureError(f"the SVG cannot be drawn: {error}", path=path,
                            hint=SVG_HINT) from None
    colors: set[str] = set()
    painted = []
    for shape in shapes(drawing):
        if isinstance(shape, String):
            raise BrochureError(f"the SVG has text ({shape.text[:20]!r}), which would print in "
                                "a font the build cannot check", path=path,
                                hint="convert the text to paths (Inkscape: Path ▸ Object to "
                                     "Path), or put the text in a master's slot")
        if isinstance(shape, GraphicsImage):
            raise BrochureError("the SVG holds a picture", path=path,
                                hint="keep pictures out of the artwork: vector shapes only")
        for attribute in ("fillColor", "strokeColor"):
            found = hex_of(getattr(shape, attribute, None))
            if found is not None:
                colors.add(found)
                painted.append((shape, attribute, found))
    scale_x, scale_y = _scale(root, drawing)
    frames = {}
    for rect in root.iter("{http://www.w3.org/2000/svg}rect"):
        name = rect.get("id")
        if not name:
            continue
        try:
            x, y, w, h = (float(rect.get(key, "0")) for key in ("x", "y", "width", "height"))
        except ValueError:
            continue
        frames[name] = (x * scale_x, y * scale_y, w * scale_x, h * scale_y)
    return drawing, Artwork(path, float(drawing.width), float(drawing.height),
                            frozenset(colors), frames, tuple(painted))


def _scale(root: Any, drawing: Any) -> tuple[float, float]:
    """Points per SVG user unit (from the viewBox and the drawing's size)."""
    box = (root.get("viewBox") or "").replace(",", " ").split()
    if len(box) == 4:
        try:
            width, height = float(box[2]), float(box[3])
            if width > 0 and height > 0:
                return drawing.width / width, drawing.height / height
        except ValueError:
            pass
    return 1.0, 1.0


def read_artwork(path: Path) -> tuple[Any, Artwork]:
    """The SVG at `path` as a drawing (shared: copy before changing it) and its Artwork."""
    try:
        info = path.stat()
    except OSError:
        read_input(path, "image", hint=SVG_HINT)  # raises the error naming the file
        raise
    return _read(path, (info.st_mtime_ns, info.st_size))
