"""The checkpoint API and screens: scans single and queued (idempotent by uuid), scope, overrides, rule sets."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.checkpoints.models import Pass
from phongdich.tasks.models import Task

from .conftest import HA_KHANH, HA_PHONG, publish_level

pytestmark = pytest.mark.usefixtures("english")


def post(client, path: str, body: dict):
    return client.post(path, json.dumps(body), content_type="application/json")


def test_a_scan_is_decided_once_per_uuid(api_client, checkpoint, officer, declare):
    client = api_client(officer)
    body = {"uuid": str(uuid.uuid4()), "qr": declare(from_area="31"), "direction": "entry"}
    first = post(client, "/api/v1/checkpoints/cau-bach-dang/decisions", body)
    assert first.status_code == 201, first.content
    assert first.json()["decision"] == "let_through" and first.json()["replayed"] is False
    again = post(client, "/api/v1/checkpoints/cau-bach-dang/decisions", body)
    assert again.status_code == 200 and again.json()["pass_id"] == first.json()["pass_id"]
    assert Pass.objects.count() == 1


def test_queued_scans_sync_without_duplicates(
    api_client, checkpoint, officer, declare, province_admin, district_officer
):
    publish_level(province_admin, district_officer, HA_PHONG, 4)
    client = api_client(officer)
    earlier = (timezone.now() - dt.timedelta(minutes=40)).isoformat()
    items = [
        {"uuid": str(uuid.uuid4()), "qr": declare(from_area="31"), "direction": "entry", "scanned_at": earlier},
        {"uuid": str(uuid.uuid4()), "qr": declare(from_unit=HA_PHONG), "direction": "entry", "scanned_at": earlier},
        {"uuid": str(uuid.uuid4()), "qr": "PD1:1:x", "direction": "entry", "plate": "1-2-3"},
    ]
    answer = post(client, "/api/v1/checkpoints/cau-bach-dang/decisions/batch", {"items": items})
    assert answer.status_code == 200, answer.content
    fates = answer.json()["items"]
    assert [f["status"] for f in fates] == ["created", "created", "rejected"]
    assert fates[1]["decision"]["decision"] == "test_on_spot"
    assert fates[2]["errors"][0]["field"] == "plate"
    # The connection dropped before the answer arrived: the device sends the same queue again.
    resent = post(client, "/api/v1/checkpoints/cau-bach-dang/decisions/batch", {"items": items[:2]}).json()["items"]
    assert [f["status"] for f in resent] == ["duplicate", "duplicate"]
    assert Pass.objects.count() == 2
    assert Pass.objects.get(pk=fates[0]["decision"]["pass_id"]).at == dt.datetime.fromisoformat(earlier)
    assert Task.objects.filter(source_key__startswith="checkpoints.pass:", commune__code=HA_KHANH).count() == 1


def test_bad_input_is_a_422_naming_the_field(api_client, checkpoint, officer):
    client = api_client(officer)
    path = "/api/v1/checkpoints/cau-bach-dang/decisions"
    answer = post(client, path, {"uuid": str(uuid.uuid4()), "qr": "x" * 5000, "direction": "entry"})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "qr"
    answer = post(client, path, {"uuid": str(uuid.uuid4()), "qr": "PD1:1:x", "plate": "XYZ"})
    assert answer.status_code == 422 and answer.json()["errors"] == [
        {"field": "plate", "message": answer.json()["errors"][0]["message"]}
    ]
    assert not Pass.objects.exists()


def test_only_the_checkpoints_own_officers_scan_there(api_client, checkpoint, make_account, commune_officer, declare):
    other = make_account(Role.CHECKPOINT_OFFICER, "193", username="chot-2")
    body = {"uuid": str(uuid.uuid4()), "qr": declare(from_area="31")}
    for account in (other, commune_officer):
        answer = post(api_client(account), "/api/v1/checkpoints/cau-bach-dang/decisions", body)
        assert answer.status_code == 404
    assert api_client(other).get("/api/v1/checkpoints").json() == []
    assert not Pass.objects.exists()


def test_pass_lists_and_summaries_are_scoped(api_client, checkpoint, officer, declare, make_account):
    post(
        api_client(officer),
        "/api/v1/checkpoints/cau-bach-dang/decisions",
        {"uuid": str(uuid.uuid4()), "qr": declare(from_area="31")},
    )
    rows = api_client(officer).get("/api/v1/checkpoints/passes?checkpoint=cau-bach-dang").json()
    assert rows["count"] == 1 and rows["items"][0]["initials"] == "N.V.A."
    district = make_account(Role.DISTRICT_OFFICER, "193", username="huyen-ha-long")
    assert api_client(district).get("/api/v1/checkpoints/passes").json()["count"] == 1
    elsewhere = make_account(Role.DISTRICT_OFFICER, "194", username="huyen-mong-cai")
    assert api_client(elsewhere).get("/api/v1/checkpoints/passes").json()["count"] == 0
    assert api_client(elsewhere).get("/api/v1/checkpoints/cau-bach-dang/summary").status_code == 404
    summary = api_client(district).get("/api/v1/checkpoints/cau-bach-dang/summary").json()
    assert summary["total"] == 1 and summary["by_decision"]["let_through"] == 1
    leader = make_account(Role.LEADER, "22", username="lanh-dao")
    assert api_client(leader).get("/api/v1/checkpoints/passes").json()["count"] == 0


def test_override_through_the_api(api_client, checkpoint, officer, declare, district_officer):
    decided = post(
        api_client(officer),
        "/api/v1/checkpoints/cau-bach-dang/decisions",
        {"uuid": str(uuid.uuid4()), "qr": declare(from_area="31", contact=True)},
    ).json()
    path = f"/api/v1/checkpoints/passes/{decided['pass_id']}/override"
    missing = post(api_client(officer), path, {"decision": "let_through", "reason": ""})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "reason"
    # District officers follow passes but do not decide them.
    assert post(api_client(district_officer), path, {"decision": "let_through", "reason": "x"}).status_code == 404
    done = post(api_client(officer), path, {"decision": "let_through", "reason": "Đã xét nghiệm nhanh âm tính"})
    assert done.status_code == 200 and done.json()["decision"] == "let_through"
    assert done.json()["override_reason"] == "Đã xét nghiệm nhanh âm tính"


def test_rule_sets_only_by_the_province_and_422_naming_the_field(api_client, province_admin, district_officer):
    body = {
        "name": "Bản 2",
        "valid_from": timezone.now().isoformat(),
        "rules": [{"when": {"from_level_at_least": 5, "colour": 1}, "decision": "let_through", "reason": "x"}],
    }
    assert post(api_client(district_officer), "/api/v1/checkpoints/rule-sets", body).status_code == 404
    answer = post(api_client(province_admin), "/api/v1/checkpoints/rule-sets", body)
    assert answer.status_code == 422
    assert {e["field"] for e in answer.json()["errors"]} == {"rules[0].when.colour"}
    body["rules"] = [{"when": {}, "decision": "test_on_spot", "reason": "Xét nghiệm tất cả"}]
    created = post(api_client(province_admin), "/api/v1/checkpoints/rule-sets", body)
    assert created.status_code == 201 and created.json()["version"] == 2


def test_the_screens(checkpoint, officer, declare, make_account, province_admin):
    from phongdich.checkpoints import services

    rules = [{"when": {}, "decision": "let_through", "reason": "<script>alert(1)</script> Đủ điều kiện"}]
    services.save_rule_set(province_admin, "Thử", timezone.now() - dt.timedelta(minutes=1), rules)
    client = Client()
    client.force_login(officer)
    assert "Cầu Bạch Đằng" in client.get("/checkpoints/").content.decode()
    scan_page = client.get("/checkpoints/cau-bach-dang/scan/").content.decode()
    assert 'data-mode="scan"' in scan_page and "/api/v1/checkpoints/cau-bach-dang/decisions/batch" in scan_page
    assert 'data-mode="lane"' in client.get("/checkpoints/cau-bach-dang/lane/").content.decode()
    post(
        _api_as(officer),
        "/api/v1/checkpoints/cau-bach-dang/decisions",
        {"uuid": str(uuid.uuid4()), "qr": declare(from_area="31")},
    )
    page = client.get("/checkpoints/cau-bach-dang/passes/").content.decode()
    assert "Let through" in page and "Đủ điều kiện" in page and "<script>alert" not in page
    row = Pass.objects.get()
    answer = client.post(f"/checkpoints/passes/{row.pk}/override/", {"decision": "turn_back", "reason": "Giấy tờ giả"})
    assert answer.status_code == 302
    row.refresh_from_db()
    assert row.decision == "turn_back" and row.overridden_by == officer
    other = make_account(Role.CHECKPOINT_OFFICER, "193", username="chot-3")
    client.force_login(other)
    assert client.get("/checkpoints/cau-bach-dang/scan/").status_code == 404
    assert (
        client.post(f"/checkpoints/passes/{row.pk}/override/", {"decision": "let_through", "reason": "x"}).status_code
        == 404
    )


def _api_as(user):
    from phongdich.accounts.services import issue_token

    _token, secret = issue_token(user, label="tests")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_a_day_at_the_ends_of_the_calendar_is_a_422(api_client, checkpoint, officer):
    # Found by the API fuzzer: day=0001-01-01 has no local midnight in UTC (a 500).
    client = api_client(officer)
    for url in (
        "/api/v1/checkpoints/passes?day=0001-01-01",
        f"/api/v1/checkpoints/{checkpoint.code}/summary?day=9999-12-31",
    ):
        answer = client.get(url)
        assert answer.status_code == 422, url
        assert [error["field"] for error in answer.json()["errors"]] == ["day"]
    assert client.get("/api/v1/checkpoints/passes?day=2021-11-10").status_code == 200
