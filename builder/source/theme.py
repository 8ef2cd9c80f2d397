"""Theme: every layout value (page, fonts, colours, type styles, spacing) read from YAML.

The default theme is builder/themes/default.yaml. Layout code reads values only from a `Theme`.
Each fixed section of a theme file is a frozen dataclass below whose fields are the section's
keys: the loader checks a file against them and builder.cli.schema describes them.
"""

from __future__ import annotations

import functools
import math
import os
import re
import string
import unicodedata
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, NewType, TypeVar, get_args, get_origin, get_type_hints

import yaml
from reportlab.lib.colors import CMYKColor, Color

from builder import data
from builder.errors import BrochureError
from builder.files import inside
from builder.source.masters import Master, read_masters
from builder.source.yamlfile import NodeReader, entry, parse_nodes, read_text

MM = 72 / 25.4
"""Points per millimetre."""

PAGE_SIZES_MM: dict[str, tuple[float, float]] = {
    "A4": (210, 297), "A5": (148, 210), "B5": (176, 250),
    "16开": (185, 260), "大16开": (210, 285), "32开": (130, 184), "大32开": (140, 203),
}
"""Trim sizes by name (GB/T 788 names as Chinese print shops use them); or 'W×H mm'."""
SHEET_SIZES_MM: dict[str, tuple[float, float]] = {
    "SRA4": (225, 320), "SRA3": (320, 450), "SRA2": (450, 640), "A4": (210, 297),
    "A3": (297, 420), "A2": (420, 594), "B3": (353, 500), "B2": (500, 707)}
"""Press and office sheets by name (ISO 217 SRA, ISO 216 A and B), for imposition."""
CUSTOM_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[x×*]\s*(\d+(?:\.\d+)?)\s*(?:mm)?\s*$")

TOP_KEYS = {"name": True, "extends": False, "page": True, "print": True, "design": True,
            "header": True, "footer": True, "fonts": True, "colors": True, "styles": True,
            "spacing": True, "table_columns": True, "decor": True, "labels": True,
            "masters": False}
TEMPLATE_FIELDS = ("title", "section", "page", "pages")
STYLE_ROLES = (
    "body", "lead", "heading", "quote", "quote_source", "caption", "note", "running_header",
    "folio", "part_label", "part_title", "part_headline", "contents_title", "contents_entry",
    "contents_number", "contents_detail", "cover_kicker", "cover_title", "cover_subtitle",
    "cover_issuer", "opener_number", "opener_title", "opener_headline", "opener_tag",
    "table_title", "table_header", "table_cell", "table_number", "back_title", "back_text")
COLOR_NAMES = ("primary", "primary_dark", "accent", "accent_light", "zebra", "ink", "muted",
               "rule", "rise", "fall", "paper")
OPTIONAL_COLORS = {"chart": "primary"}
"""Colours a theme may leave out, each defaulting to the colour named (after `extends`)."""

MAX_CHAIN = 8
"""Theme files in an `extends` chain, the theme itself included."""
MAX_NESTING = 9
"""Levels of mappings and lists in a theme file (styles.body.font is three)."""
MAX_TEXT = 200
"""Characters of a theme text: a name, a label, a header or footer template."""
MAX_ENTRIES = {"fonts": 8, "colors": 64, "styles": 64}
"""Entries of the named sections: every font family is loaded, whether used or not."""
METRIC_SHARES = 0.8
"""The scorecard's other columns share at most this much of the measure: the metric column
keeps at least a fifth."""
TEXT_COLUMNS = ("unit", "remark")
"""Scorecard columns of text, whose width is their share (numbers widen to fit)."""
MIN_COLUMN_CHARS = 4
"""Body characters a column (or the text block) holds at least."""
MIN_BLOCK_LINES = 5
"""Body lines the text block holds at least."""
THEME_NAME = re.compile(r"[A-Za-z0-9_-]+")
"""A shipped theme's name (its file is builder/data/themes/NAME.yaml)."""
SYSTEM_FONT_FOLDERS = (
    Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path("~/.local/share/fonts"),
    Path("~/.fonts"), Path("/Library/Fonts"), Path("/System/Library/Fonts"),
    Path("~/Library/Fonts"), Path("C:/Windows/Fonts"),
    Path("~/AppData/Local/Microsoft/Windows/Fonts"))
"""Where a theme's font may lie besides its own folder and the shipped fonts."""

PageSize = tuple[float, float]
"""Trim width and height in points: a size name, 'W×H mm' or [W, H] in the file."""
Template = NewType("Template", str)
"""A running header or footer text with {title} {section} {page} {pages} fields."""
CoverDesign = Literal["rings", "masthead"]
OpenerDesign = Literal["auto", "page", "band", "inline"]
PartStart = Literal["any", "right"]
TableDesign = Literal["zebra", "rules"]
Thousands = Literal["as-written", "comma", "none"]
Binding = Literal["saddle", "perfect"]
Punctuation = Literal["quanjiao", "kaiming", "banjiao"]
"""Punctuation styles (ctex's punct=): builder.typeset.clreq.PUNCTUATION_STYLES."""
StartBracket = Literal["half", "full"]
Hyphenation = Literal["en_US", "en_GB", "off"]
"""pyphen dictionaries for the Latin words in Chinese text."""


def mm(low: float, high: float) -> dict[str, Any]:
    """Field metadata of a key given in millimetres in the theme file (held in points),
    allowed from `low` to `high` mm."""
    return {"scale": MM, "range": (low, high), "unit": "mm"}


