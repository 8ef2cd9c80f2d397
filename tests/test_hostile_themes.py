"""Themes as hostile input (issue 12): every value typed, finite and in range, `extends`
read once per file with circles and depth refused, paths confined to the theme's folder, the
shipped files and the system font folders, and header/footer templates that know only their
four fields. A refusal is a BrochureError naming the theme file and the line at fault."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from conftest import DEFAULT_CONTENT, flat
from content_factory import document, time_limit, write
from hostile import assert_refused, cli, cli_process
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from builder import data
from builder.build import build
from builder.errors import BrochureError
from builder.source import theme as theme_module
from builder.source.theme import (
    KEYS,
    MAX_CHAIN,
    SECTIONS,
    Key,
    Theme,
    fill,
    load_theme,
    theme_chain,
)

BAD = "# bad"
"""Marks the line of a case the error must point at."""
SECRET = "secret_key_of_another_file"


def theme_text(body: str, extends: str = "default") -> str:
    if body.startswith("name:"):
        return body
    return f"name: bad\nextends: {extends}\n{body}" if "extends:" not in body \
        else f"name: bad\n{body}"


def write_theme(folder: Path, body: str, name: str = "t.yaml") -> Path:
    path = folder / name
    path.write_text(theme_text(body), encoding="utf-8")
    return path


def refused(path: Path, *words: str, at: Path | None = None) -> str:
    """load_theme refuses the theme with a message naming the file (`at`, else the theme's
    own), the line marked BAD (if any) and each of `words`."""
    with pytest.raises(BrochureError) as caught:
        load_theme(path)
    message = str(caught.value)
    at = at or path
    lines = at.read_text(encoding="utf-8").splitlines()
    marked = [number for number, line in enumerate(lines, 1) if BAD in line]
    where = f"{at}:{marked[0]}:" if marked else f"{at}:2:"
    assert message.startswith(where), (where, message)
    assert caught.value.hint, message
    for word in words:
        assert word in message, (word, message)
    return message


def style(**values: Any) -> str:
    """A `styles.body` line of the default's values with some replaced, marked BAD."""
    entries = {"font": "serif", "size": 10.5, "leading": 19, "color": "ink"} | values
    return "styles:\n  body: {" + ", ".join(f"{k}: {v}" for k, v in entries.items()) \
        + "}  " + BAD + "\n"


def one(section: str, key: str, value: object) -> str:
    return f"{section}:\n  {key}: {value}  {BAD}\n"


def many(section: str, count: int, entry: Callable[[int], str]) -> str:
    lines = [f"  {entry(i)}" + (f"  {BAD}" if i == 0 else "") for i in range(count)]
    return f"{section}:\n" + "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- values

NUMBERS = [  # YAML 1.1 oddities and what is not a number
    (style(size=".nan"), "finite"),
    (style(size=".NaN"), "finite"),
    (style(size=".inf"), "finite"),
    (style(size="-.inf"), "finite"),
    (style(leading="+.inf"), "finite"),
    (style(size="1.0e+400"), "finite"),
    (style(size="1e5"), "must be a number, not '1e5'"),
    (style(size="'12'"), "must be a number"),
    (style(size="true"), "must be a number"),
    (style(size="yes"), "must be a number"),
    (style(size="~"), "must be a number"),
    (style(size="[12]"), "must be a number"),
    (style(size="{a: 1}"), "must be a number"),
    (style(size="10pt"), "must be a number"),
    (one("page", "chars_per_line", "0o52"), "must be a number"),
    (one("page", "chars_per_line", "1" * 5000), "finite"),
    (one("page", "chars_per_line", "1" * 400 + ".0"), "finite"),
    (one("decor", "leader_step", ".nan"), "finite"),
    (one("decor", "rings_count", ".inf"), "finite"),
    (one("design", "columns", ".inf"), "finite"),
    (one("design", "columns", ".nan"), "finite"),
    (one("print", "page_multiple", "-.inf"), "finite"),
    (one("spacing", "share_page", ".nan"), "finite"),
    (one("table_columns", "from", ".nan"), "finite"),
    ("colors:\n  ink: [0, 0, .nan, 100]  " + BAD + "\n", "finite"),
    ("page:\n  size: [.inf, 297]  " + BAD + "\n", "finite"),
    (style(bold=1), "true or false"),
]

