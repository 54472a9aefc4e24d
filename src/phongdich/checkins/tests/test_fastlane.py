"""The lean lane for device check-ins (checkins.fastlane), called as gunicorn calls it: a WSGI environ.

It must answer what the full stack answers, and hand every other request to the full stack untouched.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, models
from django.utils import timezone

from phongdich.accounts.services import issue_token
from phongdich.audit.models import AuditEvent
from phongdich.checkins import services
from phongdich.checkins.fastlane import CheckinFastLane
from phongdich.checkins.models import CheckIn
from phongdich.checkins.tests.test_services import Place
from phongdich.venues.models import Venue

URL = "/api/v1/checkins"


@pytest.fixture
def place(province_admin, commune_officer, make_account, make_person, make_cccd):
    return Place(province_admin, commune_officer, make_account, make_person, make_cccd)


class CountingHandler(WSGIHandler):
    """Django's own handler, counting the requests the lane handed to it."""

    calls = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.calls += 1
        return super().__call__(environ, start_response)


@pytest.fixture
def lane() -> CheckinFastLane:
    return CheckinFastLane(CountingHandler())


def call(app: CheckinFastLane, body: Any, *, token: str | None = None, **extra: str) -> tuple[int, dict[str, str], Any]:
    """(status, headers, parsed JSON) of one request through the WSGI application."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": URL,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "10.1.2.3",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(raw)),
        "wsgi.input": io.BytesIO(raw),
        "wsgi.url_scheme": "http",
        **({"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}),
        **extra,
    }
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(headers)

    # As Django's test client does: the connection holding the test's transaction must not be closed.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        result = app(environ, start_response)
        content = b"".join(result)
        getattr(result, "close", lambda: None)()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    is_json = answer["headers"].get("Content-Type", "").startswith("application/json")
    return answer["status"], answer["headers"], json.loads(content) if is_json else content


def token_for(user) -> str:
    return issue_token(user, label="device")[1]


def test_the_wsgi_application_is_the_lane_in_front_of_django():
    from phongdich import wsgi

    assert isinstance(wsgi.application, CheckinFastLane)
    assert isinstance(wsgi.application.full, WSGIHandler)


def test_a_device_check_in_is_stored_once_audited_and_answered_as_the_full_stack_answers(place, lane, api_client):
    token = token_for(place.officer)
    key = str(uuid.uuid4())
    at = (timezone.now() - dt.timedelta(minutes=7)).replace(microsecond=123456)
    body = {
        "uuid": key,
        "venue": place.market.code.lower(),
        "citizen_id": place.citizen_id,
        "checked_in_at": at.isoformat(),
    }

    status, headers, data = call(lane, body, token=token)

    assert status == 201 and lane.full.calls == 0, data
    assert data["created"] is True and data["warning"] is None
    assert data["checkin"]["uuid"] == key and data["checkin"]["person"] == place.person.pk
    assert data["checkin"]["method"] == "typed_id" and data["checkin"]["venue"] == place.market.code
    stored = CheckIn.objects.get(uuid=key)
    assert stored.checked_in_at == at and stored.venue_id == place.market.pk and stored.recorded_by == place.officer
    event = AuditEvent.objects.get(object_type="checkin", object_id=key)
    assert event.actor == place.officer and event.ip_address == "10.1.2.3" and event.channel == "api"
    # The middleware that act on a token request did.
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Language"] == "vi"

    # The same record through Django's test client (the full stack) is a retry, answered in the same form.
    again = api_client(place.officer).post(URL, body, content_type="application/json")
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["checkin"] == data["checkin"]
    # ... and through the lane too.
    status, _headers, replay = call(lane, body, token=token)
    assert status == 200 and replay["created"] is False and replay["checkin"] == data["checkin"]
    assert CheckIn.objects.filter(uuid=key).count() == 1
    assert AuditEvent.objects.filter(object_type="checkin", object_id=key).count() == 1


def test_a_suspended_venue_still_records_with_its_warning(place, lane):
    Venue.objects.filter(pk=place.market.pk).update(status="suspended")
    body = {"venue": place.market.code, "phone": "0912 345 678"}
    status, _headers, data = call(lane, body, token=token_for(place.officer))
    assert status == 201 and lane.full.calls == 0
    assert "suspended" in data["warning"] or "tạm dừng" in data["warning"]


@pytest.mark.parametrize(
    ("case", "status", "field"),
    [
        ("unknown venue", 404, None),
        ("unknown person", 404, None),
        ("future time", 422, "checked_in_at"),
        ("malformed citizen ID", 422, "citizen_id"),
        ("not JSON", 400, None),
        ("wrong type", 422, "uuid"),
        ("bad token", 401, None),
        ("venue elsewhere", 404, None),
    ],
)
def test_refusals_are_the_full_stacks_answers_and_store_nothing(place, lane, case, status, field):
    token = token_for(place.officer)
    body: Any = {"venue": place.market.code, "citizen_id": place.citizen_id}
    if case == "unknown venue":
        body["venue"] = "ZZZZ9999"
    elif case == "unknown person":
        body["citizen_id"] = "022085999999"
    elif case == "future time":
        body["checked_in_at"] = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    elif case == "malformed citizen ID":
        body["citizen_id"] = "12AB"
    elif case == "not JSON":
        body = b"{not json"
    elif case == "wrong type":
        body["uuid"] = "not-a-uuid"
    elif case == "bad token":
        token = "pd_not-a-token"
    elif case == "venue elsewhere":
        body["venue"] = place.far.code  # another commune's venue: not this officer's to record at
    before = CheckIn.objects.count(), AuditEvent.objects.filter(object_type="checkin").count()

    answered, _headers, data = call(lane, body, token=token)

    assert lane.full.calls == 1, case
    assert answered == status, data
    assert isinstance(data["detail"], str) and data["detail"]
    if field:
        assert field in {error["field"] for error in data["errors"]}, data
    assert (CheckIn.objects.count(), AuditEvent.objects.filter(object_type="checkin").count()) == before


@pytest.mark.parametrize(
    "extra",
    [
        {"QUERY_STRING": "x=1"},
        {"HTTP_COOKIE": "sessionid=abc"},
        {"PATH_INFO": URL + "/"},
        {"REQUEST_METHOD": "PUT"},
    ],
)
def test_other_requests_go_to_the_full_stack_untouched(place, lane, extra):
    call(lane, {"venue": place.market.code, "citizen_id": place.citizen_id}, token=token_for(place.officer), **extra)
    assert lane.full.calls == 1


def test_a_host_not_allowed_is_refused_by_the_full_stack(place, lane):
    body = {"venue": place.market.code, "phone": "0912 345 678"}
    status, _headers, _data = call(lane, body, token=token_for(place.officer), HTTP_HOST="evil.example")
    assert status == 400 and lane.full.calls == 1
    assert not CheckIn.objects.exists()


def test_english_when_the_device_asks_for_it(place, lane):
    Venue.objects.filter(pk=place.market.pk).update(status="closed")
    status, headers, data = call(
        lane,
        {"venue": place.market.code, "phone": "0912 345 678"},
        token=token_for(place.officer),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert status == 201 and headers["Content-Language"] == "en"
    assert data["warning"].startswith("This venue is closed")


def test_the_right_to_record_read_with_the_venue_matches_the_query_for_every_role(place, district_officer):
    """venue_by_code decides "may record here" from the venue's row; the query-based rule must agree."""
    accounts = [
        place.admin,
        place.officer,
        place.far_officer,
        place.operator,
        place.leader,
        place.citizen,
        district_officer,
    ]
    for venue in (place.market, place.far, place.cafe):
        path = str(Venue.objects.filter(pk=venue.pk).values_list("commune__path", flat=True).get())
        for account in accounts:
            expected = services._recordable_venue_ids(account, models.Q(pk=venue.pk)).exists()
            assert services._may_record_in_commune(account, venue.pk, path) is expected, (account.username, venue.name)