def pt(low: float, high: float) -> dict[str, Any]:
    """Field metadata of a key in points, allowed from `low` to `high`."""
    return {"range": (low, high), "unit": "pt"}


def share(low: float = 0.0, high: float = 1.0) -> dict[str, Any]:
    """Field metadata of a share (of the page, the measure, ...) from `low` to `high`."""
    return {"range": (low, high), "unit": "(a share)"}


def count(low: float, high: float, unit: str) -> dict[str, Any]:
    """Field metadata of a number of `unit` (pages, rings, characters) from `low` to `high`."""
    return {"range": (low, high), "unit": unit}


@dataclass(frozen=True)
class Page:
    """`page`: the trim size and the text block (Theme keeps these values as its own)."""

    size: PageSize
    margin_top: float = field(metadata=mm(0, 300))
    margin_bottom: float = field(metadata=mm(0, 300))
    chars_per_line: int = field(metadata=count(4, 200, "characters"))
    min_margin_side: float = field(metadata=mm(0, 300))
    header_offset: float = field(metadata=mm(0, 300))
    footer_offset: float = field(metadata=mm(0, 300))


@dataclass(frozen=True)
class PrintSpec:
    """`print`: bleed, crop marks and page count of print files, in points."""

    bleed: float = field(metadata=mm(0, 20))
    crop_mark_offset: float = field(metadata=mm(0, 20))
    crop_mark_length: float = field(metadata=mm(0, 30))
    crop_mark_width: float = field(metadata=pt(0, 5))
    slug: float = field(metadata=mm(0, 50))
    page_multiple: int = field(metadata=count(1, 64, "pages"))
    """Blank pages before the back cover make the count a multiple of this (saddle stitch;
    a perfect-bound book only needs an even count)."""
    binding: Binding = "saddle"
    """How the printed copies are bound: 'saddle' (stapled through the fold) or 'perfect'
    (glued at a spine)."""
    saddle_pages: int = field(default=64, metadata=count(4, 200, "pages"))
    """The most pages a saddle stitch closes; a longer print file is refused."""
    caliper: float = field(default=0.1 * MM, metadata=mm(0.02, 1))
    """The paper's thickness: a perfect-bound spine is pages / 2 × caliper wide, and an
    imposed saddle booklet's inner pages are moved towards the fold by it (creep)."""
    sheet: str = "auto"
    """The press sheet of an imposed booklet: a size ('SRA3', '450×320 mm') or 'auto' (SRA3
    where the pages, bleed and marks fit on it, else the smallest sheet that holds them)."""


@dataclass(frozen=True)
class Design:
    """`design`: choices among the designs the layout knows."""

    columns: Literal[1, 2]
    column_gap: float = field(metadata=count(0, 10, "characters"))
    """Between columns, in body characters."""
    cover: CoverDesign
    opener: OpenerDesign
    """How a section part opens: a full opener page facing its text ('page'), a band at the
    top of its first page ('band'), chosen by the part's length ('auto'), or a title block
    in the flow ('inline')."""
    table: TableDesign
    opener_page_from: float = field(default=2.0, metadata=count(0, 100, "pages"))
    """'auto': a part whose text fills at least this many pages gets a full opener page."""
    part_start: PartStart = "any"
    """A section part starts on any page, or on a right-hand page."""
    grid: bool = True
    """Body lines on one baseline grid (step: the body leading, from the text frame's top)
    on every page and column; the space after headings, quotes, tables and figures pads
    the next body line onto it. False: the spacing as the blocks ask."""
    thousands: Thousands = "as-written"
    """Thousands separators in the numbers of declared tables: as the content writes them,
    commas (12,345; four-digit numbers ungrouped), or none."""
    punctuation: Punctuation = "quanjiao"
    """Mark widths: quanjiao (全角式, every mark 1 em, adjacent marks compressed), kaiming
    (开明式, 。？！ 1 em, the other marks half), banjiao (半角式, every mark half width)."""
    line_start_bracket: StartBracket = "half"
    """An opening bracket or quote starting a line (or a paragraph, inside its indent):
    set half width (clreq 3.1.6.2) or full."""
    hyphenation: Hyphenation = "en_US"
    """A Latin word of six letters or more (not a name in capitals or camel case) may break
    at its hyphenation points with a hyphen, where a line would otherwise be too loose or
    part a number from its unit; 'off': Latin words never break."""


@dataclass(frozen=True)
class Slots:
    """`header` or `footer`: a running text template by slot."""

    left: Template = Template("")
    center: Template = Template("")
    right: Template = Template("")
    verso: Template = Template("")
    """Left-hand (even) pages only, at their outer (left) edge."""
    recto: Template = Template("")
    """Right-hand (odd) pages only, at their outer (right) edge."""
    outside: Template = Template("")
    """Every page, at its outer edge: left on left-hand pages, right on right-hand ones."""

    def by_slot(self, page: int = 1) -> tuple[tuple[str, Template], ...]:
        """(alignment, template) pairs of page number `page`: 'left', 'center' or 'right';
        the mirrored slots (verso, recto, outside) land on the page's outer edge."""
        outer = "left" if page % 2 == 0 else "right"
        mirrored = (self.verso if outer == "left" else self.recto, self.outside)
        return (("left", self.left), ("center", self.center), ("right", self.right),
                *((outer, template) for template in mirrored))


