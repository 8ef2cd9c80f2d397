"""ReportLab's platypus for the layout modules, imported without its one costly line.

Every module of this package takes names from platypus, and from reportlab.graphics (which
imports platypus), through here; ruff's banned-api rule keeps it so. Importing platypus the
plain way costs one avoidable regex compilation:
`reportlab.platypus.paragraph` compiles a URL pattern (`uri_pat`) when it is imported. Its
case-insensitive ranges up to U+FFFF take about 45 ms to compile, a tenth of a whole build,
and only ReportLab's own `Paragraph` uses it (to hyphenate URLs), never this tool's composer.
`defer_uri_pattern` imports it while `private.lazy_uri_pattern` has put a stand-in for that
exact pattern into `re`'s cache, so the module gets the stand-in, which compiles the real
pattern the first time it is used. When ReportLab changes the pattern, nothing happens but
the old cost.
"""

from __future__ import annotations

import sys

from builder.engine.private import lazy_uri_pattern


def defer_uri_pattern() -> None:
    """Import `reportlab.platypus.paragraph` with a lazy `uri_pat` (see the module docstring)."""
    if "reportlab.platypus.paragraph" in sys.modules:
        return
    with lazy_uri_pattern():
        import reportlab.platypus.paragraph  # noqa: F401


defer_uri_pattern()

from reportlab.graphics import renderPDF  # noqa: E402
from reportlab.graphics.shapes import Drawing, Line, Rect, String  # noqa: E402
from reportlab.graphics.shapes import Image as GraphicsImage  # noqa: E402
from reportlab.platypus import (  # noqa: E402  (after the deferral, on purpose)
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

__all__ = ["BalancedColumns", "BaseDocTemplate",
           "CondPageBreak", "Drawing", "Flowable", "Frame", "GraphicsImage", "KeepInFrame",
           "KeepTogether",
           "LayoutError", "Line", "NextPageTemplate", "PageBreak", "PageTemplate", "Rect",
           "Spacer", "String", "Table", "TableStyle", "renderPDF"]
