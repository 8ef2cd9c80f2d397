"""`brochure check`: every rule, positions (file:line:col), the raw source article, JSON and
--fix."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import DEFAULT_CONTENT, ROOT
from content_factory import document, han, write
from PIL import Image

from builder.build import check_file
from builder.cli.main import main
from builder.errors import BrochureError
from builder.findings import Finding
from builder.rules import check
from builder.rules.check import check_document
from builder.source import images as source_images
from builder.source.content import load_document
from builder.source.theme import load_theme, theme_path
from builder.typeset.fonts import FontFace
from builder.typeset.typesetter import register_theme_fonts

RAW = ROOT / "tests" / "data" / "raw-source.yaml"
HALF_WIDTH = re.compile(r"[,:;!?()]")


@pytest.fixture(scope="module")
def faces() -> tuple[FontFace, ...]:
    return register_theme_fonts(load_theme(theme_path("default"))).faces


def findings_of(tmp_path: Path, content: dict | str, faces, rule: str | None = None
                ) -> list[Finding]:
    found = check_document(load_document(write(tmp_path, content)), faces)
    return [f for f in found if rule is None or f.rule == rule]


def position(path: Path, needle: str, occurrence: int = 0) -> tuple[int, int]:
    """1-based line and column of the n-th occurrence of `needle` in a file."""
    text = path.read_text(encoding="utf-8")
    index = -1
    for _ in range(occurrence + 1):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    return line, index - text.rfind("\n", 0, index)


# --------------------------------------------------------------------- the content files


def test_the_default_brochure_has_no_check_errors() -> None:
    _, found = check_file(DEFAULT_CONTENT)
    assert [f for f in found if f.severity == "error"] == []


def test_raw_source_reports_its_duplicate_sections_at_the_second_copy() -> None:
    _, found = check_file(RAW)
    duplicates = [(f.line, f.column) for f in found if f.rule == "duplicate-section"]
    assert duplicates == [position(RAW, "“营商环境”升级版", 1),
                          position(RAW, "“人民幸福”笑开颜", 1)]
    assert {f.rule for f in found if f.severity == "error"} == {"duplicate-section"}
    assert not [f for f in found if f.rule == "duplicate-paragraph"], \
        "paragraphs of a repeated section are reported once, as the section"


def test_raw_source_reports_each_cut_off_paragraph_at_its_last_character() -> None:
    _, found = check_file(RAW)
    cut = {(f.line, f.column) for f in found if f.rule == "cut-off"}
    lines = RAW.read_text(encoding="utf-8").splitlines()
    expected = {(number, len(line)) for number, line in enumerate(lines, start=1)
                if line.startswith("  - paragraph: ") and line[-1] not in "。！？”"}
    assert cut == expected
    ends = {lines[line - 1][-4:] for line, _ in cut}
    assert {"融合发展", "解决一批", "补贴。通", "池进校园"} <= ends


def test_raw_source_reports_half_width_punctuation_at_the_first_mark_of_each_text() -> None:
    _, found = check_file(RAW)
    half = {(f.line, f.column) for f in found if f.rule == "half-width-punctuation"}
    expected = set()
    for number, line in enumerate(RAW.read_text(encoding="utf-8").splitlines(), start=1):
        key, _, value = line.partition(": ")
        if key.strip(" -") in ("title", "lead", "paragraph") and HALF_WIDTH.search(value):
            expected.add((number, len(key) + 2 + HALF_WIDTH.search(value).start() + 1))
    assert half == expected and len(half) > 40


def test_cli_check_exits_1_on_errors_0_on_clean_content(capsys) -> None:
    assert main(["check", str(RAW)]) == 1
    out = capsys.readouterr().out
    line, column = position(RAW, "“营商环境”升级版", 1)
    assert f"{RAW}:{line}:{column}: error: [duplicate-section]" in out
    assert "hint: delete the second copy" in out
    assert out.rstrip().endswith("2 errors, 59 warnings")
    assert main(["check", str(DEFAULT_CONTENT)]) == 0


def test_cli_check_json_lists_every_finding(capsys) -> None:
    assert main(["check", str(RAW), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["errors"] == 2 and report["warnings"] == len(report["findings"]) - 2
    first = report["findings"][0]
    assert set(first) == {"file", "line", "column", "rule", "severity", "message", "hint",
                          "fixable"}
    assert first["file"] == str(RAW) and first["line"] >= 1 and first["column"] >= 1
    assert {f["rule"] for f in report["findings"]} == {
        "duplicate-section", "cut-off", "half-width-punctuation"}


# --------------------------------------------------------------------------- each rule


def test_duplicate_paragraph_is_an_error_at_the_repeat(tmp_path: Path, faces) -> None:
    path = write(tmp_path, document({"paragraph": "同一段话。"}, {"paragraph": "另一段。"},
                                    {"paragraph": "同一段话。"}))
    found = [f for f in check_document(load_document(path), faces)
             if f.rule == "duplicate-paragraph"]
    first, repeat = position(path, "同一段话"), position(path, "同一段话", 1)
    assert [(f.line, f.column, f.severity) for f in found] == [(*repeat, "error")]
    assert f"line {first[0]}" in found[0].message


def test_truncated_paragraph_is_not_cut_off(tmp_path: Path, faces) -> None:
    found = findings_of(tmp_path, document({"paragraph": "说到一半", "truncated": True},
                                           {"paragraph": "也说到一半"}), faces, "cut-off")
    assert [f.message for f in found] == [
        "paragraph: ends without closing punctuation: …也说到一半"]


@pytest.mark.parametrize(("text", "marks"), [
    ("他说“好的。", {2: "“"}), ("读《论语。", {1: "《"}), ("村（社区也办。", {1: "（"}),
    ("好的”他说。", {2: "”"}), ("「引语。", {0: "「"}), ("‘单引号。", {0: "‘"}),
    ("“甲《乙”丙》。", {0: "“", 4: "”"}),
])
def test_unbalanced_pairs_are_found(tmp_path: Path, faces, text: str,
                                    marks: dict[int, str]) -> None:
    found = findings_of(tmp_path, document({"paragraph": text}), faces, "unbalanced-pair")
    line, column = position(tmp_path / "doc.yaml", text)
    assert [(f.line, f.column) for f in found] == [(line, column + i) for i in marks]
    for finding, mark in zip(found, marks.values(), strict=True):
        assert f"'{mark}'" in finding.message


def test_balanced_pairs_and_apostrophes_pass(tmp_path: Path, faces) -> None:
    text = "他说：“读《论语》（上）‘学而’「篇」。”It’s fine."
    assert findings_of(tmp_path, document({"paragraph": text}), faces, "unbalanced-pair") == []


def test_half_width_marks_in_chinese_text_only(tmp_path: Path, faces) -> None:
    text = "增长3.5%,达到G351(国道)的标准:好!真的?是;Hello, world. 完成."
    found = findings_of(tmp_path, document({"paragraph": text}), faces,
                        "half-width-punctuation")
    assert len(found) == 1
    fixed = found[0].fix.apply()
    assert fixed == "增长3.5%，达到G351（国道）的标准：好！真的？是；Hello, world. 完成。"


def test_mixed_full_and_half_width_digits(tmp_path: Path, faces) -> None:
    mixed = document({"paragraph": "增长１２％，达到12万。"})
    found = findings_of(tmp_path, mixed, faces, "mixed-width-digits")
    assert [(f.line, f.column) for f in found] == [position(tmp_path / "doc.yaml", "１２％")]
    assert found[0].fix.apply() == "增长12%，达到12万。"
    only_full = document({"paragraph": "增长１２％。"})
    only_full["meta"]["date"] = "２０２２"
    assert findings_of(tmp_path, only_full, faces, "mixed-width-digits") == []


def test_missing_glyph_names_character_code_point_place_and_fonts(tmp_path: Path,
                                                                   faces) -> None:
    found = findings_of(tmp_path, document({"paragraph": "缺字𪚥在此。"}), faces,
                        "missing-glyph")
    where = position(tmp_path / "doc.yaml", "𪚥")
    assert [(f.line, f.column, f.severity) for f in found] == [(*where, "error")]
    assert "'𪚥' (U+2A6A5)" in found[0].message
    assert all(face.name in found[0].message for face in faces)


@pytest.mark.parametrize(("key", "value", "hint"), [
    ("value", "七点九六", "digits only"),
    ("value", "7.96亿元", 'value: "7.96" and unit: 亿元'),
    ("value", "超2", 'qualifier: 超 and value: "2"'),
    ("value", "nan", "digits only"),
    ("change", "10%", "plain signed number"),
    ("change", "1,265", "plain signed number"),
    ("from", "1e5", "digits only"),
    ("from", "3.5万", "digits only"),
])
def test_scorecard_numbers_must_parse(tmp_path: Path, faces, key: str, value: str,
                                      hint: str) -> None:
    row = {"metric": "收入", "value": "7.96", key: value}
    found = findings_of(tmp_path, document({"scorecard": "表", "rows": [row]}), faces,
                        "not-a-number")
    assert len(found) == 1 and found[0].severity == "error"
    assert hint in found[0].hint and repr(value) in found[0].message


def test_scorecard_numbers_that_parse(tmp_path: Path, faces) -> None:
    rows = [{"metric": "甲", "value": "1,265", "from": "-3.5", "change": "+10.1"},
            {"metric": "乙", "value": "7", "change": "-0.5"}]
    card = document({"scorecard": "表", "rows": rows})
    assert findings_of(tmp_path, card, faces, "not-a-number") == []


@pytest.mark.parametrize(("date", "ok"), [
    ("2022", True), ("2022-10", True), ("2022-10-01", True), ("2022年10月1日", True),
    ("二〇二二年", False), ("222222222222", False), ("10/2022", False)])
def test_the_date_must_be_a_date(tmp_path: Path, date: str, ok: bool) -> None:
    """Refused when the content is loaded (builder.source.content.date_problem)."""
    content = document()
    content["meta"]["date"] = date
    if ok:
        load_document(write(tmp_path, content))
    else:
        with pytest.raises(BrochureError, match="is not a date"):
            load_document(write(tmp_path, content))


def test_images_missing_unreadable_or_too_large(tmp_path: Path, faces, monkeypatch) -> None:
    Image.new("RGB", (20, 10), "red").save(tmp_path / "ok.png")
    (tmp_path / "bad.png").write_bytes(b"this is not a picture")
    (tmp_path / "folder").mkdir()
    content = document(*({"figure": f"图{i}", "image": name, "alt": "红色色块"} for i, name in
                         enumerate(["ok.png", "none.png", "bad.png", "folder"])))
    found = findings_of(tmp_path, content, faces)
    path = tmp_path / "doc.yaml"
    assert [(f.rule, f.severity, f.line, f.column) for f in found] == [
        ("missing-image", "warning", *position(path, "none.png")),
        ("unreadable-image", "error", *position(path, "bad.png")),
        ("unreadable-image", "error", *position(path, "folder"))]
    monkeypatch.setattr(source_images, "MAX_PIXELS", 100)
    too_large = findings_of(tmp_path, document({"figure": "图", "image": "ok.png",
                                                "alt": "红色色块"}), faces)
    assert [f.rule for f in too_large] == ["unreadable-image"]
    assert "200 pixels" in too_large[0].message


def test_tag_that_the_theme_does_not_print_is_reported(tmp_path: Path, faces) -> None:
    plain = findings_of(tmp_path, document(tag="标签"), faces, "unprinted-tag")
    section = findings_of(tmp_path, document(tag="标签", layout="section"), faces,
                          "unprinted-tag")
    assert len(plain) == 1 and section == []
    inline = load_theme(theme_path("newsletter"))  # openers inline: every part prints its tag
    assert inline.design.opener == "inline"
    doc = load_document(write(tmp_path, document(tag="标签")))
    assert [f for f in check_document(doc, faces, inline) if f.rule == "unprinted-tag"] == []


@pytest.mark.parametrize(("block", "key"), [
    ({"figure": "图"}, "figure"), ({"quote": "引"}, "quote"),
    ({"scorecard": "表", "rows": [{"metric": "指", "value": "1"}]}, "metric"),
])
def test_texts_that_cannot_split_have_a_length_limit(tmp_path: Path, faces, block: dict,
                                                     key: str) -> None:
    what = {"figure": "figure caption", "quote": "quote", "metric": "row 'metric'"}[key]
    limit = check.MAX_LENGTH[what]
    target = block["rows"][0] if key == "metric" else block
    target[key] = han(limit)
    assert findings_of(tmp_path, document(block), faces, "too-long") == []
    target[key] = han(limit + 1)
    found = findings_of(tmp_path, document(block), faces, "too-long")
    assert len(found) == 1 and f"{limit + 1} characters" in found[0].message


def test_columns_point_into_quoted_text_and_fall_back_to_the_value_start(
        tmp_path: Path, faces) -> None:
    text = ('meta: {title: 手册, date: "2022", language: zh-CN}\n'
            "parts:\n  - title: 部分\n    blocks:\n"
            '      - paragraph: "“引语”,好。"\n'
            "      - paragraph: >\n          折叠的,\n          段落。\n")
    found = findings_of(tmp_path, text, faces, "half-width-punctuation")
    assert [(f.line, f.column) for f in found] == [(5, 25), (6, 20)]


def test_a_build_stops_on_check_errors_with_file_line_and_column(tmp_path: Path) -> None:
    from builder.build import build
    path = write(tmp_path, document({"paragraph": "一段。"}, {"paragraph": "一段。"}))
    line, column = position(path, "一段。", 1)
    with pytest.raises(BrochureError,
                       match=rf"{path}:{line}:{column}: error: \[duplicate-paragraph\]"):
        build(path, tmp_path / "doc.pdf")
    assert not (tmp_path / "doc.pdf").exists()


# ------------------------------------------------------------------------------- --fix


def test_fix_replaces_only_the_marks_and_keeps_comments_and_quotes(tmp_path: Path,
                                                                   capsys) -> None:
    path = tmp_path / "raw.yaml"
    path.write_text(RAW.read_text(encoding="utf-8").replace(
        "  language: zh-CN\n", '  language: zh-CN  # a comment\n  subject: "主题,副题"\n'),
        encoding="utf-8")
    path.chmod(0o640)
    before = path.read_text(encoding="utf-8")
    assert main(["check", "--fix", str(path)]) == 1  # the duplicate sections remain
    assert path.stat().st_mode & 0o777 == 0o640
    after = path.read_text(encoding="utf-8")
    changed = Counter((a, b) for a, b in zip(before, after, strict=True) if a != b)
    assert set(changed) <= {(",", "，"), (":", "："), (";", "；"), ("!", "！"), ("?", "？"),
                            ("(", "（"), (")", "）")}
    assert sum(changed.values()) > 150
    assert '  language: zh-CN  # a comment\n  subject: "主题，副题"\n' in after
    assert after.startswith("# Generated by tools/raw_to_yaml.py")
    out = capsys.readouterr()
    assert f"fixed {sum(changed.values())} characters" in out.err
    assert "half-width" not in out.out and "[duplicate-section]" in out.out
    assert main(["check", "--fix", str(path)]) == 1
    assert path.read_text(encoding="utf-8") == after


def test_fix_refuses_what_it_cannot_rewrite_exactly(tmp_path: Path, capsys) -> None:
    text = ('meta: {title: 手册, date: "2022", language: zh-CN}\n'
            "parts:\n  - title: 部分\n    blocks:\n"
            "      - paragraph: 跨行的,\n          普通文字。\n")
    path = write(tmp_path, text)
    assert main(["check", "--fix", str(path)]) == 2
    assert "cannot fix the file safely" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == text
    assert [p.name for p in tmp_path.iterdir()] == ["doc.yaml"]
