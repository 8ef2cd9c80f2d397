"""Render pages of a built PDF to PNGs for the README: `python tools/page_images.py`.

The README's gallery comes from the print builds, cut to their trim (--trim):
  brochure build
  python tools/page_images.py --trim --prefix default --pages 1,2,3,4,5,9
  brochure build --theme newsletter -o dist/newsletter.pdf
  python tools/page_images.py dist/newsletter.pdf --trim --prefix newsletter --pages 1,2,3,5
  brochure build --theme report -o dist/report.pdf
  python tools/page_images.py dist/report.pdf --trim --prefix report --pages 1,2,3,7,12
  (docs/theming-01.png: the cover of docs/theming.md's walkthrough, page 1 of its build)
  brochure build tests/data/magazine/magazine.yaml -o dist/magazine.pdf
  python tools/page_images.py dist/magazine.pdf --trim --prefix magazine --pages 1,4,5,8,12
  brochure build tests/data/economy/economy.yaml -o dist/economy.pdf
  python tools/page_images.py dist/economy.pdf --trim --prefix tables --pages 3,7,9
and the contact sheets from `brochure preview` (its contact-sheet.png, width 160):
  brochure preview dist/xianan-2022.pdf --out /tmp/p --width 160
  cp /tmp/p/contact-sheet.png docs/contact-default-A4.png   (and A5, newsletter A4 and A5)

Uses pypdfium2 (installed with pdfplumber, a test dependency), so no system packages.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pypdfium2 as pdfium

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("pdf", nargs="?", type=Path, default=ROOT / "dist/xianan-2022.pdf")
    parser.add_argument("--pages", default="1,2,3,4,11", help="1-based page numbers")
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument("--dpi", type=int, default=60)
    parser.add_argument("--prefix", default="page", help="file names: PREFIX-NN.png")
    parser.add_argument("--trim", action="store_true", help="cut each page to its TrimBox")
    args = parser.parse_args()
    document = pdfium.PdfDocument(str(args.pdf))
    args.out.mkdir(exist_ok=True)
    for number in (int(n) for n in args.pages.split(",")):
        page = document[number - 1]
        crop = (0, 0, 0, 0)
        if args.trim:  # (left, bottom, right, top) to cut off, in points
            media, trim = page.get_mediabox(), page.get_trimbox()
            crop = (trim[0] - media[0], trim[1] - media[1], media[2] - trim[2],
                    media[3] - trim[3])
        image = page.render(scale=args.dpi / 72, crop=crop).to_pil()
        target = args.out / f"{args.prefix}-{number:02d}.png"
        image.save(target, optimize=True)
        print(f"wrote {target} ({image.width}x{image.height})")


if __name__ == "__main__":
    main()
