from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client

from phongdich.accounts import phone_otp
from phongdich.declarations.models import Declaration
from phongdich.declarations.qr import read_declaration_qr

pytestmark = pytest.mark.usefixtures("units")


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _body(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "submission_id": str(uuid.uuid4()),
        "kind": "entry",
        "people": [{"full_name": "Phạm Văn Nam", "birth_year": 1979, "sex": "male"}],
        "to_commune": "06649",
        "from_area": "01",
        "vehicle_kind": "bus",
        "vehicle_plate": "29B-123.45",
    }
    body.update(fields)
    return body


def _code(client: Client, phone: str = "0912345678") -> dict[str, str]:
    answer = _post(client, "/api/v1/declarations/otp", {"phone": phone})
    assert answer.status_code == 200, answer.content
    return {"challenge_id": answer.json()["challenge_id"], "code": phone_otp.last_code_for_tests(phone)}


def test_anyone_declares_through_the_api_with_a_phone_code() -> None:
    client = Client()
    body = _body(**_code(client))
    answer = _post(client, "/api/v1/declarations", body)
    assert answer.status_code == 200, answer.content
    data = answer.json()
    [issued] = data["declarations"]
    assert read_declaration_qr(issued["qr"]).declaration_id == issued["id"]
    assert "/declare/r/" in data["result_url"]
    # A retry (the answer was lost) gets the same declaration back.
    again = _post(client, "/api/v1/declarations", body)
    assert again.status_code == 200 and again.json()["declarations"][0]["id"] == issued["id"]
    assert Declaration.objects.count() == 1
    assert Client().get(data["result_url"]).status_code == 200


def test_bad_input_answers_422_naming_the_fields_and_stores_nothing(english) -> None:
    client = Client()
    answer = _post(client, "/api/v1/declarations", _body(vehicle_plate="ABC", **_code(client)))
    assert answer.status_code == 422
    assert {e["field"] for e in answer.json()["errors"]} == {"vehicle_plate"}
    answer = _post(client, "/api/v1/declarations", _body(people="not a list"))
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"].startswith("people")
    answer = _post(client, "/api/v1/declarations", _body(purpose="\x00"))
    assert answer.status_code == 422
    assert not Declaration.objects.exists()


def test_too_many_codes_answer_429() -> None:
    client = Client()
    for _n in range(3):
        _code(client)
    answer = _post(client, "/api/v1/declarations/otp", {"phone": "0912345678"})
    assert answer.status_code == 429 and answer.json()["errors"][0]["field"] == "phone"


def test_officers_list_and_read_declarations_of_their_area_only(api_client, commune_officer, make_account) -> None:
    client = Client()
    here = _post(client, "/api/v1/declarations", _body(**_code(client))).json()["declarations"][0]["id"]
    there = _post(client, "/api/v1/declarations", _body(to_commune="06727", **_code(client, "0987654321"))).json()[
        "declarations"
    ][0]["id"]
    officer = api_client(commune_officer)
    listed = officer.get("/api/v1/declarations?risk=no")
    assert listed.status_code == 200 and [row["id"] for row in listed.json()["items"]] == [here]
    assert officer.get(f"/api/v1/declarations/{here}").json()["from_code"] == "01"
    assert officer.get(f"/api/v1/declarations/{there}").status_code == 404
    assert api_client(make_account("leader", "22")).get("/api/v1/declarations").status_code == 404
    assert Client().get("/api/v1/declarations").status_code == 401


def test_the_areas_are_public_and_only_the_province_changes_them(api_client, province_admin, commune_officer) -> None:
    areas = Client().get("/api/v1/declarations/areas").json()
    assert {area["code"] for area in areas} == {"01", "20", "24", "30", "31"}
    assert all(area["level"] == 1 for area in areas)
    refused = api_client(commune_officer).put(
        "/api/v1/declarations/areas/01", data={"level": 4}, content_type="application/json"
    )
    assert refused.status_code == 404
    changed = api_client(province_admin).put(
        "/api/v1/declarations/areas/01", data={"level": 4}, content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["level"] == 4
