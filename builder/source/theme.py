"""Theme: every layout value (page, fonts, colours, type styles, spacing) read from YAML.

The default theme is builder/themes/default.yaml. Layout code reads values only from a `Theme`.
Each fixed section of a theme file is a frozen dataclass below whose fields are the section's
keys: the loader checks a file against them and builder.cli.schema describes them.
"""

from __future__ import annotations

import re
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, NewType, TypeVar, get_args, get_origin, get_type_hints

import yaml
from reportlab.lib.colors import CMYKColor, Color

from builder import data
from builder.errors import BrochureError
from builder.source.yamlfile import NodeReader, entry, read_yaml_nodes

MM = 72 / 25.4
"""Points per millimetre."""

PAGE_SIZES_MM: dict[str, tuple[float, float]] = {
    "A4": (210, 297), "A5": (148, 210), "B5": (176, 250),
    "16开": (185, 260), "大16开": (210, 285), "32开": (130, 184), "大32开": (140, 203),
}
"""Trim sizes by name (GB/T 788 names as Chinese print shops use them); or 'W×H mm'."""
CUSTOM_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[x×*]\s*(\d+(?:\.\d+)?)\s*(?:mm)?\s*$")

TOP_KEYS = {"name": True, "extends": False, "page": True, "print": True, "design": True,
            "header": True, "footer": True, "fonts": True, "colors": True, "styles": True,
            "spacing": True, "table_columns": True, "decor": True, "labels": True}
TEMPLATE_FIELDS = ("title", "section", "page", "pages")
STYLE_ROLES = (
    "body", "lead", "heading", "quote", "quote_source", "caption", "note", "running_header",
    "folio", "part_label", "part_title", "part_headline", "contents_title", "contents_entry",
    "contents_number", "contents_detail", "cover_kicker", "cover_title", "cover_subtitle",
    "cover_issuer", "opener_number", "opener_title", "opener_headline", "opener_tag",
    "table_title", "table_header", "table_cell", "table_number", "back_title", "back_text")
COLOR_NAMES = ("primary", "primary_dark", "accent", "accent_light", "zebra", "ink", "muted",
               "rule", "rise", "fall", "paper")

PageSize = tuple[float, float]
"""Trim width and height in points: a size name, 'W×H mm' or [W, H] in the file."""
Template = NewType("Template", str)
"""A running header or footer text with {title} {section} {page} {pages} fields."""
CoverDesign = Literal["rings", "masthead"]
OpenerDesign = Literal["page", "inline"]
TableDesign = Literal["zebra", "rules"]


IN_MM = {"scale": MM}
"""Field metadata of a key given in millimetres in the theme file and held in points."""


@dataclass(frozen=True)
class Page:
    """`page`: the trim size and the text block (Theme keeps these values as its own)."""

    size: PageSize
    margin_top: float = field(metadata=IN_MM)
    margin_bottom: float = field(metadata=IN_MM)
    chars_per_line: int
    min_margin_side: float = field(metadata=IN_MM)
    header_offset: float = field(metadata=IN_MM)
    footer_offset: float = field(metadata=IN_MM)


@dataclass(frozen=True)
class PrintSpec:
    """`print`: bleed, crop marks and page count of print files, in points."""

    bleed: float = field(metadata=IN_MM)
    crop_mark_offset: float = field(metadata=IN_MM)
    crop_mark_length: float = field(metadata=IN_MM)
    crop_mark_width: float
    slug: float = field(metadata=IN_MM)
    page_multiple: int
    """Blank pages before the back cover make the count a multiple of this."""


@dataclass(frozen=True)
class Design:
    """`design`: choices among the designs the layout knows."""

    columns: Literal[1, 2]
    column_gap: float
    """Between columns, in body characters."""
    cover: CoverDesign
    opener: OpenerDesign
    table: TableDesign


@dataclass(frozen=True)
class Slots:
    """`header` or `footer`: a running text template by slot."""

    left: Template = Template("")
    center: Template = Template("")
    right: Template = Template("")

    def by_slot(self) -> tuple[tuple[str, Template], ...]:
        """(slot, template) pairs from left to right."""
        return tuple((slot.name, getattr(self, slot.name)) for slot in fields(self))


