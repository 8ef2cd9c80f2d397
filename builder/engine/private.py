"""Every private ReportLab name the project touches, in one place.

ReportLab documents its canvas, its platypus classes and their hooks; what it keeps to itself
(names starting with `_`, undocumented attributes and module state) may change in any
release. Where no public way exists, the rest of the code calls a function of this module
instead, and each says what it does, why nothing public does it and the ReportLab releases
it was checked on. `RELIANCES` lists every such name; tests/test_engine_private.py checks
each against the installed ReportLab, so a release that drops or changes one fails there,
naming it (`make test-newest-reportlab` runs the tests against the newest release).

"Checked on 4.4–5.1" below: on ReportLab 4.4.10, 4.5.1, 5.0.1 and 5.1.0 (the pin in
pyproject.toml), the test suite passing on each (tools/test_reportlab.py). This module
imports only the standard library and ReportLab modules that do not import platypus
(platypus.py must defer its URL pattern first).
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import re
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FunctionType, MethodType
from typing import Any
from weakref import WeakKeyDictionary

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import (
    PDFArray,
    PDFCatalog,
    PDFDictionary,
    PDFDocument,
    PDFInfo,
    PDFName,
    PDFObject,
    PDFObjectReference,
    PDFResourceDictionary,
    PDFString,
)
from reportlab.pdfbase.ttfonts import TTFont, TTFontFace
from reportlab.pdfgen.canvas import Canvas


@dataclass(frozen=True)
class Reliance:
    """A name this module relies on: `owner.name` holds a value of type `kind`; with
    `instance`, it is an attribute of `owner`'s instances rather than of `owner` itself."""

    owner: str
    """A module (`reportlab.pdfbase.pdfmetrics`) or a class (`...canvas.Canvas`)."""
    name: str
    kind: type | tuple[type, ...]
    instance: bool = False
    required: bool = True
    """False for a name that only some Python versions have (checked when present)."""

    @property
    def qualified(self) -> str:
        return f"{self.owner}.{self.name}"


INFO_FIELDS = ("title", "author", "subject", "keywords", "creator", "producer")
"""The Info dictionary's fields as PDFInfo names them."""

CANVAS = "reportlab.pdfgen.canvas.Canvas"
DOCUMENT = "reportlab.pdfbase.pdfdoc.PDFDocument"
FACE = "reportlab.pdfbase.ttfonts.TTFontFace"
FONT = "reportlab.pdfbase.ttfonts.TTFont"
FRAME = "reportlab.platypus.frames.Frame"

RELIANCES: tuple[Reliance, ...] = (
    Reliance(FRAME, "_y", (int, float), instance=True),
    Reliance(FRAME, "_y1p", (int, float), instance=True),
    Reliance(FRAME, "_atTop", int, instance=True),
    Reliance(FRAME, "_height", (int, float), instance=True),
    Reliance(FRAME, "_getAvailableWidth", MethodType, instance=True),
    Reliance(CANVAS, "_doc", PDFDocument, instance=True),
    Reliance(CANVAS, "_colorsUsed", dict, instance=True),
    Reliance(CANVAS, "_code", list, instance=True),
    Reliance(CANVAS, "_formsinuse", list, instance=True),
    Reliance(CANVAS, "_formData", (tuple, type(None)), instance=True),
    Reliance(CANVAS, "_extgstate", object, instance=True),
    Reliance(CANVAS, "_setFillOverprint", FunctionType),
    Reliance(CANVAS, "_setOverprintMask", FunctionType),
    Reliance(DOCUMENT, "thisPageName", MethodType, instance=True),
    Reliance(DOCUMENT, "Pages", object, instance=True),
    Reliance(DOCUMENT, "idToObjectNumberAndVersion", dict, instance=True),
    Reliance("reportlab.pdfbase.pdfdoc.PDFPage", "__NoDefault__", list),
    Reliance("reportlab.pdfbase.pdfdoc.LinkAnnotation", "permitted", tuple),
    Reliance(DOCUMENT, "idToObject", dict, instance=True),
    Reliance(DOCUMENT, "getXObjectName", MethodType, instance=True),
    Reliance(DOCUMENT, "xobjDict", MethodType, instance=True),
    Reliance(DOCUMENT, "Catalog", PDFCatalog, instance=True),
    Reliance(DOCUMENT, "info", PDFInfo, instance=True),
    *(Reliance("reportlab.pdfbase.pdfdoc.PDFInfo", field, str) for field in INFO_FIELDS),
    Reliance(DOCUMENT, "_ID", (bytes, type(None)), instance=True),
    Reliance(DOCUMENT, "Reference", MethodType, instance=True),
    Reliance("reportlab.pdfbase.pdfdoc.PDFCatalog", "__NoDefault__", list),
    Reliance(FACE, "_ttf_data", bytes, instance=True),
    Reliance(FACE, "_pdfScale", FunctionType, instance=True),
    Reliance(FACE, "unitsPerEm", int, instance=True),
    Reliance(FACE, "charToGlyph", dict, instance=True),
    Reliance(FACE, "glyphPos", list, instance=True),
    Reliance(FACE, "get_table_pos", FunctionType),
    Reliance(FACE, "filename", str, instance=True),
    Reliance(FONT, "face", TTFontFace, instance=True),
    Reliance(FONT, "fontName", str, instance=True),
    Reliance(FONT, "state", WeakKeyDictionary, instance=True),
    Reliance(FONT, "splitString", FunctionType),
    Reliance(FONT, "getSubsetInternalName", FunctionType),
    Reliance("reportlab.pdfbase.pdfmetrics", "_fonts", dict),
    Reliance("reportlab.pdfbase.pdfmetrics", "standardFonts", (tuple, list)),
    # reads `initial<Key>` of the drawing (tests/test_engine_private.py checks it draws so)
    Reliance("reportlab.graphics.renderbase.StateTracker", "__init__", FunctionType),
    Reliance("reportlab.platypus.paragraph", "uri_pat", object),
    Reliance("re", "_cache", dict),
    Reliance("re", "_cache2", dict, required=False),  # Python 3.12 and later
)
"""Every private or undocumented name used below (tests/test_engine_private.py checks them)."""


