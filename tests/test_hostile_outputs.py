"""Outputs never touch inputs: every way of naming an output that would lose a file is refused
before anything is written, a failing write keeps the old file and leaves no temporary file,
`brochure new` never overwrites, `check --fix` follows links, Ctrl-C exits 130."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile import ROOT, assert_refused, cli, cli_process

from builder.errors import BrochureError
from builder.files import write_atomically
from builder.rules.fix import apply_fixes


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A brochure as `brochure new` makes it: content, a theme extending default, an image."""
    folder = tmp_path_factory.mktemp("made") / "demo"
    assert cli("new", folder).code == 0
    return folder


@pytest.fixture
def demo(made: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "demo"
    shutil.copytree(made, folder)
    return folder


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every entry under `folder`: a file's bytes, a link's target, a folder's mark."""
    entries: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            entries[key] = f"-> {os.readlink(path)}"
        elif path.is_file():
            entries[key] = path.read_bytes()
        else:
            entries[key] = "folder"
    return entries


# --------------------------------------------------------------------------- inputs as outputs

INPUTS = ["content.yaml", "theme.yaml", "images/sample.jpg", ".schemas/content.schema.json"]


@pytest.mark.parametrize("spelling", ["{name}", "./{name}", "../demo/{name}", "{abs}"])
@pytest.mark.parametrize("name", INPUTS[:3])
def test_build_refuses_to_write_over_its_inputs(demo: Path, name: str, spelling: str) -> None:
    before = snapshot(demo)
    target = spelling.format(name=name, abs=demo / name)
    message = assert_refused(cli("build", "content.yaml", "-o", target, cwd=demo))
    assert "input of the build" in message or "not a PDF" in message
    assert snapshot(demo) == before


def test_build_refuses_the_theme_it_extends_and_its_font(tmp_path: Path, demo: Path) -> None:
    """A local base theme and a local font file are inputs too."""
    shutil.copy(ROOT / "fonts" / "NotoSerifSC-Regular.ttf", demo / "serif.ttf")
    (demo / "base.yaml").write_text("name: base\nextends: default\n", encoding="utf-8")
    theme = (demo / "theme.yaml").read_text(encoding="utf-8").replace(
        "extends: default", "extends: base.yaml")
    (demo / "theme.yaml").write_text(theme + "fonts:\n  serif: {regular: serif.ttf, bold: "
                                     "NotoSerifSC-Bold.ttf}\n", encoding="utf-8")
    # in child processes: this process has the shipped font registered under the same name
    assert cli_process("build", "-o", tmp_path / "ok.pdf", cwd=demo, timeout=60).code == 0
    before = snapshot(demo)
    for name in ("base.yaml", "serif.ttf"):
        assert_refused(cli_process("build", "-o", name, cwd=demo, timeout=60),
                       "input of the build", name)
    assert snapshot(demo) == before


@pytest.mark.parametrize("name", INPUTS)
def test_a_link_to_an_input_is_refused_like_the_input(demo: Path, name: str) -> None:
    (demo / "out.pdf").symlink_to(demo / name)
    before = snapshot(demo)
    assert_refused(cli("build", "-o", "out.pdf", cwd=demo))
    assert snapshot(demo) == before


@pytest.mark.parametrize("existing", [b"notes", b"", b"\x89PNG\r\n", b"{\"a\": 1}",
                                      "正文".encode(), b"%PDx"])
def test_an_existing_file_that_is_not_a_pdf_is_left_alone(demo: Path, existing: bytes) -> None:
    (demo / "notes.pdf").write_bytes(existing)
    assert_refused(cli("build", "-o", "notes.pdf", cwd=demo), "not a PDF")
    assert (demo / "notes.pdf").read_bytes() == existing


def test_an_older_pdf_is_replaced_and_a_link_to_it_followed(demo: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.pdf"
    old.write_bytes(b"%PDF-1.4 old")
    (demo / "link.pdf").symlink_to(old)
    assert cli("build", "-o", "link.pdf", cwd=demo).code == 0
    assert (demo / "link.pdf").is_symlink() and old.read_bytes().startswith(b"%PDF-1.")
    assert len(old.read_bytes()) > 1000
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".old.pdf.")]


def special_files(folder: Path) -> dict[str, Path]:
    fifo = folder / "pipe.pdf"
    os.mkfifo(fifo)
    sock_path = folder / "sock.pdf"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    sock.close()
    (folder / "dir.pdf").mkdir()
    (folder / "devlink.pdf").symlink_to("/dev/null")
    return {"fifo": fifo, "socket": sock_path, "folder": folder / "dir.pdf",
            "/dev/null": Path("/dev/null"), "link to /dev/null": folder / "devlink.pdf",
            "/dev/zero": Path("/dev/zero")}


@pytest.mark.parametrize("kind", ["fifo", "socket", "folder", "/dev/null", "link to /dev/null",
                                  "/dev/zero"])
