"""The declaration QR as a PNG and as a one-page PDF (A6-sized card on A4: name, kind, validity, the QR)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import segno
from django.utils import timezone
from reportlab.graphics import renderPDF
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.pdfgen.canvas import Canvas

from phongdich.core.pdf import BOLD, REGULAR, qr_drawing, register_fonts
from phongdich.declarations.models import Declaration
from phongdich.declarations.qr import declaration_qr_text

# The card is printed in Vietnamese whatever the reader's language (it is shown to officers at the border).
KIND_VI = {"movement": "Khai báo di chuyển nội địa", "entry": "Khai báo vào tỉnh", "periodic": "Khai báo y tế định kỳ"}


def qr_png(declaration: Declaration) -> bytes:
    buffer = io.BytesIO()
    segno.make(declaration_qr_text(declaration), error="m").save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


def declarations_pdf(declarations: Sequence[Declaration]) -> bytes:
    """One page per declaration."""
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setTitle("Tờ khai y tế")
    canvas.setCreator("PhòngDịch")
    width, height = A4
    for declaration in declarations:
        top = height - 3 * cm
        canvas.setFont(BOLD, 18)
        canvas.drawCentredString(width / 2, top, "TỜ KHAI Y TẾ ĐIỆN TỬ")
        canvas.setFont(REGULAR, 13)
        canvas.drawCentredString(width / 2, top - 0.9 * cm, KIND_VI.get(declaration.kind, declaration.kind))
        canvas.setFont(BOLD, 15)
        canvas.drawCentredString(width / 2, top - 2 * cm, declaration.full_name)
        canvas.setFont(REGULAR, 12)
        until = timezone.localtime(declaration.valid_until).strftime("%H:%M %d/%m/%Y")
        canvas.drawCentredString(
            width / 2, top - 2.8 * cm, f"Năm sinh {declaration.birth_year} · Có giá trị đến {until}"
        )
        size = 11 * cm
        renderPDF.draw(qr_drawing(declaration_qr_text(declaration), size), canvas, (width - size) / 2, top - 15 * cm)
        canvas.setFont(REGULAR, 9)
        canvas.drawCentredString(width / 2, top - 15.6 * cm, f"Mã tờ khai {declaration.pk}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
