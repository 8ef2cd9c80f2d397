"""JSON Schemas for content and theme files, generated from the loaders' own field tables
(builder.source.content *_FIELDS; the dataclasses of builder.source.theme, through its KEYS):
one source of truth for editors and checks.

`python -m builder schema` rewrites builder/data/schemas/; a test keeps the shipped files current.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from builder.files import write_atomically
from builder.source import content as load
from builder.source import masters, theme

DRAFT = "https://json-schema.org/draft/2020-12/schema"

KINDS: dict[str, dict[str, Any]] = {
    "text": {"type": "string", "minLength": 1},
    "number": {"type": ["string", "number"], "pattern": r"^[+-]?[0-9][0-9,]*(\.[0-9]+)?$"},
    "flag": {"type": "boolean"},
    "path": {"type": "string", "minLength": 1},
    "count": {"type": "integer", "minimum": 1, "maximum": 4},
}


def _field(field: load.Field, items: dict[str, Any] | None = None) -> dict[str, Any]:
    if field.kind == "choice":
        schema: dict[str, Any] = {"enum": list(field.choices)}
    elif field.kind == "list":
        schema = {"type": "array", "minItems": 1, "items": items or {}}
    else:
        schema = dict(KINDS[field.kind])
    return {**schema, "description": field.doc}


def _object(fields: dict[str, load.Field], items: dict[str, dict[str, Any]] | None = None,
            description: str = "") -> dict[str, Any]:
    items = items or {}
    return {
        "type": "object", "description": description, "additionalProperties": False,
        "required": [name for name, field in fields.items() if field.required],
        "properties": {name: _field(field, items.get(name)) for name, field in fields.items()},
    }


def content_schema() -> dict[str, Any]:
    """The schema of a content file."""
    row = _object(load.ROW_FIELDS, description="one row of a scorecard")
    photo = _object(load.PHOTO_FIELDS, description="one picture of a photo grid")
    blocks = [_table_block() if kind == "table" else
              _object(fields, {"rows": row, "photos": photo}, f"a {kind} block")
              for kind, fields in load.BLOCK_FIELDS.items()]
    part = _object(load.PART_FIELDS, {"blocks": {"oneOf": blocks}}, "a part of the brochure")
    return {
        "$schema": DRAFT, "$id": "content.schema.json", "title": "brochure content",
        "type": "object", "additionalProperties": False, "required": ["meta", "parts"],
        "properties": {
            "theme": {"type": "string", "description": "theme name or .yaml path"},
            "meta": _object(load.META_FIELDS, description="metadata of the brochure"),
            "parts": {"type": "array", "minItems": 1, "items": part},
        },
    }


def _table_block() -> dict[str, Any]:
    """A table with declared columns: a column is a header or a mapping; rows are a list
    (each a list of cells or a mapping of header to cell) or a spreadsheet's path; a chart
    is a type or a mapping."""
    fields = load.BLOCK_FIELDS["table"]
    cell = {"type": ["string", "number", "null"], "description": "a cell, as written"}
    column = _object(load.COLUMN_FIELDS, description="a column")
    column["properties"]["width"] = {"type": ["string", "number"],
                                     "pattern": r"^[0-9.]+%?$",
                                     "description": load.COLUMN_FIELDS["width"].doc}
    chart = _object(load.CHART_FIELDS, description="a chart of the table")
    chart["properties"]["value"] = {"oneOf": [
        {"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}],
        "description": load.CHART_FIELDS["value"].doc}
    block = _object(fields, {"columns": {"oneOf": [{"type": "string"}, column]},
                             "ignore": {"type": "string"}}, "a table block")
    block["properties"]["rows"] = {
        "oneOf": [{"type": "string", "pattern": r"\.([xX][lL][sS][xX]|[cC][sS][vV])$"},
                  {"type": "array", "minItems": 1, "items": {"oneOf": [
                      {"type": "array", "items": cell},
                      {"type": "object", "additionalProperties": cell}]}}],
        "description": fields["rows"].doc}
    block["properties"]["chart"] = {"oneOf": [{"enum": list(load.CHART_KINDS)}, chart],
                                    "description": fields["chart"].doc}
    return block


def _key(key: theme.Key) -> dict[str, Any]:
    """The schema of one key of a theme section, from its field's type."""
    if key.choices:
        return {"enum": list(key.choices)}
    if key.type == theme.PageSize:
        low, high = theme.SIZE_RANGE
        side = {"type": "number", "minimum": low, "maximum": high}
        return {"oneOf": [{"enum": list(theme.PAGE_SIZES_MM)},
                          {"type": "string", "pattern": theme.CUSTOM_SIZE.pattern},
                          {"type": "array", "items": side, "minItems": 2, "maxItems": 2}]}
    if key.type in (int, float):
        number: dict[str, Any] = {"type": "integer" if key.type is int else "number",
                                  "minimum": 0}
        if key.range is not None:
            number |= {"minimum": key.range[0], "maximum": key.range[1]}
        return number | ({"description": key.unit} if key.unit else {})
    if key.type is bool:
        return {"type": "boolean"}
    return {"type": "string", "maxLength": theme.MAX_TEXT}


