"""Customizing: the scaffold, JSON Schemas, charts, photo grids, preview, watch, progress."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
import typing
from pathlib import Path

import jsonschema
import pdfplumber
import pikepdf
import pytest
import yaml
from conftest import DEFAULT_CONTENT, flat
from PIL import Image
from pypdf import PdfReader

from builder import data
from builder.build import build
from builder.cli import watch as watch_module
from builder.cli.scaffold import scaffold
from builder.cli.schema import schemas
from builder.inspect.preview import preview
from builder.source.content import BLOCK_FIELDS
from builder.source.theme import SECTIONS, FontFamily, RoleStyle, Theme

CARD = """\
meta: {{title: 图表测试, date: "2022", language: zh-CN}}
parts:
  - title: 数据
    blocks:
      - scorecard: 成绩单
        chart: bars
        rows:
          - {{metric: 甲项, value: "1", change: "20"}}
          - {{metric: 乙项, value: "2", change: "10"}}
          - {{metric: 丙项, value: "3", change: "-5"}}
          - {{metric: 丁项, value: "4"}}
      - photos:
{photos}
        columns: 3
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("new") / "demo"
    scaffold(folder)
    output = folder / "demo.pdf"
    build(folder / "content.yaml", output)
    return folder, output


def test_new_brochure_builds_at_once_and_shows_every_block_type(demo) -> None:
    folder, output = demo
    content = yaml.safe_load((folder / "content.yaml").read_text(encoding="utf-8"))
    kinds = {next(iter(block)) for part in content["parts"] for block in part["blocks"]}
    assert kinds == set(BLOCK_FIELDS)
    assert (folder / "content.yaml").read_text(encoding="utf-8").startswith(
        "# yaml-language-server: $schema=.schemas/content.schema.json")
    jsonschema.validate(content, json.loads(
        (folder / ".schemas" / "content.schema.json").read_text(encoding="utf-8")))
    text = flat("".join(p.extract_text() for p in PdfReader(output).pages))
    for caption in ("有图片文件的图", "组图一", "组图三（待补图片）", "引文放在带色条的框里。"):
        assert caption in text
    with pikepdf.open(output) as pdf:
        images = [x for page in pdf.pages for x in page.get_images().values()]
    assert images and all(str(i.ColorSpace) == "/DeviceCMYK" for i in images)
    with pdfplumber.open(output) as pdf:
        assert sum(len(page.images) for page in pdf.pages) == 3  # one figure, two photos


def test_new_refuses_to_overwrite(demo) -> None:
    from builder.errors import BrochureError
    with pytest.raises(BrochureError, match="already exists"):
        scaffold(demo[0])


def test_shipped_schemas_are_generated_from_the_loaders() -> None:
    for name, text in schemas().items():
        assert (data.schemas_dir() / name).read_text(encoding="utf-8") == text, \
            f"{name} is stale: run `brochure schema --out builder/data/schemas`"


def test_theme_schema_keys_are_the_fields_of_the_theme_dataclasses() -> None:
    schema = json.loads((data.schemas_dir() / "theme.schema.json").read_text("utf-8"))
    properties = schema["properties"]
    described = {**{name: properties[name] for name in SECTIONS},
                 "fonts": properties["fonts"]["additionalProperties"],
                 "styles": properties["styles"]["additionalProperties"]}
    classes = {**SECTIONS, "fonts": FontFamily, "styles": RoleStyle}
    for name, cls in classes.items():
        keys = {field.metadata.get("key", field.name) for field in dataclasses.fields(cls)}
        assert set(described[name]["properties"]) == keys, name
    attributes = typing.get_type_hints(Theme)  # each section is a typed attribute
    assert all(attributes[name] is cls for name, cls in SECTIONS.items() if name != "page")


def test_schemas_accept_the_shipped_files_and_reject_mistakes() -> None:
    content_schema = json.loads((data.schemas_dir() / "content.schema.json").read_text("utf-8"))
    theme_schema = json.loads((data.schemas_dir() / "theme.schema.json").read_text("utf-8"))
    content = yaml.safe_load(DEFAULT_CONTENT.read_text(encoding="utf-8"))
    jsonschema.validate(content, content_schema)
    for theme in data.themes_dir().glob("*.yaml"):
        jsonschema.validate(yaml.safe_load(theme.read_text(encoding="utf-8")), theme_schema)
    content["parts"][0]["blocks"][0]["paragrph"] = "x"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(content, content_schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"name": "x", "design": {"cover": "stars"}}, theme_schema)


