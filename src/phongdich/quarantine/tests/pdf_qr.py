"""Reading the QR code back out of a generated PDF page, for tests.

No PDF renderer is installed, so this draws the page's filled rectangles (which is all a reportlab QR is)
onto a picture, following the page's transformation matrices, and lets zxing-cpp read it: what a phone
sees when it scans the printed paper, minus the text.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw
from pypdf import PdfReader
from pypdf.generic import ContentStream

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _multiply(first: Matrix, second: Matrix) -> Matrix:
    """first then second (PDF's row-vector convention: cm pre-multiplies the current matrix)."""
    a, b, c, d, e, f = first
    a2, b2, c2, d2, e2, f2 = second
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def _apply(matrix: Matrix, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = matrix
    return a * x + c * y + e, b * x + d * y + f


def page_picture(pdf: bytes, page_number: int = 0, scale: float = 3.0) -> Image.Image:
    """The dark filled rectangles of a page, drawn black on white at ``scale`` pixels per point."""
    page = PdfReader(io.BytesIO(pdf)).pages[page_number]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    picture = Image.new("L", (int(width * scale), int(height * scale)), 255)
    draw = ImageDraw.Draw(picture)
    content = ContentStream(page.get_contents(), page.pdf)
    matrix = IDENTITY
    stack: list[tuple[Matrix, float]] = []
    fill_grey = 0.0
    path: list[tuple[float, float, float, float]] = []
    for operands, raw_operator in content.operations:
        operator = raw_operator.decode() if isinstance(raw_operator, bytes) else str(raw_operator)
        numbers = [float(value) for value in operands if isinstance(value, int | float)]
        if operator == "q":
            stack.append((matrix, fill_grey))
        elif operator == "Q":
            matrix, fill_grey = stack.pop()
        elif operator == "cm":
            matrix = _multiply((numbers[0], numbers[1], numbers[2], numbers[3], numbers[4], numbers[5]), matrix)
        elif operator == "rg":
            fill_grey = (numbers[0] + numbers[1] + numbers[2]) / 3
        elif operator == "g":
            fill_grey = numbers[0]
        elif operator == "re":
            path.append((numbers[0], numbers[1], numbers[2], numbers[3]))
        elif operator in {"f", "F", "f*", "B", "B*", "b", "b*"}:
            if fill_grey < 0.5:
                for x, y, w, h in path:
                    x0, y0 = _apply(matrix, x, y)
                    x1, y1 = _apply(matrix, x + w, y + h)
                    box = (min(x0, x1) * scale, (height - max(y0, y1)) * scale)
                    draw.rectangle((*box, max(x0, x1) * scale - 1, (height - min(y0, y1)) * scale - 1), fill=0)
            path = []
        elif operator in {"n", "S", "s"}:
            path = []
    return picture


def qr_texts(pdf: bytes, page_number: int = 0) -> list[str]:
    """The texts of the QR codes found on a page of the PDF."""
    import zxingcpp

    found = zxingcpp.read_barcodes(page_picture(pdf, page_number))
    return [str(code.text) for code in found if code.valid and code.format == zxingcpp.BarcodeFormat.QRCode]
