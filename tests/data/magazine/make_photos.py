"""Makes the photographs of the magazine test content (tests/data/magazine/photos): landscapes
drawn with Pillow (sky gradient, sun, ridges, grain), small JPEGs, the same bytes each run.

    .venv/bin/python tests/data/magazine/make_photos.py
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

FOLDER = Path(__file__).parent / "photos"
PHOTOS = {  # name: size, sky top and horizon colours, ridge colours, sun
    "river.jpg": ((1200, 800), (38, 84, 140), (236, 190, 140), [(70, 92, 84), (40, 58, 52),
                                                                (22, 34, 30)], (0.7, 0.45)),
    "city.jpg": ((1000, 1250), (20, 24, 60), (230, 120, 80), [(60, 50, 70), (35, 30, 45),
                                                              (15, 14, 22)], (0.3, 0.5)),
    "fields.jpg": ((1200, 900), (120, 170, 210), (240, 230, 200), [(110, 140, 60),
                                                                   (70, 110, 40),
                                                                   (40, 70, 30)], (0.2, 0.3)),
}


def landscape(size: tuple[int, int], top: tuple[int, int, int], horizon: tuple[int, int, int],
              ridges: list[tuple[int, int, int]], sun: tuple[float, float],
              seed: int) -> Image.Image:
    """A sky fading from `top` to `horizon`, a sun, ridges in front of each other, grain."""
    rng = random.Random(seed)
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        share = y / height
        draw.line([(0, y), (width, y)], fill=tuple(
            round(a + (b - a) * min(1.0, share * 1.6)) for a, b in zip(top, horizon, strict=True)))
    cx, cy, radius = sun[0] * width, sun[1] * height, width * 0.07
    draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=(255, 236, 200))
    for index, color in enumerate(ridges):
        base = height * (0.52 + 0.14 * index)
        points = [(0, height)]
        for x in range(0, width + 40, 40):
            base += rng.uniform(-18, 18)
            points.append((x, base - 60 * abs(((x / width) * (3 + index)) % 2 - 1)))
        points.append((width, height))
        draw.polygon(points, fill=color)
    image = image.filter(ImageFilter.GaussianBlur(2))
    grain = Image.frombytes("L", size, rng.randbytes(width * height)).convert("RGB")
    return Image.blend(image, grain, 0.06)


def main() -> None:
    FOLDER.mkdir(exist_ok=True)
    for seed, (name, (size, top, horizon, ridges, sun)) in enumerate(PHOTOS.items()):
        landscape(size, top, horizon, ridges, sun, seed).save(
            FOLDER / name, "JPEG", quality=72, optimize=True)


if __name__ == "__main__":
    main()
