"""Print stage: page boxes and crop marks, PDF/X-4 finishing, reproducible files.

Layout draws each page on paper larger than the trim (trim + bleed + slug for the marks);
`draw_marks` adds crop, fold and registration marks in the registration colour; `prepare_pdf` adds
the output intent, PDF/X keys, XMP metadata and fixed dates before ReportLab writes the file,
and `stamp_document_id` gives it a content-derived document ID.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import re
import uuid
import zlib
from dataclasses import dataclass
from html import escape
from typing import Literal

from reportlab.lib.colors import CMYKColorSep
from reportlab.pdfbase.pdfdoc import (
    PDFArray,
    PDFDictionary,
    PDFInfo,
    PDFName,
    PDFStream,
    PDFString,
)
from reportlab.pdfgen.canvas import Canvas

from builder import data
from builder.engine.private import (
    declare_catalog_key,
    document_info,
    indirect_object,
    set_document_id,
    set_document_info,
)
from builder.errors import BrochureError
from builder.pdf.profile import OutputProfile
from builder.pdf.reading import BROCHURE_NS
from builder.source.model import Meta
from builder.source.theme import MM, Theme

OUTPUT_CONDITION = "FOGRA39"
OUTPUT_CONDITION_INFO = ("Offset printing on coated paper, characterization FOGRA39 "
                         "(ISO 12647-2:2004/Amd 1)")
REGISTRATION = CMYKColorSep(1, 1, 1, 1, spotName="All")
"""The registration colour: prints on every separation."""
PrintKind = Literal["pages", "booklet", "cover"]
"""What a print file holds, for preflight's rules (brochure:kind in its XMP): the pages in
reading order, imposed booklet sheets (builder/pdf/impose.py), or a perfect-bound book's
cover spread."""


@dataclass(frozen=True)
class Sheet:
    """Where the trimmed page sits on the PDF page (all in points)."""

    trim_width: float
    trim_height: float
    bleed: float
    slug: float

    @classmethod
    def of(cls, theme: Theme) -> Sheet:
        return cls(theme.page_width, theme.page_height, theme.print.bleed,
                   theme.print.slug)

    @property
    def media(self) -> tuple[float, float]:
        return self.trim_width + 2 * self.slug, self.trim_height + 2 * self.slug

    @property
    def trim_box(self) -> tuple[float, float, float, float]:
        return (self.slug, self.slug, self.slug + self.trim_width, self.slug + self.trim_height)

    @property
    def bleed_box(self) -> tuple[float, float, float, float]:
        return grown(self.trim_box, self.bleed)


def grown(box: tuple[float, float, float, float], by: float
          ) -> tuple[float, float, float, float]:
    """A box (x0, y0, x1, y1) grown by `by` on every side: a trim box's bleed box."""
    x0, y0, x1, y1 = box
    return x0 - by, y0 - by, x1 + by, y1 + by


def has_marks(theme: Theme) -> bool:
    """Whether the theme's pages have a slug with crop marks (print) or none (screen)."""
    return Sheet.of(theme).slug > 0 and theme.print.crop_mark_length > 0


@dataclass(frozen=True)
class Marks:
    """Crop, fold and registration marks, in points: they start this far outside the trim,
    are this long and this wide (the default theme's print values unless a theme's)."""

    offset: float = 3 * MM
    length: float = 5 * MM
    width: float = 0.25

    @classmethod
    def of(cls, theme: Theme) -> Marks:
        return cls(theme.print.crop_mark_offset, theme.print.crop_mark_length,
                   theme.print.crop_mark_width)


def draw_marks(canvas: Canvas, marks: Marks, trim_box: tuple[float, float, float, float],
               folds: tuple[float, ...] = ()) -> None:
    """Crop marks at the four corners of `trim_box`, a dashed fold mark above and below each
    x of `folds` (a booklet sheet's spine, a cover spread's two), and registration targets
    at the sides (above and below each panel wide enough for one), all outside the bleed,
    in the registration colour."""
    offset, length = marks.offset, marks.length
    if length <= 0:
        return
    x0, y0, x1, y1 = trim_box
    canvas.saveState()
    canvas.setStrokeColor(REGISTRATION)
    canvas.setLineWidth(marks.width)
    for x, y, dx, dy in ((x0, y0, -1, -1), (x1, y0, 1, -1), (x0, y1, -1, 1), (x1, y1, 1, 1)):
        canvas.line(x + dx * offset, y, x + dx * (offset + length), y)
        canvas.line(x, y + dy * offset, x, y + dy * (offset + length))
    canvas.setDash(length / 5, length / 10)
    for x in folds:
        canvas.line(x, y0 - offset, x, y0 - offset - length)
        canvas.line(x, y1 + offset, x, y1 + offset + length)
    canvas.setDash()
    radius, arm = length / 3, length / 2  # the cross spans the crop marks' length: its arm
    middle = offset + length / 2           # towards the page ends at the bleed, not in it
    edges = [x0, *folds, x1]
    columns = [(a + b) / 2 for a, b in zip(edges, edges[1:], strict=False)
               if b - a >= 4 * length]  # clear of the fold marks (a spine is too narrow)
    targets = [(cx, cy) for cx in columns or [(x0 + x1) / 2] for cy in (y0 - middle, y1 + middle)]
    for cx, cy in (*targets, (x0 - middle, (y0 + y1) / 2), (x1 + middle, (y0 + y1) / 2)):
        canvas.circle(cx, cy, radius, stroke=1, fill=0)
        canvas.line(cx - arm, cy, cx + arm, cy)
        canvas.line(cx, cy - arm, cx, cy + arm)
    canvas.restoreState()


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


