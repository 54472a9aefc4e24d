"""Case screens: the list of cases of a commune or district, a case's page (update, void, and the place
where contact tracing shows its contacts), opening a case by hand, and clusters.

Thin views over cases.services; a record outside the account's scope answers 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from phongdich.cases import services
from phongdich.cases.forms import CaseOpenForm, CaseSearchForm, CaseUpdateForm, ClusterForm, LinkCaseForm, VoidForm
from phongdich.core import access
from phongdich.core.errors import DomainError, NotFound
from phongdich.people import services as people
from phongdich.web import lookups
from phongdich.web.navigation import is_citizen
from phongdich.web.views import paginate, screen, show_errors, signed_in

# Contact tracing's part of the case page, rendered there when that app provides it.
CONTACTS_TEMPLATE = "tracing/_case_contacts.html"

UPDATE_FIELDS = (
    "clinical_status",
    "care_place",
    "facility_name",
    "bed",
    "detected_in",
    "onset_date",
    "sampled_on",
    "isolated_at",
    "outcome",
    "outcome_date",
    "notes",
)


def _staff_may(user: Any, resource: str, action: str) -> bool:
    return access.can(user, resource, action) and not is_citizen(user)


@screen
def case_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not _staff_may(user, "case", "view"):
        raise Http404()
    form = CaseSearchForm(request.GET or None, communes=lookups.area_choices(user))
    criteria = services.CaseFilter(status="active")
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        criteria = services.CaseFilter(
            number=data["number"], status=data["status"], detected_in=data["detected_in"], commune=data["commune"]
        )
    page = paginate(request, services.filter_cases(services.search_cases(user), criteria))
    rows = list(page.object_list)
    services.record_list_read(user, "case", rows, criteria.as_dict())
    return render(
        request,
        "cases/case_list.html",
        {"form": form, "page": page, "rows": rows, "can_open": _staff_may(user, "case", "add")},
    )


@screen
@require_http_methods(["GET", "POST"])
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    if is_citizen(user):
        raise Http404()
    case = services.get_case(user, pk)
    can_change = access.can(user, "case", "change") and case.status != "voided"
    can_void = access.can(user, "case", "add") and case.status != "voided"
    initial = {name: getattr(case, name) for name in UPDATE_FIELDS}
    form = CaseUpdateForm(initial=initial)
    void_form = VoidForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "update" and can_change:
                form = CaseUpdateForm(request.POST, initial=initial)
                if form.is_valid():
                    services.update_case(user, case.pk, form.cleaned_data)
                    messages.success(request, _("The case is updated."))
                    return redirect("case-detail", pk=case.pk)
            elif action == "void" and can_void:
                void_form = VoidForm(request.POST)
                if void_form.is_valid():
                    services.void_case(user, case.pk, void_form.cleaned_data["reason"])
                    messages.success(request, _("The case is voided."))
                    return redirect("case-detail", pk=case.pk)
            else:
                raise Http404()
        except NotFound:
            raise
        except DomainError as error:
            show_errors(void_form if action == "void" else form, error)
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "form": form,
            "void_form": void_form,
            "can_change": can_change,
            "can_void": can_void,
            "units": [*case.commune.ancestors(), case.commune],
            "contacts_template": _optional_template(CONTACTS_TEMPLATE),
        },
    )


def _optional_template(name: str) -> str | None:
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return None
    return name


@screen
@require_http_methods(["GET", "POST"])
def case_open(request: HttpRequest, person_id: int) -> HttpResponse:
    """An epidemiologist opens a case by hand for a person (confirmed elsewhere, or clinically)."""
    user = signed_in(request)
    if not _staff_may(user, "case", "add"):
        raise Http404()
    person = people.get_person(user, person_id)
    form = CaseOpenForm(request.POST or None, initial={"person": person.pk})
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "person": person.pk}
        try:
            case = services.open_case(user, services.CaseInput(**data))
        except NotFound:
            raise
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Case %(number)s is opened.") % {"number": case.number})
            return redirect("case-detail", pk=case.pk)
    return render(request, "cases/case_open.html", {"form": form, "person": person})


# --- Clusters ------------------------------------------------------------------------------------


@screen
@require_http_methods(["GET", "POST"])
def cluster_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not _staff_may(user, "cluster", "view"):
        raise Http404()
    can_add = access.can(user, "cluster", "add")
    form = ClusterForm(request.POST or None, communes=lookups.commune_choices(user))
    if request.method == "POST":
        if not can_add:
            raise Http404()
        if form.is_valid():
            try:
                cluster = services.create_cluster(user, services.ClusterInput(**form.cleaned_data))
            except NotFound:
                raise
            except DomainError as error:
                show_errors(form, error)
            else:
                return redirect("cluster-detail", pk=cluster.pk)
    page = paginate(request, services.search_clusters(user).order_by("-created_at", "-pk"))
    return render(request, "cases/cluster_list.html", {"form": form, "page": page, "can_add": can_add})


@screen
@require_http_methods(["GET", "POST"])
def cluster_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    if is_citizen(user):
        raise Http404()
    cluster, cases = services.get_cluster(user, pk)
    can_change = access.can(user, "cluster", "change")
    form = LinkCaseForm(request.POST if request.POST.get("action") == "link" else None)
    if request.method == "POST":
        if not can_change:
            raise Http404()
        try:
            if request.POST.get("action") == "link":
                if form.is_valid():
                    case = services.case_by_number(user, form.cleaned_data["number"])
                    services.link_cases(user, cluster.pk, [case.pk])
                    return redirect("cluster-detail", pk=cluster.pk)
            elif request.POST.get("action") == "unlink":
                services.unlink_case(user, cluster.pk, int(request.POST.get("case", "0") or 0))
                return redirect("cluster-detail", pk=cluster.pk)
            else:
                raise Http404()
        except NotFound:
            raise
        except (ValueError, OverflowError):
            raise Http404() from None
        except DomainError as error:
            show_errors(form, error, rename={"cases": "number", "case": "number"})
    return render(
        request,
        "cases/cluster_detail.html",
        {"cluster": cluster, "cases": cases, "form": form, "can_change": can_change},
    )
