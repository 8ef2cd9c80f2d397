"""Where a finding of the content check is: a file, line and column of the content, or a
file, sheet and cell of a spreadsheet a table reads."""

from __future__ import annotations

from pathlib import Path

from builder.findings import Finding, Fix, Severity
from builder.source.model import Span
from builder.source.texts import Text


def finding_at(text: Text, index: int, rule: str, severity: Severity, message: str, hint: str,
               fix: Fix | None = None) -> Finding:
    """A finding at the text's character `index` (in a spreadsheet: at its cell, and with
    no fix, as `check --fix` edits the content file only)."""
    span = text.span
    if span.file is not None:
        return Finding(rule, severity, f"{text.what}: {message}", hint,
                       place=data_place(span))
    line, column = span.at(index)
    return Finding(rule, severity, f"{text.what}: {message}", hint, line, column, fix=fix)


def data_place(span: Span) -> str:
    """Where a value of a data file is: 'data/成绩单.xlsx, sheet 半年, B7' (the path as
    relative to the working folder as it can be)."""
    assert span.file is not None
    try:
        shown = span.file.relative_to(Path.cwd())
    except ValueError:
        shown = span.file
    return f"{shown}, {span.cell}"
