"""Small template helpers for the quarantine screens."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def bed_stay(occupants: dict[int, Any], bed_id: int) -> Any:
    """The open stay in a bed, or None."""
    return occupants.get(bed_id)


@register.filter
def lookup(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key, key)
