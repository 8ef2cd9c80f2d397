"""Preview: PNG thumbnails of a PDF's pages and one contact sheet, rendered with pdfium
(pypdfium2, from PyPI), so no system package is needed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from builder.errors import BrochureError

SHEET_COLUMNS = 4
GAP = 12


@dataclass(frozen=True)
class Preview:
    pages: list[Path]
    sheet: Path


def preview(pdf: Path, folder: Path | None = None, width: int = 300) -> Preview:
    """Render every page `width` pixels wide into folder (default: NAME-preview/ beside the
    PDF) and a contact sheet of all pages, SHEET_COLUMNS to a row."""
    import pypdfium2
    from PIL import Image

    folder = folder or pdf.with_name(f"{pdf.stem}-preview")
    try:
        document = pypdfium2.PdfDocument(str(pdf))
    except (FileNotFoundError, pypdfium2.PdfiumError) as error:
        raise BrochureError(f"cannot read the PDF: {error}", path=pdf,
                            hint="give the path of a PDF made by `brochure build`") from None
    folder.mkdir(parents=True, exist_ok=True)
    images, paths = [], []
    try:
        for number, page in enumerate(document, start=1):
            # show the trimmed page, as the reader will hold it (no bleed, no marks)
            left, bottom, right, top = page.get_trimbox()
            m_left, m_bottom, m_right, m_top = page.get_mediabox()
            crop = (left - m_left, bottom - m_bottom, m_right - right, m_top - top)
            image = page.render(scale=width / (right - left), crop=crop).to_pil().convert("RGB")
            path = folder / f"page-{number:02d}.png"
            image.save(path, optimize=True)
            images.append(image)
            paths.append(path)
            page.close()
    finally:
        document.close()
    height = max(image.height for image in images)
    rows = -(-len(images) // SHEET_COLUMNS)
    sheet = Image.new("RGB", (SHEET_COLUMNS * (width + GAP) + GAP, rows * (height + GAP) + GAP),
                      (128, 128, 128))
    for index, image in enumerate(images):
        row, column = divmod(index, SHEET_COLUMNS)
        sheet.paste(image, (GAP + column * (width + GAP), GAP + row * (height + GAP)))
    sheet_path = folder / "contact-sheet.png"
    sheet.save(sheet_path, optimize=True)
    return Preview(paths, sheet_path)
