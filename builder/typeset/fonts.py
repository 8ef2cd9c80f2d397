"""Fonts: convert CFF/OpenType fonts to TrueType, register them with ReportLab, check coverage.

ReportLab embeds only TrueType (``glyf``) outlines, while the Noto CJK fonts are CFF-based.
``convert_to_truetype`` turns a (subset of a) CFF font into a TrueType font once, at
development time (see ``tools/make_fonts.py``); ``load_face`` registers such a file with
ReportLab at build time and reports which characters it covers.

Parsing a 3 MB TrueType file costs ReportLab tens of milliseconds a build, so what it reads
(metrics, cmap, glyph offsets) is cached on disk in ``font_cache_dir()``, keyed by the file's
SHA-256 and the options that shape the parse; a corrupt or stale entry is rebuilt.  Entries
are pickles of plain data (dicts, lists, tuples, numbers, strings, bytes) read by an unpickler
that refuses every class and function, so a planted file cannot run code; a cache folder or
file that is not the user's own and private is not used at all.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import os
import pickle
import stat
import struct
import sys
import tempfile
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from builder.data import shipped_fonts
from builder.errors import BrochureError
from builder.files import LIMITS, read_input

if TYPE_CHECKING:
    from fontTools.ttLib import TTFont
    from reportlab.pdfbase.ttfonts import TTFont as RLTTFont

__all__ = [
    "CJK_LAYOUT_FEATURES",
    "FontFace",
    "convert_to_truetype",
    "font_cache_dir",
    "load_face",
    "missing_chars",
    "register_family",
]

#: OpenType layout features kept by default: CJK spacing/vertical forms and kerning.
#: Not 'locl': in a Noto CJK SC face it maps to the JP/KR/TC/HK forms, which doubles
#: the glyph count of a GB 2312 subset and does nothing for Simplified Chinese text.
CJK_LAYOUT_FEATURES: tuple[str, ...] = (
    "halt", "vhal", "palt", "vpal", "vert", "vrt2", "kern", "vkrn", "chws", "vchw",
)

_CONVERT_HINT = (
    "ReportLab can only embed TrueType outlines; "
    "convert it with `python tools/make_fonts.py` or give a .ttf"
)
_PS_NAME_FORBIDDEN = set("[](){}<>/%")
_RENAMED_IDS = (1, 2, 3, 4, 6, 16, 17)
_RIBBI = {"Regular", "Bold", "Italic", "Bold Italic"}

# fsType bits (OS/2): 0x0002 restricted licence embedding, 0x0100 no subsetting,
# 0x0200 bitmap embedding only.  ReportLab always embeds outline subsets.
_FSTYPE_RESTRICTED = 0x0002
_FSTYPE_NO_SUBSETTING = 0x0100
_FSTYPE_BITMAP_ONLY = 0x0200


# --------------------------------------------------------------------------- conversion


def convert_to_truetype(
    src: Path,
    dst: Path,
    *,
    font_number: int = 0,
    unicodes: Iterable[int] | None = None,
    family: str | None = None,
    ps_name: str | None = None,
    style: str | None = None,
    axes: dict[str, float] | None = None,
    layout_features: Sequence[str] | None = CJK_LAYOUT_FEATURES,
    max_err: float = 1.0,
) -> None:
    """Write ``dst``: font ``src`` (subfont ``font_number``) as a TrueType-outline font.

    ``unicodes`` subsets the font to those code points (plus what layout needs);
    ``family``/``style``/``ps_name`` rename it (name IDs 1, 2, 3, 4, 6, 16, 17);
    a variable font is pinned at ``axes`` (missing axes at their defaults).
    ``layout_features`` lists the GSUB/GPOS features to keep (ReportLab itself does not
    apply them); ``()`` drops the layout tables, ``None`` keeps every feature.
    ``dst`` is replaced atomically.
    """
    import tempfile

    from fontTools.ttLib import TTFont, TTLibError

    src, dst = Path(src), Path(dst)
    if not src.is_file():
        raise BrochureError("font file not found", path=src,
                            hint="check the path (apt-get install fonts-noto-cjk for Noto CJK)")
    try:
        font = TTFont(src, fontNumber=font_number, recalcTimestamp=False)
    except (TTLibError, OSError, ValueError, AssertionError) as exc:
        raise BrochureError(f"cannot read font: {exc}", path=src) from exc

    if "fvar" in font:
        _pin_axes(font, axes or {})
    if unicodes is not None or layout_features is not None:
        _subset(font, unicodes, layout_features)
    if "CFF " in font or "CFF2" in font:
        _cff_to_glyf(font, max_err=max_err)
    elif "glyf" not in font:
        raise BrochureError("font has neither CFF nor TrueType outlines", path=src)
    if "DSIG" in font:  # any signature is void once the font is changed
        del font["DSIG"]
    if family is not None or ps_name is not None or style is not None:
        _rename(font, family=family, ps_name=ps_name, style=style)

    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".tmp", dir=dst.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        font.save(tmp, reorderTables=True)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
        font.close()


def _pin_axes(font: TTFont, axes: dict[str, float]) -> None:
    """Instantiate a variable font at ``axes`` (defaults for the others), in place."""
    from fontTools.varLib import instancer

    fvar = font["fvar"]
    unknown = set(axes) - {a.axisTag for a in fvar.axes}
    if unknown:
        raise BrochureError(f"unknown variation axes: {', '.join(sorted(unknown))}")
    location = {a.axisTag: float(axes.get(a.axisTag, a.defaultValue)) for a in fvar.axes}
    instancer.instantiateVariableFont(font, location, inplace=True, updateFontNames=False)


def _subset(font: TTFont, unicodes: Iterable[int] | None,
            layout_features: Sequence[str] | None) -> None:
    """Subset ``font`` in place to ``unicodes`` keeping only ``layout_features``."""
    from fontTools import subset

    options = subset.Options()
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.name_legacy = True
    options.notdef_outline = True
    options.glyph_names = False
    options.hinting = False
    options.desubroutinize = True
    options.recalc_bounds = True
    options.drop_tables = [*options.drop_tables, "DSIG"]
    if layout_features is None:
        options.layout_features = ["*"]
    else:
        options.layout_features = list(layout_features)
        if not layout_features:
            options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "JSTF"]
    subsetter = subset.Subsetter(options)
    if unicodes is None:
        cmap = font["cmap"].getBestCmap() or {}
        subsetter.populate(unicodes=cmap.keys())
    else:
        subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)


def _cff_to_glyf(font: TTFont, *, max_err: float) -> None:
    """Replace CFF/CFF2 outlines by quadratic ``glyf`` outlines, in place."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    glyph_order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    cff_tag = "CFF " if "CFF " in font else "CFF2"
    cid_keyed = cff_tag == "CFF2" or hasattr(font[cff_tag].cff.topDictIndex[0], "ROS")

    glyphs = {}
    for name in glyph_order:
        tt_pen = TTGlyphPen(None)
        glyph_set[name].draw(Cu2QuPen(tt_pen, max_err, reverse_direction=True))
        glyphs[name] = tt_pen.glyph(dropImpliedOnCurves=True)

    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = glyphs
    font["loca"] = newTable("loca")
    del font[cff_tag]
    vorg = font.get("VORG")
    if vorg is not None:
        del font["VORG"]
    font["head"].glyphDataFormat = 0

    # TrueType wants lsb == xMin (and tsb == vertical origin - yMax).
    hmtx = font["hmtx"]
    vmtx = font.get("vmtx")
    for name, glyph in glyphs.items():
        glyph.recalcBounds(glyf)
        x_min = getattr(glyph, "xMin", 0)
        advance, _ = hmtx[name]
        hmtx[name] = (advance, x_min)
        if vmtx is not None and hasattr(glyph, "yMax"):
            v_advance, tsb = vmtx[name]
            if vorg is not None:
                origin_y = vorg.VOriginRecords.get(name, vorg.defaultVertOriginY)
                tsb = origin_y - glyph.yMax
            vmtx[name] = (v_advance, tsb)

    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for attr in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements",
                 "maxComponentDepth"):
        setattr(maxp, attr, 0)
    maxp.numGlyphs = len(glyph_order)
    maxp.recalc(font)

    post = font["post"]
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = glyph_order
    # CID-keyed fonts have synthetic names ("cid01234"): not worth 8 bytes a glyph.
    post.formatType = 3.0 if cid_keyed else 2.0
    if post.formatType == 2.0:
        try:
            post.compile(font)
        except (OverflowError, ValueError):
            post.formatType = 3.0
    font.sfntVersion = "\x00\x01\x00\x00"