RANGES = [  # typed and finite but out of range, or breaking a rule between values
    (style(size=0), "outside 4 to 200 pt"),
    (style(size=3.9), "outside 4 to 200 pt"),
    (style(size=-1), "outside 4 to 200 pt"),
    (style(size=201, leading=300), "outside 4 to 200 pt"),
    (style(leading=10000), "outside 4 to 400 pt"),
    (style(size=12, leading=10), "less than its size"),
    (style(indent=100), "outside 0 to 8 characters"),
    (one("page", "chars_per_line", 0), "outside 4 to 200 characters"),
    (one("page", "chars_per_line", 100000), "outside 4 to 200"),
    (one("page", "chars_per_line", 42.5), "whole number"),
    (one("page", "margin_top", 1000), "outside 0 to 300 mm"),
    (one("page", "margin_top", 140) + "  margin_bottom: 140\n", "less than 5 body lines"),
    (one("page", "min_margin_side", 100), "fewer than 4"),
    (one("page", "header_offset", 30), "inside the text block"),
    (one("page", "footer_offset", 30), "inside the text block"),
    ("page:\n  size: [10, 10]  " + BAD + "\n", "outside 50 to 1000 mm"),
    ("page:\n  size: [210, 1000000]  " + BAD + "\n", "outside 50 to 1000 mm"),
    (one("page", "size", "5x5 mm"), "outside 50 to 1000 mm"),
    (one("page", "size", "2000×3000"), "outside 50 to 1000 mm"),
    (one("page", "size", "Letter"), "unknown page size"),
    (one("print", "page_multiple", 0), "outside 1 to 64 pages"),
    (one("print", "page_multiple", 65), "outside 1 to 64 pages"),
    (one("print", "page_multiple", 100000), "outside 1 to 64 pages"),
    (one("print", "page_multiple", 2.5), "whole number"),
    (one("print", "bleed", 100), "outside 0 to 20 mm"),
    (one("print", "crop_mark_width", 100), "outside 0 to 5 pt"),
    (one("print", "slug", -3), "outside 0 to 50 mm"),
    (one("design", "columns", 3), "must be 1 or 2"),
    (one("design", "columns", 1.5), "must be 1 or 2"),
    (one("design", "column_gap", 50), "outside 0 to 10 characters"),
    ("page:\n  chars_per_line: 4  " + BAD + "\ndesign:\n  columns: 2\n", "fewer than 4"),
    (one("decor", "leader_step", 0), "outside 1 to 50 pt"),
    (one("decor", "leader_step", -5), "outside 1 to 50 pt"),
    (one("decor", "rings_count", 1000000), "outside 0 to 100 rings"),
    (one("decor", "rings_count", 101), "outside 0 to 100 rings"),
    (one("decor", "rings_count", 2.5), "whole number"),
    (one("decor", "rings_step", 0), "outside 1 to 500 pt"),
    (one("decor", "opener_band", 1.5), "outside 0 to 1"),
    (one("decor", "cell_padding", 1000), "outside 0 to 30 pt"),
    (one("spacing", "share_page", 2), "outside 0 to 1"),
    (one("spacing", "figure_ratio", 0), "outside 0.1 to 3"),
    (one("spacing", "figure_ratio", 100), "outside 0.1 to 3"),
    (one("table_columns", "from", 1.5), "outside 0 to 0.8"),
    ("table_columns:\n  from: 0.5  " + BAD + "\n  value: 0.5\n", "more than 0.8"),
    ("colors:\n  ink: [0, 0, 0, 101]  " + BAD + "\n", "outside 0 to 100 %"),
    ("colors:\n  ink: [0, -1, 0, 100]  " + BAD + "\n", "outside 0 to 100 %"),
    ("colors:\n  ink: [0, 0, 100]  " + BAD + "\n", "[C, M, Y, K]"),
]

