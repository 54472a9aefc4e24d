"""The quarantine papers as PDF: the order (quyết định cách ly) and the release certificate.

Plain data in, bytes out: the callers turn their models into :class:`OrderSheet` / :class:`ReleaseSheet`, so
this module imports no model. Both papers follow the layout of a Vietnamese administrative decision (Nghị định
30/2020/NĐ-CP): the issuing authority left and the national motto right, number and place-date line, a centred
title, the articles, the recipients and the signer block. The text is Vietnamese only, as the paper is.

Bulk printing is the hot path (a commune prints hundreds of orders at once), so pages are drawn straight on
one reportlab canvas with the fonts registered once; nothing is laid out by platypus.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from reportlab import rl_config
from reportlab.graphics import renderPDF
from reportlab.lib.colors import HexColor, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from phongdich.core.pdf import BOLD, REGULAR, qr_drawing, register_fonts, wrap

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_LEFT = 2.5 * cm
MARGIN_RIGHT = 1.8 * cm
TEXT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
BODY_SIZE = 11
LEADING = 14
SMALL_SIZE = 10
SMALL_LEADING = 12.5
MUTED = HexColor("#555555")

# The recipients and the signer block need this much under the articles (the footer included).
BODY_BOTTOM = 5.0 * cm
ORDER_SCALES = (1.0, 0.92, 0.84, 0.76, 0.68)
UNIT_KINDS = ("Thị trấn", "Phường", "Xã", "Đặc khu", "Thành phố", "Thị xã", "Huyện", "Quận", "Tỉnh")
COUNCIL = "ỦY BAN NHÂN DÂN"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
LEGAL_BASES = (
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; "
    "Luật sửa đổi, bổ sung một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương "
    "ngày 22 tháng 11 năm 2019;",
    "Căn cứ Luật Phòng, chống bệnh truyền nhiễm năm 2007;",
    "Căn cứ Nghị định số 101/2010/NĐ-CP ngày 30 tháng 9 năm 2010 của Chính phủ quy định chi tiết thi hành "
    "một số điều của Luật Phòng, chống bệnh truyền nhiễm về áp dụng biện pháp cách ly y tế, cưỡng chế cách ly "
    "y tế và chống dịch đặc thù trong thời gian có dịch;",
    "Căn cứ hướng dẫn của Bộ Y tế và chỉ đạo của Ban Chỉ đạo phòng, chống dịch COVID-19 của tỉnh về cách ly y tế;",
)
OBLIGATIONS = (
    "Người được cách ly có trách nhiệm chấp hành nghiêm các quy định về cách ly y tế: ở đúng nơi cách ly, "
    "không tiếp xúc với người khác ngoài người được phân công; đo thân nhiệt, SpO₂ và khai báo sức khỏe hằng "
    "ngày; lấy mẫu xét nghiệm theo lịch; thông báo ngay cho trạm y tế khi có dấu hiệu sốt, ho, khó thở, "
    "đau ngực hoặc SpO₂ dưới 96%.",
    "Gia đình và người ở cùng có trách nhiệm hỗ trợ, giám sát người được cách ly thực hiện đúng quy định. "
    "Người không chấp hành sẽ bị xử lý theo quy định của pháp luật.",
)
EXECUTION = (
    "Quyết định này có hiệu lực kể từ ngày ký. Trạm Y tế, Công an, Ban Chỉ đạo phòng, chống dịch COVID-19 "
    "và người có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này."
)


@dataclass(frozen=True)
class OrderSheet:
    """What one quarantine order prints: the decision, its person, the form, place, period and test days."""

    number: str
    issued_on: dt.date
    authority: str  # "UBND xã Hà Khánh": the body that decides
    commune_name: str
    district_name: str
    province_name: str
    person_name: str
    birth_date: dt.date | None
    sex: str
    citizen_id: str
    address: str
    phone: str
    reason: str
    kind: str  # the Vietnamese label of the form of quarantine
    place: str
    start: dt.date
    planned_end: dt.date
    self_monitoring_end: dt.date | None
    test_days: list[dt.date] = field(default_factory=list)
    signer_title: str = "CHỦ TỊCH"
    signer_name: str = ""


@dataclass(frozen=True)
class ReleaseSheet:
    """What a release certificate prints; ``tests`` are (day, test type label, result label)."""

    number: str
    issued_on: dt.date
    authority: str
    commune_name: str
    district_name: str
    province_name: str
    person_name: str
    birth_date: dt.date | None
    citizen_id: str
    address: str
    kind: str
    start: dt.date
    end: dt.date
    tests: list[tuple[dt.date, str, str]]
    signer_title: str
    signer_name: str
    verify_url: str


def day_text(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day is not None else "—"


def _long_authority(authority: str) -> str:
    """ "UBND xã Hà Khánh" -> "Ủy ban nhân dân xã Hà Khánh": the papers spell the body out."""
    text = authority.strip()
    if text.upper().startswith("UBND"):
        return "Ủy ban nhân dân " + text[len("UBND") :].strip()
    return text


def _full_authority(authority: str) -> str:
    """The heading's form: the body spelled out in capitals."""
    return _long_authority(authority).upper()


