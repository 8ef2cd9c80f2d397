"""Print stage: preflight a PDF the way a print shop does, before it goes to press.

Rules (ids in brackets): fonts embedded and subset [font-embedded, font-subset]; no RGB in a
print file [rgb]; TrimBox and BleedBox on every page, nested in the MediaBox [boxes]; at least
3 mm bleed [bleed]; images at 300 ppi or more where placed [image-ppi]; images without an
alpha channel or soft mask, which a press flattens in ways of its own [image-alpha]; no text
within 3 mm of the trim [safety]; pages a multiple of 4 for saddle stitch [page-count]; a PDF/X
output intent [output-intent]. Which rules apply follows the output profile.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

from builder.findings import Finding, Severity
from builder.pdf.printing import open_pdf
from builder.pdf.profile import PRINT, OutputProfile
from builder.source.theme import MM

MIN_BLEED = 3 * MM
SAFETY = 3 * MM
MIN_PPI = 300
POOR_PPI = 150
RGB_OPERATORS = {"rg", "RG"}


@dataclass
class PreflightReport:
    path: str
    pages: int
    profile: str
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
        lines = [f"preflight of {self.path}: {self.pages} pages, {self.profile} profile"]
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


def preflight(path: Path, profile: OutputProfile = PRINT,
              saddle_stitch: bool = True) -> PreflightReport:
    """Check a PDF; for a screen file, the rules about colour, boxes, bleed and the output
    intent do not apply."""

    with open_pdf(path) as document:
        report = PreflightReport(str(path), len(document.pages), profile.name)
        cmyk = profile.color_space == "CMYK"
        report.checked = ["font-embedded", "font-subset", "image-ppi", "image-alpha", "safety"]
        if cmyk:
            report.checked.append("rgb")
        if profile.marks:
            report.checked += ["boxes", "bleed"]
        if profile.pdfx:
            report.checked.append("output-intent")
        if saddle_stitch:
            report.checked.append("page-count")
        for number, page in enumerate(document.pages, start=1):
            _fonts(report, number, page.obj.get("/Resources"), set())
            _contents(report, number, page, cmyk)
            if profile.marks:
                _boxes(report, number, page.obj)
        if profile.pdfx and "/OutputIntents" not in document.Root:
            report.add("error", "output-intent", None,
                       "no PDF/X output intent: the shop cannot tell which press the CMYK targets")
        if saddle_stitch and report.pages % 4:
            report.add("warning", "page-count", None,
                       f"{report.pages} pages is not a multiple of 4: saddle stitch needs "
                       f"{-(-report.pages // 4) * 4} (brochure impose pads with blanks)")
    _safety(report, path)
    return report


def _fonts(report: PreflightReport, number: int, resources, seen: set[int]) -> None:
    """Every font reachable from the resources (and their forms) embedded and subset."""
    if resources is None:
        return
    for font in (resources.get("/Font") or {}).values():
        if font.objgen in seen:
            continue
        seen.add(font.objgen)
        name = str(font.get("/BaseFont", "?")).lstrip("/")
        descriptor = font.get("/FontDescriptor")
        if "/DescendantFonts" in font:
            descriptor = font.DescendantFonts[0].get("/FontDescriptor")
        if str(font.get("/Subtype")) == "/Type3":
            continue
        if descriptor is None or not any(k in descriptor for k in
                                         ("/FontFile", "/FontFile2", "/FontFile3")):
            report.add("error", "font-embedded", number, f"font {name} is not embedded")
        elif not (len(name) > 7 and name[6] == "+" and name[:6].isupper()):
            report.add("warning", "font-subset", number, f"font {name} is embedded whole")
    for xobject in (resources.get("/XObject") or {}).values():
        if str(xobject.get("/Subtype")) == "/Form" and xobject.objgen not in seen:
            seen.add(xobject.objgen)
            _fonts(report, number, xobject.get("/Resources"), seen)


def _contents(report: PreflightReport, number: int, page, cmyk: bool) -> None:
    """Walk the page's drawing operators: RGB colour, image resolution and alpha."""
    import pikepdf

    def walk(stream, resources, matrix: tuple[float, ...], depth: int) -> None:
        stack: list[tuple[float, ...]] = []
        ctm = matrix
        for instruction in pikepdf.parse_content_stream(stream):
            operands, operator = instruction.operands, instruction.operator
            op = str(operator)
            if op == "q":
                stack.append(ctm)
            elif op == "Q" and stack:
                ctm = stack.pop()
            elif op == "cm":
                ctm = _multiply(tuple(float(v) for v in operands), ctm)
            elif op in RGB_OPERATORS and cmyk:
                report.add("error", "rgb", number, f"RGB colour ({op} {_fmt(operands)})")
            elif op == "Do" and resources is not None:
                xobject = (resources.get("/XObject") or {}).get(operands[0])
                if xobject is None:
                    continue
                if str(xobject.get("/Subtype")) == "/Image":
                    _image(report, number, str(operands[0]).lstrip("/"), xobject, ctm, cmyk)
                elif depth < 8:
                    form_matrix = tuple(float(v) for v in xobject.get("/Matrix",
                                                                      [1, 0, 0, 1, 0, 0]))
                    walk(xobject, xobject.get("/Resources", resources),
                         _multiply(form_matrix, ctm), depth + 1)

    walk(page, page.obj.get("/Resources"), (1, 0, 0, 1, 0, 0), 0)


