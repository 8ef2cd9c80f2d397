"""Command line: `brochure build [CONTENT]`, `brochure check CONTENT`,
`brochure check --typography PDF`. Parses arguments only."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from builder.errors import BrochureError

DEFAULT_CONTENT = Path("content/xianan-2022.yaml")
DIST = Path("dist")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="brochure", description="Typeset YAML content into a print-ready PDF brochure.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="build a brochure PDF")
    build_cmd.add_argument("content", nargs="?", type=Path, default=DEFAULT_CONTENT,
                           help=f"content YAML (default: {DEFAULT_CONTENT})")
    build_cmd.add_argument("-o", "--output", type=Path,
                           help="output PDF (default: dist/NAME.pdf)")
    build_cmd.add_argument("--theme", help="theme name or .yaml path (overrides the content's)")
    build_cmd.add_argument("--profile", choices=("print", "screen"), default="print",
                           help="print: bleed, crop marks, CMYK, PDF/X-4 (default); "
                                "screen: RGB, no marks, clickable contents")
    build_cmd.add_argument("--page-size", metavar="SIZE",
                           help="trim size overriding the theme's: A4, A5, B5, 16开, 大16开, "
                                "32开, 大32开 or 'W×H mm'")
    check_cmd = commands.add_parser("check", help="check content without building")
    check_cmd.add_argument("content", nargs="?", type=Path, default=DEFAULT_CONTENT)
    check_cmd.add_argument("--typography", type=Path, metavar="PDF",
                           help="instead of content checks, report how the PDF's Chinese body "
                                "text is set (clreq); exit 1 on forbidden line starts/ends, "
                                "孤字 or ragged lines")
    check_cmd.add_argument("--body-size", type=float, metavar="PT",
                           help="with --typography: body type size (default: the most common)")
    check_cmd.add_argument("--format", choices=("text", "json"), default="text",
                           help="with --typography: output format (default: text)")
    args = parser.parse_args(argv)
    if args.command == "check" and args.typography is None and (
            args.body_size is not None or args.format != "text"):
        check_cmd.error("--body-size and --format need --typography")
    try:
        if args.command == "build":
            return _build(args)
        return _check(args)
    except BrochureError as error:
        if args.debug:
            raise
        print(error, file=sys.stderr)
        return 2


def _build(args: argparse.Namespace) -> int:
    from builder.build import build
    output = args.output or DIST / f"{args.content.stem}.pdf"
    result = build(args.content, output, args.theme, profile=args.profile,
                   page_size=args.page_size)
    for finding in result.findings:
        print(finding.format(str(args.content)), file=sys.stderr)
    print(f"built {result.output}: {result.pages} pages, {result.size / 1024:.0f} KB, "
          f"{result.seconds:.2f} s, sha256 {result.sha256}")
    return 0


def _check(args: argparse.Namespace) -> int:
    if args.typography is not None:
        return _check_typography(args)
    from builder.check import check_document
    from builder.load import load_document
    from builder.theme import load_theme, theme_path
    from builder.typeset import register_theme_fonts
    document = load_document(args.content)
    fonts = register_theme_fonts(load_theme(theme_path(document.theme, args.content.parent)))
    findings = check_document(document, fonts.faces)
    for finding in findings:
        print(finding.format(str(args.content)))
    errors = sum(f.severity == "error" for f in findings)
    print(f"{len(findings)} findings, {errors} errors")
    return 1 if errors else 0


def _check_typography(args: argparse.Namespace) -> int:
    from builder.typography import analyze_pdf, format_json, format_report
    report = analyze_pdf(args.typography, args.body_size)
    print(format_json(report) if args.format == "json" else format_report(report))
    return 0 if report.ok else 1
