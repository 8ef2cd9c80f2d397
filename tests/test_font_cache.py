"""The on-disk cache of parsed fonts: same fonts as a fresh parse, corrupt entries rebuilt."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from reportlab.pdfgen.canvas import Canvas

from builder.engine import private
from builder.typeset import fonts

ROOT = Path(__file__).resolve().parent.parent
FONT = (ROOT / "fonts" / "NotoSansSC-Regular.ttf").resolve()
TEXT = "咸安区 G351 国道，17.28%。"


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "brochure" / "fonts"


def cache_file() -> Path:
    path = fonts._cache_file(hashlib.sha256(FONT.read_bytes()).hexdigest())
    assert path is not None
    return path


def parse_and_cache() -> tuple[object, frozenset[int]]:
    parsed = fonts._parse(FONT, FONT, "NotoSansSC-Regular", FONT.read_bytes())
    codepoints = private.font_codepoints(parsed)
    fonts._write_cache(cache_file(), parsed, codepoints)
    return parsed, codepoints


def pdf_with(font: object) -> bytes:
    """A one-line PDF set in `font`, registered under its name for the time of the drawing."""
    name, registry = font.fontName, private.font_registry()
    previous = registry.get(name)
    registry[name] = font
    try:
        buffer = io.BytesIO()
        canvas = Canvas(buffer, invariant=1)
        canvas.setFont(name, 12)
        canvas.drawString(72, 720, TEXT)
        canvas.save()
        return buffer.getvalue()
    finally:
        if previous is None:
            del registry[name]
        else:
            registry[name] = previous


def test_cache_lives_in_the_users_cache_dir(cache_home: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    assert fonts.font_cache_dir() == cache_home
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # not absolute: ignored (XDG spec)
    assert fonts.font_cache_dir() == Path.home() / ".cache" / "brochure" / "fonts"
    parse_and_cache()
    path = cache_file()
    assert path.parent == Path.home() / ".cache" / "brochure" / "fonts"
    assert ROOT not in path.parents
    path.unlink()


def test_cached_font_is_the_parsed_font(cache_home: Path) -> None:
    parsed, codepoints = parse_and_cache()
    assert cache_file().parent == cache_home
    entry = fonts._read_cache(cache_file())
    assert entry is not None
    cached = fonts._from_cache(entry, FONT.read_bytes())
    assert entry["codepoints"] == codepoints
    assert vars(cached).keys() == vars(parsed).keys()
    assert vars(cached.face).keys() == vars(parsed.face).keys()
    assert private.parsed_font_state(cached)["face"] == private.parsed_font_state(parsed)["face"]
    assert cached.stringWidth(TEXT, 10) == parsed.stringWidth(TEXT, 10)
    assert pdf_with(cached) == pdf_with(parsed)


@pytest.mark.parametrize("damage", [
    lambda path: path.write_bytes(b"not a pickle"),
    lambda path: path.write_bytes(path.read_bytes()[:1000]),
    lambda path: path.write_bytes(__import__("pickle").dumps({"key": "another file"})),
])
def test_corrupt_or_stale_entries_are_ignored(cache_home: Path, damage) -> None:
    parse_and_cache()
    damage(cache_file())
    assert fonts._read_cache(cache_file()) is None
    parse_and_cache()
    assert fonts._read_cache(cache_file()) is not None


def test_unwritable_cache_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    parse_and_cache()  # does not raise
    assert fonts._read_cache(cache_file()) is None


def test_a_warm_process_loads_fonts_from_the_cache(tmp_path: Path) -> None:
    """Second process: the same face, without fontTools (the file checks ran the first time)."""
    script = (
        "import json, sys; from pathlib import Path; from builder.typeset.fonts import load_face; "
        f"face = load_face(Path({str(FONT)!r})); "
        "print(json.dumps([face.name, len(face.codepoints), 'fontTools' in sys.modules]))")
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path))
    runs = [json.loads(subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                                      capture_output=True, text=True, check=True).stdout)
            for _ in range(2)]
    assert runs[0][:2] == runs[1][:2] == ["NotoSansSC-Regular", runs[0][1]]
    assert runs[0][2] is True and runs[1][2] is False
    assert len(list((tmp_path / "brochure" / "fonts").glob("*.pickle"))) == 1


def test_entries_are_plain_data(cache_home: Path) -> None:
    """No class or function is named in an entry: the unpickler that refuses them all reads
    it, and the font it makes is ReportLab's own again (name bytes, encoding)."""
    import pickletools

    from reportlab.pdfbase.ttfonts import TTEncoding, TTFNameBytes

    parse_and_cache()
    blob = cache_file().read_bytes()
    opcodes = {op.name for op, _, _ in pickletools.genops(blob)}
    assert not opcodes & {"GLOBAL", "STACK_GLOBAL", "REDUCE", "INST", "OBJ", "NEWOBJ",
                          "NEWOBJ_EX", "BUILD", "EXT1", "EXT2", "EXT4"}, opcodes
    assert cache_file().stat().st_mode & 0o777 == 0o600
    entry = fonts._read_cache(cache_file())
    assert entry is not None
    font = fonts._from_cache(entry, FONT.read_bytes())
    assert type(font.face.name) is TTFNameBytes and font.face.name.ustr == "NotoSansSC-Regular"
    assert type(font.encoding) is TTEncoding and font.encoding.name == "UTF-8"
