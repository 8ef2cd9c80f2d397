"""Numbers as editors write them (builder/source/numbers.py, issue 14's first step): every
form splits into qualifier, number, range, unit, tail and note, and gives the cell back
exactly as written; text cells are not taken for numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from builder.source.numbers import QUALIFIERS, TAILS, parse_quantity


@pytest.mark.parametrize(("cell", "qualifier", "value", "unit", "upper", "tail", "note"), [
    ("7.96", "", "7.96", "", None, "", ""),
    ("1,234.5", "", "1234.5", "", None, "", ""),
    ("超2万户", "超", "2", "万户", None, "", ""),
    ("约6.06亿元", "约", "6.06", "亿元", None, "", ""),
    ("3.1万亿美元以上", "", "3.1", "万亿美元", None, "以上", ""),
    ("90.62亿元（133个）", "", "90.62", "亿元", None, "", "（133个）"),
    ("同比下降0.3个百分点", "同比下降", "-0.3", "个百分点", None, "", ""),
    ("同比增长10%左右", "同比增长", "10", "%", None, "左右", ""),
    ("-3.2%", "", "-3.2", "%", None, "", ""),
    ("−3.2%", "", "-3.2", "%", None, "", ""),
    ("7→10", "", "7", "", "10", "", ""),
    ("7平方公里→10平方公里", "", "7", "平方公里", "10", "", ""),
    ("68.09%～70%", "", "68.09", "%", "70", "", ""),
    ("突破4万元", "突破", "4", "万元", None, "", ""),
    ("逾100家", "逾", "100", "家", None, "", ""),
    ("4000张以上", "", "4000", "张", None, "以上", ""),
])
def test_every_number_form_splits_and_comes_back_as_written(
        cell: str, qualifier: str, value: str, unit: str, upper: str | None, tail: str,
        note: str) -> None:
    quantity = parse_quantity(cell)
    assert quantity is not None, cell
    assert quantity.qualifier == qualifier and quantity.value == Decimal(value)
    assert quantity.unit == unit and quantity.tail == tail and quantity.note == note
    assert quantity.upper_value == (None if upper is None else Decimal(upper))
    assert quantity.text() == cell


@pytest.mark.parametrize("cell", [
    "", "以上", "全部脱贫", "年均增长10%左右",  # no number first: a text cell
    "改造老旧小区97个，整治背街小巷141条",     # a sentence with two numbers
    "97个，141条",                            # two values in one cell stay text
    "7.9.6亿元",                              # not a number
    "2万户超出预期目标很多很多很多",            # a sentence after the number
])
def test_text_cells_are_not_numbers(cell: str) -> None:
    assert parse_quantity(cell) is None


@given(qualifier=st.sampled_from(("", *QUALIFIERS)),
       number=st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False),
       unit=st.sampled_from(("", "亿元", "万户", "%", "个百分点", "平方公里", "家")),
       tail=st.sampled_from(("", *TAILS)))
def test_any_number_form_round_trips(qualifier: str, number: Decimal, unit: str,
                                     tail: str) -> None:
    cell = f"{qualifier}{number}{unit}{tail}"
    quantity = parse_quantity(cell)
    assert quantity is not None, cell
    assert quantity.text() == cell and quantity.value == number