class FinishedInfo(PDFInfo):
    """The Info dictionary with fixed dates, /Trapped and (for print) /GTS_PDFXVersion."""

    def __init__(self, fields: dict[str, str], stamp: str, pdfx_version: str | None) -> None:
        super().__init__()
        self.__dict__.update(fields)  # title, author, subject, keywords, creator, producer
        self.stamp, self.pdfx_version = stamp, pdfx_version

    def format(self, document: object) -> bytes:
        entries = {"Title": PDFString(self.title), "Author": PDFString(self.author),
                   "Subject": PDFString(self.subject), "Keywords": PDFString(self.keywords),
                   "Creator": PDFString(self.creator), "Producer": PDFString(self.producer),
                   "CreationDate": PDFString(self.stamp), "ModDate": PDFString(self.stamp),
                   "Trapped": PDFName("False")}
        if self.pdfx_version:
            entries["GTS_PDFXVersion"] = PDFString(self.pdfx_version)
        return PDFDictionary(entries).format(document)


ID_PLACEHOLDER = "5fd1e3b0c2a49e7781f06ad3b8c94e21"
INSTANCE_PLACEHOLDER = "a0c3f96e4b1d42878e5c0b9d6f2e7a13"
"""Stand-ins for the document and instance IDs until the file's bytes are known."""


def pdf_version(profile: OutputProfile) -> tuple[int, int]:
    """The PDF version a file declares at least: 1.6 for PDF/X-4 (print), else 1.7 (PDF/UA-1
    is based on it; /Tabs needs 1.5)."""
    return (1, 6) if profile.pdfx else (1, 7)


def prepare_pdf(canvas: Canvas, meta: Meta, profile: OutputProfile,
                binding: str = "saddle", kind: PrintKind = "pages", grid: bool = False) -> None:
    """Before ReportLab writes the file: fixed dates, /Trapped, XMP metadata and, for a PDF/X
    profile (print), the PDF/X-4 output intent and version keys (the canvas is made with
    `pdf_version`), what the file holds (`kind`) and whether its body is on a baseline grid
    (`grid`, the theme's design.grid). The IDs are placeholders that
    `stamp_document_id` fills in from the finished bytes."""
    date = build_date(meta)
    pdfx_version = "PDF/X-4" if profile.pdfx else None
    fields = document_info(canvas)
    set_document_info(canvas, FinishedInfo(fields, date.strftime("D:%Y%m%d%H%M%SZ"),
                                           pdfx_version))
    xmp = xmp_packet(meta, date, fields["producer"], pdfx_version,
                     pdfua=not profile.pdfx,
                     binding=binding if profile.pad_pages else None,
                     kind=kind if profile.pdfx else None, grid=grid).encode()
    canvas.setCatalogEntry("Metadata", PDFStream(
        PDFDictionary({"Type": PDFName("Metadata"), "Subtype": PDFName("XML")}), xmp))
    if profile.pdfx:
        icc = PDFStream(PDFDictionary({"N": 4, "Filter": PDFName("FlateDecode")}),
                        _compressed_profile())
        declare_catalog_key(canvas, "OutputIntents")
        canvas.setCatalogEntry("OutputIntents", PDFArray([PDFDictionary({
            "Type": PDFName("OutputIntent"), "S": PDFName("GTS_PDFX"),
            "OutputConditionIdentifier": PDFString(OUTPUT_CONDITION),
            "OutputCondition": PDFString(OUTPUT_CONDITION_INFO),
            "RegistryName": PDFString("http://www.color.org"),
            "Info": PDFString("Coated FOGRA39"),
            "DestOutputProfile": indirect_object(canvas, icc)})]))
    set_document_id(canvas, f"\n[<{ID_PLACEHOLDER}><{ID_PLACEHOLDER}>]\n".encode())




