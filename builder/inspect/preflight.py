"""Print stage: preflight a PDF the way a print shop does, before it goes to press.

Rules (ids in brackets): fonts embedded and subset [font-embedded, font-subset]; no RGB in a
print file [rgb]; TrimBox and BleedBox on every page, nested in the MediaBox [boxes]; at least
3 mm bleed [bleed]; images at 300 ppi or more where placed [image-ppi]; images without an
alpha channel or soft mask, which a press flattens in ways of its own [image-alpha]; no text
within 3 mm of the trim [safety]; the page count the binding needs (a multiple of 4 for saddle
stitch, even for perfect binding, one page for a cover spread: brochure:kind in the XMP)
[page-count]; a PDF/X output intent [output-intent]; a file that needs no repair [structure]
and has no encryption [encryption]. In a CMYK file also: total ink (C+M+Y+K) of every colour
and CMYK or grey image painted within the bleed at most the output intent's limit, 330 % for
FOGRA39 [ink-coverage]; strokes at least 0.25 pt wide as drawn, none of width 0 [hairline];
100 % K text under 12 pt set to overprint, and nothing paper-coloured overprinting [overprint];
no Separation or DeviceN colour but the registration colour (All) of the marks [spot-colour].
Which rules apply follows the output profile.
"""

from __future__ import annotations

import copy
import decimal
import io
import json
import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import pikepdf
from PIL import Image

from builder.findings import Finding, Severity
from builder.pdf.profile import PRINT, OutputProfile
from builder.pdf.reading import (
    CheckedPdf,
    PageBoxes,
    Rect,
    brochure_property,
    checked_pdf,
    damaged,
    unreadable,
)
from builder.source.theme import MM

MIN_BLEED = 3 * MM
SAFETY = 3 * MM
MIN_PPI = 300
POOR_PPI = 150
RGB_OPERATORS = {"rg", "RG"}
SCREEN_OPERATORS = "q Q cm rg RG Do"
"""The operators walked in a screen file (resolution, alpha)."""
WALKED_OPERATORS = ("q Q cm rg RG Do k K g G cs CS sc scn SC SCN w gs m l c v y re f F f* B B* "
                    "b b* S s n sh BT Tm Tf Tr Tj TJ ' \"")
INK_LIMITS = {"FOGRA39": 330.0}
"""Total area coverage (C+M+Y+K, %) a press condition allows, by output condition: FOGRA39
(offset on coated paper, ISO 12647-2:2004/Amd 1) is separated to 330 % (the ECI's ISO Coated v2
profile for it; bvdm MediaStandard Print 2018, printing conditions PC1/PC2)."""
INK_LIMIT = INK_LIMITS["FOGRA39"]
"""The limit for a file whose output intent names another condition or none."""
INK_TOLERANCE = 0.5
"""Percent above the limit not counted: colour values written to 4 decimals."""
IMAGE_SAMPLES = 256
"""An image's ink is summed after box-averaging it to at most this many pixels on its longer
side: a speck of a few pixels (under about 1 mm on a page-wide photo) does not fail the page,
as on press it neither smears nor sets off; any patch the eye sees does."""
HAIRLINE = 0.25
"""Points: the thinnest stroke a press holds (0.1 mm; the marks' crop_mark_width)."""
HAIRLINE_TOLERANCE = 1e-3
BOX_TOLERANCE = 0.01
"""Points: a mark ending on the BleedBox's edge (written to a few decimals) is outside it."""
OVERPRINT_BELOW = 12.0
"""Points: 100 % K text smaller than this overprints (a misregistered plate under small
knocked-out text shows a white edge)."""
FORM_DEPTH = 8
"""How deep forms within forms are followed."""
FORM_VISITS = 2000
"""How many forms are followed on one page."""
Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1, 0, 0, 1, 0, 0)


@dataclass
class PreflightReport:
    path: str
    pages: int
    profile: str
    kind: str = "pages"
    """What the file holds: pages, booklet (imposed sheets) or cover (a cover spread)."""
    issues: list[Finding] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    ink: list[float] = field(default_factory=list)
    """The maximum total ink (C+M+Y+K, %) on each page, in page order (CMYK files)."""

    @property
    def errors(self) -> list[Finding]:
        return [i for i in self.issues if i.severity == "error"]

    def add(self, severity: Severity, rule: str, page: int | None, message: str) -> None:
        self.issues.append(Finding(rule, severity, message, page=page))

    def _detail(self, rule: str) -> str:
        """What an ok line states besides: the most ink on any page."""
        if rule != "ink-coverage" or not self.ink:
            return ""
        most = max(self.ink)
        return f" (max {most:.0f} % on page {self.ink.index(most) + 1})"

    def to_json(self) -> str:
        data = asdict(self)
        data["issues"] = [{"severity": i.severity, "rule": i.rule, "page": i.page,
                           "message": i.message} for i in self.issues]
        data["ok"] = not self.errors
        return json.dumps(data, ensure_ascii=False, indent=2)

    def to_text(self) -> str:
        count = f"{self.pages} page{'' if self.pages == 1 else 's'}"
        what = "" if self.kind == "pages" else f", {self.kind}"
        lines = [f"preflight of {self.path}: {count}, {self.profile} profile{what}"]
        for rule in self.checked:
            found = [i for i in self.issues if i.rule == rule]
            if not found:
                lines.append(f"  ok       {rule}{self._detail(rule)}")
            for issue in found[:8]:
                where = f"page {issue.page}: " if issue.page else ""
                lines.append(f"  {issue.severity:<8} {rule}: {where}{issue.message}")
            if len(found) > 8:
                lines.append(f"  {'':<8} {rule}: … and {len(found) - 8} more")
        errors, warnings = len(self.errors), len(self.issues) - len(self.errors)
        lines.append(f"{'FAIL' if errors else 'PASS'}: {errors} errors, {warnings} warnings")
        return "\n".join(lines)


