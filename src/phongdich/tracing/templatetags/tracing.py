"""``{% case_contacts case as tracing %}``: a case's contact lists for the signed-in account (audited read)."""

from __future__ import annotations

from typing import Any

from django import template

from phongdich.core import access
from phongdich.core.errors import NotFound
from phongdich.tracing import services
from phongdich.tracing.models import Contact, FollowUp

register = template.Library()


@register.simple_tag(takes_context=True)
def case_contacts(context: template.Context, case: Any) -> dict[str, Any] | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or case is None:
        return None
    try:
        found, contacts = services.case_contacts(user, case.pk)
    except NotFound:
        return None
    return {
        "f1": [c for c in contacts if c.degree == 1],
        "f2": [c for c in contacts if c.degree == 2],
        "run": services.last_run(found),
        "can_follow_up": access.can(user, Contact.access_resource, "change"),
        "statuses": FollowUp.choices,
    }


@register.filter
def summary(contact: Contact) -> str:
    return services.evidence_summary(contact)
