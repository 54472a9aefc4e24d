"""Small display filters for the screens."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.formats import get_format, number_format

from phongdich.accounts.roles import Role
from phongdich.people.identity import display_phone

register = template.Library()


@register.filter
def phone(value: str | None) -> str:
    """'+84912345678' -> '0912 345 678'."""
    return display_phone(value or "")


@register.filter
def minutes(value: dt.timedelta | None, default: int = 15) -> int:
    """A lockout's length in whole minutes (rounded up)."""
    if not isinstance(value, dt.timedelta):
        return default
    return max(1, -(-int(value.total_seconds()) // 60))


@register.filter
def record_count(object_ids: str | None) -> int:
    """How many records an audit event's ``object_ids`` (" 12 40 41 ") names."""
    return len((object_ids or "").split())


@register.filter
def number(value: int | float | None) -> str:
    """A count with the language's digit grouping: 1.234.567 in Vietnamese, 1,234,567 in English."""
    if value is None:
        return "–"
    if isinstance(value, int):
        # Locales such as vi set no NUMBER_GROUPING, so group by thousands here.
        return f"{value:,}".replace(",", str(get_format("THOUSAND_SEPARATOR")))
    return number_format(value, force_grouping=True)


@register.filter
def role_label(value: str | None) -> str:
    """'commune_officer' -> the role's name in the current language."""
    if value in Role.values:
        return str(Role(value).label)
    return value or ""
