"""Hostile input around the content (issue 12): a planted font cache, fonts that are not
fonts, invisible and control characters, dates no calendar has, blocks larger than the page.

Each case ends in a clean result: a build, or a refusal naming the file (and line) with a
hint, never a traceback, a hang or code run from a cache file. What could hang runs in a
child process (`cli_process`)."""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import random
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from content_factory import document, han, write
from hostile import ROOT, assert_refused, cli, cli_process
from hypothesis import event, given
from hypothesis import strategies as st
from test_properties import DOCUMENT, examples, pdf_characters, printed_characters, unique

from builder.build import build, check_file
from builder.engine import private
from builder.errors import BrochureError
from builder.files import LIMITS
from builder.pdf.printing import build_date
from builder.source.content import load_document
from builder.typeset import fonts

FONT = ROOT / "fonts" / "NotoSansSC-Regular.ttf"

# --------------------------------------------------------------------------- font cache


class Plant:
    """Unpickled by plain `pickle.loads`, this creates the file `marker`: code run."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Callable[..., Any], tuple[str, str]]:
        return open, (str(self.marker), "w")


def valid_entry_bytes() -> bytes:
    """The bytes of a genuine cache entry for FONT, written to the cache and removed."""
    path = cache_path()
    parsed = fonts._parse(FONT, FONT, "NotoSansSC-Regular", FONT.read_bytes())
    fonts._write_cache(path, parsed, private.font_codepoints(parsed))
    data = path.read_bytes()
    path.unlink()
    return data


def cache_path() -> Path:
    path = fonts._cache_file(hashlib.sha256(FONT.read_bytes()).hexdigest())
    assert path is not None
    return path


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty private font cache of this test's own; returns the cache folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    folder = fonts.font_cache_dir()
    assert folder is not None
    folder.mkdir(parents=True, mode=0o700)
    return folder


def _entry_with(marker: Path, **changes: object) -> bytes:
    entry = {"key": cache_path().name, "font": {"face": {}, "font": {"fontName": "X"}},
             "rebuilt": {}, "codepoints": frozenset()}
    entry.update(changes)
    return pickle.dumps(entry)


def plant_reduce_inside(target: Path, marker: Path, genuine: bytes) -> None:
    target.write_bytes(_entry_with(marker, codepoints=Plant(marker)))


def plant_reduce_top(target: Path, marker: Path, genuine: bytes) -> None:
    target.write_bytes(pickle.dumps(Plant(marker)))


def plant_reduce_in_genuine(target: Path, marker: Path, genuine: bytes) -> None:
    entry = pickle.loads(genuine)
    entry["font"]["face"]["payload"] = Plant(marker)
    target.write_bytes(pickle.dumps(entry))


def plant_truncated(target: Path, marker: Path, genuine: bytes) -> None:
    target.write_bytes(genuine[: len(genuine) // 2])


def plant_huge(target: Path, marker: Path, genuine: bytes) -> None:
    with open(target, "wb") as stream:  # sparse: no disk used
        stream.truncate(LIMITS["cache"] + 1)


def plant_garbage(target: Path, marker: Path, genuine: bytes) -> None:
    target.write_bytes(random.Random(5).randbytes(4096))


def plant_wrong_shape(target: Path, marker: Path, genuine: bytes) -> None:
    target.write_bytes(pickle.dumps([1, 2, 3]))


def plant_wrong_types(target: Path, marker: Path, genuine: bytes) -> None:
    entry = pickle.loads(genuine)
    face = entry["font"]["face"]
    face["charWidths"] = {code: "wide" for code in face["charWidths"]}
    target.write_bytes(pickle.dumps(entry))


def plant_zero_em(target: Path, marker: Path, genuine: bytes) -> None:
    entry = pickle.loads(genuine)
    entry["font"]["face"]["unitsPerEm"] = 0
    target.write_bytes(pickle.dumps(entry))


def plant_bad_rebuilt(target: Path, marker: Path, genuine: bytes) -> None:
    entry = pickle.loads(genuine)
    entry["rebuilt"] = {("face", "name"): ["not", "a", "kind"], "odd": "TTEncoding"}
    target.write_bytes(pickle.dumps(entry))


def plant_symlink(target: Path, marker: Path, genuine: bytes) -> None:
    elsewhere = target.parent.parent / "elsewhere.pickle"
    elsewhere.write_bytes(genuine)
    target.symlink_to(elsewhere)


def plant_zero_device(target: Path, marker: Path, genuine: bytes) -> None:
    target.symlink_to("/dev/zero")


def plant_fifo(target: Path, marker: Path, genuine: bytes) -> None:
    os.mkfifo(target)


def plant_folder(target: Path, marker: Path, genuine: bytes) -> None:
    target.mkdir()


def plant_open_folder(target: Path, marker: Path, genuine: bytes) -> None:
    target.write_bytes(genuine)  # genuine, but anyone may have written it
    target.parent.chmod(0o777)


def plant_open_file(target: Path, marker: Path, genuine: bytes) -> None:
    target.write_bytes(genuine)
    target.chmod(0o666)


PLANTS = [plant_reduce_inside, plant_reduce_top, plant_reduce_in_genuine, plant_truncated,
          plant_huge, plant_garbage, plant_wrong_shape, plant_wrong_types, plant_zero_em,
          plant_bad_rebuilt, plant_symlink, plant_zero_device, plant_fifo, plant_folder,
          plant_open_folder, plant_open_file]


@pytest.fixture
def genuine(cache: Path) -> bytes:
    return valid_entry_bytes()


def test_the_plant_runs_code_under_plain_pickle(tmp_path: Path) -> None:
    """Control: the planted pickle is a real attack (plain pickle.loads runs it)."""
    marker = tmp_path / "pwned"
    pickle.loads(pickle.dumps(Plant(marker)))
    assert marker.exists()


def test_a_genuine_private_entry_is_used(cache: Path, genuine: bytes) -> None:
    """Control: what the planted cases ignore would be read if it were genuine and private."""
    cache_path().write_bytes(genuine)
    cache_path().chmod(0o600)
    assert fonts._read_cache(cache_path()) is not None


@pytest.mark.parametrize("plant", PLANTS, ids=lambda plant: plant.__name__[6:])
def test_planted_cache_files_are_ignored(cache: Path, genuine: bytes, tmp_path: Path,
                                         plant: Callable[[Path, Path, bytes], None]) -> None:
    marker = tmp_path / "pwned"
    plant(cache_path(), marker, genuine)
    assert fonts._read_cache(cache_path()) is None
    assert not marker.exists()


def test_unpickler_refuses_every_global() -> None:
    for blob in (pickle.dumps(Path("x")), pickle.dumps(print), pickle.dumps(ValueError())):
        with pytest.raises(pickle.UnpicklingError, match="refused"):
            fonts._PlainUnpickler(io.BytesIO(blob)).load()


@pytest.mark.parametrize("plant", [plant_reduce_in_genuine, plant_fifo, plant_open_folder,
                                   plant_zero_device], ids=lambda plant: plant.__name__[6:])
def test_a_build_over_a_planted_cache_succeeds_without_running_it(
        cache: Path, genuine: bytes, tmp_path: Path,
        plant: Callable[[Path, Path, bytes], None]) -> None:
    """A fresh process (fonts are read once per process) builds as if there were no cache."""
    marker = tmp_path / "pwned"
    plant(cache_path(), marker, genuine)
    content = write(tmp_path, document({"paragraph": "第一段正文。"}))
    outcome = cli_process("build", content, "-o", tmp_path / "out.pdf")
    assert outcome.code == 0, outcome.err
    assert (tmp_path / "out.pdf").read_bytes().startswith(b"%PDF-")
    assert not marker.exists()
    if plant is plant_open_folder:  # neither read nor written
        assert [p.name for p in cache.iterdir()] == [cache_path().name]


def test_the_cache_folder_is_made_private(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "fresh"))
    valid_entry_bytes()  # writes (and removes) one entry
    folder = fonts.font_cache_dir()
    assert folder is not None
    for made in (folder, folder.parent):
        assert made.stat().st_mode & 0o777 == 0o700


# --------------------------------------------------------------------------- font files

THEME = "extends: default\nfonts:\n  sans: {{regular: {name}, bold: NotoSansSC-Bold.ttf}}\n"


def truncated(size: int) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(FONT.read_bytes()[:size])


def png(path: Path) -> None:
    from PIL import Image
    Image.new("RGB", (4, 4), "red").save(path, format="PNG")


FONT_FILES: dict[str, tuple[Callable[[Path], None], str]] = {
    "empty": (lambda path: path.write_bytes(b""), "empty"),
    "truncated-header": (truncated(12), "font"),
    "truncated-5k": (truncated(5000), "font"),
    "truncated-half": (truncated(FONT.stat().st_size // 2), "font"),
    "random-bytes": (lambda path: path.write_bytes(random.Random(1).randbytes(20000)), "font"),
    "png-renamed": (png, "font"),
    "text": (lambda path: path.write_text("this is not a font\n"), "font"),
    "folder": (lambda path: path.mkdir(), "folder"),
    "missing": (lambda path: None, "not found"),
    "link-loop": (lambda path: path.symlink_to(path), "font"),
}


def content_with_font(folder: Path, name: str) -> Path:
    (folder / "theme.yaml").write_text(THEME.format(name=name), encoding="utf-8")
    text = document({"paragraph": "第一段正文。"})
    text["theme"] = "theme.yaml"
    return write(folder, text)


@pytest.mark.parametrize("case", FONT_FILES, ids=str)
def test_broken_fonts_are_refused(tmp_path: Path, case: str) -> None:
    make, word = FONT_FILES[case]
    make(tmp_path / "bad.ttf")
    content = content_with_font(tmp_path, "bad.ttf")
    message = assert_refused(cli("build", content, "-o", tmp_path / "out.pdf"), word)
    assert "bad.ttf" in message
    assert not (tmp_path / "out.pdf").exists()


@pytest.mark.parametrize("special", ["fifo", "dev-zero"])
def test_a_font_that_could_block_is_refused_at_once(tmp_path: Path, special: str) -> None:
    if special == "fifo":
        os.mkfifo(tmp_path / "bad.ttf")
    else:
        (tmp_path / "bad.ttf").symlink_to("/dev/zero")
    content = content_with_font(tmp_path, "bad.ttf")
    for command in ("check", "build"):
        message = assert_refused(cli_process(command, content, "-o", tmp_path / "out.pdf")
                                 if command == "build" else cli_process(command, content),
                                 "bad.ttf")
        # a link out of the theme's folder is refused by the theme, before any read
        assert ("not a regular file (a named pipe)" in message if special == "fifo"
                else "outside the theme's folder" in message)


# --------------------------------------------------------------------------- invisible characters

INVISIBLE = {
    "zero-width-space": "\u200b", "bell": "\u0007", "delete": "\u007f", "c1-control": "\u0090",
    "escape": "\u001b", "lri-isolate": "\u2066", "pdi-isolate": "\u2069",
    "lre-embedding": "\u202a", "rlo-override": "\u202e", "lrm-mark": "\u200e",
    "arabic-letter-mark": "\u061c", "tag-letter": "\U000e0041", "cancel-tag": "\U000e007f",
    "bom": "\ufeff", "zero-width-joiner": "\u200d", "zero-width-non-joiner": "\u200c",
    "word-joiner": "\u2060", "invisible-times": "\u2062", "mongolian-vowel-separator": "\u180e",
    "interlinear-anchor": "\ufff9", "musical-format": "\U0001d173", "soft-hyphen": "\u00ad",
}
"""Control (Cc) and format (Cf) characters: none prints anything the PDF can hold."""
NOT_IN_FONTS = {"private-use": "\ue000", "noncharacter": "\ufffe", "unassigned": "\u0378",
                "supplementary-private-use": "\U000f0000"}


@pytest.mark.parametrize("name", INVISIBLE, ids=str)
def test_invisible_characters_are_found_by_check(tmp_path: Path, name: str) -> None:
    char = INVISIBLE[name]
    content = write(tmp_path, document({"paragraph": f"第一段{char}正文。"}))
    checked = cli("check", content)
    assert checked.code == 1, checked.out
    line = content.read_text(encoding="utf-8").splitlines().index(
        next(line for line in content.read_text(encoding="utf-8").splitlines()
             if "第一段" in line)) + 1
    assert re.search(rf"doc\.yaml:{line}:\d+: error: \[invisible-character\]", checked.out)
    assert f"U+{ord(char):04X}" in checked.out
    if unicodedata.name(char, ""):
        assert unicodedata.name(char) in checked.out
    built = cli("build", content, "-o", tmp_path / "out.pdf")
    message = assert_refused(built, "[invisible-character]", f"U+{ord(char):04X}")
    assert "layout fault" not in message


@pytest.mark.parametrize("name", NOT_IN_FONTS, ids=str)
def test_characters_no_font_has_are_found_by_check(tmp_path: Path, name: str) -> None:
    char = NOT_IN_FONTS[name]
    content = write(tmp_path, document({"paragraph": f"第一段{char}正文。"}))
    assert_refused(cli("build", content, "-o", tmp_path / "out.pdf"), "[missing-glyph]",
                   f"U+{ord(char):04X}")


@pytest.mark.parametrize("block", [
    {"heading": "标题\u200b"}, {"quote": "引文\u2066。", "source": "某人"},
    {"figure": "图\u202e注"},
    {"scorecard": "表", "rows": [{"metric": "指\u0007标", "value": "7.96"}]},
], ids=["heading", "quote", "caption", "metric"])
def test_invisible_characters_anywhere_are_found(tmp_path: Path, block: dict) -> None:
    content = write(tmp_path, document({"paragraph": "第一段正文。"}, block))
    assert_refused(cli("build", content, "-o", tmp_path / "out.pdf"), "[invisible-character]")


HEAD = ('meta: {title: 手册, date: "2022", language: zh-CN}\nparts:\n  - title: 部分\n'
        '    blocks:\n')


def test_check_fix_deletes_invisible_characters(tmp_path: Path) -> None:
    content = tmp_path / "doc.yaml"
    content.write_text(HEAD + "      - paragraph: 第一段\u200b正文\u2066。  # a comment\n"
                       "      - paragraph: '第二段\ufeff正文。'\n", encoding="utf-8")
    fixed = cli("check", "--fix", content)
    assert "fixed 3 characters" in fixed.out + fixed.err
    assert content.read_text(encoding="utf-8") == HEAD + (
        "      - paragraph: 第一段正文。    # a comment\n"  # the comment keeps its column
        "      - paragraph: '第二段正文。'\n")
    assert cli("build", content, "-o", tmp_path / "out.pdf").code == 0


def test_check_fix_leaves_an_escaped_invisible_character_alone(tmp_path: Path) -> None:
    content = tmp_path / "doc.yaml"
    text = HEAD + '      - paragraph: "第二段\\u200b正文。"\n'
    content.write_text(text, encoding="utf-8")
    assert_refused(cli("check", "--fix", content), "nothing was changed")
    assert content.read_text(encoding="utf-8") == text
    assert re.search(r"doc\.yaml:5:\d+: error: \[invisible-character\]",
                     cli("check", content).out)


SPACES = "\t\x0b\x0c\x1c\x1f\x85\u2028\u2029\u3000\u00a0\u2003\u200a\u202f"
"""White space of every kind but the plain space: the build sets (or drops) it."""
INVISIBLE_CHAR = st.one_of(
    st.sampled_from(sorted({*INVISIBLE.values(), *NOT_IN_FONTS.values()})),
    st.sampled_from(SPACES), st.sampled_from(SPACES),
    st.characters(categories=("Cc", "Cf", "Co", "Cn", "Zs", "Zl", "Zp")))
NOT_TEXT = ("language", "date", "layout", "chart", "image", "columns", "truncated", "value",
            "from", "change")
"""Values that are not free text (a character put in makes another error)."""


def _strings(node: Any, path: tuple = ()) -> list[tuple]:
    """Paths to the string values a document dict holds (texts, not keys)."""
    if isinstance(node, dict):
        return [p for key, value in node.items() for p in _strings(value, (*path, key))]
    if isinstance(node, list):
        return [p for index, value in enumerate(node) for p in _strings(value, (*path, index))]
    return [path] if isinstance(node, str) and path[-1] not in NOT_TEXT else []


@examples(12)
@given(content=DOCUMENT, inserts=st.lists(st.tuples(st.integers(0, 10**6),
                                                   st.integers(0, 10**6), INVISIBLE_CHAR),
                                         min_size=1, max_size=2))
def test_what_check_passes_builds_with_every_text(tmp_path_factory: pytest.TempPathFactory,
                                                  content: dict, inserts: list) -> None:
    """Random documents with invisible, control, private-use, unassigned and space
    characters put into random texts: `check` reports an error, or the build succeeds with
    every character of every text in the PDF."""
    content = unique(content)
    places = _strings(content)
    for which, where, char in inserts:
        *parents, key = places[which % len(places)]
        holder = content
        for step in parents:
            holder = holder[step]
        value = holder[key]
        holder[key] = value[:where % (len(value) + 1)] + char + value[where % (len(value) + 1):]
    folder = tmp_path_factory.mktemp("invisible")
    path = write(folder, content)
    try:
        _, findings = check_file(path)
    except BrochureError as error:  # e.g. a text that is only white space now
        event(f"refused on load: {error.message[:30]}")
        return
    if any(f.severity == "error" for f in findings):
        event("check reports an error")
        return
    event("built")
    build(path, folder / "out.pdf")  # raises if a text is missing from the PDF
    missing = printed_characters(path) - pdf_characters(folder / "out.pdf")
    assert not missing, f"characters missing from the PDF: {dict(missing)}"


# --------------------------------------------------------------------------- dates

@pytest.mark.parametrize(("date", "why"), [
    ("2022-13-45", "no month 13"), ("2022-02-30", "no day 30"), ("2023-02-29", "no day 29"),
    ("2022年2月30日", "no day 30"), ("0000", "no year 0"), ("2022-00", "no month 0"),
    ("99999", "not of the form"), ("2022/3/9", "not of the form"),
    ("2022-10-01T12:00", "not of the form"), ("明年", "not of the form"),
])
def test_impossible_dates_are_refused_on_load(tmp_path: Path, date: str, why: str) -> None:
    content = write(tmp_path, document() | {"meta": {"title": "手册", "date": date,
                                                      "language": "zh-CN"}})
    message = assert_refused(cli("build", content, "-o", tmp_path / "out.pdf"),
                             "is not a date", why)
    assert re.search(r"doc\.yaml:\d+:\d+: error: meta 'date'", message), message
    assert not (tmp_path / "out.pdf").exists()


def test_an_empty_date_is_refused(tmp_path: Path) -> None:
    content = write(tmp_path, 'meta: {title: 手册, date: "", language: zh-CN}\nparts:\n'
                              '  - title: 部分\n    blocks:\n      - paragraph: 正文。\n')
    assert_refused(cli("check", content), "doc.yaml:1:", "date")


@pytest.mark.parametrize(("date", "stamp"), [
    ("2022", "2022-01-01"), ("2022-10", "2022-10-01"), ("2022-1-1", "2022-01-01"),
    ("2024-02-29", "2024-02-29"), ("2022年10月1日", "2022-10-01")])
def test_real_dates_load_and_date_the_file(tmp_path: Path, date: str, stamp: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    content = write(tmp_path, document() | {"meta": {"title": "手册", "date": date,
                                                      "language": "zh-CN"}})
    meta = load_document(content).meta
    assert build_date(meta).strftime("%Y-%m-%d") == stamp


# --------------------------------------------------------------------------- layout faults

@pytest.mark.parametrize(("block", "style", "what"), [
    (None, "part_title: {font: sans, bold: true, size: 200, leading: 400, color: primary}",
     "part title"),
    ({"figure": "图" * 100}, "caption: {font: sans, size: 80, leading: 90, color: ink}",
     "figure"),
    ({"scorecard": "表", "rows": [{"metric": "甲乙丙丁" * 20, "value": "7.96"}]},
     "table_cell: {font: sans, size: 14, leading: 400, color: ink}", "scorecard"),
], ids=["part-title", "figure", "scorecard-row"])
def test_a_block_too_large_for_the_page_is_named_by_its_line(
        tmp_path: Path, block: dict | None, style: str, what: str) -> None:
    """Type sizes within the theme's ranges that no page of the theme can hold: check
    passes each text (its length is fine), the layout finds it cannot place the block."""
    (tmp_path / "big.yaml").write_text(f"name: big\nextends: default\nstyles:\n  {style}\n",
                                       encoding="utf-8")
    blocks = [{"paragraph": han(20) + "。"}] + ([block] if block else [])
    content = write(tmp_path, document(*blocks, title="标题" * 10) | {"theme": "big.yaml"})
    message = assert_refused(cli("build", content, "-o", tmp_path / "out.pdf"),
                             f"the {what} at line")
    lines = content.read_text(encoding="utf-8").splitlines()
    key = "title:" if block is None else f"{next(iter(block))}:"
    line = next(i for i, text in enumerate(lines, 1) if key in text and "- " in text)
    assert f"doc.yaml:{line}: error: the {what} at line {line}" in message
    assert "0x" not in message and "Flowable" not in message
    assert "--page-size" in message
    checked = cli("check", content)  # what check passes builds: the check lays it out too
    assert checked.code == 1 and f"doc.yaml:{line}: error: [layout] the {what}" in checked.out


def test_a_scorecard_whose_numbers_are_wider_than_the_page_is_named_by_its_line(
        tmp_path: Path) -> None:
    """Numbers never break inside: in a large type one can be wider than the measure, which
    ReportLab met with a negative cell width (a ValueError traceback)."""
    (tmp_path / "big.yaml").write_text(
        "name: big\nextends: default\nstyles:\n"
        "  table_number: {font: sans, size: 60, leading: 70, color: ink}\n", encoding="utf-8")
    content = write(tmp_path, document({"scorecard": "表", "rows": [
        {"metric": "指标", "value": "123456789012", "unit": "亿元"}]}) | {"theme": "big.yaml"})
    message = assert_refused(cli("build", content, "-o", tmp_path / "out.pdf"),
                             "the scorecard at line", "widest unbreakable pieces",
                             "styles.table_number")
    assert not (tmp_path / "out.pdf").exists() and "Traceback" not in message
    checked = cli("check", content)  # what check passes builds: it finds it too
    assert checked.code == 1 and "[layout] the scorecard at line" in checked.out
    assert f"doc.yaml:{load_document(content).parts[0].blocks[0].line}:" in checked.out
