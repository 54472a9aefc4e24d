"""The printable certificate: one A4 page, Vietnamese first and English second, with the QR.

The document is bilingual whatever the reader's language, as the national template is: its labels are
pairs (Vietnamese, English) kept here rather than translated strings. The screen shows the same lines in
the reader's language (:func:`entry_lines`).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils import timezone, translation
from reportlab.graphics import renderPDF
from reportlab.lib.colors import HexColor, black, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.pdfgen.canvas import Canvas

from phongdich.certificates.dcc import valuesets
from phongdich.certificates.models import CertificateKind, IssuedCertificate
from phongdich.core.pdf import BOLD, REGULAR, qr_drawing, register_fonts, wrap

ACCENT = HexColor("#0b5394")
MUTED = HexColor("#555555")

TITLES = {
    CertificateKind.VACCINATION: ("CHỨNG NHẬN TIÊM CHỦNG COVID-19", "COVID-19 vaccination certificate"),
    CertificateKind.TEST: ("CHỨNG NHẬN XÉT NGHIỆM COVID-19", "COVID-19 test certificate"),
    CertificateKind.RECOVERY: ("CHỨNG NHẬN KHỎI BỆNH COVID-19", "COVID-19 recovery certificate"),
}
LABELS: dict[str, tuple[str, str]] = {
    "name": ("Họ và tên", "Name"),
    "name_icao": ("Họ tên (chữ không dấu)", "Name (machine-readable)"),
    "dob": ("Ngày sinh", "Date of birth"),
    "disease": ("Bệnh", "Disease"),
    "vaccine": ("Vắc xin", "Vaccine"),
    "manufacturer": ("Nhà sản xuất", "Manufacturer"),
    "dose": ("Mũi tiêm", "Dose"),
    "date": ("Ngày tiêm", "Date of vaccination"),
    "test_type": ("Loại xét nghiệm", "Type of test"),
    "device": ("Tên và hãng sản xuất bộ xét nghiệm", "Test name and manufacturer"),
    "sampled": ("Thời điểm lấy mẫu", "Date and time of sample collection"),
    "result": ("Kết quả", "Result"),
    "centre": ("Nơi xét nghiệm", "Testing centre"),
    "first_positive": ("Ngày xét nghiệm dương tính đầu tiên", "Date of first positive test"),
    "valid_from": ("Có giá trị từ", "Valid from"),
    "valid_until": ("Có giá trị đến", "Valid until"),
    "country": ("Quốc gia", "Country"),
    "issuer": ("Đơn vị cấp", "Issuer"),
    "identifier": ("Mã chứng nhận", "Certificate identifier"),
    "issued_at": ("Ngày cấp", "Issued on"),
    "expires_at": ("Chứng nhận hết hạn", "Certificate expires"),
}
VALUES: dict[str, tuple[str, str]] = {
    valuesets.DISEASE_COVID_19: ("COVID-19", "COVID-19"),
    valuesets.TEST_NAAT: ("RT-PCR (khuếch đại axit nucleic)", "RT-PCR (nucleic acid amplification)"),
    valuesets.TEST_RAT: ("Xét nghiệm nhanh kháng nguyên", "Rapid antigen test"),
    valuesets.NOT_DETECTED: ("Âm tính (không phát hiện)", "Negative (not detected)"),
    valuesets.DETECTED: ("Dương tính (phát hiện)", "Positive (detected)"),
    "VN": ("Việt Nam", "Viet Nam"),
}


def _day(text: object) -> str:
    try:
        return dt.date.fromisoformat(str(text)).strftime("%d/%m/%Y")
    except ValueError:
        return str(text)


def _moment(text: object) -> str:
    try:
        moment = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return str(text)
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


def _product_name(code: str) -> str:
    from phongdich.vaccination.models import VaccineProduct

    product = VaccineProduct.objects.filter(code=code).first()
    return f"{product.name} ({code})" if product is not None else code


def _manufacturer_name(code: str) -> str:
    from phongdich.vaccination.models import VaccineProduct

    product = VaccineProduct.objects.filter(manufacturer_code=code).first()
    return product.manufacturer_name if product is not None else code


def _entry_rows(kind: str, entry: dict[str, Any]) -> list[tuple[str, str | tuple[str, str]]]:
    """(label key, value) of an entry; a value is one text or a (Vietnamese, English) pair."""

    def coded(code: object) -> str | tuple[str, str]:
        return VALUES.get(str(code), str(code))

    rows: list[tuple[str, str | tuple[str, str]]] = [("disease", coded(entry.get("tg")))]
    if kind == CertificateKind.VACCINATION:
        rows += [
            ("vaccine", _product_name(str(entry.get("mp", "")))),
            ("manufacturer", _manufacturer_name(str(entry.get("ma", "")))),
            ("dose", f"{entry.get('dn')}/{entry.get('sd')}"),
            ("date", _day(entry.get("dt"))),
        ]
    elif kind == CertificateKind.TEST:
        rows.append(("test_type", coded(entry.get("tt"))))
        if entry.get("ma"):
            rows.append(("device", valuesets.RAT_DEVICES.get(str(entry["ma"]), str(entry["ma"]))))
        rows += [
            ("sampled", _moment(entry.get("sc"))),
            ("result", coded(entry.get("tr"))),
            ("centre", str(entry.get("tc", ""))),
        ]
    else:
        rows += [
            ("first_positive", _day(entry.get("fr"))),
            ("valid_from", _day(entry.get("df"))),
            ("valid_until", _day(entry.get("du"))),
        ]
    rows += [("country", coded(entry.get("co"))), ("issuer", str(entry.get("is", "")))]
    return rows


def entry_lines(kind: str, entry: dict[str, Any], *, language: str = "current") -> list[tuple[str, str]]:
    """The entry as (label, value) lines in one language: ``vi``, ``en`` or the reader's (``current``)."""
    if language == "current":
        language = "vi" if (translation.get_language() or "vi").startswith("vi") else "en"
    index = 0 if language == "vi" else 1
    return [
        (LABELS[key][index], value if isinstance(value, str) else value[index])
        for key, value in _entry_rows(kind, entry)
    ]


