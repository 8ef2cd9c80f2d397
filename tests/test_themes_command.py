"""`brochure themes`: every shipped theme listed with what it is, a preview sheet of each
(the example content built in it), and a broken theme named by file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from builder import data
from builder.cli.main import main


def test_themes_lists_every_shipped_theme(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["themes"]) == 0
    out = capsys.readouterr().out
    for name in data.shipped_themes():
        assert f"\n{name} " in f"\n{out}" and f"themes/{name}.yaml" in out
    assert "A two-column newsletter" in out and "cover masthead" in out


def test_themes_writes_a_preview_sheet_of_each(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    theme = tmp_path / "green.yaml"
    theme.write_text("# A green variant.\nname: green\nextends: default\ncolors:\n"
                     "  primary: [85, 10, 100, 10]\n", encoding="utf-8")
    assert main(["themes", "default", str(theme), "--out", str(tmp_path / "sheets")]) == 0
    out = capsys.readouterr().out
    assert "A green variant." in out
    sheets = {p.name: p for p in (tmp_path / "sheets").glob("*.png")}
    assert set(sheets) == {"default.png", "green.png"}
    with Image.open(sheets["green.png"]) as green, Image.open(sheets["default.png"]) as red:
        assert green.size == red.size and green.width > 400  # several pages a row
        cover = (green.width // 8, green.height // 8)  # inside the first page's cover
        assert green.convert("RGB").getpixel(cover)[1] > red.convert("RGB").getpixel(cover)[1]


def test_a_broken_theme_is_named_by_file_and_line(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    theme = tmp_path / "bad.yaml"
    theme.write_text("name: bad\nextends: default\ncolors:\n  primary: [0, 0]\n",
                     encoding="utf-8")
    assert main(["themes", str(theme)]) == 2
    err = capsys.readouterr().err
    assert f"{theme}:4:" in err and "hint:" in err and "Traceback" not in err