def xmp_packet(meta: Meta, date: dt.datetime, producer: str, pdfx_version: str | None,
               pdfua: bool = False, binding: str | None = None,
               kind: PrintKind | None = None, grid: bool = False) -> str:
    """The XMP metadata: the same title, author, language and dates as the Info dictionary;
    with `pdfua`, the PDF/UA-1 identification the screen edition aims at (its tags:
    builder/typeset/tags.py); with `binding`, how a print file is bound (saddle, perfect),
    for preflight's page count; with `kind`, what the print file holds (`PrintKind`); with
    `grid`, that the body is set on a baseline grid (the typography report's rule)."""
    iso = date.strftime("%Y-%m-%dT%H:%M:%SZ")
    lines = [f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{_xml(meta.title)}'
             "</rdf:li></rdf:Alt></dc:title>"]
    if meta.issuer:
        lines.append(f"<dc:creator><rdf:Seq><rdf:li>{_xml(meta.issuer)}</rdf:li></rdf:Seq>"
                     "</dc:creator>")
    lines += [f"<dc:language><rdf:Bag><rdf:li>{_xml(meta.language)}</rdf:li></rdf:Bag>"
              "</dc:language>",
              f"<xmp:CreateDate>{iso}</xmp:CreateDate>",
              f"<xmp:ModifyDate>{iso}</xmp:ModifyDate>",
              f"<xmp:MetadataDate>{iso}</xmp:MetadataDate>",
              "<xmp:CreatorTool>brochure</xmp:CreatorTool>",
              f"<pdf:Producer>{_xml(producer)}</pdf:Producer>",
              "<pdf:Trapped>False</pdf:Trapped>",
              f"<xmpMM:DocumentID>uuid:{uuid.UUID(ID_PLACEHOLDER)}</xmpMM:DocumentID>",
              f"<xmpMM:InstanceID>uuid:{uuid.UUID(INSTANCE_PLACEHOLDER)}</xmpMM:InstanceID>",
              "<xmpMM:RenditionClass>default</xmpMM:RenditionClass>",
              "<xmpMM:VersionID>1</xmpMM:VersionID>"]
    if pdfx_version:
        lines.append(f"<pdfxid:GTS_PDFXVersion>{pdfx_version}</pdfxid:GTS_PDFXVersion>")
    if pdfua:
        lines.append("<pdfuaid:part>1</pdfuaid:part>")
    if binding:
        lines.append(f"<brochure:binding>{binding}</brochure:binding>")
    if kind:
        lines.append(f"<brochure:kind>{kind}</brochure:kind>")
    if grid:
        lines.append("<brochure:grid>on</brochure:grid>")
    body = "\n   ".join(lines)
    return ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
            '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
            ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
            '  <rdf:Description rdf:about=""\n'
            '    xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
            '    xmlns:xmp="http://ns.adobe.com/xap/1.0/"\n'
            '    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"\n'
            '    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"\n'
            '    xmlns:pdfxid="http://www.npes.org/pdfx/ns/id/"\n'
            '    xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"\n'
            f'    xmlns:brochure="{BROCHURE_NS}">\n'
            f"   {body}\n"
            "  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n"
            '<?xpacket end="w"?>')


def stamp_document_id(pdf: bytes) -> bytes:
    """Replace the ID placeholders with IDs taken from the file's SHA-256, so the same
    content always gives the same file and different content a different ID. The
    replacements have the placeholders' length, so the cross-reference table stays right."""
    digest = hashlib.sha256(pdf).hexdigest()
    document_id, instance_id = digest[:32], digest[32:]
    replacements = {f"<{ID_PLACEHOLDER}>": f"<{document_id}>",
                    str(uuid.UUID(ID_PLACEHOLDER)): str(uuid.UUID(document_id)),
                    str(uuid.UUID(INSTANCE_PLACEHOLDER)): str(uuid.UUID(instance_id))}
    for placeholder, value in replacements.items():
        if placeholder.encode() not in pdf:
            raise BrochureError(f"the laid-out PDF has no ID placeholder {placeholder}",
                                hint="this is a bug; please report it")
        pdf = pdf.replace(placeholder.encode(), value.encode())
    return pdf


def _xml(text: str) -> str:
    return escape(text, quote=False)


@functools.cache
def _compressed_profile() -> bytes:
    return zlib.compress(data.icc_profile().read_bytes(), 1)  # 3 ms; level 6 is 12 ms for 9 KB less