@dataclass(frozen=True, kw_only=True)
class RoleStyle:
    """How the theme sets one text role: its font family and colour by name, sizes in
    points. The composer's resolved form is builder.typeset.compose.TextStyle."""

    family: str = field(metadata={"key": "font"})
    bold: bool = False
    size: float
    leading: float
    color: str
    indent: float = 0.0
    """First-line indent in characters (em)."""


@dataclass(frozen=True)
class FontFamily:
    regular: Path
    bold: Path


@dataclass(frozen=True)
class Spacing:
    """`spacing`: space between blocks, in points (shares where named so)."""

    paragraph: float
    block: float
    part_title_after: float
    table_rule: float
    gallery_gap: float
    figure_ratio: float
    share_page: float


@dataclass(frozen=True)
class TableColumns:
    """`table_columns`: shares of the measure by scorecard column; the metric takes the rest."""

    from_: float = field(metadata={"key": "from"})
    value: float
    unit: float
    change: float
    remark: float

    def share(self, column: str) -> float:
        """The share of a scorecard column (0 for the metric column, which takes the rest)."""
        key = KEYS[TableColumns].get(column)
        return getattr(self, key.attribute) if key else 0.0


@dataclass(frozen=True)
class Decor:
    """`decor`: the geometry of covers, openers, boxes and rules, in points (shares of the
    page where named so)."""

    accent_bar_length: float
    accent_bar_thickness: float
    accent_line: float
    header_rule_gap: float
    header_rule_width: float
    folio_rule_gap: float
    folio_rule_length: float
    contents_title_after: float
    contents_lead_after: float
    contents_indent: float
    contents_entry_after: float
    leader_step: float
    leader_dot: float
    box_padding: float
    box_bar: float
    caption_gap: float
    frame_line: float
    cell_padding: float
    rings_count: int
    rings_step: float
    rings_width: float
    rings_centre: float
    cover_kicker_top: float
    cover_title_gap: float
    cover_issuer_bottom: float
    opener_band: float
    opener_band_edge: float
    opener_number_top: float
    opener_tag_gap: float
    back_band: float
    back_title_bottom: float


@dataclass(frozen=True)
class Labels:
    """`labels`: the fixed words the layout prints around the content."""

    contents: str
    cover_contents: str
    chart_title: str
    table_metric: str
    table_from: str
    table_value: str
    table_unit: str
    table_change: str
    table_remark: str
    truncated_note: str


SECTIONS: dict[str, type] = {
    "page": Page, "print": PrintSpec, "design": Design, "header": Slots, "footer": Slots,
    "spacing": Spacing, "table_columns": TableColumns, "decor": Decor, "labels": Labels}
"""The theme's sections of fixed keys; `Theme` has an attribute of that type for each but
`page`."""


@dataclass(frozen=True)
class Key:
    """One key of a theme section or entry, as the loader checks it and the schema shows it."""

    attribute: str
    type: Any
    """The field's type: float, int, str, bool, Path, Template, PageSize or a Literal."""
    required: bool
    scale: float
    """File units to points: MM for keys given in millimetres."""

    @property
    def choices(self) -> tuple[Any, ...]:
        return get_args(self.type) if get_origin(self.type) is Literal else ()


def _keys(cls: type) -> dict[str, Key]:
    types = get_type_hints(cls)
    return {spec.metadata.get("key", spec.name): Key(
        spec.name, types[spec.name], spec.default is MISSING, spec.metadata.get("scale", 1.0))
        for spec in fields(cls)}


KEYS: dict[type, dict[str, Key]] = {
    cls: _keys(cls) for cls in (*SECTIONS.values(), RoleStyle, FontFamily)}
"""The keys of each section and entry dataclass, as the theme file spells them."""


