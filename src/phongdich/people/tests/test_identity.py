import datetime as dt

import pytest

from phongdich.people.identity import (
    CCCD_PROVINCE_CODES,
    IdentityError,
    cccd_century_sex_digit,
    display_phone,
    normalise_citizen_id,
    normalise_phone,
    validate_citizen_id,
)

BORN_1985 = dt.date(1985, 3, 12)


@pytest.fixture(autouse=True)
def _messages_in_english(english):
    """The messages are matched below; they are Vietnamese by default."""


BORN_2003 = dt.date(2003, 7, 1)


@pytest.mark.parametrize(
    ("year", "sex", "digit"),
    [(1985, "male", "0"), (1985, "female", "1"), (2003, "male", "2"), (2003, "female", "3"), (2100, "female", "5")],
)
def test_century_and_sex_digit(year, sex, digit):
    assert cccd_century_sex_digit(year, sex) == digit


def test_no_century_digit_before_1900():
    with pytest.raises(IdentityError):
        cccd_century_sex_digit(1899, "male")


@pytest.mark.parametrize(
    ("number", "sex", "born"),
    [
        ("022085000123", "male", BORN_1985),
        ("022185000123", "female", BORN_1985),
        ("001203004567", "male", BORN_2003),
        ("079303004567", "female", BORN_2003),
    ],
)
def test_valid_cccd(number, sex, born):
    assert validate_citizen_id(number, sex=sex, date_of_birth=born) == number


def test_cccd_spaces_are_removed():
    assert validate_citizen_id(" 022 085 000 123 ", sex="male", date_of_birth=BORN_1985) == "022085000123"


def test_nine_digit_cmnd_is_accepted_without_further_checks():
    assert validate_citizen_id("100234567", sex="female", date_of_birth=BORN_1985) == "100234567"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("02208500012", "12 digits"),  # 11 digits
        ("0220850001234", "12 digits"),  # 13 digits
        ("12345678", "not 8"),
        ("02208500012A", "digits only"),
        ("022-085-000-123", "digits only"),
        ("", "digits only"),
    ],
)
def test_malformed_citizen_ids(raw, message):
    with pytest.raises(IdentityError, match=message):
        validate_citizen_id(raw, sex="male", date_of_birth=BORN_1985)


def test_unknown_province_prefix():
    assert "003" not in CCCD_PROVINCE_CODES
    with pytest.raises(IdentityError, match="003"):
        validate_citizen_id("003085000123", sex="male", date_of_birth=BORN_1985)


def test_province_prefix_is_checked_even_without_sex_and_birth_date():
    with pytest.raises(IdentityError):
        validate_citizen_id("099085000123", sex=None, date_of_birth=None)
    assert validate_citizen_id("022085000123", sex=None, date_of_birth=None) == "022085000123"


@pytest.mark.parametrize(
    ("number", "sex", "born", "message"),
    [
        ("022085000123", "female", BORN_1985, "Digit 4"),  # says male
        ("022185000123", "male", BORN_1985, "Digit 4"),  # says female
        ("022285000123", "male", BORN_1985, "Digit 4"),  # says born in the 2000s
        ("022003000123", "male", BORN_2003, "Digit 4"),  # says born in the 1900s
        ("022086000123", "male", BORN_1985, "Digits 5–6"),  # says 1986
        ("022290000123", "male", dt.date(2009, 1, 1), "Digits 5–6"),
    ],
)
def test_cccd_contradicting_the_record(number, sex, born, message):
    with pytest.raises(IdentityError, match=message):
        validate_citizen_id(number, sex=sex, date_of_birth=born)


@pytest.mark.parametrize("raw", ["０２２０８５０００１２３", "²²²²²²²²²", "١٢٣٤٥٦٧٨٩"])
def test_citizen_ids_hold_ascii_digits_only(raw):
    # Full-width or Arabic-Indic digits are read as the digits they are; other "digit" symbols are refused.
    try:
        number = normalise_citizen_id(raw)
    except IdentityError:
        return
    assert number.isascii() and number.isdigit()


def test_full_width_digits_are_read_as_digits():
    assert normalise_citizen_id("０２２０８５０００１２３") == "022085000123"


@pytest.mark.parametrize(
    "raw",
    ["0912 345 678", "+84 912 345 678", "84912345678", "0912345678", "0912.345.678", "(0912) 345-678", " 0912345678 "],
)
def test_mobile_numbers_normalise_to_e164(raw):
    assert normalise_phone(raw) == "+84912345678"


def test_landline_with_area_code():
    assert normalise_phone("0203 3825 123") == "+842033825123"


def test_foreign_numbers_need_a_plus():
    assert normalise_phone("+1 202 555 0143") == "+12025550143"


@pytest.mark.parametrize(
    "raw", ["0912", "0912 345 6789", "", "   ", "abc", "0912 abc 678", "0912-ABC-DEF", "phone 0912345678", "09ab"]
)
def test_invalid_phone_numbers(raw):
    with pytest.raises(IdentityError):
        normalise_phone(raw)


def test_display_phone():
    assert display_phone("+84912345678") == "0912 345 678"
    assert display_phone("+842033825123") == "0203 3825 123"
    assert display_phone("+12025550143") == "+1 202-555-0143"
    assert display_phone("") == ""
    assert display_phone("garbage") == "garbage"
