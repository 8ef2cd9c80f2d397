"""The package as a user gets it: built into an sdist and a wheel, installed in a fresh
virtual environment outside the checkout, used from an empty folder."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from builder.build import BuildResult

ROOT = Path(__file__).resolve().parent.parent
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "dist", "build", "*.egg-info", "__pycache__",
                                    ".*_cache", ".hypothesis")


def run(*command: str | Path, cwd: Path) -> str:
    done = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `brochure` command of a wheel built from a copy of this checkout (no editable
    links back into it) and installed in a new venv."""
    place = tmp_path_factory.mktemp("install")
    source = place / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    run(sys.executable, "-m", "build", "--outdir", place / "packages", source, cwd=place)
    wheel, = (place / "packages").glob("*.whl")
    sdist, = (place / "packages").glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    assert any(n.endswith("fonts/NotoSerifSC-Regular.ttf") for n in names)
    assert any(n.endswith("/LICENSE") for n in names)
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(archive.namelist())
    for name in ("builder/data/fonts/NotoSansSC-Bold.ttf", "builder/data/themes/default.yaml",
                 "builder/data/schemas/content.schema.json",
                 "builder/data/color/FOGRA39L-brochure.icc",
                 "builder/data/content/xianan-2022.yaml"):
        assert name in shipped, f"the wheel lacks {name}"
    venv = place / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=place)
    run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel, cwd=place)
    shutil.rmtree(source)  # nothing may still point into a source tree
    return venv / "bin" / "brochure"


def test_the_installed_wheel_builds_the_default_brochure_byte_for_byte(
        installed: Path, built, tmp_path: Path) -> None:
    out = run(installed, "build", cwd=tmp_path)  # no argument, no content here: the example
    pdf = tmp_path / "dist" / "xianan-2022.pdf"
    result: BuildResult = built.result
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() == result.sha256, \
        "the wheel's build differs from the checkout's"
    assert result.sha256 in out
    text = "".join(page.extract_text() or "" for page in PdfReader(pdf).pages)
    assert built.document.meta.title in text


def test_the_installed_wheel_scaffolds_and_builds_in_the_new_folder(
        installed: Path, tmp_path: Path) -> None:
    run(installed, "new", "demo", cwd=tmp_path)
    run(installed, "new", "other", cwd=tmp_path)
    run(installed, "build", cwd=tmp_path / "demo")  # `cd demo && brochure build`
    pdf = tmp_path / "demo" / "dist" / "demo.pdf"
    text = "".join(page.extract_text() or "" for page in PdfReader(pdf).pages)
    assert "新手册" in text and "一般公共预算收入" in text
    run(installed, "build", "demo/content.yaml", "other/content.yaml", cwd=tmp_path)
    assert {p.name for p in (tmp_path / "dist").iterdir()} == {"demo.pdf", "other.pdf"}, \
        "two scaffolds wrote to the same output"


def test_the_installed_wheel_runs_every_print_command(installed: Path, tmp_path: Path) -> None:
    run(installed, "build", "--profile", "screen", "-o", "screen.pdf", cwd=tmp_path)
    out = run(installed, "release", cwd=tmp_path)
    assert "preflight PASS" in out
    run(installed, "preflight", "dist/xianan-2022/xianan-2022-print.pdf", cwd=tmp_path)
    run(installed, "impose", "dist/xianan-2022/xianan-2022-print.pdf", "-o", "booklet.pdf",
        cwd=tmp_path)
    run(installed, "preview", "screen.pdf", "--out", "pages", cwd=tmp_path)
    assert (tmp_path / "booklet.pdf").stat().st_size > 0
    assert len(list((tmp_path / "pages").glob("*.png"))) > 1
