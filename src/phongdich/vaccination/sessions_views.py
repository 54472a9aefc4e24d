"""Screens for vaccination sites and sessions: site list, session page with registration and check-in
(htmx), the invitation list builder, and the citizen's own sessions page.

Thin views over vaccination.sessions; anything outside the account's scope answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from phongdich.accounts.models import User
from phongdich.core import access
from phongdich.core.errors import DomainError, NotFound
from phongdich.geo.models import AdministrativeUnit, Level
from phongdich.people import services as people
from phongdich.vaccination import services, sessions
from phongdich.vaccination.forms import (
    AssignForm,
    InvitationListForm,
    RegisterForm,
    SessionDoseForm,
    SessionForm,
    SiteForm,
)
from phongdich.vaccination.models import Registration, SessionStatus, VaccinationSession
from phongdich.web.navigation import is_citizen
from phongdich.web.views import is_htmx, paginate, screen, show_errors, signed_in


def _units(user: User, communes_only: bool) -> list[tuple[str, str]]:
    found = AdministrativeUnit.objects.filter(access.unit_scope(user))
    if communes_only:
        found = found.filter(level=Level.COMMUNE)
    return [(unit.code, f"{unit.name} ({unit.code})") for unit in found.order_by("path")]


def _product_choices(session: VaccinationSession | None = None) -> list[tuple[str, str]]:
    offered = list(session.products.all()) if session is not None else []
    return [(p.code, p.name) for p in (offered or services.products())]


@screen
@require_http_methods(["GET", "POST"])
def site_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not access.can(user, "vaccination_site", "view") or is_citizen(user):
        raise Http404()
    can_add = access.can(user, "vaccination_site", "add")
    form = SiteForm(request.POST or None, communes=_units(user, communes_only=True) if can_add else [])
    if request.method == "POST":
        if not can_add:
            raise Http404()
        if form.is_valid():
            data = form.cleaned_data
            try:
                site = sessions.create_site(
                    user,
                    sessions.SiteInput(
                        name=data["name"],
                        commune=data["commune"],
                        address=data["address"],
                        kind=data["kind"],
                        capacity_per_session=data["capacity_per_session"],
                        vaccinators=[name.strip() for name in data["vaccinators"].split(",") if name.strip()],
                    ),
                )
            except NotFound:
                raise
            except DomainError as error:
                show_errors(form, error)
            else:
                messages.success(request, _("The vaccination site is open."))
                return redirect("vaccination-site", pk=site.pk)
    page = paginate(request, sessions.search_sites(user))
    return render(request, "vaccination/sites.html", {"page": page, "form": form, "can_add": can_add})


@screen
@require_http_methods(["GET", "POST"])
def site_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    site = sessions.get_site(user, pk)
    can_add = access.can(user, "vaccination_site", "add")
    form = SessionForm(
        request.POST or None,
        products=_product_choices(),
        initial={"date": timezone.localdate(), "capacity": site.capacity_per_session},
    )
    if request.method == "POST":
        if not can_add:
            raise Http404()
        if form.is_valid():
            data = form.cleaned_data
            try:
                session = sessions.create_session(
                    user,
                    sessions.SessionInput(
                        site=site.pk,
                        date=data["date"],
                        start_time=data["start_time"],
                        end_time=data["end_time"],
                        capacity=data["capacity"],
                        products=list(data["products"]),
                    ),
                )
            except NotFound:
                raise
            except DomainError as error:
                show_errors(form, error)
            else:
                messages.success(request, _("The session is planned."))
                return redirect("vaccination-session", pk=session.pk)
    found = sessions.search_sessions(user, site=site.pk).order_by("-date", "-start_time")[:100]
    return render(
        request,
        "vaccination/site.html",
        {"site": site, "sessions": list(found), "form": form, "can_add": can_add},
    )


def _session_context(user: User, session: VaccinationSession) -> dict[str, object]:
    return {
        "session": session,
        "taken": sessions.taken_places(session),
        "can_change": access.can(user, "vaccination_site", "change"),
        "can_register": access.can(user, "vaccination_registration", "add"),
        "can_vaccinate": access.can(user, "vaccination", "add"),
        "is_today": session.date == timezone.localdate(),
        "products": _product_choices(session),
    }


@screen
@require_http_methods(["GET", "POST"])
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The session page: who is registered, check-in and dose buttons, register someone."""
    user = signed_in(request)
    session = sessions.get_session(user, pk)
    form = RegisterForm(request.POST or None)
    if request.method == "POST":
        if not access.can(user, "vaccination_registration", "add"):
            raise Http404()
        if form.is_valid():
            query = form.cleaned_data["q"]
            found = list(people.search_persons(user, query=query)[:2])
            people.record_list_read(user, found, {"q": query})
            if len(found) != 1:
                form.add_error(
                    "q",
                    _("No person in your area has this citizen ID or phone.")
                    if not found
                    else _("Several persons have this phone: enter the citizen ID."),
                )
            else:
                try:
                    sessions.register(user, session.pk, found[0].pk, walk_in=form.cleaned_data["walk_in"])
                except NotFound:
                    raise
                except DomainError as error:
                    show_errors(form, error, rename={"person": "q", "session": "q"})
                else:
                    messages.success(request, _("%(name)s is registered.") % {"name": found[0].full_name})
                    return redirect("vaccination-session", pk=session.pk)
    context = _session_context(user, session)
    context.update({"form": form, "registrations": sessions.session_registrations(user, session)})
    return render(request, "vaccination/session.html", context)


@screen
@require_POST
def session_status(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    try:
        sessions.set_session_status(user, pk, request.POST.get("status", ""))
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, error.detail)
    return redirect("vaccination-session", pk=pk)


@screen
@require_POST
def registration_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Check-in, dose or cancel from the session page. With htmx, answers the registration's row only."""
    user = signed_in(request)
    registration: Registration = sessions.get_registration(user, pk)
    error_message = ""
    try:
        if action == "check-in":
            registration = sessions.check_in(user, pk)
        elif action == "cancel":
            registration = sessions.cancel_registration(user, pk)
        elif action == "dose":
            form = SessionDoseForm(request.POST, products=_product_choices(registration.session))
            if not form.is_valid():
                error_message = _("Choose the vaccine.")
            else:
                registration = sessions.record_session_dose(
                    user,
                    pk,
                    sessions.SessionDoseInput(product=form.cleaned_data["product"], lot=form.cleaned_data["lot"]),
                )
        else:
            raise Http404()
    except NotFound:
        raise
    except DomainError as error:
        error_message = "; ".join([error.detail, *(e.message for e in error.errors if e.message != error.detail)])
    if not is_htmx(request):
        if error_message:
            messages.error(request, error_message)
        return redirect("vaccination-session", pk=registration.session_id)
    registration = sessions.get_registration(user, pk)
    context = _session_context(user, registration.session)
    context.update({"registration": registration, "error": error_message})
    return render(request, "vaccination/_registration_row.html", context)


@screen
@require_http_methods(["GET", "POST"])
def invitation_lists(request: HttpRequest) -> HttpResponse:
    """The invitation list builder, and the lists built so far."""
    user = signed_in(request)
    if not access.can(user, "vaccination_invitation", "view") or is_citizen(user):
        raise Http404()
    can_add = access.can(user, "vaccination_invitation", "add")
    form = InvitationListForm(request.POST or None, units=_units(user, communes_only=False) if can_add else [])
    if request.method == "POST":
        if not can_add:
            raise Http404()
        if form.is_valid():
            try:
                built = sessions.build_invitation_list(
                    user, form.cleaned_data["name"], form.cleaned_data["unit"], form.criteria()
                )
            except NotFound:
                raise
            except DomainError as error:
                show_errors(form, error)
            else:
                messages.success(request, _("%(n)s people are invited.") % {"n": built.invitee_count})
                return redirect("vaccination-invitation", pk=built.pk)
    page = paginate(request, sessions.search_invitation_lists(user))
    return render(request, "vaccination/invitations.html", {"page": page, "form": form, "can_add": can_add})


@screen
@require_http_methods(["GET", "POST"])
def invitation_list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    invitation_list = sessions.get_invitation_list(user, pk)
    coming = sessions.search_sessions(user, date_from=timezone.localdate()).exclude(status=SessionStatus.CLOSED)
    choices = [
        (str(s.pk), f"{s.site.name} — {s.date:%d/%m/%Y} {s.start_time:%H:%M} ({getattr(s, 'taken', 0)}/{s.capacity})")
        for s in coming.order_by("date", "start_time")[:100]
    ]
    form = AssignForm(request.POST or None, sessions=choices)
    if request.method == "POST":
        if not access.can(user, "vaccination_registration", "add"):
            raise Http404()
        if form.is_valid():
            try:
                result = sessions.assign_invitees(user, pk, [int(value) for value in form.cleaned_data["sessions"]])
            except NotFound:
                raise
            except DomainError as error:
                show_errors(form, error)
            else:
                messages.success(
                    request,
                    _("%(assigned)s places given; %(already)s already had one; %(left)s left without a place.")
                    % {"assigned": result.assigned, "already": result.already_registered, "left": result.left_over},
                )
                return redirect("vaccination-invitation", pk=pk)
    page = paginate(request, sessions.invitees(user, invitation_list))
    sessions.record_invitation_read(user, list(page.object_list))
    return render(
        request,
        "vaccination/invitation_list.html",
        {
            "invitation_list": invitation_list,
            "page": page,
            "form": form,
            "can_assign": access.can(user, "vaccination_registration", "add") and bool(choices),
        },
    )


@screen
@require_http_methods(["GET", "POST"])
def my_sessions(request: HttpRequest) -> HttpResponse:
    """The citizen's page: their invitations and places, and the coming sessions they may register for."""
    user = signed_in(request)
    if not is_citizen(user) or user.person_id is None:
        raise Http404()
    if request.method == "POST":
        try:
            if "cancel" in request.POST:
                sessions.cancel_registration(user, request.POST.get("cancel"))
                messages.success(request, _("Your place is cancelled."))
            else:
                sessions.register(user, request.POST.get("session"))
                messages.success(request, _("You are registered."))
        except NotFound:
            raise
        except DomainError as error:
            messages.error(request, error.detail)
        return redirect("my-vaccination")
    return render(
        request,
        "vaccination/my_sessions.html",
        {
            "registrations": sessions.my_registrations(user),
            "invitations": sessions.my_invitations(user),
            "sessions": sessions.sessions_open_to_citizen(user),
        },
    )
