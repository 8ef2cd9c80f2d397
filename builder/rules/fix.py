"""`brochure check --fix`: replace the characters that findings mark (half-width punctuation,
full-width digits) or delete them (invisible characters) in the content file itself.

The file is edited in ruamel.yaml's round-trip mode, so comments, key order and quoting stay.
Nothing is written unless the new file differs from the old one only in those characters
(a character written as an escape such as "\u200b" is left for the user to delete by hand),
loads, and reads back as exactly the fixed texts; it then replaces the old file atomically.
"""

from __future__ import annotations

import io
import os
import re
import stat
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.util import load_yaml_guess_indent

from builder.errors import BrochureError
from builder.findings import Fix
from builder.source.content import load_document
from builder.source.texts import texts
from builder.source.yamlfile import read_text

Slot = tuple[Any, Any]
"""A container and the key (or index) of a scalar in it."""


def apply_fixes(path: Path, fixes: Iterable[Fix]) -> int:
    """Apply `fixes` to the content file at `path`; returns how many characters changed."""
    merged = _merge(fixes)
    if not merged:
        return 0
    original = read_text(path)
    yaml, data = _round_trip(original, path)
    slots = dict(_scalars(data))
    expected: Counter[tuple[str, str]] = Counter()
    for (line, column), fix in merged.items():
        slot = slots.get((line - 1, column - 1))
        if slot is None or str(slot[0][slot[1]]).strip() != fix.text:
            raise _unsafe(path, line, "the text is not where the check found it")
        container, key = slot
        old = container[key]
        lead = len(old) - len(old.lstrip())
        chars = list(old)
        for index, char in fix.changes:
            expected[(chars[lead + index], char)] += 1
            chars[lead + index] = char
        container[key] = _same_style(old, "".join(chars))
    stream = io.StringIO()
    yaml.dump(data, stream)
    fixed = stream.getvalue()
    changed, padding = _changes(original, fixed, expected)
    if changed != expected or padding > sum(n for (_, new), n in expected.items() if not new):
        raise _unsafe(path, None, "rewriting the file would change more than the marks")
    _replace_checked(path, fixed, merged)
    return sum(expected.values())


def _changes(original: str, fixed: str, expected: Counter[tuple[str, str]]
             ) -> tuple[Counter[tuple[str, str]], int]:
    """How `fixed` differs from `original` character by character: (old, new) pairs, new ''
    for a deleted character, deletions taken only where `expected` has them; and how many
    spaces were put before a comment (ruamel.yaml keeps a comment's column when the text
    before it gets shorter). Anything else (text moved, added, re-escaped) makes the pairs
    differ from `expected`."""
    changed: Counter[tuple[str, str]] = Counter()
    padding = i = j = 0
    while i < len(original):
        old = original[i]
        new = fixed[j] if j < len(fixed) else ""
        if old == new:
            i, j = i + 1, j + 1
        elif new and changed[old, new] < expected[old, new]:
            changed[old, new] += 1
            i, j = i + 1, j + 1
        elif changed[old, ""] < expected[old, ""]:
            changed[old, ""] += 1
            i += 1
        elif new == " " and old in " #" and _COMMENT_AHEAD.match(fixed, j):
            padding += 1
            j += 1
        else:
            changed["", new] += 1  # something else changed: never expected
            break
    if j < len(fixed):
        changed["", fixed[j:]] += 1
    return changed, padding


_COMMENT_AHEAD = re.compile(r" +#")


def _merge(fixes: Iterable[Fix]) -> dict[tuple[int, int], Fix]:
    """One Fix per text value (several findings may fix the same text)."""
    merged: dict[tuple[int, int], Fix] = {}
    for fix in fixes:
        key = fix.at
        if key in merged:
            changes = dict(merged[key].changes) | dict(fix.changes)
            fix = Fix(fix.at, fix.text, tuple(sorted(changes.items())))
        merged[key] = fix
    return merged


def _round_trip(text: str, path: Path) -> tuple[YAML, Any]:
    """A round-trip YAML that writes the file back in its own indentation, and its data."""
    try:
        _, indent, offset = load_yaml_guess_indent(text)
    except Exception as exc:  # the file loaded with PyYAML a moment ago
        raise _unsafe(path, None, f"ruamel.yaml cannot read it ({exc})") from exc
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 1_000_000
    indent, offset = indent or 2, offset or 0
    yaml.indent(mapping=indent - offset, sequence=indent, offset=offset)
    return yaml, yaml.load(text)


def _scalars(node: Any) -> Iterator[tuple[tuple[int, int], Slot]]:
    """(0-based line, column) of every scalar value in the round-trip data."""
    if isinstance(node, CommentedMap):
        for key, value in node.items():
            if isinstance(value, str):
                line, column = node.lc.data[key][2:4]
                yield (line, column), (node, key)
            else:
                yield from _scalars(value)
    elif isinstance(node, CommentedSeq):
        for index, value in enumerate(node):
            if isinstance(value, str):
                line, column = node.lc.data[index]
                yield (line, column), (node, index)
            else:
                yield from _scalars(value)


def _same_style(old: str, new: str) -> str:
    """`new` as the same kind of scalar as `old` (quoted, folded, with its anchor)."""
    if type(old) is str:
        return new
    value = type(old)(new)
    for cls in type(old).__mro__:
        slots = getattr(cls, "__slots__", ())
        for slot in (slots,) if isinstance(slots, str) else slots:
            if hasattr(old, slot):
                setattr(value, slot, getattr(old, slot))
    return value


def _replace_checked(path: Path, text: str, fixes: dict[tuple[int, int], Fix]) -> None:
    """Write `text` next to the file `path` names (a link is followed: the file it points to
    is fixed, the link stays), confirm it loads as the fixed texts, then rename it over."""
    target = path.resolve()
    before = load_document(path)
    wanted = [fixes[(t.span.line, t.span.column)].apply()
              if (t.span.line, t.span.column) in fixes else t.value for t in texts(before)]
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".yaml",
                                             dir=target.parent)
    except OSError as exc:
        raise _unsafe(path, None, f"cannot write beside it ({exc.strerror or exc})") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        after = load_document(Path(temporary))
        if [t.value for t in texts(after)] != wanted:
            raise _unsafe(path, None, "the rewritten file reads back differently")
        os.chmod(temporary, stat.S_IMODE(target.stat().st_mode))
        os.replace(temporary, target)
    except OSError as exc:
        raise _unsafe(path, None, f"writing failed ({exc.strerror or exc})") from None
    finally:
        Path(temporary).unlink(missing_ok=True)


def _unsafe(path: Path, line: int | None, why: str) -> BrochureError:
    return BrochureError(f"cannot fix the file safely: {why}; nothing was changed", path=path,
                         line=line, hint="fix these marks by hand")