KEYS_CASES = [  # mappings whose keys are not names, or given twice, or nested too deep
    ("? [a]  " + BAD + "\n: 1\n", "a key must be a name"),
    ("[a]: 1  " + BAD + "\n", "a key must be a name"),
    ("{a: 1}: 2  " + BAD + "\n", "a key must be a name"),
    ("~: 1  " + BAD + "\n", "a key must be a name"),
    ("'': 1  " + BAD + "\n", "a key must be a name"),
    ("styles:\n  ? [body]  " + BAD + "\n  : {font: serif}\n", "a key must be a name"),
    ("colors:\n  {x: 1}: [0, 0, 0, 0]  " + BAD + "\n", "a key must be a name"),
    ("colors:\n  ink: [0, 0, 0, 100]\n  ink: [0, 0, 0, 90]  " + BAD + "\n", "appears twice"),
    ("styles:\n  body: {font: serif, size: 10, size: 11}  " + BAD + "\n", "appears twice"),
    ("labels:\n  contents: [[[[[[[[[[1]]]]]]]]]]  " + BAD + "\n", "nested more than 9"),
    ("decor:\n  rings_count: {a: {b: {c: {d: {e: {f: {g: {h: 1}}}}}}}}  " + BAD + "\n",
     "nested more than 9"),
    (many("fonts", 9, lambda i: f"f{i}: {{regular: NotoSansSC-Regular.ttf,"
                                " bold: NotoSansSC-Bold.ttf}"), "more than 8"),
    (many("colors", 65, lambda i: f"c{i}: [0, 0, 0, {i % 100}]"), "more than 64"),
]

TEMPLATES = [  # header and footer templates: four plain fields and nothing else
    (one("header", "left", "'{title.__class__.__mro__}'"), "unknown field"),
    (one("header", "left", "'{title:>100000000}'"), "only plain fields"),
    (one("header", "right", "'{section!r}'"), "only plain fields"),
    (one("footer", "center", "'{page:{pages}}'"), "only plain fields"),
    (one("footer", "center", "'{page[0]}'"), "unknown field"),
    (one("footer", "center", "'{0}'"), "unknown field"),
    (one("footer", "center", "'{}'"), "unknown field"),
    (one("footer", "center", "'{total}'"), "unknown field"),
    (one("footer", "center", "'{__import__}'"), "unknown field"),
    (one("footer", "center", "'{page'"), "unmatched brace"),
    (one("footer", "center", "'page}'"), "unmatched brace"),
    (one("footer", "center", "true"), "must be text"),
    (one("footer", "center", "[a]"), "must be text"),
    (one("footer", "center", "'" + "页" * 201 + "'"), "more than 200"),
    (one("footer", "center", '"{page}\\x07"'), "control character"),
    (one("header", "left", '"\\u200b{title}"'), "invisible"),
]

TEXTS = [
    (one("labels", "contents", '"目\\x1b录"'), "control character"),
    (one("labels", "contents", '"目\\u202e录"'), "invisible"),
    (one("labels", "contents", "'" + "字" * 300 + "'"), "more than 200"),
    (one("labels", "contents", "''"), "is empty"),
    (one("labels", "contents", "[目录]"), "must be text"),
    ("name: " + "n" * 300 + "  " + BAD + "\nextends: default\n", "more than 200"),
]


@pytest.mark.parametrize(("body", "words"), NUMBERS + RANGES + KEYS_CASES + TEMPLATES + TEXTS)
def test_hostile_values_are_refused_at_their_line(tmp_path: Path, body: str,
                                                   words: str) -> None:
    refused(write_theme(tmp_path, body), words)


@pytest.mark.parametrize(("body", "value", "expected"), [
    (style(size="0x10", leading=19), lambda t: t.styles["body"].size, 16),
    (style(size="0b1100", leading=19), lambda t: t.styles["body"].size, 12),
    (style(size="014", leading=19), lambda t: t.styles["body"].size, 12),  # YAML 1.1 octal
    (style(size="1_2", leading=19), lambda t: t.styles["body"].size, 12),
    (style(size="+12", leading=19), lambda t: t.styles["body"].size, 12),
    (style(size="1.2e+1", leading=19), lambda t: t.styles["body"].size, 12),
    (one("decor", "rings_count", "1:30"), lambda t: t.decor.rings_count, 90),  # base 60
    (one("print", "page_multiple", "0x8"), lambda t: t.print.page_multiple, 8),
    (one("design", "columns", "2.0"), lambda t: t.design.columns, 2),
    (one("header", "left", "'{{{title}}}'"), lambda t: t.header.left, "{{{title}}}"),
    (one("header", "left", ""), lambda t: t.header.left, ""),
])
def test_yaml_numbers_read_as_yaml_reads_them(tmp_path: Path, body: str,
                                              value: Callable[[Theme], Any],
                                              expected: Any) -> None:
    assert value(load_theme(write_theme(tmp_path, body))) == expected