def _place_name(commune_name: str) -> str:
    """The place of the date line is the commune's proper name, without "Xã"/"Phường"/"Thị trấn"."""
    for prefix in UNIT_KINDS:
        if commune_name.startswith(prefix + " "):
            return commune_name[len(prefix) + 1 :]
    return commune_name


def _in_text(unit_name: str) -> str:
    """A unit's name inside a sentence: its kind in lower case ("Phường Hà Khánh" -> "phường Hà Khánh")."""
    for prefix in UNIT_KINDS:
        if unit_name.startswith(prefix + " "):
            return prefix.lower() + unit_name[len(prefix) :]
    return unit_name


def _date_line(commune_name: str, day: dt.date) -> str:
    return f"{_place_name(commune_name)}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


@functools.lru_cache(maxsize=4096)
def _width(text: str, font: str, size: float) -> float:
    return float(pdfmetrics.stringWidth(text, font, size))


@functools.lru_cache(maxsize=2048)
def _break_lines(text: str, font: str, size: float, first_width: float, width: float) -> tuple[str, ...]:
    """``text`` in lines, the first no wider than ``first_width`` and the rest than ``width``.

    Measures each word once and adds up (the fonts have no kerning, so widths add exactly), and remembers
    the result: the fixed paragraphs of a form are broken once per process, not once per page.
    """
    space = _width(" ", font, size)
    lines: list[str] = []
    line: list[str] = []
    line_width = 0.0
    for word in text.split():
        word_width = _width(word, font, size)
        room = first_width if not lines else width
        if line and line_width + space + word_width > room:
            lines.append(" ".join(line))
            line, line_width = [word], word_width
        else:
            line_width += (space if line else 0.0) + word_width
            line.append(word)
    if line:
        lines.append(" ".join(line))
    return tuple(lines)


class _Writer:
    """Draws the running text of one page top-down, wrapping to the text width.

    ``scale`` shrinks every size and leading (an order with a very long address still fits its page);
    with ``draw=False`` it only measures, so a page can find the scale it needs before drawing anything.
    """

    def __init__(self, canvas: Canvas, top: float, *, scale: float = 1.0, draw: bool = True) -> None:
        self.canvas = canvas
        self.y = top
        self.scale = scale
        self.draw = draw

    def centred(self, text: str, font: str, size: float, *, x: float = PAGE_WIDTH / 2, width: float = 0) -> None:
        size *= self.scale
        lines = _break_lines(text, font, size, width, width) if width else (text,)
        if self.draw:
            self.canvas.setFont(font, size)
        for line in lines:
            if self.draw:
                self.canvas.drawCentredString(x, self.y, line)
            self.y -= size * 1.3

    def paragraph(
        self,
        text: str,
        *,
        font: str = REGULAR,
        size: float = BODY_SIZE,
        first_indent: float = 1.0 * cm,
        lead: str = "",
        lead_font: str = BOLD,
        leading: float = LEADING,
    ) -> None:
        """A paragraph with its first line indented, opened by ``lead`` (e.g. "Điều 1.") in bold."""
        canvas = self.canvas
        size, leading = size * self.scale, leading * self.scale
        lead_width = _width(lead + " ", lead_font, size) if lead else 0.0
        lines = _break_lines(text, font, size, TEXT_WIDTH - first_indent - lead_width, TEXT_WIDTH)
        if not self.draw:
            self.y -= leading * len(lines)
            return
        if lead:
            canvas.setFont(lead_font, size)
            canvas.drawString(MARGIN_LEFT + first_indent, self.y, lead)
        canvas.setFont(font, size)
        for number, line in enumerate(lines):
            x = MARGIN_LEFT + first_indent + lead_width if number == 0 else MARGIN_LEFT
            canvas.drawString(x, self.y, line)
            self.y -= leading

    def label_value(self, label: str, value: str, *, indent: float = 1.0 * cm) -> None:
        canvas = self.canvas
        size, leading = BODY_SIZE * self.scale, LEADING * self.scale
        x = MARGIN_LEFT + indent
        label_width = _width(f"- {label}: ", REGULAR, size)
        room = TEXT_WIDTH - indent - label_width
        lines = _break_lines(value, BOLD, size, room, room) or ("",)
        if not self.draw:
            self.y -= leading * len(lines)
            return
        canvas.setFont(REGULAR, size)
        canvas.drawString(x, self.y, f"- {label}:")
        canvas.setFont(BOLD, size)
        for line in lines:
            canvas.drawString(x + label_width, self.y, line)
            self.y -= leading

    def gap(self, points: float) -> None:
        self.y -= points * self.scale


