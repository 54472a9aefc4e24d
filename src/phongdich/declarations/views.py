"""Health declaration screens: the public form (no account, no script needed), the result with the QR codes,
the citizen's own list, and the officers' list and detail. Thin: ``declarations.services`` decides."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import defaultdict
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from phongdich.checkins.views import qr_svg
from phongdich.core import access
from phongdich.core.errors import DomainError
from phongdich.declarations import documents, services
from phongdich.declarations.models import DeclarationKind, RiskAction, VaccinationClaim, VehicleKind
from phongdich.declarations.qr import declaration_qr_text
from phongdich.geo.models import AdministrativeUnit, Level
from phongdich.web.views import paginate, screen, signed_in

PERSON_KEY = re.compile(r"^p\d+_")
PERSON_FIELDS = ("full_name", "birth_year", "sex", "citizen_id", "vaccination")


def _communes_by_district() -> list[tuple[str, list[AdministrativeUnit]]]:
    """The province's communes grouped under their district, for the destination and origin lists."""
    groups: dict[str, list[AdministrativeUnit]] = defaultdict(list)
    names: dict[str, str] = {}
    for commune in AdministrativeUnit.objects.filter(level=Level.COMMUNE).select_related("parent").order_by("path"):
        district = commune.parent
        key = district.code if district else ""
        names[key] = district.name if district else ""
        groups[key].append(commune)
    return [(names[key], units) for key, units in groups.items()]


def _people_from_post(post: Any, count: int) -> list[dict[str, Any]]:
    people = []
    for index in range(count):
        row: dict[str, Any] = {name: post.get(f"p{index}_{name}", "").strip() for name in PERSON_FIELDS}
        row["symptoms"] = post.getlist(f"p{index}_symptoms")
        people.append(row)
    return people


def _year(text: str) -> int | None:
    return int(text) if text.isdecimal() and len(text) <= 4 else None


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _citizen_phone(request: HttpRequest) -> str:
    """A signed-in citizen with a phone on their record declares without a code."""
    from phongdich.people.models import Person

    user = request.user
    if not user.is_authenticated or user.role != "citizen" or user.person_id is None:
        return ""
    person = Person.objects.filter(pk=user.person_id).only("phone").first()
    return person.phone if person is not None else ""


@require_http_methods(["GET", "POST"])
def declare(request: HttpRequest) -> HttpResponse:
    """The public declaration form. Buttons: send the code, add or remove a person, send the declaration."""
    post = request.POST if request.method == "POST" else None
    count = 1
    if post is not None:
        count = min(max(_year(post.get("people_count", "1")) or 1, 1), services.MAX_PEOPLE)
    values: dict[str, Any] = {
        "submission_id": str(uuid.uuid4()),
        "kind": request.GET.get("kind", DeclarationKind.MOVEMENT),
        "travel_date": timezone.localdate().isoformat(),
        "vehicle_kind": "",
        "challenge_id": "",
    }
    people: list[dict[str, Any]] = [{"symptoms": [], "vaccination": "unknown"}]
    errors: dict[str, list[str]] = defaultdict(list)
    notice = ""
    citizen_phone = _citizen_phone(request)
    if post is not None:
        values = {key: post.get(key, "").strip() for key in post if not PERSON_KEY.match(key)}
        values["contact_f0_f1"] = post.get("contact_f0_f1") == "on"
        people = _people_from_post(post, count)
        action = post.get("action", "submit")
        if action == "add_person" and count < services.MAX_PEOPLE:
            people.append({"symptoms": [], "vaccination": "unknown"})
        elif action.startswith("remove_") and count > 1:
            index = _year(action.removeprefix("remove_"))
            if index is not None and 0 < index < count:
                people.pop(index)
        elif action == "send_code":
            try:
                values["challenge_id"] = services.start_phone_check(values.get("phone", ""))
                notice = _("A code was sent to your phone. Enter it below, then send the declaration.")
            except DomainError as exc:
                for item in exc.errors:
                    errors[item.field].append(item.message)
        elif action == "submit":
            data = services.DeclarationInput(
                submission_id=values.get("submission_id", ""),
                kind=values.get("kind", ""),
                people=[
                    services.PersonEntry(
                        full_name=row["full_name"],
                        birth_year=_year(row["birth_year"]),
                        sex=row["sex"],
                        citizen_id=row["citizen_id"],
                        symptoms=tuple(row["symptoms"]),
                        vaccination=row["vaccination"] or VaccinationClaim.UNKNOWN,
                    )
                    for row in people
                ],
                to_commune=values.get("to_commune", ""),
                from_unit=values.get("from_unit", ""),
                from_area=values.get("from_area", ""),
                to_address=values.get("to_address", ""),
                travel_date=_date(values.get("travel_date", "")),
                vehicle_kind=values.get("vehicle_kind", ""),
                vehicle_plate=values.get("vehicle_plate", ""),
                purpose=values.get("purpose", ""),
                contact_f0_f1=bool(values["contact_f0_f1"]),
                places_visited=values.get("places_visited", ""),
            )
            if values.get("travel_date") and data.travel_date is None:
                errors["travel_date"].append(_("Enter the date as YYYY-MM-DD."))
            else:
                try:
                    stored = services.submit_declaration(
                        data,
                        challenge_id=values.get("challenge_id", ""),
                        code=values.get("code", ""),
                        actor=request.user if request.user.is_authenticated else None,
                    )
                except DomainError as exc:
                    for item in exc.errors:
                        errors[item.field].append(item.message)
                    if not exc.errors:
                        errors[""].append(exc.detail)
                else:
                    return redirect("declaration-result", token=services.result_token(stored[0].submission_id))
    for index, row in enumerate(people):
        row["errors"] = {name: errors.get(f"people.{index}.{name}", []) for name in (*PERSON_FIELDS, "symptoms")}
    response = render(
        request,
        "declarations/declare.html",
        {
            "values": values,
            "people": people,
            "errors": errors,
            "has_errors": bool(errors),
            "general_errors": errors.get("", []),
            "notice": notice,
            "citizen_phone": citizen_phone,
            "kinds": DeclarationKind.choices,
            "vehicles": VehicleKind.choices,
            "vaccinations": VaccinationClaim.choices,
            "symptoms": list(services.SYMPTOMS.items()),
            "areas": services.external_areas(),
            "districts": _communes_by_district(),
            "max_people": services.MAX_PEOPLE,
        },
        status=422 if errors else 200,
    )
    add_never_cache_headers(response)
    return response