@pytest.mark.parametrize("body", [
    one("header", "left", "'{title.__class__.__mro__}'"),
    one("header", "left", "'{title:>100000000}'"),
    one("print", "page_multiple", 100000),
    one("decor", "rings_count", 1000000),
    one("decor", "leader_step", 0),
    style(size=".nan"),
    "? [a]  " + BAD + "\n: 1\n",
    "table_columns:\n  from: 0.6  " + BAD + "\n  value: 0.6\n",
])
def test_the_cli_refuses_them_in_one_message(tmp_path: Path, body: str) -> None:
    theme = write_theme(tmp_path, body)
    started = time.perf_counter()
    outcome = cli("build", DEFAULT_CONTENT, "--theme", theme, "-o", tmp_path / "out.pdf")
    assert_refused(outcome, f"{theme}:")
    assert time.perf_counter() - started < 2.0
    assert not (tmp_path / "out.pdf").exists()


# --------------------------------------------------------------------------- templates


@pytest.mark.parametrize(("template", "expected"), [
    ("{title}", "手册"), ("第 {page} 页 / 共 {pages} 页", "第 3 页 / 共 16 页"),
    ("{{title}}", "{title}"), ("{{{section}}}", "{01 城市}"), ("", ""),
    ("{title}{title}", "手册手册"),
])
def test_fill_inserts_only_the_values(template: str, expected: str) -> None:
    values = {"title": "手册", "section": "01 城市", "page": 3, "pages": 16}
    assert fill(template, values) == expected


def test_a_value_that_looks_like_a_field_is_printed_as_it_is() -> None:
    assert fill("{title}", {"title": "{title.__class__}"}) == "{title.__class__}"


def test_the_running_head_keeps_escaped_braces(tmp_path: Path) -> None:
    theme = write_theme(tmp_path, "header:\n  left: '《{title}》{{注}}'\n")
    output = tmp_path / "braces.pdf"
    outcome = cli("build", DEFAULT_CONTENT, "--theme", theme, "-o", output)
    assert outcome.code == 0, outcome.err
    with pdfplumber.open(output) as pdf:
        head = "".join(flat(page.extract_text() or "") for page in pdf.pages)
    assert "{注}" in head and "《" in head and "__class__" not in head


# --------------------------------------------------------------------------- extends


def chain(folder: Path, levels: int, top: str = "level0.yaml") -> Path:
    """`levels` theme files, each extending the next, the last extending default."""
    for level in range(levels):
        base = f"level{level + 1}.yaml" if level < levels - 1 else "default"
        (folder / f"level{level}.yaml").write_text(
            f"name: level{level}\nextends: {base}\ndecor:\n  rings_count: {level}\n",
            encoding="utf-8")
    return folder / top


def test_a_chain_of_eight_loads_fast_reading_each_file_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    top = chain(tmp_path, MAX_CHAIN - 1)  # seven files and the default
    reads: list[Path] = []
    original = theme_module.read_text

    def counting(path: Path, kind: str = "content") -> str:
        reads.append(Path(path).resolve())
        return original(path, kind)

    monkeypatch.setattr(theme_module, "read_text", counting)
    started = time.perf_counter()
    theme = load_theme(top)
    assert time.perf_counter() - started < 0.5
    assert theme.name == "level0" and theme.decor.rings_count == 0
    assert len(reads) == MAX_CHAIN == len(set(reads))
    assert len(theme_chain(top)) == MAX_CHAIN


def test_the_14_level_chain_of_the_attack_is_refused_in_well_under_a_second(
        tmp_path: Path) -> None:
    top = chain(tmp_path, 14)  # 103 s before: each level loaded the whole chain below it
    started = time.perf_counter()
    message = refused(top, f"more than {MAX_CHAIN} deep", "level0.yaml → level1.yaml",
                      at=tmp_path / "level7.yaml")  # the file that extends one too many
    assert time.perf_counter() - started < 0.5, message
    assert len(theme_chain(top)) <= MAX_CHAIN + 1


