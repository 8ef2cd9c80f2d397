"""Clear errors: each problem of the input is one message naming the file (and line and column
where it has one) with what to do; exit status 2, no traceback, no PDF written."""

from __future__ import annotations

from pathlib import Path

import pytest
from content_factory import document, write
from PIL import Image

from builder.cli.main import main

FONTS = ("fonts:\n  serif: {{regular: {regular}, bold: {bold}}}\n"
         "  sans: {{regular: {regular}, bold: {bold}}}\n")


def theme_with_fonts(folder: Path, regular: Path, bold: Path) -> str:
    (folder / "mine.yaml").write_text("name: mine\nextends: default\n" + FONTS.format(
        regular=regular, bold=bold), encoding="utf-8")
    return "mine.yaml"


def scenario(name: str, folder: Path) -> tuple[Path, str, str]:
    """Content for one kind of problem: (content path, file named, words of the message)."""
    good = document()
    if name == "malformed YAML":
        return write(folder, "meta: {title: 手册\n"), "doc.yaml:2:1:", "invalid YAML"
    if name == "wrong type":
        return (write(folder, document() | {"parts": "三个部分"}), "doc.yaml:5:8:",
                "'parts' must be a non-empty list")
    if name == "unknown key":
        good["meta"]["titel"] = good["meta"].pop("title")
        return write(folder, good), "doc.yaml:4:3:", "did you mean 'title'?"
    if name == "missing content":
        return folder / "none.yaml", "none.yaml: error: content file not found", "content files"
    if name == "missing theme":
        return (write(folder, {"theme": "nosuch"} | good), "doc.yaml:1:8:",
                "theme 'nosuch' not found")
    if name == "missing font":
        theme = theme_with_fonts(folder, folder / "gone.ttf", folder / "gone-bold.ttf")
        return (write(folder, {"theme": theme} | good), "gone.ttf: error: font file not found",
                "a shipped font: NotoSansSC-Bold.ttf")
    if name == "unusable font":
        (folder / "junk.ttf").write_bytes(b"\0\1\0\0 not really a font")
        theme = theme_with_fonts(folder, folder / "junk.ttf", folder / "junk.ttf")
        return (write(folder, {"theme": theme} | good), "junk.ttf: error:",
                "not a readable font file")
    raise AssertionError(name)


@pytest.mark.parametrize("name", ["malformed YAML", "wrong type", "unknown key",
                                  "missing content", "missing theme", "missing font",
                                  "unusable font"])
def test_one_clear_message_exit_2_and_no_pdf(tmp_path: Path, capsys, name: str) -> None:
    path, where, words = scenario(name, tmp_path)
    output = tmp_path / "out.pdf"
    assert main(["build", str(path), "-o", str(output)]) == 2
    err = capsys.readouterr().err
    assert where in err and words in err, err
    assert err.count("error:") == 1 and "\n  hint: " in err
    assert "Traceback" not in err
    assert not output.exists()


def test_a_missing_image_prints_a_placeholder_and_warns(tmp_path: Path, capsys) -> None:
    Image.new("RGB", (8, 8)).save(tmp_path / "here.png")
    path = write(tmp_path, document({"figure": "有图", "image": "here.png"},
                                    {"figure": "无图", "image": "gone.png"}))
    assert main(["build", str(path), "-o", str(tmp_path / "out.pdf")]) == 0
    err = capsys.readouterr().err
    assert "warning: [missing-image] figure image: image file gone.png not found" in err
    assert (tmp_path / "out.pdf").exists()
