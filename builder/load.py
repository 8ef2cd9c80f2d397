"""Load stage: a YAML content file -> a checked `Document` (see docs/content-schema.md).

YAML is parsed with PyYAML's safe loader into nodes, so every error can name its line.
Unknown keys, wrong types and missing fields raise `BrochureError` with file:line:col and a
hint. Content is untrusted: no aliases or tags, a size limit, and paths (images, a theme file)
that stay inside the content's folder.
"""

from __future__ import annotations

import difflib
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import yaml

from builder.errors import BrochureError
from builder.model import (
    CHARTS,
    LAYOUTS,
    Block,
    Document,
    Figure,
    Heading,
    Meta,
    Paragraph,
    Part,
    Photos,
    Quote,
    Scorecard,
    ScoreRow,
    Span,
)

MAX_FILE_BYTES = 2_000_000
"""Content files larger than this are refused before parsing."""

@dataclass(frozen=True)
class Field:
    """One key of the content format: the loader checks it, builder.schema describes it."""

    required: bool
    kind: str  # text | number | flag | path | choice | count | list
    doc: str
    choices: tuple[str, ...] = ()


META_FIELDS = {
    "title": Field(True, "text", "the brochure's title (cover, running header, PDF title)"),
    "date": Field(True, "text", "year, year-month or date (quoted), e.g. \"2022\""),
    "language": Field(True, "text", "language tag, e.g. zh-CN"),
    "kicker": Field(False, "text", "banner line above the title"),
    "subtitle": Field(False, "text", "subtitle under the title"),
    "lead": Field(False, "text", "lead paragraph (contents page)"),
    "issuer": Field(False, "text", "who issues the brochure (cover, PDF author)"),
    "subject": Field(False, "text", "PDF subject (default: the subtitle)"),
}
PART_FIELDS = {
    "title": Field(True, "text", "short name: contents, running header, bookmark"),
    "blocks": Field(True, "list", "the part's blocks"),
    "layout": Field(False, "choice", "section: opener page; plain: title above the body; "
                    "gallery: figures as a grid", LAYOUTS),
    "headline": Field(False, "text", "large headline"),
    "tag": Field(False, "text", "short tag taken from the text"),
}
ROW_FIELDS = {
    "metric": Field(True, "text", "what is measured"),
    "value": Field(True, "number", "the number as written, e.g. \"7.96\""),
    "unit": Field(False, "text", "unit, e.g. 亿元"),
    "change": Field(False, "number", "year-on-year change in %, signed"),
    "from": Field(False, "number", "earlier value (from → value)"),
    "qualifier": Field(False, "text", "word before the number: 超, 突破, 达到"),
    "remark": Field(False, "text", "short text after the unit: 以上, 左右"),
}
PHOTO_FIELDS = {
    "caption": Field(True, "text", "caption under the picture"),
    "image": Field(False, "path", "JPEG or PNG, relative to the content file"),
}
BLOCK_FIELDS: dict[str, dict[str, Field]] = {
    "paragraph": {"paragraph": Field(True, "text", "body text; **bold** is the only markup"),
                  "truncated": Field(False, "flag", "the source stops mid-sentence: print ……")},
    "heading": {"heading": Field(True, "text", "a heading inside the part")},
    "quote": {"quote": Field(True, "text", "a quotation"),
              "source": Field(False, "text", "who said it")},
    "figure": {"figure": Field(True, "text", "the caption"),
               "image": Field(False, "path", "JPEG or PNG, relative to the content file")},
    "scorecard": {"scorecard": Field(True, "text", "the table's title"),
                  "rows": Field(True, "list", "the rows"),
                  "note": Field(False, "text", "footnote under the table"),
                  "chart": Field(False, "choice", "also draw the changes as a chart", CHARTS)},
    "photos": {"photos": Field(True, "list", "pictures with captions, set as a grid"),
               "columns": Field(False, "count", "pictures per row (1-4, default 2)")},
}


def _required(fields: dict[str, Field]) -> dict[str, bool]:
    return {name: field.required for name, field in fields.items()}


META_KEYS = _required(META_FIELDS)
PART_KEYS = _required(PART_FIELDS)
ROW_KEYS = _required(ROW_FIELDS)
BLOCK_KEYS: dict[str, dict[str, bool]] = {
    kind: {k: v for k, v in _required(fields).items() if k != kind}
    for kind, fields in BLOCK_FIELDS.items()}


SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when available (about 10x faster), else PyYAML's own."""