def _image(report: PreflightReport, number: int, name: str, image, ctm: tuple[float, ...],
           cmyk: bool) -> None:
    """One placed image: its effective resolution, alpha and colour space."""
    pixels = f"image {name} ({int(image.Width)}×{int(image.Height)} px)"
    if "/SMask" in image or "/Mask" in image or int(image.get("/SMaskInData", 0)):
        report.add("warning", "image-alpha", number,
                   f"{pixels} has an alpha channel or mask: flatten it onto the paper colour")
    if cmyk and _is_rgb(image.get("/ColorSpace")):
        report.add("error", "rgb", number, f"RGB {pixels}: convert it to CMYK")
    width_pt = math.hypot(ctm[0], ctm[1])
    height_pt = math.hypot(ctm[2], ctm[3])
    if width_pt <= 0 or height_pt <= 0:
        return
    ppi = min(int(image.Width) / (width_pt / 72), int(image.Height) / (height_pt / 72))
    if ppi < MIN_PPI:
        report.add("error" if ppi < POOR_PPI else "warning", "image-ppi", number,
                   f"{pixels} placed at {width_pt / MM:.0f}×{height_pt / MM:.0f} mm is "
                   f"{ppi:.0f} ppi (print needs {MIN_PPI})")


def _is_rgb(space) -> bool:
    """DeviceRGB, or an ICC-based space with three components (also as an Indexed base)."""
    import pikepdf

    if space is None:
        return False
    if not isinstance(space, pikepdf.Array):
        return str(space) == "/DeviceRGB"
    family = str(space[0])
    if family == "/ICCBased":
        return int(space[1].get("/N", 0)) == 3
    if family == "/Indexed":
        return _is_rgb(space[1])
    return False


def _boxes(report: PreflightReport, number: int, page) -> None:
    media = _rect(page.get("/MediaBox"))
    trim, bleed = _rect(page.get("/TrimBox")), _rect(page.get("/BleedBox"))
    if trim is None or bleed is None:
        missing = " and ".join(n for n, b in (("TrimBox", trim), ("BleedBox", bleed)) if b is None)
        report.add("error", "boxes", number, f"no {missing}")
        return
    if not (_inside(trim, bleed) and media is not None and _inside(bleed, media)):
        report.add("error", "boxes", number, "boxes not nested: TrimBox ⊆ BleedBox ⊆ MediaBox")
    margin = min(trim[0] - bleed[0], trim[1] - bleed[1], bleed[2] - trim[2], bleed[3] - trim[3])
    if margin < MIN_BLEED - 0.01:
        report.add("error", "bleed", number,
                   f"bleed is {margin / MM:.1f} mm; print needs at least 3 mm on every side")


def _safety(report: PreflightReport, path: Path) -> None:
    """No text within 3 mm of the trim edge (or outside the trim)."""
    import pikepdf
    import pypdfium2

    with pikepdf.open(path) as document:
        trims = [_rect(p.obj.get("/TrimBox")) or _rect(p.obj.get("/MediaBox"))
                 for p in document.pages]
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        for number, page in enumerate(pdf, start=1):
            trim = trims[number - 1]
            if trim is None:  # a page without a box: the box check reports it
                continue
            text = page.get_textpage()
            close = []
            for index in range(text.count_chars()):
                char = text.get_text_range(index, 1)
                if not char.strip():
                    continue
                left, bottom, right, top = text.get_charbox(index)
                if (left < trim[0] + SAFETY or bottom < trim[1] + SAFETY
                        or right > trim[2] - SAFETY or top > trim[3] - SAFETY):
                    close.append(char)
            if close:
                report.add("error", "safety", number,
                           f"{len(close)} characters within 3 mm of the trim: "
                           f"{''.join(close[:12])}")
            text.close()
            page.close()
    finally:
        pdf.close()


def _rect(box) -> tuple[float, float, float, float] | None:
    if box is None:
        return None
    x0, y0, x1, y1 = (float(v) for v in box)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _inside(inner: tuple[float, ...], outer: tuple[float, ...]) -> bool:
    return (inner[0] >= outer[0] - 0.01 and inner[1] >= outer[1] - 0.01
            and inner[2] <= outer[2] + 0.01 and inner[3] <= outer[3] + 0.01)


def _multiply(m: tuple[float, ...], n: tuple[float, ...]) -> tuple[float, ...]:
    """m × n for PDF matrices [a b c d e f]."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s,
            e * p + f * r + t, e * q + f * s + u)


def _fmt(operands) -> str:
    return " ".join(f"{float(v):.2f}" for v in operands)
