"""Benchmark: prints build figures. Not a test; run `python bench/run.py [--copies N]`, or
`python bench/run.py --profile default|yearbook` for a cProfile of one warm build.

Every build is a whole `python -m builder build` process, timed from the outside, with its
peak memory (maximum resident set size) read from the kernel. Bytecode is compiled once, as an
install does, into the benchmark's temporary folder (PYTHONPYCACHEPREFIX), and each kind of
run is made once untimed before the timed rounds. The figures:

* the default brochure, cold (empty font cache) and warm, median of 5;
* a "yearbook": the default content with its parts repeated 40 times (each copy's texts
  numbered, so the content check does not reject them as duplicates), median of 3;
* the same texts set with ReportLab's plain `Paragraph` (wordWrap='CJK', the same fonts and
  width, no cache) in a process of its own: the baseline every figure is divided by, timed
  in turn with the builds it is compared to (run 1 of each, run 2 of each, ...);
* the composer alone, per 1000 lines, against the plain `Paragraph` wrapping the same texts;
* how many layout passes a build makes (pages begun / pages in the PDF);
* the economy test text (tables from a 60-row .xlsx and a GB18030 .csv, charts), warm.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONTENT = ROOT / "content" / "xianan-2022.yaml"
TABLES = ROOT / "tests" / "data" / "economy" / "economy.yaml"
"""Issue 14's test text: tables from the content, a 60-row .xlsx and a GB18030 .csv."""
BUILD_SECONDS = re.compile(r"([\d.]+) s\b")


@dataclass(frozen=True)
class Run:
    """One whole-process run: wall seconds, peak RSS in MB, the PDF's pages and bytes."""

    seconds: float
    peak_mb: float
    pages: int
    size: int
    stage_seconds: float | None
    """The build's own time as it prints it (no interpreter start, no imports)."""


def run_process(command: list[str], output: Path, env: dict[str, str]) -> Run:
    """Run a child process; wall time and its own peak RSS (wait4), then read the PDF."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{stdout}{stderr}")
    match = BUILD_SECONDS.search(stdout)
    return Run(seconds, usage.ru_maxrss / 1024, pdf_pages(output), output.stat().st_size,
               float(match.group(1)) if match else None)


def pdf_pages(path: Path) -> int:
    import pypdfium2
    document = pypdfium2.PdfDocument(path)
    try:
        return len(document)
    finally:
        document.close()


def median_run(runs: list[Run]) -> Run:
    """Median time and stage time, highest peak memory; pages and size of the last run."""
    stages = [r.stage_seconds for r in runs if r.stage_seconds is not None]
    return Run(statistics.median(r.seconds for r in runs), max(r.peak_mb for r in runs),
               runs[-1].pages, runs[-1].size, statistics.median(stages) if stages else None)


@dataclass(frozen=True)
class Job:
    """A command the benchmark times: its PDF, and its environment for run n (-1: warm-up)."""

    command: list[str]
    output: Path
    env_of: Callable[[int], dict[str, str]]


def interleaved_runs(jobs: list[Job], runs: int) -> list[Run]:
    """One untimed run of each job (it compiles the bytecode and fills a warm cache), then
    `runs` rounds that run every job once, in turn: the machines here change speed by half
    within minutes, and a ratio is only fair between runs made in the same moment."""
    for job in jobs:
        run_process(job.command, job.output, job.env_of(-1))
    timed: list[list[Run]] = [[] for _ in jobs]
    for n in range(runs):
        for job, results in zip(jobs, timed, strict=True):
            results.append(run_process(job.command, job.output, job.env_of(n)))
    return [median_run(results) for results in timed]


def build_job(content: Path, folder: Path, *, cold: bool) -> Job:
    """Builds of `content`; cold: each with an empty font cache, else a filled one."""
    output = folder / f"{content.stem}{'-cold' if cold else ''}.pdf"
    command = [sys.executable, "-m", "builder", "build", str(content), "-o", str(output)]
    return Job(command, output, lambda n: child_env(
        folder, folder / (f"fonts-cold-{n}" if cold else "fonts-warm")))


def plain_job(content: Path, folder: Path) -> Job:
    """The same texts set by ReportLab's plain Paragraph, whole process (see `plain_main`)."""
    output = folder / f"{content.stem}-plain.pdf"
    command = [sys.executable, str(Path(__file__).resolve()), "--plain", str(content),
               str(output)]
    return Job(command, output, lambda n: child_env(folder))


