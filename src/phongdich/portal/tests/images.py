"""Test pictures made with Pillow: a JPEG carrying EXIF with GPS, a PNG, and files that only pretend to be photos."""

from __future__ import annotations

import io

from PIL import Image

GPS_IFD = 0x8825
MAKE = 0x010F


def jpeg_bytes(*, with_gps: bool = False, size: tuple[int, int] = (64, 48)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    if with_gps:
        exif[MAKE] = "PhoneMaker"
        # Hạ Long, as a phone writes it: N 20° 57' 0", E 107° 4' 48".
        exif[GPS_IFD] = {1: "N", 2: (20.0, 57.0, 0.0), 3: "E", 4: (107.0, 4.0, 48.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes() if with_gps else b"")
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (30, 20), (0, 0, 255, 128)).save(out, format="PNG")
    return out.getvalue()
