"""Check-in screens: the citizen's page behind a venue's QR poster, personal QR cards, the staff
scanner and the venue's figures for today.

The citizen's pages are light (no script, one small stylesheet) and need no account: the visitor says
once who they are, and a signed, HttpOnly cookie remembers it on that device. The services decide
validity, scope and audit; these views only translate between forms and them.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from phongdich.checkins import services as checkins
from phongdich.checkins.forms import CheckInForm, CitizenIdVisitorForm, PhoneVisitorForm, unbound
from phongdich.checkins.models import CheckIn, CheckInMethod
from phongdich.checkins.personal_qr import personal_qr_token, resolve_person_ids
from phongdich.core import access
from phongdich.core.errors import DomainError, FieldError, InvalidInput, NotFound
from phongdich.levels.services import venue_effective_status
from phongdich.people import services as people
from phongdich.people.identity import display_phone
from phongdich.people.models import Person
from phongdich.venues import services as venues
from phongdich.venues.models import Venue, VenueStatus
from phongdich.web.navigation import is_staff_user
from phongdich.web.views import screen, show_errors, signed_in

VISITOR_COOKIE = "phongdich_visitor"
VISITOR_SALT = "phongdich.checkins.visitor"
# A year: the visitor identifies once per phone, not once per visit.
VISITOR_MAX_AGE = 365 * 24 * 3600
# How long after checking in a visit still counts as "open" when the poster is scanned again.
OPEN_VISIT_HOURS = 12


# --- The visitor remembered on this device ----------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """Who the device's visitor is: a registry person (by citizen ID) or a phone number and name."""

    person_id: int | None = None
    phone: str = ""
    name: str = ""
    # What the page shows to say who is checking in ("…6789", "Nguyễn Văn An · 0912 345 678").
    label: str = ""

    def visitor(self) -> checkins.Visitor:
        """The visitor for the services; NotFound when the remembered person is no longer registered."""
        if self.person_id is not None:
            # A merged duplicate's id leads to the record it was merged into.
            current = resolve_person_ids({self.person_id}).get(self.person_id)
            if current is None:
                raise NotFound()
            return checkins.Visitor(person=Person(pk=current))
        return checkins.Visitor(phone=self.phone, name=self.name)

    def owns(self, checkin: CheckIn) -> bool:
        if self.person_id is not None:
            return checkin.person_id == self.person_id
        return bool(self.phone) and checkin.phone == self.phone

    def as_cookie(self) -> str:
        if self.person_id is not None:
            return json.dumps({"p": self.person_id, "l": self.label})
        return json.dumps({"t": self.phone, "n": self.name})


def remembered(request: HttpRequest) -> Identity | None:
    """The identity in the device's cookie, or None (absent, tampered with or malformed)."""
    raw = request.get_signed_cookie(VISITOR_COOKIE, default=None, salt=VISITOR_SALT, max_age=VISITOR_MAX_AGE)
    if not raw:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("p"), int):
        return Identity(person_id=data["p"], label=str(data.get("l", "")))
    phone, name = data.get("t"), data.get("n")
    if isinstance(phone, str) and isinstance(name, str) and phone and name:
        return Identity(phone=phone, name=name, label=f"{name} · {display_phone(phone)}")
    return None


