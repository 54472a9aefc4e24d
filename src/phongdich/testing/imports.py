"""Import tests (sample and result) from a CSV or XLSX file: a laboratory's result sheet, one test a row.

Each row goes through the same services as a test entered on screen; reading the file, matching or
registering the person, and the all-or-valid-rows transaction are core.spreadsheets' (see there). A
positive that confirms a case opens it as it would from the screen; a file that is not stored opens
nothing. Importing the same file twice stores nothing the second time: a row's sample is recognised by
person, test type and time of sampling.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from phongdich.accounts.models import User
from phongdich.core import access
from phongdich.core import spreadsheets as sheets
from phongdich.core.errors import DomainError, NotFound
from phongdich.core.spreadsheets import BORN, CCCD, COMMUNE, NAME, PHONE, SEX, ImportResult, RowError
from phongdich.core.text import search_key
from phongdich.testing import services

__all__ = ["COLUMNS", "ImportResult", "RowError", "import_tests", "template_csv", "template_xlsx"]

MAX_ROWS = sheets.MAX_ROWS
MAX_BYTES = sheets.MAX_BYTES
TYPE = "Loại xét nghiệm"
TAKEN = "Thời gian lấy mẫu"
SAMPLE_COMMUNE = "Mã xã nơi lấy mẫu"
SITE = "Nơi lấy mẫu"
LAB = "Đơn vị xét nghiệm"
RESULT = "Kết quả"
CT = "Giá trị Ct"
REPORTED = "Thời gian trả kết quả"
COLUMNS = (NAME, BORN, SEX, CCCD, PHONE, COMMUNE, TYPE, TAKEN, SAMPLE_COMMUNE, SITE, LAB, RESULT, CT, REPORTED)
LAYOUT = sheets.SheetLayout(
    columns=COLUMNS,
    required=(CCCD, BORN, TYPE, TAKEN, RESULT),
    column_of={
        "person": CCCD,
        "test_type": TYPE,
        "taken_at": TAKEN,
        "commune": SAMPLE_COMMUNE,
        "site": SITE,
        "lab": LAB,
        "result": RESULT,
        "ct_value": CT,
        "reported_at": REPORTED,
        "sample": TAKEN,
        **sheets.PERSON_FIELDS,
    },
    sheet_title="Xet nghiem",
)

# Spellings seen on lab sheets, compared without diacritics and case.
_TYPES = {
    "rt-pcr": "rt_pcr",
    "rt_pcr": "rt_pcr",
    "pcr": "rt_pcr",
    "realtime rt-pcr": "rt_pcr",
    "test nhanh": "antigen",
    "test nhanh khang nguyen": "antigen",
    "khang nguyen": "antigen",
    "antigen": "antigen",
    "tu test": "self_test",
    "self_test": "self_test",
    "self-test": "self_test",
}
_RESULTS = {
    "duong tinh": "positive",
    "positive": "positive",
    "+": "positive",
    "am tinh": "negative",
    "negative": "negative",
    "-": "negative",
    "khong xac dinh": "invalid",
    "invalid": "invalid",
}
# Rows of one file name the same sample the same way: re-importing finds what the first import stored.
_NAMESPACE = uuid.UUID("6f1d7a52-7f1e-4c55-9a57-2b8f3c1a9e01")


def _moment(text: str) -> dt.datetime | None:
    """A local date and time as written on lab sheets (a date alone is taken as midnight)."""
    text = " ".join(text.strip().split())
    for fmt in (
        "%d/%m/%Y %H:%M",
        "%d/%m/%Y %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%d/%m/%Y",
        "%Y-%m-%d",
    ):
        try:
            return timezone.make_aware(dt.datetime.strptime(text, fmt))
        except ValueError:
            continue
    return None


def _import_row(actor: User, line: int, row: dict[str, str]) -> sheets.RowOutcome:
    sheets.require_columns(LAYOUT, line, row)
    errors: list[RowError] = []
    born = sheets.parse_date(row[BORN])
    if born is None:
        errors.append(RowError(line, BORN, _("Enter the date as DD/MM/YYYY.")))
    test_type = _TYPES.get(search_key(row[TYPE]))
    if test_type is None:
        errors.append(RowError(line, TYPE, _("The test type is RT-PCR, Test nhanh or Tự test.")))
    taken = _moment(row[TAKEN])
    if taken is None:
        errors.append(RowError(line, TAKEN, _("Enter the date and time as DD/MM/YYYY HH:MM.")))
    result = _RESULTS.get(search_key(row[RESULT]))
    if result is None:
        errors.append(RowError(line, RESULT, _("The result is Dương tính, Âm tính or Không xác định.")))
    ct: Decimal | None = None
    if row.get(CT):
        try:
            ct = Decimal(row[CT].replace(",", "."))
        except InvalidOperation:
            errors.append(RowError(line, CT, _("The Ct value is a number such as 24.5.")))
    reported: dt.datetime | None = None
    if row.get(REPORTED):
        reported = _moment(row[REPORTED])
        if reported is None:
            errors.append(RowError(line, REPORTED, _("Enter the date and time as DD/MM/YYYY HH:MM.")))
    if errors:
        raise sheets.RowFailed(errors)
    assert born is not None and test_type is not None and taken is not None and result is not None
    person, created = sheets.person_for_row(actor, LAYOUT, line, row, born)
    key = f"{person.pk}|{test_type}|{taken.astimezone(dt.UTC).isoformat()}"
    try:
        recorded = services.record_sample(
            actor,
            services.SampleInput(
                person=person.pk,
                test_type=test_type,
                taken_at=taken,
                site=row.get(SITE, ""),
                lab=row.get(LAB, ""),
                commune=row.get(SAMPLE_COMMUNE, ""),
                uuid=uuid.uuid5(_NAMESPACE, key),
                result=result,
                ct_value=ct,
                reported_at=reported,
                result_uuid=uuid.uuid5(_NAMESPACE, f"{key}|result"),
            ),
        )
    except DomainError as error:
        raise sheets.from_domain(LAYOUT, line, error) from None
    positive = recorded.result is not None and recorded.result.result == "positive"
    return sheets.RowOutcome(
        stored=recorded.created, person_created=created, counts={"positives": int(recorded.created and positive)}
    )


def template_csv() -> bytes:
    return sheets.template_csv(LAYOUT)


def template_xlsx() -> bytes:
    return sheets.template_xlsx(LAYOUT)


def import_tests(actor: User, content: bytes, *, accept_valid_rows: bool = False) -> ImportResult:
    """Check every row; store all of them, or (with ``accept_valid_rows``) the valid ones, or none."""
    if not access.can(actor, "sample", "add") or not access.can(actor, "test_result", "add"):
        raise NotFound()
    return sheets.run_import(
        actor,
        LAYOUT,
        content,
        lambda line, row: _import_row(actor, line, row),
        audit_type="test_import",
        accept_valid_rows=accept_valid_rows,
    )
