"""Checkpoint screens, thin over checkpoints.services: a checkpoint outside the account's reach answers 404.

The scan and lane pages work through the JSON API (their script queues scans locally and sends them with their
uuid); the passes page lists a checkpoint's day with its figures and lets an officer override a decision.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from phongdich.checkpoints import services
from phongdich.checkpoints.models import DecisionKind, Direction
from phongdich.core import access
from phongdich.core.errors import DomainError
from phongdich.web.views import screen, signed_in


@screen
def checkpoint_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not access.can(user, "checkpoint", "view"):
        raise Http404()
    checkpoints = list(services.checkpoints_for(user))
    return render(
        request,
        "checkpoints/checkpoint_list.html",
        {"checkpoints": checkpoints, "can_scan": access.can(user, "checkpoint_pass", "add")},
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