@dataclass(frozen=True, kw_only=True)
class RoleStyle:
    """How the theme sets one text role: its font family and colour by name, sizes in
    points. The composer's resolved form is builder.typeset.compose.TextStyle."""

    family: str = field(metadata={"key": "font"})
    bold: bool = False
    size: float = field(metadata=pt(4, 200))
    leading: float = field(metadata=pt(4, 400))
    """Baseline to baseline; at least the size."""
    color: str
    indent: float = field(default=0.0, metadata=count(0, 8, "characters"))
    """First-line indent in characters (em)."""


@dataclass(frozen=True)
class FontFamily:
    regular: Path
    bold: Path


@dataclass(frozen=True)
class Spacing:
    """`spacing`: space between blocks, in points (shares where named so)."""

    paragraph: float = field(metadata=pt(0, 100))
    block: float = field(metadata=pt(0, 200))
    part_title_after: float = field(metadata=pt(0, 200))
    table_rule: float = field(metadata=pt(0, 10))
    gallery_gap: float = field(metadata=pt(0, 200))
    figure_ratio: float = field(metadata=count(0.1, 3, "(height / width)"))
    share_page: float = field(metadata=share())


@dataclass(frozen=True)
class TableColumns:
    """`table_columns`: shares of the measure by scorecard column. Deprecated: still read
    and checked, so that old themes load, but unused (widths come from the content)."""

    from_: float = field(metadata={"key": "from", **share(0, METRIC_SHARES)})
    value: float = field(metadata=share(0, METRIC_SHARES))
    unit: float = field(metadata=share(0, METRIC_SHARES))
    change: float = field(metadata=share(0, METRIC_SHARES))
    remark: float = field(metadata=share(0, METRIC_SHARES))

    def share(self, column: str) -> float:
        """The share of a scorecard column (0 for the metric column, which takes the rest)."""
        key = KEYS[TableColumns].get(column)
        return getattr(self, key.attribute) if key else 0.0


@dataclass(frozen=True)
class Decor:
    """`decor`: the geometry of covers, openers, boxes and rules, in points (shares of the
    page where named so)."""

    accent_bar_length: float = field(metadata=pt(0, 500))
    accent_bar_thickness: float = field(metadata=pt(0, 50))
    accent_line: float = field(metadata=pt(0, 20))
    header_rule_gap: float = field(metadata=pt(0, 100))
    header_rule_width: float = field(metadata=pt(0, 10))
    folio_rule_gap: float = field(metadata=pt(0, 100))
    folio_rule_length: float = field(metadata=pt(0, 300))
    contents_title_after: float = field(metadata=pt(0, 300))
    contents_lead_after: float = field(metadata=pt(0, 300))
    contents_indent: float = field(metadata=pt(0, 150))
    contents_entry_after: float = field(metadata=pt(0, 100))
    leader_step: float = field(metadata=pt(1, 50))
    leader_dot: float = field(metadata=pt(0, 10))
    box_padding: float = field(metadata=pt(0, 60))
    box_bar: float = field(metadata=pt(0, 50))
    caption_gap: float = field(metadata=pt(0, 100))
    frame_line: float = field(metadata=pt(0, 10))
    cell_padding: float = field(metadata=pt(0, 30))
    # Deprecated, still read (and checked) so old themes load; unused: the covers,
    # openers and back cover are the theme's page masters (builder/source/masters.py).
    rings_count: int = field(default=14, metadata=count(0, 100, "rings"))
    rings_step: float = field(default=34, metadata=pt(1, 500))
    rings_width: float = field(default=12, metadata=pt(0, 200))
    rings_centre: float = field(default=0.1, metadata=share())
    cover_kicker_top: float = field(default=70, metadata=pt(0, 2000))
    cover_title_gap: float = field(default=110, metadata=pt(0, 2000))
    cover_issuer_bottom: float = field(default=60, metadata=pt(0, 2000))
    opener_band: float = field(default=0.58, metadata=share())
    opener_band_edge: float = field(default=10, metadata=pt(0, 500))
    opener_number_top: float = field(default=150, metadata=pt(0, 2000))
    opener_tag_gap: float = field(default=60, metadata=pt(0, 2000))
    back_band: float = field(default=8, metadata=pt(0, 500))
    back_title_bottom: float = field(default=200, metadata=pt(0, 2000))


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
    imprint_issuer: str = "编印"
    imprint_date: str = "日期"
    imprint_pages: str = "共 {pages} 页"
    """The back cover's imprint block: labels of the issuer and date, the page count."""


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
    range: tuple[float, float] | None = None
    """The lowest and highest value allowed, in file units (numbers only)."""
    unit: str = ""

    @property
    def choices(self) -> tuple[Any, ...]:
        return get_args(self.type) if get_origin(self.type) is Literal else ()