def _heading(canvas: Canvas, *, authority: str, number: str, suffix: str, commune_name: str, day: dt.date) -> float:
    """The two-column heading block; returns the y below the date line."""
    top = PAGE_HEIGHT - 1.5 * cm
    left_centre = MARGIN_LEFT + 3.3 * cm
    right_centre = PAGE_WIDTH - MARGIN_RIGHT - 4.6 * cm
    canvas.setLineWidth(0.6)
    left = _Writer(canvas, top)
    body = _full_authority(authority)
    if body.startswith(COUNCIL):
        # The form breaks after "ỦY BAN NHÂN DÂN" and names the commune on its own line.
        left.centred(COUNCIL, BOLD, 11, x=left_centre)
        body = body[len(COUNCIL) :].strip()
    left.centred(body, BOLD, 11, x=left_centre, width=6.4 * cm)
    canvas.line(left_centre - 1.2 * cm, left.y + 9, left_centre + 1.2 * cm, left.y + 9)
    left.gap(6)
    left.centred(f"Số: {number}/{suffix}", REGULAR, 11, x=left_centre)
    right = _Writer(canvas, top)
    right.centred(NATION, BOLD, 10.5, x=right_centre)
    right.centred(MOTTO, BOLD, 12, x=right_centre)
    motto_width = pdfmetrics.stringWidth(MOTTO, BOLD, 12)
    canvas.line(right_centre - motto_width / 2, right.y + 10, right_centre + motto_width / 2, right.y + 10)
    right.gap(6)
    canvas.setFont(REGULAR, 11)
    canvas.drawCentredString(right_centre, right.y, _date_line(commune_name, day))
    return min(left.y, right.y) - 0.7 * cm


def _signature(canvas: Canvas, y: float, *, authority_line: str, title: str, name: str) -> None:
    centre = PAGE_WIDTH - MARGIN_RIGHT - 4.5 * cm
    writer = _Writer(canvas, y)
    if authority_line:
        writer.centred(authority_line, BOLD, 11.5, x=centre)
    writer.centred(title.upper(), BOLD, 11.5, x=centre)
    canvas.setFillColor(MUTED)
    writer.centred("(Ký, ghi rõ họ tên và đóng dấu)", REGULAR, 9.5, x=centre)
    canvas.setFillColor(black)
    writer.gap(1.6 * cm)
    if name:
        writer.centred(name, BOLD, 11.5, x=centre)


def _recipients(canvas: Canvas, y: float, lines: Sequence[str]) -> None:
    writer = _Writer(canvas, y)
    canvas.setFont(BOLD, 10.5)
    canvas.drawString(MARGIN_LEFT, writer.y, "Nơi nhận:")
    writer.gap(13)
    canvas.setFont(REGULAR, 9.5)
    for line in lines:
        canvas.drawString(MARGIN_LEFT, writer.y, f"- {line}")
        writer.gap(12)


def _person_line(name: str, birth_date: dt.date | None, sex: str) -> str:
    parts = [name]
    if birth_date is not None:
        parts.append(f"sinh ngày {day_text(birth_date)}")
    if sex:
        parts.append(f"giới tính {sex}")
    return ", ".join(parts)


