"""The quarantine papers: what the order and the release certificate say, page by page, read back from the PDF."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

from pypdf import PdfReader

from phongdich.quarantine.documents import OrderSheet, ReleaseSheet, render_orders_pdf, render_release_pdf
from phongdich.quarantine.tests.pdf_qr import qr_texts


def order_sheet(**changes: object) -> OrderSheet:
    sheet = OrderSheet(
        number="0042",
        issued_on=dt.date(2021, 12, 20),
        authority="UBND phường Hà Khánh",
        commune_name="Phường Hà Khánh",
        district_name="Thành phố Hạ Long",
        province_name="Tỉnh Quảng Ninh",
        person_name="Nguyễn Thị Hương",
        birth_date=dt.date(1990, 3, 4),
        sex="Nữ",
        citizen_id="022190001234",
        address="Tổ 3, khu 5, phường Hà Khánh, thành phố Hạ Long, tỉnh Quảng Ninh",
        phone="0912345678",
        reason="Tiếp xúc gần (F1) với ca bệnh số 12",
        kind="Cách ly tại nhà",
        place="Tổ 3, khu 5, phường Hà Khánh",
        start=dt.date(2021, 12, 20),
        planned_end=dt.date(2021, 12, 26),
        self_monitoring_end=dt.date(2022, 1, 2),
        test_days=[dt.date(2021, 12, 20), dt.date(2021, 12, 26)],
        signer_title="Chủ tịch",
        signer_name="Trần Văn Nam",
    )
    return dataclasses.replace(sheet, **changes)  # type: ignore[arg-type]


def release_sheet(**changes: object) -> ReleaseSheet:
    sheet = ReleaseSheet(
        number="0007",
        issued_on=dt.date(2021, 12, 27),
        authority="UBND phường Hà Khánh",
        commune_name="Phường Hà Khánh",
        district_name="Thành phố Hạ Long",
        province_name="Tỉnh Quảng Ninh",
        person_name="Lê Văn Đức",
        birth_date=dt.date(1985, 11, 30),
        citizen_id="022085009876",
        address="Tổ 1, khu 2, phường Hà Khánh",
        kind="Cách ly tại nhà",
        start=dt.date(2021, 12, 20),
        end=dt.date(2021, 12, 26),
        tests=[(dt.date(2021, 12, 20), "RT-PCR", "Âm tính"), (dt.date(2021, 12, 26), "RT-PCR", "Âm tính")],
        signer_title="Chủ tịch",
        signer_name="Trần Văn Nam",
        verify_url="https://phongdich.example/q/verify/20211226~abc~0007:signature",
    )
    return dataclasses.replace(sheet, **changes)  # type: ignore[arg-type]


def page_texts(pdf: bytes) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def text_positions(pdf: bytes, page_number: int = 0) -> list[tuple[float, float, str]]:
    """(x, y, text) of every piece of text on a page, in points from the bottom-left corner."""
    found: list[tuple[float, float, str]] = []

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            found.append((tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5], text.strip()))

    PdfReader(io.BytesIO(pdf)).pages[page_number].extract_text(visitor_text=visit)
    return found


def test_an_order_is_the_official_decision_form_with_the_persons_data_and_dates():
    pdf = render_orders_pdf([order_sheet()])
    assert pdf.startswith(b"%PDF-")
    [text] = page_texts(pdf)
    # Heading block: the authority left, the nation and motto right, number, place and date.
    for expected in (
        "ỦY BAN NHÂN DÂN PHƯỜNG HÀ KHÁNH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 0042/QĐ-UBND",
        "Hà Khánh, ngày 20 tháng 12 năm 2021",
        "QUYẾT ĐỊNH Về việc áp dụng biện pháp cách ly y tế",
        "Căn cứ Luật Phòng, chống bệnh truyền nhiễm năm 2007;",
        "QUYẾT ĐỊNH:",
        "Điều 1.",
        "Điều 2.",
        "Điều 3.",
        "Nơi nhận:",
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
        "Trần Văn Nam",
    ):
        assert expected in text, expected
    # Article 1: the person, their papers, the form, place and period, the test days (dd/mm/yyyy).
    for expected in (
        "Nguyễn Thị Hương, sinh ngày 04/03/1990, giới tính Nữ",
        "022190001234",
        "0912345678",
        "Cách ly tại nhà",
        "từ ngày 20/12/2021 đến hết ngày 26/12/2021",
        "đến hết ngày 02/01/2022",
        "20/12/2021, 26/12/2021",
        "Tiếp xúc gần (F1) với ca bệnh số 12",
        "Trung tâm Y tế thành phố Hạ Long",
    ):
        assert expected in text, expected


def test_without_self_monitoring_or_test_days_the_order_says_so_rather_than_inventing_dates():
    [text] = page_texts(render_orders_pdf([order_sheet(self_monitoring_end=None, test_days=[], birth_date=None)]))
    assert "Tự theo dõi sức khỏe" not in text
    assert "theo chỉ định của cơ quan y tế" in text
    assert "sinh ngày" not in text


def test_bulk_orders_are_one_page_each_in_order():
    names = ["Nguyễn Văn An", "Trần Thị Bình", "Phạm Minh Châu", "Hoàng Đức Dũng", "Vũ Thị Én"]
    sheets = [order_sheet(person_name=name, number=f"{index:04d}") for index, name in enumerate(names, start=1)]
    texts = page_texts(render_orders_pdf(sheets))
    assert len(texts) == len(names)
    for index, (name, text) in enumerate(zip(names, texts, strict=True), start=1):
        assert name in text
        assert f"Số: {index:04d}/QĐ-UBND" in text
        assert all(other not in text for other in names if other != name)


def test_a_long_address_and_reason_still_fit_on_the_page():
    long_text = "Khu tập thể số 7, ngõ 12, đường Nguyễn Văn Cừ, " * 6
    pdf = render_orders_pdf([order_sheet(address=long_text, place=long_text, reason=long_text)])
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    positions = text_positions(pdf)
    assert min(y for _x, y, _text in positions) > 10  # nothing falls off the bottom edge
    assert "Trần Văn Nam" in {text for _x, _y, text in positions}


def test_an_empty_bulk_is_still_a_valid_document():
    assert len(PdfReader(io.BytesIO(render_orders_pdf([]))).pages) == 1


def test_the_release_certificate_states_person_period_and_tests_and_its_qr_holds_the_verify_url():
    sheet = release_sheet()
    pdf = render_release_pdf(sheet)
    [text] = page_texts(pdf)
    for expected in (
        "ỦY BAN NHÂN DÂN PHƯỜNG HÀ KHÁNH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Số: 0007/GXN-UBND",
        "Hà Khánh, ngày 27 tháng 12 năm 2021",
        "GIẤY XÁC NHẬN HOÀN THÀNH THỜI GIAN CÁCH LY Y TẾ",
        "Lê Văn Đức",
        "30/11/1985",
        "022085009876",
        "từ ngày 20/12/2021 đến hết ngày 26/12/2021",
        "26/12/2021: RT-PCR: Âm tính",
        "Trần Văn Nam",
    ):
        assert expected in text, expected
    assert qr_texts(pdf) == [sheet.verify_url]
    assert PdfReader(io.BytesIO(pdf)).metadata.get("/Keywords") == "0007"


def test_the_release_qr_follows_the_url_it_is_given():
    first = render_release_pdf(release_sheet(verify_url="https://a.example/q/verify/one"))
    second = render_release_pdf(release_sheet(verify_url="https://a.example/q/verify/two"))
    assert qr_texts(first) == ["https://a.example/q/verify/one"]
    assert qr_texts(second) == ["https://a.example/q/verify/two"]
