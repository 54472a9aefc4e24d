"""The web screens: thin views over the services, which decide scope, validity and audit.

Views never query person records themselves. A record outside the account's jurisdiction, or a screen
the role may not use, answers 404 exactly like a missing one (:func:`screen` maps the services'
``NotFound``); other domain errors become form errors next to the field they name (:func:`show_errors`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from phongdich.accounts import services as accounts
from phongdich.accounts.models import ApiToken, User
from phongdich.accounts.roles import AGGREGATE_ONLY_ROLES
from phongdich.audit import services as audit
from phongdich.core import access
from phongdich.core.errors import DomainError, NotFound
from phongdich.people import services as people
from phongdich.web import lookups
from phongdich.web.forms import AuditSearchForm, ContactForm, MergeForm, PersonForm, PersonSearchForm, TokenForm
from phongdich.web.navigation import is_citizen, is_staff_user, may_list_people, menu_for

T = TypeVar("T")

View = Callable[..., HttpResponse]


# --- Helpers every screen shares -------------------------------------------------------------------


def screen(view: View) -> View:
    """A signed-in screen: anonymous visitors go to the login page; ``NotFound`` answers 404."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404() from None

    return login_required(wrapper)


def signed_in(request: HttpRequest) -> User:
    """The account of a request that passed :func:`screen`."""
    return cast(User, request.user)


def show_errors(form: forms.Form, error: DomainError, rename: dict[str, str] | None = None) -> None:
    """Put a service's errors on the form: each next to its field, the summary above the form."""
    rename = rename or {}
    messages_shown = []
    for item in error.errors:
        name = rename.get(item.field, item.field)
        form.add_error(name if name in form.fields else None, item.message)
        messages_shown.append(item.message)
    if error.detail not in messages_shown:
        form.add_error(None, error.detail)


def write_from_form(form: forms.Form, write: Callable[[dict[str, Any]], T]) -> T | None:
    """A bound, valid form's data through a service write: its result, or None with the service's errors shown
    on the form. Out of reach (NotFound) stays a 404."""
    if not form.is_bound or not form.is_valid():
        return None
    try:
        return write(form.cleaned_data)
    except NotFound:
        raise
    except DomainError as error:
        show_errors(form, error)
        return None


