"""Load stage: page masters, a theme's designed pages as data (issue 15).

A master (`masters.cover`, `masters.back_cover`, `masters.opener`) is a background colour,
art (rectangles, lines, circles, ring sets, polygons; pictures) in palette colours, and text slots
bound to content fields (`{meta.title}`, `{part.number}`, …), each with a style, a box and a
fit rule. Places are lengths from an edge of the trim (default), the margins or the bleed:
`12mm`, `6pt`, `30%` (of that box's width or height) or a plain number (mm); x from the left,
y from the top, a negative one from the right or the foot. Every value is checked when the
theme loads, its errors naming the theme file and line.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from builder.source.yamlfile import NodeReader

PAGES = {"cover": "the front cover", "back_cover": "the back cover",
         "opener": "a section's full opener page"}
"""The kinds of page a master can design."""
ORIGINS = ("trim", "margins", "bleed")
ALIGNS = ("left", "center", "right", "justify")
VALIGNS = ("top", "middle", "bottom")
META_FIELDS = ("title", "subtitle", "kicker", "issuer", "date", "lead")
PART_FIELDS = ("title", "headline", "tag", "number")
PAGE_FIELDS = ("page", "pages")
FIELD = re.compile(r"\{([^{}]*)\}")
HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
LENGTH = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(mm|pt|%)?\s*$")
MAX_ITEMS = 64
"""Art items and slots of one master."""


@dataclass(frozen=True)
class Length:
    """A place or size along one axis: `value` in mm or pt (`unit`), or a share of the
    origin box ('%'); negative places count from the far edge."""

    value: float
    unit: str  # mm | pt | %


@dataclass(frozen=True)
class Place:
    """A box or point on the page: lengths from the `origin` box's left and top edges."""

    origin: str
    values: tuple[Length, ...]


@dataclass(frozen=True)
class Art:
    """One piece of art: rect (x, y, w, h), line (x1, y1, x2, y2), circle (cx, cy, r; a
    share of r is of the width), rings (cx, cy: `count` circles `step` apart), polygon
    (x1, y1, x2, y2, …)."""

    kind: str
    place: Place
    color: str
    stroke: float = 0.0
    """Stroke width in pt (0: filled; lines and rings are always stroked)."""
    step: Length | None = None
    count: int = 0
    line: int = 0


@dataclass(frozen=True)
class ImageArt:
    """A picture in a box: a file beside the theme (`path`), or the part's own picture
    (`path` None: `{part.picture}`, on openers only), covering its box (centred, clipped to
    it) or contained in it; `fallback`: the colour filling the box when the part has no
    picture (None: nothing is drawn)."""

    path: Path | None
    place: Place
    fit: str = "cover"
    fallback: str | None = None
    line: int = 0


@dataclass(frozen=True)
class Slot:
    """A text bound to content fields, set in a box."""

    text: str
    """A template: `{meta.title}`, `{meta.issuer}　{meta.date}`, `第{part.number}篇`."""
    style: str
    place: Place
    align: str = "left"
    valign: str = "top"
    color: str | None = None
    shrink: float | None = None
    """The smallest size (pt) the text may shrink to, to fit; None: no shrinking."""
    lines: int | None = None
    """The most lines it may take; None: as many as the box holds."""
    line: int = 0
    frame: str | None = None
    """The id of the SVG rectangle that is its box (`box: "#title"`), instead of `place`."""

    @property
    def fields(self) -> list[str]:
        return FIELD.findall(self.text)


@dataclass(frozen=True)
class Svg:
    """SVG artwork drawn over the background (builder/source/artwork.py), scaled to cover
    its box; `colors` maps each of its colours (#rrggbb) to a palette name."""

    path: Path
    place: Place
    colors: dict[str, str]
    line: int = 0


@dataclass(frozen=True)
class Master:
    page: str
    background: str | None
    art: tuple[Art | ImageArt, ...]
    slots: tuple[Slot, ...]
    svg: Svg | None = None
    file: str = ""
    """The theme file the master is written in (for errors found when it is drawn)."""
    line: int = 0


ART_KEYS = {"rect": False, "line": False, "circle": False, "rings": False, "polygon": False,
            "in": False, "color": True, "stroke": False, "step": False, "count": False}
SLOT_KEYS = {"text": True, "style": True, "box": True, "in": False, "align": False,
             "valign": False, "color": False, "fit": False}