def test_a_chain_of_nine_is_refused_for_depth_and_eight_is_not(tmp_path: Path) -> None:
    top = chain(tmp_path, MAX_CHAIN)  # eight files and the default: nine
    refused(top, f"more than {MAX_CHAIN} deep", at=tmp_path / "level7.yaml")
    assert load_theme(tmp_path / "level1.yaml").name == "level1"


@pytest.mark.parametrize(("files", "words", "closing"), [
    ({"t.yaml": "t.yaml"}, "t.yaml → t.yaml", "t.yaml"),
    ({"t.yaml": "u.yaml", "u.yaml": "t.yaml"}, "t.yaml → u.yaml → t.yaml", "u.yaml"),
    ({"t.yaml": "u.yaml", "u.yaml": "v.yml", "v.yml": "u.yaml"}, "u.yaml → v.yml → u.yaml",
     "v.yml"),
    ({"t.yaml": "./t.yaml"}, "circle", "t.yaml"),
])
def test_a_circle_is_refused_naming_the_chain(tmp_path: Path, files: dict[str, str],
                                              words: str, closing: str) -> None:
    for name, base in files.items():
        (tmp_path / name).write_text(f"name: x\nextends: {base}\n", encoding="utf-8")
    refused(tmp_path / "t.yaml", "circle", words, at=tmp_path / closing)
    assert len(theme_chain(tmp_path / "t.yaml")) == len(files)


# --------------------------------------------------------------------------- paths


