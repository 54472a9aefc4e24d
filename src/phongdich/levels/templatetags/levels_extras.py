"""Template helpers of the levels app (used by the venue screens for the "suspended by level" badge)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def level_reason(reasons: dict[int, str] | None, venue_id: int) -> str:
    """The venue's "Suspended by level 4" (or "Restricted by level 3"), or ""."""
    if not reasons:
        return ""
    return reasons.get(venue_id, "")