def _order_body(writer: _Writer, sheet: OrderSheet) -> None:
    """The title, the legal bases and the three articles."""
    writer.centred("QUYẾT ĐỊNH", BOLD, 14)
    writer.centred("Về việc áp dụng biện pháp cách ly y tế phòng, chống dịch COVID-19", BOLD, 12.5, width=TEXT_WIDTH)
    writer.centred(f"đối với ông/bà {sheet.person_name}", BOLD, 12.5, width=TEXT_WIDTH)
    writer.gap(0.2 * cm)
    writer.centred(_full_authority(sheet.authority), BOLD, 12.5, width=TEXT_WIDTH)
    writer.gap(0.15 * cm)
    for basis in LEGAL_BASES:
        writer.paragraph(basis, size=SMALL_SIZE, leading=SMALL_LEADING)
    writer.paragraph(
        f"Xét đề nghị của Trạm Y tế {_in_text(sheet.commune_name)}; lý do: {sheet.reason}.",
        size=SMALL_SIZE,
        leading=SMALL_LEADING,
    )
    writer.gap(0.15 * cm)
    writer.centred("QUYẾT ĐỊNH:", BOLD, 13)
    writer.gap(0.1 * cm)
    writer.paragraph("Áp dụng biện pháp cách ly y tế đối với:", lead="Điều 1.")
    writer.label_value("Ông/Bà", _person_line(sheet.person_name, sheet.birth_date, sheet.sex))
    writer.label_value("Số CCCD/CMND", sheet.citizen_id or "—")
    writer.label_value("Nơi cư trú", sheet.address or "—")
    writer.label_value("Số điện thoại", sheet.phone or "—")
    writer.label_value("Hình thức cách ly", sheet.kind)
    writer.label_value("Địa điểm cách ly", sheet.place or sheet.address or "—")
    writer.label_value(
        "Thời gian cách ly", f"từ ngày {day_text(sheet.start)} đến hết ngày {day_text(sheet.planned_end)}"
    )
    if sheet.self_monitoring_end is not None:
        writer.label_value("Tự theo dõi sức khỏe", f"đến hết ngày {day_text(sheet.self_monitoring_end)}")
    tests = ", ".join(day_text(day) for day in sheet.test_days) or "theo chỉ định của cơ quan y tế"
    writer.label_value("Ngày xét nghiệm", tests)
    writer.paragraph(OBLIGATIONS[0], lead="Điều 2.")
    writer.paragraph(OBLIGATIONS[1], first_indent=1.0 * cm)
    writer.paragraph(EXECUTION, lead="Điều 3.")
    writer.gap(0.3 * cm)


def _order_page(canvas: Canvas, sheet: OrderSheet) -> None:
    y = _heading(
        canvas,
        authority=sheet.authority,
        number=sheet.number,
        suffix="QĐ-UBND",
        commune_name=sheet.commune_name,
        day=sheet.issued_on,
    )
    # The largest scale at which the articles leave room for the recipients and the signature.
    scale = ORDER_SCALES[-1]
    for candidate in ORDER_SCALES:
        probe = _Writer(canvas, y, scale=candidate, draw=False)
        _order_body(probe, sheet)
        if probe.y >= BODY_BOTTOM:
            scale = candidate
            break
    writer = _Writer(canvas, y, scale=scale)
    _order_body(writer, sheet)
    bottom = writer.y
    _recipients(
        canvas,
        bottom,
        [
            "Như Điều 3;",
            f"Trung tâm Y tế {_in_text(sheet.district_name)};",
            f"BCĐ phòng, chống dịch {_in_text(sheet.commune_name)};",
            "Lưu: VT.",
        ],
    )
    _signature(canvas, bottom, authority_line="TM. ỦY BAN NHÂN DÂN", title=sheet.signer_title, name=sheet.signer_name)
    _footer(canvas, f"Quyết định cách ly số {sheet.number}/QĐ-UBND · {sheet.province_name}")


def _footer(canvas: Canvas, text: str) -> None:
    canvas.setFillColor(MUTED)
    canvas.setFont(REGULAR, 8)
    canvas.drawCentredString(PAGE_WIDTH / 2, 0.7 * cm, text)
    canvas.setFillColor(black)


@contextlib.contextmanager
def _binary_streams() -> Iterator[None]:
    """Compressed streams without reportlab's ASCII85 layer: a quarter smaller and faster to write (pure Python).

    reportlab reads this switch from its global config while it writes; it is restored at once and a PDF
    written meanwhile elsewhere is valid either way.
    """
    previous = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = previous


