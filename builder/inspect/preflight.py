"""Print stage: preflight a PDF the way a print shop does, before it goes to press.

Rules (ids in brackets): fonts embedded and subset [font-embedded, font-subset]; no RGB in a
print file [rgb]; TrimBox and BleedBox on every page, nested in the MediaBox [boxes]; at least
3 mm bleed [bleed]; images at 300 ppi or more where placed [image-ppi]; images without an
alpha channel or soft mask, which a press flattens in ways of its own [image-alpha]; no text
within 3 mm of the trim [safety]; the page count the binding needs (a multiple of 4 for saddle
stitch, even for perfect binding, one page for a cover spread: brochure:kind in the XMP)
[page-count]; a PDF/X output intent [output-intent]; a file that needs no repair [structure]
and has no encryption [encryption]. Which rules apply follows the output profile.
"""

from __future__ import annotations

import decimal
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pikepdf

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
WALKED_OPERATORS = "q Q cm rg RG Do"
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

    @property
    def errors(self) -> list[Finding]:
        return [i for i in self.issues if i.severity == "error"]

    def add(self, severity: Severity, rule: str, page: int | None, message: str) -> None:
        self.issues.append(Finding(rule, severity, message, page=page))

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
                lines.append(f"  ok       {rule}")
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
            report.checked.append("rgb")
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
        for number, page in enumerate(document.pages, start=1):
            with damaged(path, number):
                _fonts(report, number, page.obj.get("/Resources"), set(), 0)
                _contents(report, number, page, cmyk)
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


def _contents(report: PreflightReport, number: int, page, cmyk: bool) -> None:
    """Walk the page's drawing operators: RGB colour, image resolution and alpha. Forms are
    followed FORM_DEPTH deep and FORM_VISITS times a page (a form drawing itself twice,
    eight deep, would otherwise be walked 2⁸ times, and a hundred times 100⁸)."""
    visits = 0

    def walk(stream, resources, matrix: Matrix, depth: int) -> None:
        nonlocal visits
        stack: list[Matrix] = []
        ctm = matrix
        for instruction in pikepdf.parse_content_stream(stream, WALKED_OPERATORS):
            operands, operator = instruction.operands, instruction.operator
            op = str(operator)
            if op == "q":
                stack.append(ctm)
            elif op == "Q" and stack:
                ctm = stack.pop()
            elif op == "cm":
                ctm = _multiply(_matrix(operands) or IDENTITY, ctm)
            elif op in RGB_OPERATORS and cmyk:
                report.add("error", "rgb", number, f"RGB colour ({op} {_fmt(operands)})")
            elif op == "Do" and len(operands) == 1:
                xobject = _resource(resources, "/XObject", operands[0])
                if xobject is None:
                    continue
                if str(xobject.get("/Subtype")) == "/Image":
                    _image(report, number, str(operands[0]).lstrip("/"), xobject, ctm, cmyk)
                elif depth < FORM_DEPTH and isinstance(xobject, pikepdf.Stream):
                    visits += 1
                    if visits == FORM_VISITS:
                        report.add("warning", "image-ppi", number,
                                   f"more than {FORM_VISITS} forms placed: the rest of the "
                                   "page was not checked")
                    if visits >= FORM_VISITS:
                        continue
                    form_matrix = _matrix(xobject.get("/Matrix")) or IDENTITY
                    walk(xobject, xobject.get("/Resources", resources),
                         _multiply(form_matrix, ctm), depth + 1)

    walk(page, page.obj.get("/Resources"), IDENTITY, 0)


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


def _fmt(operands) -> str:
    numbers = [_number(v) for v in operands]
    return " ".join("?" if v is None else f"{v:.2f}" for v in numbers)
