"""`brochure themes`: the themes there are, and (with --out) a preview sheet of each: the
example content built in the theme, every page on one contact sheet."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from builder import data
from builder.errors import BrochureError
from builder.files import write_atomically
from builder.source.theme import Theme, load_theme, theme_path

SHEET_WIDTH = 160
"""Pixels per page on a preview sheet."""


@dataclass(frozen=True)
class ThemeInfo:
    name: str
    path: Path
    about: str
    """What the theme is: its file's opening sentence."""
    theme: Theme

    def line(self) -> str:
        theme, design = self.theme, self.theme.design
        size = f"{theme.page_width / 72 * 25.4:.0f}×{theme.page_height / 72 * 25.4:.0f} mm"
        return (f"{self.name:<12} {size:<12} cover {design.cover}, opener {design.opener}, "
                f"{design.columns} column{'s' if design.columns > 1 else ''}, table "
                f"{design.table}\n{'':<12} {self.about}\n{'':<12} {self.path}")


def about(path: Path) -> str:
    """The first sentence of a theme file's opening comment (the schema line left out)."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        text = line.lstrip("# ").strip()
        if text and not text.startswith("yaml-language-server"):
            lines.append(text)
    text = " ".join(lines)
    end = text.find(". ")
    return text if end < 0 else text[:end + 1]


def themes(names: list[str]) -> list[ThemeInfo]:
    """The themes named (names or .yaml paths), or every shipped theme; each loaded, so
    a broken one is an error naming its file and line."""
    found = []
    for name in names or data.shipped_themes():
        path = theme_path(name, Path.cwd())
        theme = load_theme(path)
        found.append(ThemeInfo(theme.name, path, about(path), theme))
    return found


def preview_sheets(found: list[ThemeInfo], folder: Path, content: Path | None) -> list[Path]:
    """For each theme, `folder`/NAME.png: the content (default: the example) built in it
    for the screen, every page on one contact sheet."""
    from builder.build import build
    from builder.inspect.preview import preview

    content = content or data.example_content()
    written = []
    with tempfile.TemporaryDirectory(prefix="brochure-themes-") as name:
        work = Path(name)
        for info in found:
            pdf = work / f"{info.name}.pdf"
            build(content, pdf, str(info.path), profile="screen")
            sheet = preview(pdf, work / info.name, SHEET_WIDTH).sheet
            target = folder / f"{_file_name(info.name)}.png"
            write_atomically(sheet.read_bytes(), target, "png", [content, info.path])
            shutil.rmtree(work / info.name, ignore_errors=True)
            written.append(target)
    return written


def _file_name(name: str) -> str:
    """A theme's name as a file name (letters, digits, - and _ kept)."""
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in name).strip("-")
    if not safe:
        raise BrochureError(f"theme name {name!r} makes no file name",
                            hint="give the theme a name of letters and digits")
    return safe