def is_htmx(request: HttpRequest) -> bool:
    """An htmx request for part of a page (not htmx restoring a whole page from history)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def paginate(request: HttpRequest, items: QuerySet[Any]) -> Page[Any]:
    return Paginator(items, int(settings.PHONGDICH["PAGE_SIZE"])).get_page(request.GET.get("page"))


# --- Home ------------------------------------------------------------------------------------------


@screen
def home(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    leader = user.role in AGGREGATE_ONLY_ROLES and not user.is_superuser
    show_figures = leader or may_list_people(user)
    return render(
        request,
        "web/home.html",
        {
            "units": sorted(user.assigned_units(), key=lambda unit: unit.path),
            "screens": [item for item in menu_for(user) if item.url_name != "home"],
            "leader": leader,
            "citizen": is_citizen(user),
            "figures": lookups.unit_figures(user) if show_figures else [],
        },
    )


# --- People ----------------------------------------------------------------------------------------


@screen
def person_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not may_list_people(user):
        raise Http404()
    form = PersonSearchForm(request.GET or None, communes=lookups.commune_choices(user))
    if form.is_bound and not form.is_valid():
        criteria = {"q": "", "commune": ""}
        found = people.search_persons(user).none()
    else:
        criteria = form.criteria()
        found = people.search_persons(user, query=criteria["q"], commune=criteria["commune"])
    page = paginate(request, found)
    rows = list(page.object_list)
    people.record_list_read(user, rows, criteria)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "searched": any(criteria.values()),
        "can_add": access.can(user, "person", "add"),
    }
    template = "web/_person_rows.html" if is_htmx(request) else "web/person_list.html"
    response = render(request, template, context)
    # The same address answers a whole page or a part of one: caches must tell them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


@screen
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    person = people.get_person(user, pk)
    members = people.household_members(user, person)
    duplicates = people.duplicates_of(user, person, limit=20)
    return render(
        request,
        "web/person_detail.html",
        {
            "person": person,
            "units": [*person.home_commune.ancestors(), person.home_commune],
            "members": members,
            "duplicates": duplicates,
            "can_edit": access.can(user, "person", "change") and not is_citizen(user),
            "can_merge": access.can(user, "person", "merge"),
            "back_to_list": may_list_people(user),
            "can_see_certificates": access.can(user, "certificate", "view") and not is_citizen(user),
        },
    )


@screen
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not access.can(user, "person", "add") or is_citizen(user):
        raise Http404()
    form = PersonForm(request.POST or None, communes=lookups.commune_choices(user))
    existing_id = None
    if request.method == "POST" and form.is_valid():
        try:
            person = people.create_person(user, form.to_input())
        except NotFound:
            raise
        except DomainError as error:
            show_errors(form, error)
            existing_id = error.extra.get("existing_id")
        else:
            messages.success(request, _("The person was registered."))
            return redirect("person-detail", pk=person.pk)
    return render(request, "web/person_form.html", {"form": form, "person": None, "existing_id": existing_id})


@screen
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    if is_citizen(user):
        # Citizens correct their contact details on their own screen.
        raise Http404()
    person = people.get_person(user, pk, "change")
    if request.method == "GET":
        # The form shows the record: that is a read, and is audited as one.
        person = people.get_person(user, pk)
    form = PersonForm(
        request.POST or None, initial=PersonForm.initial_for(person), communes=lookups.commune_choices(user)
    )
    existing_id = None
    if request.method == "POST" and form.is_valid():
        try:
            people.update_person(user, pk, form.to_input())
        except NotFound:
            raise
        except DomainError as error:
            show_errors(form, error)
            existing_id = error.extra.get("existing_id")
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("person-detail", pk=pk)
    return render(request, "web/person_form.html", {"form": form, "person": person, "existing_id": existing_id})


@screen
@require_POST
def person_merge(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    form = MergeForm(request.POST)
    if not form.is_valid():
        raise Http404()
    duplicate_id = form.cleaned_data["duplicate_id"]
    try:
        people.merge_persons(user, pk, duplicate_id)
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Record %(id)s was merged into this one.") % {"id": duplicate_id})
    return redirect("person-detail", pk=pk)


@screen
def my_record(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    person = None
    if user.person_id is not None:
        try:
            person = people.get_person(user, user.person_id)
        except NotFound:
            person = None
    return render(
        request,
        "web/my_record.html",
        {
            "person": person,
            "units": [*person.home_commune.ancestors(), person.home_commune] if person else [],
            "can_edit": person is not None and is_citizen(user) and access.can(user, "person", "change"),
        },
    )


@screen
@require_http_methods(["GET", "POST"])
def my_record_edit(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not is_citizen(user) or user.person_id is None:
        raise Http404()
    person = people.get_person(user, user.person_id, "change")
    form = ContactForm(request.POST or None, initial={"phone": person.phone, "address": person.address})
    if request.method == "POST" and form.is_valid():
        try:
            people.update_person(user, person.pk, form.to_input())
        except NotFound:
            raise
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("my-record")
    return render(request, "web/my_record_form.html", {"form": form, "person": person})


# --- Reference data, audit, tokens ------------------------------------------------------------------


@screen
def unit_list(request: HttpRequest) -> HttpResponse:
    if not is_staff_user(request.user):
        raise Http404()
    return render(request, "web/unit_list.html", {"provinces": lookups.unit_tree()})


@screen
def audit_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not access.can(user, "audit", "view"):
        raise Http404()
    form = AuditSearchForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        events = audit.search(user).none()
    else:
        filters = {k: v for k, v in form.cleaned_data.items() if v} if form.is_bound else {}
        events = audit.search(user, **filters)
    return render(request, "web/audit_list.html", {"form": form, "page": paginate(request, events)})


@screen
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not is_staff_user(user):
        raise Http404()
    form = TokenForm(request.POST or None)
    new_token: ApiToken | None = None
    secret = ""
    if request.method == "POST" and form.is_valid():
        try:
            new_token, secret = accounts.issue_token(
                user, label=form.cleaned_data["label"], kind=form.cleaned_data["kind"], expires_at=form.expires_at()
            )
        except DomainError as error:
            show_errors(form, error, rename={"expires_at": "expires_on"})
        else:
            form = TokenForm()
    response = render(
        request,
        "web/token_list.html",
        {
            "form": form,
            "tokens": accounts.tokens_of(user),
            "new_token": new_token,
            "secret": secret,
        },
    )
    # The secret is on this page once: no cache may keep a copy.
    add_never_cache_headers(response)
    return response


@screen
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = accounts.revoke_token(signed_in(request), pk)
    messages.success(request, _("The token “%(label)s” was revoked.") % {"label": token.label})
    return redirect("token-list")
