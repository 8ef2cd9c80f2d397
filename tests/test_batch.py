"""`brochure build A.yaml B.yaml … -j N`: parallel builds, a summary, failures reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.cli.main import main

CONTENT = """\
meta:
  title: {title}
  date: "2022"
  language: zh-CN
parts:
  - title: 第一部分
    blocks:
      - paragraph: {title}的正文，批量生成时与别的手册一起排版。
"""


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # dist/ is relative to the working folder
    (tmp_path / "east.yaml").write_text(CONTENT.format(title="东区手册"), encoding="utf-8")
    (tmp_path / "west.yaml").write_text(CONTENT.format(title="西区手册"), encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("meta: [unclosed\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("jobs", ["2", "1"])
def test_one_failure_does_not_stop_the_others(folder: Path, jobs: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["build", "east.yaml", "broken.yaml", "west.yaml", "-j", jobs])
    out, err = capsys.readouterr()
    assert status == 2
    assert sorted(p.name for p in (folder / "dist").iterdir()) == ["east.pdf", "west.pdf"]
    assert all((folder / "dist" / n).read_bytes().startswith(b"%PDF") for n in
               ("east.pdf", "west.pdf"))
    assert "broken.yaml:2" in err and "invalid YAML" in err  # the error, with file and line
    table = out[out.index("name"):].splitlines()
    assert table[0].split() == ["name", "pages", "seconds", "size", "status"]
    rows = {line.split()[0]: line.split() for line in table[1:4]}
    assert rows["east"][-1] == rows["west"][-1] == "ok" and rows["broken"][-1] == "FAILED"
    assert int(rows["east"][1]) > 0 and rows["broken"][1] == "-"
    assert table[4].startswith("3 brochures: 2 built, 1 failed")
    assert out.count("[") >= 3  # a progress line per build
    assert "[3/3]" in out


def test_all_built_exit_zero(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "east.yaml", "west.yaml", "-j", "2"]) == 0
    assert "2 brochures: 2 built, 0 failed" in capsys.readouterr().out


def test_output_option_with_several_inputs_is_refused(folder: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["build", "east.yaml", "west.yaml", "-o", "x.pdf"])
    assert exit_info.value.code == 2
    assert "-o/--output names one PDF" in capsys.readouterr().err
    assert not (folder / "dist").exists() and not (folder / "x.pdf").exists()


def test_two_inputs_with_one_output_name_are_refused(folder: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "other").mkdir()
    (folder / "other" / "east.yaml").write_text(CONTENT.format(title="另一个"), encoding="utf-8")
    assert main(["build", "east.yaml", "other/east.yaml"]) == 2
    err = capsys.readouterr().err
    assert "east.yaml and other/east.yaml would both be built into dist/east.pdf" in err
    assert not (folder / "dist").exists()