def _section(cls: type, complete: bool = False) -> dict[str, Any]:
    """The schema of a theme section (`complete`: with its required keys)."""
    keys = theme.KEYS[cls]
    required = [name for name, key in keys.items() if key.required]
    return {"type": "object", "additionalProperties": False,
            **({"required": required} if complete else {}),
            "properties": {name: _key(key) for name, key in keys.items()}}


def _masters() -> dict[str, Any]:
    """Page masters (builder/source/masters.py): art, text slots and stacks by kind of page."""
    length = {"type": ["string", "number"],
              "pattern": r"^\s*[+-]?\s*\d+(\.\d+)?\s*(mm|pt|%)?(\s*[+-]\s*\d+(\.\d+)?\s*"
                         r"(mm|pt|%)?)*\s*$",
              "description": "mm (12 or 12mm), pt (6pt), a share (30%) or a sum (42% + 6pt); "
                             "negative: from the far edge"}

    def places(count: int) -> dict[str, Any]:
        return {"type": "array", "items": length, "minItems": count, "maxItems": count}

    origin = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"},
                                               "minItems": 2, "maxItems": 2}],
              "description": "trim, margins, bleed (art: or an item named before); [x, y]"}
    names = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
    share = {"type": ["string", "number"], "description": "10% to 100%"}
    deco = {"type": "object", "additionalProperties": False, "required": ["color"],
            "properties": {"color": {"type": "string"}, "stroke": {"type": "number"},
                           "pad": length, "length": length, "at": {"enum": ["above", "below"]}}}
    art = {"type": "object", "additionalProperties": False, "required": ["color"],
           "properties": {"rect": places(4), "line": places(4), "circle": places(3),
                          "rings": places(2),
                          "polygon": {"type": "array", "minItems": 3, "items": places(2)},
                          "in": origin, "color": {"type": "string"},
                          "stroke": {"type": "number", "minimum": 0, "maximum": 50},
                          "step": length, "count": {"type": "integer", "minimum": 1,
                                                    "maximum": 100},
                          "name": {"type": "string"}, "reach": names, "pad": length,
                          "width": length, "clear": names, "open": names, "shrink": share,
                          "arc": {"type": "object", "additionalProperties": False,
                                  "required": ["ring", "color"],
                                  "properties": {"ring": {"type": "number"},
                                                 "color": {"type": "string"},
                                                 "stroke": {"type": "number"}}}}}
    image = {"type": "object", "additionalProperties": False, "required": ["image", "box"],
             "description": "a picture covering or contained in its box",
             "properties": {"image": {"type": "string", "description": "a JPEG or PNG file "
                                      "relative to the theme, or " + masters.PART_PICTURE +
                                      " (a part's pages)"},
                            "box": places(4), "in": origin,
                            "fit": {"enum": list(masters.IMAGE_FITS)},
                            "fallback": {"type": "string", "description": "the colour "
                                         "filling the box of a part without a picture"}}}
    slot = {"type": "object", "additionalProperties": False, "required": ["style"],
            "properties": {"text": {"type": "string", "description": "fields: " + ", ".join(
                               "{" + f + "}" for f in masters.page_fields("opener"))},
                           "rows": {"type": "array", "items": {
                               "type": "array", "minItems": 2, "maxItems": 2,
                               "items": {"type": "string"}}},
                           "list": {"enum": list(masters.LISTS)},
                           "number": {"type": "string"}, "detail": {"type": "string"},
                           "indent": length, "label_color": {"type": "string"},
                           "style": {"type": "string"},
                           "box": {"oneOf": [places(4), {
                               "type": "string", "pattern": "^#",
                               "description": "the id of a rectangle of the master's SVG"}]},
                           "in": origin, "name": {"type": "string"},
                           "below": {"type": "string"},
                           "align": {"enum": list(masters.ALIGNS)},
                           "valign": {"enum": list(masters.VALIGNS)},
                           "break": {"enum": list(masters.BREAKS)},
                           "scale": share, "wrap": {"type": "boolean"}, "gap": length,
                           "beside": {"type": "boolean"},
                           "band": deco, "outline": deco, "bar": deco, "rules": deco,
                           "color": {"type": "string"},
                           "fit": {"type": "object", "additionalProperties": False,
                                   "properties": {"shrink": {"type": "number"},
                                                  "lines": {"type": "integer"}}}}}
    stack = {"type": "object", "additionalProperties": False, "required": ["stack", "box"],
             "properties": {"stack": {"type": "array", "items": slot}, "box": places(4),
                            "in": origin, "valign": {"enum": list(masters.VALIGNS)},
                            "rise": length, "name": {"type": "string"},
                            "below": {"type": "string"}}}
    master: dict[str, Any]
    master = {"type": "object", "additionalProperties": False,
              "properties": {"background": {"type": "string"},
                             "svg": {"type": "object", "additionalProperties": False,
                                     "required": ["file", "colors"],
                                     "description": "SVG artwork scaled to cover its box "
                                                    "(default: the bleed)",
                                     "properties": {
                                         "file": {"type": "string", "pattern": "\\.svg$"},
                                         "box": places(4), "in": origin,
                                         "colors": {"type": "object",
                                                    "additionalProperties": {"type": "string"},
                                                    "description": "#rrggbb: palette name"}}},
                             "art": {"type": "array", "items": {"oneOf": [art, image]}},
                             "slots": {"type": "array", "items": slot},
                             "stacks": {"type": "array", "items": stack}}}
    master["properties"]["compact"] = {
        **master, "properties": dict(master["properties"]),
        "description": "keys used instead where the master's texts do not fit the page"}
    return {"type": "object", "additionalProperties": False,
            "description": "designed pages as data: " + "; ".join(
                f"{page}: {what}" for page, what in masters.PAGES.items()),
            "properties": dict.fromkeys(masters.PAGES, master)}