def _rename(font: TTFont, *, family: str | None, ps_name: str | None,
            style: str | None) -> None:
    """Set the naming table so the font is known as ``family``/``style``/``ps_name``."""
    name_table = font["name"]
    old_family = name_table.getBestFamilyName() or "Font"
    old_style = name_table.getBestSubFamilyName() or "Regular"
    family = family or old_family
    style = style or old_style
    if ps_name is None:
        ps_name = f"{family}-{style}".replace(" ", "")
    bad = [c for c in ps_name if not 33 <= ord(c) <= 126 or c in _PS_NAME_FORBIDDEN]
    if bad or len(ps_name) > 63:
        raise BrochureError(f"invalid PostScript name {ps_name!r}",
                            hint="use at most 63 printable ASCII characters without []{}()<>/% "
                                 "or spaces")
    version = font["head"].fontRevision
    if style in _RIBBI:
        legacy_family, legacy_style = family, style
    else:
        legacy_family, legacy_style = f"{family} {style}", "Regular"
    values = {
        1: legacy_family,
        2: legacy_style,
        3: f"{version:.3f};{ps_name}",
        4: family if style == "Regular" else f"{family} {style}",
        6: ps_name,
        16: family,
        17: style,
    }
    has_mac_names = any(n.platformID == 1 for n in name_table.names)
    name_table.names = [n for n in name_table.names if n.nameID not in _RENAMED_IDS]
    for name_id, value in values.items():
        name_table.setName(value, name_id, 3, 1, 0x409)
        if has_mac_names:
            name_table.setName(value, name_id, 1, 0, 0)


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class FontFace:
    """A TrueType font registered with ReportLab under its PostScript ``name``."""

    name: str
    path: Path
    codepoints: frozenset[int]

    def __contains__(self, char: object) -> bool:
        """``"字" in face``: whether the font maps this character."""
        return isinstance(char, str) and len(char) == 1 and ord(char) in self.codepoints