def _keys(cls: type) -> dict[str, Key]:
    types = get_type_hints(cls)
    return {spec.metadata.get("key", spec.name): Key(
        spec.name, types[spec.name], spec.default is MISSING, spec.metadata.get("scale", 1.0),
        spec.metadata.get("range"), spec.metadata.get("unit", ""))
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
    files: tuple[Path, ...] = ()
    """The theme file and the files it extends, nearest first (as `load_theme` read them)."""
    screen_colors: dict[str, tuple[float, float, float]] | None = None
    """The palette in sRGB (0–1) for screen files, converted through the press profile by
    the pdf stage; None for print files, whose colours are the palette's device CMYK."""
    masters: dict[str, Master] = field(default_factory=dict)
    """Designed pages as data, by kind of page (builder/source/masters.py); a kind without
    one is drawn in the design `design` names."""

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
        """The same theme on another trim size ('A5', '大16开', '200×280 mm'); ValueError
        for an unknown size, BrochureError for one the theme's margins and columns do not
        fit."""
        width, height = page_size_mm(size)
        theme = replace(self, page_width=width * MM, page_height=height * MM)
        problem = misfit(theme)
        if problem is not None:
            raise BrochureError(f"the theme does not fit on the page ({size}): {problem.message}",
                                path=self.path, hint="use a larger page size, or a theme"
                                f" made for this one ({problem.hint})")
        return theme

    def for_output(self, *, marks: bool, pad_pages: bool,
                   screen_colors: dict[str, tuple[float, float, float]] | None) -> Theme:
        """The same theme for one kind of output file: without bleed and marks, without
        blank pages for saddle stitch, with the palette in sRGB (see `screen_colors`)."""
        printing = self.print
        if not marks:
            printing = replace(printing, bleed=0.0, slug=0.0, crop_mark_length=0.0)
        if not pad_pages:
            printing = replace(printing, page_multiple=1)
        elif printing.binding == "perfect":  # leaves: an even count, no multiple of 4
            printing = replace(printing, page_multiple=2)
        return replace(self, print=printing, screen_colors=screen_colors)


def theme_path(name_or_path: str, relative_to: Path | None = None) -> Path:
    """Resolve a theme name (a shipped theme, builder/data/themes/NAME.yaml) or a path to a
    theme file (relative to `relative_to`, else to the working folder)."""
    if name_or_path.endswith((".yaml", ".yml")):
        base = relative_to if relative_to is not None else Path.cwd()
        return (base / name_or_path).resolve()
    return data.themes_dir() / f"{name_or_path}.yaml"


class ThemeReader(NodeReader):
    """A NodeReader whose errors name the file each node was written in: a theme's values
    come from every file of its `extends` chain."""

    def fail(self, node: yaml.Node, message: str, hint: str | None = None) -> BrochureError:
        error = super().fail(node, message, hint)
        name = getattr(node.start_mark, "name", None)
        if isinstance(name, str) and name and not name.startswith("<"):
            error.path = Path(name)
        return error


def load_theme(path: Path) -> Theme:
    """Read and check a theme file and the files it extends, each read once. Every base of
    the chain must be a valid theme by itself (its errors name it)."""
    if not os.path.exists(path):
        known = ", ".join(data.shipped_themes())
        raise BrochureError("theme not found", path=path,
                            hint=f"use a theme name ({known}) or a path to a .yaml theme")
    chain = _chain(path)
    merged: yaml.Node | None = None
    theme: Theme | None = None
    for file, node in reversed(chain):
        merged = node if merged is None else _overlay(merged, node)
        theme = _theme(ThemeReader(file), merged, file)
    assert theme is not None  # a chain holds at least the theme itself
    return replace(theme, files=tuple(file for file, _ in chain))


def _theme(reader: ThemeReader, node: yaml.Node, path: Path) -> Theme:
    """The theme of a theme file's node tree, its `extends` chain laid over it already."""
    top = reader.mapping(node, "the theme", TOP_KEYS)
    sections: dict[str, Any] = {name: _section(reader, top[name], name, cls)
                                for name, cls in SECTIONS.items()}
    page: Page = sections.pop("page")
    colors = _palette(reader, _named(reader, top["colors"], "colors"))
    for name, default in OPTIONAL_COLORS.items():
        if name not in colors and default in colors:
            colors[name] = colors[default]
    styles = {name: _style(reader, value, name, colors)
              for name, value in _named(reader, top["styles"], "styles").items()}
    fonts = {name: _section(reader, value, f"fonts.{name}", FontFamily)
             for name, value in _named(reader, top["fonts"], "fonts").items()}
    for name, style in styles.items():
        if style.family not in fonts:
            raise reader.fail(top["styles"], f"style '{name}' uses unknown font '{style.family}'",
                              hint=f"fonts defined: {', '.join(fonts)}")
    for name, have, needed in (("styles", styles, STYLE_ROLES), ("colors", colors, COLOR_NAMES)):
        _require(reader, top[name], name, have, needed)
    masters = read_masters(reader, top["masters"], colors, styles,
                           tuple(f.name for f in fields(Labels))) if "masters" in top else {}
    width, height = page.size
    theme = Theme(
        name=_printable(reader, top["name"], "theme 'name'"), path=path,
        page_width=width, page_height=height, margin_top=page.margin_top,
        margin_bottom=page.margin_bottom, chars_per_line=page.chars_per_line,
        min_margin_side=page.min_margin_side, header_offset=page.header_offset,
        footer_offset=page.footer_offset, fonts=fonts, colors=colors, styles=styles,
        masters=masters, **sections)
    _check_geometry(reader, top, theme)
    if theme.print.sheet != "auto":
        try:
            page_size_mm(theme.print.sheet, SHEET_SIZES_MM)
        except ValueError as error:
            raise reader.fail(_at(reader, top, "print", "print.sheet"), str(error),
                              hint="use auto, SRA3, SRA4, A3, B3 or 'W×H mm'") from None
    cover = theme.masters.get("cover")
    if theme.design.cover == "masthead" and cover is not None and not cover.lists_sections:
        raise reader.fail(_at(reader, top, "design", "design.cover"), "design.cover: masthead puts "
                          "the contents on the cover (no contents page), but the cover's "
                          f"master (line {cover.line}) lists no sections: they would be lost",
                          hint="extend the newsletter theme (its cover lists them), add "
                               "{list: sections, …} to masters.cover, or use cover: rings")
    return theme


# --------------------------------------------------------------------------- extends


def _chain(path: Path) -> list[tuple[Path, yaml.Node]]:
    """The theme file at `path` and every file it extends, nearest first, each read and
    parsed once; a circle or a chain longer than MAX_CHAIN is refused."""
    chain = [(path, _read_theme(path))]
    while (base := entry(chain[-1][1], "extends")) is not None:
        reader = ThemeReader(chain[-1][0])
        base_path = _base_path(reader, base)
        names = [file.name for file, _ in chain]
        if any(_same(base_path, file) for file, _ in chain):
            raise reader.fail(base, "themes extend each other in a circle: "
                              + " → ".join([*names, base_path.name]),
                              hint="let one of them stand on its own (remove its 'extends')")
        if len(chain) == MAX_CHAIN:
            raise reader.fail(base, f"themes extend each other more than {MAX_CHAIN} deep: "
                              + " → ".join([*names, base_path.name, "…"]),
                              hint=f"a chain of at most {MAX_CHAIN} theme files; copy the"
                                   " values of a base into the theme that extends it")
        chain.append((base_path, _read_theme(base_path)))
    return chain


def _same(one: Path, other: Path) -> bool:
    return one.resolve() == other.resolve()


def _base_path(reader: NodeReader, node: yaml.Node) -> Path:
    """The file an `extends` value names: a shipped theme by name, or a .yaml file in the
    extending theme's own folder (links resolved)."""
    value = reader.text(node, "'extends'")
    folder = reader.path.resolve().parent
    if value.endswith((".yaml", ".yml")):
        try:
            path = (folder / value).resolve()
        except (OSError, ValueError, RuntimeError):
            path = None
        if path is None or not inside(path, [folder]):
            raise reader.fail(node, "'extends' names a file outside this theme's folder",
                              hint=f"extend a shipped theme ({', '.join(data.shipped_themes())})"
                                   f" or a .yaml file in {folder}")
        if not os.path.isfile(path):
            raise reader.fail(node, f"the theme '{value}' to extend is not a file here",
                              hint=f"put it in {folder}, or extend a shipped theme")
        return path
    if not THEME_NAME.fullmatch(value) or value not in data.shipped_themes():
        raise reader.fail(node, f"'{value}' is not a shipped theme",
                          hint=f"extend a shipped theme ({', '.join(data.shipped_themes())})"
                               " or a .yaml file in this theme's folder")
    return data.themes_dir() / f"{value}.yaml"


def base_theme(path: Path) -> Path | None:
    """The theme file that the theme at `path` extends, or None."""
    node = entry(_read_theme(path), "extends")
    return None if node is None else _base_path(NodeReader(path), node)


def theme_chain(path: Path) -> list[Path]:
    """The theme file at `path` and every file it extends, nearest first; a file that cannot
    be read ends the chain (its errors are the loader's to report)."""
    chain: list[Path] = []
    current: Path | None = path
    while current is not None and len(chain) <= MAX_CHAIN \
            and not any(_same(current, file) for file in chain):
        chain.append(current)
        try:
            current = base_theme(current)
        except BrochureError:
            break
    return chain


def _read_theme(path: Path) -> yaml.Node:
    """A theme file's node tree: a regular UTF-8 file of bounded size whose mappings have
    names for keys, each once, at most MAX_NESTING deep."""
    root = parse_nodes(read_text(path, "theme"), path)
    _check_tree(ThemeReader(path), root)
    return root


def _check_tree(reader: NodeReader, root: yaml.Node) -> None:
    """Refuse keys that are not names (lists, mappings, nothing), a key given twice and
    nesting deeper than any theme needs; walks without recursion."""
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            continue
        if depth > MAX_NESTING:
            raise reader.fail(node, f"the theme is nested more than {MAX_NESTING} levels deep",
                              hint="a theme's values are at most three levels deep, e.g."
                                   " styles: body: size: 10.5 (a master's stacked slot: nine)")
        if isinstance(node, yaml.SequenceNode):
            stack += [(item, depth + 1) for item in node.value]
            continue
        seen: set[str] = set()
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode) or key.tag.endswith(":null") \
                    or not key.value.strip():
                raise reader.fail(key, "a key must be a name, not a list, a mapping or"
                                  " nothing", hint="write a name such as 'size:' before"
                                  " the colon")
            if key.value in seen:
                raise reader.fail(key, f"key '{key.value}' appears twice",
                                  hint="keep one of them")
            seen.add(key.value)
            stack.append((value, depth + 1))


