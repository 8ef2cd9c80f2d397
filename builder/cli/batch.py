"""Batch builds: many content files, each to dist/<stem>.pdf, in parallel processes.

One failure does not stop the others; each outcome is reported as it finishes and all of
them in a summary table at the end.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import Future, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder.cli.inputs import output_for
from builder.errors import BrochureError
from builder.parallel import worker_pool


@dataclass(frozen=True)
class Outcome:
    """What became of one content file."""

    content: Path
    output: Path
    ok: bool
    seconds: float
    pages: int = 0
    size: int = 0
    message: str = ""
    """The error when the build failed, else the build's findings (warnings), one a line."""


def output_paths(contents: Sequence[Path], folder: Path) -> list[Path]:
    """folder/<stem>.pdf for each content file; raises BrochureError when two would clash."""
    outputs: dict[Path, Path] = {}
    for content in contents:
        output = output_for(content, folder)
        if output in outputs:
            raise BrochureError(f"{outputs[output]} and {content} would both be built into "
                                f"{output}", hint="rename one of them, or build them apart")
        outputs[output] = content
    return list(outputs)


def build_one(content: Path, output: Path, options: dict[str, Any],
              debug: bool = False) -> Outcome:
    """Build one brochure and say how it went; never raises for a failed build."""
    from builder.build import build

    started = time.perf_counter()
    try:
        result = build(content, output, **options)
    except BrochureError as error:
        return Outcome(content, output, False, time.perf_counter() - started, message=str(error))
    except Exception as error:  # a fault of ours: report it with the others
        detail = traceback.format_exc() if debug else f"{type(error).__name__}: {error}"
        return Outcome(content, output, False, time.perf_counter() - started,
                       message=f"{content}: internal error: {detail}")
    warnings = "\n".join(f.format(str(content)) for f in result.findings)
    return Outcome(content, output, True, result.seconds, result.pages, result.size, warnings)


def build_many(contents: Sequence[Path], outputs: Sequence[Path], options: dict[str, Any],
               jobs: int, report: Callable[[Outcome], None],
               debug: bool = False) -> list[Outcome]:
    """Build every content file with `jobs` processes; `report` is called as each finishes.

    Returns the outcomes in the order of `contents`."""
    pairs = list(zip(contents, outputs, strict=True))
    if jobs <= 1 or len(pairs) <= 1:
        outcomes = []
        for content, output in pairs:
            outcomes.append(build_one(content, output, options, debug))
            report(outcomes[-1])
        return outcomes
    import builder.build  # noqa: F401  imported once here, inherited by forked workers
    done = _in_workers(pairs, options, jobs, report, debug)
    return [done[content] for content, _ in pairs]


def _in_workers(pairs: list[tuple[Path, Path]], options: dict[str, Any], jobs: int,
                report: Callable[[Outcome], None], debug: bool) -> dict[Path, Outcome]:
    done: dict[Path, Outcome] = {}
    with worker_pool(min(jobs, len(pairs), MAX_JOBS_PER_CPU * default_jobs())) as pool:
        futures: dict[Future[Outcome], tuple[Path, Path]] = {
            pool.submit(build_one, content, output, options, debug): (content, output)
            for content, output in pairs}
        for future in as_completed(futures):
            content, output = futures[future]
            try:
                outcome = future.result()
            except Exception as error:  # the worker process died (killed, out of memory)
                outcome = Outcome(content, output, False, 0.0,
                                  message=f"{content}: build process failed: {error!r}")
            done[content] = outcome
            report(outcome)
    return done


MAX_JOBS_PER_CPU = 4
"""More processes than this many per CPU only share the same CPUs (and multiply memory)."""


def default_jobs() -> int:
    """As many processes as this process may use CPUs."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def summary_table(outcomes: Sequence[Outcome], seconds: float) -> str:
    """A table of name, pages, seconds, size and status, and a closing count."""
    rows = [("name", "pages", "seconds", "size", "status")]
    for o in outcomes:
        rows.append((o.output.stem, str(o.pages) if o.ok else "-", f"{o.seconds:.2f}",
                     f"{o.size / 1024:.0f} KB" if o.ok else "-", "ok" if o.ok else "FAILED"))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(w) if i in (0, 4) else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
             for row in rows]
    failed = sum(not o.ok for o in outcomes)
    lines.append(f"{len(outcomes)} brochures: {len(outcomes) - failed} built, {failed} failed, "
                 f"{seconds:.2f} s")
    return "\n".join(lines)