_lock = threading.Lock()
_faces: dict[Path, FontFace] = {}
_paths_by_name: dict[str, Path] = {}


def load_face(path: Path) -> FontFace:
    """Register the TrueType font at ``path`` with ReportLab (once) and return its face.

    The font is registered under its PostScript name (name ID 6).  Raises
    ``BrochureError`` for a missing, unreadable, CFF-based or non-embeddable font, or
    when another file was already registered under the same PostScript name.
    """
    path = Path(path)
    try:
        resolved = path.resolve(strict=True)
    except (FileNotFoundError, NotADirectoryError):
        raise BrochureError("font file not found", path=path, hint=_FONT_HINT) from None
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symbolic link loop
        raise BrochureError(f"cannot read font file: {getattr(exc, 'strerror', None) or exc}",
                            path=path, hint=_FONT_HINT) from None
    with _lock:
        face = _faces.get(resolved)
        if face is None:
            face = _faces[resolved] = _register(path, resolved)
        return face


_FONT_HINT = ("give a TrueType font (.ttf) by a path relative to the theme file, or a "
              "shipped font: " + ", ".join(shipped_fonts()))


def _register(path: Path, resolved: Path) -> FontFace:
    """Check ``resolved`` and register it with ReportLab; called with ``_lock`` held."""
    from reportlab.pdfbase import pdfmetrics

    from builder.engine import private

    data = read_input(resolved, "font", hint=_FONT_HINT)  # a regular file, never blocking
    cache_file = _cache_file(hashlib.sha256(data).hexdigest())
    entry = _read_cache(cache_file)
    ps_name = private.font_state_name(entry["font"]) if entry else None
    if ps_name is None:
        ps_name = _check_font(path, data)
    other = _paths_by_name.get(ps_name)
    if other is None and ps_name in pdfmetrics.getRegisteredFontNames():
        filename = private.registered_font_file(ps_name)
        other = Path(filename).resolve() if filename is not None else Path("<reportlab>")
    if other is None and private.is_standard_font(ps_name):
        other = Path("<PDF standard font>")
    if other is not None and other != resolved:
        raise BrochureError(
            f"PostScript name {ps_name!r} is already used by {other}",
            path=path,
            hint="ReportLab would silently use one font for both; give each font file a "
                 "unique PostScript name (name ID 6), e.g. regenerate it with "
                 "convert_to_truetype(..., ps_name=...)",
        )
    if entry is None:
        tt_font = _parse(path, resolved, ps_name, data)
        codepoints = private.font_codepoints(tt_font)
        _write_cache(cache_file, tt_font, codepoints)
    else:
        tt_font, codepoints = _from_cache(entry, data), entry["codepoints"]
    pdfmetrics.registerFont(tt_font)
    _paths_by_name[ps_name] = resolved
    return FontFace(name=ps_name, path=resolved, codepoints=codepoints)


