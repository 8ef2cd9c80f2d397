"""Chinese layout rules as data (W3C clreq, GB/T 15834-2011), shared by composer and checks.

Each table can be read against https://www.w3.org/TR/clreq/ (anchors in the comments).
"""

from __future__ import annotations

import re

# [#prohibition_rules_for_line_start_end], "basic" level plus the strict marks … — and
# the connectors and interpuncts the brochure's editors asked for.
LINE_START_FORBIDDEN = (
    "。．，、：；！？‼⁇"            # pause and stop marks
    "”’」』）〕］｝】〗》〉"          # closing quotes and brackets
    "～·・‧/／"                     # connectors, interpuncts, solidus
    "…‥—–"                         # ellipsis and dash halves (strict)
    "%‰℃)]}!,.:;?"                  # half-width closers that may follow a number or word
)
LINE_END_FORBIDDEN = "“‘「『（〔［｛【〖《〈([{"

# [#punctuation_width_adjustment]: in Simplified Chinese fonts these marks have their ink in
# one half of the em box and an empty half on the other side, which compression removes.
BLANK_RIGHT = "，。、；：！？”’」』）〕］｝】〗》〉"
BLANK_LEFT = "“‘「『（〔［｛【〖《〈"
PUNCTUATION = BLANK_RIGHT + BLANK_LEFT + "·・…—～"

# [#prohibition_rules_for_unbreakable_marks]: the halves of —— and …… stay together.
UNBREAKABLE_PAIRS = ("——", "……")

# Numbers and Latin words never split (UAX #14 AL/NU with PR/PO): 7.96, 17.28%, G351, 5G+,
# 2023－2025, ¥100, 3.5℃, e-mail, https://w3.org/TR/clreq.
LATIN_RUN = re.compile(
    r"[¥$€£#]?[A-Za-z0-9]+(?:[.,:/\-－_@&'’+][A-Za-z0-9]+)*[%‰℃+]*")


def is_han(char: str) -> bool:
    """A CJK ideograph (BMP blocks and the supplementary planes)."""
    code = ord(char)
    return (0x3400 <= code <= 0x4DBF or 0x4E00 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF
            or 0x20000 <= code <= 0x3FFFF)


def is_latin(char: str) -> bool:
    """A Latin letter or digit (ASCII or Latin-1), the class that takes Han–Latin spacing."""
    return char.isascii() and char.isalnum() or ("\u00c0" <= char <= "\u024f")


# [#punctuation_width_adjustment], ctex's punct= option: how wide the marks are set.
# quanjiao (全角式): every mark 1 em, adjacent marks compressed; kaiming (开明式): the
# sentence-end marks 1 em, the other marks half; banjiao (半角式): every mark half width.
# A half-width mark keeps its ink half and loses its empty half.
PUNCTUATION_STYLES = ("quanjiao", "kaiming", "banjiao")
FULL_IN_KAIMING = "。？！"
# [#id-middle-dots]: the interpunct between the parts of a foreign name (史蒂文·巴奈特) is set
# half width in Simplified Chinese, its ink centred in half an em; Traditional Chinese (Taiwan,
# Hong Kong, Macao) gives it a full em, as it does every mark.
INTERPUNCTS = "·・‧"
FULL_INTERPUNCT_REGIONS = ("zh-tw", "zh-hk", "zh-mo", "zh-hant")


def half_width_interpunct(language: str) -> bool:
    """Whether a document in `language` (a BCP 47 tag) sets the interpunct half width."""
    tag = language.strip().lower().replace("_", "-")
    return not any(tag == region or tag.startswith(region + "-")
                   for region in FULL_INTERPUNCT_REGIONS)


def half_width(char: str, style: str) -> bool:
    """Whether a mark with an empty half (BLANK_RIGHT or BLANK_LEFT) is set half width in a
    punctuation style."""
    if style == "banjiao":
        return True
    return style == "kaiming" and char not in FULL_IN_KAIMING