def theme_schema() -> dict[str, Any]:
    """The schema of a theme file (a theme that `extends` another may leave sections out)."""
    cmyk = {"type": "array", "items": {"type": "number", "minimum": 0, "maximum": 100},
            "minItems": 4, "maxItems": 4}
    slots = {**_section(theme.Slots),
             "description": "fields: " + ", ".join("{" + f + "}" for f in theme.TEMPLATE_FIELDS)}
    parts: dict[str, Any] = {
        "name": {"type": "string"}, "extends": {"type": "string"},
        **{name: _section(cls) for name, cls in theme.SECTIONS.items()},
        "header": slots, "footer": slots,
        "fonts": {"type": "object", "additionalProperties": _section(theme.FontFamily, True)},
        "colors": {"type": "object", "additionalProperties": {"oneOf": [
            cmyk, {"type": "string", "description": "another colour's name"},
            {"type": "object", "additionalProperties": False, "required": ["from"],
             "description": "a colour made from another: darker (add) or lighter (tint)",
             "properties": {"from": {"type": "string"},
                            "tint": {"type": "number", "minimum": 0, "maximum": 100},
                            "add": {"type": "array", "minItems": 4, "maxItems": 4,
                                    "items": {"type": "number", "minimum": -100,
                                              "maximum": 100}}}}]}},
        "styles": {"type": "object", "additionalProperties": _section(theme.RoleStyle, True)},
        "masters": _masters(),
    }
    # a theme on its own must be complete; one that extends another names only changes
    named = {"colors": theme.COLOR_NAMES, "styles": theme.STYLE_ROLES,
             **{name: [k for k, key in theme.KEYS[cls].items() if key.required]
                for name, cls in theme.SECTIONS.items()}}
    complete = {
        "required": [key for key, required in theme.TOP_KEYS.items() if required],
        "properties": {name: {"required": list(named[name])}
                       for name in theme.TOP_KEYS if named.get(name)}}
    return {
        "$schema": DRAFT, "$id": "theme.schema.json", "title": "brochure theme",
        "type": "object", "additionalProperties": False,
        "properties": {name: parts[name] for name in theme.TOP_KEYS},
        "if": {"not": {"required": ["extends"]}}, "then": complete,
        "else": {"required": ["name", "extends"]},
    }


def schemas() -> dict[str, str]:
    """File name -> JSON text of every schema."""
    return {name: json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
            for name, schema in (("content.schema.json", content_schema()),
                                 ("theme.schema.json", theme_schema()))}


def write_schemas(folder: Path) -> list[Path]:
    """Write each schema into `folder`, replacing only earlier JSON files of the same name."""
    written = []
    for name, text in schemas().items():
        write_atomically(text.encode(), folder / name, "json")
        written.append(folder / name)
    return written
