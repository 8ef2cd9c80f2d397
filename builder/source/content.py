"""Load stage: a YAML content file -> a checked `Document` (see docs/content-schema.md).

YAML is parsed with PyYAML's safe loader into nodes, so every error can name its line.
Unknown keys, wrong types and missing fields raise `BrochureError` with file:line:col and a
hint. Content is untrusted: no aliases or tags, a size limit, and paths (images, a theme file)
that stay inside the content's folder.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from builder import data
from builder.source.model import (
    ALIGNS,
    CHART_KINDS,
    CHARTS,
    COLUMN_KINDS,
    FIGURE_WIDTHS,
    LAYOUTS,
    OPENERS,
    PUNCTUATION_STYLES,
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
)
from builder.source.tables import load_table, too_many_rows
from builder.source.theme import theme_path
from builder.source.yamlfile import NodeReader, parse_nodes, read_text


@dataclass(frozen=True)
class Field:
    """One key of the content format: the loader checks it, builder.cli.schema describes it."""

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
    "opener": Field(False, "choice", "a section's opener: page (facing its text), band (atop "
                    "its first page), auto (by length); default: the theme's", OPENERS),
    "picture": Field(False, "path", "the section's picture, JPEG or PNG, relative to the "
                     "content file: printed on its opener page by themes whose opener shows "
                     "{part.picture} (e.g. magazine)"),
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
COLUMN_FIELDS = {
    "header": Field(True, "text", "the column's header, printed as written"),
    "kind": Field(False, "choice", "what the cells hold (default text): " + "; ".join(
        f"{kind}: {doc}" for kind, doc in COLUMN_KINDS.items()), tuple(COLUMN_KINDS)),
    "align": Field(False, "choice", "default: numbers right, text left", ALIGNS),
    "width": Field(False, "text", "the column's share of the table's width, e.g. 30%"),
    "unit": Field(False, "text", "the unit of its numbers, printed once in the header"),
    "required": Field(False, "flag", "every row must fill it"),
    "from": Field(False, "text", "the spreadsheet header it reads, if not its own header"),
}
CHART_FIELDS = {
    "type": Field(True, "choice", "bars (horizontal), columns (vertical bars) or line (a "
                  "series over time)", CHART_KINDS),
    "value": Field(False, "text", "the numeric column(s) drawn, by header (default: the "
                   "first numeric column); a list for several lines"),
    "label": Field(False, "text", "the column naming each point (default: the first text "
                   "column)"),
    "title": Field(False, "text", "the chart's title (default: the table's)"),
}
LANG_HELP = ("the text's language when it is not the document's, e.g. en: a screen reader "
             "reads it so (the tagged PDF's /Lang)")
PUNCTUATION_HELP = ("the block's punctuation style if not the theme's: quanjiao (全角式), "
                    "kaiming (开明式: 。？！ full width, the other marks half), banjiao (半角式)")
LANG_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$")
PHOTO_FIELDS = {
    "caption": Field(True, "text", "caption under the picture"),
    "image": Field(False, "path", "JPEG or PNG, relative to the content file"),
    "alt": Field(False, "text", "what the picture shows, read aloud by a screen reader"),
}
BLOCK_FIELDS: dict[str, dict[str, Field]] = {
    "paragraph": {"paragraph": Field(True, "text", "body text; **bold** is the only markup"),
                  "truncated": Field(False, "flag", "the source stops mid-sentence: print ……"),
                  "lang": Field(False, "text", LANG_HELP),
                  "punctuation": Field(False, "choice", PUNCTUATION_HELP, PUNCTUATION_STYLES)},
    "heading": {"heading": Field(True, "text", "a heading inside the part"),
                "lang": Field(False, "text", LANG_HELP),
                "punctuation": Field(False, "choice", PUNCTUATION_HELP, PUNCTUATION_STYLES)},
    "quote": {"quote": Field(True, "text", "a quotation"),
              "source": Field(False, "text", "who said it"),
              "lang": Field(False, "text", LANG_HELP),
              "punctuation": Field(False, "choice", PUNCTUATION_HELP, PUNCTUATION_STYLES)},
    "figure": {"figure": Field(True, "text", "the caption"),
               "image": Field(False, "path", "JPEG or PNG, relative to the content file"),
               "width": Field(False, "choice", "share of the text width (default full)",
                              tuple(FIGURE_WIDTHS)),
               "alt": Field(False, "text", "what the picture shows, read aloud by a screen "
                            "reader")},
    "scorecard": {"scorecard": Field(True, "text", "the table's title"),
                  "rows": Field(True, "list", "the rows"),
                  "note": Field(False, "text", "footnote under the table"),
                  "chart": Field(False, "choice", "also draw the changes as a chart", CHARTS)},
    "table": {"table": Field(True, "text", "the table's title"),
              "columns": Field(False, "list", "the columns: a header, or a mapping of "
                               "header, kind, align, width, unit, required, from (required "
                               "unless the rows come from a file)"),
              "rows": Field(True, "list", "the rows: each a list of cells in column order "
                            "or a mapping of header to cell; or a .xlsx or .csv file"),
              "sheet": Field(False, "text", "the .xlsx sheet the rows are on (default the "
                             "first)"),
              "range": Field(False, "text", "the cells read, header row first, e.g. A1:E61 "
                             "(default: all)"),
              "ignore": Field(False, "list", "spreadsheet columns left out, by header"),
              "note": Field(False, "text", "footnote under the table"),
              "chart": Field(False, "text", "also draw a chart: bars, columns or line, or a "
                             "mapping of type, value, label, title")},
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


THEME_NAME = re.compile(r"[A-Za-z0-9_-]+")


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
    document = Document(meta=meta, parts=parts, source=path, theme=theme,
                        where=reader.spans(top))
    if len(parts) > MAX_PARTS or document.size > MAX_BLOCKS:
        raise reader.fail(top["parts"], f"the content has {len(parts):,} parts and "
                          f"{document.size:,} blocks, more than the {MAX_PARTS:,} parts and "
                          f"{MAX_BLOCKS:,} blocks (table rows and photos counted) one "
                          "brochure may have", hint="split it into several brochures, e.g. "
                          "one a year, and build them together: brochure build a.yaml b.yaml")
    return document


MAX_PARTS, MAX_BLOCKS, MAX_ROWS = 1000, 10_000, 2000
"""The most parts and blocks of one brochure (a 500-page yearbook has 320 and 3 120) and rows
of one scorecard (ReportLab splits a table in time that grows with the square of its rows:
2 000 take 1 s, 20 000 took 31 s). The layout also stops at `layout.document.MAX_PAGES`."""


def _meta(reader: NodeReader, node: yaml.Node) -> Meta:
    entries = reader.mapping(node, "'meta'", META_KEYS)
    values = {key: reader.text(value, f"meta '{key}'") for key, value in entries.items()}
    problem = date_problem(values["date"])
    if problem:
        raise reader.fail(entries["date"], f"meta 'date' {values['date']!r} is not a date: "
                          f"{problem}", hint=DATE_HINT)
    return Meta(**values, where=reader.spans(entries))


DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?"
                  r"|(\d{4})年(?:(\d{1,2})月(?:(\d{1,2})日)?)?")
"""meta date: a year, year-month or full date (2022, 2022-10, 2022-10-01, 2022年10月1日)."""
DATE_HINT = ("write a year, year-month or full date: 2022, 2022-10, 2022-10-01 or 2022年10月1日"
             " (quoted)")


def date_problem(text: str) -> str | None:
    """What is wrong with a content date (None when it is one): the form, or a month, day
    or year that no calendar has. The file's date is made from it (builder.pdf.printing)."""
    import datetime as dt

    match = DATE.fullmatch(text)
    if match is None:
        return "not of the form 2022, 2022-10 or 2022-10-01"
    year, month, day = (int(v) if v else None for v in
                        (match[1] or match[4], match[2] or match[5], match[3] or match[6]))
    assert year is not None  # both forms start with the year
    if year < 1:
        return "there is no year 0"
    if month is not None and not 1 <= month <= 12:
        return f"there is no month {month}"
    if month is not None and day is not None:
        try:
            dt.date(year, month, day)
        except ValueError:
            return f"month {month} of {year} has no day {day}"
    return None


