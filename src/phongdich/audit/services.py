"""Writing and searching the audit trail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import models

from phongdich.accounts.models import User
from phongdich.audit import context
from phongdich.audit.models import AuditAction, AuditEvent
from phongdich.core import access


def build_event(
    actor: User | None,
    action: str,
    object_type: str,
    object_id: object = "",
    *,
    object_ids: Iterable[object] = (),
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """One event, not saved yet: for a caller that writes it in the same statement as the record it audits."""
    origin = context.current()
    return AuditEvent(
        actor=actor if actor is not None and actor.pk else None,
        actor_username=actor.username if actor is not None else "",
        actor_role=getattr(actor, "role", "") if actor is not None else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id not in (None, "") else "",
        object_ids=" " + " ".join(str(item) for item in object_ids) + " " if object_ids else "",
        ip_address=origin.ip_address,
        user_agent=origin.user_agent,
        channel=origin.channel,
        request_id=origin.request_id,
        detail=detail or {},
    )


def record(
    actor: User | None,
    action: str,
    object_type: str,
    object_id: object = "",
    *,
    object_ids: Iterable[object] = (),
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """One event. ``detail`` holds field names, counts and ids, never personal values."""
    event = build_event(actor, action, object_type, object_id, object_ids=object_ids, detail=detail)
    event.save(force_insert=True)
    return event


def search(
    user: User,
    *,
    actor: str = "",
    object_type: str = "",
    object_id: str = "",
    action: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> models.QuerySet[AuditEvent]:
    """Events the user may read (province administrators), filtered. Searching the log is not itself logged."""
    events = access.restrict(AuditEvent.objects.all(), user, "view")
    if actor:
        events = events.filter(actor_username__icontains=actor)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        # A list read counts as a read of every record it showed.
        events = events.filter(models.Q(object_id=object_id) | models.Q(object_ids__contains=f" {object_id} "))
    if action and action in AuditAction.values:
        events = events.filter(action=action)
    if since:
        events = events.filter(at__date__gte=since)
    if until:
        events = events.filter(at__date__lte=until)
    return events.select_related("actor")
