"""The province's daily situation report ("Báo cáo nhanh tình hình dịch COVID-19 ngày …") as PDF and XLSX.

Both are built from one ``services.Summary``: the unit's totals with how many communes reported, a table by
district (or by commune for a district), the table by commune, the communes that have not reported and the
difficulties communes raised. Aggregates only: no person appears anywhere. The document is in Vietnamese
(the official report's language) whatever the screen's language.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from phongdich.core.pdf import BOLD, REGULAR, register_fonts
from phongdich.reports.models import FIGURE_NAMES
from phongdich.reports.services import Row, Summary

# The report's column headings, in Vietnamese as the official form has them.
HEADINGS: dict[str, str] = {
    "new_cases": "Ca mắc mới (F0)",
    "f1_traced": "F1 truy vết",
    "quarantined_facility": "Cách ly tập trung",
    "quarantined_home": "Cách ly tại nhà",
    "tests": "Xét nghiệm",
    "positives": "Dương tính",
    "vaccinations": "Mũi tiêm",
}
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


def title(summary: Summary) -> str:
    return f"Báo cáo nhanh tình hình dịch COVID-19 ngày {summary.day:%d/%m/%Y}"


def file_name(summary: Summary, extension: str) -> str:
    return f"bao-cao-nhanh-{summary.unit.code}-{summary.day:%Y%m%d}.{extension}"


def _reported_text(row: Row) -> str:
    return f"{row.reported}/{row.expected}"


def _completeness(summary: Summary) -> str:
    deadline = timezone.localtime(summary.deadline)
    return (
        f"{summary.total.reported}/{summary.total.expected} xã, phường, thị trấn đã gửi báo cáo; "
        f"{summary.total.missing} chưa báo cáo trước {deadline:%H:%M} ngày {deadline:%d/%m/%Y}"
        + (f" ({summary.late} báo cáo gửi sau hạn)." if summary.late else ".")
    )


def _table_rows(rows: Sequence[Row], first: str) -> list[list[str]]:
    header = [first, "Đã báo cáo", *(HEADINGS[name] for name in FIGURE_NAMES)]
    body = [
        [row.unit.name, _reported_text(row), *(f"{row.figures[name]:,}".replace(",", ".") for name in FIGURE_NAMES)]
        for row in rows
    ]
    return [header, *body]


# --- PDF ------------------------------------------------------------------------------------------------


def _styles() -> dict[str, ParagraphStyle]:
    return {
        "nation": ParagraphStyle("nation", fontName=BOLD, fontSize=10.5, alignment=1, leading=13),
        "motto": ParagraphStyle("motto", fontName=BOLD, fontSize=11.5, alignment=1, leading=15),
        "title": ParagraphStyle("title", fontName=BOLD, fontSize=14, alignment=1, leading=18, spaceBefore=8),
        "h2": ParagraphStyle("h2", fontName=BOLD, fontSize=11.5, leading=15, spaceBefore=10, spaceAfter=4),
        "body": ParagraphStyle("body", fontName=REGULAR, fontSize=10, leading=13),
        "cell": ParagraphStyle("cell", fontName=REGULAR, fontSize=8.5, leading=10.5),
        "head": ParagraphStyle("head", fontName=BOLD, fontSize=8.5, leading=10.5, alignment=1),
    }


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _pdf_table(rows: list[list[str]], styles: dict[str, ParagraphStyle], total: list[str] | None) -> Table:
    data: list[list[object]] = [[Paragraph(_escape(cell), styles["head"]) for cell in rows[0]]]
    data += [[Paragraph(_escape(row[0]), styles["cell"]), *row[1:]] for row in rows[1:]]
    if total is not None:
        data.append([Paragraph(f"<b>{_escape(total[0])}</b>", styles["cell"]), *total[1:]])
    widths = [5.2 * cm, 2.0 * cm] + [2.6 * cm] * len(FIGURE_NAMES)
    table = Table(data, colWidths=widths, repeatRows=1)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), REGULAR),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    if total is not None:
        style += [("FONTNAME", (0, -1), (-1, -1), BOLD), ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f4f4f4"))]
    table.setStyle(TableStyle(style))
    return table


def render_pdf(summary: Summary) -> bytes:
    """The situation report on A4 landscape pages: totals, by district, by commune, missing, difficulties."""
    register_fonts()
    styles = _styles()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=1.5 * cm,
        rightMargin=1.5 * cm,
        topMargin=1.2 * cm,
        bottomMargin=1.2 * cm,
        title=title(summary),
        author="PhòngDịch",
        creator="PhòngDịch",
    )
    story: list[object] = [
        Paragraph(NATION, styles["nation"]),
        Paragraph(MOTTO, styles["motto"]),
        Paragraph(_escape(title(summary).upper()), styles["title"]),
        Paragraph(_escape(summary.unit.name), styles["motto"]),
        Spacer(1, 0.3 * cm),
        Paragraph(_escape(_completeness(summary)), styles["body"]),
        Paragraph("I. Tổng hợp", styles["h2"]),
    ]
    totals = [[HEADINGS[name], f"{summary.total.figures[name]:,}".replace(",", ".")] for name in FIGURE_NAMES]
    total_table = Table(totals, colWidths=[6 * cm, 3 * cm])
    total_table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("FONTNAME", (1, 0), (1, -1), BOLD),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ]
        )
    )
    story.append(total_table)
    by_district = summary.unit.level == "province"
    total_row = [
        "Tổng cộng",
        _reported_text(summary.total),
        *(f"{summary.total.figures[n]:,}".replace(",", ".") for n in FIGURE_NAMES),
    ]
    story += [
        Paragraph(
            "II. Theo huyện, thị xã, thành phố" if by_district else "II. Theo xã, phường, thị trấn", styles["h2"]
        ),
        _pdf_table(_table_rows(summary.rows, "Đơn vị"), styles, total_row),
    ]
    if by_district:
        story += [
            PageBreak(),
            Paragraph("III. Theo xã, phường, thị trấn", styles["h2"]),
            _pdf_table(_table_rows([row for row, _report in summary.communes], "Xã, phường, thị trấn"), styles, None),
        ]
    story.append(Paragraph("Các đơn vị chưa báo cáo", styles["h2"]))
    if summary.missing:
        names = ", ".join(
            f"{unit.name}" + (f" ({unit.parent.name})" if unit.parent is not None else "") for unit in summary.missing
        )
        story.append(Paragraph(_escape(names), styles["body"]))
    else:
        story.append(Paragraph("Tất cả các đơn vị đã báo cáo.", styles["body"]))
    story.append(Paragraph("Khó khăn, vướng mắc và đề xuất", styles["h2"]))
    if summary.difficulties:
        for unit, text in summary.difficulties:
            story.append(
                Paragraph(f"<b>{_escape(unit.name)}:</b> {_escape(text)}".replace("\n", "<br/>"), styles["body"])
            )
            story.append(Spacer(1, 0.15 * cm))
    else:
        story.append(Paragraph("Không có.", styles["body"]))
    stamp = timezone.localtime()
    story += [
        Spacer(1, 0.4 * cm),
        Paragraph(f"Lập lúc {stamp:%H:%M} ngày {stamp:%d/%m/%Y} từ PhòngDịch.", styles["cell"]),
    ]
    document.build(story)
    return buffer.getvalue()


# --- XLSX -----------------------------------------------------------------------------------------------

HEADER_FILL = PatternFill("solid", fgColor="E8EEF4")


def _text_only(sheet: Worksheet) -> None:
    """Text typed by communes stays text: openpyxl would store "=HYPERLINK(…)" as a live formula."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.data_type == "f":
                cell.data_type = "s"


