"""Import doses from a CSV or XLSX file in the national vaccination platform's column layout.

Each row is checked by the same services as a dose typed on screen; reading the file, matching or
registering the person, and the all-or-valid-rows transaction are core.spreadsheets' (see there).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from phongdich.accounts.models import User
from phongdich.core import access
from phongdich.core import spreadsheets as sheets
from phongdich.core.errors import DomainError, NotFound
from phongdich.core.spreadsheets import BORN, CCCD, COMMUNE, NAME, PHONE, SEX, ImportResult, RowError
from phongdich.vaccination import services

__all__ = ["COLUMNS", "ImportResult", "RowError", "import_vaccinations", "template_csv", "template_xlsx"]

MAX_ROWS = sheets.MAX_ROWS
MAX_BYTES = sheets.MAX_BYTES
DOSE = "Mũi tiêm"
VACCINE = "Tên vắc xin"
LOT = "Số lô"
DATE = "Ngày tiêm"
SITE = "Cơ sở tiêm"
COLUMNS = (NAME, BORN, SEX, CCCD, PHONE, COMMUNE, DOSE, VACCINE, LOT, DATE, SITE)
LAYOUT = sheets.SheetLayout(
    columns=COLUMNS,
    required=(CCCD, BORN, DOSE, VACCINE, DATE),
    column_of={
        "product": VACCINE,
        "dose_number": DOSE,
        "date": DATE,
        "lot": LOT,
        "site": SITE,
        **sheets.PERSON_FIELDS,
    },
    sheet_title="Tiem chung",
)


def template_csv() -> bytes:
    return sheets.template_csv(LAYOUT)


def template_xlsx() -> bytes:
    return sheets.template_xlsx(LAYOUT)


def _import_row(actor: User, line: int, row: dict[str, str]) -> sheets.RowOutcome:
    sheets.require_columns(LAYOUT, line, row)
    born = sheets.parse_date(row[BORN])
    if born is None:
        raise sheets.fail(line, BORN, _("Enter the date as DD/MM/YYYY."))
    given = sheets.parse_date(row[DATE])
    if given is None:
        raise sheets.fail(line, DATE, _("Enter the date as DD/MM/YYYY."))
    dose_text = row[DOSE].strip()
    if not dose_text.isdigit() or len(dose_text) > 2:
        raise sheets.fail(line, DOSE, _("The dose number is a whole number (1, 2, 3…)."))
    person, created = sheets.person_for_row(actor, LAYOUT, line, row, born)
    try:
        services.record_vaccination(
            actor,
            services.VaccinationInput(
                person=person.pk,
                dose_number=int(dose_text),
                product=row[VACCINE],
                date=given,
                lot=row.get(LOT, ""),
                site=row.get(SITE, ""),
            ),
        )
    except DomainError as error:
        raise sheets.from_domain(LAYOUT, line, error) from None
    return sheets.RowOutcome(person_created=created)


def import_vaccinations(actor: User, content: bytes, *, accept_valid_rows: bool = False) -> ImportResult:
    """Check every row; store all of them, or (with ``accept_valid_rows``) the valid ones, or none."""
    if not access.can(actor, "vaccination", "add"):
        raise NotFound()
    return sheets.run_import(
        actor,
        LAYOUT,
        content,
        lambda line, row: _import_row(actor, line, row),
        audit_type="vaccination_import",
        accept_valid_rows=accept_valid_rows,
    )
