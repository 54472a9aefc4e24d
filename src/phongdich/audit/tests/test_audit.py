import datetime as dt
import json

import pytest
from django.core import serializers
from django.test import override_settings
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.audit import context
from phongdich.audit import services as audit
from phongdich.audit.middleware import client_address
from phongdich.audit.models import AuditEvent
from phongdich.people import services as people
from phongdich.people.services import PersonInput


@pytest.fixture
def person(commune_officer, make_cccd):
    return people.create_person(
        commune_officer,
        PersonInput(
            full_name="Nguyễn Thị Đào",
            sex="female",
            date_of_birth=dt.date(1990, 5, 6),
            citizen_id=make_cccd(dt.date(1990, 5, 6), "female"),
            phone="0912 345 678",
            home_commune="06649",
            address="Tổ 7, khu 3",
        ),
    )


def _serialized(event):
    return serializers.serialize("json", [event])


def test_a_read_is_recorded_without_personal_values(commune_officer, person):
    people.get_person(commune_officer, person.pk)
    event = AuditEvent.objects.get(action="view")
    assert event.actor == commune_officer
    assert event.actor_username == "officer-ha-khanh"
    assert event.actor_role == Role.COMMUNE_OFFICER
    assert (event.object_type, event.object_id) == ("person", str(person.pk))
    assert event.channel == "cli"  # outside a request
    text = _serialized(event)
    for value in (
        "Nguyễn Thị Đào",
        "Nguyen Thi Dao",
        "nguyen thi dao",
        person.phone,
        "912345678",
        person.citizen_id,
        "Tổ 7",
    ):
        assert value not in text
    assert json.loads(text)[0]["fields"]["detail"] == {}


def test_no_event_holds_personal_values(commune_officer, person):
    people.update_person(commune_officer, person.pk, PersonInput(phone="0987654321", address="Tổ 8"))
    people.search_persons(commune_officer, query="0987654321")
    people.record_list_read(commune_officer, [person], {"q": "0987654321"})
    events = AuditEvent.objects.all()
    assert {e.action for e in events} == {"create", "update", "list"}
    text = serializers.serialize("json", events)
    for value in ("Đào", "dao", "987654321", "912345678", person.citizen_id, "Tổ 7", "Tổ 8"):
        assert value not in text
    assert events.get(action="list").detail == {"criteria": ["q"]}
    assert events.get(action="update").detail == {"fields": ["address", "phone"]}


def test_a_list_read_records_the_ids_shown(commune_officer, person, make_person):
    other = make_person(commune_officer)
    people.record_list_read(commune_officer, [person, other], {"q": "x", "phone": ""})
    event = AuditEvent.objects.get(action="list")
    assert event.object_ids == f" {person.pk} {other.pk} "
    assert event.object_id == ""


def test_an_empty_list_read_records_nothing(commune_officer):
    people.record_list_read(commune_officer, [], {"q": "nobody"})
    assert not AuditEvent.objects.filter(action="list").exists()


def test_search_by_object_finds_views_and_lists(province_admin, commune_officer, person, make_person):
    others = [make_person(commune_officer) for _ in range(10)]
    people.get_person(commune_officer, person.pk)
    people.record_list_read(commune_officer, [person, others[0]], {"q": "x"})
    # Ids match whole (person 4 is not in " 14 24 "): a list that shows only others does not count.
    people.record_list_read(commune_officer, others[1:], {"q": "y"})
    found = audit.search(province_admin, object_id=str(person.pk))
    assert {e.action for e in found} == {"create", "view", "list"}
    assert all(e.object_id == str(person.pk) or f" {person.pk} " in e.object_ids for e in found)
    assert found.filter(action="list").count() == 1
    assert set(audit.search(province_admin, object_id=str(person.pk), action="view")) == set(
        found.filter(action="view")
    )


def test_search_filters(province_admin, commune_officer, person):
    people.get_person(commune_officer, person.pk)
    assert audit.search(province_admin, actor="ha-khanh").count() == 2
    assert audit.search(province_admin, actor="nobody").count() == 0
    assert audit.search(province_admin, object_type="household").count() == 0
    assert audit.search(province_admin, action="not-an-action").count() == 2  # unknown filter ignored
    # The filter takes dates as people in the province say them (local), not UTC dates.
    today = timezone.localdate(AuditEvent.objects.first().at)
    assert audit.search(province_admin, since=today, until=today).count() == 2
    assert audit.search(province_admin, since=today + dt.timedelta(days=1)).count() == 0


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.PROVINCE_ADMIN])
def test_only_province_administrators_read_the_log(units, make_account, commune_officer, person, role):
    people.get_person(commune_officer, person.pk)
    assert not audit.search(make_account(role, "22")).exists()


def test_the_log_survives_the_account(commune_officer, person, province_admin):
    commune_officer.delete()
    event = audit.search(province_admin, object_id=str(person.pk)).get(action="create")
    assert event.actor is None and event.actor_username == "officer-ha-khanh"


def test_context_is_used_inside_and_reset_after(commune_officer):
    token = context.set_current(context.RequestContext(ip_address="198.51.100.7", channel="web", request_id="r1"))
    try:
        inside = audit.record(commune_officer, "view", "person", 1)
    finally:
        context.reset(token)
    outside = audit.record(commune_officer, "view", "person", 2)
    assert (inside.ip_address, inside.channel, inside.request_id) == ("198.51.100.7", "web", "r1")
    assert (outside.ip_address, outside.channel) == (None, "cli")


def test_the_middleware_records_address_and_channel(commune_officer, person, api_client):
    client = api_client(commune_officer)
    response = client.get(f"/api/v1/persons/{person.pk}", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="pytest-agent")
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="view")
    assert event.ip_address == "203.0.113.9"
    assert event.channel == "api"
    assert event.user_agent == "pytest-agent"
    assert len(event.request_id) == 32
    assert event.actor == commune_officer


class _Request:
    def __init__(self, meta):
        self.META = meta


def test_forwarded_addresses_count_only_behind_a_proxy():
    request = _Request({"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.1, 203.0.113.9"})
    assert client_address(request) == "10.0.0.1"  # no proxy configured: the header is the client's to forge
    with override_settings(AXES_IPWARE_PROXY_COUNT=1):
        assert client_address(request) == "203.0.113.9"
    with override_settings(AXES_IPWARE_PROXY_COUNT=3):
        assert client_address(request) == "10.0.0.1"
    assert client_address(_Request({})) is None
