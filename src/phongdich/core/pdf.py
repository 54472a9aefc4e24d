"""What printable PDFs share: the fonts with every Vietnamese letter, line wrapping and a QR drawing.

The fonts are the DejaVu files the venue posters ship (``venues/fonts``), registered once per process
under the same names ``venues.posters`` uses, so either may register them first.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONTS = Path(__file__).resolve().parent.parent / "venues" / "fonts"
REGULAR = "PhongDichSans"
BOLD = "PhongDichSans-Bold"


def register_fonts() -> None:
    # DejaVu has every Vietnamese letter (reportlab's built-in Helvetica has none of ă, ơ, ư, ạ …).
    if REGULAR not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(REGULAR, str(FONTS / "DejaVuSans.ttf")))
    if BOLD not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(BOLD, str(FONTS / "DejaVuSans-Bold.ttf")))


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """The words of ``text`` in lines no wider than ``width`` (a single long word keeps its own line)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if pdfmetrics.stringWidth(candidate, font, size) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def qr_drawing(text: str, size: float, level: str = "M") -> Drawing:
    """A QR code of ``text`` as a ``size`` × ``size`` drawing (quiet zone included)."""
    widget = QrCodeWidget(text, barLevel=level)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing
