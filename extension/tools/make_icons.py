"""Draw the extension's toolbar icons (16, 32, 48, 128 px) with the stdlib only.

The mark: a teal disc with a white ring and a white centre dot, the same
"target" the overlay's badge shows. Run from extension/: python3 tools/make_icons.py
"""

import math
import struct
import zlib
from pathlib import Path

TEAL = (14, 124, 102)
WHITE = (255, 255, 255)


def coverage(dist: float, edge: float) -> float:
    """Antialiased inside-ness of a pixel at `dist` from the centre for a disc of radius `edge`."""
    return max(0.0, min(1.0, edge - dist + 0.5))


def pixel(x: float, y: float, size: int) -> tuple[int, int, int, int]:
    c = size / 2
    d = math.hypot(x - c, y - c)
    r = size / 2 - 0.5
    disc = coverage(d, r)
    if disc == 0:
        return (0, 0, 0, 0)
    # white ring between 0.48r and 0.66r, white dot inside 0.24r
    ring = coverage(d, 0.66 * r) - coverage(d, 0.48 * r)
    dot = coverage(d, 0.24 * r)
    w = min(1.0, ring + dot)
    rgb = tuple(round(t * (1 - w) + h * w) for t, h in zip(TEAL, WHITE, strict=True))
    return (*rgb, round(255 * disc))


def png(size: int) -> bytes:
    rows = b""
    for y in range(size):
        rows += b"\x00" + b"".join(bytes(pixel(x + 0.5, y + 0.5, size)) for x in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


if __name__ == "__main__":
    out = Path(__file__).resolve().parent.parent / "icons"
    out.mkdir(exist_ok=True)
    for size in (16, 32, 48, 128):
        (out / f"{size}.png").write_bytes(png(size))
        print(f"icons/{size}.png")
