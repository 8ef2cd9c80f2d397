"""`brochure new DIR`: a new brochure that builds at once and shows every block type.

DIR/content.yaml (every block type, with the schema line editors use), DIR/theme.yaml
(extends the default, changes the palette), DIR/images/ with a sample picture made here,
DIR/data/ with a spreadsheet (CSV) a table reads.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import BinaryIO

from builder import data
from builder.errors import BrochureError

CONTENT = """\
# yaml-language-server: $schema={schema}
# A new brochure. Build it in this folder with: brochure build
# Every block type is shown once; see docs/content-schema.md for all keys.
theme: theme.yaml
meta:
  kicker: 示例刊头 2026
  title: 新手册：标题写在这里
  subtitle: 副标题 简要说明主题
  lead: 导语放在目录页上方，用一两句话说明这本手册讲什么。
  issuer: 编辑部
  date: "2026-01"
  language: zh-CN
parts:
  - title: 第一篇
    layout: section
    headline: 第一篇的大标题
    tag: 标签文字
    # picture: images/sample.jpg   # the section's picture, for themes whose openers show one (magazine)
    blocks:
      - paragraph: 正文段落按照中文排版规则自动两端对齐，首行缩进两字；数字如 2026 年、17.28% 和英文 ReportLab 不会被拆开。
      - heading: 小标题
      - paragraph: 需要强调的文字可以写成 **加粗**，其他字符都原样印出，例如 <b> 与 &。
      - quote: 引文放在带色条的框里。
        source: 引文出处
      - paragraph: 原稿在句中中断的段落标为 truncated，印出时带编辑标记
        truncated: true
  - title: 数据
    blocks:
      - scorecard: 成绩单
        note: 数据为示例
        chart: bars          # the year-on-year changes also as a bar chart
        rows:
          - {{metric: 一般公共预算收入, value: "7.96", unit: 亿元, change: "10.1"}}
          - {{metric: 固定资产投资, value: "106.2", unit: 亿元, change: "16"}}
          - {{metric: 外贸进出口总额, value: "12.4", unit: 亿元, change: "-3.2"}}
          - {{metric: 城镇化率, from: "68.09", value: "70", unit: "%"}}
          - {{metric: 市场主体, qualifier: 超, value: "2", unit: 万户, remark: 以上}}
      - table: 任意列的表格          # columns named here; numbers as editors write them
        columns:
          - 指标
          - {{header: 数值, kind: number}}
          - {{header: 同比, kind: change}}
          - {{header: 说明, kind: text}}
        rows:
          - [地区生产总值, 约286亿元, +4.2, 示例数据]
          - [重点项目, 90.62亿元（133个）, +12.4, 括号里是项目个数]
          - [建成区面积, 7平方公里→10平方公里, "", ""]
          - [失业率, 5.6%, 同比下降0.3个百分点, ""]
      - table: 月度数据（从表格文件读入）
        rows: data/月度.csv        # or a .xlsx file (sheet: and range: optional)
        columns:
          - 月份
          - {{header: 产值, kind: number, unit: 亿元}}
        chart: line
  - title: 图片
    layout: gallery
    blocks:
      - figure: 有图片文件的图
        image: images/sample.jpg
        alt: 示例图片：渐变色块   # what the picture shows, read aloud by a screen reader
      - figure: 没有图片文件时显示占位框
      - photos:              # a grid of pictures, three to a row
          - {{image: images/sample.jpg, caption: 组图一, alt: 示例图片}}
          - {{image: images/sample.jpg, caption: 组图二, alt: 示例图片}}
          - {{caption: 组图三（待补图片）}}
        columns: 3
"""

MONTHLY = "月份,产值\n" + "".join(
    f"{month}月,{value}\n" for month, value in zip(
        range(1, 13), (21.4, 18.9, 23.6, 24.1, 25.0, 26.3, 25.8, 26.9, 27.5, 28.2, 29.0, 31.4),
        strict=True))
"""The scaffold's spreadsheet (made-up figures), a CSV as Excel saves it."""

THEME = """\
# yaml-language-server: $schema={schema}
# This theme changes only what it names; everything else comes from the default theme.
name: {name}
extends: default
colors:
  primary: [85, 10, 100, 10]    # green instead of red; primary_dark, made from it, follows
"""


def scaffold(folder: Path) -> list[Path]:
    """Create the new brochure's files; refuses, before writing anything, when any of them
    (or anything else that is not a folder where a folder goes) already exists."""
    schemas = folder / ".schemas"
    texts = {  # the files an editor wrote to first, so that a refusal names them
        folder / "content.yaml": CONTENT.format(schema=".schemas/content.schema.json"),
        folder / "theme.yaml": THEME.format(schema=".schemas/theme.schema.json",
                                            name=json.dumps(folder.resolve().name or "brochure",
                                                            ensure_ascii=False))}
    for name in ("content.schema.json", "theme.schema.json"):
        texts[schemas / name] = (data.schemas_dir() / name).read_text(encoding="utf-8")
    texts[folder / "data" / "月度.csv"] = MONTHLY
    image = folder / "images" / "sample.jpg"
    for place in (folder, schemas, image.parent, folder / "data"):
        if os.path.exists(place) and not os.path.isdir(place):
            raise BrochureError("this is a file, where the new brochure needs a folder",
                                path=place, hint="choose a new folder name")
    for place in (schemas, image.parent, folder / "data"):  # into the new folder only
        if os.path.islink(place):
            raise BrochureError("this is a link to another folder; nothing was written",
                                path=place, hint="choose a new folder name")
    existing = [path for path in (*texts, image) if os.path.lexists(path)]
    if existing:
        raise BrochureError("a brochure already exists here; nothing was written",
                            path=existing[0], hint="choose a new folder name")
    try:
        for place in (folder, schemas, image.parent, folder / "data"):
            place.mkdir(parents=True, exist_ok=True)
        for path, text in texts.items():
            with path.open("x", encoding="utf-8") as stream:  # "x": never over a file
                stream.write(text)
        with image.open("xb") as stream:
            _sample_image(stream)
    except FileExistsError as exc:  # made by someone else since the check above
        raise BrochureError("a file appeared while the brochure was being made; it was left"
                            " as it is", path=exc.filename, hint="choose a new folder name"
                            ) from None
    except OSError as exc:
        raise BrochureError(f"cannot make the brochure here: {exc.strerror or exc}",
                            path=exc.filename or folder,
                            hint="choose a folder you can write to") from None
    return [folder / "content.yaml", folder / "theme.yaml", image, folder / "data" / "月度.csv"]


def _sample_image(stream: BinaryIO) -> None:
    """A 2400×1600 landscape drawn here (no download): sky, sun, hills."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (2400, 1600), (120, 170, 215))
    draw = ImageDraw.Draw(image)
    for row in range(800):  # a sky that lightens towards the horizon
        tone = int(170 + row * 0.08)
        draw.line([(0, row), (2400, row)], fill=(120 + row // 10, tone, 225))
    draw.ellipse((1650, 250, 1950, 550), fill=(250, 210, 90))
    draw.polygon([(0, 1100), (700, 650), (1300, 1050), (1800, 700), (2400, 1000),
                  (2400, 1600), (0, 1600)], fill=(70, 130, 80))
    draw.polygon([(0, 1350), (900, 1000), (1600, 1300), (2400, 1150), (2400, 1600),
                  (0, 1600)], fill=(50, 100, 60))
    image.save(stream, "JPEG", quality=88, dpi=(300, 300))
