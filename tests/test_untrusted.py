"""Untrusted content: no objects from YAML, no markup, no files outside the content's folder,
and bounded time and memory for hostile files."""

from __future__ import annotations

import os
import time
import tracemalloc
from pathlib import Path

import pdfplumber
import pytest
from content_factory import document, write
from PIL import Image

from builder.build import build
from builder.errors import BrochureError
from builder.inspect.verify import flatten, page_texts
from builder.source.content import load_document
from builder.source.yamlfile import MAX_FILE_BYTES

HEAD = 'meta: {title: 手册, date: "2022", language: zh-CN}\nparts:\n  - title: 部分\n    blocks:\n'


def refused(path: Path, words: str) -> str:
    with pytest.raises(BrochureError) as caught:
        load_document(path)
    message = str(caught.value)
    assert message.startswith(str(path)) and words in message and "hint:" in message
    return message


@pytest.mark.parametrize("block", [
    '      - paragraph: !!python/object/apply:os.system ["touch /tmp/brochure-owned"]\n',
    "      - paragraph: !!python/name:os.system\n",
    "      - !!python/object:builtins.dict {paragraph: 正文。}\n",
    "      - paragraph: !custom 正文。\n",
])
def test_yaml_tags_are_refused_before_anything_is_built(tmp_path: Path, block: str) -> None:
    message = refused(write(tmp_path, HEAD + block), "YAML tags")
    assert "doc.yaml:5:" in message
    assert not Path("/tmp/brochure-owned").exists()


def test_markup_in_any_text_prints_literally(tmp_path: Path) -> None:
    markup = '<img src="/etc/passwd"/>'
    content = document({"heading": f"标题{markup}"}, {"figure": f"图<b>粗</b>&amp;{markup}"},
                       {"paragraph": f"正文<font color=red>红</font>{markup}。"},
                       {"scorecard": "表", "rows": [{"metric": f"<i>指标</i>{markup}",
                                                     "value": "1"}]})
    result = build(write(tmp_path, content), tmp_path / "doc.pdf")
    text = flatten("".join(page_texts(result.output.read_bytes())))
    for expected in ("标题<imgsrc=\"/etc/passwd\"/>", "图<b>粗</b>&amp;",
                     "正文<fontcolor=red>红</font>", "<i>指标</i>"):
        assert expected in text
    with pdfplumber.open(result.output) as pdf:
        assert [image for page in pdf.pages for image in page.images] == []


@pytest.mark.parametrize("image", ["../outside.png", "/etc/passwd", "sub/../../outside.png",
                                   "link-out.png", "linked-dir/outside.png"])
def test_image_paths_cannot_leave_the_content_folder(tmp_path: Path, image: str) -> None:
    folder = tmp_path / "content"
    (folder / "sub").mkdir(parents=True)
    Image.new("RGB", (4, 4)).save(tmp_path / "outside.png")
    (folder / "link-out.png").symlink_to(tmp_path / "outside.png")
    (folder / "linked-dir").symlink_to(tmp_path)
    path = write(folder, document({"figure": "图", "image": image}))
    message = refused(path, "image path leaves the content's folder")
    text = path.read_text(encoding="utf-8")
    index = text.index(image)
    assert f"doc.yaml:{text.count(chr(10), 0, index) + 1}:" in message


def test_image_links_inside_the_folder_are_fine(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    Image.new("RGB", (4, 4)).save(tmp_path / "images" / "real.png")
    (tmp_path / "alias.png").symlink_to(tmp_path / "images" / "real.png")
    document_ = load_document(write(tmp_path, document({"figure": "图", "image": "alias.png"})))
    figure = document_.parts[0].blocks[0]
    assert figure.image == (tmp_path / "images" / "real.png").resolve()


@pytest.mark.parametrize(("theme", "words"), [
    ("../other.yaml", "theme path leaves the content's folder"),
    ("/etc/passwd.yaml", "theme path leaves the content's folder"),
    ("../../etc/passwd", "is not a theme name"),
    ("nosuchtheme", "theme 'nosuchtheme' not found"),
])
def test_theme_paths_cannot_leave_the_content_folder(tmp_path: Path, theme: str,
                                                     words: str) -> None:
    content = {"theme": theme} | document()
    refused(write(tmp_path, content), words)


def billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 "lol"']
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_fast_in_bounded_memory(tmp_path: Path) -> None:
    path = write(tmp_path, billion_laughs())  # 10**9 "lol"s if it were expanded
    tracemalloc.start()
    started = time.perf_counter()
    try:
        refused(path, "aliases")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 1.0
    assert peak < 5_000_000


def test_a_5_mb_file_is_refused_by_its_size_without_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(HEAD + "      - paragraph: " + "字" * 1_700_000 + "\n", encoding="utf-8")
    assert path.stat().st_size > 5_000_000 > MAX_FILE_BYTES
    started = time.perf_counter()
    refused(path, f"more than the {MAX_FILE_BYTES:,} allowed")
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(("text", "words"), [
    ("meta: " + "[" * 50_000 + "]" * 50_000 + "\n", "invalid YAML"),
    ("meta: {title: 手册\n", "invalid YAML"),
    ("\xff\xfe not text", "not UTF-8"),
])
def test_malformed_files_are_clean_errors(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "doc.yaml"
    path.write_bytes(text.encode("latin-1") if text.startswith("\xff") else text.encode())
    refused(path, words)


def test_devices_and_folders_are_not_content(tmp_path: Path) -> None:
    for path in (Path(os.devnull), tmp_path):
        with pytest.raises(BrochureError, match="not a regular file"):
            load_document(path)
