"""Build the shipped TrueType fonts in fonts/ from Debian's Noto CJK collections.

Usage: python tools/make_fonts.py [--source-dir DIR] [--out-dir DIR]

ReportLab embeds only TrueType (glyf) outlines; Noto Serif/Sans CJK are CFF, so each face
is subset (GB 2312 + punctuation/symbol ranges + every character of the content) and
converted with builder.fonts.convert_to_truetype.  Needs: apt-get install fonts-noto-cjk
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from builder.errors import BrochureError  # noqa: E402
from builder.typeset.fonts import convert_to_truetype  # noqa: E402

DEFAULT_SOURCE_DIR = Path("/usr/share/fonts/opentype/noto")
DEFAULT_OUT_DIR = REPO / "fonts"
FEATURE_TEXT = REPO.parent / "shared" / "source" / "xianan-2022-feature.txt"
SC_INDEX = 2  # subfont index of the Simplified Chinese face in the Noto CJK collections


class Face(NamedTuple):
    """One font to build: source collection, output file, names."""

    collection: str
    output: str
    family: str
    style: str
    ps_name: str


FACES = (
    Face("NotoSerifCJK-Regular.ttc", "NotoSerifSC-Regular.ttf", "Noto Serif SC", "Regular",
         "NotoSerifSC-Regular"),
    Face("NotoSerifCJK-Bold.ttc", "NotoSerifSC-Bold.ttf", "Noto Serif SC", "Bold",
         "NotoSerifSC-Bold"),
    Face("NotoSansCJK-Regular.ttc", "NotoSansSC-Regular.ttf", "Noto Sans SC", "Regular",
         "NotoSansSC-Regular"),
    Face("NotoSansCJK-Bold.ttc", "NotoSansSC-Bold.ttf", "Noto Sans SC", "Bold",
         "NotoSansSC-Bold"),
)

EXTRA_CHARS = "▲▼△▽■□●○◆◇★☆←↑→↓℃№×÷±≤≥≈≠‰"


def _ranges(*spans: tuple[int, int]) -> set[int]:
    return {c for lo, hi in spans for c in range(lo, hi + 1)}


def gb2312_chars() -> set[int]:
    """Every character of GB 2312 (two-byte codes 0xA1A1-0xF7FE that decode)."""
    chars: set[int] = set()
    for lead in range(0xA1, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                text = bytes((lead, trail)).decode("gb2312")
            except UnicodeDecodeError:
                continue
            chars.update(map(ord, text))
    return chars


def text_chars(paths: Iterable[Path]) -> set[int]:
    """Every non-control character of the given UTF-8 text files."""
    chars: set[int] = set()
    for path in paths:
        text = path.read_text(encoding="utf-8")
        chars.update(ord(c) for c in text if c.isprintable() or c == "\u3000")
    return chars


def content_files() -> list[Path]:
    """The text whose characters must be covered: the feature article and content/*.yaml."""
    files = sorted((REPO / "content").glob("*.yaml"))
    if FEATURE_TEXT.is_file():
        files.insert(0, FEATURE_TEXT)
    return files


def character_set() -> set[int]:
    """All code points the shipped fonts should cover (if the source font has them)."""
    chars = _ranges(
        (0x20, 0x7E),  # ASCII printable
        (0xA0, 0xFF),  # Latin-1 Supplement printable
        (0x2010, 0x206F),  # General Punctuation
        (0x3000, 0x303F),  # CJK Symbols and Punctuation
        (0xFF01, 0xFF5E),  # Fullwidth ASCII
        (0xFFE0, 0xFFE6),  # Fullwidth signs
        (0x2460, 0x2473),  # circled numbers 1-20
    )
    chars.update(map(ord, EXTRA_CHARS))
    chars |= gb2312_chars()
    chars |= text_chars(content_files())
    return chars


def main(argv: list[str] | None = None) -> int:
    """Build the fonts; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source-dir", type=Path, default=DEFAULT_SOURCE_DIR,
                        help=f"directory of the Noto CJK .ttc files (default {DEFAULT_SOURCE_DIR})")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR,
                        help="where to write the .ttf files (default: the repo's fonts/)")
    args = parser.parse_args(argv)

    sources = [args.source_dir / face.collection for face in FACES]
    absent = [p for p in sources if not p.is_file()]
    if absent:
        print("error: Noto CJK collections not found: " + ", ".join(map(str, absent)),
              file=sys.stderr)
        print("  hint: apt-get install fonts-noto-cjk (or pass --source-dir DIR)",
              file=sys.stderr)
        return 1

    wanted = character_set()
    sources_used = content_files()
    print(f"{len(wanted)} code points requested "
          f"({len(sources_used)} text file(s): {', '.join(p.name for p in sources_used)})")
    total = 0
    for face, src in zip(FACES, sources, strict=True):
        dst = args.out_dir / face.output
        start = time.perf_counter()
        try:
            convert_to_truetype(src, dst, font_number=SC_INDEX, unicodes=wanted,
                                family=face.family, style=face.style, ps_name=face.ps_name)
        except BrochureError as exc:
            print(exc, file=sys.stderr)
            return 1
        seconds = time.perf_counter() - start
        glyphs, covered = _stats(dst)
        size = dst.stat().st_size
        total += size
        print(f"{dst.name}: {glyphs} glyphs, {covered} code points, "
              f"{size / 1e6:.2f} MB, {seconds:.1f} s")
    print(f"total: {total / 1e6:.2f} MB in {args.out_dir}")
    return 0


def _stats(path: Path) -> tuple[int, int]:
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        return font["maxp"].numGlyphs, len(font["cmap"].getBestCmap())


if __name__ == "__main__":
    sys.exit(main())