STR_TAG = "tag:yaml.org,2002:str"
THEME_NAME = re.compile(r"[A-Za-z0-9_-]+")


def _refuse_aliases_and_tags(text: str) -> None:
    """Aliases let a small file expand into a huge one ("billion laughs") and tags ask for
    objects: content needs neither. Reads parser events only, so nothing is expanded."""
    for event in yaml.parse(text, Loader=SafeLoader):
        mark = event.start_mark
        if isinstance(event, yaml.AliasEvent):
            raise BrochureError("YAML aliases (*name) are not allowed in content",
                                line=mark.line + 1, column=mark.column + 1,
                                hint="write the text out in full")
        tag = getattr(event, "tag", None)
        if tag is not None and tag not in (STR_TAG, "!"):
            raise BrochureError(f"YAML tags ({tag}) are not allowed in content",
                                line=mark.line + 1, column=mark.column + 1,
                                hint="remove the tag; put text in quotes instead")


def read_text(path: Path) -> str:
    """The text of a content or theme file: a regular UTF-8 file of bounded size."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise BrochureError("not a regular file", path=path, hint="give a .yaml file")
        if info.st_size > MAX_FILE_BYTES:
            raise BrochureError(f"file is {info.st_size} bytes, more than the {MAX_FILE_BYTES}"
                                " allowed", path=path,
                                hint="split the content into several brochures")
        with path.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except (FileNotFoundError, NotADirectoryError):
        raise BrochureError("file not found", path=path,
                            hint="check the path; content files live in content/") from None
    except OSError as exc:
        raise BrochureError(f"cannot read the file: {exc.strerror or exc}", path=path,
                            hint="check the file's permissions") from None
    if len(data) > MAX_FILE_BYTES:
        raise BrochureError(f"file grew past the {MAX_FILE_BYTES} bytes allowed", path=path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BrochureError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", path=path,
                            hint="save the file as UTF-8") from None


def parse_nodes(text: str, path: Path) -> yaml.Node:
    """Parse YAML text into a node tree, turning every failure into a BrochureError."""
    try:
        _refuse_aliases_and_tags(text)
        node = yaml.compose(text, Loader=SafeLoader)
    except BrochureError as exc:
        exc.path = path
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise BrochureError(f"invalid YAML: {exc.problem or exc.context}", path=path,
                            line=mark.line + 1 if mark else None,
                            column=mark.column + 1 if mark else None,
                            hint="check indentation and quote text that contains ': ' or"
                                 " starts with a quote mark") from None
    except yaml.YAMLError as exc:
        raise BrochureError(f"invalid YAML: {exc}", path=path) from None
    except RecursionError:
        raise BrochureError("invalid YAML: nested too deeply", path=path,
                            hint="content is at most a few levels deep") from None
    if node is None:
        raise BrochureError("file is empty", path=path, hint="see docs/content-schema.md")
    return node


def read_yaml_nodes(path: Path) -> yaml.Node:
    """Read and parse a YAML file into a node tree (errors as BrochureError)."""
    return parse_nodes(read_text(path), path)


class NodeReader:
    """Reads typed values out of YAML nodes, raising errors that point at the node.

    With the file's `source` text it also tells where each text is written (`span`)."""

    def __init__(self, path: Path, source: str | None = None) -> None:
        self.path = path
        self.source = source

    def fail(self, node: yaml.Node, message: str, hint: str | None = None) -> BrochureError:
        mark = node.start_mark
        return BrochureError(message, path=self.path, line=mark.line + 1,
                             column=mark.column + 1, hint=hint)

    def span(self, node: yaml.Node) -> Span:
        """Where a value is written; exact columns for one-line scalars without escapes."""
        start, end = node.start_mark, node.end_mark
        span = Span(start.line + 1, start.column + 1)
        if self.source is None or not isinstance(node, yaml.ScalarNode) \
                or start.line != end.line:
            return span
        raw = self.source[start.index:end.index]
        quoted = node.style in ("'", '"')
        if (raw[1:-1] if quoted else raw) != node.value:
            return span
        leading = len(node.value) - len(node.value.lstrip())
        return Span(span.line, span.column, span.column + int(quoted) + leading)

    def spans(self, entries: dict[str, yaml.Node]) -> dict[str, Span]:
        return {key: self.span(node) for key, node in entries.items()}

    def mapping(self, node: yaml.Node, what: str,
                keys: dict[str, bool]) -> dict[str, yaml.Node]:
        """The entries of a mapping node; `keys` maps each allowed key to 'required'."""
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping of keys to values",
                            hint=f"allowed keys: {', '.join(keys)}")
        entries: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key not in keys:
                close = difflib.get_close_matches(str(key), list(keys), n=1)
                hint = (f"did you mean '{close[0]}'?" if close
                        else f"allowed keys: {', '.join(keys)}")
                raise self.fail(key_node, f"unknown key '{key}' in {what}", hint)
            if key in entries:
                raise self.fail(key_node, f"key '{key}' appears twice in {what}",
                                hint="keep one of them")
            entries[key] = value_node
        missing = [k for k, required in keys.items() if required and k not in entries]
        if missing:
            raise self.fail(node, f"{what} is missing '{missing[0]}'",
                            hint="see docs/content-schema.md for the required fields")
        return entries

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise self.fail(node, f"{what} must be a non-empty list",
                            hint="write each item on its own line starting with '- '")
        return list(node.value)

    def text(self, node: yaml.Node, what: str) -> str:
        """A non-empty scalar as written in the file (numbers keep their spelling)."""
        if not isinstance(node, yaml.ScalarNode) or node.tag.endswith((":null", ":bool")):
            raise self.fail(node, f"{what} must be text", hint="write it on the same line,"
                            " in quotes if it contains ': '")
        value = node.value.strip()
        if not value:
            raise self.fail(node, f"{what} is empty", hint="write the text or remove the key")
        return value

    def flag(self, node: yaml.Node, what: str) -> bool:
        if not isinstance(node, yaml.ScalarNode) or not node.tag.endswith(":bool"):
            raise self.fail(node, f"{what} must be true or false",
                            hint="write true or false without quotes")
        return node.value.lower() in ("true", "yes", "on")

    def optional_text(self, entries: dict[str, yaml.Node], key: str, what: str) -> str | None:
        return self.text(entries[key], f"{what} '{key}'") if key in entries else None


