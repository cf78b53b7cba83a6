"""Draws the extension's icon, images/icon.png: a white shield with a check mark on a
teal rounded square, 128x128, with the Python standard library only (no image library).

Run from the repository root after changing the drawing: python3 scripts/draw-icon.py
The PNG is committed; packaging does not run this script.
"""

from __future__ import annotations

import math
import struct
import sys
import zlib
from pathlib import Path

SIZE = 128
SAMPLES = 4  # per axis: 16 samples a pixel smooth the edges
TOP, BOTTOM = (20, 184, 166), (15, 94, 89)  # teal, lighter at the top
SHIELD = (255, 255, 255)
CHECK = (17, 118, 110)
OUT = Path(__file__).resolve().parent.parent / "images" / "icon.png"


def in_rounded_square(x: float, y: float, radius: float = 26.0) -> bool:
    dx = max(radius - x, x - (SIZE - radius), 0.0)
    dy = max(radius - y, y - (SIZE - radius), 0.0)
    return dx * dx + dy * dy <= radius * radius


def in_shield(x: float, y: float) -> bool:
    """Straight sides from the top down to `waist`, then curving to a point."""
    center, half, top, waist, bottom = 64.0, 34.0, 22.0, 62.0, 110.0
    if not top <= y <= bottom:
        return False
    if y <= waist:
        # The top edge dips a little towards the middle, like a heater shield.
        dip = 5.0 * (1 - ((x - center) / half) ** 2) if abs(x - center) <= half else 0.0
        return abs(x - center) <= half and y >= top + dip
    t = (y - waist) / (bottom - waist)
    return abs(x - center) <= half * math.sqrt(max(0.0, 1 - t * t)) * (1 - 0.35 * t)


def near_segment(x: float, y: float, a: tuple[float, float], b: tuple[float, float]) -> bool:
    (ax, ay), (bx, by) = a, b
    length2 = (bx - ax) ** 2 + (by - ay) ** 2
    t = max(0.0, min(1.0, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / length2))
    px, py = ax + t * (bx - ax), ay + t * (by - ay)
    return (x - px) ** 2 + (y - py) ** 2 <= 6.0**2


def in_check(x: float, y: float) -> bool:
    corner = (58.0, 80.0)
    return near_segment(x, y, (44.0, 64.0), corner) or near_segment(x, y, corner, (84.0, 48.0))


def colour_at(x: float, y: float) -> tuple[float, float, float, float]:
    if not in_rounded_square(x, y):
        return (0.0, 0.0, 0.0, 0.0)
    if in_shield(x, y):
        return (*CHECK, 255.0) if in_check(x, y) else (*SHIELD, 255.0)
    t = y / SIZE
    return (*(top + (bottom - top) * t for top, bottom in zip(TOP, BOTTOM, strict=True)), 255.0)


def pixel(px: int, py: int) -> bytes:
    total = [0.0, 0.0, 0.0, 0.0]
    for sy in range(SAMPLES):
        for sx in range(SAMPLES):
            r, g, b, a = colour_at(px + (sx + 0.5) / SAMPLES, py + (sy + 0.5) / SAMPLES)
            total = [total[0] + r * a, total[1] + g * a, total[2] + b * a, total[3] + a]
    alpha = total[3]
    if alpha == 0:
        return bytes(4)
    return bytes(
        [round(total[0] / alpha), round(total[1] / alpha), round(total[2] / alpha)]
        + [round(alpha / SAMPLES**2)]
    )


def png(width: int, height: int, rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    raw = b"".join(b"\x00" + row for row in rows)  # filter type 0 on every row
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main() -> int:
    rows = [b"".join(pixel(x, y) for x in range(SIZE)) for y in range(SIZE)]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(png(SIZE, SIZE, rows))
    print(f"wrote {OUT.relative_to(Path.cwd()) if OUT.is_relative_to(Path.cwd()) else OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
