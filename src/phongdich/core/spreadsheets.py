"""Lists uploaded as CSV or XLSX (vaccinations, test results, …): reading, templates, row-by-row import.

A domain describes its file with a :class:`SheetLayout` and imports one row at a time; this module does
the rest the same way for every list. The whole file is processed in one transaction: if any row has an
error nothing is stored, unless the user accepts the valid rows, in which case the valid rows are stored
and the others reported (each row in its own savepoint).

Persons are matched by CCCD/CMND within the importer's area and the row's date of birth must agree
(:func:`person_for_row`). A CCCD unknown in the area registers a new person when the row has every field
a registration needs (name, date of birth, sex and the commune code); rows without a CCCD are errors:
matching by name alone is not safe.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from phongdich.accounts.models import User
from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.core import access
from phongdich.core.errors import DomainError, FieldError, InvalidInput, NotFound
from phongdich.core.text import search_key
from phongdich.people.models import Person

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024

# The person columns every list of the national platforms carries.
NAME = "Họ và tên"
BORN = "Ngày sinh"
SEX = "Giới tính"
CCCD = "Số CCCD/CMND"
PHONE = "Số điện thoại"
COMMUNE = "Mã xã"
PERSON_FIELDS = {
    "full_name": NAME,
    "date_of_birth": BORN,
    "sex": SEX,
    "citizen_id": CCCD,
    "phone": PHONE,
    "home_commune": COMMUNE,
}
_SEXES = {"nam": "male", "nu": "female", "male": "male", "female": "female"}


@dataclass(frozen=True)
class SheetLayout:
    columns: tuple[str, ...]
    required: tuple[str, ...]
    # A service's field name -> the column the user sees, so errors point at the cell.
    column_of: dict[str, str]
    sheet_title: str


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str


@dataclass(frozen=True)
class RowOutcome:
    """What one imported row did: stored anew or already there, a person registered, domain counts."""

    stored: bool = True
    person_created: bool = False
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class ImportResult:
    rows: int = 0
    imported: int = 0
    already: int = 0  # rows that were stored by an earlier import of the same file: nothing changed
    persons_created: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    stored: bool = False

    @property
    def error_lines(self) -> int:
        return len({e.line for e in self.errors})


class RowFailed(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("row failed")
        self.errors = errors


def fail(line: int, column: str, message: str) -> RowFailed:
    return RowFailed([RowError(line, column, message)])


def from_domain(layout: SheetLayout, line: int, error: DomainError) -> RowFailed:
    if not error.errors:
        return RowFailed([RowError(line, "", error.detail)])
    return RowFailed([RowError(line, layout.column_of.get(e.field, e.field), e.message) for e in error.errors])


def require_columns(layout: SheetLayout, line: int, row: dict[str, str]) -> None:
    missing = [
        RowError(line, column, _("This column is required.")) for column in layout.required if not row.get(column)
    ]
    if missing:
        raise RowFailed(missing)


def parse_date(text: str) -> dt.date | None:
    text = text.strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def person_for_row(
    actor: User, layout: SheetLayout, line: int, row: dict[str, str], born: dt.date
) -> tuple[Person, bool]:
    """The row's person (found by CCCD in the actor's area, or registered from the row) and whether it is new."""
    from phongdich.people import services as people

    cccd = "".join(row.get(CCCD, "").split())
    person = access.restrict(Person.objects.all(), actor, "view").filter(citizen_id=cccd).first()
    if person is not None:
        if person.date_of_birth != born:
            raise fail(line, BORN, _("The date of birth differs from the registry's for this CCCD."))
        return person, False
    # Sex compared without case or diacritics: "Nữ", "NU" and "nu" are the same answer.
    name, sex, commune = row.get(NAME, "").strip(), search_key(row.get(SEX, "")), row.get(COMMUNE, "").strip()
    if not (name and sex and commune):
        raise fail(
            line,
            CCCD,
            _("No person with this CCCD in your area. Register them first, or give name, sex and commune code."),
        )
    if sex not in _SEXES:
        raise fail(line, SEX, _("Sex is Nam or Nữ."))
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
        raise fail(line, CCCD, _("You may not register persons.")) from None
    except DomainError as error:
        raise from_domain(layout, line, error) from None
    return created, True


# --- Reading the file ------------------------------------------------------------------------------


def _file_error(message: str) -> InvalidInput:
    return InvalidInput(_("The file has errors."), [FieldError("file", message)])


def _too_many() -> InvalidInput:
    return _file_error(_("At most %(n)s rows a file.") % {"n": MAX_ROWS})


def _check_headers(layout: SheetLayout, headers: list[str]) -> None:
    absent = [column for column in layout.required if column not in headers]
    if absent:
        raise _file_error(_("Missing columns: %(columns)s.") % {"columns": ", ".join(absent)})


def _csv_rows(layout: SheetLayout, content: bytes) -> list[dict[str, str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _file_error(_("Save the file as CSV UTF-8.")) from None
    if "\x00" in text:
        raise _file_error(_("This is not a CSV file."))
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    _check_headers(layout, [h.strip() for h in (reader.fieldnames or [])])
    rows = []
    for raw in reader:
        row = {(k or "").strip(): (v if isinstance(v, str) else "").strip() for k, v in raw.items()}
        if any(row.values()):
            rows.append(row)
        if len(rows) > MAX_ROWS:
            raise _too_many()
    return rows


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a CSV would hold: dates as DD/MM/YYYY (with the time when it has one),
    2.0 as 2."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M") if (value.hour, value.minute) != (0, 0) else value.strftime("%d/%m/%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _xlsx_rows(layout: SheetLayout, content: bytes) -> list[dict[str, str]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # a damaged or foreign zip: any parser error is the user's file, not a server error
        raise _file_error(_("This is not an XLSX file.")) from None
    try:
        sheet = book.worksheets[0]
        lines = sheet.iter_rows(values_only=True, max_col=len(layout.columns) + 10)
        headers = [cell_text(v) for v in next(lines, ())]
        _check_headers(layout, headers)
        rows = []
        for scanned, values in enumerate(lines):
            if scanned > 2 * MAX_ROWS:  # blank rows count too: a sheet of a million empty rows is refused
                raise _too_many()
            row = {header: cell_text(value) for header, value in zip(headers, values, strict=False) if header}
            if any(row.values()):
                rows.append(row)
            if len(rows) > MAX_ROWS:
                raise _too_many()
        return rows
    finally:
        book.close()


def read_rows(layout: SheetLayout, content: bytes) -> list[dict[str, str]]:
    """The file's rows by column name: XLSX (by its signature) or CSV (UTF-8, comma or semicolon)."""
    if len(content) > MAX_BYTES:
        raise _file_error(_("A file of at most 5 MB."))
    if content.startswith(b"PK\x03\x04"):
        return _xlsx_rows(layout, content)
    return _csv_rows(layout, content)


