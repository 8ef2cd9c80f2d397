"""Property-based tests (hypothesis): random documents of random structure and size.

Valid documents (characters the fonts have, texts within their limits) always build, and
every character of their texts is in the PDF. Anything else, from a damaged document to
random bytes, either builds the same way or fails with a BrochureError naming the content
file: never another exception, never a hang (each build runs under a time limit).

CI runs VALID + DAMAGED + GARBLED + BYTES = 300 examples, about 15 s on 2 cores.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
import yaml
from content_factory import time_limit, write
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PIL import Image

from builder.build import build
from builder.errors import BrochureError
from builder.rules.check import MAX_LENGTH
from builder.source.content import load_document
from builder.source.model import Scorecard
from builder.source.texts import tag_printed, texts
from builder.source.theme import load_theme, theme_path
from builder.typeset.typesetter import register_theme_fonts

VALID, DAMAGED, GARBLED, BYTES = 60, 60, 80, 100
"""Examples per property run in CI; BROCHURE_PROPERTY_SCALE=10 runs ten times as many."""
SCALE = float(os.environ.get("BROCHURE_PROPERTY_SCALE", "1"))
SECONDS = 30
"""A single build taking longer counts as a hang."""


def examples(count: int) -> settings:
    """Hypothesis settings of these tests: `count` examples, no per-example deadline (the
    time limit is SECONDS, enforced by a signal). Under CI (CI=true) the examples are
    derandomized, so a run can be repeated exactly; elsewhere each run explores new ones."""
    return settings(max_examples=max(1, int(count * SCALE)), deadline=None,
                    derandomize=os.environ.get("CI") == "true",
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


_faces = register_theme_fonts(load_theme(theme_path("default"))).faces
COVERED = sorted(chr(code) for code in set.intersection(*(set(f.codepoints) for f in _faces))
                 if unicodedata.category(chr(code)) not in ("Mn", "Mc", "Cf")
                 and not chr(code).isspace())
"""Characters every font of the default theme has (no spaces, no combining marks)."""
HAN = [c for c in COVERED if "\u4e00" <= c <= "\u9fff"]
LATIN = [c for c in COVERED if c.isascii() and c.isalnum()]
MARKS = list("，。、；：！？“”‘’（）《》「」『』【】…—·%.,:;!?()<>&\"'/-*#")


def text(limit: int, minimum: int = 1) -> st.SearchStrategy[str]:
    """Chinese-looking text: mostly Han, some Latin, marks and spaces, any covered char."""
    char = st.one_of(st.sampled_from(HAN), st.sampled_from(HAN), st.sampled_from(LATIN),
                     st.sampled_from(MARKS), st.sampled_from(COVERED), st.just(" "))
    return st.builds(lambda first, rest: (first + rest)[:limit], st.sampled_from(HAN),
                     st.lists(char, min_size=minimum - 1, max_size=limit - 1).map("".join))


def limited(what: str) -> st.SearchStrategy[str]:
    return text(MAX_LENGTH[what] - 3)  # room for the number that makes a text unique


NUMBER = st.builds(lambda whole, fraction, sign: f"{sign}{whole}{fraction}",
                   st.integers(0, 999_999), st.sampled_from(["", ".5", ".25", ".08"]),
                   st.sampled_from(["", "-"]))
CHANGE = st.builds(lambda whole, fraction, sign: f"{sign}{whole}{fraction}",
                   st.integers(0, 999), st.sampled_from(["", ".5", ".25"]),
                   st.sampled_from(["", "-", "+"]))
ROW = st.fixed_dictionaries({"metric": limited("row 'metric'"), "value": NUMBER}, optional={
    "unit": st.sampled_from(["亿元", "%", "万亩", "个", "km"]), "change": CHANGE,
    "from": NUMBER, "qualifier": st.sampled_from(["超", "突破", "达到"]),
    "remark": limited("row 'remark'")})
BLOCK = st.one_of(
    st.fixed_dictionaries({"paragraph": text(900)}, optional={"truncated": st.booleans()}),
    st.fixed_dictionaries({"heading": text(120)}),
    st.fixed_dictionaries({"quote": limited("quote")},
                          optional={"source": limited("quote source")}),
    st.fixed_dictionaries({"figure": limited("figure caption")},
                          optional={"image": st.sampled_from(["small.png", "tall.png",
                                                              "wide.png", "gone.png"])}),
    st.fixed_dictionaries({"scorecard": text(40), "rows": st.lists(ROW, min_size=1,
                                                                   max_size=6)},
                          optional={"note": text(200)}),
)
PART = st.fixed_dictionaries(
    {"title": limited("part 'title'"), "blocks": st.lists(BLOCK, min_size=1, max_size=5)},
    optional={"layout": st.sampled_from(["section", "plain", "gallery"]),
              "headline": limited("part 'headline'"), "tag": limited("part 'tag'")})
META = st.fixed_dictionaries(
    {"title": limited("meta 'title'"), "language": st.just("zh-CN"),
     "date": st.sampled_from(["2022", "2022-10", "2022-10-01", "2022年10月1日"])},
    optional={"kicker": limited("meta 'kicker'"), "subtitle": limited("meta 'subtitle'"),
              "lead": limited("meta 'lead'"), "issuer": limited("meta 'issuer'"),
              "subject": text(60)})
DOCUMENT = st.fixed_dictionaries({"meta": META,
                                  "parts": st.lists(PART, min_size=1, max_size=4)})


def unique(document: dict[str, Any]) -> dict[str, Any]:
    """Number repeated block texts (a repeat is an error of the content, not of the build)."""
    seen: set[str] = set()
    for part in document["parts"]:
        for block in part["blocks"]:
            key = next(k for k in ("paragraph", "heading", "quote", "figure", "scorecard")
                       if k in block)
            while block[key].strip() in seen:
                block[key] += str(len(seen) % 100)
            seen.add(block[key].strip())
    return document


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the random documents are written, with the pictures they may name."""
    path = tmp_path_factory.mktemp("random")
    for name, size in (("small.png", (30, 20)), ("tall.png", (20, 900)),
                       ("wide.png", (900, 20))):
        Image.new("RGB", size, "teal").save(path / name)
    return path


