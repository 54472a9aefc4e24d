"""The situation report as PDF (text read back with pypdf) and XLSX (figures read back with openpyxl)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from phongdich.reports import documents, services

pytestmark = pytest.mark.django_db

ZERO = dict.fromkeys(
    ("new_cases", "f1_traced", "quarantined_facility", "quarantined_home", "tests", "positives", "vaccinations"), 0
)


@pytest.fixture
def reported(units, commune_officer, ha_phong_officer, mong_cai_officer):
    today = services.local_today()
    for officer, code, figures, text in (
        (commune_officer, "06649", {"new_cases": 12, "tests": 340}, "Thiếu que test nhanh"),
        (ha_phong_officer, "06652", {"new_cases": 3, "tests": 95}, ""),
        (mong_cai_officer, "06727", {"new_cases": 7, "tests": 120, "vaccinations": 45}, ""),
    ):
        services.submit_report(
            officer, services.ReportInput(commune=code, day=today, figures={**ZERO, **figures}, difficulties=text)
        )
    return today


def test_the_pdf_has_the_title_totals_districts_missing_and_difficulties(units, province_admin, reported):
    summary = services.summary(province_admin, reported)
    assert summary is not None
    content = documents.render_pdf(summary)
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) >= 2  # the table by commune starts a page of its own
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    assert f"BÁO CÁO NHANH TÌNH HÌNH DỊCH COVID-19 NGÀY {reported:%d/%m/%Y}" in flat
    assert f"3/{summary.total.expected} xã, phường, thị trấn đã gửi báo cáo" in flat
    assert "Thành phố Hạ Long" in flat and "Thành phố Móng Cái" in flat
    assert "Thiếu que test nhanh" in flat
    assert "Các đơn vị chưa báo cáo" in flat
    assert "22" in flat  # the province's new cases: 12 + 3 + 7


def test_the_xlsx_reads_back_the_same_figures(units, province_admin, reported):
    summary = services.summary(province_admin, reported)
    assert summary is not None
    workbook = load_workbook(io.BytesIO(documents.render_xlsx(summary)))
    assert workbook.sheetnames == ["Tổng hợp", "Theo xã", "Chưa báo cáo", "Khó khăn, đề xuất"]
    sheet = workbook["Tổng hợp"]
    header = [cell.value for cell in sheet[3]]
    assert header[:4] == ["Đơn vị", "Mã", "Đã báo cáo", "Số đơn vị"]
    cases, tests = header.index("Ca mắc mới (F0)"), header.index("Xét nghiệm")
    rows = {row[1]: row for row in sheet.iter_rows(min_row=4, values_only=True)}
    assert rows["193"][2] == 2 and rows["193"][cases] == 15 and rows["193"][tests] == 435
    assert rows["194"][2] == 1 and rows["194"][cases] == 7
    assert rows["22"][0] == "Tổng cộng" and rows["22"][cases] == 22 and rows["22"][2] == 3
    communes = {row[2]: row for row in workbook["Theo xã"].iter_rows(min_row=4, values_only=True)}
    assert len(communes) == summary.total.expected
    assert communes["06727"][header.index("Mũi tiêm") + 1] == 45
    missing = [row[1] for row in workbook["Chưa báo cáo"].iter_rows(min_row=2, values_only=True)]
    assert len(missing) == summary.total.expected - 3 and "06649" not in missing
    difficulties = list(workbook["Khó khăn, đề xuất"].iter_rows(min_row=2, values_only=True))
    assert difficulties == [("Phường Hà Khánh", "06649", "Thiếu que test nhanh")]


def test_a_district_report_is_by_commune(units, district_officer, reported):
    summary = services.summary(district_officer, reported)
    assert summary is not None
    workbook = load_workbook(io.BytesIO(documents.render_xlsx(summary)))
    codes = [row[1] for row in workbook["Tổng hợp"].iter_rows(min_row=4, values_only=True)]
    assert "06649" in codes and "06727" not in codes and "194" not in codes
    text = " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(documents.render_pdf(summary))).pages).split()
    )
    assert "Móng Cái" not in text and "Phường Hà Khánh" in text


def test_difficulties_are_written_as_text_not_formulas(units, commune_officer, province_admin):
    today = services.local_today()
    typed = '=HYPERLINK("http://example.com","Bấm vào đây")'
    services.submit_report(
        commune_officer, services.ReportInput(commune="06649", day=today, figures=ZERO, difficulties=typed)
    )
    summary = services.summary(province_admin, today)
    assert summary is not None
    sheet = load_workbook(io.BytesIO(documents.render_xlsx(summary)))["Khó khăn, đề xuất"]
    cell = sheet["C2"]
    assert cell.value == typed and cell.data_type == "s"