def _theme(reader: NodeReader, node: yaml.Node) -> str:
    """A theme name (a shipped theme) or a .yaml path inside the content's folder."""
    value = reader.text(node, "'theme'")
    is_path = value.endswith((".yaml", ".yml"))
    if not is_path and not THEME_NAME.fullmatch(value):
        raise reader.fail(node, f"'{value}' is not a theme name",
                          hint="use a name such as 'default', or a .yaml file next to the"
                               " content")
    path = reader.inside(node, value, "theme", "theme.yaml") if is_path \
        else theme_path(value)
    if not os.path.isfile(path):
        raise reader.fail(node, f"theme '{value}' not found ({path})",
                          hint=f"use a shipped theme ({', '.join(data.shipped_themes())}) or a"
                               " .yaml path")
    return value


def _part(reader: NodeReader, node: yaml.Node) -> Part:
    entries = reader.mapping(node, "a part", PART_KEYS)
    layout = reader.optional_choice(entries, "layout", "part", LAYOUTS) or "plain"
    opener = reader.optional_choice(entries, "opener", "part", OPENERS)
    blocks = tuple(_block(reader, b) for b in reader.sequence(entries["blocks"], "'blocks'"))
    return Part(title=reader.text(entries["title"], "part 'title'"), blocks=blocks,
                layout=layout,  # type: ignore[arg-type]
                headline=reader.optional_text(entries, "headline", "part"),
                tag=reader.optional_text(entries, "tag", "part"), opener=opener,
                picture=reader.inside(entries["picture"], reader.text(entries["picture"],
                                      "part 'picture'"), "picture", "photos/part-1.jpg")
                if "picture" in entries else None,
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
    if kind == "table":
        return load_table(reader, entries, line, where, _required(COLUMN_FIELDS),
                          _required(CHART_FIELDS), MAX_ROWS)
    main = reader.text(entries[kind], kind)
    if kind == "paragraph":
        truncated = reader.flag(entries["truncated"], "'truncated'") \
            if "truncated" in entries else False
        return Paragraph(main, truncated=truncated, line=line, where=where,
                         lang=_lang(reader, entries), punctuation=_punctuation(reader, entries))
    if kind == "heading":
        return Heading(main, line=line, where=where, lang=_lang(reader, entries),
                       punctuation=_punctuation(reader, entries))
    if kind == "quote":
        return Quote(main, source=reader.optional_text(entries, "source", "quote"), line=line,
                     where=where, lang=_lang(reader, entries),
                     punctuation=_punctuation(reader, entries))
    if kind == "figure":
        width = reader.optional_choice(entries, "width", "figure", FIGURE_WIDTHS,
                                       "figure width") or "full"
        return Figure(main, image=_image_path(reader, entries.get("image")), width=width,
                      line=line, where=where,
                      alt=reader.optional_text(entries, "alt", "figure"))
    row_nodes = reader.sequence(entries["rows"], "'rows'")
    if len(row_nodes) > MAX_ROWS:
        raise too_many_rows(reader, entries["rows"], "scorecard", len(row_nodes), MAX_ROWS)
    rows = tuple(_row(reader, r) for r in row_nodes)
    chart = reader.optional_choice(entries, "chart", "scorecard", CHARTS)
    return Scorecard(main, rows=rows, note=reader.optional_text(entries, "note", "scorecard"),
                     line=line, where=where, chart=chart)


def _lang(reader: NodeReader, entries: dict[str, yaml.Node]) -> str | None:
    """A block's `lang:`, a BCP 47 language tag."""
    value = reader.optional_text(entries, "lang", "block")
    if value is not None and not LANG_TAG.match(value):
        raise reader.fail(entries["lang"], f"'{value}' is not a language tag",
                          hint="write a BCP 47 tag such as en, ja, bo or zh-Hant")
    return value


def _punctuation(reader: NodeReader, entries: dict[str, yaml.Node]) -> str | None:
    """A block's `punctuation:` style, if it sets one."""
    return reader.optional_choice(entries, "punctuation", "block", PUNCTUATION_STYLES,
                                  "punctuation style")


def _photos(reader: NodeReader, entries: dict[str, yaml.Node], line: int,
            where: dict) -> Photos:
    figures = []
    for item in reader.sequence(entries["photos"], "'photos'"):
        fields = reader.mapping(item, "a photo", _required(PHOTO_FIELDS))
        figures.append(Figure(reader.text(fields["caption"], "photo 'caption'"),
                              image=_image_path(reader, fields.get("image")),
                              line=item.start_mark.line + 1, where=reader.spans(fields),
                              alt=reader.optional_text(fields, "alt", "photo")))
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
    return reader.inside(node, reader.text(node, "figure 'image'"), "image",
                         "images/photo.jpg")