def _document(canvas: Canvas) -> PDFDocument:
    # The PDFDocument a canvas writes. Every method of the canvas reaches it as `_doc`;
    # ReportLab has no public accessor. Checked on 4.4–5.1.
    return canvas._doc


# --------------------------------------------------------------------------- document


def subset_glyph(canvas: Canvas, font_name: str, char: str) -> tuple[str, bytes]:
    """Where ReportLab's subsetting puts `char` of a TrueType font in the canvas's document:
    the subset's resource name (`/F1+0`) and the character's code in it."""
    # The canvas does this inside drawString; the composer writes its own TJ arrays (exact
    # positioning), so it asks the font, which keys its subsets by the PDFDocument
    # (splitString and getSubsetInternalName, undocumented). Checked on 4.4–5.1.
    font, document = pdfmetrics.getFont(font_name), _document(canvas)
    [(subset, encoded)] = font.splitString(char, document)
    return font.getSubsetInternalName(subset, document), encoded


def draw_image(canvas: Canvas, image: Any, x: float, y: float, width: float, height: float,
               names: dict[int, str]) -> None:
    """`canvas.drawImage(image, x, y, width, height)` for an ImageReader, byte for byte, but
    without hashing the image's pixels again each time the same reader is placed: `names`
    keeps, by reader, the name drawImage gave it the first time."""
    # drawImage names an image by the MD5 of its pixels (rawdata), computed on every call:
    # 23 ms for a print-sized photo, so 5 000 placements of one picture took two minutes.
    # Placing a registered image is its last lines: translate, scale, `/Name Do` in the
    # page's code (`_code`), and the name in the page's forms in use (`_formsinuse`); the
    # document's `getXObjectName` and `idToObject` say whether it is registered.
    # Checked on 4.4–5.1.
    document = _document(canvas)
    name = names.get(id(image))
    registered = name is not None and document.idToObject.get(document.getXObjectName(name))
    if not registered:
        found: dict[str, Any] = {"name": None}
        canvas.drawImage(image, x, y, width, height, extraReturn=found)
        names[id(image)] = found["name"]
        return
    assert name is not None
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(width, height)
    canvas._code.append(f"/{document.getXObjectName(name)} Do")
    canvas.restoreState()
    canvas._formsinuse.append(name)