def _parse(path: Path, resolved: Path, ps_name: str, data: bytes) -> RLTTFont:
    """Let ReportLab parse the font file's bytes ``data``."""
    from reportlab.pdfbase.ttfonts import TTFError
    from reportlab.pdfbase.ttfonts import TTFont as RLTTFont

    stream = io.BytesIO(data)
    stream.name = str(resolved)  # ReportLab's face.filename
    try:
        return RLTTFont(ps_name, stream)
    except (TTFError, OSError, ValueError, IndexError, KeyError, struct.error, TypeError,
            ZeroDivisionError, OverflowError, MemoryError, RecursionError) as exc:
        raise BrochureError(f"ReportLab cannot read this font: {exc}", path=path,
                            hint="regenerate the font or give another .ttf") from exc


# --------------------------------------------------------------------------- font cache

_CACHE_FORMAT = 3  # 3: plain data only, ReportLab's name bytes and encoding rebuilt on load


def font_cache_dir() -> Path | None:
    """Where parsed fonts are cached: $XDG_CACHE_HOME/brochure/fonts, else
    ~/.cache/brochure/fonts; None when there is no home to put it in."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:
            return None
    return Path(base) / "brochure" / "fonts"


@functools.cache
def _options_key() -> str:
    """What besides the file's bytes shapes a cached entry: formats and ReportLab settings."""
    import reportlab
    from reportlab import rl_config

    options = (_CACHE_FORMAT, reportlab.Version, sys.version_info[:2], pickle.HIGHEST_PROTOCOL,
               rl_config.ttfAsciiReadable, tuple(rl_config.unShapedFontGlob or ()))
    return hashlib.sha256(repr(options).encode()).hexdigest()[:16]


def _cache_file(digest: str) -> Path | None:
    folder = font_cache_dir()
    return None if folder is None else folder / f"{digest}-{_options_key()}.pickle"


class _PlainUnpickler(pickle.Unpickler):
    """Unpickles plain data only: every global (class, function) is refused, so loading
    cannot call anything; what it can make is None, bools, numbers, str, bytes, bytearray,
    lists, tuples, dicts, sets and frozensets, at most one object per byte of the file."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"refused: {module}.{name} (the font cache holds data)")


def _is_private(info: os.stat_result) -> bool:
    """Whether a cache folder or file is the user's own and nobody else may write to it."""
    uid = getattr(os, "geteuid", None)
    return (uid is None or info.st_uid == uid()) and not info.st_mode & 0o022


def _private_folder(folder: Path) -> bool:
    try:
        info = os.stat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and _is_private(info)


def _read_cache(cache_file: Path | None) -> dict[str, Any] | None:
    """The cache entry, or None when it is missing, unreadable, not of this format, or in a
    folder or file that is not the user's own and private (a link is not followed)."""
    if cache_file is None or not _private_folder(cache_file.parent):
        return None
    try:
        info = os.lstat(cache_file)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or not _is_private(info) \
            or info.st_size > LIMITS["cache"]:
        return None
    try:
        entry = _PlainUnpickler(io.BytesIO(read_input(cache_file, "cache"))).load()
        return entry if _well_formed(entry, cache_file.name) else None
    except Exception:  # missing, truncated, foreign or planted: ignored, rewritten after the parse
        return None


_FACE_TYPES: dict[str, type | tuple[type, ...]] = {
    "unitsPerEm": int, "charToGlyph": dict, "glyphToChar": dict, "charWidths": dict,
    "hmetrics": list, "glyphPos": list, "defaultWidth": (int, float), "ascent": (int, float),
    "descent": (int, float), "filename": str, "name": bytes,
}
"""The face's attributes a build uses most, and their types (ReportLab 4.4–5.1)."""
_REBUILT = {"TTFNameBytes": bytes, "TTEncoding": dict}
"""ReportLab's own classes in a parsed font, stored as the plain data they are made from."""