def remember(response: HttpResponse, identity: Identity) -> None:
    response.set_signed_cookie(
        VISITOR_COOKIE,
        identity.as_cookie(),
        salt=VISITOR_SALT,
        max_age=VISITOR_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


# --- The citizen's pages behind the poster ----------------------------------------------------------


def light(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """A citizen page: personal, so never cached by anything between the phone and the server."""
    response = render(request, f"checkins/{template}", context, status=status)
    add_never_cache_headers(response)
    return response


def poster_venue(request: HttpRequest, qr_key: str) -> Venue | HttpResponse:
    """The venue of the poster, or the page that says why there is none (404 unknown, 410 replaced)."""
    try:
        return venues.venue_by_qr_key(qr_key)
    except DomainError as error:
        if error.status == 410:
            venue_name = str(error.extra.get("venue", ""))
            return light(request, "poster_replaced.html", {"detail": error.detail, "venue_name": venue_name}, 410)
        return light(request, "poster_unknown.html", {}, 404)


def venue_notice(venue: Venue) -> str:
    """Said before checking in: the venue should not be open (the visit is recorded all the same)."""
    if venue.status == VenueStatus.SUSPENDED:
        return _("The health authorities have suspended this venue.")
    if venue.status == VenueStatus.CLOSED:
        return _("The health authorities have closed this venue.")
    # A venue of a kind closed at its commune's published epidemic level (levels app).
    status, reason = venue_effective_status(venue)
    if status == "suspended":
        return _("This kind of venue is closed in this area: %(reason)s.") % {"reason": reason}
    return ""


def open_visit(venue: Venue, identity: Identity) -> CheckIn | None:
    """The visitor's visit here that is not checked out yet (scanning the poster on leaving finds it)."""
    since = timezone.now() - dt.timedelta(hours=OPEN_VISIT_HOURS)
    visits = CheckIn.objects.filter(venue=venue, checked_out_at__isnull=True, checked_in_at__gte=since)
    if identity.person_id is not None:
        visits = visits.filter(person_id=identity.person_id)
    else:
        visits = visits.filter(phone=identity.phone)
    return visits.order_by("-checked_in_at").first()


@require_http_methods(["GET", "POST"])
def venue_checkin(request: HttpRequest, qr_key: str) -> HttpResponse:
    """The poster's page: identify once, then one big button; a POST records the visit."""
    found = poster_venue(request, qr_key)
    if isinstance(found, HttpResponse):
        return found
    venue = found
    identity = remembered(request)
    page_uuid = uuid.uuid4()
    phone_form: CheckInForm = unbound(PhoneVisitorForm, page_uuid)
    id_form: CheckInForm = unbound(CitizenIdVisitorForm, page_uuid)
    button_form: CheckInForm = unbound(CheckInForm, page_uuid)
    new_identity: Identity | None = None
    if request.method == "POST":
        by = request.POST.get("by", "")
        form: CheckInForm
        if by == "phone":
            form = phone_form = PhoneVisitorForm(request.POST)
        elif by == "citizen_id":
            form = id_form = CitizenIdVisitorForm(request.POST)
        else:
            form = button_form = CheckInForm(request.POST)
        if form.is_valid():
            try:
                if isinstance(form, PhoneVisitorForm):
                    new_identity = Identity(phone=form.cleaned_data["phone"], name=form.cleaned_data["name"])
                elif isinstance(form, CitizenIdVisitorForm):
                    citizen_id = form.cleaned_data["citizen_id"]
                    try:
                        person = checkins.identify_by_citizen_id(None, citizen_id)
                    except NotFound as error:
                        raise InvalidInput(error.detail, [FieldError("citizen_id", error.detail)]) from None
                    new_identity = Identity(person_id=person.pk, label=f"CCCD …{citizen_id[-4:]}")
                who = new_identity or identity
                if who is None:
                    # The remembered identity is gone (cookie cleared): identify again.
                    return redirect("checkin-venue", qr_key=qr_key)
                try:
                    visitor = who.visitor()
                except NotFound:
                    # The remembered person is no longer in the registry: forget them and ask again.
                    return forget(redirect("checkin-venue", qr_key=qr_key))
                recorded = checkins.record_checkin(
                    None,
                    venue=venue,
                    visitor=visitor,
                    method=CheckInMethod.VENUE_QR,
                    uuid=form.cleaned_data["uuid"],
                )
            except DomainError as error:
                show_errors(form, error, rename={"person": "citizen_id", "visitor": "citizen_id"})
            else:
                response = redirect("checkin-visit", qr_key=qr_key, visit=recorded.checkin.uuid)
                if new_identity is not None:
                    remember(response, new_identity)
                return response
    elif identity is not None:
        visit = open_visit(venue, identity)
        if visit is not None:
            return redirect("checkin-visit", qr_key=qr_key, visit=visit.uuid)
    return light(
        request,
        "venue_checkin.html",
        {
            "venue": venue,
            "identity": identity,
            "phone_form": phone_form,
            "id_form": id_form,
            "button_form": button_form,
            "warning": venue_notice(venue),
            "retention_days": checkins.retention_days(),
        },
    )


def owned_visit(request: HttpRequest, venue: Venue, visit: uuid.UUID) -> tuple[Identity, CheckIn]:
    """The visit, if it is this device's visitor's; otherwise 404 (someone else's looks like none)."""
    identity = remembered(request)
    checkin = CheckIn.objects.filter(venue=venue, uuid=visit).first() if identity else None
    if identity is None or checkin is None or not identity.owns(checkin):
        raise Http404()
    return identity, checkin


@require_GET
def visit_detail(request: HttpRequest, qr_key: str, visit: uuid.UUID) -> HttpResponse:
    """The confirmation: venue, time (local), and the check-out button while the visit is open."""
    found = poster_venue(request, qr_key)
    if isinstance(found, HttpResponse):
        return found
    identity, checkin = owned_visit(request, found, visit)
    return light(
        request,
        "visit.html",
        {"venue": found, "checkin": checkin, "identity": identity, "warning": checkins.venue_warning(found)},
    )


@require_POST
def visit_checkout(request: HttpRequest, qr_key: str, visit: uuid.UUID) -> HttpResponse:
    found = poster_venue(request, qr_key)
    if isinstance(found, HttpResponse):
        return found
    identity, checkin = owned_visit(request, found, visit)
    # An inferred check-out (nobody checked out in time) is replaced by the visitor's own.
    if checkin.checked_out_at is None or checkin.checkout_inferred:
        try:
            checkins.check_out(
                checkin.uuid, visitor_person_id=identity.person_id, visitor_phone=identity.phone, actor=None
            )
        except NotFound:
            raise Http404() from None
        except DomainError as error:
            messages.error(request, error.detail)
    return redirect("checkin-visit", qr_key=qr_key, visit=visit)


@require_POST
def forget_visitor(request: HttpRequest, qr_key: str) -> HttpResponse:
    """ "Not you?": this device forgets its visitor; the next check-in asks again."""
    return forget(redirect("checkin-venue", qr_key=qr_key))


def forget(response: HttpResponse) -> HttpResponse:
    response.delete_cookie(VISITOR_COOKIE, samesite="Lax")
    return response


# --- Personal QR cards -----------------------------------------------------------------------------


def qr_svg(data: str, *, title: str = "") -> SafeString:
    """The QR code as inline SVG, drawn on the server (no script, prints sharp at any size)."""
    code = segno.make(data, error="m")
    svg = code.svg_inline(scale=1, border=4, omitsize=True, svgclass="qr", title=title or None)
    # segno writes only the path of the modules (and the escaped title): nothing from the data as markup.
    return mark_safe(svg)  # noqa: S308


def qr_response(request: HttpRequest, person: Person, context: dict[str, Any]) -> HttpResponse:
    token = personal_qr_token(person)
    response = render(
        request, "checkins/personal_qr.html", {"person": person, "qr": qr_svg(token, title=_("Personal QR")), **context}
    )
    # The card identifies a person: no shared cache keeps it.
    add_never_cache_headers(response)
    return response


@screen
@require_GET
def my_qr(request: HttpRequest) -> HttpResponse:
    """The signed-in citizen's own card, to show at the door or print."""
    user = signed_in(request)
    if user.person_id is None:
        raise Http404()
    person = people.get_person(user, user.person_id)
    return qr_response(request, person, {"back_url": reverse("my-record")})


@screen
@require_GET
def my_qr_svg(request: HttpRequest) -> HttpResponse:
    """The same code as an SVG image, for the "my record" page."""
    user = signed_in(request)
    if user.person_id is None:
        raise Http404()
    person = people.get_person(user, user.person_id)
    response = HttpResponse(qr_svg(personal_qr_token(person)), content_type="image/svg+xml")
    add_never_cache_headers(response)
    return response


@screen
@require_GET
def person_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff print a person's card (for people without a phone): scope and audit by get_person."""
    user = signed_in(request)
    if not is_staff_user(user):
        raise Http404()
    person = people.get_person(user, pk)
    return qr_response(request, person, {"back_url": reverse("person-detail", args=[person.pk])})


# --- Staff: the scanner, and a venue's day -----------------------------------------------------------


def venues_in_scope(request: HttpRequest) -> list[Venue]:
    return list(access.restrict(Venue.objects.all(), signed_in(request), "view").order_by("name", "pk"))


@screen
@require_GET
def scanner(request: HttpRequest) -> HttpResponse:
    """The door scanner: the camera reads personal QR codes, or the officer types a citizen ID."""
    user = signed_in(request)
    if not access.can(user, "checkin", "add"):
        raise Http404()
    choices = [venue for venue in venues_in_scope(request) if venue.status != VenueStatus.PENDING]
    return render(
        request,
        "checkins/scanner.html",
        {"venues": choices, "batch_url": "/api/v1/checkins/batch"},
    )


@dataclass(frozen=True)
class HourBar:
    hour: int
    count: int
    percent: int


def hour_bars(by_hour: Any) -> list[HourBar]:
    """24 bars, one per hour of the local day, scaled to the busiest hour."""
    if isinstance(by_hour, dict):
        counts = [int(by_hour.get(hour, 0) or 0) for hour in range(24)]
    else:
        given = [int(value or 0) for value in list(by_hour)[:24]]
        counts = given + [0] * (24 - len(given))
    top = max(counts) or 1
    return [HourBar(hour, count, round(100 * count / top)) for hour, count in enumerate(counts)]


@screen
@require_GET
def venue_today(request: HttpRequest, code: str) -> HttpResponse:
    """Present now, visits today and by hour at one venue: counts only, for its operators and staff in scope."""
    user = signed_in(request)
    if not is_staff_user(user):
        raise Http404()
    venue = access.get_or_404(Venue.objects.select_related("commune"), user, "view", code=str(code).upper())
    presence = checkins.venue_presence(venue)
    bars = hour_bars(presence.by_hour)
    return render(
        request,
        "checkins/venue_today.html",
        {
            "venue": venue,
            "presence": presence,
            "bars": bars,
            "busiest": max(bar.count for bar in bars),
            "today": timezone.localdate(),
        },
    )
