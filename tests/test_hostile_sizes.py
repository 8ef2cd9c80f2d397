"""Small inputs that ask for much work, and the environment as input: each is refused at
once with a message naming the file (and line), or built within bounds."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from content_factory import document, write
from hostile import assert_refused, cli, cli_process
from PIL import Image

from builder.layout import document as layout
from builder.source import content as loading

HEAD = {"meta": {"title": "测试手册", "date": "2022", "language": "zh-CN"}}


def dump(folder: Path, parts: list[dict]) -> Path:
    path = folder / "doc.yaml"
    path.write_text(yaml.safe_dump(HEAD | {"parts": parts}, allow_unicode=True),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize(("parts", "words"), [
    ([{"title": f"部分{i}", "blocks": [{"heading": "标题"}]} for i in range(1001)],
     "1,001 parts"),
    ([{"title": "部分", "blocks": [{"heading": f"标题{i}"} for i in range(10_001)]}],
     "10,001 blocks"),
    ([{"title": "部分", "blocks": [{"photos": [{"caption": f"图{j}{i}"} for i in range(3)]}
                                    for j in range(3334)]}], "10,002 blocks"),
    ([{"title": "部分", "blocks": [{"scorecard": "表", "rows": [
        {"metric": f"指标{i}", "value": str(i)} for i in range(2001)]}]}], "2,001 rows"),
], ids=["parts", "headings", "photos", "rows"])
def test_content_that_asks_for_too_much_work_is_refused_at_its_line(
        tmp_path: Path, parts: list[dict], words: str) -> None:
    content = dump(tmp_path, parts)
    for command in ("check", "build"):
        message = assert_refused(cli_process(command, content, "-o", tmp_path / "o.pdf")
                                 if command == "build" else cli_process(command, content),
                                 words, "split")
        assert "doc.yaml:" in message
    assert not (tmp_path / "o.pdf").exists()


def test_the_limits_leave_room_for_a_yearbook() -> None:
    """The 500-page yearbook of bench/run.py has 320 parts and 3 120 blocks."""
    assert loading.MAX_PARTS >= 3 * 320 and loading.MAX_BLOCKS >= 3 * 3120


def test_a_layout_past_the_page_limit_stops_with_a_message(tmp_path: Path,
                                                           monkeypatch) -> None:
    monkeypatch.setattr(layout, "MAX_PAGES", 5)
    content = dump(tmp_path, [{"title": f"部分{i}", "layout": "section",
                               "blocks": [{"paragraph": f"第{i}段正文。"}]} for i in range(8)])
    message = assert_refused(cli("build", content, "-o", tmp_path / "o.pdf"),
                             "runs past 5 pages", "split")
    assert message.startswith(str(content)) and "handle_pageBegin" not in message
    assert not (tmp_path / "o.pdf").exists()


@pytest.mark.parametrize("value", ["abc", "1.5", "-1", "99999999999999999999", "１７"])
def test_a_source_date_epoch_that_is_no_time_is_refused(tmp_path: Path, value: str,
                                                        monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    content = write(tmp_path, document())
    assert_refused(cli("build", content, "-o", tmp_path / "o.pdf"), "SOURCE_DATE_EPOCH")
    assert_refused(cli("check", content), "SOURCE_DATE_EPOCH")  # it lays out, too
    assert not (tmp_path / "o.pdf").exists()


def test_one_picture_placed_many_times_is_embedded_once_byte_for_byte(
        tmp_path: Path, monkeypatch) -> None:
    """Placing a picture again skips ReportLab's hash of its pixels; the file is the one
    drawImage makes on every placement."""
    (tmp_path / "images").mkdir()
    Image.new("RGB", (900, 600), (30, 120, 200)).save(tmp_path / "images" / "p.jpg")
    blocks = [{"figure": f"图{i}", "image": "images/p.jpg"} for i in range(12)]
    content = write(tmp_path, document(*blocks))
    assert cli("build", content, "-o", tmp_path / "fast.pdf").code == 0
    from builder.engine import private

    def plain(canvas, image, x, y, width, height, names) -> None:
        canvas.drawImage(image, x, y, width, height)
    monkeypatch.setattr(private, "draw_image", plain)
    assert cli("build", content, "-o", tmp_path / "plain.pdf").code == 0
    fast, slow = (tmp_path / "fast.pdf").read_bytes(), (tmp_path / "plain.pdf").read_bytes()
    assert fast == slow and fast.count(b"/Subtype /Image") == 1


def test_check_lays_the_content_out_and_finds_what_the_build_would_refuse(
        tmp_path: Path, monkeypatch) -> None:
    """What check passes, build builds: past the page limit, check says so (and where)."""
    monkeypatch.setattr(layout, "MAX_PAGES", 5)
    content = dump(tmp_path, [{"title": f"部分{i}", "layout": "section",
                               "blocks": [{"paragraph": f"第{i}段正文。"}]} for i in range(8)])
    outcome = cli("check", content)
    assert outcome.code == 1 and "[layout] the brochure runs past 5 pages" in outcome.out
    assert f"{content}: error:" in outcome.out  # no line to give: no ':0'


@pytest.mark.parametrize("change", ["2022-10-01", "0x10", ".nan", "1e400", "++1"])
def test_a_change_that_is_no_number_is_a_finding_before_any_layout(tmp_path: Path,
                                                                   change: str) -> None:
    """The check lays the content out only when it found no error: a scorecard with a bad
    number must not reach the table code (which reads the numbers)."""
    content = write(tmp_path, document({"scorecard": "表", "rows": [
        {"metric": "指标", "value": "7.96", "change": change}]}))
    checked = cli("check", content)
    assert checked.code == 1 and "[not-a-number]" in checked.out, checked.out
    assert_refused(cli("build", content, "-o", tmp_path / "o.pdf"), "not-a-number")
