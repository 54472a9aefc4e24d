"""The API: /api/v1/daily-reports and /api/v1/directives."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from phongdich.accounts.roles import Role
from phongdich.reports import services
from phongdich.reports.models import DailyReport, Directive, DirectiveRecipient

pytestmark = pytest.mark.django_db

URL = "/api/v1/daily-reports"


def body(day, commune="06649", **figures):
    return {"commune": commune, "day": day.isoformat(), "figures": figures, "difficulties": "Thiếu test"}


def test_submit_retry_and_revise(units, commune_officer, api_client):
    client = api_client(commune_officer)
    today = services.local_today()
    first = client.post(URL, body(today, new_cases=2, tests=30), content_type="application/json")
    assert first.status_code == 201, first.content
    assert first.json()["figures"]["new_cases"] == 2 and first.json()["platform"]["new_cases"] == 0
    retry = client.post(URL, body(today, new_cases=2, tests=30), content_type="application/json")
    assert retry.status_code == 200 and retry.json()["revision"] == 1
    revised = client.post(URL, body(today, new_cases=3, tests=30), content_type="application/json")
    assert revised.status_code == 201 and revised.json()["revision"] == 2
    assert DailyReport.objects.count() == 1
    listed = client.get(URL, {"day": today.isoformat()}).json()
    assert listed["count"] == 1 and listed["items"][0]["figures"]["new_cases"] == 3


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"day": "2999-01-01"}, 422, "day"),
        ({"commune": "06727"}, 404, "commune"),
        ({"figures": {"new_cases": -1}}, 422, "figures.new_cases"),
        ({"figures": {"tests": 99_999_999}}, 422, "figures.tests"),
        ({"figures": {"tests": "nhiều"}}, 422, "figures.tests"),
        ({"day": "not a day"}, 422, "day"),
    ],
)
def test_bad_reports_are_refused_naming_the_field(units, commune_officer, api_client, change, status, field):
    payload = {**body(services.local_today(), new_cases=1), **change}
    answer = api_client(commune_officer).post(URL, payload, content_type="application/json")
    assert answer.status_code == status, answer.content
    assert field in [error["field"] for error in answer.json()["errors"]]
    assert not DailyReport.objects.exists()


def test_status_and_prefill(units, commune_officer, district_officer, api_client):
    today = services.local_today()
    api_client(commune_officer).post(URL, body(today, new_cases=1), content_type="application/json")
    status = api_client(district_officer).get(f"{URL}/status").json()
    assert status["submitted"] == 1 and status["missing"] == status["expected"] - 1
    assert "06649" not in status["missing_communes"] and "06652" in status["missing_communes"]
    assert len(status["missing_communes"]) == status["missing"]
    prefill = api_client(commune_officer).get(f"{URL}/prefill", {"commune": "06649"}).json()
    assert prefill["platform"]["new_cases"] == 0 and prefill["report"]["figures"]["new_cases"] == 1
    assert api_client(commune_officer).get(f"{URL}/prefill", {"commune": "06727"}).status_code == 404
    future = (today + dt.timedelta(days=1)).isoformat()
    assert api_client(commune_officer).get(f"{URL}/prefill", {"commune": "06649", "day": future}).status_code == 422


def test_directives_send_read_acknowledge(
    units, district_officer, commune_officer, make_account, api_client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    sender = api_client(district_officer)
    pdf = SimpleUploadedFile("chi-dao.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    sent = sender.post(
        "/api/v1/directives",
        {
            "title": "Tăng cường xét nghiệm",
            "body": "Nội dung",
            "units": ["06649", "06652"],
            "request_key": "a1",
            "attachment": pdf,
        },
    )
    assert sent.status_code == 201, sent.content
    directive_id = sent.json()["id"]
    assert {row["unit"] for row in sent.json()["recipients"]} == {"06649", "06652"}
    assert sent.json()["attachment_url"].endswith(f"/directives/{directive_id}/attachment/")
    retry = sender.post(
        "/api/v1/directives", {"title": "Tăng cường xét nghiệm", "units": ["06649"], "request_key": "a1"}
    )
    assert retry.status_code == 200 and retry.json()["id"] == directive_id
    recipient = api_client(commune_officer)
    inbox = recipient.get("/api/v1/directives", {"unread": "true"}).json()
    assert [item["id"] for item in inbox["items"]] == [directive_id]
    read = recipient.get(f"/api/v1/directives/{directive_id}").json()
    assert [row["unit"] for row in read["recipients"]] == ["06649"] and read["recipients"][0]["read_at"]
    acknowledged = recipient.post(
        f"/api/v1/directives/{directive_id}/acknowledge", {"note": "Đã nhận"}, content_type="application/json"
    )
    assert acknowledged.status_code == 200 and acknowledged.json()["recipients"][0]["note"] == "Đã nhận"
    summary = sender.get("/api/v1/directives/sent").json()["items"][0]
    assert (summary["recipients"], summary["read"], summary["acknowledged"], summary["overdue"]) == (2, 1, 1, 0)
    outsider = api_client(make_account(Role.COMMUNE_OFFICER, "06727"))
    assert outsider.get(f"/api/v1/directives/{directive_id}").status_code == 404
    assert (
        outsider.post(f"/api/v1/directives/{directive_id}/acknowledge", {}, content_type="application/json").status_code
        == 404
    )


def test_a_directive_outside_the_jurisdiction_is_refused(units, district_officer, api_client):
    answer = api_client(district_officer).post("/api/v1/directives", {"title": "X", "units": ["06727"]})
    assert answer.status_code == 422
    assert [error["field"] for error in answer.json()["errors"]] == ["units"]
    assert not Directive.objects.exists() and not DirectiveRecipient.objects.exists()


def test_a_unit_code_with_a_nul_is_a_422_not_a_server_error(units, district_officer, api_client):
    # Found by the API fuzzer on PostgreSQL: text inside a list reached the database unchecked.
    answer = api_client(district_officer).post("/api/v1/directives", {"title": "X", "units": ["066\x0049"]})
    assert answer.status_code == 422
    assert [error["field"] for error in answer.json()["errors"]] == ["units"]
    assert not Directive.objects.exists()