def form_resources(canvas: Canvas) -> PDFResourceDictionary:
    """The resources of the form being drawn, with the colour spaces and graphics states it
    uses (for `endForm(Resources=...)`): ReportLab leaves a form's /ColorSpace and
    /ExtGState out, so a form drawn in a separation colour (the registration colour of crop
    marks) would not print, and its text would not overprint (`set_fill_overprint`)."""
    # The canvas collects the colour spaces of the page or form being drawn in
    # `_colorsUsed`, its graphics states in `_extgstate` (a new one for each form), and
    # writes them only for pages. Checked on 4.4–5.1.
    resources = PDFResourceDictionary()
    resources.basicFonts()
    resources.basicProcs()
    resources.setColorSpace(canvas._colorsUsed)
    states = canvas._extgstate.getState()
    if states:
        resources.ExtGState = states
    if canvas._formsinuse:  # (the forms and images it places; what endForm would write)
        resources.XObject = _document(canvas).xobjDict(canvas._formsinuse)
    return resources


def declare_catalog_key(canvas: Canvas, key: str) -> None:
    """Let `canvas.setCatalogEntry(key, ...)` write a key the catalog does not know (such as
    /OutputIntents), written after the others and inline, not as a reference."""
    # PDFCatalog.format writes only the keys of its `__Defaults__` and `__NoDefault__` lists;
    # setCatalogEntry sets any attribute, but an unlisted one is never written. The list is
    # extended on this document's catalog only. Checked on 4.4–5.1.
    catalog = _document(canvas).Catalog
    if key not in catalog.__NoDefault__:
        catalog.__NoDefault__ = [*catalog.__NoDefault__, key]


def indirect_object(canvas: Canvas, pdf_object: Any) -> PDFObjectReference:
    """A reference to `pdf_object` written as an indirect object of the canvas's document
    (a stream inside a catalog entry must be one)."""
    # PDFDocument.Reference is the document's own method; only `_doc` reaches it. Checked
    # on 4.4–5.1.
    return _document(canvas).Reference(pdf_object)


def document_info(canvas: Canvas) -> dict[str, str]:
    """The Info dictionary's `INFO_FIELDS` as the canvas's setTitle, setAuthor, ... left them."""
    # The canvas sets these fields of the document's PDFInfo but has no getters. Checked on
    # 4.4–5.1.
    info = _document(canvas).info
    return {field: getattr(info, field) for field in INFO_FIELDS}


def set_document_info(canvas: Canvas, info: PDFInfo) -> None:
    """Write `info` (a PDFInfo, e.g. one with other keys or dates) as the Info dictionary."""
    # ReportLab writes its own dates and no /GTS_PDFXVersion; only replacing the PDFInfo
    # object of the document changes that. Checked on 4.4–5.1.
    _document(canvas).info = info


def set_document_id(canvas: Canvas, trailer_id: bytes) -> None:
    """Write `trailer_id` (`\\n[<…><…>]\\n`) as the file trailer's /ID, instead of the digest
    ReportLab computes."""
    # PDFDocument.ID() returns `_ID` when it is set, else computes and stores it; there is no
    # public setter. Checked on 4.4–5.1.
    _document(canvas)._ID = trailer_id


def set_fill_overprint(canvas: Canvas, overprint: bool) -> None:
    """Let what is filled next overprint (ExtGState /op true, with /OPM 1: a zero component
    leaves the plate below alone, so 100 % K keeps C, M and Y under it) or knock out."""
    # The canvas writes /op and /OPM through its ExtGState tracker (an ExtGState resource
    # per value, a `gs` only when the value changes, restored with restoreState), but only
    # from these private methods. Checked on 4.4–5.1.
    canvas._setFillOverprint(overprint)
    if overprint:
        canvas._setOverprintMask(1)


# --------------------------------------------------------------------------- tagging


def in_form(canvas: Canvas) -> bool:
    """True while a form XObject is being drawn (between beginForm and endForm)."""
    # The canvas keeps the form being drawn in `_formData` (None on a page). Checked on
    # 5.1.
    return canvas._formData is not None


def page_code(canvas: Canvas) -> list[str]:
    """The content operators of the page being drawn, as the canvas collects them."""
    # `_code` is the page's (or form's) list of operator strings, written at showPage.
    # Checked on 5.1.
    return canvas._code


def page_name(canvas: Canvas) -> str:
    """The name ReportLab will register the page being drawn under ('Page<n>')."""
    # PDFDocument.thisPageName: the name addPage gives the page at showPage. Checked on 5.1.
    return _document(canvas).thisPageName()


def page_names(canvas: Canvas) -> list[str]:
    """The names of the pages shown so far, in order."""
    # The document's `Pages.pages` holds the PDFPage objects addPage registered, named
    # Page1, Page2, …. Checked on 5.1.
    return [f"Page{number}" for number in range(1, len(_document(canvas).Pages.pages) + 1)]