FIT_KEYS = {"shrink": False, "lines": False}
MASTER_KEYS = {"background": False, "svg": False, "art": False, "slots": False}
SVG_KEYS = {"file": True, "box": False, "in": False, "colors": True}
IMAGE_KEYS = {"image": True, "box": True, "in": False, "fit": False, "fallback": False}
IMAGE_FITS = ("cover", "contain")
PART_PICTURE = "{part.picture}"
"""The one field an image may name: the part's picture (content `picture:`), on openers."""
ARITY = {"rect": 4, "line": 4, "circle": 3, "rings": 2}


def read_masters(reader: NodeReader, node: yaml.Node, colors: Iterable[str],
                 styles: Iterable[str], labels: tuple[str, ...]) -> dict[str, Master]:
    """The `masters` section: a master per kind of page (see PAGES), its colours and styles
    among those named."""
    entries = reader.mapping(node, "'masters'", dict.fromkeys(PAGES, False))
    context = _Context(reader, tuple(colors), tuple(styles), labels)
    return {page: context.master(page, value) for page, value in entries.items()}


@dataclass(frozen=True)
class _Context:
    reader: NodeReader
    colors: tuple[str, ...]
    styles: tuple[str, ...]
    labels: tuple[str, ...]

    def master(self, page: str, node: yaml.Node) -> Master:
        entries = self.reader.mapping(node, f"'masters.{page}'", MASTER_KEYS)
        background = self.color(entries["background"]) if "background" in entries else None
        svg, frames = self.svg(entries["svg"]) if "svg" in entries else (None, {})
        art = tuple(self.image(page, item) if _is_image(item) else self.art(item)
                    for item in self.items(entries, "art"))
        slots = tuple(self.slot(page, item, frames) for item in self.items(entries, "slots"))
        return Master(page, background, art, slots, svg, node.start_mark.name,
                      node.start_mark.line + 1)

    def svg(self, node: yaml.Node) -> tuple[Svg, dict[str, object]]:
        """`svg: {file, colors, box, in}`: the file beside the theme, every colour of it
        mapped to the palette; and its frames (rectangles with an id)."""
        from builder.errors import BrochureError
        from builder.files import inside
        from builder.source.artwork import read_artwork

        entries = self.reader.mapping(node, "'svg'", SVG_KEYS)
        written = self.reader.text(entries["file"], "'svg.file'")
        folder = Path(node.start_mark.name).resolve().parent
        path = (folder / written).resolve()
        if not written.lower().endswith(".svg") or not inside(path, [folder]):
            raise self.reader.fail(entries["file"], f"'{written}' is not an .svg file in the "
                                   "theme's folder", hint="put the SVG next to the theme file "
                                   "(or in a folder under it) and name it relative to it")
        try:
            _, artwork = read_artwork(path)
        except BrochureError as error:
            raise self.reader.fail(entries["file"], f"{path.name}: {error.message}",
                                   hint=error.hint) from None
        mapping = entries["colors"]
        if not isinstance(mapping, yaml.MappingNode):
            raise self.reader.fail(mapping, "'svg.colors' maps each colour of the SVG to a "
                                   "palette name", hint='e.g. colors: {"#c8102e": primary}')
        colors: dict[str, str] = {}
        for key, value in mapping.value:
            written_color = str(key.value).strip()
            if not HEX_COLOR.match(written_color):
                raise self.reader.fail(key, f"'{written_color}' is not a colour of the form "
                                       "#rrggbb", hint='quote it: "#c8102e"')
            colors[written_color.lower()] = self.color(value)
        missing = sorted(artwork.colors - set(colors))
        if missing:
            raise self.reader.fail(mapping, f"{path.name} uses {len(missing)} colour(s) with "
                                   f"no palette entry: {', '.join(missing)}",
                                   hint="map each to a palette name under svg.colors, e.g. "
                                        f'"{missing[0]}": primary (print stays CMYK)')
        place = self.place(entries, "box", 4) if "box" in entries else Place(
            self.choice(entries, "in", ORIGINS) or "bleed",
            (Length(0, "mm"), Length(0, "mm"), Length(100, "%"), Length(100, "%")))
        return Svg(path, place, colors, node.start_mark.line + 1), dict(artwork.frames)

    def items(self, entries: dict[str, yaml.Node], key: str) -> list[yaml.Node]:
        if key not in entries:
            return []
        items = self.reader.sequence(entries[key], f"'{key}'")
        if len(items) > MAX_ITEMS:
            raise self.reader.fail(entries[key], f"'{key}' has {len(items)} items, more "
                                   f"than {MAX_ITEMS}", hint=f"keep at most {MAX_ITEMS}")
        return items

    def color(self, node: yaml.Node) -> str:
        name = self.reader.text(node, "a colour")
        if name not in self.colors:
            raise self.reader.fail(node, f"unknown colour '{name}'",
                                   hint=_choices(name, self.colors, "colours defined"))
        return name

    def art(self, node: yaml.Node) -> Art:
        entries = self.reader.mapping(node, "an art item", ART_KEYS)
        kinds = [k for k in ("rect", "line", "circle", "rings", "polygon") if k in entries]
        if len(kinds) != 1:
            raise self.reader.fail(node, "an art item needs exactly one of rect, line, "
                                   "circle, rings, polygon", hint="e.g. {rect: [0, 0, 100%, "
                                   "20mm], color: primary}")
        kind = kinds[0]
        place = self.place(entries, kind, ARITY.get(kind))
        stroke = self.number(entries["stroke"], "'stroke'", 0, 50) if "stroke" in entries \
            else (0.5 if kind in ("line", "rings") else 0.0)
        step, count = None, 0
        if kind == "rings":
            for key in ("step", "count"):
                if key not in entries:
                    raise self.reader.fail(node, f"rings need '{key}'",
                                           hint="e.g. {rings: [50%, 120%], step: 9mm, "
                                                "count: 12, color: primary_dark}")
            step = self.length(entries["step"])
            count = int(self.number(entries["count"], "'count'", 1, 100))
        return Art(kind, place, self.color(entries["color"]), stroke, step, count,
                   node.start_mark.line + 1)

    def image(self, page: str, node: yaml.Node) -> ImageArt:
        """`{image, box, in, fit, fallback}`: a picture file beside the theme (checked and
        decoded now, so a bad one is named with its line) or `{part.picture}` on openers."""
        entries = self.reader.mapping(node, "an image", IMAGE_KEYS)
        written = self.reader.text(entries["image"], "'image'")
        place = self.place(entries, "box", 4)
        fit = self.reader.optional_choice(entries, "fit", "an image's", IMAGE_FITS) or "cover"
        fallback = self.color(entries["fallback"]) if "fallback" in entries else None
        line = node.start_mark.line + 1
        if written == PART_PICTURE:
            if page != "opener":
                raise self.reader.fail(entries["image"], f"{PART_PICTURE} exists on openers "
                                       f"only, not on {PAGES[page]}", hint="name a picture "
                                       "file beside the theme, e.g. image: photos/cover.jpg")
            return ImageArt(None, place, fit, fallback, line)
        if FIELD.search(written):
            raise self.reader.fail(entries["image"], f"an image names a file or "
                                   f"{PART_PICTURE}, not '{written}'",
                                   hint=f"write image: {PART_PICTURE} (openers) or a file "
                                        "such as photos/cover.jpg")
        if fallback is not None:
            raise self.reader.fail(entries["fallback"], "'fallback' is for "
                                   f"{PART_PICTURE} (a part without a picture)",
                                   hint="remove it: a picture file is always there")
        return ImageArt(self.picture_file(entries["image"], written), place, fit, None, line)

    def picture_file(self, node: yaml.Node, written: str) -> Path:
        """A picture beside the theme, read and decoded as a content picture is."""
        from builder.errors import BrochureError
        from builder.files import inside
        from builder.source.images import picture

        folder = Path(node.start_mark.name).resolve().parent
        path = (folder / written).resolve()
        if not inside(path, [folder]):
            raise self.reader.fail(node, f"'{written}' is not a file in the theme's folder",
                                   hint="put the picture next to the theme file (or in a "
                                        "folder under it) and name it relative to it")
        try:
            picture(path)
        except BrochureError as error:
            raise self.reader.fail(node, f"{path.name}: {error.message}",
                                   hint=error.hint) from None
        return path

    def slot(self, page: str, node: yaml.Node, frames: dict[str, object]) -> Slot:
        entries = self.reader.mapping(node, "a slot", SLOT_KEYS)
        text = self.reader.text(entries["text"], "a slot's 'text'")
        for field in FIELD.findall(text):
            self.field(page, field, entries["text"])
        style = self.reader.text(entries["style"], "a slot's 'style'")
        if style not in self.styles:
            raise self.reader.fail(entries["style"], f"unknown style '{style}'",
                                   hint=_choices(style, self.styles, "styles defined"))
        align = self.choice(entries, "align", ALIGNS) or "left"
        valign = self.choice(entries, "valign", VALIGNS) or "top"
        shrink = lines = None
        if "fit" in entries:
            fit = self.reader.mapping(entries["fit"], "'fit'", FIT_KEYS)
            if "shrink" in fit:
                shrink = self.number(fit["shrink"], "'fit.shrink'", 4, 200)
            if "lines" in fit:
                lines = int(self.number(fit["lines"], "'fit.lines'", 1, 50))
        frame = None
        box = entries["box"]
        if isinstance(box, yaml.ScalarNode) and str(box.value).startswith("#"):
            frame = str(box.value)[1:]
            if frame not in frames:
                raise self.reader.fail(box, f"the master's SVG has no rectangle with id "
                                       f"'{frame}'", hint="frames in the SVG: " + (
                                           ", ".join(f"#{f}" for f in frames) or "none (give a "
                                           "rectangle an id in Inkscape's XML editor)"))
            place = Place("trim", ())
        else:
            place = self.place(entries, "box", 4)
        return Slot(text, style, place, align, valign,
                    self.color(entries["color"]) if "color" in entries else None,
                    shrink, lines, node.start_mark.line + 1, frame)

    def field(self, page: str, field: str, node: yaml.Node) -> None:
        """A template field must exist on this kind of page (part fields on openers only)."""
        known = page_fields(page, self.labels)
        if field not in known:
            part = field.startswith("part.") and page != "opener"
            raise self.reader.fail(node, f"the slot's field '{{{field}}}' does not exist"
                                   + (" on this page (parts have openers only)" if part else ""),
                                   hint=_choices(field, known, "fields") + ", written "
                                                                           "{meta.title}")

    def place(self, entries: dict[str, yaml.Node], key: str, arity: int | None) -> Place:
        node = entries[key]
        origin = self.choice(entries, "in", ORIGINS) or "trim"
        if key == "polygon":
            points = self.reader.sequence(node, "'polygon'")
            if len(points) < 3:
                raise self.reader.fail(node, "a polygon needs at least 3 points",
                                       hint="write [[x, y], [x, y], [x, y], …]")
            values: list[Length] = []
            for point in points:
                if not isinstance(point, yaml.SequenceNode) or len(point.value) != 2:
                    raise self.reader.fail(point, "a polygon's point is [x, y]",
                                           hint="e.g. [0, 100%]")
                values += [self.length(n) for n in point.value]
            return Place(origin, tuple(values))
        if not isinstance(node, yaml.SequenceNode) or len(node.value) != arity:
            shape = {"rect": "[x, y, width, height]", "box": "[x, y, width, height]",
                     "line": "[x1, y1, x2, y2]", "circle": "[cx, cy, radius]",
                     "rings": "[cx, cy]"}[key]
            raise self.reader.fail(node, f"'{key}' must be {shape}",
                                   hint="lengths in mm (12 or 12mm), pt (6pt) or % of the "
                                        "trim (30%); y from the top, negative from the far "
                                        "edge")
        return Place(origin, tuple(self.length(n) for n in node.value))

    def length(self, node: yaml.Node) -> Length:
        text = self.reader.text(node, "a length")
        match = LENGTH.match(text)
        if match is None or abs(float(match.group(1))) > 10_000:
            raise self.reader.fail(node, f"'{text}' is not a length",
                                   hint="write mm (12 or 12mm), pt (6pt) or a share (30%)")
        return Length(float(match.group(1)), match.group(2) or "mm")

    def number(self, node: yaml.Node, what: str, low: float, high: float) -> float:
        text = self.reader.text(node, what)
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not low <= value <= high:  # NaN fails too
            raise self.reader.fail(node, f"{what} must be a number from {low:g} to {high:g}",
                                   hint=f"write a number such as {max(low, 1):g}")
        return value

    def choice(self, entries: dict[str, yaml.Node], key: str,
               choices: tuple[str, ...]) -> str | None:
        return self.reader.optional_choice(entries, key, "a master's", choices)


def _is_image(node: yaml.Node) -> bool:
    """Whether an art item is an image (`image:` among its keys)."""
    return isinstance(node, yaml.MappingNode) and any(
        isinstance(key, yaml.ScalarNode) and key.value == "image" for key, _ in node.value)


def page_fields(page: str, labels: tuple[str, ...] = ()) -> list[str]:
    """The fields a slot on this kind of page may show."""
    fields = [f"meta.{name}" for name in META_FIELDS] + [f"labels.{name}" for name in labels]
    fields += [f"part.{name}" for name in PART_FIELDS] if page == "opener" else []
    return fields + list(PAGE_FIELDS)


def _choices(name: str, known: tuple[str, ...] | list[str], what: str) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"did you mean '{close[0]}'? ({what}: {', '.join(known)})" if close \
        else f"{what}: {', '.join(known)}"
