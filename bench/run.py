"""Benchmark: prints build and composition figures. Not a test; run `python bench/run.py`.

Figures: whole-process `brochure build` time of the default brochure (median of 5), the PDF's
size and pages, and the composer's time per 1000 lines against ReportLab's plain Paragraph
(wordWrap='CJK') setting the same paragraphs at the same width.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.platypus import Paragraph as PlainParagraph  # noqa: E402

from builder.compose import _compose as compose_uncached  # noqa: E402
from builder.compose import parse_emphasis  # noqa: E402
from builder.load import load_document  # noqa: E402
from builder.model import Paragraph  # noqa: E402
from builder.theme import load_theme, theme_path  # noqa: E402
from builder.typeset import Typesetter, register_theme_fonts  # noqa: E402

CONTENT = ROOT / "content" / "xianan-2022.yaml"


def whole_process(runs: int = 5) -> tuple[float, str]:
    times, line = [], ""
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(runs):
            started = time.perf_counter()
            result = subprocess.run([sys.executable, "-m", "builder", "build", str(CONTENT),
                                     "-o", str(Path(folder) / "b.pdf")], cwd=ROOT,
                                    capture_output=True, text=True, check=True)
            times.append(time.perf_counter() - started)
            line = result.stdout.strip()
    return statistics.median(times), line


def composition(repeat: int = 20) -> tuple[float, float, int]:
    """Seconds per 1000 lines: our composer, and ReportLab's plain CJK Paragraph."""
    theme = load_theme(theme_path("default"))
    typesetter = Typesetter(theme, register_theme_fonts(theme))
    style = typesetter.text_style("body", "justify")
    texts = [b.text for p in load_document(CONTENT).parts for b in p.blocks
             if isinstance(b, Paragraph)] * repeat
    started = time.perf_counter()
    lines = sum(len(compose_uncached(parse_emphasis(t), style, theme.text_width))
                for t in texts)
    ours = time.perf_counter() - started
    plain_style = ParagraphStyle("plain", fontName=style.font, fontSize=style.size,
                                 leading=style.leading, wordWrap="CJK", firstLineIndent=21)
    started = time.perf_counter()
    for text in texts:
        PlainParagraph(text, plain_style).wrap(theme.text_width, 10_000)
    plain = time.perf_counter() - started
    return ours / lines * 1000, plain / lines * 1000, lines


def main() -> None:
    median, line = whole_process()
    print(f"default brochure, whole process (median of 5): {median:.2f} s")
    print(f"  {line}")
    ours, plain, lines = composition()
    print(f"composition, {lines} lines: {ours * 1000:.1f} ms per 1000 lines "
          f"(ReportLab plain Paragraph: {plain * 1000:.1f} ms; ratio {ours / plain:.1f}x)")


if __name__ == "__main__":
    main()