def child_env(folder: Path, font_cache: Path | None = None) -> dict[str, str]:
    """A timed process's environment: bytecode cached as after an install, but in the
    benchmark's temporary folder (never in the repository); fonts cached in `font_cache`."""
    env = dict(os.environ, PYTHONPYCACHEPREFIX=str(folder / "bytecode"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if font_cache is not None:
        env["XDG_CACHE_HOME"] = str(font_cache)
    return env


def profile(content: Path, folder: Path, top: int = 30) -> None:
    """cProfile of one warm whole-process build: the functions taking the most time."""
    import pstats

    stats, output = folder / "build.prof", folder / "profiled.pdf"
    # the command's main(), not `python -m builder`: its fast exit would skip writing stats
    script = folder / "profiled_build.py"
    script.write_text("import gc, sys\nfrom builder.cli.main import main\n"
                      "gc.disable()\nsys.exit(main(sys.argv[1:]))\n", encoding="utf-8")
    command = [sys.executable, "-m", "cProfile", "-o", str(stats), str(script), "build",
               str(content), "-o", str(output)]
    interleaved_runs([Job(command, output, lambda n: child_env(folder, folder / "fonts-warm"))],
                     1)
    for order in ("cumulative", "tottime"):
        pstats.Stats(str(stats)).sort_stats(order).print_stats(top)


# --------------------------------------------------------------------------- yearbook


def write_yearbook(folder: Path, copies: int) -> Path:
    """The default content with its parts repeated `copies` times, as a YAML file in `folder`.

    The main text of each block of copy n > 1 (paragraph, quote, heading, caption, table
    title) ends in "（n）", so that the content check finds no repeated paragraph or part;
    part titles and headlines repeat as they would in a yearbook of similar chapters. Its
    theme (beside it) is the default, perfect-bound: no saddle stitch closes 300 pages.
    """
    import yaml

    data = yaml.safe_load(CONTENT.read_text(encoding="utf-8"))
    parts = []
    for copy in range(1, copies + 1):
        for part in data["parts"]:
            part = dict(part, blocks=[_numbered(block, copy) for block in part["blocks"]])
            parts.append(part)
    data["parts"] = parts
    theme = folder / "yearbook-theme.yaml"  # a book this long is glued, not stapled
    theme.write_text("name: yearbook\nextends: default\nprint:\n  binding: perfect\n",
                     encoding="utf-8")
    data["theme"] = theme.name
    path = folder / f"yearbook-{copies}x.yaml"
    class NoAliases(yaml.SafeDumper):
        def ignore_aliases(self, data: object) -> bool:
            return True

    path.write_text(yaml.dump(data, Dumper=NoAliases, allow_unicode=True, sort_keys=False,
                              width=1000), encoding="utf-8")
    return path


def _numbered(block: dict, copy: int) -> dict:
    """The block with its main text numbered (copy 1 as it is)."""
    if copy == 1:
        return block
    for key in ("paragraph", "quote", "heading", "figure", "scorecard"):
        if isinstance(block.get(key), str):
            return dict(block, **{key: f"{block[key]}（{copy}）"})
    return block


# --------------------------------------------------------------------------- baseline


def plain_main(content: Path, output: Path) -> None:
    """Set every text of `content` with ReportLab's plain Paragraph (CJK wrap), one part per
    page run, at the theme's width and sizes, with the theme's fonts parsed afresh."""
    import yaml
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import PageBreak, SimpleDocTemplate
    from reportlab.platypus import Paragraph as PlainParagraph

    settings = json.loads(os.environ["BENCH_PLAIN"])
    for name, path in settings["fonts"].items():
        pdfmetrics.registerFont(TTFont(name, path))
    body = ParagraphStyle("body", fontName=settings["body"], fontSize=settings["size"],
                          leading=settings["leading"], wordWrap="CJK",
                          firstLineIndent=2 * settings["size"])
    head = ParagraphStyle("head", parent=body, fontName=settings["heading"],
                          fontSize=settings["heading_size"],
                          leading=settings["heading_leading"], firstLineIndent=0)
    data = yaml.safe_load(content.read_text(encoding="utf-8"))
    story: list = []
    meta = data["meta"]
    for key in ("kicker", "title", "subtitle", "lead"):
        if meta.get(key):
            story.append(PlainParagraph(_escape(meta[key]), head))
    for part in data["parts"]:
        story.append(PageBreak())
        for key in ("title", "headline", "tag"):
            if part.get(key):
                story.append(PlainParagraph(_escape(part[key]), head))
        for block in part["blocks"]:
            for text in _block_texts(block):
                story.append(PlainParagraph(_escape(text), body))
    width, page = settings["width"], settings["page"]
    margin = (page[0] - width) / 2
    SimpleDocTemplate(str(output), pagesize=page, leftMargin=margin, rightMargin=margin,
                      invariant=1).build(story)


def _block_texts(block: dict) -> list[str]:
    if "scorecard" in block:
        return [block["scorecard"]] + [
            " ".join(str(row.get(k) or "") for k in ("metric", "qualifier", "from", "value",
                                                      "unit", "change", "remark"))
            for row in block["rows"]]
    for key in ("paragraph", "heading", "figure"):
        if key in block:
            return [block[key]]
    if "quote" in block:
        return [block["quote"] + (block.get("source") or "")]
    return []


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain_settings() -> str:
    """The theme's fonts, body size, leading and text width, for the baseline process."""
    from builder.source.theme import load_theme, theme_path
    from builder.typeset.typesetter import register_theme_fonts

    theme = load_theme(theme_path("default"))
    fonts = register_theme_fonts(theme)
    body, heading = theme.style("body"), theme.style("heading")
    return json.dumps({
        "fonts": {face.name: str(face.path) for face in fonts.faces},
        "body": fonts.name(body), "heading": fonts.name(heading),
        "size": body.size, "leading": body.leading, "heading_size": heading.size,
        "heading_leading": heading.leading, "width": theme.text_width,
        "page": [theme.page_width, theme.page_height]})


# --------------------------------------------------------------------------- in-process


def layout_passes() -> tuple[int, int, int]:
    """(document builds, pages begun, pages in the PDF) of one in-process default build."""
    from reportlab.platypus.doctemplate import BaseDocTemplate

    from builder.build import build

    counts = {"build": 0, "page": 0}
    original_build, original_begin = BaseDocTemplate.build, BaseDocTemplate.handle_pageBegin

    def counting_build(self, *args, **kwargs):
        counts["build"] += 1
        return original_build(self, *args, **kwargs)

    def counting_begin(self, *args, **kwargs):
        counts["page"] += 1
        return original_begin(self, *args, **kwargs)

    BaseDocTemplate.build, BaseDocTemplate.handle_pageBegin = counting_build, counting_begin
    try:
        with tempfile.TemporaryDirectory() as folder:
            result = build(CONTENT, Path(folder) / "b.pdf")
    finally:
        BaseDocTemplate.build, BaseDocTemplate.handle_pageBegin = original_build, original_begin
    return counts["build"], counts["page"], result.pages


def composition(repeat: int = 20) -> tuple[float, float, int]:
    """Seconds per 1000 lines: our composer, and ReportLab's plain CJK Paragraph."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph as PlainParagraph

    from builder.source.content import load_document
    from builder.source.model import Paragraph
    from builder.source.theme import load_theme, theme_path
    from builder.typeset.compose import _compose as compose_uncached
    from builder.typeset.compose import parse_emphasis
    from builder.typeset.typesetter import Typesetter, register_theme_fonts

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
                                 leading=style.leading, wordWrap="CJK",
                                 firstLineIndent=style.indent * style.size)
    started = time.perf_counter()
    for text in texts:
        PlainParagraph(text, plain_style).wrap(theme.text_width, 10_000)
    plain = time.perf_counter() - started
    return ours / lines * 1000, plain / lines * 1000, lines


def imposition(folder: Path, repeat: int = 5) -> tuple[float, int]:
    """The fastest of `repeat` in-process impositions of the default brochure's print file
    as a press-ready SRA3 booklet (seconds), and its sheet sides."""
    from builder.build import build
    from builder.pdf.impose import impose

    source = build(CONTENT, folder / "impose-source.pdf").output
    best, sides = float("inf"), 0
    for _ in range(repeat):
        started = time.perf_counter()
        sides = len(impose(source).sides)
        best = min(best, time.perf_counter() - started)
    return best, sides


# --------------------------------------------------------------------------- report


def row(label: str, run: Run, plain: Run) -> str:
    per_page = run.seconds / run.pages * 1000
    return (f"  {label:<22} {run.seconds:6.2f} s ({run.seconds / plain.seconds:4.1f}x)  "
            f"{run.peak_mb:5.0f} MB ({run.peak_mb / plain.peak_mb:3.1f}x)  "
            f"{run.pages:4d} pages  {per_page:5.1f} ms/page  {run.pages / run.seconds:6.1f} "
            f"pages/s  {run.size / 1024:6.0f} KB ({run.size / plain.size:3.1f}x)"
            + (f"  [build stage {run.stage_seconds:.2f} s, "
               f"{run.stage_seconds / run.pages * 1000:.1f} ms/page]"
               if run.stage_seconds is not None else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=40, help="yearbook copies (default 40)")
    parser.add_argument("--runs", type=int, default=5, help="runs of the default brochure")
    parser.add_argument("--profile", choices=("default", "yearbook"),
                        help="instead of the figures: cProfile of one warm build")
    parser.add_argument("--plain", nargs=2, type=Path, metavar=("CONTENT", "PDF"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.plain:
        plain_main(*args.plain)
        return
    if args.profile:
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            profile(write_yearbook(folder, args.copies) if args.profile == "yearbook"
                    else CONTENT, folder)
        return
    os.environ["BENCH_PLAIN"] = plain_settings()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        yearbook = write_yearbook(folder, args.copies)
        year_runs = max(1, (args.runs + 1) // 2)
        plain, cold, warm = interleaved_runs(
            [plain_job(CONTENT, folder), build_job(CONTENT, folder, cold=True),
             build_job(CONTENT, folder, cold=False)], args.runs)
        plain_year, year = interleaved_runs(
            [plain_job(yearbook, folder), build_job(yearbook, folder, cold=False)], year_runs)
        (tables,) = interleaved_runs([build_job(TABLES, folder, cold=False)], args.runs)
        impose_seconds, sides = imposition(folder)
    print(f"whole process, median of {args.runs} ({year_runs} for the yearbook), runs "
          "interleaved; (Nx) = ratio to ReportLab's plain Paragraph setting the same texts")
    print(row("plain Paragraph", plain, plain))
    print(row("default, cold cache", cold, plain))
    print(row("default, warm cache", warm, plain))
    print(row(f"plain Paragraph {args.copies}x", plain_year, plain_year))
    print(row(f"yearbook {args.copies}x, warm", year, plain_year))
    print(f"  {'tables from data, warm':<22} {tables.seconds:6.2f} s          "
          f"{tables.peak_mb:5.0f} MB        {tables.pages:4d} pages  (the economy test text: "
          f"60 .xlsx rows, a .csv, charts)"
          + (f"  [build stage {tables.stage_seconds:.2f} s]" if tables.stage_seconds else ""))
    print(f"  {'impose, default':<22} {impose_seconds * 1000:6.0f} ms (in process, fastest of 5;"
          f" {sides} SRA3 sheet sides with marks and creep)")
    marginal = (year.seconds - warm.seconds) / (year.pages - warm.pages) * 1000
    print(f"  per page: {warm.seconds / warm.pages * 1000:.1f} ms at 1x, "
          f"{year.seconds / year.pages * 1000:.1f} ms at {args.copies}x "
          f"(each page beyond the default: {marginal:.1f} ms)")
    builds, begun, pages = layout_passes()
    print(f"layout: {builds} document build, {begun} pages begun for {pages} pages "
          f"({'one pass' if builds == 1 and begun == pages else 'MORE THAN ONE PASS'})")
    ours, plain_ms, lines = composition()
    print(f"composition, {lines} lines: {ours * 1000:.1f} ms per 1000 lines "
          f"(ReportLab plain Paragraph: {plain_ms * 1000:.1f} ms; ratio {ours / plain_ms:.1f}x)")


if __name__ == "__main__":
    main()
