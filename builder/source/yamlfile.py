"""YAML files as untrusted input: bounded reads, a parse that keeps each node's file and
line, and `NodeReader`, which reads typed values and fails with errors that point at the node.

Content and theme loading both stand on this module.
"""

from __future__ import annotations

import difflib
import io
from collections.abc import Collection
from pathlib import Path

import yaml

from builder.errors import BrochureError
from builder.files import LIMITS, read_input
from builder.source.model import Span

MAX_FILE_BYTES = LIMITS["content"]
"""Content files larger than this are refused before parsing."""


SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when available (about 10x faster), else PyYAML's own."""


STR_TAG = "tag:yaml.org,2002:str"


def _refuse_aliases_and_tags(text: str) -> None:
    """Aliases let a small file expand into a huge one ("billion laughs") and tags ask for
    objects: content needs neither. Reads parser events only, so nothing is expanded."""
    for event in yaml.parse(text, Loader=SafeLoader):
        mark = event.start_mark
        assert mark is not None  # the parser marks every event
        if isinstance(event, yaml.AliasEvent):
            raise BrochureError("YAML aliases (*name) are not allowed in content",
                                line=mark.line + 1, column=mark.column + 1,
                                hint="write the text out in full")
        tag = getattr(event, "tag", None)
        if tag is not None and tag not in (STR_TAG, "!"):
            raise BrochureError(f"YAML tags ({tag}) are not allowed in content",
                                line=mark.line + 1, column=mark.column + 1,
                                hint="remove the tag; put text in quotes instead")


def read_text(path: Path, kind: str = "content") -> str:
    """The text of a content or theme file: a regular UTF-8 file of bounded size."""
    data = read_input(path, kind)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BrochureError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", path=path,
                            hint=f"save the {kind} file as UTF-8") from None


def parse_nodes(text: str, path: Path) -> yaml.Node:
    """Parse YAML text into a node tree, turning every failure into a BrochureError."""
    try:
        _refuse_aliases_and_tags(text)
        stream = io.StringIO(text)
        stream.name = str(path)  # each node's marks name the file it was written in
        node = yaml.compose(stream, Loader=SafeLoader)
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


def entry(node: yaml.Node, key: str) -> yaml.Node | None:
    """The value node of a mapping's `key`, if it has one."""
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((v for k, v in node.value if getattr(k, "value", None) == key), None)


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

    def inside(self, node: yaml.Node, written: str, what: str, example: str) -> Path:
        """The path `written` (relative to the file being read), symbolic links resolved;
        refused unless it lies inside that file's folder."""
        folder = self.path.resolve().parent
        try:
            resolved = (folder / written).resolve()
        except (OSError, ValueError, RuntimeError) as exc:
            raise self.fail(node, f"unusable {what} path ({exc})",
                            hint=f"write a plain relative path such as {example}") from None
        if not resolved.is_relative_to(folder):
            raise self.fail(node, f"{what} path leaves the content's folder",
                            hint=f"put the {what} next to the content file or in a subfolder")
        return resolved

    def optional_choice(self, entries: dict[str, yaml.Node], key: str, what: str,
                        choices: Collection[str], name: str | None = None) -> str | None:
        """The text under `key`, if given, which must be one of `choices` (else an error:
        unknown `name` (default: the key), with the choices in the hint)."""
        value = self.optional_text(entries, key, what)
        if value is not None and value not in choices:
            raise self.fail(entries[key], f"unknown {name or key} '{value}'",
                            hint=f"use one of: {', '.join(choices)}")
        return value

    def optional_text(self, entries: dict[str, yaml.Node], key: str, what: str) -> str | None:
        return self.text(entries[key], f"{what} '{key}'") if key in entries else None
