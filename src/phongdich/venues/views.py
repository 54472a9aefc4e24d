"""Venue screens: operator sign-up, the commune's list and figures, detail with actions, posters, safety.

Thin views over venues.services, which decide scope, validity and audit. A venue outside the account's
scope answers 404 like a missing one.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from phongdich.accounts.models import User
from phongdich.accounts.roles import Role
from phongdich.core import access
from phongdich.core.errors import DomainError, NotFound
from phongdich.levels.services import VenueLevels
from phongdich.venues import posters, services
from phongdich.venues.forms import (
    PlanForm,
    SafetyForm,
    SignUpForm,
    StatusForm,
    VenueForm,
    VenueSearchForm,
    all_commune_choices,
)
from phongdich.venues.models import RiskClass, Venue, VenueKind, VenueStatus
from phongdich.web import lookups
from phongdich.web.views import paginate, screen, show_errors, signed_in


def _communes(user: User) -> lookups.GroupedChoices:
    if user.role == Role.VENUE_OPERATOR and not user.is_superuser:
        return all_commune_choices()
    return lookups.commune_choices(user)


def _is_operator(user: User) -> bool:
    return user.role == Role.VENUE_OPERATOR and not user.is_superuser


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- Public ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Anyone may register a business: the account and the venue wait for the commune's approval."""
    if request.user.is_authenticated:
        return redirect("venue-create")
    form = SignUpForm(request.POST or None, communes=all_commune_choices())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.sign_up_operator(
                services.OperatorSignUp(
                    username=data["username"],
                    password=data["password"],
                    full_name=data["full_name"],
                    email=data.get("email") or "",
                    venue=form.venue_input(),
                )
            )
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(
                request,
                _("Your venue is registered and waits for the commune's approval. Sign in to follow it."),
            )
            return redirect("login")
    return render(request, "venues/signup.html", {"form": form})


def public_page(request: HttpRequest, code: str) -> HttpResponse:
    """/v/<code>: what anyone may know about a venue. No personal data."""
    try:
        venue = services.venue_by_code(code)
    except NotFound:
        raise Http404() from None
    risk = RiskClass(venue.risk_class).label if venue.risk_class in RiskClass.values else None
    return render(request, "venues/public.html", {"venue": venue, "risk": risk})


# --- Staff and operators ---------------------------------------------------------------------------


@screen
def venue_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not access.can(user, "venue", "view"):
        raise Http404()
    communes = _communes(user) if not _is_operator(user) else []
    form = VenueSearchForm(request.GET or None, communes=communes)
    criteria = form.criteria()
    found = services.search_venues(user, **criteria)
    page = paginate(request, found)
    rows = list(page.object_list)
    activity = services.activity_by_venue([venue.pk for venue in rows])
    figures = services.figures(user, commune=criteria["commune"])
    return render(
        request,
        "venues/list.html",
        {
            "form": form,
            "page": page,
            "venues": [(venue, *activity[venue.pk]) for venue in rows],
            "figures": figures,
            "status_rows": [(label, figures.by_status.get(value, 0)) for value, label in VenueStatus.choices],
            "kind_rows": [
                (label, figures.by_kind[value]) for value, label in VenueKind.choices if value in figures.by_kind
            ],
            "operator": _is_operator(user),
            "can_add": access.can(user, "venue", "add"),
            "poster_communes": [] if _is_operator(user) else lookups.communes_in_scope(user),
            # Venues of a kind closed (or restricted) at their commune's published level (levels app).
            "level_reasons": VenueLevels().reasons(rows),
        },
    )


@screen
@require_http_methods(["GET", "POST"])
def venue_create(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not access.can(user, "venue", "add"):
        raise Http404()
    form = VenueForm(request.POST or None, communes=_communes(user))
    if request.method == "POST" and form.is_valid():
        try:
            venue = services.register_venue(user, form.venue_input())
        except NotFound:
            raise
        except DomainError as error:
            show_errors(form, error)
        else:
            if venue.status == VenueStatus.PENDING:
                messages.success(request, _("The venue is registered and waits for the commune's approval."))
            else:
                messages.success(request, _("The venue is registered."))
            return redirect("venue-detail", pk=venue.pk)
    return render(request, "venues/form.html", {"form": form, "venue": None})


@screen
@require_http_methods(["GET", "POST"])
def venue_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    venue = services.get_venue(user, pk, "change")
    initial = {
        "name": venue.name,
        "kind": venue.kind,
        "commune": venue.commune.code,
        "address": venue.address,
        "capacity": venue.capacity,
        "latitude": venue.latitude,
        "longitude": venue.longitude,
    }
    communes = _communes(user)
    if venue.commune.code not in {code for _group, choices in communes for code, _name in choices}:
        communes = [*communes, ("", [(venue.commune.code, venue.commune.name)])]
    form = VenueForm(request.POST or None, initial=initial, communes=communes)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_venue(user, venue.pk, form.venue_input())
        except NotFound:
            raise
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("The venue is saved."))
            return redirect("venue-detail", pk=venue.pk)
    return render(request, "venues/form.html", {"form": form, "venue": venue})


