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
# half width in Simplified Chinese, its ink centred in half an em.
INTERPUNCTS = "·・‧"


def half_width(char: str, style: str) -> bool:
    """Whether a mark with an empty half (BLANK_RIGHT or BLANK_LEFT) is set half width in a
    punctuation style."""
    if style == "banjiao":
        return True
    return style == "kaiming" and char not in FULL_IN_KAIMING