def _well_formed(entry: object, key: str) -> bool:
    """Whether an unpickled entry has this format's shape and types, so that a build using
    it cannot fail on a wrong type (each check is linear in the entry's size)."""
    from builder.engine import private

    if not isinstance(entry, dict) or entry.get("key") != key:
        return False
    state, codepoints, rebuilt = entry.get("font"), entry.get("codepoints"), entry.get("rebuilt")
    if private.font_state_name(state) is None or not isinstance(codepoints, frozenset) \
            or not isinstance(rebuilt, dict) or not set(map(type, codepoints)) <= {int}:
        return False
    assert isinstance(state, dict)  # font_state_name said so
    if set(state) != {"face", "font"}:
        return False
    face = state["face"]
    if any(not isinstance(face.get(name), kind) for name, kind in _FACE_TYPES.items()):
        return False
    if face["unitsPerEm"] <= 0 or not set(map(type, face["charToGlyph"])) <= {int} \
            or not set(map(type, face["charToGlyph"].values())) <= {int} \
            or not set(map(type, face["charWidths"])) <= {int} \
            or not set(map(type, face["charWidths"].values())) <= {int, float} \
            or not set(map(type, face["glyphPos"])) <= {int} \
            or not set(map(type, face["hmetrics"])) <= {tuple}:
        return False
    return all(isinstance(where, tuple) and len(where) == 2 and where[0] in state
               and isinstance(kind, str) and kind in _REBUILT
               and isinstance(state[where[0]].get(where[1]), _REBUILT[kind])
               for where, kind in rebuilt.items())


def _write_cache(cache_file: Path | None, tt_font: RLTTFont, codepoints: frozenset[int]) -> None:
    """Store what ReportLab parsed, atomically, in a private folder; a cache that cannot be
    written (or is not private) is skipped."""
    if cache_file is None:
        return
    from builder.engine.private import parsed_font_state

    state, rebuilt = _plain(parsed_font_state(tt_font))
    entry = {"key": cache_file.name, "font": state, "rebuilt": rebuilt, "codepoints": codepoints}
    folder = cache_file.parent
    temporary: str | None = None
    try:
        blob = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
        folder.parent.parent.mkdir(parents=True, exist_ok=True)
        for private_folder in (folder.parent, folder):
            private_folder.mkdir(mode=0o700, exist_ok=True)
        if not _private_folder(folder):
            return
        handle, temporary = tempfile.mkstemp(prefix=f".{cache_file.name}.", dir=folder)
        with os.fdopen(handle, "wb") as stream:
            stream.write(blob)
        os.replace(temporary, cache_file)
        temporary = None
    except Exception:  # read-only home, full disk, a face ReportLab made unpicklable
        pass
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _plain(state: dict[str, dict[str, Any]]
           ) -> tuple[dict[str, dict[str, Any]], dict[tuple[str, str], str]]:
    """`state` with ReportLab's name bytes and encoding object as plain bytes and dicts, and
    which attributes were such objects (for `_from_cache` to rebuild them)."""
    from reportlab.pdfbase.ttfonts import TTEncoding, TTFNameBytes

    plain: dict[str, dict[str, Any]] = {}
    rebuilt: dict[tuple[str, str], str] = {}
    for part, attributes in state.items():
        plain[part] = {}
        for name, value in attributes.items():
            if isinstance(value, TTFNameBytes):
                value, rebuilt[part, name] = bytes(value), "TTFNameBytes"
            elif isinstance(value, TTEncoding):
                value, rebuilt[part, name] = dict(vars(value)), "TTEncoding"
            plain[part][name] = value
    return plain, rebuilt


def _from_cache(entry: dict[str, Any], data: bytes) -> RLTTFont:
    """A ReportLab TTFont as its constructor would have made it, from a cache entry."""
    from reportlab.pdfbase.ttfonts import TTEncoding, TTFNameBytes

    from builder.engine.private import font_from_state

    state = {part: dict(attributes) for part, attributes in entry["font"].items()}
    for (part, name), kind in entry["rebuilt"].items():
        value = state[part][name]
        if kind == "TTFNameBytes":  # stored as UTF-8, which it decodes to the same text
            state[part][name] = TTFNameBytes(value, "utf8")
        else:
            encoding = TTEncoding.__new__(TTEncoding)
            vars(encoding).update(value)
            state[part][name] = encoding
    return font_from_state(state, data)


