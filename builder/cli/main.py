"""Command line: `brochure build [CONTENT ...] [-j N]`, `brochure check CONTENT`,
`brochure check --typography PDF`, `brochure check --layout PDF`. Parses arguments only."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from builder.cli.inputs import DIST, find_content, output_for
from builder.errors import BrochureError
from builder.pdf.profile import PRINT, PROFILES, output_profile

DEFAULT_CONTENT_HELP = ("default: the one content file in this folder or in ./content/, else "
                        "the example brochure")


INTERRUPTED = 130
"""The exit status after Ctrl-C (128 + SIGINT), as shells report it."""


def run() -> None:
    """The `brochure` command and `python -m builder`: `main`, then exit at once.

    Tearing the interpreter down frees every object one by one (fonts, pages, pdfium): about
    80 ms of a 0.4 s build, for memory the system takes back anyway. Every file is written
    and closed by then; standard output and error are flushed here. For the same reason the
    garbage collector stays off for the whole process (see `collector_paused`): turning it
    back on at the end would walk everything the command made, only to exit."""
    gc.disable()
    try:
        code = main()
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # the reader left early (`brochure check | head -1`)
        code = 1
    except KeyboardInterrupt:  # Ctrl-C outside `main` (while importing, or flushing)
        print("\nbrochure: interrupted", file=sys.stderr)
        code = INTERRUPTED
    os._exit(code)


@contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection for the block; the collector is left as it was found.

    A build leaves no cyclic garbage to speak of (the same peak memory for a 500-page
    yearbook) and runs about 8 % faster, and reads its font cache 25 % faster, without the
    collector walking its objects. Forked workers inherit the pause. The command line's
    policy: the library (`builder.build.build`) leaves the collector alone."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="brochure", description="Typeset YAML content into a print-ready PDF brochure.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="build a brochure PDF")
    build_cmd.add_argument("content", nargs="*", type=Path,
                           help=f"content YAML, one or more ({DEFAULT_CONTENT_HELP})")
    build_cmd.add_argument("-o", "--output", type=Path,
                           help="output PDF (default: dist/NAME.pdf)")
    build_cmd.add_argument("-j", "--jobs", type=int, metavar="N",
                           help="with several content files: build N at a time in parallel "
                                "processes (default: one per CPU)")
    build_cmd.add_argument("--theme", help="theme name or .yaml path (overrides the content's)")
    build_cmd.add_argument("--profile", choices=tuple(PROFILES), default=PRINT.name,
                           help="print: bleed, crop marks, CMYK, PDF/X-4 (default); "
                                "screen: sRGB, no marks, clickable contents")
    build_cmd.add_argument("--page-size", metavar="SIZE",
                           help="trim size overriding the theme's: A4, A5, B5, 16开, 大16开, "
                                "32开, 大32开 or 'W×H mm'")
    build_cmd.add_argument("--watch", action="store_true",
                           help="rebuild whenever the content, its theme or images change")
    new_cmd = commands.add_parser("new", help="scaffold a new brochure that builds at once")
    new_cmd.add_argument("folder", type=Path)
    preview_cmd = commands.add_parser(
        "preview", help="PNG thumbnails of a PDF's pages and one contact sheet")
    preview_cmd.add_argument("pdf", type=Path)
    preview_cmd.add_argument("--out", type=Path, help="folder (default: NAME-preview/)")
    preview_cmd.add_argument("--width", type=int, default=300, help="pixels per page")
    themes_cmd = commands.add_parser(
        "themes", help="list the themes; with --out, write a preview sheet of each")
    themes_cmd.add_argument("names", nargs="*", metavar="THEME",
                            help="theme names or .yaml paths (default: every shipped theme)")
    themes_cmd.add_argument("--out", type=Path,
                            help="folder for the preview sheets, NAME.png each: the example "
                                 "content (or --content) built in the theme, every page")
    themes_cmd.add_argument("--content", type=Path, help="content for the preview sheets")
    schema_cmd = commands.add_parser(
        "schema", help="write the JSON Schemas of content and theme files")
    schema_cmd.add_argument("--out", type=Path,
                            help="folder (default: .schemas, where `brochure new` puts them; "
                                 "the package's own are in builder/data/schemas)")
    impose_cmd = commands.add_parser(
        "impose", help="impose a print PDF as a press-ready saddle-stitch booklet",
        description="Two pages per sheet side in printer's order, at 100 %% with their bleed "
                    "on the outer edges, clipped at the fold, with crop, fold and registration "
                    "marks, the source's output intent and PDF/X-4 keys; passes `brochure "
                    "preflight` when its source does. --proof makes the old desktop proof "
                    "instead (scaled to fit, no bleed, no marks, no metadata), which is not "
                    "for a press and does not pass preflight.")
    impose_cmd.add_argument("pdf", type=Path)
    impose_cmd.add_argument("-o", "--output", type=Path,
                            help="booklet PDF (default: NAME-booklet.pdf beside the input)")
    impose_cmd.add_argument("--sheet", help="press sheet: auto (default: SRA3 where the pages "
                                            "with bleed and marks fit, else the smallest that "
                                            "holds them), SRA3, SRA4, A3, B3… or '450×320 mm'; "
                                            "with --proof: twice the page unless given")
    impose_cmd.add_argument("--creep", type=float, metavar="MM",
                            help="paper thickness in mm for creep: the pages of sheet k (0 the "
                                 "outermost) move k × MM towards the fold; 0 turns it off "
                                 "(default: the default theme's print.caliper, 0.1)")
    impose_cmd.add_argument("--proof", action="store_true",
                            help="desktop proof: pages scaled to fit the sheet, no bleed, no "
                                 "marks, no metadata (not press-ready; fails preflight)")
    preflight_cmd = commands.add_parser("preflight", help="check a PDF as a print shop does")
    preflight_cmd.add_argument("pdf", type=Path)
    preflight_cmd.add_argument("--profile", choices=tuple(PROFILES), default=PRINT.name)
    preflight_cmd.add_argument("--format", choices=("text", "json"), default="text")
    release_cmd = commands.add_parser(
        "release", help="print PDF, screen PDF, booklet, preflight report and SHA256SUMS")
    release_cmd.add_argument("content", nargs="?", type=Path, help=DEFAULT_CONTENT_HELP)
    release_cmd.add_argument("--theme")
    check_cmd = commands.add_parser(
        "check", help="check content, and lay it out in memory, without writing a PDF")
    check_cmd.add_argument("content", nargs="?", type=Path, help=DEFAULT_CONTENT_HELP)
    measured = check_cmd.add_mutually_exclusive_group()
    measured.add_argument("--typography", type=Path, metavar="PDF",
                          help="instead of content checks, report how the PDF's Chinese body "
                               "text is set (clreq); exit 1 on forbidden line starts/ends, "
                               "孤字, ragged lines, or body lines off the baseline grid "
                               "when the PDF's theme sets one (design.grid)")
    measured.add_argument("--layout", type=Path, metavar="PDF",
                          help="instead of content checks, report how the PDF's pages are "
                               "composed (fill, blank pages, collisions, ink past the bleed, "
                               "marks, table splits, lone lines, running heads); exit 1 on "
                               "errors")
    check_cmd.add_argument("--body-size", type=_type_size, metavar="PT",
                           help="with --typography: body type size (default: the most common)")
    check_cmd.add_argument("--format", choices=("text", "json"), default="text",
                           help="output format (default: text)")
    check_cmd.add_argument("--fix", action="store_true",
                           help="rewrite the content file, replacing half-width punctuation "
                                "in Chinese text and full-width digits (comments stay)")
    args = parser.parse_args(argv)
    if args.command == "build" and len(args.content) > 1 and args.output is not None:
        build_cmd.error("-o/--output names one PDF; several content files are each built "
                        f"into {DIST}/NAME.pdf")
    if args.command == "build" and args.jobs is not None and args.jobs < 1:
        build_cmd.error("-j/--jobs must be at least 1")
    if args.command == "check" and args.typography is None and args.body_size is not None:
        check_cmd.error("--body-size needs --typography")
    if args.command == "check" and args.typography is not None and args.fix:
        check_cmd.error("--fix works on content files, not with --typography")
    if args.command == "check" and args.layout is not None and (args.fix or args.content):
        check_cmd.error("--layout reads a PDF: give no content file and no --fix")
    if getattr(args, "theme", None) and args.theme.endswith((".yaml", ".yml")):
        args.theme = str(Path(args.theme).resolve())  # typed here: from the working folder
    try:
        if args.command == "build" and not args.content:
            args.content = [find_content(Path.cwd())]
        elif args.command in ("check", "release") and args.content is None \
                and getattr(args, "typography", None) is None \
                and getattr(args, "layout", None) is None:
            args.content = find_content(Path.cwd())
        commands_run = {"build": _build, "check": _check, "impose": _impose,
                        "preflight": _preflight, "release": _release, "new": _new,
                        "preview": _preview, "schema": _schema, "themes": _themes}
        watching = args.command == "build" and args.watch  # it pauses each rebuild
        with nullcontext() if watching else collector_paused():
            return commands_run[args.command](args)
    except BrochureError as error:
        if args.debug:
            raise
        print(error, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        if args.debug:
            raise
        print("\nbrochure: interrupted; no file was left half-written",
              file=sys.stderr)
        return INTERRUPTED


def _type_size(text: str) -> float:
    """A type size in points as typed after --body-size: a finite number from 4 to 200."""
    try:
        size = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of points") from None
    if not 4 <= size <= 200:  # also false for nan
        raise argparse.ArgumentTypeError(f"{text} pt is not a type size (4 to 200 pt)")
    return size


def _build(args: argparse.Namespace) -> int:
    if len(args.content) > 1:
        return _build_many(args)
    args.content = args.content[0]
    if args.watch:
        return _watch(args)
    return _build_one(args)


def _build_one(args: argparse.Namespace) -> int:
    from builder.build import build
    output = args.output or output_for(args.content)
    result = build(args.content, output, args.theme, profile=args.profile,
                   page_size=args.page_size, progress=_progress())
    for finding in result.findings:
        print(finding.format(str(args.content)), file=sys.stderr)
    print(f"built {result.output}: {result.pages} pages, {result.size / 1024:.0f} KB, "
          f"{result.seconds:.2f} s, sha256 {result.sha256}")
    if result.cover is not None:
        print(f"and its cover spread {result.cover} (perfect binding: back, {result.spine}, "
              "front)")
    return 0


def _build_many(args: argparse.Namespace) -> int:
    """Several content files, each to dist/NAME.pdf; exit 2 if any of them failed."""
    import time

    from builder.cli.batch import Outcome, build_many, default_jobs, output_paths, summary_table
    started = time.perf_counter()
    outputs = output_paths(args.content, DIST)
    options = {"theme_name": args.theme, "profile": args.profile, "page_size": args.page_size}
    finished = 0

    def report(outcome: Outcome) -> None:
        nonlocal finished
        finished += 1
        state = f"built {outcome.output}" if outcome.ok else "FAILED"
        print(f"[{finished}/{len(outputs)}] {outcome.content}: {state}", flush=True)
        if outcome.message:
            print(outcome.message, file=sys.stderr, flush=True)

    outcomes = build_many(args.content, outputs, options, args.jobs or default_jobs(), report,
                          debug=args.debug)
    print(summary_table(outcomes, time.perf_counter() - started))
    return 2 if any(not o.ok for o in outcomes) else 0


def _check(args: argparse.Namespace) -> int:
    if args.typography is not None:
        return _check_typography(args)
    if args.layout is not None:
        return _check_layout(args)
    from builder.build import check_file
    from builder.findings import format_json, format_text, summary
    _, findings = check_file(args.content)
    if args.fix:
        from builder.rules.fix import apply_fixes
        changed = apply_fixes(args.content, [f.fix for f in findings if f.fix])
        print(f"fixed {changed} characters in {args.content}", file=sys.stderr)
        _, findings = check_file(args.content)
    path = str(args.content)
    print(format_json(findings, path) if args.format == "json" else format_text(findings, path))
    return 1 if summary(findings)[0] else 0


def _check_typography(args: argparse.Namespace) -> int:
    from builder.inspect.typography import analyze_pdf, format_json, format_report
    report = analyze_pdf(args.typography, args.body_size)
    print(format_json(report) if args.format == "json" else format_report(report))
    return 0 if report.passed else 1


def _check_layout(args: argparse.Namespace) -> int:
    from builder.inspect.layout import analyze_layout, format_json, format_report
    report = analyze_layout(args.layout)
    print(format_json(report) if args.format == "json" else format_report(report))
    return 0 if report.ok else 1


def _impose(args: argparse.Namespace) -> int:
    from builder.files import write_atomically
    from builder.pdf.impose import DEFAULT_CALIPER, impose
    from builder.source.theme import MM
    output = args.output or args.pdf.with_name(f"{args.pdf.stem}-booklet.pdf")
    creep = DEFAULT_CALIPER / MM if args.creep is None else args.creep
    if not 0 <= creep <= 1:
        raise BrochureError(f"--creep {creep:g}: the paper's thickness is 0 to 1 mm",
                            hint="e.g. --creep 0.1 (80 g/m² offset paper), or 0 for no creep")
    imposed = impose(args.pdf, args.sheet, proof=args.proof, caliper=creep * MM)
    sha = write_atomically(imposed.pdf, output, "pdf", [args.pdf])
    order = "  ".join(f"[{left or '-'}|{right or '-'}]" for left, right in imposed.sides)
    size = "{:.0f}×{:.0f} mm".format(*imposed.sheet_mm)
    sheet = size if imposed.sheet == size else f"{imposed.sheet} ({size})"
    what = "proof" if imposed.proof else "press-ready"
    print(f"imposed {output} ({what}): {imposed.pages} pages + {imposed.blanks} blank on "
          f"{len(imposed.sides) // 2} sheets of {sheet}, sha256 {sha}")
    if any(imposed.shifts):
        print("creep per sheet (mm, outermost first): "
              + " ".join(f"{shift / MM:.2f}" for shift in imposed.shifts))
    for note in imposed.notes:
        print(f"note: {note}")
    print(f"sheet sides (front, back, ...): {order}")
    return 0


def _preflight(args: argparse.Namespace) -> int:
    from builder.inspect.preflight import preflight
    report = preflight(args.pdf, output_profile(args.profile))
    print(report.to_json() if args.format == "json" else report.to_text())
    return 1 if report.errors else 0


def _release(args: argparse.Namespace) -> int:
    from builder.cli.release import release, summary
    made = release(args.content, DIST, args.theme)
    for path in made.files:
        print(f"  {path}")
    print(summary(made.reports))
    blanks = f", {made.blanks} blank page(s) added for the booklet" if made.blanks else ""
    print(f"released {made.folder}: preflight {'PASS' if made.ok else 'FAIL'} "
          f"({len(made.reports)} PDFs){blanks}")
    return 0 if made.ok else 1


def _progress():
    """Pages laid out so far, on one terminal line (only when stderr is a terminal)."""
    if not sys.stderr.isatty():
        return None

    def show(page: int) -> None:
        if page % 10 == 0:
            print(f"\rlaying out page {page}…", end="", file=sys.stderr, flush=True)
    return show


def _watch(args: argparse.Namespace) -> int:
    from builder.cli.watch import watch

    def rebuild() -> None:
        with collector_paused():
            _build_one(args)
        gc.collect()  # between rebuilds, what they left (the collector may be off: `run`)

    def report(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        watch(args.content, args.theme, rebuild, report)
    except KeyboardInterrupt:
        print("stopped watching", file=sys.stderr)
    return 0


def _new(args: argparse.Namespace) -> int:
    from builder.cli.scaffold import scaffold
    for path in scaffold(args.folder):
        print(f"  {path}")
    print(f"new brochure in {args.folder}: cd {args.folder} && brochure build")
    return 0


def _preview(args: argparse.Namespace) -> int:
    from builder.inspect.preview import preview
    made = preview(args.pdf, args.out, args.width)
    print(f"{len(made.pages)} page images and {made.sheet}")
    return 0


def _themes(args: argparse.Namespace) -> int:
    from builder.cli.themes import preview_sheets, themes
    found = themes(args.names)
    for info in found:
        print(info.line())
    if args.out is not None:
        for path in preview_sheets(found, args.out, args.content):
            print(f"wrote {path}")
    return 0


def _schema(args: argparse.Namespace) -> int:
    from builder.cli.schema import write_schemas
    for path in write_schemas(args.out or Path(".schemas")):
        print(f"wrote {path}")
    return 0