def test_build_never_writes_over_anything_but_a_regular_file(demo: Path, kind: str) -> None:
    target = special_files(demo)[kind]
    mode = os.lstat(target).st_mode
    outcome = cli_process("build", "-o", target, cwd=demo)  # a FIFO must not block it
    assert_refused(outcome, "not a file")
    assert os.lstat(target).st_mode == mode  # still a pipe, a device, a folder


@pytest.mark.parametrize("kind", ["fifo", "folder", "/dev/null"])
def test_impose_never_writes_over_anything_but_a_regular_file(demo: Path, kind: str,
                                                              tmp_path: Path) -> None:
    pdf = tmp_path / "b.pdf"
    assert cli("build", "-o", pdf, cwd=demo).code == 0
    target = special_files(demo)[kind]
    mode = os.lstat(target).st_mode
    assert_refused(cli_process("impose", pdf, "-o", target), "not a file")
    assert os.lstat(target).st_mode == mode


@pytest.mark.parametrize("name", ["content.yaml", "theme.yaml", "images/sample.jpg", "b.pdf"])
def test_impose_refuses_to_write_over_inputs(demo: Path, name: str) -> None:
    assert cli("build", "-o", "b.pdf", cwd=demo).code == 0
    before = snapshot(demo)
    assert_refused(cli("impose", "b.pdf", "-o", name, cwd=demo))
    assert snapshot(demo) == before


def test_schema_never_replaces_a_file_that_is_not_a_schema(tmp_path: Path) -> None:
    (tmp_path / "theme.schema.json").write_text("my notes", encoding="utf-8")
    assert_refused(cli("schema", "--out", tmp_path), "not a JSON")
    assert (tmp_path / "theme.schema.json").read_text(encoding="utf-8") == "my notes"
    assert cli("schema", cwd=tmp_path).code == 0  # default: .schemas here, not the package
    assert (tmp_path / ".schemas" / "theme.schema.json").read_text("utf-8").startswith("{")


# --------------------------------------------------------------------------- brochure new

@pytest.mark.parametrize("name", [*INPUTS, ".schemas/theme.schema.json"])
def test_new_never_overwrites_a_file(made: Path, tmp_path: Path, name: str) -> None:
    folder = tmp_path / "demo"
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(b"mine")
    before = snapshot(folder)
    assert_refused(cli("new", folder), "already exists", name.split("/")[-1])
    assert snapshot(folder) == before


