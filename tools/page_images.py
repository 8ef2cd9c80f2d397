"""Render pages of a built PDF to PNGs for the README: `python tools/page_images.py`.

The README's pictures come from screen builds (no crop marks):
  brochure build --profile screen -o dist/default-screen.pdf
  python tools/page_images.py dist/default-screen.pdf --prefix default
  brochure build --profile screen --theme newsletter -o dist/newsletter-screen.pdf
  python tools/page_images.py dist/newsletter-screen.pdf --prefix newsletter --pages 1,2,3,7

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
    args = parser.parse_args()
    document = pdfium.PdfDocument(str(args.pdf))
    args.out.mkdir(exist_ok=True)
    for number in (int(n) for n in args.pages.split(",")):
        image = document[number - 1].render(scale=args.dpi / 72).to_pil()
        target = args.out / f"{args.prefix}-{number:02d}.png"
        image.save(target, optimize=True)
        print(f"wrote {target} ({image.width}x{image.height})")


if __name__ == "__main__":
    main()