@pytest.fixture()
def outside(tmp_path: Path) -> Path:
    """A folder beside the theme's, with a YAML file and a font-named file it must not see."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "other.yaml").write_text(f"{SECRET}: 1\n", encoding="utf-8")
    (folder / "font.ttf").write_text(f"{SECRET}\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize(("extends", "words"), [
    ("../outside/other.yaml", "outside this theme's folder"),
    ("OUTSIDE/other.yaml", "outside this theme's folder"),
    ("link.yaml", "outside this theme's folder"),
    ("inner/up.yaml", "outside this theme's folder"),
    ("../../../../../../etc/passwd", "is not a shipped theme"),
    ("/etc/passwd", "is not a shipped theme"),
    ("nosuchtheme", "is not a shipped theme"),
    ("'default/../default'", "is not a shipped theme"),
    ("missing.yaml", "not a file here"),
    ("folder.yaml", "not a file here"),
    ("fifo.yaml", "not a file here"),
    ("[default]", "must be text"),
])
def test_extends_stays_in_the_theme_folder_without_reading_outside(
        tmp_path: Path, outside: Path, extends: str, words: str) -> None:
    themes = tmp_path / "themes"
    (themes / "inner").mkdir(parents=True)
    (themes / "link.yaml").symlink_to(outside / "other.yaml")
    (themes / "inner" / "up.yaml").symlink_to(outside / "other.yaml")
    (themes / "folder.yaml").mkdir()
    os.mkfifo(themes / "fifo.yaml")
    theme = themes / "t.yaml"
    theme.write_text(f"name: bad\nextends: {extends.replace('OUTSIDE', str(outside))}  {BAD}\n",
                     encoding="utf-8")
    message = refused(theme, words)
    assert SECRET not in message


@pytest.mark.parametrize(("font", "words"), [
    ("OUTSIDE/font.ttf", "outside the theme's folder"),
    ("../outside/font.ttf", "outside the theme's folder"),
    ("link.ttf", "outside the theme's folder"),
    ("/etc/passwd", "outside the theme's folder"),
    ("/proc/self/environ", "outside the theme's folder"),
    ("''", "is empty"),
])
def test_font_paths_stay_in_allowed_folders(tmp_path: Path, outside: Path, font: str,
                                            words: str) -> None:
    themes = tmp_path / "themes"
    themes.mkdir()
    (themes / "link.ttf").symlink_to(outside / "font.ttf")
    os.mkfifo(themes / "fifo.ttf")
    value = font.replace("OUTSIDE", str(outside))
    theme = write_theme(themes, "fonts:\n  serif: {regular: " + value
                        + ", bold: NotoSerifSC-Bold.ttf}  " + BAD + "\n")
    assert SECRET not in refused(theme, words)


@pytest.mark.parametrize(("font", "words"), [
    ("missing.ttf", "font file not found"),
    ("fifo.ttf", "not a regular file"),
])
def test_a_missing_or_fifo_font_is_refused_without_waiting(tmp_path: Path, font: str,
                                                           words: str) -> None:
    os.mkfifo(tmp_path / "fifo.ttf")
    theme = write_theme(tmp_path, "fonts:\n  serif: {regular: " + font
                        + ", bold: NotoSerifSC-Bold.ttf}\n")
    outcome = cli_process("build", DEFAULT_CONTENT, "--theme", theme, "-o",
                          tmp_path / "out.pdf", timeout=20)
    # the font loader's refusal (builder/typeset/fonts.py; its FIFO message has no hint yet)
    assert outcome.code == 2 and "Traceback" not in outcome.err, outcome.err
    assert font in outcome.err and words in outcome.err, outcome.err


def test_fonts_next_to_the_theme_and_in_subfolders_are_fine(tmp_path: Path) -> None:
    shipped = data.fonts_dir()
    (tmp_path / "fonts").mkdir()
    for name in ("NotoSerifSC-Regular.ttf", "NotoSerifSC-Bold.ttf"):
        (tmp_path / "fonts" / name).symlink_to(shipped / name)  # a link inside is fine too
    theme = write_theme(tmp_path, "fonts:\n  serif: {regular: fonts/NotoSerifSC-Regular.ttf,"
                                  " bold: fonts/NotoSerifSC-Bold.ttf}\n")
    assert load_theme(theme).fonts["serif"].regular == tmp_path / "fonts" / \
        "NotoSerifSC-Regular.ttf"


def test_a_theme_named_by_content_stays_in_the_content_folder(tmp_path: Path,
                                                              outside: Path) -> None:
    (outside / "t.yaml").write_text("name: x\nextends: default\n", encoding="utf-8")
    folder = tmp_path / "brochure"
    folder.mkdir()
    (folder / "link").symlink_to(outside)
    content = write(folder, {"theme": "link/t.yaml"} | document())
    assert_refused(cli("check", content), "leaves the content's folder")


def test_a_theme_typed_on_the_command_line_may_lie_anywhere(tmp_path: Path) -> None:
    folder = tmp_path / "far" / "away"
    folder.mkdir(parents=True)
    theme = write_theme(folder, "colors:\n  primary: [90, 0, 100, 20]\n")
    outcome = cli("build", DEFAULT_CONTENT, "--theme", theme, "-o", tmp_path / "far.pdf")
    assert outcome.code == 0, outcome.err


def test_a_theme_that_is_a_fifo_is_refused_without_waiting(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "t.yaml")
    outcome = cli_process("build", DEFAULT_CONTENT, "--theme", tmp_path / "t.yaml", "-o",
                          tmp_path / "out.pdf", timeout=20)
    assert_refused(outcome, "not a regular file")


# --------------------------------------------------------------------------- properties

RANGED = [(section, name, key) for section, cls in SECTIONS.items()
          for name, key in KEYS[cls].items() if key.range is not None]
"""Every numeric key with a range, by section."""

WILD = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-10**12, 10**12).map(str),
    st.sampled_from([".nan", ".inf", "-.inf", "0x10", "0o17", "017", "1_000", "1:30", "1e400",
                     "1.0e+400", "true", "no", "~", "''", "[1]", "{a: 1}", "'{title}'"]),
    st.text(max_size=12).map(lambda s: "'" + s.replace("'", "''") + "'"),
)


def within(key: Key) -> st.SearchStrategy[str]:
    low, high = key.range or (0, 0)
    if key.type is int:
        return st.integers(int(low), int(high)).map(str)
    return st.floats(low, high, allow_nan=False, allow_infinity=False).map(
        lambda v: f"{v:.3f}")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.data_too_large])
@given(choice=st.sampled_from(RANGED), data=st.data())
def test_any_value_loads_or_is_refused_cleanly(tmp_path_factory: pytest.TempPathFactory,
                                               choice: tuple[str, str, Key],
                                               data: st.DataObject) -> None:
    section, name, key = choice
    value = data.draw(st.one_of(within(key), WILD))
    path = write_theme(tmp_path_factory.mktemp("any"), f"{section}:\n  {name}: {value}\n")
    try:
        load_theme(path)
        event("loaded")
    except BrochureError as error:
        assert str(error).startswith(f"{path}:"), str(error)
        event(f"refused: {error.message[:30]}")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.data_too_large])
@given(changes=st.lists(st.sampled_from(RANGED), min_size=1, max_size=6,
                        unique_by=lambda c: (c[0], c[1])), data=st.data())
def test_a_theme_in_range_builds_or_is_refused_cleanly(
        tmp_path_factory: pytest.TempPathFactory, changes: list[tuple[str, str, Key]],
        data: st.DataObject) -> None:
    sections: dict[str, list[str]] = {}
    for section, name, key in changes:
        sections.setdefault(section, []).append(f"  {name}: {data.draw(within(key))}")
    folder = tmp_path_factory.mktemp("build")
    theme = write_theme(folder, "".join(f"{section}:\n" + "\n".join(lines) + "\n"
                                        for section, lines in sections.items()))
    output = folder / "out.pdf"
    try:
        with time_limit(30):
            build(DEFAULT_CONTENT, output, str(theme))
        event("built")
        assert output.stat().st_size > 0
    except BrochureError as error:
        event(f"refused: {error.message[:30]}")
        assert error.path is not None
        assert not output.exists()


@pytest.mark.parametrize(("theme", "size", "words"), [
    ("default", "50x50 mm", "less than 5 body lines"),
    ("default", "60x300", "'table_columns.unit' leaves its cells less than a character wide"),
    ("newsletter", "60x300", "fewer than 4"),
])
def test_a_page_size_the_theme_does_not_fit_is_refused(tmp_path: Path, theme: str, size: str,
                                                       words: str) -> None:
    outcome = cli("build", DEFAULT_CONTENT, "--theme", theme, "--page-size", size, "-o",
                  tmp_path / "out.pdf")  # the narrow page was a ValueError traceback
    assert_refused(outcome, "does not fit on the page", words, f"{theme}.yaml")


@pytest.mark.parametrize(("base", "gap", "fits"), [
    ("default", "-30pt", False), ("default", "0pt", True), ("newsletter", "-1mm", False),
    ("newsletter", "2mm", True)])
def test_a_stack_gap_that_sets_the_title_into_the_kicker_is_refused(
        tmp_path: Path, base: str, gap: str, fits: bool) -> None:
    """With a negative gap the title would overprint the kicker above it in the cover's
    stack (the build's read-back rightly failed on such overprints): refused at its line."""
    theme = tmp_path / "t.yaml"
    theme.write_text(f"name: t\nextends: {base}\nmasters:\n  cover:\n    stacks:\n"
                     "      - box: [0, 20mm, 100%, 60%]\n        in: margins\n"
                     "        stack:\n"
                     '          - {text: "{meta.kicker}", style: cover_kicker}\n'
                     f'          - {{text: "{{meta.title}}", style: cover_title, gap: {gap},\n'
                     "             fit: {shrink: 10}}\n"
                     '          - {text: "{meta.subtitle}", style: cover_subtitle}\n'
                     "    slots:\n"
                     '      - {list: sections, style: contents_entry, number: contents_number,'
                     " detail: contents_detail, box: [0, -40mm, 100%, 25mm], in: margins}\n"
                     '      - {text: "{meta.lead}", style: lead, box: [0, -14mm, 100%, 14mm],'
                     " in: margins, fit: {shrink: 6}}\n"
                     if base == "newsletter" else
                     f"name: t\nextends: {base}\nmasters:\n  cover:\n    stacks:\n"
                     "      - box: [0, 20mm, 100%, 60%]\n        in: margins\n"
                     "        stack:\n"
                     '          - {text: "{meta.kicker}", style: cover_kicker}\n'
                     f'          - {{text: "{{meta.title}}", style: cover_title, gap: {gap},\n'
                     "             fit: {shrink: 10}}\n"
                     '          - {text: "{meta.subtitle}", style: cover_subtitle}\n',
                     encoding="utf-8")
    outcome = cli("build", DEFAULT_CONTENT, "--theme", theme, "-o", tmp_path / "out.pdf")
    if fits:
        assert outcome.code == 0, outcome.err
    else:
        assert_refused(outcome, "t.yaml:10:", "gap", "overprint")
