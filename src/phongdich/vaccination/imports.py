"""Import doses from a CSV or XLSX file in the national vaccination platform's column layout.

Each row is checked by the same services as a dose typed on screen. The whole file is processed in one
transaction: if any row has an error nothing is stored, unless the user accepts the valid rows, in which
case the valid rows are stored and the others reported (each row in its own savepoint).

Persons are matched by CCCD/CMND within the importer's area; the row's date of birth must agree. A CCCD
unknown in the area registers a new person through ``people.services.create_person`` when the row has
every field a registration needs (name, date of birth, sex and the commune code "Mã xã"); otherwise the
row is an error. Rows without a CCCD are errors: matching by name alone is not safe.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from phongdich.accounts.models import User
from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.core import access
from phongdich.core.errors import DomainError, FieldError, InvalidInput, NotFound
from phongdich.people import services as people
from phongdich.people.models import Person
from phongdich.vaccination import services

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024

NAME = "Họ và tên"
BORN = "Ngày sinh"
SEX = "Giới tính"
CCCD = "Số CCCD/CMND"
PHONE = "Số điện thoại"
COMMUNE = "Mã xã"
DOSE = "Mũi tiêm"
VACCINE = "Tên vắc xin"
LOT = "Số lô"
DATE = "Ngày tiêm"
SITE = "Cơ sở tiêm"
COLUMNS = (NAME, BORN, SEX, CCCD, PHONE, COMMUNE, DOSE, VACCINE, LOT, DATE, SITE)
REQUIRED = (CCCD, BORN, DOSE, VACCINE, DATE)

# Service field -> the column the user sees.
_COLUMN_OF = {
    "product": VACCINE,
    "dose_number": DOSE,
    "date": DATE,
    "lot": LOT,
    "site": SITE,
    "full_name": NAME,
    "date_of_birth": BORN,
    "sex": SEX,
    "citizen_id": CCCD,
    "phone": PHONE,
    "home_commune": COMMUNE,
}
_SEXES = {"nam": "male", "nữ": "female", "nu": "female", "male": "male", "female": "female"}


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str


@dataclass
class ImportResult:
    rows: int = 0
    imported: int = 0
    persons_created: int = 0
    errors: list[RowError] = field(default_factory=list)
    stored: bool = False

    @property
    def error_lines(self) -> int:
        return len({e.line for e in self.errors})


def template_csv() -> bytes:
    """The empty template: the header row, UTF-8 with a BOM so spreadsheet programs read the diacritics."""
    out = io.StringIO()
    csv.writer(out).writerow(COLUMNS)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _date(text: str) -> dt.date | None:
    text = text.strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


class _RowFailed(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("row failed")
        self.errors = errors


def _fail(line: int, column: str, message: str) -> _RowFailed:
    return _RowFailed([RowError(line, column, message)])


def _from_domain(line: int, error: DomainError) -> _RowFailed:
    if not error.errors:
        return _RowFailed([RowError(line, "", error.detail)])
    return _RowFailed([RowError(line, _COLUMN_OF.get(e.field, e.field), e.message) for e in error.errors])


def _person(actor: User, line: int, row: dict[str, str], born: dt.date) -> tuple[Person, bool]:
    cccd = "".join(row.get(CCCD, "").split())
    person = access.restrict(Person.objects.all(), actor, "view").filter(citizen_id=cccd).first()
    if person is not None:
        if person.date_of_birth != born:
            raise _fail(line, BORN, _("The date of birth differs from the registry's for this CCCD."))
        return person, False
    name, sex, commune = row.get(NAME, "").strip(), row.get(SEX, "").strip().lower(), row.get(COMMUNE, "").strip()
    if not (name and sex and commune):
        raise _fail(
            line,
            CCCD,
            _("No person with this CCCD in your area. Register them first, or give name, sex and commune code."),
        )
    if sex not in _SEXES:
        raise _fail(line, SEX, _("Sex is Nam or Nữ."))
    try:
        created = people.create_person(
            actor,
            people.PersonInput(
                full_name=name,
                sex=_SEXES[sex],
                date_of_birth=born,
                citizen_id=cccd,
                phone=row.get(PHONE, "").strip() or None,
                home_commune=commune,
            ),
        )
    except NotFound:
        raise _fail(line, CCCD, _("You may not register persons.")) from None
    except DomainError as error:
        raise _from_domain(line, error) from None
    return created, True


def _import_row(actor: User, line: int, row: dict[str, str]) -> bool:
    missing = [RowError(line, column, _("This column is required.")) for column in REQUIRED if not row.get(column)]
    if missing:
        raise _RowFailed(missing)
    born = _date(row[BORN])
    if born is None:
        raise _fail(line, BORN, _("Enter the date as DD/MM/YYYY."))
    given = _date(row[DATE])
    if given is None:
        raise _fail(line, DATE, _("Enter the date as DD/MM/YYYY."))
    dose_text = row[DOSE].strip()
    if not dose_text.isdigit() or len(dose_text) > 2:
        raise _fail(line, DOSE, _("The dose number is a whole number (1, 2, 3…)."))
    person, created = _person(actor, line, row, born)
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
        raise _from_domain(line, error) from None
    return created


def _too_many() -> InvalidInput:
    return InvalidInput(
        _("The file has errors."), [FieldError("file", _("At most %(n)s rows a file.") % {"n": MAX_ROWS})]
    )


def _check_headers(headers: list[str]) -> None:
    absent = [column for column in REQUIRED if column not in headers]
    if absent:
        raise InvalidInput(
            _("The file has errors."),
            [FieldError("file", _("Missing columns: %(columns)s.") % {"columns": ", ".join(absent)})],
        )


def _csv_rows(content: bytes) -> list[dict[str, str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(_("The file has errors."), [FieldError("file", _("Save the file as CSV UTF-8."))]) from None
    if "\x00" in text:
        raise InvalidInput(_("The file has errors."), [FieldError("file", _("This is not a CSV file."))])
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    _check_headers([h.strip() for h in (reader.fieldnames or [])])
    rows = []
    for raw in reader:
        row = {(k or "").strip(): (v if isinstance(v, str) else "").strip() for k, v in raw.items()}
        if any(row.values()):
            rows.append(row)
        if len(rows) > MAX_ROWS:
            raise _too_many()
    return rows


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text a CSV would hold: dates as DD/MM/YYYY, 2.0 as 2."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _xlsx_rows(content: bytes) -> list[dict[str, str]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # a damaged or foreign zip: any parser error is the user's file, not a server error
        raise InvalidInput(_("The file has errors."), [FieldError("file", _("This is not an XLSX file."))]) from None
    try:
        sheet = book.worksheets[0]
        lines = sheet.iter_rows(values_only=True, max_col=len(COLUMNS) + 10)
        headers = [_cell_text(v) for v in next(lines, ())]
        _check_headers(headers)
        rows = []
        for scanned, values in enumerate(lines):
            if scanned > 2 * MAX_ROWS:  # blank rows count too: a sheet of a million empty rows is refused
                raise _too_many()
            row = {header: _cell_text(value) for header, value in zip(headers, values, strict=False) if header}
            if any(row.values()):
                rows.append(row)
            if len(rows) > MAX_ROWS:
                raise _too_many()
        return rows
    finally:
        book.close()


def _rows(content: bytes) -> list[dict[str, str]]:
    if len(content) > MAX_BYTES:
        raise InvalidInput(_("The file has errors."), [FieldError("file", _("A file of at most 5 MB."))])
    if content.startswith(b"PK\x03\x04"):
        return _xlsx_rows(content)
    return _csv_rows(content)


def template_xlsx() -> bytes:
    """The empty template as a spreadsheet: the header row, every column as text (CCCD keeps its zeros)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Tiem chung"
    sheet.append(list(COLUMNS))
    for index in range(1, len(COLUMNS) + 1):
        letter = openpyxl.utils.get_column_letter(index)
        sheet.column_dimensions[letter].width = 18
        for line in range(2, 201):
            sheet.cell(row=line, column=index).number_format = "@"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def import_vaccinations(actor: User, content: bytes, *, accept_valid_rows: bool = False) -> ImportResult:
    """Check every row; store all of them, or (with ``accept_valid_rows``) the valid ones, or none."""
    if not access.can(actor, "vaccination", "add"):
        raise NotFound()
    rows = _rows(content)
    result = ImportResult(rows=len(rows))
    with transaction.atomic():
        for index, row in enumerate(rows):
            line = index + 2  # the header is line 1
            try:
                with transaction.atomic():
                    created = _import_row(actor, line, row)
            except _RowFailed as failed:
                result.errors.extend(failed.errors)
                continue
            result.imported += 1
            result.persons_created += int(created)
        if result.errors and not accept_valid_rows:
            transaction.set_rollback(True)
            result.imported = 0
            result.persons_created = 0
            return result
        result.stored = result.imported > 0
        audit.record(
            actor,
            AuditAction.CREATE,
            "vaccination_import",
            detail={"rows": result.rows, "imported": result.imported, "rejected": result.error_lines},
        )
    return result
