"""Findings: what a check found wanting, one type for the content check (file, line, column),
the typography report and preflight (page, line on the page)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Fix:
    """Characters to replace in one text value, written at `at` (line, column) of its file:
    (index in the text, new character)."""

    at: tuple[int, int]
    text: str
    changes: tuple[tuple[int, str], ...]

    def apply(self) -> str:
        chars = list(self.text)
        for index, char in self.changes:
            chars[index] = char
        return "".join(chars)


@dataclass(frozen=True)
class Finding:
    """One finding. In a content file `line` and `column` say where (1-based); in a PDF,
    `page` and `line` (the line's number among the page's body lines), with the line's
    `text`, the `mark` at fault and a measured `value` where the check measures one."""

    rule: str
    severity: Severity
    message: str
    hint: str = ""
    line: int = 0
    column: int = 0
    page: int | None = None
    text: str = ""
    mark: str = ""
    value: float | None = None
    fix: Fix | None = field(default=None, compare=False, repr=False)
    place: str = ""
    """In a data file (a spreadsheet a table reads): 'data/成绩单.xlsx, sheet 半年, B7'."""

    def format(self, path: str) -> str:
        """`path:line:column: severity: [rule] message` and the hint on a second line."""
        if self.place:
            where = self.place
        elif self.page is not None:
            where = f"{path}: page {self.page}" + (f", line {self.line}" if self.line else "")
        else:
            where = path + (f":{self.line}" if self.line else "") + (
                f":{self.column}" if self.line and self.column else "")
        hint = f"\n  hint: {self.hint}" if self.hint else ""
        return f"{where}: {self.severity}: [{self.rule}] {self.message}{hint}"

    def as_dict(self, path: str) -> dict[str, object]:
        """The finding as JSON data, as `brochure check --format json` prints it."""
        data: dict[str, object] = {"file": path, "line": self.line, "column": self.column,
                                   "rule": self.rule, "severity": self.severity,
                                   "message": self.message, "hint": self.hint,
                                   "fixable": self.fix is not None}
        if self.page is not None:
            data["page"] = self.page
        if self.place:
            data["place"] = self.place
        return data


def summary(findings: Iterable[Finding]) -> tuple[int, int]:
    """Numbers of errors and warnings."""
    findings = list(findings)
    errors = sum(f.severity == "error" for f in findings)
    return errors, len(findings) - errors


def format_text(findings: list[Finding], path: str) -> str:
    errors, warnings = summary(findings)
    lines = [f.format(path) for f in findings]
    lines.append(f"{len(findings)} findings: {errors} errors, {warnings} warnings")
    return "\n".join(lines)


def format_json(findings: list[Finding], path: str) -> str:
    errors, warnings = summary(findings)
    return json.dumps({"file": path, "errors": errors, "warnings": warnings,
                       "findings": [f.as_dict(path) for f in findings]},
                      ensure_ascii=False, indent=2)