def _holder_name(dcc: dict[str, Any]) -> tuple[str, str]:
    name = dcc.get("nam") or {}
    full = " ".join(str(part) for part in (name.get("fn"), name.get("gn")) if part)
    icao = "<<".join(str(part) for part in (name.get("fnt"), name.get("gnt")) if part)
    return full or icao, icao


def _pair(canvas: Canvas, x: float, y: float, width: float, key: str, value: str | tuple[str, str]) -> float:
    """A labelled line: the Vietnamese label over the English one, the value to the right."""
    vi, en = LABELS[key]
    label_width = width * 0.42
    canvas.setFillColor(black)
    canvas.setFont(BOLD, 10)
    canvas.drawString(x, y, vi)
    canvas.setFillColor(MUTED)
    canvas.setFont(REGULAR, 8.5)
    canvas.drawString(x, y - 11, en)
    canvas.setFillColor(black)
    texts = [value] if isinstance(value, str) else [value[0], value[1]] if value[0] != value[1] else [value[0]]
    lines: list[tuple[str, str, float]] = []
    for number, text in enumerate(texts):
        font, size = (REGULAR, 10.5) if number == 0 else (REGULAR, 8.5)
        lines += [(line, font, size) for line in wrap(text, font, size, width - label_width)]
    line_y = y
    for line, font, size in lines:
        canvas.setFont(font, size)
        canvas.setFillColor(black if size > 9 else MUTED)
        canvas.drawString(x + label_width, line_y, line)
        line_y -= 12
    canvas.setFillColor(black)
    return min(y - 26, line_y - 6)


