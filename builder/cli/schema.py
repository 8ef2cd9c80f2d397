"""JSON Schemas for content and theme files, generated from the loaders' own field tables
(builder.source.content *_FIELDS, builder.source.theme *_KEYS): one source of truth for
editors and checks.

`python -m builder schema` rewrites builder/data/schemas/; a test keeps the shipped files current.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from builder.source import content as load
from builder.source import theme

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
    blocks = [_object(fields, {"rows": row, "photos": photo}, f"a {kind} block")
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


def theme_schema() -> dict[str, Any]:
    """The schema of a theme file (a theme that `extends` another may leave sections out)."""
    number = {"type": "number", "minimum": 0}
    numbers = {"type": "object", "additionalProperties": number}
    cmyk = {"type": "array", "items": {"type": "number", "minimum": 0, "maximum": 100},
            "minItems": 4, "maxItems": 4}
    style = {"type": "object", "additionalProperties": False,
             "required": [k for k, required in theme.STYLE_KEYS.items() if required],
             "properties": {"font": {"type": "string"}, "bold": {"type": "boolean"},
                            "size": number, "leading": number, "color": {"type": "string"},
                            "indent": number}}
    slots = {"type": "object", "additionalProperties": False,
             "properties": {slot: {"type": "string"} for slot in theme.SLOT_KEYS},
             "description": "fields: " + ", ".join("{" + f + "}" for f in theme.TEMPLATE_FIELDS)}
    design = {"type": "object", "additionalProperties": False, "properties": {
        "columns": {"enum": [1, 2]}, "column_gap": number,
        **{key: {"enum": list(choices)} for key, choices in theme.DESIGN_CHOICES.items()}}}
    page = {"type": "object", "additionalProperties": False, "properties": {
        **{key: number for key in theme.PAGE_KEYS},
        "size": {"oneOf": [{"enum": list(theme.PAGE_SIZES_MM)},
                           {"type": "string", "pattern": theme.CUSTOM_SIZE.pattern},
                           {"type": "array", "items": number, "minItems": 2, "maxItems": 2}]}}}
    family = {"type": "object", "additionalProperties": False, "required": ["regular", "bold"],
              "properties": {"regular": {"type": "string"}, "bold": {"type": "string"}}}
    sections: dict[str, Any] = {
        "name": {"type": "string"}, "extends": {"type": "string"}, "page": page,
        "print": {"type": "object", "additionalProperties": False,
                  "properties": {key: number for key in theme.PRINT_KEYS}},
        "design": design, "header": slots, "footer": slots,
        "fonts": {"type": "object", "additionalProperties": family},
        "colors": {"type": "object", "additionalProperties": cmyk},
        "styles": {"type": "object", "additionalProperties": style},
        "spacing": numbers, "table_columns": numbers, "decor": numbers,
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
    }
    # a theme on its own must be complete; one that extends another names only changes
    complete = {
        "required": [key for key, required in theme.TOP_KEYS.items() if required],
        "properties": {section: {"required": list(names)} for section, names in (
            ("colors", theme.COLOR_NAMES), ("styles", theme.STYLE_ROLES),
            ("spacing", theme.SPACING_KEYS), ("decor", theme.DECOR_KEYS),
            ("labels", theme.LABEL_KEYS))}}
    return {
        "$schema": DRAFT, "$id": "theme.schema.json", "title": "brochure theme",
        "type": "object", "additionalProperties": False, "properties": sections,
        "if": {"not": {"required": ["extends"]}}, "then": complete,
        "else": {"required": ["name", "extends"]},
    }


def schemas() -> dict[str, str]:
    """File name -> JSON text of every schema."""
    return {name: json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
            for name, schema in (("content.schema.json", content_schema()),
                                 ("theme.schema.json", theme_schema()))}


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schemas().items():
        (folder / name).write_text(text, encoding="utf-8")
        written.append(folder / name)
    return written
