"""The screen every list import shares (vaccinations, test results …): upload, result, error report, templates.

Each domain gives its import function and its template page (which extends ``web/spreadsheet_import.html``
and says what the file holds); the form, the error handling and the downloads are the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from phongdich.accounts.models import User
from phongdich.core import spreadsheets
from phongdich.core.errors import DomainError, NotFound
from phongdich.web.views import show_errors, signed_in

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ImportFunction = Callable[[User, bytes, bool], spreadsheets.ImportResult]


class SpreadsheetForm(forms.Form):
    file = forms.FileField(
        label=_("CSV (UTF-8) or XLSX file, at most 5 MB"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
    accept_valid_rows = forms.BooleanField(
        label=_("Import the valid rows even if other rows have errors"), required=False
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > spreadsheets.MAX_BYTES:
            raise forms.ValidationError(_("A file of at most 5 MB."))
        return upload


def import_screen(
    request: HttpRequest, run: ImportFunction, *, template: str, columns: Sequence[str], template_url: str
) -> HttpResponse:
    """The upload form, and after a POST the result and the row-by-row error report."""
    form = SpreadsheetForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        content = form.cleaned_data["file"].read(spreadsheets.MAX_BYTES + 1)
        try:
            result = run(signed_in(request), content, form.cleaned_data["accept_valid_rows"])
        except NotFound:
            raise
        except DomainError as error:
            show_errors(form, error)
    context = {"form": form, "result": result, "columns": columns, "template_url": template_url}
    return render(request, template, context)


def download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def template_download(
    request: HttpRequest, *, csv: Callable[[], bytes], xlsx: Callable[[], bytes], name: str
) -> HttpResponse:
    """The empty template, CSV by default, XLSX with ``?format=xlsx``; ``name`` without extension."""
    if request.GET.get("format") == "xlsx":
        return download(xlsx(), f"{name}.xlsx", XLSX)
    return download(csv(), f"{name}.csv", "text/csv; charset=utf-8")