def _overlay(base: yaml.Node, top: yaml.Node, whole: bool = False) -> yaml.Node:
    """Mappings merge key by key; anything else in `top` replaces what `base` had. A page
    master is replaced whole (`whole`: the mapping's values replace): a theme's cover
    keeps none of the art or texts of the cover it replaces."""
    if not (isinstance(base, yaml.MappingNode) and isinstance(top, yaml.MappingNode)):
        return top
    merged = {k.value: (k, v) for k, v in base.value if k.value != "extends"}
    for key, value in top.value:
        if key.value == "extends":
            continue
        merged[key.value] = (key, value if whole or key.value not in merged
                             else _overlay(merged[key.value][1], value,
                                           whole=key.value == "masters"))
    return yaml.MappingNode(top.tag, list(merged.values()), top.start_mark, top.end_mark)


# --------------------------------------------------------------------------- values


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
        return _printable(reader, node, f"'{what}'")
    if key.type is bool:
        return reader.flag(node, f"'{what}'")
    if key.type is Path:
        return _font_file(reader, node, f"'{what}'")
    if key.type is Template:
        return _template(reader, node, what)
    if key.type == PageSize:
        return _page_size(reader, node)
    if key.choices and isinstance(key.choices[0], str):
        choice = reader.text(node, f"{section} '{name}'")
        if choice not in key.choices:
            raise reader.fail(node, f"unknown {name} {section} '{choice}'",
                              hint=f"use one of: {', '.join(key.choices)}")
        return choice
    number = _number(reader, node, what)
    if key.choices:
        if number not in key.choices:
            raise reader.fail(node, f"{section} '{name}' must be "
                              + " or ".join(str(c) for c in key.choices),
                              hint=f"write {name}: {key.choices[0]}")
        return int(number)
    if key.range is not None:
        _in_range(reader, node, what, number, key.range, key.unit)
    if key.type is int:
        if not number.is_integer():
            raise reader.fail(node, f"'{what}' must be a whole number of {key.unit}",
                              hint=f"write a whole number, e.g. {math.floor(number)}")
        return int(number)
    return number * key.scale


