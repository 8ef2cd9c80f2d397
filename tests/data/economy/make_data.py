"""Writes the spreadsheets of the economy test text (made-up figures, for typesetting tests):
data/月度.xlsx (60 months, as Excel keeps them: dates, number formats, one number stored as
text) and data/地区.csv (in GB18030, as Excel saves "CSV" in China). Run it to remake them:
.venv/bin/python tests/data/economy/make_data.py
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).parent


def monthly() -> Workbook:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "月度"
    sheet.append(["月份", "社会消费品零售总额", "同比增长", "备注"])
    value = 30_000.0
    for index in range(60):
        year, month = 2018 + index // 12, index % 12 + 1
        seasonal = 1 + 0.08 * math.sin(2 * math.pi * (month - 3) / 12) + (0.12 if month == 12
                                                                           else 0)
        dip = 0.78 if (year, month) in ((2020, 2), (2020, 3)) else 0.93 if year == 2020 else 1
        amount = round(value * seasonal * dip, 1)
        change = round(8.5 - 1.1 * (year - 2018) + (-20.5 if dip < 0.8 else
                                                    -6 if dip < 1 else 0)
                       + 0.3 * math.cos(month), 1)
        note = "春节在2月" if month == 2 else ""
        sheet.append([dt.date(year, month, 1), amount, change, note])
        row = sheet.max_row
        sheet.cell(row, 1).number_format = 'yyyy"年"m"月"'
        sheet.cell(row, 2).number_format = "#,##0.0"
        sheet.cell(row, 3).number_format = "0.0"
        value *= 1.004
    return book


REGIONS = [("东湖区", 86.4, 1203.5, 5.1), ("西山区", 52.1, 688.2, 4.3),
           ("南岭县", 38.7, 312.9, -1.2), ("北塘镇", 12.3, 96.4, 6.8),
           ("青石县", 41.0, 355.0, 3.0), ("白沙区", 67.9, 940.7, 4.9),
           ("云溪县", 29.4, 210.3, 2.2), ("金桥开发区", 18.2, 520.6, 9.4),
           ("河口镇", 9.8, 61.2, -0.4), ("桃源县", 33.3, 241.8, 3.6),
           ("石门区", 71.5, 1010.1, 5.5), ("长林县", 27.6, 188.0, 1.9),
           ("新港区", 58.8, 865.4, 7.2), ("梅岭县", 22.1, 143.7, 2.8),
           ("龙口镇", 11.4, 80.9, 0.0), ("高新区", 24.6, 702.3, 11.3)]


def regions() -> bytes:
    lines = ["地区,常住人口（万人）,地区生产总值（亿元）,增速"]
    lines += [f"{name},{people},\"{gdp:,.1f}\",{growth:+.1f}" for name, people, gdp, growth
              in REGIONS]
    return ("\r\n".join(lines) + "\r\n").encode("gb18030")


if __name__ == "__main__":
    monthly().save(HERE / "data" / "月度.xlsx")
    (HERE / "data" / "地区.csv").write_bytes(regions())