# Issue 18: a justified line no looser than this, in em added to each gap between two Han
# characters (fangzheng and InDesign CJK composers keep body text within 0.1–0.15 em).
LOOSE_LIMIT = 0.15

# [#handling_numbers] and GB/T 15835-2011 §5 (数字与其计量单位、量词不宜拆开): a number and
# the unit or measure word after it read as one word, and a line break between them ("2 | 月7日",
# "（2023－2025 | 年）", "69.3 | 亿元") strands one half. The composer charges a break inside a
# span KEPT_TOGETHER matches a penalty (not a prohibition: in a very narrow column a loose line
# is worse); `brochure check --typography` counts such breaks. The list is the units and
# measure words of the 统计公报 and 政府工作报告 texts the brochures are made of, longest first
# within a shared first character so that 平方公里 wins over 平方米 and 公里 over 公.
MAGNITUDES = "万亿千百"
"""Magnitude words between a number and its unit: 1.86万人, 312.6亿元, 3865万件."""
UNITS = (
    # time and dates: 2月7日, 9时30分, 2023－2025年, 第2版
    "年", "月", "日", "号", "时", "分", "秒", "天", "周", "岁", "届", "期", "版", "季度",
    # money and shares: 亿元 万元 are magnitude + 元; % ‰ ℃ full width and half width
    "元", "%", "％", "‰", "℃", "倍", "成", "个百分点",
    # households, people and counts (measure words)
    "户", "个", "人", "次", "家", "项", "件", "所", "处", "条", "类", "头", "只", "张", "名", "位",
    "台", "辆", "座", "套", "批", "篇", "页", "级", "层", "轮", "场", "支", "部", "册",
    # lengths, areas, masses, energy
    "平方公里", "平方千米", "平方米", "公里", "千米", "公顷", "公斤", "千克", "千瓦时", "千瓦",
    "米", "亩", "吨", "克", "度",
)
_NUMBER = r"\d+(?:[.．,]\d+)*(?:[－\-–~～]\d+(?:[.．]\d+)?)?"
_UNIT = "|".join(sorted(UNITS, key=len, reverse=True))
KEPT_TOGETHER = re.compile(
    rf"{_NUMBER}(?:[{MAGNITUDES}]*(?:{_UNIT})|[{MAGNITUDES}]+)"   # 69.3亿元, 2023－2025年, 1.2万
    rf"(?:(?<![日号]){_NUMBER}(?:[{MAGNITUDES}]*(?:{_UNIT})))*")  # 2月7日, 9时30分, 3时5分20秒
"""Numbers with their units and dates: no line should break inside one. A date ends at its
day (2026年1月18日 | 14时: the time after it is a span of its own)."""
NAME_REACH = 2
"""Characters of a transliterated name kept on each side of its interpunct: "史蒂 | 文·巴奈特"
and "史蒂文· | 巴奈特" are both breaks in a name (译名 halves are mostly 2–4 characters)."""


def kept_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each span of text no line should break inside: a KEPT_TOGETHER
    match, or an interpunct with up to NAME_REACH letters on each side (史蒂文·巴奈特); a
    break at offset p with start < p < end parts the span."""
    spans = [match.span() for match in KEPT_TOGETHER.finditer(text)]
    for index, char in enumerate(text):
        if char in INTERPUNCTS:
            start = index
            while start > index - NAME_REACH and start > 0 and _name_letter(text[start - 1]):
                start -= 1
            end = index + 1
            while end < index + 1 + NAME_REACH and end < len(text) and _name_letter(text[end]):
                end += 1
            spans.append((start, end))
    return spans


def _name_letter(char: str) -> bool:
    """A letter of a name (Han or Latin), not a digit, mark or space."""
    return char.isalpha()


def breaks_kept(before: str, after: str) -> bool:
    """Whether a line ending with `before` and the next starting with `after` split a
    number from its unit, a date, or a name near its interpunct (the line-pair check of
    `brochure check --typography`)."""
    text = before + after
    cut = len(before)
    return any(start < cut < end for start, end in kept_spans(text))