def _card(tmp_path: Path, photos: int = 3) -> Path:
    Image.new("RGB", (1800, 1200), (30, 120, 200)).save(tmp_path / "a.png")
    lines = "\n".join(f"          - {{image: a.png, caption: 图{n}}}" for n in range(photos))
    content = tmp_path / "card.yaml"
    content.write_text(CARD.format(photos=lines), encoding="utf-8")
    return content


def test_chart_bars_are_proportional_to_the_changes(tmp_path: Path) -> None:
    output = tmp_path / "card.pdf"
    build(_card(tmp_path), output)
    with pdfplumber.open(output) as pdf:
        bars = [r for page in pdf.pages for r in page.rects if r["non_stroking_color"] in
                ((0.0, 1.0, 1.0, 0.1), (0.8, 0.2, 1.0, 0.1)) and r["width"] < 300]
        text = "".join(page.extract_text() or "" for page in pdf.pages)
    widths = sorted((round(r["width"], 1) for r in bars), reverse=True)
    assert len(widths) == 3, widths  # the row without a change gets no bar
    assert abs(widths[0] / widths[1] - 2) < 0.01 and abs(widths[0] / widths[2] - 4) < 0.01
    assert "▲20%" in text and "▼5%" in text


def test_photo_grid_sets_pictures_in_columns(tmp_path: Path) -> None:
    output = tmp_path / "card.pdf"
    build(_card(tmp_path, photos=5), output)
    with pdfplumber.open(output) as pdf:
        images = [i for p in pdf.pages for i in p.images]
    rows: dict[tuple[int, int], list[dict]] = {}
    for image in images:
        rows.setdefault((image["page_number"], round(image["top"])), []).append(image)
    full, last = (rows[key] for key in sorted(rows))
    assert len(images) == 5 and len(full) == 3 and len(last) == 2
    widths = {round(i["x1"] - i["x0"]) for i in images}
    assert len(widths) == 1  # each scaled to its frame
    # the last, shorter row is centred under the full one
    middle = (min(i["x0"] for i in full) + max(i["x1"] for i in full)) / 2
    assert abs((min(i["x0"] for i in last) + max(i["x1"] for i in last)) / 2 - middle) < 1


def test_preview_writes_trimmed_pages_and_a_contact_sheet(demo, tmp_path: Path) -> None:
    made = preview(demo[1], tmp_path / "preview", width=200)
    with pikepdf.open(demo[1]) as pdf:
        assert len(made.pages) == len(pdf.pages)
    first = Image.open(made.pages[0])
    assert first.width == 200 and abs(first.height / first.width - 297 / 210) < 0.02
    sheet = Image.open(made.sheet)
    assert sheet.width > 4 * 200 and sheet.height > 2 * first.height


def test_watch_rebuilds_when_the_content_changes(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(watch_module, "POLL_SECONDS", 0.05)
    content = _card(tmp_path)
    builds: list[float] = []
    done = threading.Event()

    def rebuild() -> None:
        builds.append(time.monotonic())

    thread = threading.Thread(target=watch_module.watch, args=(
        content, None, rebuild, lambda message: None, done.is_set))
    thread.start()

    def after(count: int) -> None:  # a change is seen only once the last build has begun
        deadline = time.monotonic() + 5
        while len(builds) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
    after(1)
    content.write_text(content.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    after(2)
    (tmp_path / "a.png").touch()
    deadline = time.monotonic() + 5
    while len(builds) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    done.set()
    thread.join(5)
    assert len(builds) == 3  # the first build, then one per change (content, image)


def test_build_reports_progress_page_by_page(tmp_path: Path) -> None:
    pages: list[int] = []
    result = build(DEFAULT_CONTENT, tmp_path / "p.pdf", progress=pages.append)
    assert pages == list(range(1, result.pages + 1))
