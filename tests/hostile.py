"""Running `brochure` on hostile input, and what a clean refusal looks like.

`cli` runs the command in this process (fast; for inputs that cannot hang); `cli_process`
runs it as a user does, in a child process with a time limit (for inputs that could hang or
blow up), and fails the test on a timeout instead of waiting."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from builder.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
TIME_LIMIT = 10.0
"""Seconds any input under 1 MB may take before it is a hang (issue 12's figure)."""


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


def cli(*argv: str | Path, cwd: Path | None = None) -> Outcome:
    """`brochure ARGV` in this process; an exception that is not a clean refusal propagates
    and fails the test with its traceback."""
    out, err = io.StringIO(), io.StringIO()
    before = Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(a) for a in argv])
    finally:
        os.chdir(before)
    return Outcome(code, out.getvalue(), err.getvalue())


def cli_process(*argv: str | Path, cwd: Path | None = None, timeout: float = TIME_LIMIT,
                stdin: bytes = b"") -> Outcome:
    """`brochure ARGV` in a child process; a run longer than `timeout` fails the test."""
    try:
        done = subprocess.run([sys.executable, "-m", "builder", *map(str, argv)], cwd=cwd,
                              input=stdin, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"brochure {' '.join(map(str, argv))} hung: no result within "
                             f"{timeout:.0f} s") from None
    return Outcome(done.returncode, done.stdout.decode(errors="replace"),
                   done.stderr.decode(errors="replace"))


def assert_refused(outcome: Outcome, *words: str) -> str:
    """A clean refusal: exit 2, one `error:` message with a hint, no traceback, and each of
    `words` in the message. Returns the message."""
    message = outcome.err
    assert "Traceback" not in message, message
    assert outcome.code == 2, (outcome.code, outcome.out, message)
    assert "error:" in message and "hint:" in message, message
    for word in words:
        assert word in message, (word, message)
    return message