def _sheet(
    workbook: Workbook,
    name: str,
    heading: str,
    rows: list[list[str]],
    numbers: list[list[object]],
    total: list[object] | None,
) -> None:
    sheet = workbook.create_sheet(name)
    sheet.append([heading])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    sheet.append(rows[0])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for line in numbers:
        sheet.append(line)
    if total is not None:
        sheet.append(total)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 34
    for column in range(2, len(rows[0]) + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 14
    sheet.freeze_panes = "B4"


def _number_rows(rows: Sequence[Row], with_district: bool) -> list[list[object]]:
    lines: list[list[object]] = []
    for row in rows:
        prefix: list[object] = [row.unit.name]
        if with_district:
            prefix.append(row.unit.parent.name if row.unit.parent is not None else "")
        lines.append(
            [*prefix, row.unit.code, row.reported, row.expected, *(row.figures[name] for name in FIGURE_NAMES)]
        )
    return lines


def render_xlsx(summary: Summary) -> bytes:
    """The same report as a workbook: "Tổng hợp" (by district), "Theo xã", "Chưa báo cáo", "Khó khăn"."""
    workbook = Workbook()
    default = workbook.active
    if default is not None:
        workbook.remove(default)
    figure_heads = [HEADINGS[name] for name in FIGURE_NAMES]
    by_district = summary.unit.level == "province"
    header = ["Đơn vị", "Mã", "Đã báo cáo", "Số đơn vị", *figure_heads]
    total: list[object] = [
        "Tổng cộng",
        summary.unit.code,
        summary.total.reported,
        summary.total.expected,
        *(summary.total.figures[name] for name in FIGURE_NAMES),
    ]
    heading = f"{title(summary)} – {summary.unit.name}. {_completeness(summary)}"
    _sheet(workbook, "Tổng hợp", heading, [header], _number_rows(summary.rows, False), total)
    commune_header = ["Xã, phường, thị trấn", "Huyện", "Mã", "Đã báo cáo", "Số đơn vị", *figure_heads, "Gửi lúc"]
    commune_lines: list[list[object]] = []
    for row, report in summary.communes:
        line = _number_rows([row], True)[0]
        sent = timezone.localtime(report.revised_at or report.submitted_at).strftime("%H:%M %d/%m/%Y") if report else ""
        commune_lines.append([*line, sent])
    _sheet(workbook, "Theo xã", title(summary), [commune_header], commune_lines, None)
    missing = workbook.create_sheet("Chưa báo cáo")
    missing.append(["Xã, phường, thị trấn", "Mã", "Huyện"])
    for unit in summary.missing:
        missing.append([unit.name, unit.code, unit.parent.name if unit.parent is not None else ""])
    missing.column_dimensions["A"].width = 34
    missing.column_dimensions["C"].width = 28
    difficulties = workbook.create_sheet("Khó khăn, đề xuất")
    difficulties.append(["Xã, phường, thị trấn", "Mã", "Khó khăn, vướng mắc và đề xuất"])
    for unit, text in summary.difficulties:
        difficulties.append([unit.name, unit.code, text])
    _text_only(difficulties)
    difficulties.column_dimensions["A"].width = 30
    difficulties.column_dimensions["C"].width = 90
    if not by_district:
        workbook["Tổng hợp"]["A3"].value = "Xã, phường, thị trấn"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
