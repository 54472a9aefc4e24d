"""Exposure notification screens and the public files phones download.

Public (anonymous, cacheable): the signing keys, each region's export index and files, and the page a
verification link opens. Signed in: the citizen's own alerts, the adoption figures, issuing a code.
"""

from __future__ import annotations

import datetime as dt
import re

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from phongdich.cases.models import Case
from phongdich.core import access
from phongdich.core.errors import DomainError, FieldError, InvalidInput
from phongdich.exposure import adoption, exports, services
from phongdich.exposure.models import TestType
from phongdich.web.views import screen, signed_in

REGION_PATTERN = re.compile(r"^[A-Za-z0-9-]{1,16}$")
FILE_PATTERN = re.compile(r"^[0-9]{1,12}-[0-9]{1,12}-[0-9]{5}(-[0-9a-f]{8})?\.zip$")


def _public_text(text: str, max_age: int) -> HttpResponse:
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response


@require_GET
def signing_keys(request: HttpRequest) -> HttpResponse:
    """``<key id>-<version> <base64 public key>`` lines, as phones are configured with."""
    return _public_text(exports.public_keys_text(), 3600)


@require_GET
def export_index(request: HttpRequest, region: str) -> HttpResponse:
    if not REGION_PATTERN.match(region):
        raise Http404()
    return _public_text(exports.index_text(region), 300)


@require_GET
def export_file(request: HttpRequest, region: str, name: str) -> HttpResponse:
    if not REGION_PATTERN.match(region) or not FILE_PATTERN.match(name):
        raise Http404()
    data = exports.export_file(region, name)
    if data is None:
        raise Http404()
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "public, max-age=86400, immutable"
    return response


@require_GET
def verification_link(request: HttpRequest) -> HttpResponse:
    """What a verification link opens on a phone without the app: the code to type into the app."""
    code = request.GET.get("c", "")
    code = code if re.fullmatch(r"[a-z0-9]{1,64}", code) else ""
    response = render(request, "exposure/verification_link.html", {"code": code})
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@screen
def my_alerts(request: HttpRequest) -> HttpResponse:
    """Thông báo phơi nhiễm: the signed-in citizen's exposure alerts (kept only with their consent)."""
    user = signed_in(request)
    if user.person_id is None or not access.can(user, "exposure_alert", "view"):
        raise Http404()
    response = render(
        request,
        "exposure/my_alerts.html",
        {"alerts": services.my_alerts(user), "installs": services.my_installs(user)},
    )
    response["Cache-Control"] = "private, no-store"
    return response


@screen
def adoption_screen(request: HttpRequest) -> HttpResponse:
    """Installs and active phones per commune against the population, and the simulation's effect."""
    user = signed_in(request)
    if not adoption.may_see_adoption(user):
        raise Http404()
    rows = adoption.adoption_by_commune(user)
    report = adoption.latest_simulation()
    return render(
        request,
        "exposure/adoption.html",
        {"rows": rows, "total": adoption.totals(rows), "report": report, "active_days": adoption.ACTIVE_DAYS},
    )


@screen
def issue_code(request: HttpRequest, pk: int) -> HttpResponse:
    """An official issues a verification code for a case: the short code is shown once, to read out."""
    user = signed_in(request)
    case = access.get_or_404(Case.objects.select_related("person"), user, "change", pk=pk)
    issued = None
    errors: list[str] = []
    values = {"test_type": TestType.CONFIRMED, "symptom_onset": "", "test_date": ""}
    if request.method == "POST":
        values = {name: request.POST.get(name, "").strip() for name in values}
        try:
            data = services.CodeInput(
                values["test_type"],
                _parse_date(values["symptom_onset"], "symptom_onset"),
                _parse_date(values["test_date"], "test_date"),
            )
            issued = services.issue_code(user, case.pk, data, send=request.POST.get("send") == "on")
        except DomainError as error:
            errors = [item.message for item in error.errors] or [error.detail]
        else:
            messages.success(request, _("The code is issued."))
    else:
        values["test_date"] = case.sampled_on.isoformat()
        values["symptom_onset"] = case.onset_date.isoformat() if case.onset_date else ""
    response = render(
        request,
        "exposure/issue_code.html",
        {
            "case": case,
            "issued": issued,
            "errors": errors,
            "values": values,
            "test_types": TestType.choices,
            "now": timezone.now(),
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _parse_date(text: str, field_name: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(_("The request has errors."), [FieldError(field_name, _("Enter a valid date."))]) from None