def load_document(path: Path) -> Document:
    """Read and check a content file."""
    path = Path(path)
    text = read_text(path)
    root = parse_nodes(text, path)
    reader = NodeReader(path, text)
    top = reader.mapping(root, "the document", {"meta": True, "parts": True, "theme": False})
    meta = _meta(reader, top["meta"])
    parts = tuple(_part(reader, node) for node in reader.sequence(top["parts"], "'parts'"))
    theme = _theme(reader, top["theme"]) if "theme" in top else "default"
    return Document(meta=meta, parts=parts, source=path, theme=theme, where=reader.spans(top))


def _meta(reader: NodeReader, node: yaml.Node) -> Meta:
    entries = reader.mapping(node, "'meta'", META_KEYS)
    values = {key: reader.text(value, f"meta '{key}'") for key, value in entries.items()}
    return Meta(**values, where=reader.spans(entries))


def _theme(reader: NodeReader, node: yaml.Node) -> str:
    """A theme name (builder/themes/NAME.yaml) or a .yaml path inside the content's folder."""
    from builder.theme import theme_path  # theme.py imports this module

    value = reader.text(node, "'theme'")
    is_path = value.endswith((".yaml", ".yml"))
    if not is_path and not THEME_NAME.fullmatch(value):
        raise reader.fail(node, f"'{value}' is not a theme name",
                          hint="use a name such as 'default', or a .yaml file next to the"
                               " content")
    folder = reader.path.resolve().parent
    path = _inside(reader, node, folder / value, folder, "theme") if is_path \
        else theme_path(value)
    if not path.is_file():
        raise reader.fail(node, f"theme '{value}' not found ({path})",
                          hint="use a theme name from builder/themes/ or a .yaml path")
    return value


def _part(reader: NodeReader, node: yaml.Node) -> Part:
    entries = reader.mapping(node, "a part", PART_KEYS)
    layout = reader.optional_text(entries, "layout", "part") or "plain"
    if layout not in LAYOUTS:
        raise reader.fail(entries["layout"], f"unknown layout '{layout}'",
                          hint=f"use one of: {', '.join(LAYOUTS)}")
    blocks = tuple(_block(reader, b) for b in reader.sequence(entries["blocks"], "'blocks'"))
    return Part(title=reader.text(entries["title"], "part 'title'"), blocks=blocks,
                layout=layout,  # type: ignore[arg-type]
                headline=reader.optional_text(entries, "headline", "part"),
                tag=reader.optional_text(entries, "tag", "part"),
                line=node.start_mark.line + 1, where=reader.spans(entries))