def preflight(path: Path, profile: OutputProfile = PRINT) -> PreflightReport:
    """Check a PDF; for a screen file, the rules about colour, boxes, bleed, the output
    intent and the page count do not apply. An unreadable, password-protected or absurd PDF (see
    `builder.pdf.reading`) is a BrochureError; an encrypted one that opens fails [encryption]."""

    with checked_pdf(path) as checked:
        document = checked.document
        report = PreflightReport(str(path), checked.pages, profile.name)
        cmyk = profile.color_space == "CMYK"
        report.checked = ["structure", "encryption", "font-embedded", "font-subset", "image-ppi",
                          "image-alpha", "safety"]
        if cmyk:
            report.checked += ["rgb", "ink-coverage", "hairline", "overprint", "spot-colour"]
        if profile.marks:
            report.checked += ["boxes", "bleed"]
        if profile.pdfx:
            report.checked.append("output-intent")
        if profile.pad_pages:  # a screen file is not bound
            report.checked.append("page-count")
        if checked.repairs:
            report.add("error", "structure", None,
                       f"the file is damaged and was repaired to be read ({checked.repairs[0]}"
                       + (f"; and {len(checked.repairs) - 1} more" if checked.repairs[1:]
                          else "") + "): a press may repair it otherwise; export it again")
        if checked.encrypted:
            report.add("error", "encryption", None,
                       "the PDF is encrypted (an owner password restricts it): a print shop's "
                       "tools may refuse it; export it without a password")
        with damaged(path):
            limit = _ink_limit(document)
        images: dict[tuple[int, int], float | None] = {}
        for number, page in enumerate(document.pages, start=1):
            with damaged(path, number):
                _fonts(report, number, page.obj.get("/Resources"), set(), 0)
                _contents(report, number, page, cmyk, checked.boxes[number - 1].bleed,
                          images, limit)
            if profile.marks:
                _boxes(report, number, checked.boxes[number - 1])
        with damaged(path):
            intent = "/OutputIntents" in document.Root
        if profile.pdfx and not intent:
            report.add("error", "output-intent", None,
                       "no PDF/X output intent: the shop cannot tell which press the CMYK targets")
        with damaged(path):
            binding = brochure_property(document, "binding")
            kind = brochure_property(document, "kind")
        report.kind = kind or "pages"
        if profile.pad_pages:
            _page_count(report, kind, binding)
        _safety(report, checked)
    return report


