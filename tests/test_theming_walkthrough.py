"""docs/theming.md followed step by step, as a designer would: a new brochure, the themes and
their preview sheets, the new cover pasted from the document into theme.yaml, the build, the
layout report, and the same theme at A5. The cover's texts are read back from the PDF."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pdfplumber
import pytest

from builder.cli.main import main

DOC = Path(__file__).parent.parent / "docs" / "theming.md"


def snippet() -> str:
    """The YAML block of the walkthrough that makes the new cover."""
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    found = [b for b in blocks if b.startswith("# theming-walkthrough")]
    assert len(found) == 1, "docs/theming.md lost its cover snippet"
    return found[0]


def commands(section: str) -> list[list[str]]:
    """The `brochure …` commands of a ```sh block under the heading starting `section`."""
    text = DOC.read_text(encoding="utf-8")
    part = text[text.index(f"## {section}"):]
    block = re.search(r"```sh\n(.*?)```", part, re.S)
    assert block is not None
    return [line.split("#")[0].split()[1:] for line in block.group(1).splitlines()
            if line.startswith("brochure ")]


def test_the_walkthrough_works_as_written(tmp_path: Path, monkeypatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    first = commands("1.")
    assert first[0] == ["new", "mine"]
    assert main(first[0]) == 0
    os.chdir(tmp_path / "mine")  # cd mine
    for command in first[1:]:
        assert main(command) == 0, command
    assert {"default.png", "newsletter.png", "report.png"} <= {
        p.name for p in Path("sheets").glob("*.png")}
    before = Path("dist/mine.pdf").read_bytes()

    theme = Path("theme.yaml")
    theme.write_text(theme.read_text(encoding="utf-8") + "\n" + snippet(), encoding="utf-8")
    assert main(["build"]) == 0
    assert Path("dist/mine.pdf").read_bytes() != before
    content = Path("content.yaml").read_text(encoding="utf-8")
    kicker = re.search(r"kicker: (.*)", content).group(1).strip()  # type: ignore[union-attr]
    with pdfplumber.open("dist/mine.pdf") as pdf:
        cover = pdf.pages[0]
        text = "".join(cover.extract_text().split())
        paper = [r for r in cover.rects if r["width"] > cover.width * 0.9]
    assert "".join(kicker.split()) in text and "标题写在这里" in text
    green = (0.85, 0.1, 1.0, 0.1)  # the new brochure's primary, named once
    assert any(tuple(round(v, 3) for v in r["non_stroking_color"]) == green for r in paper)

    capsys.readouterr()
    for command in commands("4."):
        assert main(command) == 0, (command, capsys.readouterr())
    out = capsys.readouterr().out
    assert "0 errors" in out and "wrote sheets" in out
