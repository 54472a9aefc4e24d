"""Times from the outside world, made safe to store: aware, in UTC, within a sane range."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from phongdich.core.errors import FieldError, InvalidInput


def to_utc(value: dt.datetime, field: str) -> dt.datetime:
    """A client's datetime in UTC. A naive one is taken as local time (Asia/Ho_Chi_Minh).

    Offsets such as -20:10 are legal in ISO 8601 but not in PostgreSQL, and a year near 9999 overflows
    when shifted: both are bad input with the field named, never a server error.
    """
    try:
        aware = value if timezone.is_aware(value) else timezone.make_aware(value)
        return aware.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise InvalidInput(
            _("The request has errors."), [FieldError(field, _("This date and time is out of range."))]
        ) from None