def _check_font(path: Path, data: bytes) -> str:
    """Return the PostScript name of the TrueType font file ``path`` whose bytes are ``data``,
    or raise ``BrochureError``."""
    if not data:
        raise BrochureError("the font file is empty", path=path, hint=_FONT_HINT)
    with _quiet_font_tools():
        return _checked_font_name(path, data)


@contextlib.contextmanager
def _quiet_font_tools() -> Iterator[None]:
    """fontTools logs a warning per malformed record: a broken font would print thousands of
    lines; its errors are reported as one BrochureError instead."""
    import logging

    logger = logging.getLogger("fontTools")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _checked_font_name(path: Path, data: bytes) -> str:
    from fontTools.ttLib import TTFont

    try:
        font = TTFont(io.BytesIO(data), lazy=True, fontNumber=0)
    except Exception as exc:  # fontTools raises many kinds of errors on garbage
        raise BrochureError(f"not a readable font file ({exc})", path=path,
                            hint="give a TrueType font (.ttf)") from exc
    try:
        with font:
            if font.sfntVersion == "OTTO" or "CFF " in font or "CFF2" in font:
                raise BrochureError("font has PostScript (CFF) outlines", path=path,
                                    hint=_CONVERT_HINT)
            missing = [t for t in ("glyf", "loca", "cmap", "head", "hhea", "hmtx", "maxp",
                                   "name", "post") if t not in font]
            if missing:
                raise BrochureError(
                    f"not a usable TrueType font (missing table {', '.join(missing)})",
                    path=path, hint=_CONVERT_HINT if "glyf" in missing else None)
            fs_type = font["OS/2"].fsType if "OS/2" in font else 0
            if fs_type & (_FSTYPE_RESTRICTED | _FSTYPE_NO_SUBSETTING | _FSTYPE_BITMAP_ONLY):
                raise BrochureError(
                    "the font's licence forbids embedding or subsetting it "
                    f"(fsType 0x{fs_type:04X})", path=path,
                    hint="use a font licensed for embedding, e.g. the shipped Noto fonts")
            ps_name = font["name"].getDebugName(6)
    except BrochureError:
        raise
    except Exception as exc:
        raise BrochureError(f"corrupt font file ({exc})", path=path,
                            hint="regenerate it or give another .ttf") from exc
    if not ps_name:
        raise BrochureError("font has no PostScript name (name ID 6)", path=path,
                            hint="set one with convert_to_truetype(..., ps_name=...)")
    return ps_name


def register_family(family: str, regular: Path, bold: Path) -> tuple[FontFace, FontFace]:
    """Load ``regular`` and ``bold`` and map ``family`` (and ``<b>`` markup) onto them.

    Italic maps to the upright faces: CJK fonts have no italic.
    """
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics

    regular_face = load_face(regular)
    bold_face = load_face(bold)
    if regular_face.name == bold_face.name:
        raise BrochureError(f"regular and bold are the same font {regular_face.name!r}",
                            path=bold, hint="give the bold face's file")
    pdfmetrics.registerFontFamily(family, normal=regular_face.name, bold=bold_face.name,
                                  italic=regular_face.name, boldItalic=bold_face.name)
    # addMapping also records face -> (family, bold, italic), last call wins: after
    # registerFontFamily the regular face reads as italic and the bold one as bold italic.
    # Map them back to the upright styles so <b> in either face picks the bold face.
    addMapping(family, 0, 0, regular_face.name)
    addMapping(family, 1, 0, bold_face.name)
    return regular_face, bold_face


# --------------------------------------------------------------------------- coverage


def missing_chars(text: str, faces: Sequence[FontFace]) -> list[str]:
    """Distinct printable characters of ``text`` that none of ``faces`` maps, in order."""
    absent = set(text).difference(_coverage(tuple(faces)))
    if not absent:  # the usual case, found by one set operation
        return []
    return [char for char in dict.fromkeys(text)
            if char in absent and not char.isspace()
            and unicodedata.category(char) not in {"Cc", "Cf", "Cs", "Zl", "Zp"}]


@functools.lru_cache(maxsize=8)
def _coverage(faces: tuple[FontFace, ...]) -> frozenset[str]:
    """The characters any of ``faces`` maps (the check asks once per text)."""
    return frozenset(map(chr, frozenset().union(*(face.codepoints for face in faces))))