class _StructElem(PDFObject):
    """A StructElem written straight to bytes at save: its references resolved by name."""

    def __init__(self, kind: str, parent: str, kids: list[object], attributes: str,
                 alt: str | None) -> None:
        self.kind, self.parent, self.kids, self.attributes = kind, parent, kids, attributes
        self.alt = alt

    def format(self, document: PDFDocument) -> bytes:
        numbers = document.idToObjectNumberAndVersion

        def ref(name: str) -> str:
            return f"{numbers[name][0]} 0 R"

        pages = [kid[0] for kid in self.kids if isinstance(kid, tuple) and len(kid) == 2]
        page = pages[0] if pages else None
        kids = []
        for kid in self.kids:
            if isinstance(kid, str):
                kids.append(ref(kid))
            elif isinstance(kid, tuple) and len(kid) == 3:  # ("objr", annotation, page)
                kids.append(f"<</Type /OBJR /Obj {ref(kid[1])} /Pg {ref(kid[2])}>>")
            else:
                kid_page: str = kid[0]  # type: ignore[index]
                mcid: int = kid[1]  # type: ignore[index]
                kids.append(str(mcid) if kid_page == page else
                            f"<</Type /MCR /Pg {ref(kid_page)} /MCID {mcid}>>")
        out = f"<</Type /StructElem /S /{self.kind} /P {ref(self.parent)}"
        if page is not None:
            out += f" /Pg {ref(page)}"
        if kids:
            out += f" /K {kids[0]}" if len(kids) == 1 else f" /K [{' '.join(kids)}]"
        alt = b"" if self.alt is None else b" /Alt " + PDFString(self.alt).format(document)
        return (out + self.attributes).encode("latin-1") + alt + b">>"


def write_structure(canvas: Canvas, elements: list[tuple[str, str, str | None, list[Any],
                                                         str, str | None]],
                    root: str, parent_tree: list[tuple[int, list[str]]],
                    links: Sequence[tuple[str, str]] = ()) -> None:
    """Add a structure tree to the document before it is written: each element (name,
    type, parent name or None for the root's child, kids: elements by name or (page name,
    MCID), extra entries, alternate text), the ParentTree (per page index: the elements of
    its MCIDs; then per link annotation (its name, its Link element's name) its element),
    each page's /StructParents and /Tabs /S, each link's /StructParent, and the catalog's
    StructTreeRoot and MarkInfo."""
    # Named objects may be referred to before they are registered (resolved when the file
    # is formatted); a page writes only the keys of its `__NoDefault__` list, extended here
    # on each page; the catalog's list already holds StructTreeRoot and MarkInfo. Checked
    # on 5.1.
    document = _document(canvas)
    for name, kind, parent, kids, attributes, alt in elements:
        named = [kid.name if hasattr(kid, "name") else kid for kid in kids]
        document.Reference(_StructElem(kind, parent or "StructTreeRoot", named, attributes,
                                       alt), name)
    numbers: list[Any] = []
    for index, names in parent_tree:
        numbers += [index, PDFArray([PDFObjectReference(name) for name in names])]
    for index, page in enumerate(document.Pages.pages):
        page.__NoDefault__ = [*page.__NoDefault__, "StructParents", "Tabs"]
        page.StructParents = index
        page.Tabs = PDFName("S")
    key = len(document.Pages.pages)
    for annotation_name, element in links:
        # a LinkAnnotation writes only its class's `permitted` keys: widened on this one
        annotation = document.idToObject[annotation_name]
        annotation.permitted = (*annotation.permitted, "StructParent")
        annotation.otherkw["StructParent"] = key
        numbers += [key, PDFObjectReference(element)]
        key += 1
    tree = PDFDictionary({"Type": PDFName("StructTreeRoot"), "K": PDFObjectReference(root),
                          "ParentTree": document.Reference(
                              PDFDictionary({"Nums": PDFArray(numbers)}), "ParentTree"),
                          "ParentTreeNextKey": key})
    document.Reference(tree, "StructTreeRoot")
    document.Catalog.StructTreeRoot = PDFObjectReference("StructTreeRoot")
    document.Catalog.MarkInfo = PDFDictionary({"Marked": "true"})


# --------------------------------------------------------------------------- fonts

_FACE_NOT_KEPT = ("_ttf_data", "_pdfScale")  # the file's bytes; a lambda, rebuilt on load
_FONT_NOT_KEPT = ("face", "state")           # state: per-document subsets, starts empty


