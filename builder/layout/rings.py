"""Layout stage: concentric rings as data and geometry: the ink of each ring, whether it
touches a box, the open sectors around texts, and how far a text may reach beside them."""

from __future__ import annotations

import math
from dataclasses import dataclass

from reportlab.pdfgen.canvas import Canvas

Box = tuple[float, float, float, float]
"""x0, y0, x1, y1 in trim coordinates (points from the trim's lower left corner)."""
Sector = tuple[float, float, float, float]
"""Part of an annulus: from and to angle (degrees counterclockwise from east, from < to),
inner and outer radius."""


@dataclass(frozen=True)
class Rings:
    """Concentric rings as drawn: centre, the step between radii (ring i has radius i ×
    step), count and stroke width; the accent arc's radius and width (0: none); and the
    sectors left open, where a text stands among the rings (each ring and the arc stops
    at a sector's sides, butt-ended)."""

    cx: float
    cy: float
    step: float
    count: int
    width: float
    arc: float = 0.0
    arc_width: float = 0.0
    clear: tuple[Sector, ...] = ()

    def strokes(self) -> list[tuple[float, float]]:
        """The ink of each ring and of the arc: (inner radius, outer radius)."""
        inks = [(i * self.step - self.width / 2, i * self.step + self.width / 2)
                for i in range(1, self.count + 1)]
        if self.arc > 0:
            inks.append((self.arc - self.arc_width / 2, self.arc + self.arc_width / 2))
        return inks

    @property
    def reach(self) -> float:
        """The outer edge of the outermost ink."""
        return max((outer for _, outer in self.strokes()), default=0.0)

    def touches(self, box: Box) -> bool:
        """True if ink of the rings lies inside `box` (none does in an open sector)."""
        if any(in_sector(self.cx, self.cy, box, sector) for sector in self.clear):
            return False
        near = distance(self.cx, self.cy, box)
        far = max(math.hypot(x - self.cx, y - self.cy)
                  for x in (box[0], box[2]) for y in (box[1], box[3]))
        return any(outer >= near and inner <= far for inner, outer in self.strokes())

    def room(self, y0: float, y1: float, pad: float) -> tuple[float, float]:
        """The span of x a text between heights y0 and y1 may take beside the rings,
        keeping `pad` clear of their ink: (left limit, right limit); ±inf where free."""
        radius = self.reach + pad
        dy = 0.0 if y0 <= self.cy <= y1 else min(abs(y0 - self.cy), abs(y1 - self.cy))
        if dy >= radius or self.reach <= 0:
            return -math.inf, math.inf
        half = math.sqrt(radius * radius - dy * dy)
        return self.cx + half, self.cx - half

    def draw(self, canv: Canvas, color: object, arc_color: object | None) -> None:
        """Stroke the rings (and their accent arc), each interrupted at the open sectors:
        the ink itself stays out of them, not only what shows."""
        canv.setStrokeColor(color)
        canv.setLineWidth(self.width)
        for ring in range(1, self.count + 1):
            _circle(canv, self.cx, self.cy, ring * self.step, self.width / 2, self.clear)
        if self.arc > 0 and arc_color is not None:
            canv.setStrokeColor(arc_color)
            canv.setLineWidth(self.arc_width)
            _circle(canv, self.cx, self.cy, self.arc, self.arc_width / 2, self.clear)


def _circle(canv: Canvas, cx: float, cy: float, radius: float, half_width: float,
            clear: tuple[Sector, ...]) -> None:
    """Stroke a circle whose ink runs `half_width` either side, but across the sectors it
    would enter."""
    gaps = sorted((start, end) for start, end, inner, outer in clear
                  if radius + half_width > inner and radius - half_width < outer)
    if not gaps:
        canv.circle(cx, cy, radius, stroke=1, fill=0)
        return
    start = gaps[0][1]
    for begin, end in [*gaps[1:], (gaps[0][0] + 360, gaps[0][1] + 360)]:
        if begin > start:
            canv.arc(cx - radius, cy - radius, cx + radius, cy + radius, start, begin - start)
        start = max(start, end)


def _corner_angles(cx: float, cy: float, box: Box) -> list[float]:
    """The angles of a box's corners seen from a point outside it, in one run of degrees
    (a box west of the point gets angles past 180 rather than a jump to −180)."""
    angles = [math.degrees(math.atan2(y - cy, x - cx)) for x in (box[0], box[2])
              for y in (box[1], box[3])]
    if box[0] < cx and box[1] <= cy <= box[3]:
        angles = [a + 360 if a < 0 else a for a in angles]
    return angles


def sector_around(cx: float, cy: float, box: Box, pad: float) -> Sector:
    """The sector of the circles centred at (cx, cy) that holds `box`, `pad` points more
    all round."""
    near = distance(cx, cy, box)
    far = max(math.hypot(x - cx, y - cy) for x in (box[0], box[2]) for y in (box[1], box[3]))
    if near <= pad:
        return (-180.0, 180.0, 0.0, far + pad)
    angles = _corner_angles(cx, cy, box)
    turn = math.degrees(pad / near)
    return (min(angles) - turn, max(angles) + turn, near - pad, far + pad)


def in_sector(cx: float, cy: float, box: Box, sector: Sector) -> bool:
    """True if `box` lies inside the sector."""
    start, end, inner, outer = sector
    far = max(math.hypot(x - cx, y - cy) for x in (box[0], box[2]) for y in (box[1], box[3]))
    if distance(cx, cy, box) < inner or far > outer:
        return False
    if end - start >= 360:
        return True
    return all(any(start <= angle + turn <= end for turn in (-360, 0, 360))
               for angle in _corner_angles(cx, cy, box))


def distance(cx: float, cy: float, box: Box) -> float:
    """From a point to the nearest point of a box (0 inside it)."""
    dx = max(box[0] - cx, 0.0, cx - box[2])
    dy = max(box[1] - cy, 0.0, cy - box[3])
    return math.hypot(dx, dy)
