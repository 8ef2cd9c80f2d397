"""Work in a second process: results and errors come back, and no worker is left behind,
whichever side fails."""

from __future__ import annotations

import os
import threading
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import resource_tracker
from pathlib import Path

import pytest
from conftest import DEFAULT_CONTENT

from builder import parallel
from builder.build import build
from builder.errors import BrochureError
from builder.inspect import verify

needs_fork = pytest.mark.skipif(not parallel.can_fork(), reason="no safe fork or one core")
pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="no /proc")


def children() -> set[int]:
    """This process's children, running or unreaped, but multiprocessing's resource tracker
    (one for the life of a process that has spawned workers)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):  # the process ended meanwhile
            continue
        if int(fields[1]) == os.getpid():
            found.add(int(stat.parent.name))
    return found - {resource_tracker._resource_tracker._pid}


def assert_no_children() -> None:
    assert children() == set(), "a worker is left running or unreaped"


def fail_in_worker(parent: int) -> int:
    if os.getpid() != parent:
        raise ValueError("the worker's own error")
    return 0


@needs_fork
def test_beside_runs_the_work_in_another_process_and_reaps_it() -> None:
    with parallel.beside(os.getpid) as pending:
        assert pending is not None
        assert pending.result() != os.getpid()
    assert_no_children()


@needs_fork
def test_the_workers_error_is_raised_here_and_the_worker_reaped() -> None:
    parent = os.getpid()
    with pytest.raises(ValueError, match="the worker's own error"), \
            parallel.beside(lambda: fail_in_worker(parent)) as pending:
        assert pending is not None
        pending.result()
    assert_no_children()


@needs_fork
def test_an_interrupt_here_still_reaps_the_worker() -> None:
    with pytest.raises(KeyboardInterrupt), parallel.beside(lambda: sum(range(10**6))):
        raise KeyboardInterrupt
    assert_no_children()


@needs_fork
def test_a_worker_that_dies_is_reported_and_reaped() -> None:
    with pytest.raises(BrokenProcessPool), parallel.beside(lambda: os._exit(3)) as pending:
        assert pending is not None
        pending.result()
    assert_no_children()


def test_no_fork_beside_other_threads() -> None:
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        assert not parallel.can_fork()
        with parallel.beside(os.getpid) as pending:
            assert pending is None, "the caller does the work itself"
    finally:
        release.set()
        thread.join()


def test_fork_only_on_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel.sys, "platform", "darwin")
    assert parallel.start_method() == "spawn" and not parallel.can_fork()
    with parallel.worker_pool(1) as pool:
        assert pool.submit(abs, -2).result() == 2, "a spawned worker works too"
    assert_no_children()


@needs_fork
def test_the_split_read_back_gives_the_same_pdf_and_leaves_no_worker(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workers: list[bool] = []
    real_beside = verify.beside
    monkeypatch.setattr(verify, "beside", lambda work: workers.append(True) or real_beside(work))
    monkeypatch.setattr(verify, "PARALLEL_PAGES", 2)
    parallel_pdf = build(DEFAULT_CONTENT, tmp_path / "parallel.pdf").output.read_bytes()
    assert workers == [True]
    assert_no_children()
    monkeypatch.setattr(verify, "PARALLEL_PAGES", 10**6)
    serial_pdf = build(DEFAULT_CONTENT, tmp_path / "serial.pdf").output.read_bytes()
    assert workers == [True], "read by this process alone"
    assert parallel_pdf == serial_pdf


@needs_fork
@pytest.mark.parametrize("failing", ["worker", "here"])
def test_a_failed_read_back_stops_the_build_and_leaves_no_worker(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str) -> None:
    parent, real_page_texts = os.getpid(), verify._page_texts

    def faulty(pdf: bytes, numbers: range) -> list[str]:
        if (os.getpid() != parent) == (failing == "worker"):
            raise KeyboardInterrupt if failing == "here" else ValueError("the worker's error")
        return real_page_texts(pdf, numbers)

    monkeypatch.setattr(verify, "PARALLEL_PAGES", 2)
    monkeypatch.setattr(verify, "_page_texts", faulty)
    with pytest.raises(ValueError if failing == "worker" else KeyboardInterrupt):
        build(DEFAULT_CONTENT, tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()
    assert_no_children()


@needs_fork
def test_a_long_document_is_checked_beside_the_layout_and_its_errors_still_stop_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from builder import build as build_module
    from builder.build import check_file

    workers: list[bool] = []
    real_beside = build_module.beside
    monkeypatch.setattr(build_module, "beside",
                        lambda work: workers.append(True) or real_beside(work))
    monkeypatch.setattr(build_module, "PARALLEL_BLOCKS", 3)
    head = ('meta: {title: 测试手册, date: "2022", language: zh-CN}\nparts:\n'
            '  - title: 第一部分\n'
            "    blocks:\n")
    blocks = "".join(f"      - paragraph: 第{n}段正文, 写得很短。\n" for n in range(1, 6))
    good = tmp_path / "doc.yaml"
    good.write_text(head + blocks, encoding="utf-8")
    output = tmp_path / "doc.pdf"
    result = build(good, output)
    assert workers == [True], "the check ran beside the layout"
    assert result.findings == tuple(check_file(good)[1]) and result.findings, \
        "the same findings as checked here (the half-width commas)"
    assert_no_children()
    before = output.read_bytes()
    good.write_text(head + blocks + "      - paragraph: 缺字𪚥。\n", encoding="utf-8")
    with pytest.raises(BrochureError, match="missing-glyph"):
        build(good, output)
    assert output.read_bytes() == before and workers == [True, True]
    assert_no_children()
    monkeypatch.setattr(build_module, "PARALLEL_BLOCKS", 10**6)
    good.write_text(head + blocks, encoding="utf-8")
    assert build(good, tmp_path / "serial.pdf").output.read_bytes() == before, \
        "checked here or beside, the same PDF"
    assert workers == [True, True]


@needs_fork
def test_a_check_worker_that_dies_is_replaced_by_the_check_here(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from builder import build as build_module

    real_beside = build_module.beside
    monkeypatch.setattr(build_module, "beside",
                        lambda work: real_beside(lambda: os._exit(9)))  # killed, say
    monkeypatch.setattr(build_module, "PARALLEL_BLOCKS", 1)
    content = tmp_path / "doc.yaml"
    content.write_text('meta: {title: 测试手册, date: "2022", language: zh-CN}\nparts:\n'
                       '  - title: 第一部分\n    blocks:\n'
                       '      - paragraph: 一段正文, 写得很短。\n', encoding="utf-8")
    result = build(content, tmp_path / "doc.pdf")
    assert result.pages > 0
    assert result.findings == tuple(build_module.check_file(content)[1]) and result.findings, \
        "the half-width comma found by the check made here"
    assert_no_children()
