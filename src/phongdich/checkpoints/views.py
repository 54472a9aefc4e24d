"""Checkpoint screens, thin over checkpoints.services: a checkpoint outside the account's reach answers 404.

The scan and lane pages work through the JSON API (their script queues scans locally and sends them with their
uuid); the passes page lists a checkpoint's day with its figures and lets an officer override a decision. The
management screens set up checkpoints (code, commune, officers, open or closed), plan their shifts and write new
versions of the entry rules.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from phongdich.accounts.models import User
from phongdich.checkpoints import forms, services
from phongdich.checkpoints.models import Checkpoint, DecisionKind, Direction, EvidenceKind
from phongdich.core import access
from phongdich.core.errors import DomainError, NotFound
from phongdich.web import lookups
from phongdich.web.views import screen, show_errors, signed_in, write_from_form


@screen
def checkpoint_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not access.can(user, "checkpoint", "view"):
        raise Http404()
    checkpoints = list(services.checkpoints_for(user))
    return render(
        request,
        "checkpoints/checkpoint_list.html",
        {
            "checkpoints": checkpoints,
            "can_scan": access.can(user, "checkpoint_pass", "add"),
            "can_add": access.can(user, "checkpoint", "add"),
            "can_change": access.can(user, "checkpoint", "change"),
            "can_see_rules": access.can(user, "entry_rule_set", "view"),
        },
    )


def _scan_context(request: HttpRequest, code: str) -> dict[str, object]:
    checkpoint = services.checkpoint_for_scanning(signed_in(request), code)
    return {
        "checkpoint": checkpoint,
        "batch_url": f"/api/v1/checkpoints/{checkpoint.code}/decisions/batch",
        "override_url": "/api/v1/checkpoints/passes/0/override",
        "directions": Direction.choices
        if checkpoint.directions == "both"
        else [(checkpoint.directions, Direction(checkpoint.directions).label)],
        "decisions": DecisionKind.choices,
    }


@screen
def scan(request: HttpRequest, code: str) -> HttpResponse:
    return render(request, "checkpoints/scan.html", {**_scan_context(request, code), "mode": "scan"})


@screen
def lane(request: HttpRequest, code: str) -> HttpResponse:
    return render(request, "checkpoints/scan.html", {**_scan_context(request, code), "mode": "lane"})


@screen
def passes(request: HttpRequest, code: str) -> HttpResponse:
    user = signed_in(request)
    day = parse_date(request.GET.get("day", "") or "") or timezone.localdate()
    if not dt.date(2000, 1, 1) <= day <= dt.date(2100, 1, 1):
        day = timezone.localdate()
    summary = services.day_summary(user, code, day)
    rows = list(services.pass_list(user, code, day)[:200])
    services.record_list_read(user, rows)
    return render(
        request,
        "checkpoints/passes.html",
        {
            "summary": summary,
            "rows": rows,
            "day": day,
            "decisions": DecisionKind.choices,
            "can_override": access.can(user, "checkpoint_pass", "change"),
        },
    )


@screen
@require_POST
def override(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    try:
        row = services.override(user, pk, request.POST.get("decision", ""), request.POST.get("reason", ""))
    except DomainError as error:
        if error.status == 404:
            raise
        messages.error(request, " ".join(e.message for e in error.errors) or error.detail)
        back = services.passes_for(user).filter(pk=pk).values_list("checkpoint__code", flat=True).first()
        if back is None:
            raise Http404() from None
        return redirect("checkpoint-passes", code=back)
    messages.success(request, _("The decision was changed."))
    return redirect("checkpoint-passes", code=row.checkpoint.code)


# --- Setting up checkpoints ----------------------------------------------------------------------------------


def _checkpoint_form_page(request: HttpRequest, user: User, checkpoint: Checkpoint | None) -> HttpResponse:
    initial: dict[str, Any] = {"active": True}
    if checkpoint is not None:
        initial = {
            "code": checkpoint.code,
            "name": checkpoint.name,
            "commune": checkpoint.commune.code,
            "directions": checkpoint.directions,
            "officers": [officer.username for officer in checkpoint.officers.all()],
            "active": checkpoint.active,
        }
    form = forms.CheckpointForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        communes=lookups.commune_choices(user),
        officers=services.officer_choices(user, checkpoint),
        editing=checkpoint is not None,
    )
    saved = write_from_form(
        form,
        lambda data: services.save_checkpoint_form(
            user,
            services.CheckpointInput(
                code=checkpoint.code if checkpoint is not None else data["code"],
                name=data["name"],
                commune=data["commune"],
                directions=data["directions"],
                officers=list(data["officers"]),
            ),
            active=bool(data["active"]),
            new=checkpoint is None,
        ),
    )
    if saved is not None:
        messages.success(request, _("The checkpoint was saved."))
        return redirect("checkpoint-shifts", code=saved.code)
    return render(request, "checkpoints/checkpoint_form.html", {"form": form, "checkpoint": checkpoint})


@screen
@require_http_methods(["GET", "POST"])
def checkpoint_create(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not access.can(user, "checkpoint", "add"):
        raise Http404()
    return _checkpoint_form_page(request, user, None)


@screen
@require_http_methods(["GET", "POST"])
def checkpoint_edit(request: HttpRequest, code: str) -> HttpResponse:
    user = signed_in(request)
    if not access.can(user, "checkpoint", "change"):
        raise Http404()
    checkpoint = services.checkpoint_for(user, code, "change")
    return _checkpoint_form_page(request, user, checkpoint)


@screen
@require_http_methods(["GET", "POST"])
def shifts(request: HttpRequest, code: str) -> HttpResponse:
    user = signed_in(request)
    checkpoint = services.checkpoint_for(user, code)
    can_change = (
        access.can(user, "checkpoint", "change")
        and services.checkpoints_for(user, "change").filter(pk=checkpoint.pk).exists()
    )
    form = forms.ShiftForm(
        request.POST if request.method == "POST" else None,
        officers=services.officer_choices(user, checkpoint) if can_change else [],
    )
    if request.method == "POST" and not can_change:
        raise Http404()
    added = write_from_form(
        form,
        lambda data: services.add_shift(
            user, checkpoint.code, data["starts_at"], data["ends_at"], list(data["officers"])
        ),
    )
    if added is not None:
        messages.success(request, _("The shift was added."))
        return redirect("checkpoint-shifts", code=checkpoint.code)
    lists = services.shift_lists(user, checkpoint.code)
    return render(
        request,
        "checkpoints/shifts.html",
        {
            "checkpoint": checkpoint,
            "upcoming": lists.upcoming,
            "recent": lists.recent,
            "officers": list(checkpoint.officers.order_by("username")),
            "form": form,
            "can_change": can_change,
        },
    )


# --- Entry rule sets -------------------------------------------------------------------------------------------


@screen
@require_http_methods(["GET", "POST"])
def rule_sets(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    versions = services.rule_set_versions(user)  # NotFound without the right to view them
    can_add = access.can(user, "entry_rule_set", "add")
    now = timezone.now()
    in_force = services.rule_set_in_force(now)
    form: forms.RuleSetForm | None = None
    rows: list[forms.RuleRow] = []
    if can_add:
        if request.method == "POST":
            form, rows, saved = _post_rule_set(request, user)
            if saved:
                return redirect("checkpoint-rules")
        else:
            current = next((v for v in versions if v.version == in_force.version), None)
            form = forms.RuleSetForm(
                initial={
                    "name": current.name if current is not None else "",
                    "valid_from": timezone.localtime(now).replace(second=0, microsecond=0),
                }
            )
            rows = [forms.RuleRow.from_rule(rule) for rule in in_force.rules]
    elif request.method == "POST":
        raise Http404()
    return render(
        request,
        "checkpoints/rule_sets.html",
        {
            "versions": [
                {
                    "rule_set": rule_set,
                    "in_force": rule_set.version == in_force.version,
                    "future": rule_set.valid_from > now,
                    "rules": forms.describe_rules(rule_set.rules),
                }
                for rule_set in versions
            ],
            "defaults_in_force": in_force.version is None,
            "default_rules": forms.describe_rules(in_force.rules) if in_force.version is None else [],
            "can_add": can_add,
            "form": form,
            "rows": forms.editor_rows(rows),
            "row_count": len(rows),
            "condition_labels": forms.condition_labels(),
            "bool_conditions": forms.BOOL_CONDITIONS,
            "decisions": DecisionKind.choices,
            "evidence_kinds": EvidenceKind.choices,
        },
    )


def _post_rule_set(request: HttpRequest, user: User) -> tuple[forms.RuleSetForm, list[forms.RuleRow], bool]:
    """A row button (add, remove, move) re-shows the form; "save" stores a new version through the service."""
    form = forms.RuleSetForm(request.POST)
    rows = forms.rows_from_post(request.POST)
    operation = request.POST.get("op", "save")
    if operation != "save":
        return form, forms.apply_row_operation(rows, operation), False
    if not form.is_valid():
        return form, rows, False
    try:
        services.save_rule_set(
            user, form.cleaned_data["name"], form.cleaned_data["valid_from"], [row.as_rule() for row in rows]
        )
    except NotFound:
        raise
    except DomainError as error:
        show_errors(form, DomainError(detail=error.detail, errors=forms.place_errors(rows, error.errors)))
        return form, rows, False
    messages.success(request, _("The new version of the entry rules was saved."))
    return form, rows, True
