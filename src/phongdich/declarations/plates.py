"""Vietnamese vehicle plates: read what people type, store and print one form ("14A-123.45").

A plate is a province code (11–99), a series (one or two letters, or a letter and a digit, e.g. "A", "LD",
"B1"), then 4 or 5 digits; printed "14A-123.45" (5 digits) or "14A-1234" (4 digits).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from phongdich.core.errors import FieldError, InvalidInput

_PLATE = re.compile(r"^(?P<province>\d{2})(?P<series>[A-Z]{1,2}\d??)(?P<number>\d{4,5})$")


def _invalid(message: str) -> InvalidInput:
    return InvalidInput(message, [FieldError("plate", message)])


def normalise_plate(text: str) -> str:
    """'14a 123.45', '14A12345', '29LD-012.34' -> '14A-123.45', '29LD-012.34'; else InvalidInput on "plate"."""
    compact = re.sub(r"[\s.\-_]", "", (text or "").upper())
    if not compact:
        raise _invalid(_("Enter the plate number."))
    if len(compact) > 12:
        raise _invalid(_("A plate number has at most 10 letters and digits."))
    match = _PLATE.match(compact)
    if match is None:
        raise _invalid(_("A plate looks like 14A-123.45: province code, series letter(s), then 4 or 5 digits."))
    province = int(match["province"])
    if not 11 <= province <= 99:
        raise _invalid(_("%(code)s is not a province code on a plate (11 to 99).") % {"code": match["province"]})
    # The series digit is matched lazily: "14A12345" is series A with 5 digits, "29B112345" series B1.
    number = match["number"]
    series = match["series"]
    if len(number) == 5:
        return f"{match['province']}{series}-{number[:3]}.{number[3:]}"
    return f"{match['province']}{series}-{number}"