@dataclass(frozen=True)
class Theme:
    name: str
    path: Path
    page_width: float
    page_height: float
    margin_top: float
    margin_bottom: float
    chars_per_line: int
    min_margin_side: float
    header_offset: float
    footer_offset: float
    fonts: dict[str, FontFamily]
    colors: dict[str, tuple[float, float, float, float]]
    styles: dict[str, RoleStyle]
    spacing: Spacing
    table_columns: TableColumns
    decor: Decor
    labels: Labels
    print: PrintSpec
    """Bleed and crop marks, in points."""
    design: Design
    """Choices among the designs layout knows: columns, cover, opener, table."""
    header: Slots
    footer: Slots
    """Running header and footer templates by slot (left, center, right)."""
    screen_colors: dict[str, tuple[float, float, float]] | None = None
    """The palette in sRGB (0–1) for screen files, converted through the press profile by
    the pdf stage; None for print files, whose colours are the palette's device CMYK."""

    @property
    def text_width(self) -> float:
        """Width of the text block: a whole number of body characters (clreq), as many as the
        theme asks for or as fit between the smallest side margins."""
        size = self.styles["body"].size
        fitting = int((self.page_width - 2 * self.min_margin_side) // size)
        return min(self.chars_per_line, fitting) * size

    @property
    def margin_side(self) -> float:
        return (self.page_width - self.text_width) / 2

    @property
    def column_width(self) -> float:
        """Width of one body column: a whole number of body characters."""
        columns = self.design.columns
        if columns == 1:
            return self.text_width
        size = self.styles["body"].size
        gap = self.design.column_gap * size
        return (self.text_width - gap) // columns // size * size

    def style(self, role: str) -> RoleStyle:
        return self.styles[role]

    def color(self, name: str) -> Color:
        """A palette colour: device CMYK for print, its sRGB equivalent for screen."""
        if self.screen_colors is not None:
            return Color(*self.screen_colors[name])
        c, m, y, k = (v / 100 for v in self.colors[name])
        return CMYKColor(c, m, y, k)

    def with_page_size(self, size: str) -> Theme:
        """The same theme on another trim size ('A5', '大16开', '200×280 mm')."""
        width, height = page_size_mm(size)
        return replace(self, page_width=width * MM, page_height=height * MM)

    def for_output(self, *, marks: bool, pad_pages: bool,
                   screen_colors: dict[str, tuple[float, float, float]] | None) -> Theme:
        """The same theme for one kind of output file: without bleed and marks, without
        blank pages for saddle stitch, with the palette in sRGB (see `screen_colors`)."""
        printing = self.print
        if not marks:
            printing = replace(printing, bleed=0.0, slug=0.0, crop_mark_length=0.0)
        if not pad_pages:
            printing = replace(printing, page_multiple=1)
        return replace(self, print=printing, screen_colors=screen_colors)


def theme_path(name_or_path: str, relative_to: Path | None = None) -> Path:
    """Resolve a theme name (a shipped theme, builder/data/themes/NAME.yaml) or a path to a
    theme file (relative to `relative_to`, else to the working folder)."""
    if name_or_path.endswith((".yaml", ".yml")):
        base = relative_to if relative_to is not None else Path.cwd()
        return (base / name_or_path).resolve()
    return data.themes_dir() / f"{name_or_path}.yaml"


def load_theme(path: Path) -> Theme:
    """Read and check a theme file."""
    if not path.exists():
        known = ", ".join(data.shipped_themes())
        raise BrochureError("theme not found", path=path,
                            hint=f"use a theme name ({known}) or a path to a .yaml theme")
    reader = NodeReader(path)
    top = reader.mapping(_extended(reader, read_yaml_nodes(path), set()), "the theme", TOP_KEYS)
    sections: dict[str, Any] = {name: _section(reader, top[name], name, cls)
                                for name, cls in SECTIONS.items()}
    page: Page = sections.pop("page")
    colors = {name: _cmyk(reader, node, name)
              for name, node in _named(reader, top["colors"], "'colors'").items()}
    styles = {name: _style(reader, node, name, colors)
              for name, node in _named(reader, top["styles"], "'styles'").items()}
    fonts = {name: _section(reader, node, f"fonts.{name}", FontFamily)
             for name, node in _named(reader, top["fonts"], "'fonts'").items()}
    for name, style in styles.items():
        if style.family not in fonts:
            raise reader.fail(top["styles"], f"style '{name}' uses unknown font '{style.family}'",
                              hint=f"fonts defined: {', '.join(fonts)}")
    for name, have, needed in (("styles", styles, STYLE_ROLES), ("colors", colors, COLOR_NAMES)):
        _require(reader, top[name], name, have, needed)
    width, height = page.size
    return Theme(
        name=reader.text(top["name"], "theme 'name'"), path=path,
        page_width=width, page_height=height, margin_top=page.margin_top,
        margin_bottom=page.margin_bottom, chars_per_line=page.chars_per_line,
        min_margin_side=page.min_margin_side, header_offset=page.header_offset,
        footer_offset=page.footer_offset, fonts=fonts, colors=colors, styles=styles, **sections)


T = TypeVar("T")


def _section(reader: NodeReader, node: yaml.Node, what: str, cls: type[T]) -> T:
    """A mapping node read into the dataclass `cls`, whose fields are the keys it allows."""
    keys = KEYS[cls]
    entries = reader.mapping(node, f"'{what}'", dict.fromkeys(keys, False))
    _require(reader, node, what, entries, tuple(k for k, key in keys.items() if key.required))
    return cls(**{key.attribute: _value(reader, entries[name], what, name, key)
                  for name, key in keys.items() if name in entries})


def _value(reader: NodeReader, node: yaml.Node, section: str, name: str, key: Key) -> Any:
    """The value of the key `name` of a section, checked against its field's type."""
    what = f"{section}.{name}"
    if key.type is str:
        return reader.text(node, f"'{what}'")
    if key.type is bool:
        return reader.flag(node, f"'{what}'")
    if key.type is Path:
        return _font_file(reader, node, f"'{what}'")
    if key.type is Template:
        return _template(reader, node, section, name)
    if key.type == PageSize:
        return _page_size(reader, node)
    if key.choices and isinstance(key.choices[0], str):
        choice = reader.text(node, f"{section} '{name}'")
        if choice not in key.choices:
            raise reader.fail(node, f"unknown {name} {section} '{choice}'",
                              hint=f"use one of: {', '.join(key.choices)}")
        return choice
    number = _number(reader, node, what)
    if key.choices and int(number) not in key.choices:
        raise reader.fail(node, f"{section} '{name}' must be "
                          + " or ".join(str(c) for c in key.choices))
    return int(number) if key.type is int or key.choices else number * key.scale


def _extended(reader: NodeReader, node: yaml.Node, seen: set[Path]) -> yaml.Node:
    """A theme with `extends: NAME` is its base theme with this file's values laid over it."""
    base_name = entry(node, "extends")
    if base_name is None:
        return node
    base_path = theme_path(reader.text(base_name, "'extends'"), reader.path.parent)
    if base_path in seen or base_path == reader.path:
        raise reader.fail(base_name, "themes extend each other in a circle",
                          hint="let one of them stand on its own")
    load_theme(base_path)  # the base must be a valid theme by itself (its errors name it)
    base = _extended(NodeReader(base_path), read_yaml_nodes(base_path), seen | {reader.path})
    return _overlay(base, node)


def base_theme(path: Path) -> Path | None:
    """The theme file that the theme at `path` extends, or None."""
    node = entry(read_yaml_nodes(path), "extends")
    if node is None:
        return None
    return theme_path(NodeReader(path).text(node, "'extends'"), path.parent)


def theme_chain(path: Path) -> list[Path]:
    """The theme file at `path` and every file it extends, nearest first; a file that cannot
    be read ends the chain (its errors are the loader's to report)."""
    chain: list[Path] = []
    current: Path | None = path
    while current is not None and current not in chain:
        chain.append(current)
        try:
            current = base_theme(current)
        except BrochureError:
            break
    return chain


def _overlay(base: yaml.Node, top: yaml.Node) -> yaml.Node:
    """Mappings merge key by key; anything else in `top` replaces what `base` had."""
    if not (isinstance(base, yaml.MappingNode) and isinstance(top, yaml.MappingNode)):
        return top
    merged = {k.value: (k, v) for k, v in base.value if getattr(k, "value", None) != "extends"}
    for key, value in top.value:
        if key.value == "extends":
            continue
        merged[key.value] = (key, _overlay(merged[key.value][1], value)
                             if key.value in merged else value)
    return yaml.MappingNode(top.tag, list(merged.values()), top.start_mark, top.end_mark)


def _template(reader: NodeReader, node: yaml.Node, what: str, slot: str) -> Template:
    text = node.value if isinstance(node, yaml.ScalarNode) else ""
    try:
        text.format(**dict.fromkeys(TEMPLATE_FIELDS, ""))
    except (KeyError, IndexError, ValueError) as error:
        raise reader.fail(node, f"{what} '{slot}' has an unknown field: {error}",
                          hint=f"fields: {', '.join('{' + f + '}' for f in TEMPLATE_FIELDS)}")\
            from None
    return Template(text)


def _require(reader: NodeReader, node: yaml.Node, section: str, have: dict,
             needed: tuple[str, ...]) -> None:
    missing = [name for name in needed if name not in have]
    if missing:
        raise reader.fail(node, f"'{section}' lacks {', '.join(missing)}",
                          hint="copy the missing entries from the shipped default theme")


def _named(reader: NodeReader, node: yaml.Node, what: str) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        raise reader.fail(node, f"{what} must be a mapping of names to values")
    return {key.value: value for key, value in node.value}


def _number(reader: NodeReader, node: yaml.Node, what: str) -> float:
    if not isinstance(node, yaml.ScalarNode) or not node.tag.endswith((":int", ":float")):
        raise reader.fail(node, f"'{what}' must be a number")
    value = float(node.value)
    if value < 0:
        raise reader.fail(node, f"'{what}' must not be negative")
    return value


def _page_size(reader: NodeReader, node: yaml.Node) -> PageSize:
    if isinstance(node, yaml.SequenceNode) and len(node.value) == 2:
        width, height = (_number(reader, n, "page size") for n in node.value)
        return width * MM, height * MM
    try:
        width, height = page_size_mm(reader.text(node, "page 'size'"))
    except ValueError as error:
        raise reader.fail(node, str(error), hint=SIZE_HINT) from None
    return width * MM, height * MM


SIZE_HINT = f"use one of {', '.join(PAGE_SIZES_MM)}, 'W×H mm' or [width_mm, height_mm]"


def page_size_mm(size: str) -> tuple[float, float]:
    """Trim width and height in mm of a named or 'W×H mm' size; ValueError if unknown."""
    if size in PAGE_SIZES_MM:
        return PAGE_SIZES_MM[size]
    match = CUSTOM_SIZE.match(size)
    if match and 50 <= float(match.group(1)) <= 1000 and 50 <= float(match.group(2)) <= 1000:
        return float(match.group(1)), float(match.group(2))
    raise ValueError(f"unknown page size '{size}'")


def _cmyk(reader: NodeReader, node: yaml.Node, name: str) -> tuple[float, float, float, float]:
    if not isinstance(node, yaml.SequenceNode) or len(node.value) != 4:
        raise reader.fail(node, f"colour '{name}' must be [C, M, Y, K] percentages")
    c, m, y, k = (_number(reader, n, f"colour {name}") for n in node.value)
    if max(c, m, y, k) > 100:
        raise reader.fail(node, f"colour '{name}' has a value over 100 %")
    return c, m, y, k


def _style(reader: NodeReader, node: yaml.Node, name: str,
           colors: dict[str, tuple[float, float, float, float]]) -> RoleStyle:
    style = _section(reader, node, f"styles.{name}", RoleStyle)
    if style.color not in colors:
        raise reader.fail(entry(node, "color") or node,
                          f"style '{name}' uses unknown colour '{style.color}'",
                          hint=f"colours defined: {', '.join(colors)}")
    return style


def _font_file(reader: NodeReader, node: yaml.Node, what: str) -> Path:
    """A font path relative to the theme file that gives it, or the name of a shipped font."""
    value = reader.text(node, what)
    path = Path(node.start_mark.name).parent / value
    if not path.exists() and value in data.shipped_fonts():
        return data.fonts_dir() / value
    return path