@pytest.mark.parametrize("name", ["", "images", ".schemas"])
def test_new_refuses_a_file_where_it_needs_a_folder(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "demo"
    if name:
        folder.mkdir()
    (folder / name if name else folder).write_bytes(b"mine")
    before = snapshot(tmp_path)
    assert_refused(cli("new", folder), "is a file")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("name", ["images", ".schemas"])
def test_new_never_writes_through_a_link_out_of_its_folder(tmp_path: Path, name: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / name).symlink_to(outside)
    assert_refused(cli("new", folder), "link")
    assert list(outside.iterdir()) == [] and list(folder.iterdir()) == [folder / name]


def test_new_refuses_a_dangling_link_where_a_file_goes(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "theme.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    assert_refused(cli("new", folder), "already exists")
    assert not (tmp_path / "elsewhere.yaml").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_new_in_a_read_only_folder_is_a_clean_error(tmp_path: Path) -> None:
    tmp_path.chmod(0o500)
    try:
        assert_refused(cli("new", tmp_path / "demo"), "cannot make")
    finally:
        tmp_path.chmod(0o700)


@pytest.mark.parametrize("name", ["a: b", "[x", "引号\"名", "{{name}}", "#c", "- d"])
def test_new_in_a_folder_with_an_awkward_name_builds(tmp_path: Path, name: str) -> None:
    folder = tmp_path / name
    assert cli("new", folder).code == 0
    assert cli("check", cwd=folder).code == 0


# --------------------------------------------------------------------------- check --fix

FIXABLE = ('meta: {title: 手册, date: "2022", language: zh-CN}\nparts:\n  - title: 部分\n'
           '    blocks:\n      - paragraph: 第一句,第二句.\n')


def test_fix_follows_a_link_and_keeps_it(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "doc.yaml").write_text(FIXABLE, encoding="utf-8")
    link = tmp_path / "doc.yaml"
    link.symlink_to(real / "doc.yaml")
    cli("check", "--fix", link)
    assert link.is_symlink()
    assert "第一句，第二句。" in (real / "doc.yaml").read_text(encoding="utf-8")
    assert not [p for p in real.iterdir() if p.name.startswith(".doc.yaml.")]


def test_a_fix_that_fails_to_write_keeps_the_file(tmp_path: Path, monkeypatch) -> None:
    doc = tmp_path / "doc.yaml"
    doc.write_text(FIXABLE, encoding="utf-8")

    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", fail)
    from builder.build import check_file
    _, findings = check_file(doc)
    with pytest.raises(BrochureError, match="nothing was changed"):
        apply_fixes(doc, [f.fix for f in findings if f.fix])
    assert doc.read_text(encoding="utf-8") == FIXABLE
    assert [p.name for p in tmp_path.iterdir()] == ["doc.yaml"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_fix_in_a_read_only_folder_is_a_clean_error(tmp_path: Path) -> None:
    doc = tmp_path / "doc.yaml"
    doc.write_text(FIXABLE, encoding="utf-8")
    tmp_path.chmod(0o500)
    try:
        assert_refused(cli("check", "--fix", doc), "nothing was changed")
    finally:
        tmp_path.chmod(0o700)
    assert doc.read_text(encoding="utf-8") == FIXABLE


# --------------------------------------------------------------------------- failing writes

def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def limited_build(demo: Path, output: Path, max_bytes: int) -> subprocess.CompletedProcess:
    """`brochure build` in a child that may write no file larger than `max_bytes`: the kernel
    stops the write part way (EFBIG), as a full disk would."""
    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))
    return subprocess.run([sys.executable, "-m", "builder", "build", "-o", str(output)],
                          cwd=demo, preexec_fn=limit, capture_output=True, text=True,
                          timeout=60, check=False)


def test_a_write_cut_short_keeps_the_old_pdf_whole(demo: Path) -> None:
    """Fails for any write that is not atomic: a plain write_bytes leaves a truncated PDF."""
    output = demo / "dist" / "demo.pdf"
    assert cli("build", "-o", output, cwd=demo).code == 0
    old = output.read_bytes()
    (demo / "content.yaml").write_text((demo / "content.yaml").read_text("utf-8").replace(
        "示例刊头", "新的刊头"), encoding="utf-8")
    done = limited_build(demo, output, len(old) // 3)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "cannot write the PDF" in done.stderr and "old file is unchanged" in done.stderr
    assert output.read_bytes() == old
    assert leftovers(output.parent) == []


@pytest.mark.parametrize("failing", ["replace", "chmod", "write", "mkstemp"])
def test_every_failing_step_of_a_write_keeps_the_old_file(tmp_path: Path, monkeypatch,
                                                           failing: str) -> None:
    target = tmp_path / "a.pdf"
    target.write_bytes(b"%PDF-1.4 old")
    import tempfile

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")
    if failing == "write":
        real_fdopen = os.fdopen

        class Failing:
            def __init__(self, *args: object, **kwargs: object) -> None:
                self.stream = real_fdopen(*args, **kwargs)  # type: ignore[call-overload]

            def __enter__(self) -> Failing:
                return self

            def __exit__(self, *exc: object) -> None:
                self.stream.close()

            def write(self, data: bytes) -> None:
                self.stream.write(data[:5])
                fail()
        monkeypatch.setattr(os, "fdopen", Failing)
    else:
        monkeypatch.setattr(tempfile if failing == "mkstemp" else os, failing, fail)
    with pytest.raises(BrochureError, match="disk is full"):
        write_atomically(b"%PDF-1.4 new and longer", target)
    assert target.read_bytes() == b"%PDF-1.4 old"
    assert os.listdir(tmp_path) == ["a.pdf"]


def test_ctrl_c_during_a_write_leaves_no_temporary_file(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "a.pdf"
    target.write_bytes(b"%PDF-1.4 old")

    def interrupt(*args: object) -> None:
        raise KeyboardInterrupt
    monkeypatch.setattr(os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(b"%PDF-1.4 new", target)
    assert target.read_bytes() == b"%PDF-1.4 old" and os.listdir(tmp_path) == ["a.pdf"]


def test_a_folder_that_cannot_be_made_is_a_clean_error(demo: Path) -> None:
    (demo / "file").write_bytes(b"x")
    assert_refused(cli("build", "-o", "file/out.pdf", cwd=demo))
    assert (demo / "file").read_bytes() == b"x"


def test_ctrl_c_exits_130_with_one_line_and_keeps_the_old_pdf(demo: Path) -> None:
    output = demo / "out.pdf"
    assert cli("build", "-o", output, cwd=demo).code == 0
    old = output.read_bytes()
    child = subprocess.Popen([sys.executable, "-m", "builder", "build", "-o", str(output)],
                             cwd=demo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.6)  # importing or laying out
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=30)
    if child.returncode == 0:
        pytest.skip("the build finished before Ctrl-C")
    assert child.returncode == 130, err
    assert "Traceback" not in err and err.strip().count("\n") == 0, err
    assert "interrupted" in err
    assert output.read_bytes() == old and leftovers(demo) == [".schemas"]


def test_a_theme_path_typed_on_the_command_line_is_read_from_the_working_folder(
        demo: Path, tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text("name: mine\nextends: default\n", encoding="utf-8")
    outcome = cli("build", "demo/content.yaml", "--theme", "mine.yaml", "-o", "x.pdf",
                  cwd=tmp_path)
    assert outcome.code == 0, outcome.err