def printed_characters(path: Path) -> Counter[str]:
    """The characters of every text the document prints (white space and * aside): all but
    the subject (metadata) and tags the default design leaves out; a scorecard titled as
    its part prints the title once; a change prints without its sign."""
    document = load_document(path)
    titles = {id(block) for part in document.parts for block in part.blocks
              if isinstance(block, Scorecard) and block.title == part.title}
    values = [t.value.lstrip("+-") if t.what == "row 'change'" else t.value
              for t in texts(document)
              if t.what != "meta 'subject'"
              and not (t.what == "part 'tag'" and not tag_printed(t.owner, None))
              and not (t.what == "scorecard title" and id(t.owner) in titles)]
    return Counter(re.sub(r"[\s*]", "", "".join(values)))


def pdf_characters(pdf: Path) -> Counter[str]:
    """The characters of the PDF's text (pdfium reports a hyphen at a line end as U+FFFE)."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        text = "".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()
    return Counter(re.sub(r"[\s*]", "", text.replace("\ufffe", "-")))


def build_or_clean_error(path: Path) -> None:
    """The property of any input: a build with every text in the PDF, or a BrochureError
    naming the content file."""
    output = path.with_suffix(".pdf")
    output.unlink(missing_ok=True)
    try:
        with time_limit(SECONDS):
            build(path, output)
    except BrochureError as error:
        assert str(path) in str(error), str(error)
        assert not output.exists()
        event(f"error: {error.message.split(':')[0][:40]}")
        return
    event("built")
    missing = printed_characters(path) - pdf_characters(output)
    assert not missing, f"characters missing from the PDF: {dict(missing)}"


@examples(VALID)
@given(document=DOCUMENT)
def test_valid_documents_build_with_every_text(folder: Path, document: dict) -> None:
    path = write(folder, unique(document))
    output = path.with_suffix(".pdf")
    with time_limit(SECONDS):
        result = build(path, output)
    assert [f for f in result.findings if f.severity == "error"] == []
    missing = printed_characters(path) - pdf_characters(output)
    assert not missing, f"characters missing from the PDF: {dict(missing)}"


DAMAGE = st.sampled_from([
    ("paragraph", "缺字𪚥"), ("paragraph", "表情😀"), ("paragraph", "\ue000"),
    ("metric", "数" * 200), ("value", "七点九六"), ("change", "10%"), ("date", "明年"),
    ("image", "../outside.png"), ("image", "/etc/passwd"), ("layout", "grid"),
    ("title", None), ("blocks", []), ("blocks", "正文"), ("meta", [1, 2]),
    ("extra", "未知的键"), ("truncated", "maybe"), ("figure", {"a": 1}),
])


def damage(document: dict[str, Any], fault: tuple[str, Any], where: int) -> dict[str, Any]:
    """Put one fault into a valid document, at the first place (from `where` on) it fits."""
    key, value = fault
    places: list[dict[str, Any]] = [document, document["meta"]]
    for part in document["parts"]:
        places.append(part)
        for block in part["blocks"]:
            places.append(block)
            places += block.get("rows", [])
    fits = [p for p in places if key in p] or [places[-1]]
    place = fits[where % len(fits)]
    if value is None:
        place.pop(key, None)
    elif key == "paragraph" and key in place:
        middle = len(place[key]) // 2
        place[key] = place[key][:middle] + value + place[key][middle:]
    else:
        place[key] = value
    return document


@examples(DAMAGED)
@given(document=DOCUMENT, fault=DAMAGE, where=st.integers(0, 50),
       repeat=st.booleans())
def test_damaged_documents_build_or_fail_cleanly(folder: Path, document: dict, fault,
                                                 where: int, repeat: bool) -> None:
    document = damage(unique(document), fault, where)
    if repeat:  # a repeated part: duplicate-section
        document["parts"].append(yaml.safe_load(yaml.safe_dump(document["parts"][0])))
    build_or_clean_error(write(folder, document))


YAML_CHARS = st.sampled_from(list(":-[]{}&*!|>'\"#%@`,? \n\t") + ["  ", "- ", ": "] + HAN[:50])


@examples(GARBLED)
@given(document=DOCUMENT, edits=st.lists(
    st.tuples(st.integers(0, 10_000), st.integers(0, 3), YAML_CHARS), min_size=1, max_size=6))
def test_garbled_yaml_builds_or_fails_cleanly(folder: Path, document: dict,
                                              edits: list[tuple[int, int, str]]) -> None:
    source = write(folder, unique(document)).read_text(encoding="utf-8")
    for position, cut, insert in edits:
        position %= len(source) + 1
        source = source[:position] + insert + source[position + cut:]
    build_or_clean_error(write(folder, source))


@examples(BYTES)
@given(data=st.one_of(st.binary(max_size=2000), st.text(max_size=500).map(str.encode)))
def test_random_bytes_fail_cleanly(folder: Path, data: bytes) -> None:
    path = folder / "bytes.yaml"
    path.write_bytes(data)
    build_or_clean_error(path)
