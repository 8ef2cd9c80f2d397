"""A build changes nothing of the process that calls it; the command line alone pauses the
garbage collector, for as long as it runs."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import DEFAULT_CONTENT
from content_factory import document, write
from reportlab import rl_config

from builder import build as build_module
from builder.build import BuildResult, build
from builder.cli import main as cli
from builder.errors import BrochureError


@pytest.fixture(params=[True, False], ids=["collector-on", "collector-off"])
def collector(request: pytest.FixtureRequest) -> Iterator[bool]:
    """The collector enabled or disabled when the test begins; enabled again after it."""
    gc.enable() if request.param else gc.disable()
    try:
        yield request.param
    finally:
        gc.enable()


def test_build_leaves_the_collector_as_it_found_it(
        tmp_path: Path, collector: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    during: list[bool] = []
    layout = build_module.layout_document

    def watched_layout(*args: Any, **kwargs: Any) -> Any:
        during.append(gc.isenabled())
        return layout(*args, **kwargs)

    monkeypatch.setattr(build_module, "layout_document", watched_layout)
    build(write(tmp_path, document({"paragraph": "第一段正文。"})), tmp_path / "a.pdf")
    assert during == [collector] and gc.isenabled() is collector
    with pytest.raises(BrochureError, match="missing-glyph"):
        build(write(tmp_path, document({"paragraph": "缺字𪚥。"})), tmp_path / "b.pdf")
    assert gc.isenabled() is collector, "nor when the build fails"


def test_the_command_line_pauses_the_collector_and_restores_it(
        tmp_path: Path, collector: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    during: list[bool] = []

    def fake_build(content: Path, output: Path, *args: Any, **kwargs: Any) -> BuildResult:
        during.append(gc.isenabled())
        return BuildResult(output, 1, 1, 0.0, "0" * 64, ())

    monkeypatch.setattr(build_module, "build", fake_build)
    assert cli.main(["build", str(DEFAULT_CONTENT), "-o", str(tmp_path / "x.pdf")]) == 0
    assert during == [False] and gc.isenabled() is collector

    def failing_build(*args: Any, **kwargs: Any) -> BuildResult:
        raise BrochureError("no")

    monkeypatch.setattr(build_module, "build", failing_build)
    assert cli.main(["build", str(DEFAULT_CONTENT), "-o", str(tmp_path / "x.pdf")]) == 2
    assert gc.isenabled() is collector


def test_build_leaves_reportlabs_settings_alone(tmp_path: Path) -> None:
    def settings() -> dict[str, Any]:
        return {name: repr(value) for name, value in vars(rl_config).items()
                if not name.startswith("_") and not callable(value)}

    before = settings()
    assert before, "rl_config has settings to compare"
    build(DEFAULT_CONTENT, tmp_path / "x.pdf", profile="screen")
    build(DEFAULT_CONTENT, tmp_path / "y.pdf")
    assert settings() == before
