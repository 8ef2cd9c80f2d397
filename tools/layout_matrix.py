"""The layout report of every theme × page size × content: `python tools/layout_matrix.py`.

Builds each combination as a print file into a temporary folder, runs `brochure check
--layout` on it (`builder.inspect.layout`) and prints a Markdown table: pages, blank pages,
pages under half full, and the findings counted by rule. Exit status 1 when any
combination has an error. For example:

  python tools/layout_matrix.py                               # default content, both themes
  python tools/layout_matrix.py content/*.yaml --sizes A4,A5 --themes default
  python tools/layout_matrix.py --details                     # and every finding
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

from builder.build import build
from builder.errors import BrochureError
from builder.inspect.layout import analyze_layout

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("content", nargs="*", type=Path,
                        default=[ROOT / "content" / "xianan-2022.yaml"])
    parser.add_argument("--themes", default="default,newsletter")
    parser.add_argument("--sizes", default="A4,A5,B5,大16开,32开")
    parser.add_argument("--details", action="store_true", help="list every finding")
    args = parser.parse_args()
    failed = False
    rows = ["| content | theme | size | pages | blank | under ½ | errors | warnings | findings |",
            "|---|---|---|---|---|---|---|---|---|"]
    details: list[str] = []
    with tempfile.TemporaryDirectory(prefix="layout-matrix-") as folder:
        for content in args.content:
            for theme in args.themes.split(","):
                for size in args.sizes.split(","):
                    pdf = Path(folder) / f"{content.stem}-{theme}-{size}.pdf"
                    try:
                        build(content, pdf, theme, page_size=size)
                    except BrochureError as error:
                        rows.append(f"| {content.stem} | {theme} | {size} | build failed: "
                                    f"{str(error).splitlines()[0]} |||||")
                        failed = True
                        continue
                    report = analyze_layout(pdf)
                    counts = Counter(f.rule for f in report.findings)
                    errors = report.errors
                    failed = failed or errors > 0
                    found = ", ".join(f"{rule} {n}" for rule, n in sorted(counts.items()))
                    rows.append(f"| {content.stem} | {theme} | {size} | {report.pages} | "
                                f"{len(report.blank_pages)} | {len(report.under_half)} | "
                                f"{errors} | {len(report.findings) - errors} | {found or '–'} |")
                    if args.details:
                        details += [f"{content.stem} {theme} {size}: page {f.page}: "
                                    f"{f.severity}: [{f.rule}] {f.message}"
                                    for f in report.findings]
    print("\n".join(rows + ([""] + details if details else [])))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
