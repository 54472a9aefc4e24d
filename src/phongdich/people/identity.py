"""Vietnamese identity numbers and phone numbers: parse, check, normalise.

CCCD (12 digits, Circular 07/2016/TT-BCA and 59/2021/TT-BCA): digits 1–3 the province of birth
registration, digit 4 century and sex (0/1: 1900s male/female, 2/3: 2000s, 4/5: 2100s …), digits 5–6
the last two digits of the birth year, digits 7–12 a serial. CMND: the older 9-digit card.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import phonenumbers
from django.utils.translation import gettext as _

# Province codes used in CCCD numbers (the 63 provinces before the 2025 mergers; GSO codes, zero-padded).
CCCD_PROVINCE_CODES: frozenset[str] = frozenset(
    f"{code:03d}"
    for code in (
        1,
        2,
        4,
        6,
        8,
        10,
        11,
        12,
        14,
        15,
        17,
        19,
        20,
        22,
        24,
        25,
        26,
        27,
        30,
        31,
        33,
        34,
        35,
        36,
        37,
        38,
        40,
        42,
        44,
        45,
        46,
        48,
        49,
        51,
        52,
        54,
        56,
        58,
        60,
        62,
        64,
        66,
        67,
        68,
        70,
        72,
        74,
        75,
        77,
        79,
        80,
        82,
        83,
        84,
        86,
        87,
        89,
        91,
        92,
        93,
        94,
        95,
        96,
    )
)


class IdentityError(ValueError):
    """The value is malformed or contradicts the record; the message says how, for a person to read."""


def cccd_century_sex_digit(year: int, sex: str) -> str:
    if sex not in ("male", "female"):
        raise IdentityError(_("Sex is 'male' or 'female'."))
    century_index = (year // 100) - 19  # 1900s -> 0, 2000s -> 1 …
    if not 0 <= century_index <= 4:
        raise IdentityError(_("No CCCD century digit exists for birth year %(year)s.") % {"year": year})
    return str(century_index * 2 + (1 if sex == "female" else 0))


def normalise_citizen_id(raw: str) -> str:
    digits = "".join(raw.split())
    # isdecimal, not isdigit: "²" is a digit to Python but no ID number holds one. Full-width and other
    # decimal digits are read as the ASCII digits they stand for, so every stored ID is ASCII.
    if not digits.isdecimal():
        raise IdentityError(_("A citizen ID has digits only."))
    digits = "".join(str(unicodedata.decimal(ch)) for ch in digits)
    if len(digits) not in (9, 12):
        raise IdentityError(_("A citizen ID has 12 digits (CCCD) or 9 (CMND), not %(count)s.") % {"count": len(digits)})
    return digits


def check_cccd(number: str, *, sex: str | None, date_of_birth: dt.date | None) -> None:
    """Check a 12-digit CCCD's province, century/sex and birth-year digits against the record."""
    if number[:3] not in CCCD_PROVINCE_CODES:
        raise IdentityError(_("%(code)s is not a province code a CCCD can start with.") % {"code": number[:3]})
    if date_of_birth is None or sex is None:
        return
    expected = cccd_century_sex_digit(date_of_birth.year, sex)
    if number[3] != expected:
        raise IdentityError(
            _("Digit 4 of a CCCD is %(expected)s for this sex and a birth in %(year)s, not %(given)s.")
            % {"expected": expected, "year": date_of_birth.year, "given": number[3]}
        )
    if number[4:6] != f"{date_of_birth.year % 100:02d}":
        raise IdentityError(
            _("Digits 5–6 of a CCCD are the last two of the birth year (%(expected)s), not %(given)s.")
            % {"expected": f"{date_of_birth.year % 100:02d}", "given": number[4:6]}
        )


def validate_citizen_id(raw: str, *, sex: str | None, date_of_birth: dt.date | None) -> str:
    number = normalise_citizen_id(raw)
    if len(number) == 12:
        check_cccd(number, sex=sex, date_of_birth=date_of_birth)
    return number


def normalise_phone(raw: str) -> str:
    """'0912 345 678', '+84 912 345 678', '84912345678' -> '+84912345678'. Foreign numbers need '+'."""
    text = raw.strip()
    # phonenumbers reads letters as a keypad's ("0912 ABC 678" -> 0912 222 678): a typo, not a number.
    if any(ch.isalpha() for ch in text):
        raise IdentityError(_("A phone number has no letters."))
    if text.startswith("84") and not text.startswith("+"):
        text = "+" + text
    try:
        parsed = phonenumbers.parse(text, "VN")
    except phonenumbers.NumberParseException:
        raise IdentityError(_("This is not a phone number.")) from None
    if not phonenumbers.is_valid_number(parsed):
        raise IdentityError(_("This phone number does not exist in the numbering plan."))
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    if not e164:
        return ""
    try:
        parsed = phonenumbers.parse(e164, "VN")
    except phonenumbers.NumberParseException:
        return e164
    if parsed.country_code == 84:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
