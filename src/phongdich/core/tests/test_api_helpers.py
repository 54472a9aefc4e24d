import pytest
from django.utils import translation

from phongdich.core.api import _field_name, check_query_text, error_body, paginate, reject_unstorable_text
from phongdich.core.errors import Conflict, InvalidInput, NotFound
from phongdich.geo.models import AdministrativeUnit


@pytest.mark.parametrize(
    ("loc", "field"),
    [
        (("body", "payload", "phone"), "phone"),
        (("query", "page_size"), "page_size"),
        (("path", "person_id"), "person_id"),
        (("body", "payload"), "payload"),
        (("body",), "body"),
    ],
)
def test_field_names_drop_the_request_part(loc, field):
    assert _field_name(loc) == field


def test_error_body_shape():
    assert error_body("Bad.", [{"field": "phone", "message": "No."}], existing_id=4) == {
        "detail": "Bad.",
        "errors": [{"field": "phone", "message": "No."}],
        "existing_id": 4,
    }


@pytest.mark.parametrize("text", ["a\x00b", "\ud800"])
def test_unstorable_text_is_rejected(english, text):
    with pytest.raises(ValueError, match="Text"):
        reject_unstorable_text(text)


def test_storable_values_pass_unchanged():
    assert reject_unstorable_text("Nguyễn Thị Đào") == "Nguyễn Thị Đào"
    assert reject_unstorable_text(12) == 12


def test_query_text_errors_name_the_parameter():
    check_query_text(q="nguyen", phone="")  # fine: no exception
    with pytest.raises(InvalidInput) as caught:
        check_query_text(q="x\x00", phone="1" * 201)
    assert {e.field for e in caught.value.errors} == {"q", "phone"}
    assert caught.value.status == 422


def test_domain_errors_carry_their_status(english):
    assert InvalidInput("x").status == 422
    assert Conflict("x", existing_id=3).status == 409
    assert Conflict("x", existing_id=3).extra == {"existing_id": 3}
    assert NotFound().status == 404
    assert str(NotFound()) == "Not found."


def test_not_found_speaks_the_active_language():
    with translation.override("vi"):
        assert str(NotFound()) == "Không tìm thấy."


def test_paginate_counts_pages(units):
    communes = AdministrativeUnit.objects.communes()
    rows, numbers = paginate(communes, page=4, page_size=50)
    assert numbers == {"count": 177, "page": 4, "page_size": 50, "pages": 4}
    assert len(rows) == 27
    rows, numbers = paginate(communes, page=5, page_size=50)
    assert rows == []
    _rows, numbers = paginate(AdministrativeUnit.objects.none(), page=1, page_size=10)
    assert numbers["pages"] == 1 and numbers["count"] == 0