@screen
def venue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    venue = services.get_venue(user, pk)
    can_change = access.restrict(Venue.objects.filter(pk=venue.pk), user, "change").exists()
    operator = _is_operator(user)
    assessment = services.latest_assessment(venue)
    today, week = services.activity_by_venue([venue.pk])[venue.pk]
    return render(
        request,
        "venues/detail.html",
        {
            "venue": venue,
            "history": services.status_history(venue),
            "checkins_today": today,
            "checkins_week": week,
            "can_change": can_change,
            "can_set_status": can_change and not operator,
            "next_statuses": [
                (value, VenueStatus(value).label) for value in sorted(services.TRANSITIONS[venue.status])
            ],
            "checkin_url": posters.checkin_url(venue, posters.site_url(request)),
            "assessment": assessment,
            "risk_label": RiskClass(assessment.risk_class).label if assessment else None,
            "level_reasons": VenueLevels().reasons([venue]),
            "plan_form": PlanForm(),
            "status_form": StatusForm(),
            "max_plan_mb": services.MAX_PLAN_BYTES // (1024 * 1024),
        },
    )


@screen
@require_POST
def venue_status(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose active, suspended or closed."))
        return redirect("venue-detail", pk=pk)
    try:
        venue = services.set_status(user, pk, form.cleaned_data["status"], form.cleaned_data["reason"])
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, " ".join([error.detail, *(e.message for e in error.errors)]))
    else:
        messages.success(
            request, _("The venue is now %(status)s.") % {"status": VenueStatus(venue.status).label.lower()}
        )
    return redirect("venue-detail", pk=pk)


@screen
@require_POST
def venue_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    services.rotate_qr(signed_in(request), pk)
    messages.success(request, _("The QR code is replaced. Print the new poster: the old one no longer works."))
    return redirect("venue-detail", pk=pk)


@screen
def venue_poster(request: HttpRequest, pk: int) -> HttpResponse:
    venue = services.get_venue(signed_in(request), pk)
    return _pdf(posters.poster_pdf([venue], posters.site_url(request)), f"poster-{venue.code}.pdf")


@screen
def commune_posters(request: HttpRequest, code: str) -> HttpResponse:
    user = signed_in(request)
    commune = services.commune_for_posters(user, code)
    venues = services.active_venues_of(user, commune)
    return _pdf(posters.poster_pdf(venues, posters.site_url(request)), f"posters-{commune.code}.pdf")


@screen
@require_http_methods(["GET", "POST"])
def venue_safety(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    venue = services.get_venue(user, pk, "change")
    checklist = services.current_checklist()
    latest = services.latest_assessment(venue)
    initial = (
        {f"c_{key}": "yes" if value else "no" for key, value in latest.answers.items()}
        if latest and latest.checklist_id == checklist.pk
        else {}
    )
    form = SafetyForm(request.POST or None, initial=initial, checklist=checklist)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.assess_safety(user, venue.pk, form.answers())
        except NotFound:
            raise
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(
                request,
                _("Self-assessment saved: %(score)s%%, %(class)s.")
                % {"score": assessment.score, "class": RiskClass(assessment.risk_class).label},
            )
            return redirect("venue-detail", pk=venue.pk)
    return render(request, "venues/safety.html", {"venue": venue, "form": form, "checklist": checklist})


@screen
@require_POST
def venue_plan_upload(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    form = PlanForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("venue-detail", pk=pk)
    upload = form.cleaned_data["file"]
    try:
        services.attach_response_plan(user, pk, upload.read(services.MAX_PLAN_BYTES + 1))
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, " ".join([error.detail, *(e.message for e in error.errors)]))
    else:
        messages.success(request, _("The response plan is on file."))
    return redirect("venue-detail", pk=pk)


@screen
def venue_plan_download(request: HttpRequest, pk: int) -> HttpResponse:
    venue, content = services.response_plan(signed_in(request), pk)
    return _pdf(content, f"response-plan-{venue.code}.pdf")
