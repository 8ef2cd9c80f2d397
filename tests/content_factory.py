"""Content files made in tests: a small valid document to vary, and text that never repeats
itself (repeated text could be found in the PDF by chance and hide a loss)."""

from __future__ import annotations

import contextlib
import random
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

HAN = "".join(chr(code) for code in range(0x4E00, 0x4E00 + 4000)
              if chr(code).encode("gb2312", "ignore"))
"""Common Han characters (GB 2312): the shipped fonts have them all."""


def han(count: int, seed: int = 0) -> str:
    """`count` Han characters in a random but reproducible order."""
    rng = random.Random(seed)
    return "".join(rng.choice(HAN) for _ in range(count))


def document(*blocks: dict[str, Any], **part: Any) -> dict[str, Any]:
    """A one-part document with these blocks (a paragraph if none)."""
    return {
        "meta": {"title": "测试手册", "date": "2022", "language": "zh-CN"},
        "parts": [{"title": "第一部分", **part,
                   "blocks": list(blocks) or [{"paragraph": "第一段正文。"}]}],
    }


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # content files have no aliases: write shared values out in full


def write(folder: Path, content: dict[str, Any] | str, name: str = "doc.yaml") -> Path:
    """Write a document (a dict as YAML, or YAML text) and return its path."""
    path = folder / name
    text = content if isinstance(content, str) else yaml.dump(
        content, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1_000_000)
    path.write_text(text, encoding="utf-8")
    return path


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Fail (TimeoutError) instead of hanging when the body runs longer than `seconds`."""
    def expire(_signal: int, _frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
