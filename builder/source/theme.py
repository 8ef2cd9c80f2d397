"""Theme: every layout value (page, fonts, colours, type styles, spacing) read from YAML.

The default theme is builder/themes/default.yaml. Layout code reads values only from a `Theme`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import yaml
from reportlab.lib.colors import CMYKColor, Color

from builder import data
from builder.errors import BrochureError
from builder.source.yamlfile import NodeReader, read_yaml_nodes

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
DESIGN_CHOICES = {"cover": ("rings", "masthead"), "opener": ("page", "inline"),
                  "table": ("zebra", "rules")}
DESIGN_KEYS = {"columns": True, "column_gap": True, **{k: True for k in DESIGN_CHOICES}}
SLOT_KEYS = {"left": False, "center": False, "right": False}
TEMPLATE_FIELDS = ("title", "section", "page", "pages")
DECOR_KEYS = (
    "accent_bar_length", "accent_bar_thickness", "accent_line", "header_rule_gap",
    "header_rule_width", "folio_rule_gap", "folio_rule_length", "contents_title_after",
    "contents_lead_after", "contents_indent", "contents_entry_after", "leader_step", "leader_dot",
    "box_padding", "box_bar", "caption_gap", "frame_line", "cell_padding", "rings_count",
    "rings_step", "rings_width", "rings_centre", "cover_kicker_top", "cover_title_gap",
    "cover_issuer_bottom", "opener_band", "opener_band_edge", "opener_number_top",
    "opener_tag_gap", "back_band", "back_title_bottom")
SPACING_KEYS = ("paragraph", "block", "part_title_after", "table_rule", "gallery_gap",
                "figure_ratio", "share_page")
STYLE_ROLES = (
    "body", "lead", "heading", "quote", "quote_source", "caption", "note", "running_header",
    "folio", "part_label", "part_title", "part_headline", "contents_title", "contents_entry",
    "contents_number", "contents_detail", "cover_kicker", "cover_title", "cover_subtitle",
    "cover_issuer", "opener_number", "opener_title", "opener_headline", "opener_tag",
    "table_title", "table_header", "table_cell", "table_number", "back_title", "back_text")
COLOR_NAMES = ("primary", "primary_dark", "accent", "accent_light", "zebra", "ink", "muted",
               "rule", "rise", "fall", "paper")
LABEL_KEYS = ("contents", "cover_contents", "chart_title", "table_metric", "table_from",
              "table_value", "table_unit", "table_change", "table_remark", "truncated_note")
PAGE_KEYS = {"size": True, "margin_top": True, "margin_bottom": True, "chars_per_line": True,
             "min_margin_side": True, "header_offset": True, "footer_offset": True}
PRINT_KEYS = ("bleed", "crop_mark_offset", "crop_mark_length", "crop_mark_width", "slug",
              "page_multiple")
UNSCALED_PRINT_KEYS = ("crop_mark_width", "page_multiple")
STYLE_KEYS = {"font": True, "size": True, "leading": True, "color": True, "bold": False,
              "indent": False}


@dataclass(frozen=True)
class TextStyle:
    family: str
    bold: bool
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
    styles: dict[str, TextStyle]
    spacing: dict[str, float]
    table_columns: dict[str, float]
    decor: dict[str, float]
    labels: dict[str, str]
    print: dict[str, float]
    """Bleed and crop marks, in points."""
    design: dict[str, str | int | float]
    """Choices among the designs layout knows: columns, cover, opener, table."""
    header: dict[str, str]
    footer: dict[str, str]
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
        columns = int(self.design["columns"])
        if columns == 1:
            return self.text_width
        size = self.styles["body"].size
        gap = float(self.design["column_gap"]) * size
        return (self.text_width - gap) // columns // size * size

    def style(self, role: str) -> TextStyle:
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
        printing = dict(self.print)
        if not marks:
            printing.update(bleed=0.0, slug=0.0, crop_mark_length=0.0)
        if not pad_pages:
            printing["page_multiple"] = 1
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
    page = reader.mapping(top["page"], "'page'", PAGE_KEYS)
    width, height = _page_size(reader, page["size"])
    colors = {name: _cmyk(reader, node, name)
              for name, node in _named(reader, top["colors"], "'colors'").items()}
    styles = {name: _style(reader, node, name, colors)
              for name, node in _named(reader, top["styles"], "'styles'").items()}
    fonts = {name: _family(reader, node, name)
             for name, node in _named(reader, top["fonts"], "'fonts'").items()}
    for name, style in styles.items():
        if style.family not in fonts:
            raise reader.fail(top["styles"], f"style '{name}' uses unknown font '{style.family}'",
                              hint=f"fonts defined: {', '.join(fonts)}")
    spacing = _numbers(reader, top["spacing"], "spacing", SPACING_KEYS)
    decor = _numbers(reader, top["decor"], "decor", DECOR_KEYS)
    labels = {name: reader.text(node, name)
              for name, node in _named(reader, top["labels"], "'labels'").items()}
    for section, have, needed in (("styles", styles, STYLE_ROLES),
                                  ("colors", colors, COLOR_NAMES),
                                  ("labels", labels, LABEL_KEYS)):
        _require(reader, top[section], section, have, needed)
    return Theme(
        name=reader.text(top["name"], "theme 'name'"), path=path,
        page_width=width, page_height=height,
        margin_top=_number(reader, page["margin_top"], "margin_top") * MM,
        margin_bottom=_number(reader, page["margin_bottom"], "margin_bottom") * MM,
        chars_per_line=int(_number(reader, page["chars_per_line"], "chars_per_line")),
        min_margin_side=_number(reader, page["min_margin_side"], "min_margin_side") * MM,
        header_offset=_number(reader, page["header_offset"], "header_offset") * MM,
        footer_offset=_number(reader, page["footer_offset"], "footer_offset") * MM,
        fonts=fonts, colors=colors, styles=styles, spacing=spacing,
        table_columns=_numbers(reader, top["table_columns"], "table_columns",
                               ("from", "value", "unit", "change", "remark")),
        decor=decor, labels=labels,
        print={k: v * MM if k not in UNSCALED_PRINT_KEYS else v
               for k, v in _numbers(reader, top["print"], "print", PRINT_KEYS).items()},
        design=_design(reader, top["design"]),
        header=_slots(reader, top["header"], "header"),
        footer=_slots(reader, top["footer"], "footer"),
    )


def _extended(reader: NodeReader, node: yaml.Node, seen: set[Path]) -> yaml.Node:
    """A theme with `extends: NAME` is its base theme with this file's values laid over it."""
    base_name = _extends_node(node)
    if base_name is None:
        return node
    base_path = theme_path(reader.text(base_name, "'extends'"), reader.path.parent)
    if base_path in seen or base_path == reader.path:
        raise reader.fail(base_name, "themes extend each other in a circle",
                          hint="let one of them stand on its own")
    load_theme(base_path)  # the base must be a valid theme by itself (its errors name it)
    base = _extended(NodeReader(base_path), read_yaml_nodes(base_path), seen | {reader.path})
    return _overlay(base, node)