def _fonts(report: PreflightReport, number: int, resources, seen: set[tuple[int, int]],
           depth: int) -> None:
    """Every font reachable from the resources (and their forms, FORM_DEPTH deep) embedded
    and subset."""
    for font in _entries(resources, "/Font"):
        if font.objgen in seen:
            continue
        seen.add(font.objgen)
        name = str(font.get("/BaseFont", "?")).lstrip("/")
        descriptor = font.get("/FontDescriptor")
        if "/DescendantFonts" in font:
            descendants = font.DescendantFonts
            descendant = descendants[0] if isinstance(descendants, pikepdf.Array) \
                and len(descendants) else None
            descriptor = descendant.get("/FontDescriptor") \
                if isinstance(descendant, pikepdf.Dictionary) else None
        if str(font.get("/Subtype")) == "/Type3":
            continue
        if not isinstance(descriptor, pikepdf.Dictionary) or not any(
                k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            report.add("error", "font-embedded", number, f"font {name} is not embedded")
        elif not (len(name) > 7 and name[6] == "+" and name[:6].isupper()):
            report.add("warning", "font-subset", number, f"font {name} is embedded whole")
    if depth >= FORM_DEPTH:
        return
    for xobject in _entries(resources, "/XObject"):
        if str(xobject.get("/Subtype")) == "/Form" and xobject.objgen not in seen:
            seen.add(xobject.objgen)
            _fonts(report, number, xobject.get("/Resources"), seen, depth + 1)


def _entries(resources, kind: str) -> list:
    """The dictionaries (fonts, XObjects) under `kind` in a resource dictionary; anything
    else a damaged PDF puts there is left out."""
    if not isinstance(resources, pikepdf.Dictionary):
        return []
    named = resources.get(kind)
    if not isinstance(named, pikepdf.Dictionary):
        return []
    return [v for v in named.values() if isinstance(v, (pikepdf.Dictionary, pikepdf.Stream))]


def _page_count(report: PreflightReport, kind: str | None, binding: str | None) -> None:
    """The page count the file's binding needs: a multiple of 4 for saddle stitch, an even
    count for perfect binding, one page for a cover spread; imposed sheets are not counted."""
    pages = report.pages
    if kind == "booklet":
        return
    if kind == "cover":
        if pages != 1:
            report.add("error", "page-count", None,
                       f"a cover spread is one page (back, spine, front), not {pages}")
    elif binding == "perfect":
        if pages % 2:
            report.add("warning", "page-count", None,
                       f"{pages} pages: a perfect-bound book needs an even count "
                       f"({pages + 1}), a leaf has two sides")
    elif pages % 4:
        report.add("warning", "page-count", None,
                   f"{pages} page{'' if pages == 1 else 's'} is not a multiple of 4: saddle "
                   f"stitch needs {-(-pages // 4) * 4} (brochure impose pads with blanks)")


def _extgstate(extgstate) -> tuple[float | None, bool | None, bool | None, int | None]:
    """The keys of an ExtGState the rules follow: line width, stroke and fill overprint
    (absent, /op is /OP's: PDF 32000 table 58) and overprint mode; None where it has none."""
    if extgstate is None:
        return None, None, None, None
    stroke = bool(extgstate.OP) if "/OP" in extgstate else None
    fill = bool(extgstate.op) if "/op" in extgstate else stroke
    mode = _number(extgstate.get("/OPM"))
    return _number(extgstate.get("/LW")), stroke, fill, None if mode is None else int(mode)


def _ink_limit(document: pikepdf.Pdf) -> float:
    """The total ink the output intent's press condition allows (INK_LIMITS)."""
    intents = document.Root.get("/OutputIntents")
    if isinstance(intents, pikepdf.Array):
        for intent in intents:
            if isinstance(intent, pikepdf.Dictionary):
                condition = str(intent.get("/OutputConditionIdentifier", ""))
                if condition in INK_LIMITS:
                    return INK_LIMITS[condition]
    return INK_LIMIT


def _contents(report: PreflightReport, number: int, page, cmyk: bool,
              bleed: Rect | None = None, images: dict | None = None,
              ink_limit: float = INK_LIMIT) -> None:
    """Walk the page's drawing operators: RGB colour, image resolution and alpha; for a
    CMYK file also total ink, hairlines, overprint of small black text and spot colours.
    Forms are followed FORM_DEPTH deep and FORM_VISITS times a page (a form drawing itself
    twice, eight deep, would otherwise be walked 2⁸ times, and a hundred times 100⁸).
    `images`: the total ink of images already decoded (by object), shared by the pages."""
    walk = _Walk(report, number, cmyk, bleed, {} if images is None else images)
    walk.stream(page, page.obj.get("/Resources"), _GState(), 0)
    if cmyk:
        walk.report_page(ink_limit)


@dataclass(frozen=True)
class _Paint:
    """A colour as it paints: its total ink (C+M+Y+K, %; None when unknown, as for RGB and
    patterns), whether it is 100 % K alone, no ink at all (the paper), the registration
    colour, and the spot colour it names."""

    ink: float | None
    black: bool = False
    paper: bool = False
    registration: bool = False


@dataclass(frozen=True)
class _Space:
    """A colour space as the walker needs it: 'cmyk', 'gray', 'separation' (also DeviceN,
    the names of its colorants in `names`) or 'other' (RGB, Lab, Indexed, Pattern)."""

    family: str
    names: tuple[str, ...] = ()

    def paint(self, values: list[float | None]) -> _Paint:
        """The paint of these components (sc/scn operands) in this space."""
        if any(v is None for v in values):
            return _Paint(None)
        tints = [min(max(v, 0.0), 1.0) for v in values if v is not None]
        if self.family == "cmyk" and len(tints) == 4:
            c, m, y, k = tints
            return _Paint(100 * sum(tints), black=c == m == y == 0 and k == 1,
                          paper=not any(tints))
        if self.family == "gray" and len(tints) == 1:
            return _Paint(100 * (1 - tints[0]), paper=tints[0] == 1)
        if self.family == "separation" and len(tints) == len(self.names):
            ink = sum(t * (400 if n == "All" else 0 if n == "None" else 100)
                      for t, n in zip(tints, self.names, strict=True))
            return _Paint(ink, paper=ink == 0,
                          registration=self.names == ("All",) and tints[0] > 0)
        return _Paint(None)

    def initial(self) -> _Paint:
        """The colour a `cs` selects before any `sc` (PDF 32000 § 8.6.8): black, or a full
        tint of a spot colour."""
        if self.family == "cmyk":
            return self.paint([0, 0, 0, 1])
        if self.family == "gray":
            return self.paint([0])
        if self.family == "separation":
            return self.paint([1.0] * len(self.names))
        return _Paint(None)


DEVICE_CMYK, DEVICE_GRAY = _Space("cmyk"), _Space("gray")
BLACK = DEVICE_GRAY.initial()


@dataclass
class _GState:
    """What q saves and Q restores, as far as the rules need it."""

    ctm: Matrix = IDENTITY
    fill_space: _Space = DEVICE_GRAY
    stroke_space: _Space = DEVICE_GRAY
    fill: _Paint = BLACK
    stroke: _Paint = BLACK
    line_width: float = 1.0
    fill_overprint: bool = False
    stroke_overprint: bool = False
    overprint_mode: int = 0
    font: str = ""
    font_size: float = 0.0
    render_mode: int = 0
    clip: Rect | None = None
    """The device-space box the forms being drawn clip to (their BBoxes), if any."""

    def saved(self) -> _GState:
        """A copy for q (as dataclasses.replace, in a fraction of its time)."""
        return copy.copy(self)

    def set(self, keys: tuple[float | None, bool | None, bool | None, int | None]) -> None:
        """gs: the ExtGState's keys (_extgstate) that it has."""
        width, stroke, fill, mode = keys
        if width is not None:
            self.line_width = width
        if stroke is not None:
            self.stroke_overprint = stroke
        if fill is not None:
            self.fill_overprint = fill
        if mode is not None:
            self.overprint_mode = mode


@dataclass
class _PageInk:
    """What one page's walk found, reported once per page (not once per operator)."""

    most: float = 0.0
    most_in: str = ""
    thin: list[float] = field(default_factory=list)
    zero_width: int = 0
    knockouts: list[str] = field(default_factory=list)
    vanishing: list[str] = field(default_factory=list)
    spots: list[str] = field(default_factory=list)


PATH_OPERATORS = {"m", "l", "c", "v", "y"}
"""Path construction operators but re: their operands are points (x y pairs)."""
FILL_OPERATORS = {"f", "F", "f*", "B", "B*", "b", "b*"}
STROKE_OPERATORS = {"S", "s", "B", "B*", "b", "b*"}
SHOW_OPERATORS = {"Tj", "TJ", "'", '"'}


class _Walk:
    """One page's walk through its content streams and forms."""

    def __init__(self, report: PreflightReport, number: int, cmyk: bool, bleed: Rect | None,
                 images: dict) -> None:
        self.report, self.number, self.cmyk, self.bleed = report, number, cmyk, bleed
        self.images = images
        self.visits = 0
        self.found = _PageInk()
        self.path: list[tuple[float, float]] = []

    def stream(self, stream, resources, state: _GState, depth: int) -> None:
        """Walk one content stream (a page's or a form's) from graphics state `state`;
        the operators most content has first."""
        stack: list[_GState] = []
        text_matrix: object = ()  # (Tm's operands, read only for text that needs its size)
        states: dict[str, tuple] = {}  # (this stream's ExtGStates, each read once)
        cmyk = self.cmyk
        for instruction in pikepdf.parse_content_stream(
                stream, WALKED_OPERATORS if cmyk else SCREEN_OPERATORS):
            operands, op = instruction.operands, str(instruction.operator)
            if op in SHOW_OPERATORS:
                self._shown(state, text_matrix)
            elif op == "Tf" and len(operands) == 2:
                state.font, state.font_size = str(operands[0]), _number(operands[1]) or 0.0
            elif op == "Tm":
                text_matrix = operands
            elif op == "BT":
                text_matrix = ()
            elif op in ("k", "K") and len(operands) == 4:
                self._colour(state, op == "K", DEVICE_CMYK,
                             DEVICE_CMYK.paint([_number(v) for v in operands]))
            elif op == "q":
                stack.append(state.saved())
            elif op == "Q" and stack:
                state = stack.pop()
            elif op == "cm":
                state.ctm = _multiply(_matrix(operands) or IDENTITY, state.ctm)
            elif op == "gs" and len(operands) == 1:
                name = str(operands[0])
                if name not in states:
                    states[name] = _extgstate(_resource(resources, "/ExtGState", operands[0]))
                state.set(states[name])
            elif op in PATH_OPERATORS:
                if state.fill.registration or state.stroke.registration:
                    self._points(operands, state.ctm)  # (only marks need to know where)
            elif op in FILL_OPERATORS or op in STROKE_OPERATORS or op == "n":
                if op in FILL_OPERATORS:
                    self._painted(state.fill, state.fill_overprint, "a fill", self.path,
                                  state.clip)
                if op in STROKE_OPERATORS:
                    self._stroked(state)
                self.path = []
            elif op == "re" and len(operands) == 4:
                if state.fill.registration or state.stroke.registration:
                    x, y, w, h = (_number(v) or 0.0 for v in operands)
                    self._points([x, y, x + w, y, x, y + h, x + w, y + h], state.ctm)
            elif op == "w" and operands:
                state.line_width = _number(operands[0]) or 0.0
            elif op in RGB_OPERATORS:
                if cmyk:
                    self.report.add("error", "rgb", self.number,
                                    f"RGB colour ({op} {_fmt(operands)})")
                self._colour(state, op.isupper(), _Space("other"), _Paint(None))
            elif op == "Do" and len(operands) == 1:
                self._place(operands[0], resources, state, depth)
            elif op == "Tr" and operands:
                state.render_mode = int(_number(operands[0]) or 0)
            elif op in ("g", "G") and len(operands) == 1:
                self._colour(state, op == "G", DEVICE_GRAY,
                             DEVICE_GRAY.paint([_number(operands[0])]))
            elif op in ("cs", "CS") and len(operands) == 1:
                space = self._space(resources, operands[0])
                self._colour(state, op == "CS", space, space.initial())
            elif op in ("sc", "scn", "SC", "SCN"):
                stroke = op.isupper()
                space = state.stroke_space if stroke else state.fill_space
                self._colour(state, stroke, space, space.paint([_number(v) for v in operands]))
            elif op == "sh" and len(operands) == 1:
                self._shading(_resource(resources, "/Shading", operands[0]))

    def _colour(self, state: _GState, stroke: bool, space: _Space, paint: _Paint) -> None:
        if stroke:
            state.stroke_space, state.stroke = space, paint
        else:
            state.fill_space, state.fill = space, paint

    def _points(self, operands, ctm: Matrix) -> None:
        numbers = [_number(v) or 0.0 for v in operands]
        self.path += [_apply(ctm, numbers[i], numbers[i + 1])
                      for i in range(0, len(numbers) - 1, 2)]

    def _space(self, resources, name) -> _Space:
        """The colour space `name` selects (a device space or one of the resources')."""
        family = str(name)
        if family in ("/DeviceCMYK", "/CMYK"):
            return DEVICE_CMYK
        if family in ("/DeviceGray", "/G"):
            return DEVICE_GRAY
        named = resources.get("/ColorSpace") if isinstance(resources, pikepdf.Dictionary) \
            else None
        found = named.get(name) if isinstance(named, pikepdf.Dictionary) \
            and isinstance(name, pikepdf.Name) else None
        return self._array_space(found)

    def _array_space(self, space) -> _Space:
        """A colour space given as a name or an array (in resources or an image)."""
        if not isinstance(space, pikepdf.Array) or not len(space):
            return self._space(None, space) if isinstance(space, pikepdf.Name) \
                and str(space) in ("/DeviceCMYK", "/DeviceGray") else _Space("other")
        family = str(space[0])
        if family == "/ICCBased" and len(space) > 1 and isinstance(space[1], pikepdf.Stream):
            components = _number(space[1].get("/N"))
            return DEVICE_CMYK if components == 4 else DEVICE_GRAY if components == 1 \
                else _Space("other")
        if family in ("/Separation", "/DeviceN") and len(space) > 1:
            names = [space[1]] if family == "/Separation" else space[1]
            if not isinstance(names, (pikepdf.Array, list)):
                return _Space("other")
            colorants = tuple(str(n).lstrip("/") for n in names)
            for colorant in colorants:
                if colorant not in ("All", "None") and colorant not in self.found.spots:
                    self.found.spots.append(colorant)
            return _Space("separation", colorants)
        return _Space("other")

    def _painted(self, paint: _Paint, overprint: bool, what: str,
                 path: list[tuple[float, float]] | None = None,
                 clip: Rect | None = None) -> None:
        """Count one painting operation's ink (registration marks, a `path` outside the
        bleed or clipped away by the form it is in, excepted: a booklet's pages carry their
        marks into the sheet, cut off by the page's box) and catch paper colour that
        overprints, which vanishes."""
        if paint.ink is None:
            return
        if paint.registration and path and (self._outside_bleed(path)
                                            or (clip is not None and _outside(path, clip))):
            return
        if paint.ink > self.found.most:
            self.found.most, self.found.most_in = paint.ink, what
        if paint.paper and overprint:
            self.found.vanishing.append(what)

    def _outside_bleed(self, path: list[tuple[float, float]]) -> bool:
        """Whether a path (device points) lies wholly outside the BleedBox (where marks go)."""
        return self.bleed is not None and _outside(path, self.bleed)

    def _stroked(self, state: _GState) -> None:
        self._painted(state.stroke, state.stroke_overprint, "a stroke", self.path,
                      state.clip)
        width = state.line_width
        if width <= 0:
            self.found.zero_width += 1
            return
        a, b, c, d, _, _ = state.ctm
        drawn = width * min(math.hypot(a, b), math.hypot(c, d))
        if drawn < HAIRLINE - HAIRLINE_TOLERANCE:
            self.found.thin.append(drawn)

    def _shown(self, state: _GState, text_matrix: object) -> None:
        """Text shown: its ink, and small 100 % K text that knocks out."""
        mode = state.render_mode
        if mode in (3, 7):
            return
        if mode in (0, 2, 4, 6):
            self._painted(state.fill, state.fill_overprint, "text")
            if state.fill.black and not (state.fill_overprint and state.overprint_mode == 1):
                self._knockout(state, text_matrix)
        if mode in (1, 2, 5, 6):
            self._painted(state.stroke, state.stroke_overprint, "text outline")

    def _knockout(self, state: _GState, text_matrix: object) -> None:
        """100 % K text that knocks out: noted if under OVERPRINT_BELOW as drawn (Tf size ×
        text matrix × CTM, on its vertical axis)."""
        matrix = _multiply(_matrix(text_matrix) or IDENTITY, state.ctm)
        size = state.font_size * math.hypot(matrix[2], matrix[3])
        if 0 < size < OVERPRINT_BELOW:
            self.found.knockouts.append(f"{size:.1f} pt in {state.font.lstrip('/')} at "
                                        f"{matrix[4] / MM:.0f}, {matrix[5] / MM:.0f} mm")

    def _shading(self, shading) -> None:
        """A smooth shading's ink where it is cheap to know: a function of type 2 (C0 to C1)
        in a CMYK or spot space; the ends of such a blend are its extremes."""
        if shading is None:
            return
        space = self._array_space(shading.get("/ColorSpace"))
        function = shading.get("/Function")
        if not isinstance(function, pikepdf.Dictionary) \
                or _number(function.get("/FunctionType")) != 2:
            return
        for end in ("/C0", "/C1"):
            values = function.get(end, pikepdf.Array([0.0] if end == "/C0" else [1.0]))
            if isinstance(values, pikepdf.Array):
                self._painted(space.paint([_number(v) for v in values]), False, "a shading")

    def _place(self, name, resources, state: _GState, depth: int) -> None:
        """Do: an image (resolution, alpha, colour, ink) or a form (walked)."""
        xobject = _resource(resources, "/XObject", name)
        if xobject is None:
            return
        if str(xobject.get("/Subtype")) == "/Image":
            label = str(name).lstrip("/")
            _image(self.report, self.number, label, xobject, state.ctm, self.cmyk)
            if self.cmyk:
                self._image_ink(label, xobject, state)
        elif depth < FORM_DEPTH and isinstance(xobject, pikepdf.Stream):
            self.visits += 1
            if self.visits == FORM_VISITS:
                self.report.add("warning", "image-ppi", self.number,
                                f"more than {FORM_VISITS} forms placed: the rest of the "
                                "page was not checked")
            if self.visits >= FORM_VISITS:
                return
            ctm = _multiply(_matrix(xobject.get("/Matrix")) or IDENTITY, state.ctm)
            inner = replace(state, ctm=ctm, clip=_clip(state.clip, xobject.get("/BBox"), ctm))
            self.stream(xobject, xobject.get("/Resources", resources), inner, depth + 1)

    def _image_ink(self, label: str, image, state: _GState) -> None:
        if image.get("/ImageMask"):  # a stencil paints in the fill colour
            self._painted(state.fill, state.fill_overprint, f"image {label}")
            return
        space = self._array_space(image.get("/ColorSpace"))
        if space.family not in ("cmyk", "gray"):
            return
        key = image.objgen
        if key not in self.images:
            self.images[key] = _image_ink(image, space.family)
        ink = self.images[key]
        if ink is not None:
            self._painted(_Paint(ink), False, f"image {label}")

    def report_page(self, limit: float) -> None:
        """The page's findings, one line a rule, and its maximum ink for the report."""
        report, number, found = self.report, self.number, self.found
        report.ink.append(round(found.most, 1))
        if found.most > limit + INK_TOLERANCE:
            report.add("error", "ink-coverage", number,
                       f"total ink {found.most:.0f} % in {found.most_in} is above the "
                       f"{limit:.0f} % the press allows (C+M+Y+K): use less ink, e.g. rich "
                       "black for large areas only")
        if found.zero_width:
            report.add("error", "hairline", number,
                       f"{found.zero_width} stroke{_s(found.zero_width)} of width 0 (the "
                       "thinnest line a device can draw, invisible on a plate): give it "
                       f"{HAIRLINE} pt or more")
        if found.thin:
            report.add("warning", "hairline", number,
                       f"{len(found.thin)} stroke{_s(len(found.thin))} thinner than {HAIRLINE} "
                       f"pt (the thinnest {min(found.thin):.2f} pt): a press may not hold it")
        if found.knockouts:
            count = len(found.knockouts)
            report.add("warning", "overprint", number,
                       f"{count} black text run{_s(count)} under {OVERPRINT_BELOW:.0f} pt "
                       f"knock{'s' if count == 1 else ''} out (e.g. {found.knockouts[0]}): set "
                       "100 % K text to overprint (/op true, /OPM 1), or a misregistered "
                       "plate shows a white edge")
        if found.vanishing:
            count = len(found.vanishing)
            report.add("error", "overprint", number,
                       f"{count} paper-coloured (0 0 0 0) paint{_s(count)} overprint "
                       f"({found.vanishing[0]}): white that overprints vanishes on press")
        for name in found.spots:
            report.add("warning", "spot-colour", number,
                       f"spot colour {name}: a plate of its own: convert to CMYK unless the "
                       "shop expects the spot colour")


def _outside(path: list[tuple[float, float]], box: Rect) -> bool:
    """Whether a path (device points) lies wholly outside a box (to BOX_TOLERANCE)."""
    x0, y0, x1, y1 = box
    xs = [p[0] for p in path]
    ys = [p[1] for p in path]
    near = BOX_TOLERANCE
    return min(xs) >= x1 - near or max(xs) <= x0 + near or min(ys) >= y1 - near \
        or max(ys) <= y0 + near


def _clip(clip: Rect | None, bbox, ctm: Matrix) -> Rect | None:
    """A form's BBox in device space (the box around its corners), within `clip`."""
    box = _matrix([*bbox, 0, 0]) if isinstance(bbox, pikepdf.Array) and len(bbox) == 4 \
        else None
    if box is None:
        return clip
    corners = [_apply(ctm, x, y) for x in (box[0], box[2]) for y in (box[1], box[3])]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    inner = (min(xs), min(ys), max(xs), max(ys))
    if clip is None:
        return inner
    return (max(inner[0], clip[0]), max(inner[1], clip[1]), min(inner[2], clip[2]),
            min(inner[3], clip[3]))


def _resource(resources, kind: str, name):
    """The dictionary or stream named `name` under `kind` in a resource dictionary, or None
    (also when a damaged PDF has something else there)."""
    if not isinstance(resources, pikepdf.Dictionary) or not isinstance(name, pikepdf.Name):
        return None
    named = resources.get(kind)
    if not isinstance(named, pikepdf.Dictionary):
        return None
    found = named.get(name)
    return found if isinstance(found, (pikepdf.Dictionary, pikepdf.Stream)) else None


def _image(report: PreflightReport, number: int, name: str, image, ctm: Matrix,
           cmyk: bool) -> None:
    """One placed image: its effective resolution, alpha and colour space."""
    width, height = _number(image.get("/Width")), _number(image.get("/Height"))
    pixels = f"image {name} ({width or 0:.0f}×{height or 0:.0f} px)"
    if "/SMask" in image or "/Mask" in image or _number(image.get("/SMaskInData")):
        report.add("warning", "image-alpha", number,
                   f"{pixels} has an alpha channel or mask: flatten it onto the paper colour")
    if cmyk and _is_rgb(image.get("/ColorSpace")):
        report.add("error", "rgb", number, f"RGB {pixels}: convert it to CMYK")
    width_pt = math.hypot(ctm[0], ctm[1])
    height_pt = math.hypot(ctm[2], ctm[3])
    if not (width and height and width_pt > 0 and height_pt > 0) \
            or not math.isfinite(width_pt * height_pt):
        return
    ppi = min(int(width) / (width_pt / 72), int(height) / (height_pt / 72))
    if ppi < MIN_PPI:
        report.add("error" if ppi < POOR_PPI else "warning", "image-ppi", number,
                   f"{pixels} placed at {width_pt / MM:.0f}×{height_pt / MM:.0f} mm is "
                   f"{ppi:.0f} ppi (print needs {MIN_PPI})")


def _image_ink(image, family: str) -> float | None:
    """The most ink (%) in a CMYK ('cmyk') or grey ('gray') image, after box-averaging it to
    IMAGE_SAMPLES pixels (a JPEG decoded at a reduced scale); None if it cannot be decoded."""
    picture: Image.Image
    try:
        filters = image.get("/Filter")
        last = filters[-1] if isinstance(filters, pikepdf.Array) and len(filters) else filters
        if str(last) == "/DCTDecode":  # decoded up to the JPEG, and that at 1/8 scale or so
            jpeg = io.BytesIO()
            pikepdf.PdfImage(image).extract_to(stream=jpeg)
            picture = Image.open(jpeg)
            picture.draft(picture.mode, (IMAGE_SAMPLES, IMAGE_SAMPLES))
            # (an Adobe JPEG's inverted CMYK Pillow turns, as a /Decode [1 0 …] does)
            inverted = _inverted(image) and not picture.info.get("adobe")
        else:
            picture = pikepdf.PdfImage(image).as_pil_image()  # (/Decode applied)
            inverted = False
        picture.load()
    except (pikepdf.PdfError, NotImplementedError, OSError, ValueError, TypeError):
        return None
    wanted = "CMYK" if family == "cmyk" else "L"
    if picture.mode != wanted:
        if family == "cmyk":
            return None
        picture = picture.convert("L")
    factor = math.ceil(max(picture.size) / IMAGE_SAMPLES)
    if factor > 1:
        picture = picture.reduce(factor)
    samples = picture.tobytes()
    if family == "cmyk":
        sums = list(map(sum, zip(samples[0::4], samples[1::4], samples[2::4], samples[3::4],
                                 strict=True)))
        most = (4 * 255 - min(sums)) if inverted else max(sums)
        return 100 * most / 255
    darkest = max(samples) if inverted else min(samples)
    return 100 * (255 - darkest) / 255


def _inverted(image) -> bool:
    """Whether the image's /Decode array inverts its samples ([1 0 1 0 …])."""
    decode = image.get("/Decode")
    return isinstance(decode, pikepdf.Array) and len(decode) >= 2 \
        and _number(decode[0]) == 1 and _number(decode[1]) == 0


def _is_rgb(space, depth: int = 0) -> bool:
    """DeviceRGB, or an ICC-based space with three components (also as an Indexed base)."""
    if space is None or depth > 4:
        return False
    if not isinstance(space, pikepdf.Array):
        return str(space) == "/DeviceRGB"
    if len(space) < 2:
        return False
    family = str(space[0])
    if family == "/ICCBased":
        return isinstance(space[1], pikepdf.Stream) and _number(space[1].get("/N")) == 3
    if family == "/Indexed":
        return _is_rgb(space[1], depth + 1)
    return False


def _boxes(report: PreflightReport, number: int, boxes: PageBoxes) -> None:
    trim = boxes.trim if "/TrimBox" in boxes.given else None
    bleed, media = boxes.bleed, boxes.media
    if trim is None or bleed is None:
        missing = " and ".join(n for n, b in (("TrimBox", trim), ("BleedBox", bleed)) if b is None)
        report.add("error", "boxes", number, f"no {missing}")
        return
    if not (_inside(trim, bleed) and _inside(bleed, media)):
        report.add("error", "boxes", number, "boxes not nested: TrimBox ⊆ BleedBox ⊆ MediaBox")
    margin = min(trim[0] - bleed[0], trim[1] - bleed[1], bleed[2] - trim[2], bleed[3] - trim[3])
    if margin < MIN_BLEED - 0.01:
        report.add("error", "bleed", number,
                   f"bleed is {margin / MM:.1f} mm; print needs at least 3 mm on every side")


def _safety(report: PreflightReport, checked: CheckedPdf) -> None:
    """No text within 3 mm of the trim edge (or outside the trim, but for slug text wholly
    outside the BleedBox)."""
    import pypdfium2

    with unreadable(checked.path):
        pdf = pypdfium2.PdfDocument(checked.data)
    try:
        for number in range(1, checked.pages + 1):
            boxes = checked.boxes[number - 1]
            with unreadable(checked.path, number):
                close = _close_to_trim(pdf[number - 1], boxes.trim, boxes.bleed)
            if close:
                report.add("error", "safety", number,
                           f"{len(close)} characters within 3 mm of the trim: "
                           f"{''.join(close[:12])}")
    finally:
        pdf.close()


def _close_to_trim(page, trim: Rect, bleed: Rect | None = None) -> list[str]:
    """The page's visible characters within SAFETY of the trim edge (pdfium's text); those
    wholly outside the BleedBox are slug information (an imposed sheet's slug line), cut
    off by design, and left out."""
    text = page.get_textpage()
    close = []
    for index in range(text.count_chars()):
        char = text.get_text_range(index, 1)
        if not char.strip():
            continue
        left, bottom, right, top = text.get_charbox(index)
        if bleed is not None and (right <= bleed[0] or left >= bleed[2] or top <= bleed[1]
                                  or bottom >= bleed[3]):
            continue
        if (left < trim[0] + SAFETY or bottom < trim[1] + SAFETY
                or right > trim[2] - SAFETY or top > trim[3] - SAFETY):
            close.append(char)
    text.close()
    page.close()
    return close


def _number(value) -> float | None:
    """A PDF number as a finite float, or None for anything else."""
    kind = type(value)
    if kind is decimal.Decimal or kind is int or kind is float:  # (most, quickly)
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, bool) or not isinstance(value, (int, float, decimal.Decimal)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _matrix(values) -> Matrix | None:
    """Six PDF numbers as a matrix, or None if they are not."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__") or len(values) != 6:
        return None
    numbers = [_number(v) for v in values]  # (from a dictionary: its keys, not numbers)
    if any(n is None for n in numbers):
        return None
    return tuple(numbers)  # type: ignore[return-value]


def _inside(inner: tuple[float, ...], outer: tuple[float, ...]) -> bool:
    return (inner[0] >= outer[0] - 0.01 and inner[1] >= outer[1] - 0.01
            and inner[2] <= outer[2] + 0.01 and inner[3] <= outer[3] + 0.01)


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    """m × n for PDF matrices [a b c d e f]."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s,
            e * p + f * r + t, e * q + f * s + u)


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    """The point (x, y) transformed by m."""
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _fmt(operands) -> str:
    numbers = [_number(v) for v in operands]
    return " ".join("?" if v is None else f"{v:.2f}" for v in numbers)