def _number(reader: NodeReader, node: yaml.Node, what: str) -> float:
    """A finite number as YAML 1.1 reads it (0x10, 1_000 and 1.5e3 included)."""
    if not isinstance(node, yaml.ScalarNode) or not node.tag.endswith((":int", ":float")):
        shown = f", not '{node.value[:20]}'" if isinstance(node, yaml.ScalarNode) else ""
        raise reader.fail(node, f"'{what}' must be a number{shown}",
                          hint="write digits without quotes, e.g. 12, 0.5 or 1.5e+3")
    constructor = yaml.constructor.SafeConstructor()
    try:
        value = float(constructor.construct_yaml_int(node) if node.tag.endswith(":int")
                      else constructor.construct_yaml_float(node))
    except (ValueError, OverflowError):
        value = math.nan
    if not math.isfinite(value):
        raise reader.fail(node, f"'{what}' must be a finite number, not {node.value[:20]}",
                          hint="write digits, e.g. 12 or 0.5")
    return value


def _in_range(reader: NodeReader, node: yaml.Node, what: str, value: float,
              limits: tuple[float, float], unit: str) -> None:
    low, high = limits
    if not low <= value <= high:
        raise reader.fail(node, f"'{what}' is {value:g}, outside {low:g} to {high:g} {unit}",
                          hint=f"use a value from {low:g} to {high:g} {unit}")


def _printable(reader: NodeReader, node: yaml.Node, what: str) -> str:
    """A theme text of at most MAX_TEXT characters without control or invisible ones."""
    text = reader.text(node, what)
    return _clean(reader, node, what, text)


def _clean(reader: NodeReader, node: yaml.Node, what: str, text: str) -> str:
    if len(text) > MAX_TEXT:
        raise reader.fail(node, f"{what} is {len(text)} characters long, more than {MAX_TEXT}",
                          hint="shorten it")
    hidden = next((c for c in text if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co")),
                  None)
    if hidden is not None:
        raise reader.fail(node, f"{what} holds an invisible or control character "
                          f"(U+{ord(hidden):04X})", hint="delete it; write plain text")
    return text


def _template(reader: NodeReader, node: yaml.Node, what: str) -> Template:
    """A header or footer text; its fields must be the documented ones, without format
    specifications, conversions, attributes or indexes."""
    if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
        return Template("")  # `left:` with nothing after it: an empty slot
    if not isinstance(node, yaml.ScalarNode) or node.tag.endswith(":bool"):
        raise reader.fail(node, f"'{what}' must be text", hint='write it in quotes, e.g.'
                          ' "{title}", or "" for nothing')
    text = _clean(reader, node, f"'{what}'", node.value)
    try:
        template_fields(text)
    except ValueError as error:
        raise reader.fail(node, f"'{what}' {error}",
                          hint="fields: " + ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS)
                               + "; write {{ and }} for a brace") from None
    return Template(text)


@functools.lru_cache(maxsize=256)
def template_pieces(template: str) -> tuple[tuple[str, str | None], ...]:
    """(literal text, field name or None) pairs of a template; ValueError on a field other
    than the documented ones or with a format specification, conversion, attribute or index."""
    pieces = []
    for literal, name, spec, conversion in string.Formatter().parse(template):
        if name is not None:
            if name not in TEMPLATE_FIELDS:
                raise ValueError(f"has an unknown field {{{name[:40]}}}")
            if spec or conversion:
                raise ValueError(f"formats the field {{{name}}}: only plain fields are"
                                 " allowed")
        pieces.append((literal, name))
    return tuple(pieces)


def template_fields(template: str) -> list[str]:
    """The fields a template names (ValueError as `template_pieces`)."""
    try:
        return [name for _, name in template_pieces(template) if name is not None]
    except ValueError as error:
        if "field" in str(error):
            raise
        raise ValueError(f"has an unmatched brace ({error})") from None


def fill(template: str, values: Mapping[str, object]) -> str:
    """A header or footer template with its fields filled in; nothing but the values is
    inserted (see `template_pieces`)."""
    return "".join(literal + ("" if name is None else str(values[name]))
                   for literal, name in template_pieces(template))


def _require(reader: NodeReader, node: yaml.Node, section: str, have: dict,
             needed: tuple[str, ...]) -> None:
    missing = [name for name in needed if name not in have]
    if missing:
        raise reader.fail(node, f"'{section}' lacks {', '.join(missing)}",
                          hint="copy the missing entries from the shipped default theme")


def _named(reader: NodeReader, node: yaml.Node, section: str) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        raise reader.fail(node, f"'{section}' must be a mapping of names to values")
    limit = MAX_ENTRIES[section]
    if len(node.value) > limit:
        raise reader.fail(node, f"'{section}' has {len(node.value)} entries, more than"
                          f" {limit}", hint=f"keep at most {limit}")
    return {key.value: value for key, value in node.value}


