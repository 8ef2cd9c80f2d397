"""Load stage: numbers as editors write them in tables (issue 14, first step).

A cell such as 超2万户, 3.1万亿美元以上, 90.62亿元（133个）, 同比下降0.3个百分点,
7平方公里→10平方公里, -3.2% or 1,234.5 is split into the parts a table aligns and
colours (the number, a second number of a range) and the parts it keeps as written (a
qualifier before the number, its unit, a tail such as 以上 or 左右, a note in brackets).
Nothing is dropped: `Quantity.text()` gives the cell back as it was written, so the print
record can hold the PDF against it.

Not wired into the layout yet: the declared table columns that will use it come next.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

QUALIFIERS = ("突破", "超过", "达到", "接近", "不足", "不到", "约", "近", "超", "逾", "达", "共",
              "计", "约为")
"""Words before a number that qualify it (longest first when matched)."""
DIRECTIONS = {"同比增长": 1, "同比上升": 1, "同比提高": 1, "同比下降": -1, "同比减少": -1,
              "增长": 1, "上升": 1, "提高": 1, "增加": 1, "下降": -1, "减少": -1, "降低": -1}
"""Words before a change that give its sign (同比下降0.3个百分点 is −0.3)."""
TAILS = ("以上", "以下", "以内", "左右", "上下", "多")
"""Words after a number's unit that stay with it."""
ARROWS = ("→", "->", "～", "~", "至", "—", "－")
"""Between the two numbers of a range (7→10, 7~10, 7至10)."""

_NUMBER = r"[+\-−]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[+\-−]?\d+(?:\.\d+)?"
_NUMBER_RE = re.compile(_NUMBER)
_BRACKET = re.compile(r"[（(][^（）()]*[）)]$")


@dataclass(frozen=True)
class Quantity:
    """A number cell, split into what a table aligns and what it keeps as written."""

    qualifier: str
    """A word before the number (超, 约, 同比下降, …) or ''."""
    number: str
    """The number as written, separators kept ('1,234.5', '-3.2')."""
    unit: str
    """What follows the number: 亿元, 万户, %, 个百分点, 平方公里, or ''."""
    upper: str = ""
    """A range's second number as written (7→10: '10'), or ''."""
    arrow: str = ""
    """What stands between a range's numbers (→, ~, 至), with the first unit if repeated."""
    tail: str = ""
    """A word after the unit: 以上, 左右, … or ''."""
    note: str = ""
    """A bracketed note after it all: （133个）, or ''."""

    @property
    def value(self) -> Decimal:
        """The number, signed by a direction word (下降 → negative)."""
        number = Decimal(self.number.replace(",", "").replace("−", "-"))
        return -abs(number) if DIRECTIONS.get(self.qualifier, 1) < 0 else number

    @property
    def upper_value(self) -> Decimal | None:
        """A range's second number, or None."""
        return Decimal(self.upper.replace(",", "")) if self.upper else None

    def text(self) -> str:
        """The cell as it was written."""
        return (f"{self.qualifier}{self.number}{self.arrow}{self.upper}{self.unit}"
                f"{self.tail}{self.note}")


@functools.lru_cache(maxsize=8192)
def parse_quantity(text: str) -> Quantity | None:
    """The number cell `text` split up, or None if it is no number form (a text cell).
    White space at the ends is ignored; inside, it is kept in the unit or tail. (Cached:
    the check, the table and its chart read the same cells.)"""
    cell = text.strip()
    note = ""
    bracket = _BRACKET.search(cell)
    if bracket and bracket.start() > 0:
        cell, note = cell[:bracket.start()], bracket.group()
    qualifier = _prefix(cell, (*DIRECTIONS, *QUALIFIERS))
    rest = cell[len(qualifier):]
    first = _NUMBER_RE.match(rest)
    if first is None:
        return None
    number, rest = first.group(), rest[first.end():]
    arrow = upper = ""
    for mark in ARROWS:  # 7→10, or 7平方公里→10平方公里 (the first unit kept in the arrow)
        at = rest.find(mark)
        if at >= 0 and _NUMBER_RE.match(rest[at + len(mark):]) and not _NUMBER_RE.search(
                rest[:at]):
            second = _NUMBER_RE.match(rest[at + len(mark):])
            assert second is not None
            arrow, upper = rest[:at + len(mark)], second.group()
            rest = rest[at + len(mark) + second.end():]
            break
    tail = next((t for t in TAILS if rest.endswith(t) and len(rest) > 0), "")
    unit = rest[:len(rest) - len(tail)]
    if _NUMBER_RE.search(unit) or not _is_unit(unit):
        return None  # a second number or a sentence: a text cell, not a number
    try:
        quantity = Quantity(qualifier, number, unit, upper, arrow, tail, note)
        quantity.value  # noqa: B018 - raises on a malformed number
    except InvalidOperation:
        return None
    return quantity


def _prefix(text: str, words: tuple[str, ...]) -> str:
    """The longest of `words` that `text` starts with, or ''."""
    return max((w for w in words if text.startswith(w)), key=len, default="")


MAX_UNIT = 8
"""A unit longer than this many characters is a sentence, not a unit."""


def _is_unit(text: str) -> bool:
    """Whether `text` can be a unit: short, no sentence punctuation."""
    return len(text) <= MAX_UNIT and not any(mark in text for mark in "，。；、：！？,;")


_UNIT_WORDS = (
    "万亿美元 亿美元 万美元 美元 万亿元 亿元 万元 元 万亿 "
    "亿千瓦时 万千瓦 千瓦时 千瓦 平方公里 平方千米 平方米 立方米 "
    "公里 千米 米 公顷 万亩 亩 万吨 吨 千克 公斤 万户 户 "
    "万人次 人次 万人 人 个百分点 百分点 % ％ ‰ 个 家 项 所 "
    "座 条 件 次 套 辆 台 倍 年 月 日 号 天 小时 岁 名 位 "
    "张 间 部 种 批 亿 万 千"
)
UNITS = tuple(_UNIT_WORDS.split(" "))
"""Units and measure words that stay on the line of the number before them."""
_UNIT = "|".join(sorted(map(re.escape, UNITS), key=len, reverse=True))
_QUALIFIER = "|".join(sorted(map(re.escape, QUALIFIERS), key=len, reverse=True))
_ARROW = "|".join(map(re.escape, ARROWS))
NUMBER_WITH_UNIT = re.compile(
    rf"(?:{_QUALIFIER})?(?:{_NUMBER})(?:(?:{_UNIT})*(?:{_ARROW})(?:{_NUMBER}))?"
    rf"(?:{_UNIT})*(?:(?:{_NUMBER})(?:{_UNIT})+)*")
"""A number with what must not leave it: a qualifier before it, its range, its units, and
the numbers and units of a date that follow (2022年10月1日, 7平方公里→10平方公里)."""


VALUE_SEPARATORS = re.compile(r"[、；;，]\s*|\s+")
"""Between the values a cell lists (6.87亿吨、598万吨)."""


def parse_values(text: str) -> list[Quantity] | None:
    """The values of a cell that lists several (粮食6.87亿吨、棉花598万吨: words before each
    number allowed), or None if a piece is no number form. A single value is a list of one."""
    single = parse_quantity(text)
    if single is not None:
        return [single]
    values = []
    for piece in (p for p in VALUE_SEPARATORS.split(text.strip()) if p):
        start = _NUMBER_RE.search(piece)
        if start is None:
            return None
        quantity = parse_quantity(piece[start.start():])
        if quantity is None:
            return None
        values.append(quantity)
    return values if len(values) > 1 else None