@require_GET
def result(request: HttpRequest, token: str) -> HttpResponse:
    """The declarant's page: each person's QR, how long it is valid, downloads. Reopened from the signed link."""
    try:
        declarations = services.declarations_for_token(token)
    except DomainError:
        raise Http404() from None
    now = timezone.now()
    cards = [
        {
            "declaration": declaration,
            "qr": qr_svg(declaration_qr_text(declaration), title=_("Health declaration QR")),
            "expired": declaration.valid_until <= now,
        }
        for declaration in declarations
    ]
    response = render(
        request,
        "declarations/result.html",
        {
            "cards": cards,
            "token": token,
            "link": request.build_absolute_uri(reverse("declaration-result", args=[token])),
        },
    )
    add_never_cache_headers(response)
    return response


def _declaration_of(token: str, pk: int) -> Any:
    try:
        declarations = services.declarations_for_token(token)
    except DomainError:
        raise Http404() from None
    for declaration in declarations:
        if declaration.pk == pk:
            return declaration
    raise Http404()


@require_GET
def result_png(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    declaration = _declaration_of(token, pk)
    response = HttpResponse(documents.qr_png(declaration), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="to-khai-y-te-{declaration.pk}.png"'
    add_never_cache_headers(response)
    return response


@require_GET
def result_pdf(request: HttpRequest, token: str) -> HttpResponse:
    try:
        declarations = services.declarations_for_token(token)
    except DomainError:
        raise Http404() from None
    response = HttpResponse(documents.declarations_pdf(declarations), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="to-khai-y-te-{declarations[0].pk}.pdf"'
    add_never_cache_headers(response)
    return response


@screen
@require_GET
def my_declarations(request: HttpRequest) -> HttpResponse:
    """A signed-in citizen's declarations (their own and their family's), newest first."""
    rows = services.my_declarations(signed_in(request))
    now = timezone.now()
    response = render(
        request,
        "declarations/mine.html",
        {
            "rows": rows,
            "now": now,
            "links": {row.submission_id: services.result_token(row.submission_id) for row in rows},
        },
    )
    add_never_cache_headers(response)
    return response


@screen
@require_GET
def declaration_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    kind = request.GET.get("kind", "")
    risk = request.GET.get("risk", "")
    day = _date(request.GET.get("day", ""))
    criteria = services.DeclarationFilter(
        kind=kind if kind in DeclarationKind.values else "", risk=risk if risk in ("yes", "no") else "", day=day
    )
    page = paginate(request, services.search_declarations(user, criteria))
    services.record_list_read(user, list(page.object_list), criteria.__dict__)
    return render(
        request,
        "declarations/list.html",
        {
            "page": page,
            "kinds": DeclarationKind.choices,
            "kind": criteria.kind,
            "risk": criteria.risk,
            "day": day.isoformat() if day else "",
        },
    )


@screen
@require_GET
def declaration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = services.get_declaration(signed_in(request), pk)
    symptoms = [str(services.SYMPTOMS.get(code, code)) for code in declaration.symptoms]
    actions = dict(RiskAction.choices)
    matches = [(match.get("why", ""), actions.get(match.get("action", ""), "")) for match in declaration.risk_matches]
    return render(request, "declarations/detail.html", {"d": declaration, "symptoms": symptoms, "matches": matches})


@screen
@require_http_methods(["GET", "POST"])
def area_list(request: HttpRequest) -> HttpResponse:
    """Areas outside the province and the level the province applies to people coming from them."""
    user = signed_in(request)
    if not access.can(user, "declaration", "view") or user.role == "citizen":
        raise Http404()
    may_change = user.is_superuser or user.role == "province_admin"
    error = ""
    if request.method == "POST":
        if not may_change:
            raise Http404()
        level = _year(request.POST.get("level", ""))
        try:
            services.set_area_level(user, request.POST.get("code", ""), level or 0)
        except DomainError as exc:
            error = exc.detail
        else:
            return redirect("declaration-areas")
    return render(
        request,
        "declarations/areas.html",
        {"areas": services.external_areas(), "may_change": may_change, "error": error, "levels": (1, 2, 3, 4)},
        status=422 if error else 200,
    )
