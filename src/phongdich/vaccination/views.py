"""Vaccination screens: find a person and record a dose, import a file, coverage table and CSV export.

Thin views over vaccination.services; a person outside the account's scope answers 404.
"""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from phongdich.core import access
from phongdich.core.errors import DomainError, NotFound
from phongdich.people import services as people
from phongdich.vaccination import coverage, imports, services
from phongdich.vaccination.forms import DoseForm, FindPersonForm
from phongdich.web import spreadsheets
from phongdich.web.views import screen, show_errors, signed_in


@screen
def entry(request: HttpRequest) -> HttpResponse:
    """At the vaccination site: find the person by CCCD or phone."""
    user = signed_in(request)
    if not access.can(user, "vaccination", "add"):
        raise Http404()
    form = FindPersonForm(request.GET or None)
    found = None
    if form.is_bound and form.is_valid():
        found = list(people.search_persons(user, query=form.cleaned_data["q"])[:20])
        people.record_list_read(user, found, {"q": form.cleaned_data["q"]})
    return render(request, "vaccination/entry.html", {"form": form, "found": found})


@screen
@require_http_methods(["GET", "POST"])
def person_doses(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    person, status = services.person_vaccinations(user, pk)
    can_add = access.can(user, "vaccination", "add")
    choices = [(p.code, p.name) for p in services.products()]
    form = DoseForm(request.POST or None, products=choices, initial={"dose_number": len(status.doses) + 1})
    if request.method == "POST":
        if not can_add:
            raise Http404()
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.record_vaccination(
                    user,
                    services.VaccinationInput(
                        person=person.pk,
                        dose_number=data["dose_number"],
                        product=data["product"],
                        date=data["date"],
                        lot=data["lot"],
                        site=data["site"],
                    ),
                )
            except NotFound:
                raise
            except DomainError as error:
                show_errors(form, error)
            else:
                messages.success(request, _("The dose is recorded."))
                return redirect("vaccination-person", pk=person.pk)
    return render(
        request,
        "vaccination/person.html",
        {"person": person, "status": status, "form": form, "can_add": can_add},
    )


@screen
@require_http_methods(["GET", "POST"])
def import_file(request: HttpRequest) -> HttpResponse:
    if not access.can(signed_in(request), "vaccination", "add"):
        raise Http404()
    return spreadsheets.import_screen(
        request,
        lambda user, content, accept: imports.import_vaccinations(user, content, accept_valid_rows=accept),
        template="vaccination/import.html",
        columns=imports.COLUMNS,
        template_url=reverse("vaccination-import-template"),
    )


@screen
def import_template(request: HttpRequest) -> HttpResponse:
    if not access.can(signed_in(request), "vaccination", "add"):
        raise Http404()
    return spreadsheets.template_download(
        request, csv=imports.template_csv, xlsx=imports.template_xlsx, name="mau-nhap-tiem-chung"
    )


@screen
def coverage_table(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not coverage.may_see_coverage(user):
        raise Http404()
    today = timezone.localdate()
    rows = coverage.coverage(user, today)
    export = request.GET.get("format")
    if export in ("csv", "xlsx"):
        table = _coverage_table(rows)
        name = f"do-phu-tiem-{today.isoformat()}"
        if export == "xlsx":
            return spreadsheets.download(_xlsx(table), f"{name}.xlsx", spreadsheets.XLSX)
        out = io.StringIO()
        csv.writer(out).writerows(table)
        return spreadsheets.download(
            ("\ufeff" + out.getvalue()).encode("utf-8"), f"{name}.csv", "text/csv; charset=utf-8"
        )
    return render(
        request,
        "vaccination/coverage.html",
        {"rows": rows, "bands": coverage.band_labels(), "today": today},
    )


def _coverage_table(rows: list[coverage.CoverageRow]) -> list[list[object]]:
    """The export: one line per unit and age band, counts and percentages (empty when the census is unknown)."""
    header: list[object] = [
        _("Code"),
        _("Unit"),
        _("Level"),
        _("Age band"),
        _("Population"),
        _("First dose"),
        _("First dose %"),
        _("Full course"),
        _("Full course %"),
    ]
    labels = dict(coverage.band_labels())
    table = [header]
    for row in rows:
        for key, cell in row.cell_list():
            table.append(
                [
                    row.unit.code,
                    row.unit.name,
                    row.unit.get_level_display(),
                    labels[key],
                    "" if cell.population is None else cell.population,
                    cell.first_dose,
                    "" if cell.first_dose_pct is None else cell.first_dose_pct,
                    cell.full_course,
                    "" if cell.full_course_pct is None else cell.full_course_pct,
                ]
            )
    return table


def _xlsx(table: list[list[object]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for line in table:
        sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
