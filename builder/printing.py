"""Print stage: page boxes and crop marks, CMYK images, PDF/X-4 finishing, reproducible files.

Layout draws each page on paper larger than the trim (trim + bleed + slug for the marks);
`draw_marks` adds crop and registration marks in the registration colour; `finish_pdf` adds
the output intent, PDF/X keys, XMP metadata, fixed dates and a content-derived document ID.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.colors import CMYKColorSep
from reportlab.pdfgen.canvas import Canvas

from builder.errors import BrochureError
from builder.model import Meta
from builder.theme import Theme

ICC_PROFILE = Path(__file__).resolve().parent / "color" / "FOGRA39L-brochure.icc"
OUTPUT_CONDITION = "FOGRA39"
OUTPUT_CONDITION_INFO = ("Offset printing on coated paper, characterization FOGRA39 "
                         "(ISO 12647-2:2004/Amd 1)")
REGISTRATION = CMYKColorSep(1, 1, 1, 1, spotName="All")
"""The registration colour: prints on every separation."""


@dataclass(frozen=True)
class Sheet:
    """Where the trimmed page sits on the PDF page (all in points)."""

    trim_width: float
    trim_height: float
    bleed: float
    slug: float

    @classmethod
    def of(cls, theme: Theme) -> Sheet:
        return cls(theme.page_width, theme.page_height, theme.print["bleed"],
                   theme.print["slug"])

    @property
    def media(self) -> tuple[float, float]:
        return self.trim_width + 2 * self.slug, self.trim_height + 2 * self.slug

    @property
    def trim_box(self) -> tuple[float, float, float, float]:
        return (self.slug, self.slug, self.slug + self.trim_width, self.slug + self.trim_height)

    @property
    def bleed_box(self) -> tuple[float, float, float, float]:
        x0, y0, x1, y1 = self.trim_box
        return x0 - self.bleed, y0 - self.bleed, x1 + self.bleed, y1 + self.bleed


def draw_marks(canvas: Canvas, theme: Theme) -> None:
    """Crop marks at the four trim corners and registration targets at the four sides,
    all outside the bleed, in the registration colour."""
    sheet = Sheet.of(theme)
    offset, length = theme.print["crop_mark_offset"], theme.print["crop_mark_length"]
    if sheet.slug <= 0 or length <= 0:
        return
    x0, y0, x1, y1 = sheet.trim_box
    canvas.saveState()
    canvas.setStrokeColor(REGISTRATION)
    canvas.setLineWidth(theme.print["crop_mark_width"])
    for x, y, dx, dy in ((x0, y0, -1, -1), (x1, y0, 1, -1), (x0, y1, -1, 1), (x1, y1, 1, 1)):
        canvas.line(x + dx * offset, y, x + dx * (offset + length), y)
        canvas.line(x, y + dy * offset, x, y + dy * (offset + length))
    radius = length / 3
    middle = offset + length / 2
    for cx, cy in (((x0 + x1) / 2, y0 - middle), ((x0 + x1) / 2, y1 + middle),
                   (x0 - middle, (y0 + y1) / 2), (x1 + middle, (y0 + y1) / 2)):
        canvas.circle(cx, cy, radius, stroke=1, fill=0)
        canvas.line(cx - radius * 1.6, cy, cx + radius * 1.6, cy)
        canvas.line(cx, cy - radius * 1.6, cx, cy + radius * 1.6)
    canvas.restoreState()


def cmyk_image(path: Path):
    """An image converted to device CMYK through the output-intent profile, for print."""
    from PIL import Image, ImageCms
    from reportlab.lib.utils import ImageReader

    with Image.open(path) as image:
        image.load()
        if image.mode == "CMYK":
            return ImageReader(image.copy())
        rgb = image.convert("RGB")
        transform = ImageCms.buildTransform(ImageCms.createProfile("sRGB"),
                                            ImageCms.getOpenProfile(str(ICC_PROFILE)),
                                            "RGB", "CMYK")
        return ImageReader(ImageCms.applyTransform(rgb, transform))


def build_date(meta: Meta) -> dt.datetime:
    """The file's date: SOURCE_DATE_EPOCH if set, else the content's date (year[-month[-day]])."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    try:
        if epoch and epoch.isdigit():
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
        # 2022, 2022-10, 2022-10-01, 2022/10/01 or 2022年10月1日: year, month, day in order
        parts = [int(p) for p in re.findall(r"\d+", meta.date)[:3]]
        parts += [1] * (3 - len(parts))
        return dt.datetime(parts[0], parts[1], parts[2], tzinfo=dt.UTC)
    except (ValueError, OverflowError, OSError):
        return dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def finish_pdf(pdf: bytes, meta: Meta, print_profile: bool) -> bytes:
    """Dates, XMP, document ID and (for print) the PDF/X-4 output intent and version keys."""
    import pikepdf

    date = build_date(meta)
    stamp = date.strftime("D:%Y%m%d%H%M%SZ")
    iso = date.strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        document = pikepdf.open(io.BytesIO(pdf))
    except pikepdf.PdfError as error:
        raise BrochureError(f"the laid-out PDF cannot be read back: {error}",
                            hint="this is a bug; please report it") from None
    with document:
        info = document.docinfo
        info[pikepdf.Name.CreationDate] = stamp
        info[pikepdf.Name.ModDate] = stamp
        info[pikepdf.Name.Trapped] = pikepdf.Name("/False")
        if print_profile:
            info[pikepdf.Name.GTS_PDFXVersion] = "PDF/X-4"
            profile = document.make_stream(ICC_PROFILE.read_bytes())
            profile[pikepdf.Name.N] = 4
            document.Root.OutputIntents = pikepdf.Array([pikepdf.Dictionary(
                Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFX,
                OutputConditionIdentifier=OUTPUT_CONDITION,
                OutputCondition=OUTPUT_CONDITION_INFO,
                RegistryName="http://www.color.org",
                Info="Coated FOGRA39", DestOutputProfile=profile)])
        with document.open_metadata(set_pikepdf_as_editor=False,
                                    update_docinfo=False) as xmp:
            xmp["dc:title"] = meta.title
            if meta.issuer:
                xmp["dc:creator"] = [meta.issuer]
            xmp["dc:language"] = [meta.language]
            xmp["xmp:CreateDate"] = iso
            xmp["xmp:ModifyDate"] = iso
            xmp["xmp:MetadataDate"] = iso
            xmp["xmp:CreatorTool"] = "brochure"
            xmp["pdf:Producer"] = str(info.get("/Producer", "brochure"))
            xmp["pdf:Trapped"] = "False"
            if print_profile:
                xmp["pdfxid:GTS_PDFXVersion"] = "PDF/X-4"
                xmp["xmpMM:DocumentID"] = f"uuid:{uuid.UUID(hex=_digest(pdf)[:32])}"
                xmp["xmpMM:InstanceID"] = f"uuid:{uuid.UUID(hex=_digest(pdf)[32:64])}"
                xmp["xmpMM:RenditionClass"] = "default"
                xmp["xmpMM:VersionID"] = "1"
        out = io.BytesIO()
        document.save(out, deterministic_id=True, min_version="1.6" if print_profile else "1.4",
                      compress_streams=True)
    return out.getvalue()


def open_pdf(path: Path):
    """Open a PDF with pikepdf, or raise a BrochureError naming it."""
    import pikepdf

    try:
        return pikepdf.open(path)
    except (FileNotFoundError, IsADirectoryError, pikepdf.PdfError) as error:
        raise BrochureError(f"cannot read the PDF: {error}", path=path,
                            hint="give the path of a PDF, e.g. one built by `brochure build`") \
            from None


def _digest(data: bytes) -> str:
    import hashlib
    return hashlib.sha256(data).hexdigest()
