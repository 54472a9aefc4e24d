from __future__ import annotations

import pytest

from phongdich.core.errors import InvalidInput
from phongdich.declarations.plates import normalise_plate


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("14A-123.45", "14A-123.45"),
        ("14A12345", "14A-123.45"),
        ("14a 123 45", "14A-123.45"),
        ("29LD-012.34", "29LD-012.34"),
        ("80A-123.45", "80A-123.45"),
        ("29B1-123.45", "29B1-123.45"),
        ("29B112345", "29B1-123.45"),
        ("14A-1234", "14A-1234"),
        ("99H 9999", "99H-9999"),
    ],
)
def test_plates_in_any_typed_form_are_printed_one_way(typed: str, printed: str) -> None:
    assert normalise_plate(typed) == printed


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "10A-123.45",
        "00A12345",
        "ABC",
        "14-12345",
        "14A-123",
        "14ABC12345",
        "14A-1234567",
        "1A-12345",
        "14A12345<b>",
    ],
)
def test_malformed_plates_are_refused_on_the_plate_field(typed: str, english: None) -> None:
    with pytest.raises(InvalidInput) as refused:
        normalise_plate(typed)
    assert [error.field for error in refused.value.errors] == ["plate"]
    assert refused.value.errors[0].message
