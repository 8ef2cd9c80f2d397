"""Bad input: a clear message naming file and line, exit status 2, and no damage to dist/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DEFAULT_CONTENT, ROOT, flat
from pypdf import PdfReader

from builder.build import build
from builder.errors import BrochureError
from builder.source.content import load_document

MINIMAL = """\
meta:
  title: 测试手册
  date: "2022"
  language: zh-CN
parts:
  - title: 第一部分
    blocks:
      - paragraph: {text}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "doc.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "line", "words"), [
    (MINIMAL.replace("  title: 测试手册", "  titel: 测试手册"), 2, "did you mean 'title'"),
    (MINIMAL.replace("    blocks:\n      - paragraph: {text}\n", "    blocks: 3\n"), 7,
     "non-empty list"),
    (MINIMAL.replace('  date: "2022"\n', ""), 2, "missing 'date'"),
    (MINIMAL.replace("- paragraph:", "- paragrph:"), 8, "did you mean 'paragraph'"),
    (MINIMAL + "        truncated: maybe\n", 9, "true or false"),
    (MINIMAL.replace("layout", "x") + "  - title: &a x\n    blocks: *a\n", 10, "aliases"),
    ("meta: [unclosed\n", 2, "invalid YAML"),
])
def test_bad_content_names_file_line_and_fix(tmp_path: Path, text: str, line: int,
                                             words: str) -> None:
    path = write(tmp_path, text.format(text="正文。"))
    with pytest.raises(BrochureError) as caught:
        load_document(path)
    message = str(caught.value)
    assert f"{path}:{line}:" in message, message
    assert words in message
    assert "hint:" in message


def test_scorecard_value_must_be_a_number(tmp_path: Path) -> None:
    text = MINIMAL.format(text="正文。") + (
        "      - scorecard: 表\n        rows:\n          - metric: 收入\n"
        "            value: 七点九六\n")
    with pytest.raises(BrochureError, match=r"doc.yaml:12:20: .*not-a-number"):
        build(write(tmp_path, text), tmp_path / "doc.pdf")


def test_cli_reports_errors_without_traceback_and_exit_2(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("title: 测试手册", "titel: 测试手册"))
    run = subprocess.run([sys.executable, "-m", "builder", "build", str(path),
                          "-o", str(tmp_path / "x.pdf")],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert f"{path}:2:3: error: unknown key 'titel'" in run.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_failed_build_keeps_the_previous_pdf(tmp_path: Path) -> None:
    output = tmp_path / "doc.pdf"
    good = write(tmp_path, MINIMAL.format(text="第一段正文。"))
    build(good, output)
    before = output.read_bytes()
    write(tmp_path, MINIMAL.format(text="缺字𪚥。"))  # a character the fonts lack
    with pytest.raises(BrochureError, match="missing-glyph"):
        build(good, output)
    assert output.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_user_text_is_printed_literally_never_as_markup(tmp_path: Path) -> None:
    text = '带<b>标记</b>与&amp;及<img src="/etc/passwd"/>的文字。'
    path = write(tmp_path, MINIMAL.format(text=f"'{text}'"))
    result = build(path, tmp_path / "doc.pdf")
    pages = "".join(p.extract_text() for p in PdfReader(result.output).pages)
    assert flat(text) in flat(pages)


def test_cli_builds_the_default_brochure(tmp_path: Path) -> None:
    output = tmp_path / "out.pdf"
    run = subprocess.run([sys.executable, "-m", "builder", "build", str(DEFAULT_CONTENT),
                          "-o", str(output)], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert f"built {output}" in run.stdout and "pages" in run.stdout
    assert output.read_bytes().startswith(b"%PDF")


def test_a_content_error_is_reported_before_the_layout_error_it_may_cause(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from builder import build as build_module
    from builder.engine.platypus import LayoutError

    def failing_layout(*args: object, **kwargs: object) -> None:
        raise LayoutError("Flowable too large")

    monkeypatch.setattr(build_module, "layout_document", failing_layout)
    blocks = "".join(f"      - paragraph: 第{n}段正文。\n" for n in range(1, 6))
    content = write(tmp_path, MINIMAL.replace("      - paragraph: {text}\n", blocks))
    with pytest.raises(BrochureError, match="does not fit on the page"):
        build(content, tmp_path / "doc.pdf")
    write(tmp_path, MINIMAL.replace("      - paragraph: {text}\n",
                                    blocks + "      - paragraph: 缺字𪚥。\n"))
    with pytest.raises(BrochureError, match="missing-glyph"):
        build(content, tmp_path / "doc.pdf")
    assert not (tmp_path / "doc.pdf").exists()
