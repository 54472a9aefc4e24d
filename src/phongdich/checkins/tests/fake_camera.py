"""A video file for Chromium's fake camera (--use-file-for-fake-video-capture) showing one QR code.

Y4M, 4:2:0: per frame the luma plane (the QR's modules black on white, with a quiet zone, about 8 pixels
a module, centred) and two flat chroma planes. Chromium loops the file.
"""

from __future__ import annotations

from pathlib import Path

import segno

WIDTH, HEIGHT = 640, 480
BLACK, WHITE, NEUTRAL = 16, 235, 128
QUIET_ZONE = 4  # modules


def luma_plane(text: str, module_px: int = 8) -> bytes:
    matrix = segno.make(text, error="m").matrix
    size = len(matrix) + 2 * QUIET_ZONE
    module_px = min(module_px, HEIGHT // size, WIDTH // size)
    side = size * module_px
    left, top = (WIDTH - side) // 2, (HEIGHT - side) // 2
    plane = bytearray([WHITE]) * (WIDTH * HEIGHT)
    for row_index, row in enumerate(matrix):
        for col_index, dark in enumerate(row):
            if not dark:
                continue
            x0 = left + (col_index + QUIET_ZONE) * module_px
            y0 = top + (row_index + QUIET_ZONE) * module_px
            for y in range(y0, y0 + module_px):
                start = y * WIDTH + x0
                plane[start : start + module_px] = bytes([BLACK]) * module_px
    return bytes(plane)


def write_y4m(path: Path, text: str, frames: int = 10) -> Path:
    """Write ``frames`` identical frames showing ``text`` as a QR code; returns ``path``."""
    chroma = bytes([NEUTRAL]) * ((WIDTH // 2) * (HEIGHT // 2))
    luma = luma_plane(text)
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 C420jpeg\n".encode("ascii"))
        for _ in range(frames):
            video.write(b"FRAME\n")
            video.write(luma)
            video.write(chroma)
            video.write(chroma)
    return path
