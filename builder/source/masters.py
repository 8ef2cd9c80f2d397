"""Load stage: page masters, a theme's designed pages as data (issue 15).

A master (one per kind of page, PAGES) is a background colour, art (rectangles, lines,
circles, ring sets, polygons in palette colours; pictures), text slots bound to content fields
(`{meta.title}`, `{part.number}`, …) each with a style, a box and a fit rule, and stacks:
slots set one under another in a box, each as tall as its text.

Places are lengths from an edge of the trim (default), the margins, the bleed, or of an art
item named earlier (`in: band`): `12mm`, `6pt`, `30%` (of that box's width or height), a
plain number (mm), or a sum such as `42% + 34pt`; x from the left, y from the top, a negative
one from the right or the foot. A slot or stack may stand `below` a named item (its y then
counts from that item's foot).

A slot may be the list of sections or rows of label and value, and its text may carry a
band, an outline, a bar or rules. Art may reach down past named texts (a band as tall as its
texts); rings shrink to clear named texts, open around others, and the slots that `wrap`
set narrower beside them. Every value is checked when the theme loads, its errors naming
the theme file and line.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from builder.source.yamlfile import NodeReader

PAGES = {"cover": "the front cover", "back_cover": "the back cover",
         "opener": "a section's full opener page",
         "band": "the band atop a section's first page of text (design.opener band or auto)",
         "spine": "the spine of a perfect-bound book's cover spread (its texts set top to "
                  "bottom)"}
"""The kinds of page a master can design."""
PART_PAGES = ("opener", "band")
"""Pages that belong to a part: their slots may show {part.…} fields."""
ORIGINS = ("trim", "margins", "bleed")
ALIGNS = ("left", "center", "right", "justify")
VALIGNS = ("top", "middle", "bottom")
BREAKS = ("composer", "colon", "phrases")
"""How a slot's text breaks into lines: by the composer; after its first full-width colon,
where Chinese titles pause (each part then by the composer); at its spaces first (a
headline's phrases), inside a phrase only when it alone is too wide."""
LISTS = ("sections",)
META_FIELDS = ("title", "subtitle", "kicker", "issuer", "date", "lead")
PART_FIELDS = ("title", "headline", "tag", "number")
PAGE_FIELDS = ("page", "pages")
FIELD = re.compile(r"\{([^{}]*)\}")
HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
TERM = re.compile(r"\s*([+-]?)\s*(\d+(?:\.\d+)?)\s*(mm|pt|%)?\s*")
NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_ITEMS = 64
"""Art items, slots and stacks of one master."""


@dataclass(frozen=True)
class Length:
    """A place or size along one axis: `value` in mm or pt (`unit`), or a share of the
    origin box ('%'), plus any further terms of a sum; a place whose first term is
    negative counts from the far edge."""

    value: float
    unit: str  # mm | pt | %
    more: tuple[tuple[float, str], ...] = ()

    @property
    def terms(self) -> tuple[tuple[float, str], ...]:
        return ((self.value, self.unit), *self.more)


@dataclass(frozen=True)
class Place:
    """A box or point on the page: lengths from the `origin` box's left and top edges (y
    from `origin_y`'s top, when the two differ)."""

    origin: str
    values: tuple[Length, ...]
    origin_y: str | None = None

    @property
    def y_origin(self) -> str:
        return self.origin_y or self.origin


@dataclass(frozen=True)
class Deco:
    """A decoration of a slot's text: a band (filled, the full width of the page, run into
    the bleed), an outline (a pill around the text), a bar (a short rule above or below
    it) or rules (across the slot's box, above and below the text)."""

    color: str
    stroke: float = 0.0
    pad: Length | None = None
    length: Length | None = None
    at: str = "below"


@dataclass(frozen=True)
class Rows:
    """Rows of label and value (templates), the labels in `label_color`, the two columns
    centred as a block on their measured widths."""

    rows: tuple[tuple[str, str], ...]
    label_color: str | None = None


@dataclass(frozen=True)
class SectionList:
    """Every section of the issue: number, title, headline (`detail`), in one to three
    columns, scaled down to fit its box (never shortened); `legible` the scale below
    which fewer details or more columns are tried first, `smallest` the least."""

    number: str
    detail: str
    indent: Length
    legible: float = 0.85
    smallest: float = 0.5


@dataclass(frozen=True)
class Art:
    """One piece of art: rect (x, y, w, h), line (x1, y1, x2, y2), circle (cx, cy, r; a
    share of r is of the width), rings (cx, cy: `count` circles `step` apart), polygon
    (x1, y1, x2, y2, …), image (x, y, w, h: a picture). A rect touching the trim's edge
    runs into the bleed."""

    kind: str
    place: Place
    color: str
    stroke: float = 0.0
    """Stroke width in pt (0: filled; lines and rings are always stroked)."""
    step: Length | None = None
    count: int = 0
    line: int = 0
    name: str | None = None
    reach: tuple[str, ...] = ()
    """A rect grows down until it holds these named texts, `pad` below them."""
    pad: Length | None = None
    width: Length | None = None
    """Rings: the stroke as a length (a share of the width scales with the page)."""
    arc: tuple[float, str, float] | None = None
    """Rings: an accent ring at this many steps, its colour and stroke (pt)."""
    clear: tuple[str, ...] = ()
    """Rings: shrink until they keep `pad` (default: half the block spacing) clear of
    these named texts."""
    open: tuple[str, ...] = ()
    """Rings: left open (each ring interrupted) around these named texts."""
    shrink: float = 1.0
    """Rings with slots wrapping beside them: the least share they may shrink to so that
    no text takes more lines (1: they never shrink for the wrapping texts)."""
    picture: Path | None = None
    """An image: its file beside the theme; None: the part's picture (`{part.picture}`, on a
    part's pages), its `color` then the fallback filling the box of a part without one
    ('': nothing is drawn)."""
    fit: str = "cover"
    """An image: 'cover' fills its box (centred, clipped to it), 'contain' fits inside."""


@dataclass(frozen=True)
class Slot:
    """A text bound to content fields, set in a box (in a stack: the stack's width, its
    top `gap` below the slot before)."""

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
    name: str | None = None
    below: str | None = None
    """The named item whose foot the slot's y counts from."""
    breaks: str = "composer"
    scale: float = 1.0
    """The style's size and leading at this share."""
    wrap: bool = False
    """Set narrower where it would run into the master's rings."""
    gap: Length | None = None
    """In a stack: the space above the slot (beside: the space left of it)."""
    beside: bool = False
    """In a stack: on the line of the slot before, right of it."""
    band: Deco | None = None
    outline: Deco | None = None
    bar: Deco | None = None
    rules: Deco | None = None
    rows: Rows | None = None
    sections: SectionList | None = None

    @property
    def fields(self) -> list[str]:
        found = FIELD.findall(self.text)
        for label, value in self.rows.rows if self.rows is not None else ():
            found += FIELD.findall(label) + FIELD.findall(value)
        return found

    @property
    def label(self) -> str:
        """The name other items use for it: its own, else its first field's last part."""
        if self.name:
            return self.name
        if self.sections is not None:
            return "sections"
        fields = self.fields
        return fields[0].rpartition(".")[2] if fields else f"line{self.line}"


@dataclass(frozen=True)
class Stack:
    """Slots set one under another, from the top of the box (`valign`), each as tall as
    its text; when they do not fit, the stack moves up by at most `rise` before its
    slots shrink (their fit rules) or the build stops with the slot that does not fit."""

    slots: tuple[Slot, ...]
    place: Place
    valign: str = "top"
    rise: Length | None = None
    name: str | None = None
    below: str | None = None
    line: int = 0

    @property
    def label(self) -> str:
        return self.name or f"stack{self.line}"


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
    art: tuple[Art, ...]
    slots: tuple[Slot, ...]
    svg: Svg | None = None
    file: str = ""
    """The theme file the master is written in (for errors found when it is drawn)."""
    line: int = 0
    stacks: tuple[Stack, ...] = ()
    compact: Master | None = None
    """The master used where this one does not fit the page (its keys laid over this
    master's): e.g. a cover with closer texts for small pages or many sections."""

    @property
    def all_slots(self) -> list[Slot]:
        return [*self.slots, *(slot for stack in self.stacks for slot in stack.slots)]

    @property
    def lists_sections(self) -> bool:
        return any(slot.sections is not None for slot in self.all_slots)

    def items(self) -> list[Slot | Stack | Art]:
        """The slots, stacks and art in an order where every item comes after the items it
        is placed by (`below`, `in`, `reach`); rings come last (they clear texts)."""
        pending: list[Slot | Stack | Art] = [*self.slots, *self.stacks, *self.art]
        done: list[Slot | Stack | Art] = []
        placed: set[str] = set()
        owners = {slot.name: stack.label for stack in self.stacks for slot in stack.slots
                  if slot.name}
        known = {*owners, *(item.name for item in pending if item.name),
                 *(stack.label for stack in self.stacks)}
        while pending:
            ready = [item for item in pending
                     if all(owners.get(need, need) in placed or need not in known
                            for need in _needs(item))]
            if not ready:
                return done  # a circle: `cycle` names it
            for item in ready:
                pending.remove(item)
                done.append(item)
                placed.add(item.label if isinstance(item, Stack) else item.name or "")
                if isinstance(item, Stack):
                    placed.update(slot.name for slot in item.slots if slot.name)
        return done

    def cycle(self) -> list[str]:
        """The names of items placing each other in a circle (none: [])."""
        every: list[Slot | Stack | Art] = [*self.slots, *self.stacks, *self.art]
        ordered = self.items()
        left = [item for item in every if not any(item is done for done in ordered)]
        return [item.label if isinstance(item, Stack) else item.name or "?" for item in left]


ART_KEYS = {"rect": False, "line": False, "circle": False, "rings": False, "polygon": False,
            "in": False, "color": True, "stroke": False, "step": False, "count": False,
            "name": False, "reach": False, "pad": False, "width": False, "arc": False,
            "clear": False, "open": False, "shrink": False}
SLOT_KEYS = {"text": False, "style": True, "box": False, "in": False, "align": False,
             "valign": False, "color": False, "fit": False, "name": False, "below": False,
             "break": False, "scale": False, "wrap": False, "gap": False, "beside": False,
             "band": False, "outline": False, "bar": False, "rules": False, "rows": False,
             "label_color": False, "list": False, "number": False, "detail": False,
             "indent": False}
STACK_KEYS = {"stack": True, "box": True, "in": False, "valign": False, "rise": False,
              "name": False, "below": False}
FIT_KEYS = {"shrink": False, "lines": False}
DECO_KEYS = {"color": True, "stroke": False, "pad": False, "length": False, "at": False}
ARC_KEYS = {"ring": True, "color": True, "stroke": False}
MASTER_KEYS = {"background": False, "svg": False, "art": False, "slots": False,
               "stacks": False, "compact": False}
SVG_KEYS = {"file": True, "box": False, "in": False, "colors": True}
IMAGE_KEYS = {"image": True, "box": True, "in": False, "fit": False, "fallback": False}
IMAGE_FITS = ("cover", "contain")
PART_PICTURE = "{part.picture}"
"""The one field an image may name: the part's picture (content `picture:`)."""
ARITY = {"rect": 4, "line": 4, "circle": 3, "rings": 2}


def read_masters(reader: NodeReader, node: yaml.Node, colors: Iterable[str],
                 styles: Iterable[str], labels: tuple[str, ...]) -> dict[str, Master]:
    """The `masters` section: a master per kind of page (see PAGES), its colours and styles
    among those named."""
    entries = reader.mapping(node, "'masters'", dict.fromkeys(PAGES, False))
    context = _Context(reader, tuple(colors), tuple(styles), labels)
    return {page: context.master(page, value) for page, value in entries.items()}


@dataclass
class _Context:
    reader: NodeReader
    colors: tuple[str, ...]
    styles: tuple[str, ...]
    labels: tuple[str, ...]
    named: list[str] | None = None
    """The names given so far in the master being read (items may name earlier ones)."""

    def master(self, page: str, node: yaml.Node, compact: bool = True) -> Master:
        entries = self.reader.mapping(node, f"'masters.{page}'", MASTER_KEYS)
        fallback = None
        if "compact" in entries:
            if not compact:
                raise self.reader.fail(entries["compact"], "a compact master has no compact "
                                       "master of its own", hint="remove this 'compact'")
            over = self.reader.mapping(entries["compact"], f"'masters.{page}.compact'",
                                       MASTER_KEYS)
            laid = {key.value: (key, value) for key, value in node.value
                    if key.value != "compact"}
            laid.update({key.value: (key, value) for key, value in entries["compact"].value
                         if key.value in over})
            fallback = self.master(page, yaml.MappingNode(node.tag, list(laid.values()),
                                                          entries["compact"].start_mark,
                                                          entries["compact"].end_mark), False)
        self.named = self.declared(entries)
        background = self.color(entries["background"]) if "background" in entries else None
        svg, frames = self.svg(entries["svg"]) if "svg" in entries else (None, {})
        slots = tuple(self.slot(page, item, frames) for item in self.items(entries, "slots"))
        stacks = tuple(self.stack(page, item, frames) for item in self.items(entries, "stacks"))
        art = tuple(self.image(page, item) if _is_image(item) else self.art(item)
                    for item in self.items(entries, "art"))
        master = Master(page, background, art, slots, svg, node.start_mark.name,
                        node.start_mark.line + 1, stacks, fallback)
        cycle = master.cycle()
        if cycle:
            raise self.reader.fail(node, f"masters.{page}: items place each other in a "
                                   f"circle: {' → '.join(cycle)}",
                                   hint="let one of them stand on the page alone (remove its "
                                        "'below', 'in' or 'reach')")
        return master

    # ------------------------------------------------------------------ names

    def declared(self, entries: dict[str, yaml.Node]) -> list[str]:
        """The names of the master's items, given (each once) or a slot's field's."""
        nodes = [item for key in ("slots", "stacks", "art") if key in entries
                 and isinstance(entries[key], yaml.SequenceNode) for item in entries[key].value]
        nodes += [inner for item in nodes if isinstance(item, yaml.MappingNode)
                  for key, value in item.value if key.value == "stack"
                  and isinstance(value, yaml.SequenceNode) for inner in value.value]
        given: list[str] = []
        derived: list[str] = []
        for item in nodes:
            if not isinstance(item, yaml.MappingNode):
                continue
            values = {str(key.value): value for key, value in item.value}
            if "name" in values:
                name = self.reader.text(values["name"], "'name'")
                if not NAME.match(name):
                    raise self.reader.fail(values["name"], f"'{name}' is not a name",
                                           hint="lower-case letters, digits and _, e.g. "
                                                "title_band")
                if name in given:
                    raise self.reader.fail(values["name"], f"the name '{name}' is given "
                                           "twice in this master",
                                           hint="give each item its own name")
                given.append(name)
            elif "list" in values:
                derived.append("sections")
            elif isinstance(values.get("text"), yaml.ScalarNode):
                fields = FIELD.findall(str(values["text"].value))
                if fields:
                    derived.append(fields[0].rpartition(".")[2])
        return given + [name for name in derived if name not in given]

    def name(self, entries: dict[str, yaml.Node], default: str | None = None) -> str | None:
        """The item's name: given (checked by `declared`), else `default`."""
        node = entries.get("name")
        return self.reader.text(node, "'name'") if node is not None else default

    def names(self, node: yaml.Node, what: str) -> tuple[str, ...]:
        """Names of items of this master (one, or a list)."""
        assert self.named is not None
        nodes = self.reader.sequence(node, what) if isinstance(node, yaml.SequenceNode) \
            else [node]
        found = []
        for item in nodes:
            name = self.reader.text(item, what)
            if name not in self.named:
                raise self.reader.fail(item, f"{what} names '{name}', which is not a slot, "
                                       "stack or art item of this master",
                                       hint=_choices(name, self.named, "names")
                                       if self.named else "name the item first "
                                       "(name: title_band), then refer to it")
            found.append(name)
        return tuple(found)

    # ------------------------------------------------------------------ items

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
        only = {"reach": ("rect",), "arc": ("rings",), "clear": ("rings",),
                "open": ("rings",), "shrink": ("rings",), "width": ("rings",)}
        for key, kinds_allowed in only.items():
            if key in entries and kind not in kinds_allowed:
                raise self.reader.fail(entries[key], f"'{key}' belongs to "
                                       f"{' or '.join(kinds_allowed)} art, not {kind}",
                                       hint=f"remove '{key}' from this item")
        place = self.place(entries, kind, ARITY.get(kind), named_origin=True)
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
        arc = None
        if "arc" in entries:
            arc_entries = self.reader.mapping(entries["arc"], "'arc'", ARC_KEYS)
            arc = (self.number(arc_entries["ring"], "'arc.ring'", 0, 100),
                   self.color(arc_entries["color"]),
                   self.number(arc_entries["stroke"], "'arc.stroke'", 0, 50)
                   if "stroke" in arc_entries else 1.0)
        color = self.color(entries["color"])
        return Art(kind, place, color, stroke, step, count, node.start_mark.line + 1,
                   self.name(entries),
                   self.names(entries["reach"], "'reach'") if "reach" in entries else (),
                   self.length(entries["pad"]) if "pad" in entries else None,
                   self.length(entries["width"], unit="pt") if "width" in entries else None,
                   arc,
                   self.names(entries["clear"], "'clear'") if "clear" in entries else (),
                   self.names(entries["open"], "'open'") if "open" in entries else (),
                   self.share(entries["shrink"], "'shrink'") if "shrink" in entries else 1.0)

    def image(self, page: str, node: yaml.Node) -> Art:
        """`{image, box, in, fit, fallback}`: a picture file beside the theme (checked and
        decoded now, so a bad one is named with its line) or `{part.picture}` on a part's
        pages (its fallback colour, if any, is the art's colour)."""
        entries = self.reader.mapping(node, "an image", IMAGE_KEYS)
        written = self.reader.text(entries["image"], "'image'")
        place = self.place(entries, "box", 4)
        fit = self.reader.optional_choice(entries, "fit", "an image's", IMAGE_FITS) or "cover"
        fallback = self.color(entries["fallback"]) if "fallback" in entries else ""
        line = node.start_mark.line + 1
        if written == PART_PICTURE:
            if page not in PART_PAGES:
                raise self.reader.fail(entries["image"], f"{PART_PICTURE} exists on a part's "
                                       f"pages only, not on {PAGES[page]}", hint="name a "
                                       "picture file beside the theme, e.g. image: "
                                       "photos/cover.jpg")
            return Art("image", place, fallback, line=line, fit=fit)
        if FIELD.search(written):
            raise self.reader.fail(entries["image"], f"an image names a file or "
                                   f"{PART_PICTURE}, not '{written}'",
                                   hint=f"write image: {PART_PICTURE} (openers) or a file "
                                        "such as photos/cover.jpg")
        if fallback:
            raise self.reader.fail(entries["fallback"], "'fallback' is for "
                                   f"{PART_PICTURE} (a part without a picture)",
                                   hint="remove it: a picture file is always there")
        return Art("image", place, "", line=line,
                   picture=self.picture_file(entries["image"], written), fit=fit)

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

    def stack(self, page: str, node: yaml.Node, frames: dict[str, object]) -> Stack:
        entries = self.reader.mapping(node, "a stack", STACK_KEYS)
        below = self.names(entries["below"], "'below'")[0] if "below" in entries else None
        place = self.place(entries, "box", 4)
        slots = tuple(self.slot(page, item, frames, stacked=True)
                      for item in self.items(entries, "stack"))
        if slots and slots[0].beside:
            raise self.reader.fail(entries["stack"], "the first slot of a stack cannot stand "
                                   "beside the one before", hint="remove 'beside: true'")
        return Stack(slots, place, self.choice(entries, "valign", VALIGNS) or "top",
                     self.length(entries["rise"]) if "rise" in entries else None,
                     self.name(entries), below, node.start_mark.line + 1)

    def slot(self, page: str, node: yaml.Node, frames: dict[str, object],
             stacked: bool = False) -> Slot:
        entries = self.reader.mapping(node, "a slot", SLOT_KEYS)
        line = node.start_mark.line + 1
        kinds = [key for key in ("text", "rows", "list") if key in entries]
        if len(kinds) != 1:
            raise self.reader.fail(node, "a slot needs exactly one of text, rows, list",
                                   hint='e.g. {text: "{meta.title}", style: cover_title, '
                                        "box: [0, 20%, 100%, 30mm]}")
        text, rows, sections = "", None, None
        if "text" in entries:
            text = self.template(page, entries["text"], "a slot's 'text'")
        elif "rows" in entries:
            pairs = []
            for row in self.reader.sequence(entries["rows"], "'rows'"):
                if not isinstance(row, yaml.SequenceNode) or len(row.value) != 2:
                    raise self.reader.fail(row, "a row is [label, value]",
                                           hint='e.g. ["{labels.imprint_date}", "{meta.date}"]')
                label_node, value_node = row.value
                label = "" if isinstance(label_node, yaml.ScalarNode) and \
                    not str(label_node.value).strip() else \
                    self.template(page, label_node, "a row's label")
                pairs.append((label, self.template(page, value_node, "a row's value")))
            rows = Rows(tuple(pairs), self.color(entries["label_color"])
                        if "label_color" in entries else None)
        else:
            self.choice(entries, "list", LISTS)
            for key in ("number", "detail"):
                if key not in entries:
                    raise self.reader.fail(node, f"a list of sections needs '{key}' (a style)",
                                           hint="e.g. {list: sections, style: contents_entry, "
                                                "number: contents_number, detail: "
                                                "contents_detail, indent: 34pt}")
            sections = SectionList(self.style(entries["number"]), self.style(entries["detail"]),
                                   self.length(entries["indent"]) if "indent" in entries
                                   else Length(0, "pt"))
        style = self.style(entries["style"])
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
        below = self.names(entries["below"], "'below'")[0] if "below" in entries else None
        if stacked:
            for key in ("box", "below", "valign", "in"):
                if key in entries:
                    raise self.reader.fail(entries[key], f"a slot in a stack takes no "
                                           f"'{key}': the stack places it",
                                           hint="give the stack its box; space a slot "
                                                "from the one above with 'gap'")
            place = Place("trim", ())
        elif "box" not in entries:
            raise self.reader.fail(node, "a slot needs a 'box'",
                                   hint="box: [x, y, width, height], e.g. [0, 20%, 100%, 30mm]")
        elif isinstance(entries["box"], yaml.ScalarNode) and \
                str(entries["box"].value).startswith("#"):
            box = entries["box"]
            frame = str(box.value)[1:]
            if frame not in frames:
                raise self.reader.fail(box, f"the master's SVG has no rectangle with id "
                                       f"'{frame}'", hint="frames in the SVG: " + (
                                           ", ".join(f"#{f}" for f in frames) or "none (give a "
                                           "rectangle an id in Inkscape's XML editor)"))
            place = Place("trim", ())
        else:
            place = self.place(entries, "box", 4)
        if "gap" in entries and self.length(entries["gap"]).value < 0:
            raise self.reader.fail(entries["gap"], "a negative gap sets this slot's text into "
                                   "the one above it: they would overprint",
                                   hint="write a gap of 0 or more (e.g. gap: 6pt)")
        for key in ("gap", "beside"):
            if key in entries and not stacked:
                raise self.reader.fail(entries[key], f"'{key}' places a slot in a stack",
                                       hint="put the slot in a stack, or give it a box")
        decos = {key: self.deco(entries[key], key) if key in entries else None
                 for key in ("band", "outline", "bar", "rules")}
        slot = Slot(text, style, place, align, valign,
                    self.color(entries["color"]) if "color" in entries else None,
                    shrink, lines, line, frame, None, below,
                    self.choice(entries, "break", BREAKS) or "composer",
                    self.share(entries["scale"], "'scale'") if "scale" in entries else 1.0,
                    self.flag(entries, "wrap"),
                    self.length(entries["gap"]) if "gap" in entries else None,
                    self.flag(entries, "beside"), rows=rows, sections=sections, **decos)
        return replace(slot, name=self.name(entries, None if "name" in entries
                                            else slot.label))

    def template(self, page: str, node: yaml.Node, what: str) -> str:
        text = self.reader.text(node, what)
        for field in FIELD.findall(text):
            self.field(page, field, node)
        return text

    def style(self, node: yaml.Node) -> str:
        style = self.reader.text(node, "a style")
        if style not in self.styles:
            raise self.reader.fail(node, f"unknown style '{style}'",
                                   hint=_choices(style, self.styles, "styles defined"))
        return style

    def deco(self, node: yaml.Node, key: str) -> Deco:
        entries = self.reader.mapping(node, f"'{key}'", DECO_KEYS)
        at = self.choice(entries, "at", ("above", "below")) or "below"
        return Deco(self.color(entries["color"]),
                    self.number(entries["stroke"], f"'{key}.stroke'", 0, 50)
                    if "stroke" in entries else 0.0,
                    self.length(entries["pad"], unit="pt") if "pad" in entries else None,
                    self.length(entries["length"], unit="pt") if "length" in entries else None,
                    at)

    def flag(self, entries: dict[str, yaml.Node], key: str) -> bool:
        if key not in entries:
            return False
        node = entries[key]
        value = str(node.value).strip().lower() if isinstance(node, yaml.ScalarNode) else ""
        if value not in ("true", "false"):
            raise self.reader.fail(entries[key], f"'{key}' is true or false",
                                   hint=f"{key}: true")
        return value == "true"

    def field(self, page: str, field: str, node: yaml.Node) -> None:
        """A template field must exist on this kind of page (part fields on a part's
        pages only)."""
        known = page_fields(page, self.labels)
        if field not in known:
            part = field.startswith("part.") and page not in PART_PAGES
            raise self.reader.fail(node, f"the slot's field '{{{field}}}' does not exist"
                                   + (" on this page (parts have openers only)" if part else ""),
                                   hint=_choices(field, known, "fields") + ", written "
                                                                           "{meta.title}")

    def origin(self, entries: dict[str, yaml.Node], named: bool) -> tuple[str, str | None]:
        """`in`: an origin box (ORIGINS, or for art an item named before), or [x, y]."""
        node = entries.get("in")
        if node is None:
            return "trim", None
        allowed = (*ORIGINS, *(self.named or ())) if named else ORIGINS
        written = node.value if isinstance(node, yaml.SequenceNode) else [node]
        if len(written) not in (1, 2):
            raise self.reader.fail(node, "'in' is one box, or [box for x, box for y]",
                                   hint="e.g. in: margins, or in: [margins, trim]")
        found = []
        for item in written:
            name = self.reader.text(item, "'in'")
            if name not in allowed:
                raise self.reader.fail(item, f"unknown box '{name}'",
                                       hint=_choices(name, list(allowed), "boxes"))
            found.append(name)
        return found[0], (found[1] if len(found) == 2 else None)

    def place(self, entries: dict[str, yaml.Node], key: str, arity: int | None,
              named_origin: bool = False) -> Place:
        node = entries[key]
        origin, origin_y = self.origin(entries, named_origin)
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
            return Place(origin, tuple(values), origin_y)
        if not isinstance(node, yaml.SequenceNode) or len(node.value) != arity:
            shape = {"rect": "[x, y, width, height]", "box": "[x, y, width, height]",
                     "line": "[x1, y1, x2, y2]", "circle": "[cx, cy, radius]",
                     "rings": "[cx, cy]"}[key]
            raise self.reader.fail(node, f"'{key}' must be {shape}",
                                   hint="lengths in mm (12 or 12mm), pt (6pt) or % of the "
                                        "trim (30%), or a sum (42% + 6pt); y from the top, "
                                        "negative from the far edge")
        return Place(origin, tuple(self.length(n) for n in node.value), origin_y)

    def length(self, node: yaml.Node, unit: str = "mm") -> Length:
        """A length (see the module's docstring); a plain number is in `unit`."""
        text = self.reader.text(node, "a length")
        terms: list[tuple[float, str]] = []
        position = 0
        while position < len(text):
            match = TERM.match(text, position)
            if match is None or match.end() == position or (terms and not match.group(1)):
                break
            value = float(match.group(2)) * (-1 if match.group(1) == "-" else 1)
            terms.append((value, match.group(3) or unit))
            position = match.end()
        if position < len(text) or not terms or any(abs(v) > 10_000 for v, _ in terms) \
                or len(terms) > 4:
            raise self.reader.fail(node, f"'{text}' is not a length",
                                   hint="write mm (12 or 12mm), pt (6pt), a share (30%), or "
                                        "a sum of up to four (42% + 6pt)")
        (value, first), *more = terms
        return Length(value, first, tuple(more))

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

    def share(self, node: yaml.Node, what: str) -> float:
        """A share from 10 % to 100 % (written 60% or 0.6)."""
        text = self.reader.text(node, what)
        try:
            value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
        except ValueError:
            value = float("nan")
        if not 0.1 <= value <= 1:
            raise self.reader.fail(node, f"{what} must be a share from 10% to 100%",
                                   hint="e.g. 60%")
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
    fields += [f"part.{name}" for name in PART_FIELDS] if page in PART_PAGES else []
    return fields + list(PAGE_FIELDS)


def _choices(name: str, known: tuple[str, ...] | list[str], what: str) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"did you mean '{close[0]}'? ({what}: {', '.join(known)})" if close \
        else f"{what}: {', '.join(known)}"


def _needs(item: Slot | Stack | Art) -> tuple[str, ...]:
    """The names an item is placed by."""
    if isinstance(item, Art):
        origin = () if item.place.origin in ORIGINS else (item.place.origin,)
        origin_y = () if item.place.y_origin in ORIGINS else (item.place.y_origin,)
        return (*origin, *origin_y, *item.reach, *item.clear, *item.open)
    return (item.below,) if item.below else ()