def _extends_node(node: yaml.Node) -> yaml.Node | None:
    """The value node of a theme's `extends:` key, if it has one."""
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((v for k, v in node.value if getattr(k, "value", None) == "extends"), None)


def base_theme(path: Path) -> Path | None:
    """The theme file that the theme at `path` extends, or None."""
    node = _extends_node(read_yaml_nodes(path))
    if node is None:
        return None
    return theme_path(NodeReader(path).text(node, "'extends'"), path.parent)


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


def _design(reader: NodeReader, node: yaml.Node) -> dict[str, str | int | float]:
    entries = reader.mapping(node, "'design'", DESIGN_KEYS)
    design: dict[str, str | int | float] = {}
    for key, value in entries.items():
        if key in DESIGN_CHOICES:
            choice = reader.text(value, f"design '{key}'")
            if choice not in DESIGN_CHOICES[key]:
                raise reader.fail(value, f"unknown {key} design '{choice}'",
                                  hint=f"use one of: {', '.join(DESIGN_CHOICES[key])}")
            design[key] = choice
    columns = int(_number(reader, entries["columns"], "design.columns"))
    if columns not in (1, 2):
        raise reader.fail(entries["columns"], "design 'columns' must be 1 or 2")
    design["columns"] = columns
    design["column_gap"] = _number(reader, entries["column_gap"], "design.column_gap")
    return design


def _slots(reader: NodeReader, node: yaml.Node, what: str) -> dict[str, str]:
    slots = {}
    for key, value in reader.mapping(node, f"'{what}'", SLOT_KEYS).items():
        text = value.value if isinstance(value, yaml.ScalarNode) else ""
        try:
            text.format(**dict.fromkeys(TEMPLATE_FIELDS, ""))
        except (KeyError, IndexError, ValueError) as error:
            raise reader.fail(value, f"{what} '{key}' has an unknown field: {error}",
                              hint=f"fields: {', '.join('{' + f + '}' for f in TEMPLATE_FIELDS)}")\
                from None
        slots[key] = text
    return slots


def _numbers(reader: NodeReader, node: yaml.Node, section: str,
             needed: tuple[str, ...]) -> dict[str, float]:
    values = {name: _number(reader, value, f"{section}.{name}")
              for name, value in _named(reader, node, f"'{section}'").items()}
    _require(reader, node, section, values, needed)
    return values


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


def _page_size(reader: NodeReader, node: yaml.Node) -> tuple[float, float]:
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
           colors: dict[str, tuple[float, float, float, float]]) -> TextStyle:
    entries = reader.mapping(node, f"style '{name}'", STYLE_KEYS)
    color = reader.text(entries["color"], f"style {name} 'color'")
    if color not in colors:
        raise reader.fail(entries["color"], f"style '{name}' uses unknown colour '{color}'",
                          hint=f"colours defined: {', '.join(colors)}")
    return TextStyle(
        family=reader.text(entries["font"], f"style {name} 'font'"),
        bold=reader.flag(entries["bold"], f"style {name} 'bold'") if "bold" in entries else False,
        size=_number(reader, entries["size"], f"{name}.size"),
        leading=_number(reader, entries["leading"], f"{name}.leading"),
        color=color,
        indent=_number(reader, entries["indent"], f"{name}.indent") if "indent" in entries else 0,
    )


def _family(reader: NodeReader, node: yaml.Node, name: str) -> FontFamily:
    entries = reader.mapping(node, f"font '{name}'", {"regular": True, "bold": True})
    paths = {weight: _font_file(reader, value, f"font {name} '{weight}'")
             for weight, value in entries.items()}
    return FontFamily(regular=paths["regular"], bold=paths["bold"])


def _font_file(reader: NodeReader, node: yaml.Node, what: str) -> Path:
    """A font path relative to the theme file that gives it, or the name of a shipped font."""
    value = reader.text(node, what)
    path = Path(node.start_mark.name).parent / value
    if not path.exists() and value in data.shipped_fonts():
        return data.fonts_dir() / value
    return path