def _page_size(reader: NodeReader, node: yaml.Node) -> PageSize:
    if isinstance(node, yaml.SequenceNode) and len(node.value) == 2:
        width, height = (_number(reader, n, "page.size") for n in node.value)
        for side, n in zip((width, height), node.value, strict=True):
            _in_range(reader, n, "page.size", side, SIZE_RANGE, "mm")
        return width * MM, height * MM
    try:
        width, height = page_size_mm(reader.text(node, "page 'size'"))
    except ValueError as error:
        raise reader.fail(node, str(error), hint=SIZE_HINT) from None
    return width * MM, height * MM


SIZE_RANGE = (50.0, 1000.0)
"""Trim width and height allowed, in mm."""
SIZE_HINT = (f"use one of {', '.join(PAGE_SIZES_MM)}, 'W×H mm' or [width_mm, height_mm],"
             f" sides from {SIZE_RANGE[0]:g} to {SIZE_RANGE[1]:g} mm")


def page_size_mm(size: str, names: dict[str, tuple[float, float]] = PAGE_SIZES_MM
                 ) -> tuple[float, float]:
    """Width and height in mm of a named (in `names`) or 'W×H mm' size; ValueError if
    unknown."""
    if size in names:
        return names[size]
    match = CUSTOM_SIZE.match(size)
    low, high = SIZE_RANGE
    if match is None:
        raise ValueError(f"unknown page size '{size[:40]}'")
    width, height = float(match.group(1)), float(match.group(2))
    if not (low <= width <= high and low <= height <= high):
        raise ValueError(f"page size '{size[:40]}' is outside {low:g} to {high:g} mm a side")
    return width, height


CMYK = tuple[float, float, float, float]
DERIVED_KEYS = {"from": True, "tint": False, "add": False}
"""A colour made from another: `{from: primary, add: [15, 0, 0, 25]}` (darker),
`{from: accent, tint: 20}` (20 % of each ink), or the other's name alone (`chart: primary`)."""


def _palette(reader: NodeReader, nodes: dict[str, yaml.Node]) -> dict[str, CMYK]:
    """The colours of a theme, those made from others resolved after `extends` (so a theme
    that changes `primary` changes every colour made from it); a circle is refused."""
    colors: dict[str, CMYK] = {}

    def resolve(name: str, path: tuple[str, ...]) -> CMYK:
        if name in colors:
            return colors[name]
        node = nodes[name]
        if isinstance(node, yaml.SequenceNode):
            colors[name] = _cmyk(reader, node, name)
            return colors[name]
        entries = {"from": node} if isinstance(node, yaml.ScalarNode) else \
            reader.mapping(node, f"colour '{name}'", DERIVED_KEYS)
        base = reader.text(entries["from"], f"colour '{name}'")
        if base not in nodes:
            raise reader.fail(entries["from"], f"colour '{name}' is made from '{base}', "
                              "which the theme does not define",
                              hint=f"colours defined: {', '.join(nodes)}")
        if base in path:
            raise reader.fail(entries["from"], f"colour '{name}' is made from itself "
                              f"({' → '.join((*path, base))})",
                              hint="give one of them [C, M, Y, K] values")
        color = resolve(base, (*path, base))
        if "tint" in entries:
            tint = _number(reader, entries["tint"], f"colors.{name}.tint")
            _in_range(reader, entries["tint"], f"colors.{name}.tint", tint, (0, 100), "%")
            color = tuple(v * tint / 100 for v in color)  # type: ignore[assignment]
        if "add" in entries:
            add = entries["add"]
            if not isinstance(add, yaml.SequenceNode) or len(add.value) != 4:
                raise reader.fail(add, f"'colors.{name}.add' must be [C, M, Y, K] changes",
                                  hint="e.g. add: [15, 0, 0, 25] for a darker colour")
            changes = [_number(reader, n, f"colors.{name}.add") for n in add.value]
            for value, n in zip(changes, add.value, strict=True):
                _in_range(reader, n, f"colors.{name}.add", value, (-100, 100), "%")
            color = tuple(min(max(v + d, 0.0), 100.0)  # type: ignore[assignment]
                          for v, d in zip(color, changes, strict=True))
        colors[name] = color
        return color

    for name in nodes:
        resolve(name, (name,))
    return {name: colors[name] for name in nodes}


def _cmyk(reader: NodeReader, node: yaml.Node, name: str) -> CMYK:
    if not isinstance(node, yaml.SequenceNode) or len(node.value) != 4:
        raise reader.fail(node, f"colour '{name}' must be [C, M, Y, K] percentages",
                          hint="e.g. [0, 100, 100, 10]")
    c, m, y, k = (_number(reader, n, f"colors.{name}") for n in node.value)
    for value, n in zip((c, m, y, k), node.value, strict=True):
        _in_range(reader, n, f"colors.{name}", value, (0, 100), "%")
    return c, m, y, k


def _style(reader: NodeReader, node: yaml.Node, name: str,
           colors: dict[str, tuple[float, float, float, float]]) -> RoleStyle:
    style = _section(reader, node, f"styles.{name}", RoleStyle)
    if style.color not in colors:
        raise reader.fail(entry(node, "color") or node,
                          f"style '{name}' uses unknown colour '{style.color}'",
                          hint=f"colours defined: {', '.join(colors)}")
    if style.leading < style.size:
        raise reader.fail(entry(node, "leading") or node,
                          f"'styles.{name}.leading' is {style.leading:g} pt, less than its"
                          f" size {style.size:g} pt: lines would overlap",
                          hint=f"use a leading of at least {style.size:g} pt")
    return style


