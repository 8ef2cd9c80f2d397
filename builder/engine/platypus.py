"""ReportLab's platypus for the layout modules, imported without its one costly line.

Every module of this package takes names from platypus, and from reportlab.graphics (which
imports platypus), through here; ruff's banned-api rule keeps it so. Importing platypus the
plain way costs one avoidable regex compilation:
`reportlab.platypus.paragraph` compiles a URL pattern (`uri_pat`) when it is imported. Its
case-insensitive ranges up to U+FFFF take about 45 ms to compile, a tenth of a whole build,
and only ReportLab's own `Paragraph` uses it (to hyphenate URLs), never this tool's composer.
`defer_uri_pattern` puts a stand-in for that exact pattern into `re`'s cache, so the import
gets the stand-in, which compiles the real pattern the first time it is used. When ReportLab
changes the pattern, the key no longer matches and nothing happens but the old cost.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from pathlib import Path
from typing import Any


class LazyPattern:
    """Behaves as the compiled pattern; compiles it on first use."""

    def __init__(self, pattern: str, flags: int) -> None:
        self.source = (pattern, flags)
        self.compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> Any:
        if self.compiled is None:
            self.compiled = re.compile(*self.source)
        return getattr(self.compiled, name)


def uri_pattern() -> tuple[str, int] | None:
    """The pattern and flags of `uri_pat` as written in the installed ReportLab."""
    spec = importlib.util.find_spec("reportlab")
    if spec is None or spec.origin is None:
        return None
    source = Path(spec.origin).parent / "platypus" / "paragraph.py"
    try:
        with source.open(encoding="utf-8") as lines:
            line = next((line for line in lines if line.startswith("uri_pat = re.compile(")), "")
        call = ast.parse(line).body[0].value  # type: ignore[attr-defined]
        pattern = ast.literal_eval(call.args[0])
        flags = re.IGNORECASE if ast.unparse(call.args[1]) == "re.I" else None
    except (OSError, SyntaxError, ValueError, IndexError, AttributeError):
        return None
    if not isinstance(pattern, str) or flags is None:
        return None
    return pattern, int(flags)


def defer_uri_pattern() -> None:
    """Give `reportlab.platypus.paragraph` a lazy `uri_pat` (see the module docstring)."""
    if "reportlab.platypus.paragraph" in sys.modules:
        return
    found = uri_pattern()
    if found is None:
        return
    pattern, flags = found
    key = (str, pattern, flags)
    caches = [cache for cache in (getattr(re, "_cache", None), getattr(re, "_cache2", None))
              if isinstance(cache, dict)]
    for cache in caches:
        cache[key] = LazyPattern(pattern, flags)
    try:
        import reportlab.platypus.paragraph  # noqa: F401
    finally:
        for cache in caches:
            cache.pop(key, None)


defer_uri_pattern()

from reportlab.graphics import renderPDF  # noqa: E402
from reportlab.graphics.renderbase import STATE_DEFAULTS  # noqa: E402
from reportlab.graphics.shapes import Drawing, Line, Rect, String  # noqa: E402
from reportlab.platypus import (  # noqa: E402  (after the deferral, on purpose)
    ActionFlowable,
    BalancedColumns,
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepInFrame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import LayoutError  # noqa: E402

__all__ = ["STATE_DEFAULTS", "ActionFlowable", "BalancedColumns", "BaseDocTemplate",
           "CondPageBreak", "Drawing", "Flowable", "Frame", "KeepInFrame", "KeepTogether",
           "LayoutError", "Line", "NextPageTemplate", "PageBreak", "PageTemplate", "Rect",
           "Spacer", "String", "Table", "TableStyle", "renderPDF"]