def _page(canvas: Canvas, certificate: IssuedCertificate) -> None:
    width, height = A4
    margin = 1.8 * cm
    text_width = width - 2 * margin
    dcc = certificate.dcc
    entry = certificate.entry
    kind = CertificateKind(certificate.kind)
    # Banner: the country, then the title in both languages.
    canvas.setFillColor(ACCENT)
    canvas.rect(0, height - 4.0 * cm, width, 4.0 * cm, stroke=0, fill=1)
    canvas.setFillColor(white)
    canvas.setFont(BOLD, 10)
    canvas.drawCentredString(width / 2, height - 1.1 * cm, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    canvas.setFont(REGULAR, 8.5)
    canvas.drawCentredString(width / 2, height - 1.5 * cm, "Socialist Republic of Viet Nam")
    title_vi, title_en = TITLES[kind]
    canvas.setFont(BOLD, 17)
    canvas.drawCentredString(width / 2, height - 2.5 * cm, title_vi)
    canvas.setFont(REGULAR, 11)
    canvas.drawCentredString(width / 2, height - 3.1 * cm, f"{title_en} · EU Digital COVID Certificate")
    canvas.setFillColor(black)
    # The QR, right; the holder, left.
    qr_size = 7.2 * cm
    qr_top = height - 4.6 * cm
    renderPDF.draw(qr_drawing(certificate.hc1, qr_size, "Q"), canvas, width - margin - qr_size, qr_top - qr_size)
    full, icao = _holder_name(dcc)
    left_width = text_width - qr_size - 0.6 * cm
    y = qr_top - 0.6 * cm
    y = _pair(canvas, margin, y, left_width, "name", full)
    y = _pair(canvas, margin, y, left_width, "name_icao", icao)
    y = _pair(canvas, margin, y, left_width, "dob", _day(dcc.get("dob")))
    y = min(y, qr_top - qr_size - 0.4 * cm)
    # The entry, then the certificate's own data.
    canvas.setStrokeColor(ACCENT)
    canvas.line(margin, y + 4, width - margin, y + 4)
    y -= 0.5 * cm
    for key, value in _entry_rows(kind, entry):
        y = _pair(canvas, margin, y, text_width, key, value)
    canvas.line(margin, y + 4, width - margin, y + 4)
    y -= 0.5 * cm
    y = _pair(canvas, margin, y, text_width, "identifier", certificate.uvci)
    y = _pair(
        canvas, margin, y, text_width, "issued_at", timezone.localtime(certificate.issued_at).strftime("%d/%m/%Y")
    )
    y = _pair(
        canvas, margin, y, text_width, "expires_at", timezone.localtime(certificate.expires_at).strftime("%d/%m/%Y")
    )
    if certificate.revoked_at is not None:
        canvas.setFillColor(HexColor("#b00020"))
        canvas.setFont(BOLD, 14)
        canvas.drawString(margin, y - 0.3 * cm, "ĐÃ THU HỒI · REVOKED")
        canvas.setFillColor(black)
    # Footer.
    canvas.setFont(REGULAR, 8)
    canvas.setFillColor(MUTED)
    footer = (
        "Quét mã QR bằng ứng dụng kiểm tra chứng nhận COVID-19 (EU DCC) để xác thực. "
        "Scan the QR code with an EU DCC verifier app to check this certificate."
    )
    line_y = 1.6 * cm
    for line in wrap(footer, REGULAR, 8, text_width):
        canvas.drawCentredString(width / 2, line_y, line)
        line_y -= 10
    canvas.setFillColor(black)


def certificate_pdf(certificate: IssuedCertificate, *, compress: bool = True) -> bytes:
    """One A4 page: the certificate's holder, entry, issuer and validity, and its QR."""
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1 if compress else 0)
    title_vi, title_en = TITLES[CertificateKind(certificate.kind)]
    canvas.setTitle(f"{title_vi} / {title_en}")
    canvas.setCreator("PhòngDịch")
    # The identifier in the keywords: a test (or an archive) finds the certificate a file holds.
    canvas.setKeywords(certificate.uvci)
    _page(canvas, certificate)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