def _block(reader: NodeReader, node: yaml.Node) -> Block:
    if not isinstance(node, yaml.MappingNode) or not node.value:
        raise reader.fail(node, "a block must be a mapping such as 'paragraph: text'",
                          hint=f"block types: {', '.join(BLOCK_KEYS)}")
    kinds = [k.value for k, _ in node.value if getattr(k, "value", None) in BLOCK_KEYS]
    if len(kinds) != 1:
        first = node.value[0][0]
        close = difflib.get_close_matches(str(first.value), list(BLOCK_KEYS), n=1)
        hint = (f"did you mean '{close[0]}'?" if close and not kinds
                else f"start the block with one of: {', '.join(BLOCK_KEYS)}")
        raise reader.fail(node, "a block needs exactly one type key"
                          + (f" (found {', '.join(kinds)})" if kinds else ""), hint)
    kind = kinds[0]
    entries = reader.mapping(node, f"a {kind} block", {kind: True, **BLOCK_KEYS[kind]})
    line, where = node.start_mark.line + 1, reader.spans(entries)
    if kind == "photos":
        return _photos(reader, entries, line, where)
    main = reader.text(entries[kind], kind)
    if kind == "paragraph":
        truncated = reader.flag(entries["truncated"], "'truncated'") \
            if "truncated" in entries else False
        return Paragraph(main, truncated=truncated, line=line, where=where)
    if kind == "heading":
        return Heading(main, line=line, where=where)
    if kind == "quote":
        return Quote(main, source=reader.optional_text(entries, "source", "quote"), line=line,
                     where=where)
    if kind == "figure":
        return Figure(main, image=_image_path(reader, entries.get("image")), line=line,
                      where=where)
    rows = tuple(_row(reader, r) for r in reader.sequence(entries["rows"], "'rows'"))
    chart = reader.optional_text(entries, "chart", "scorecard")
    if chart is not None and chart not in CHARTS:
        raise reader.fail(entries["chart"], f"unknown chart '{chart}'",
                          hint=f"use one of: {', '.join(CHARTS)}")
    return Scorecard(main, rows=rows, note=reader.optional_text(entries, "note", "scorecard"),
                     line=line, where=where, chart=chart)


def _photos(reader: NodeReader, entries: dict[str, yaml.Node], line: int,
            where: dict) -> Photos:
    figures = []
    for item in reader.sequence(entries["photos"], "'photos'"):
        fields = reader.mapping(item, "a photo", _required(PHOTO_FIELDS))
        figures.append(Figure(reader.text(fields["caption"], "photo 'caption'"),
                              image=_image_path(reader, fields.get("image")),
                              line=item.start_mark.line + 1, where=reader.spans(fields)))
    columns = 2
    if "columns" in entries:
        node = entries["columns"]
        text = reader.text(node, "'columns'")
        if not text.isdigit() or not 1 <= int(text) <= 4:
            raise reader.fail(node, "'columns' must be a whole number from 1 to 4")
        columns = int(text)
    return Photos(tuple(figures), columns=columns, line=line, where=where)


def _row(reader: NodeReader, node: yaml.Node) -> ScoreRow:
    """A scorecard row; whether its numbers parse is a check (builder/check.py)."""
    entries = reader.mapping(node, "a scorecard row", ROW_KEYS)
    texts = {key: reader.text(value, f"row '{key}'") for key, value in entries.items()}
    return ScoreRow(metric=texts["metric"], value=texts["value"], unit=texts.get("unit", ""),
                    change=texts.get("change"), start=texts.get("from"),
                    qualifier=texts.get("qualifier", ""), remark=texts.get("remark", ""),
                    line=node.start_mark.line + 1, where=reader.spans(entries))


def _image_path(reader: NodeReader, node: yaml.Node | None) -> Path | None:
    if node is None:
        return None
    folder = reader.path.resolve().parent
    return _inside(reader, node, folder / reader.text(node, "figure 'image'"), folder, "image")


def _inside(reader: NodeReader, node: yaml.Node, path: Path, folder: Path, what: str) -> Path:
    """`path` with symbolic links resolved, refused unless it lies inside `folder`."""
    try:
        resolved = path.resolve()
    except (OSError, ValueError, RuntimeError) as exc:
        raise reader.fail(node, f"unusable {what} path ({exc})",
                          hint="write a plain relative path such as images/photo.jpg") from None
    if not resolved.is_relative_to(folder):
        raise reader.fail(node, f"{what} path leaves the content's folder",
                          hint=f"put the {what} next to the content file or in a subfolder")
    return resolved