def _new_canvas(buffer: io.BytesIO, title: str, *, compress: bool) -> Canvas:
    register_fonts()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1 if compress else 0)
    canvas.setTitle(title)
    canvas.setCreator("PhòngDịch")
    return canvas


def render_orders_pdf(sheets: Sequence[OrderSheet], *, compress: bool = True) -> bytes:
    """One A4 page per order, all in one PDF (a commune's bulk print is one file)."""
    buffer = io.BytesIO()
    title = "Quyết định cách ly y tế" if len(sheets) == 1 else f"Quyết định cách ly y tế ({len(sheets)})"
    with _binary_streams():
        canvas = _new_canvas(buffer, title, compress=compress)
        for sheet in sheets:
            _order_page(canvas, sheet)
            canvas.showPage()
        if not sheets:
            canvas.showPage()  # an empty list still makes a valid (blank) document
        canvas.save()
    return buffer.getvalue()


RELEASE_TITLE = "GIẤY XÁC NHẬN HOÀN THÀNH THỜI GIAN CÁCH LY Y TẾ"


def _release_page(canvas: Canvas, sheet: ReleaseSheet) -> None:
    y = _heading(
        canvas,
        authority=sheet.authority,
        number=sheet.number,
        suffix="GXN-UBND",
        commune_name=sheet.commune_name,
        day=sheet.issued_on,
    )
    writer = _Writer(canvas, y - 0.2 * cm)
    writer.centred(RELEASE_TITLE, BOLD, 14, width=TEXT_WIDTH)
    writer.gap(0.4 * cm)
    writer.paragraph(f"{_long_authority(sheet.authority)} xác nhận:", first_indent=0)
    writer.label_value("Ông/Bà", sheet.person_name)
    writer.label_value("Ngày sinh", day_text(sheet.birth_date))
    writer.label_value("Số CCCD/CMND", sheet.citizen_id or "—")
    writer.label_value("Nơi cư trú", sheet.address or "—")
    writer.label_value("Hình thức cách ly", sheet.kind)
    writer.label_value("Thời gian cách ly", f"từ ngày {day_text(sheet.start)} đến hết ngày {day_text(sheet.end)}")
    writer.gap(0.2 * cm)
    writer.paragraph("Kết quả xét nghiệm trong thời gian cách ly:", first_indent=0)
    if sheet.tests:
        for day, test_type, result in sheet.tests:
            writer.label_value(day_text(day), f"{test_type}: {result}")
    else:
        writer.label_value("Xét nghiệm", "không có")
    writer.gap(0.2 * cm)
    writer.paragraph(
        "Đã hoàn thành thời gian cách ly y tế theo quy định. Sau khi hoàn thành cách ly, người được cách ly tiếp "
        "tục thực hiện các biện pháp phòng, chống dịch theo khuyến cáo của Bộ Y tế.",
        first_indent=1.0 * cm,
    )
    writer.gap(0.5 * cm)
    bottom = writer.y
    # The QR left, under the text; the signer right.
    qr_size = 4.2 * cm
    renderPDF.draw(qr_drawing(sheet.verify_url, qr_size, "M"), canvas, MARGIN_LEFT - 0.3 * cm, bottom - qr_size)
    canvas.setFillColor(MUTED)
    canvas.setFont(REGULAR, 8.5)
    caption = _Writer(canvas, bottom - qr_size - 0.2 * cm)
    for line in wrap("Quét mã QR để kiểm tra giấy xác nhận trên PhòngDịch.", REGULAR, 8.5, 6.0 * cm):
        canvas.drawString(MARGIN_LEFT, caption.y, line)
        caption.gap(10.5)
    canvas.setFillColor(black)
    _signature(canvas, bottom, authority_line="TM. ỦY BAN NHÂN DÂN", title=sheet.signer_title, name=sheet.signer_name)
    _footer(canvas, f"Giấy xác nhận số {sheet.number}/GXN-UBND · {sheet.province_name}")


def render_release_pdf(sheet: ReleaseSheet, *, compress: bool = True) -> bytes:
    """The release certificate: one A4 page with the period, the tests and the verification QR."""
    buffer = io.BytesIO()
    with _binary_streams():
        canvas = _new_canvas(buffer, RELEASE_TITLE.capitalize(), compress=compress)
        canvas.setKeywords(sheet.number)
        _release_page(canvas, sheet)
        canvas.showPage()
        canvas.save()
    return buffer.getvalue()