# --- Templates and the import ----------------------------------------------------------------------


def template_csv(layout: SheetLayout) -> bytes:
    """The empty template: the header row, UTF-8 with a BOM so spreadsheet programs read the diacritics."""
    out = io.StringIO()
    csv.writer(out).writerow(layout.columns)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(layout: SheetLayout) -> bytes:
    """The empty template as a spreadsheet: the header row, every column as text (CCCD keeps its zeros)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = layout.sheet_title
    sheet.append(list(layout.columns))
    for index in range(1, len(layout.columns) + 1):
        letter = openpyxl.utils.get_column_letter(index)
        sheet.column_dimensions[letter].width = 18
        for line in range(2, 201):
            sheet.cell(row=line, column=index).number_format = "@"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run_import(
    actor: User,
    layout: SheetLayout,
    content: bytes,
    import_row: Callable[[int, dict[str, str]], RowOutcome],
    *,
    audit_type: str,
    accept_valid_rows: bool = False,
) -> ImportResult:
    """Check every row with ``import_row`` (it raises RowFailed for a bad row); store all of them, or (with
    ``accept_valid_rows``) the valid ones, or none."""
    rows = read_rows(layout, content)
    result = ImportResult(rows=len(rows))
    with transaction.atomic():
        for index, row in enumerate(rows):
            line = index + 2  # the header is line 1
            try:
                with transaction.atomic():
                    outcome = import_row(line, row)
            except RowFailed as failed:
                result.errors.extend(failed.errors)
                continue
            if outcome.stored:
                result.imported += 1
            else:
                result.already += 1
            result.persons_created += int(outcome.person_created)
            for name, count in outcome.counts.items():
                result.counts[name] = result.counts.get(name, 0) + count
        if result.errors and not accept_valid_rows:
            transaction.set_rollback(True)
            result.imported = result.already = result.persons_created = 0
            result.counts = {}
            return result
        result.stored = result.imported > 0
        audit.record(
            actor,
            AuditAction.CREATE,
            audit_type,
            detail={
                "rows": result.rows,
                "imported": result.imported,
                "already": result.already,
                "rejected": result.error_lines,
            },
        )
    return result
