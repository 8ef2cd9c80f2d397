"""Fonts: convert CFF/OpenType fonts to TrueType, register them with ReportLab, check coverage.

ReportLab embeds only TrueType (``glyf``) outlines, while the Noto CJK fonts are CFF-based.
``convert_to_truetype`` turns a (subset of a) CFF font into a TrueType font once, at
development time (see ``tools/make_fonts.py``); ``load_face`` registers such a file with
ReportLab at build time and reports which characters it covers.

Parsing a 3 MB TrueType file costs ReportLab tens of milliseconds a build, so what it reads
(metrics, cmap, glyph offsets) is cached on disk in ``font_cache_dir()``, keyed by the file's
SHA-256 and the options that shape the parse; a corrupt or stale entry is rebuilt.  Entries
are pickles in the user's own cache folder, trusted as Python trusts its __pycache__.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import os
import pickle
import sys
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from builder.data import shipped_fonts
from builder.errors import BrochureError

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
        raise BrochureError("font file not found", path=path,
                            hint="give a path relative to the theme file, or a shipped font: "
                                 + ", ".join(shipped_fonts())) from None
    except OSError as exc:
        raise BrochureError(f"cannot read font file: {exc.strerror or exc}", path=path) from exc
    if not resolved.is_file():
        raise BrochureError("font file not found (not a regular file)", path=path)
    with _lock:
        face = _faces.get(resolved)
        if face is None:
            face = _faces[resolved] = _register(path, resolved)
        return face


def _register(path: Path, resolved: Path) -> FontFace:
    """Check ``resolved`` and register it with ReportLab; called with ``_lock`` held."""
    from reportlab.pdfbase import pdfmetrics

    from builder.engine import private

    try:
        data = resolved.read_bytes()
    except OSError as exc:
        raise BrochureError(f"cannot read font file: {exc.strerror or exc}", path=path) from exc
    cache_file = _cache_file(hashlib.sha256(data).hexdigest())
    entry = _read_cache(cache_file)
    ps_name = private.font_state_name(entry["font"]) if entry else None
    if ps_name is None:
        ps_name = _check_font(path, resolved)
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
    except (TTFError, OSError, ValueError, IndexError, KeyError) as exc:
        raise BrochureError(f"ReportLab cannot read this font: {exc}", path=path) from exc


# --------------------------------------------------------------------------- font cache

_CACHE_FORMAT = 2  # 2: the parsed font as builder.engine.private keeps it


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


def _read_cache(cache_file: Path | None) -> dict[str, Any] | None:
    """The cache entry, or None when it is missing, unreadable or not of this format."""
    if cache_file is None:
        return None
    try:
        entry = pickle.loads(cache_file.read_bytes())
    except Exception:  # missing, truncated or foreign: ignored, and rewritten after the parse
        return None
    from builder.engine import private

    if (not isinstance(entry, dict) or entry.get("key") != cache_file.name
            or private.font_state_name(entry.get("font")) is None
            or not isinstance(entry.get("codepoints"), frozenset)):
        return None
    return entry


def _write_cache(cache_file: Path | None, tt_font: RLTTFont, codepoints: frozenset[int]) -> None:
    """Store what ReportLab parsed, atomically; a cache that cannot be written is skipped."""
    if cache_file is None:
        return
    from builder.engine.private import parsed_font_state

    entry = {"key": cache_file.name, "font": parsed_font_state(tt_font), "codepoints": codepoints}
    tmp = cache_file.with_name(f".{cache_file.name}.{os.getpid()}.tmp")
    try:
        blob = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
        cache_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp.write_bytes(blob)
        os.replace(tmp, cache_file)
    except Exception:  # read-only home, full disk, a face ReportLab made unpicklable
        with contextlib.suppress(OSError):
            tmp.unlink()


def _from_cache(entry: dict[str, Any], data: bytes) -> RLTTFont:
    """A ReportLab TTFont as its constructor would have made it, from a cache entry."""
    from builder.engine.private import font_from_state

    return font_from_state(entry["font"], data)


def _check_font(path: Path, resolved: Path) -> str:
    """Return the PostScript name of the TrueType font ``resolved``, or raise ``BrochureError``."""
    from fontTools.ttLib import TTFont

    try:
        font = TTFont(resolved, lazy=True, fontNumber=0)
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
