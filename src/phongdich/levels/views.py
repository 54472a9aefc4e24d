"""Levels screens: every unit's computed and published level with the workflow buttons, a unit's history,
the rule sets (list, detail, edit) and the capacity declaration. Thin views over levels.services; a unit or
record outside the account's units answers 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from phongdich.accounts.models import User
from phongdich.accounts.roles import Role
from phongdich.core import access
from phongdich.core.errors import DomainError, NotFound
from phongdich.geo.models import AdministrativeUnit
from phongdich.levels import services
from phongdich.levels.forms import CapacityForm, PublishForm, RejectForm, RuleSetForm, error_field_name
from phongdich.levels.models import LEVEL_COLORS, EpidemicLevel
from phongdich.web.navigation import is_citizen
from phongdich.web.views import screen, show_errors, signed_in


def _viewer(request: HttpRequest) -> User:
    user = signed_in(request)
    if is_citizen(user) or not access.can(user, "epidemic_level", "view"):
        raise Http404()
    return user


def _legend() -> list[tuple[int, str, str]]:
    return [(level, str(label), LEVEL_COLORS[level]) for level, label in EpidemicLevel.choices]


def _step(request: HttpRequest, user: User) -> None:
    """One workflow step posted from a list or a unit page; errors become messages."""
    action = request.POST.get("action", "")
    try:
        assessment_id = int(request.POST.get("assessment", "0"))
    except ValueError:
        raise Http404() from None
    try:
        if action == "propose":
            services.propose(user, assessment_id)
            messages.success(request, _("Proposed to the province."))
        elif action == "approve":
            services.approve(user, assessment_id)
            messages.success(request, _("Approved. Publish it with its effective time."))
        elif action == "reject":
            form = RejectForm(request.POST)
            services.reject(user, assessment_id, form.data.get("reason", ""))
            messages.success(request, _("Rejected."))
        elif action == "publish":
            publish_form = PublishForm(request.POST)
            effective_at = publish_form.cleaned_data["effective_at"] if publish_form.is_valid() else None
            if publish_form.errors:
                messages.error(request, _("The effective time is not a valid date and time."))
                return
            services.publish(user, assessment_id, effective_at)
            messages.success(request, _("Published."))
        elif action == "assess":
            results = services.assess_all(user)
            messages.success(request, _("%(count)d units assessed.") % {"count": len(results)})
        else:
            raise Http404()
    except NotFound:
        raise Http404() from None
    except DomainError as error:
        details = "; ".join(item.message for item in error.errors if item.message != error.detail)
        messages.error(request, f"{error.detail} {details}".strip())


@screen
@require_http_methods(["GET", "POST"])
def level_list(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    if request.method == "POST":
        _step(request, user)
        return redirect("level-list")
    rows = services.unit_rows(user)
    return render(
        request,
        "levels/level_list.html",
        {
            "rows": rows,
            "legend": _legend(),
            "can_assess": access.can(user, "epidemic_level", "add"),
            "can_declare": access.can(user, "unit_capacity", "add"),
        },
    )


@screen
@require_http_methods(["GET", "POST"])
def level_unit(request: HttpRequest, code: str) -> HttpResponse:
    user = _viewer(request)
    unit, published, recent = services.unit_history(user, code)
    if request.method == "POST":
        _step(request, user)
        return redirect("level-unit", code=unit.code)
    return render(
        request,
        "levels/level_unit.html",
        {
            "unit": unit,
            "published": published,
            "recent": recent,
            "capacities": services.capacity_history(user, unit.code)
            if access.can(user, "unit_capacity", "view")
            else [],
            "may_propose": services.may_propose(user, unit),
            "may_decide": services.may_decide(user, unit),
            "publish_form": PublishForm(),
            "reject_form": RejectForm(),
            "legend": _legend(),
        },
    )


@screen
@require_http_methods(["GET", "POST"])
def rule_list(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    versions = list(services.rule_sets(user).prefetch_related("measures"))
    can_add = access.can(user, "level_rule_set", "add")
    initial: dict[str, Any] = RuleSetForm.initial_from(versions[0]) if versions else {}
    form = RuleSetForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not can_add:
            raise Http404()
        if form.is_valid():
            try:
                rule_set = services.create_rule_set(user, form.to_input())
            except DomainError as error:
                show_errors(form, error, rename={item.field: error_field_name(item.field) for item in error.errors})
            else:
                messages.success(request, _("The rule set is saved."))
                return redirect("level-rule-set", pk=rule_set.pk)
    return render(request, "levels/rule_list.html", {"versions": versions, "form": form, "can_add": can_add})


@screen
@require_http_methods(["GET", "POST"])
def rule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _viewer(request)
    rule_set = services.get_rule_set(user, pk)
    can_change = access.can(user, "level_rule_set", "change") and rule_set.replaced_by_id is None
    form = RuleSetForm(request.POST or None, initial=RuleSetForm.initial_from(rule_set))
    if request.method == "POST":
        if not can_change:
            raise Http404()
        if form.is_valid():
            try:
                saved = services.update_rule_set(user, rule_set.pk, form.to_input())
            except DomainError as error:
                show_errors(form, error, rename={item.field: error_field_name(item.field) for item in error.errors})
            else:
                if saved.pk != rule_set.pk:
                    messages.success(
                        request, _("This rule set was used by published levels: the change is a new version.")
                    )
                else:
                    messages.success(request, _("The rule set is saved."))
                return redirect("level-rule-set", pk=saved.pk)
    measures = services.measures_of(rule_set)
    return render(
        request,
        "levels/rule_detail.html",
        {
            "rule_set": rule_set,
            "form": form,
            "can_change": can_change,
            "measure_rows": [
                (label, [measures.get(kind, {}).get(str(level), "open") for level in (1, 2, 3, 4)])
                for kind, label in _venue_kinds()
            ],
        },
    )


def _venue_kinds() -> list[tuple[str, str]]:
    from phongdich.venues.models import VenueKind

    return [(str(kind), str(label)) for kind, label in VenueKind.choices]


def _declarable(user: User) -> list[tuple[str, str]]:
    if user.is_superuser or user.role == Role.PROVINCE_ADMIN:
        units = AdministrativeUnit.objects.filter(access.unit_scope(user)).order_by("path")
    else:
        units = AdministrativeUnit.objects.filter(path__in=user.unit_paths()).order_by("path")
    return [(unit.code, f"{unit.name} ({unit.code})") for unit in units]


@screen
@require_http_methods(["GET", "POST"])
def capacity(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    if not access.can(user, "unit_capacity", "add"):
        raise Http404()
    form = CapacityForm(request.POST or None, units=_declarable(user))
    if request.method == "POST" and form.is_valid():
        try:
            declaration = services.declare_capacity(user, services.CapacityInput(**form.cleaned_data))
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("The capacity is declared."))
            return redirect("level-unit", code=declaration.unit.code)
    return render(request, "levels/capacity.html", {"form": form})
