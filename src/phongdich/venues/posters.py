"""Printable A4 QR posters: one venue, or every active venue of a commune (one page each)."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.lib.colors import HexColor, black, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.pdfgen.canvas import Canvas

from phongdich.core.pdf import BOLD, REGULAR, qr_drawing, register_fonts, wrap
from phongdich.venues.models import Venue, VenueKind

ACCENT = HexColor("#0b5394")


def site_url(request: HttpRequest | None = None) -> str:
    """The address visitors' phones open: from the request when there is one, else the setting."""
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return str(settings.PHONGDICH.get("SITE_URL", "http://127.0.0.1:8000")).rstrip("/")


def checkin_url(venue: Venue, base: str) -> str:
    return f"{base}/c/{venue.qr_key}"


def _centred(canvas: Canvas, lines: list[str], font: str, size: float, top: float, leading: float) -> float:
    width, _height = A4
    canvas.setFont(font, size)
    y = top
    for line in lines:
        canvas.drawCentredString(width / 2, y, line)
        y -= leading
    return y


def _page(canvas: Canvas, venue: Venue, base: str) -> None:
    width, height = A4
    margin = 1.6 * cm
    text_width = width - 2 * margin
    # Banner.
    canvas.setFillColor(ACCENT)
    canvas.rect(0, height - 3.4 * cm, width, 3.4 * cm, stroke=0, fill=1)
    canvas.setFillColor(white)
    _centred(canvas, [_("SCAN TO DECLARE ENTRY AND EXIT")], BOLD, 22, height - 1.9 * cm, 24)
    _centred(canvas, [_("COVID-19 health declaration")], REGULAR, 13, height - 2.7 * cm, 16)
    canvas.setFillColor(black)
    # The venue.
    name_lines = wrap(venue.name, BOLD, 24, text_width)[:3]
    y = _centred(canvas, name_lines, BOLD, 24, height - 5.0 * cm, 29)
    place = ", ".join(part for part in (venue.address, venue.commune.name) if part)
    y = _centred(canvas, wrap(place, REGULAR, 13, text_width)[:3], REGULAR, 13, y - 0.1 * cm, 17)
    # The QR: as large as the page allows, with its quiet zone.
    size = min(13.5 * cm, y - 8.5 * cm)
    drawing = qr_drawing(checkin_url(venue, base), size)
    qr_top = y - 0.4 * cm
    renderPDF.draw(drawing, canvas, (width - size) / 2, qr_top - size)
    # The code under the QR, for typing when the camera cannot read it.
    y = qr_top - size - 0.9 * cm
    y = _centred(canvas, [_("Venue code: %(code)s") % {"code": venue.code}], BOLD, 20, y, 24)
    # Instructions.
    steps = [
        _("1. Scan the QR code with your phone's camera to declare entry and exit."),
        _("2. Open the link that appears and confirm your phone number."),
        _("3. When you leave, scan again to declare your exit."),
        _("No camera? Show your personal QR or citizen ID to the staff at the door."),
    ]
    canvas.setFont(REGULAR, 12)
    y -= 0.3 * cm
    for step in steps:
        for line in wrap(step, REGULAR, 12, text_width):
            canvas.drawString(margin, y, line)
            y -= 15
        y -= 3
    # Footer.
    canvas.setFont(REGULAR, 9)
    canvas.setFillColor(HexColor("#555555"))
    kind = VenueKind(venue.kind).label if venue.kind in VenueKind.values else venue.kind
    canvas.drawCentredString(
        width / 2,
        1.2 * cm,
        _("%(kind)s · registered with %(commune)s · %(url)s")
        % {"kind": kind, "commune": venue.commune.name, "url": f"{base}/v/{venue.code}"},
    )
    canvas.setFillColor(black)


def poster_pdf(venues: Iterable[Venue], base: str, *, compress: bool = True) -> bytes:
    """One A4 page per venue, in the installation's language (Vietnamese) whatever the reader's."""
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1 if compress else 0)
    canvas.setTitle(_("QR posters"))
    canvas.setCreator("PhòngDịch")
    venues = list(venues)
    # The codes in the document's keywords: a print shop (or a test) finds a venue's poster by its code.
    canvas.setKeywords(" ".join(venue.code for venue in venues))
    pages = 0
    with translation.override(settings.LANGUAGE_CODE):
        for venue in venues:
            _page(canvas, venue, base)
            canvas.showPage()
            pages += 1
        if pages == 0:
            canvas.setFont(REGULAR, 14)
            canvas.drawString(2 * cm, A4[1] - 3 * cm, _("No active venue."))
            canvas.showPage()
    canvas.save()
    return buffer.getvalue()
