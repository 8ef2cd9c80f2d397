"""Which content a command uses when none is named, and where its PDF goes."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder import data
from builder.cli.inputs import find_content, output_for
from builder.cli.main import main
from builder.cli.scaffold import scaffold
from builder.errors import BrochureError


def test_a_scaffold_folder_builds_its_one_content_file(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    scaffold(tmp_path / "demo")
    assert find_content(tmp_path / "demo") == tmp_path / "demo" / "content.yaml", \
        "theme.yaml is not content"
    monkeypatch.chdir(tmp_path / "demo")
    assert main(["build"]) == 0
    assert (tmp_path / "demo" / "dist" / "demo.pdf").stat().st_size > 0


def test_two_scaffolds_build_into_two_outputs(tmp_path: Path) -> None:
    first, second = tmp_path / "spring", tmp_path / "autumn"
    scaffold(first)
    scaffold(second)
    outputs = {output_for(first / "content.yaml"), output_for(second / "content.yaml")}
    assert outputs == {Path("dist/spring.pdf"), Path("dist/autumn.pdf")}
    assert output_for(Path("content/xianan-2022.yaml")) == Path("dist/xianan-2022.pdf")


def test_a_checkout_uses_its_content_folder_and_elsewhere_the_example(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "only.yaml").write_text(
        'meta: {title: 手册, date: "2022"}\nparts: []\n', encoding="utf-8")
    assert find_content(tmp_path) == tmp_path / "content" / "only.yaml"
    assert find_content(tmp_path / "content") == tmp_path / "content" / "only.yaml"
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "theme.yaml").write_text("name: x\nextends: default\n", encoding="utf-8")
    assert find_content(empty) == data.example_content()


def test_several_content_files_are_a_clear_error(tmp_path: Path) -> None:
    for name in ("a.yaml", "b.yml"):
        (tmp_path / name).write_text('meta: {title: 手册}\nparts: []\n', encoding="utf-8")
    with pytest.raises(BrochureError, match=r"several content files \(a.yaml, b.yml\)") as caught:
        find_content(tmp_path)
    assert "brochure build FILE.yaml" in str(caught.value)