def _at(reader: NodeReader, top: dict[str, yaml.Node], fallback: str, *keys: str) -> yaml.Node:
    """Where to point an error about values that must agree: the first of `keys`
    ('section.key' or 'styles.role.key') that the file being loaded sets, else the first
    set anywhere in its chain, else the section `fallback`."""
    nodes = []
    for key in keys:  # a key of a section ('table_columns') is the section's node
        node: yaml.Node | None = top[key.split(".")[0]]
        for part in key.split(".")[1:]:
            node = entry(node, part) if node is not None else None
        nodes.append(node)
    given = [n for n in nodes if n is not None]
    mine = [n for n in given if Path(n.start_mark.name) == reader.path]
    return (mine or given or [top[fallback]])[0]


@dataclass(frozen=True)
class Misfit:
    """Values of a theme that do not fit together on its page."""

    message: str
    hint: str
    keys: tuple[str, ...]
    """The keys involved ('section.key' or 'styles.role.key'), the likeliest culprit first."""


def misfit(theme: Theme) -> Misfit | None:
    """The first problem of a theme's page geometry, if any: the text block must hold some
    lines and columns of some characters, the running header and folio stand in the margins,
    the scorecard's shares leave the metric a fifth and text columns a character."""
    body = theme.styles["body"]
    room = theme.page_height - theme.margin_top - theme.margin_bottom
    if room < MIN_BLOCK_LINES * body.leading:
        return Misfit(f"the margins leave {room / MM:.0f} mm of the page's"
                      f" {theme.page_height / MM:.0f} mm for text, less than {MIN_BLOCK_LINES}"
                      " body lines", "make page.margin_top and page.margin_bottom smaller",
                      ("page.margin_top", "page.margin_bottom", "page.size",
                       "styles.body.leading"))
    for offset, margin in (("header_offset", "margin_top"), ("footer_offset", "margin_bottom")):
        if getattr(theme, offset) > getattr(theme, margin):
            return Misfit(f"'page.{offset}' puts the running text inside the text block",
                          f"keep {offset} at most {margin}", (f"page.{offset}", f"page.{margin}"))
    narrowest = min(theme.text_width, theme.column_width)
    if narrowest < MIN_COLUMN_CHARS * body.size:
        return Misfit(f"a column of body text would hold {max(int(narrowest // body.size), 0)}"
                      f" characters, fewer than {MIN_COLUMN_CHARS}",
                      "make page.chars_per_line larger, page.min_margin_side, design.column_gap"
                      " or the body size smaller",
                      ("page.chars_per_line", "page.min_margin_side", "page.size",
                       "design.columns", "design.column_gap", "styles.body.size"))
    columns = theme.table_columns
    total = sum(getattr(columns, key.attribute) for key in KEYS[TableColumns].values())
    if total > METRIC_SHARES + 1e-9:
        return Misfit(f"'table_columns' share {total:g} of the measure, more than"
                      f" {METRIC_SHARES:g}", f"keep their sum at most {METRIC_SHARES:g} so"
                      f" that the metric column keeps {1 - METRIC_SHARES:g} of it",
                      ("table_columns",))
    cell = theme.styles["table_cell"].size + 2 * theme.decor.cell_padding
    for column in TEXT_COLUMNS:
        if columns.share(column) * theme.text_width < cell:
            return Misfit(f"'table_columns.{column}' leaves its cells less than a character"
                          " wide", f"use a share of at least {cell / theme.text_width:.3f}"
                          " (or less decor.cell_padding)",
                          (f"table_columns.{column}", "decor.cell_padding",
                           "styles.table_cell.size", "page.chars_per_line",
                           "page.min_margin_side", "page.size"))
    return None


def _check_geometry(reader: NodeReader, top: dict[str, yaml.Node], theme: Theme) -> None:
    problem = misfit(theme)
    if problem is not None:
        raise reader.fail(_at(reader, top, "page", *problem.keys), problem.message,
                          hint=problem.hint)


@functools.lru_cache(maxsize=1)
def _font_folders() -> tuple[Path, ...]:
    """The folders a theme's font may lie in besides its own: the shipped fonts and the
    system's font folders."""
    return (data.fonts_dir(), *(folder.expanduser() for folder in SYSTEM_FONT_FOLDERS))


@functools.lru_cache(maxsize=1)
def _shipped_fonts() -> frozenset[str]:
    return frozenset(data.shipped_fonts())


def _font_file(reader: NodeReader, node: yaml.Node, what: str) -> Path:
    """A font path relative to the theme file that gives it, or the name of a shipped font;
    it must lie in that theme's folder, the shipped fonts or a system font folder."""
    value = _printable(reader, node, what)
    folder = Path(node.start_mark.name).parent
    path = folder / value
    if value in _shipped_fonts() and not os.path.exists(path):
        return data.fonts_dir() / value
    try:
        allowed = inside(path, [folder, *_font_folders()])
    except (OSError, ValueError, RuntimeError):  # a loop of links: the font loader says so
        return path
    if not allowed:
        raise reader.fail(node, f"{what} ({value}) names a font outside the theme's folder, "
                          "the shipped fonts and the system font folders",
                          hint=f"copy the font next to the theme, or use a shipped font"
                               f" ({', '.join(sorted(_shipped_fonts()))})")
    return path  # whether it is a font file is the font loader's to say