def parsed_font_state(font: TTFont) -> dict[str, dict[str, Any]]:
    """What ReportLab parsed from a TrueType file (metrics, cmap, glyph offsets) as plain,
    picklable data, from which `font_from_state` makes the same font again."""
    # ReportLab cannot save a parsed font: TTFont(name, file) parses the file every time (tens
    # of milliseconds for 3 MB). This keeps the attributes of the TTFont and its TTFontFace
    # but the face's file bytes (`_ttf_data`), its unitsPerEm scale function (`_pdfScale`, a
    # lambda) and the font's per-document subsets (`state`). Checked on 4.4–5.1.
    return {"face": {k: v for k, v in vars(font.face).items() if k not in _FACE_NOT_KEPT},
            "font": {k: v for k, v in vars(font).items() if k not in _FONT_NOT_KEPT}}


def font_state_name(state: object) -> str | None:
    """The PostScript name of the font a `parsed_font_state` holds; None if it is not one."""
    if not isinstance(state, dict) or not isinstance(state.get("face"), dict) \
            or not isinstance(state.get("font"), dict):
        return None
    name = state["font"].get("fontName")
    return name if isinstance(name, str) else None


def font_from_state(state: dict[str, dict[str, Any]], data: bytes) -> TTFont:
    """The TTFont as its constructor makes it from the file's bytes `data`, given what
    `parsed_font_state` kept of it."""
    # TTFontFace.__init__ reads the file; here its attributes are restored instead, and the
    # three left out are made as its constructor makes them. Checked on 4.4–5.1.
    face = TTFontFace.__new__(TTFontFace)
    vars(face).update(state["face"])
    face._ttf_data = data
    scale = 1000 / face.unitsPerEm
    face._pdfScale = (lambda x: x) if face.unitsPerEm == 1000 else (lambda x: x * scale)
    font = TTFont.__new__(TTFont)
    vars(font).update(state["font"], face=face, state=WeakKeyDictionary())
    return font


def glyph_box(font: TTFont, char: str) -> tuple[float, float, float, float] | None:
    """The ink box of a character's glyph in ems (left, bottom, right, top), from the font's
    glyf table; None for a glyph without outline or a font without that table."""
    # The face's cmap, glyph offsets, table directory and bytes as ReportLab read them
    # (`charToGlyph`, `glyphPos`, `get_table_pos`, `_ttf_data`, undocumented): fontTools
    # would read the file a second time. Checked on 4.4–5.1.
    face = font.face
    glyph = face.charToGlyph.get(ord(char))
    try:
        table, _length = face.get_table_pos("glyf")
        start, end = face.glyphPos[glyph], face.glyphPos[glyph + 1]
    except (KeyError, IndexError, TypeError):
        return None
    if end - start < 10:  # no outline: no header
        return None
    header = face._ttf_data[table + start + 2:table + start + 10]
    units = face.unitsPerEm or 1000
    x0, y0, x1, y1 = struct.unpack(">hhhh", header)
    return x0 / units, y0 / units, x1 / units, y1 / units


def font_codepoints(font: TTFont) -> frozenset[int]:
    """The code points a parsed TrueType font maps to a glyph."""
    # The face's cmap as ReportLab read it (`charToGlyph`, undocumented); fontTools would
    # read the file a second time. Checked on 4.4–5.1.
    return frozenset(c for c, gid in font.face.charToGlyph.items() if gid)


def registered_font_file(name: str) -> str | None:
    """The file a font registered with ReportLab under `name` was read from, if any."""
    # TTFontFace keeps it as `filename` (undocumented); standard and Type 1 fonts have
    # none. Checked on 4.4–5.1.
    filename = getattr(getattr(pdfmetrics.getFont(name), "face", None), "filename", None)
    return filename if isinstance(filename, str) else None


def is_standard_font(name: str) -> bool:
    """Whether `name` is one of the 14 standard PDF fonts ReportLab knows without a file."""
    # `pdfmetrics.standardFonts` (from the private `_fontdata`) is the list; the only public
    # way to it, Canvas.getAvailableFonts, needs a canvas. Checked on 4.4–5.1.
    return name in pdfmetrics.standardFonts


def font_registry() -> dict[str, Any]:
    """ReportLab's fonts by name: tests put a font in and take it out again (ReportLab can
    register a font but not unregister one)."""
    # The private dict registerFont fills and getFont reads. Checked on 4.4–5.1.
    return pdfmetrics._fonts


# --------------------------------------------------------------------------- graphics


