"""Theme: every layout value (page, fonts, colours, type styles, spacing) read from YAML.

The default theme is builder/themes/default.yaml. Layout code reads values only from a `Theme`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from reportlab.lib.colors import CMYKColor

from builder.errors import BrochureError
from builder.load import NodeReader, read_yaml_nodes

THEMES_DIR = Path(__file__).resolve().parent / "themes"
REPO_ROOT = Path(__file__).resolve().parent.parent
MM = 72 / 25.4
"""Points per millimetre."""

PAGE_SIZES_MM: dict[str, tuple[float, float]] = {
    "A4": (210, 297), "A5": (148, 210), "B5": (176, 250),
}

TOP_KEYS = {"name": True, "page": True, "fonts": True, "colors": True, "styles": True,
            "spacing": True, "labels": True}
PAGE_KEYS = {"size": True, "margin_top": True, "margin_bottom": True, "chars_per_line": True,
             "header_offset": True, "footer_offset": True}
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
    header_offset: float
    footer_offset: float
    fonts: dict[str, FontFamily]
    colors: dict[str, tuple[float, float, float, float]]
    styles: dict[str, TextStyle]
    spacing: dict[str, float]
    labels: dict[str, str]

    @property
    def text_width(self) -> float:
        """Width of the text block: a whole number of body characters (clreq)."""
        return self.chars_per_line * self.styles["body"].size

    @property
    def margin_side(self) -> float:
        return (self.page_width - self.text_width) / 2

    def style(self, role: str) -> TextStyle:
        return self.styles[role]

    def color(self, name: str) -> CMYKColor:
        """A palette colour as a device-CMYK ReportLab colour."""
        c, m, y, k = self.colors[name]
        return CMYKColor(c / 100, m / 100, y / 100, k / 100)


def theme_path(name_or_path: str, relative_to: Path | None = None) -> Path:
    """Resolve a theme name (builder/themes/NAME.yaml) or a path to a theme file."""
    if name_or_path.endswith((".yaml", ".yml")):
        base = relative_to if relative_to is not None else Path.cwd()
        return (base / name_or_path).resolve()
    return THEMES_DIR / f"{name_or_path}.yaml"


def load_theme(path: Path) -> Theme:
    """Read and check a theme file."""
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in THEMES_DIR.glob("*.yaml")))
        raise BrochureError("theme not found", path=path,
                            hint=f"use a theme name ({known}) or a path to a .yaml theme")
    reader = NodeReader(path)
    top = reader.mapping(read_yaml_nodes(path), "the theme", TOP_KEYS)
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
    missing = {"body"} - styles.keys()
    if missing:
        raise reader.fail(top["styles"], "the theme has no 'body' style")
    return Theme(
        name=reader.text(top["name"], "theme 'name'"), path=path,
        page_width=width, page_height=height,
        margin_top=_number(reader, page["margin_top"], "margin_top") * MM,
        margin_bottom=_number(reader, page["margin_bottom"], "margin_bottom") * MM,
        chars_per_line=int(_number(reader, page["chars_per_line"], "chars_per_line")),
        header_offset=_number(reader, page["header_offset"], "header_offset") * MM,
        footer_offset=_number(reader, page["footer_offset"], "footer_offset") * MM,
        fonts=fonts, colors=colors, styles=styles,
        spacing={name: _number(reader, node, name)
                 for name, node in _named(reader, top["spacing"], "'spacing'").items()},
        labels={name: reader.text(node, name)
                for name, node in _named(reader, top["labels"], "'labels'").items()},
    )


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
    name = reader.text(node, "page 'size'")
    if name not in PAGE_SIZES_MM:
        raise reader.fail(node, f"unknown page size '{name}'",
                          hint=f"use one of {', '.join(PAGE_SIZES_MM)} or [width_mm, height_mm]")
    width, height = PAGE_SIZES_MM[name]
    return width * MM, height * MM


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
    paths = {}
    for weight, value in entries.items():
        path = Path(reader.text(value, f"font {name} '{weight}'"))
        paths[weight] = path if path.is_absolute() else REPO_ROOT / path
    return FontFamily(regular=paths["regular"], bold=paths["bold"])