def set_initial_colors(drawing: Any, fill: object, stroke: object) -> None:
    """Start the renderers of `drawing` (a reportlab.graphics Drawing) from these fill and
    stroke colours instead of ReportLab's default RGB black."""
    # The renderer's StateTracker starts from STATE_DEFAULTS, overridden by the drawing's
    # `initial<Key>` attribute for each key. Drawing declares (and so accepts) only
    # initialFontName and initialFontSize, so the colours are set past its attribute check;
    # the alternative, changing the module-wide STATE_DEFAULTS, affects every drawing in the
    # process. Checked on 4.4–5.1.
    vars(drawing).update(initialFillColor=fill, initialStrokeColor=stroke)


# --------------------------------------------------------------------------- platypus import


class LazyPattern:
    """Behaves as the compiled pattern; compiles it on first use."""

    def __init__(self, pattern: str, flags: int) -> None:
        self.source = (pattern, flags)
        self.compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> Any:
        if self.compiled is None:
            self.compiled = re.compile(*self.source)
        return getattr(self.compiled, name)


def uri_pattern() -> tuple[str, int] | None:
    """The pattern and flags of `uri_pat` as written in the installed ReportLab."""
    # `reportlab.platypus.paragraph` compiles `uri_pat` (undocumented module state) at import
    # time, about 45 ms; it is read from the module's source, since importing the module is
    # what compiles it. Checked on 4.4–5.1: `uri_pat = re.compile(r"...", re.I)`.
    spec = importlib.util.find_spec("reportlab")
    if spec is None or spec.origin is None:
        return None
    source = Path(spec.origin).parent / "platypus" / "paragraph.py"
    try:
        with source.open(encoding="utf-8") as lines:
            line = next((line for line in lines if line.startswith("uri_pat = re.compile(")), "")
        call = ast.parse(line).body[0].value  # type: ignore[attr-defined]
        pattern = ast.literal_eval(call.args[0])
        flags = re.IGNORECASE if ast.unparse(call.args[1]) == "re.I" else None
    except (OSError, SyntaxError, ValueError, IndexError, AttributeError):
        return None
    if not isinstance(pattern, str) or flags is None:
        return None
    return pattern, int(flags)


@contextlib.contextmanager
def lazy_uri_pattern() -> Iterator[None]:
    """While inside, compiling ReportLab's `uri_pat` gives a `LazyPattern` (platypus.py
    imports `reportlab.platypus.paragraph` in here)."""
    # No public switch skips the compilation. A stand-in for that exact (pattern, flags) is
    # put into the `re` module's private caches (`_cache`; also `_cache2` from Python 3.12),
    # which re.compile consults first. When ReportLab changes the pattern the key no longer
    # matches and nothing happens but the old cost. Checked on Python 3.11.
    found = uri_pattern()
    if found is None:
        yield
        return
    pattern, flags = found
    key = (str, pattern, flags)
    caches = [cache for cache in (getattr(re, "_cache", None), getattr(re, "_cache2", None))
              if isinstance(cache, dict)]
    for cache in caches:
        cache[key] = LazyPattern(pattern, flags)
    try:
        yield
    finally:
        for cache in caches:
            cache.pop(key, None)


def frame_room(frame: Any) -> tuple[float, float]:
    """(width, height) left in a platypus Frame at its current position. Platypus offers no
    public way: `Frame.add` computes the same from these names and drops the result.
    Checked on 4.4–5.1."""
    return frame._getAvailableWidth(), frame._y - frame._y1p


def frame_height(frame: Any) -> float:
    """A platypus Frame's whole height (its constructor's `height`, kept as `_height`).
    Checked on 4.4–5.1."""
    return float(frame._height)


def placing_frame(flowable: Any) -> Any | None:
    """The Frame placing a flowable (during its wrap, split and draw), or None outside one:
    platypus sets `_frame` on the flowable it adds, undocumented. Checked on 4.4–5.1."""
    return getattr(flowable, "_frame", None)


def frame_at_top(frame: Any) -> bool:
    """Whether nothing taller than zero has been placed in the Frame yet (`_atTop`, which
    `Frame.add` keeps to drop a flowable's space before at the top). Checked on 4.4–5.1."""
    return bool(frame._atTop)


def frame_y(frame: Any) -> float:
    """Where the Frame's next flowable starts, in page coordinates (its current y, `_y`,
    before the flowable's space before). Checked on 4.4–5.1."""
    return float(frame._y)
