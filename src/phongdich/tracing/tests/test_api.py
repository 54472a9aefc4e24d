"""/api/v1/cases/{id}/contacts, named contacts, the task list and follow-up, through the whole stack."""

from __future__ import annotations

import datetime as dt

import pytest

from phongdich.accounts.roles import Role
from phongdich.audit.models import AuditEvent
from phongdich.tracing.models import NamedContact
from phongdich.tracing.tests.world import World, minutes


@pytest.fixture
def world(units, make_account, make_person):
    return World(make_account, make_person)


@pytest.fixture
def traced(world):
    t0 = world.t0
    world.visit(world.f0, world.market, t0, t0 + minutes(30))
    world.near = world.person()
    world.far = world.person(commune="06727")
    world.visit(world.near, world.market, t0, t0 + minutes(30))
    world.visit(world.far, world.market, t0 + minutes(20), t0 + minutes(25))
    world.case = world.open_case()
    world.trace(world.case)
    return world


def url(case_id):
    return f"/api/v1/cases/{case_id}/contacts"


def test_the_contact_list_of_a_case_with_its_evidence(traced, api_client):
    response = api_client(traced.officer).get(url(traced.case.pk))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["case"], body["f1"], body["f2"]) == (traced.case.pk, 2, 0)
    assert body["run"]["status"] == "done" and body["run"]["policy_version"] == 1
    by_person = {item["person"]: item for item in body["items"]}
    near = by_person[traced.near.pk]
    assert near["degree"] == 1 and near["commune"] == "06649" and near["status"] == "to_call"
    assert near["sources"] == ["venue"] and near["close"] is True
    assert near["evidence"][0]["venue"] == traced.market.code
    assert near["evidence"][0]["overlap_minutes"] == 30
    assert dt.datetime.fromisoformat(near["first_exposure"]) == traced.t0
    # The officer of the case's commune sees every contact of the case, wherever they live.
    assert by_person[traced.far.pk]["commune"] == "06727"
    read = AuditEvent.objects.filter(object_type="contact", action="list").latest("at")
    assert read.actor == traced.officer and f" {near['id']} " in read.object_ids


def test_a_case_out_of_scope_answers_404(traced, api_client, make_account):
    assert api_client(traced.far_officer).get(url(traced.case.pk)).status_code == 404
    leader = make_account(Role.LEADER, "22")
    assert api_client(leader).get(url(traced.case.pk)).status_code == 404
    vaccinator = make_account(Role.VACCINATOR, "22")
    assert api_client(vaccinator).get(url(traced.case.pk)).status_code == 404
    assert api_client(traced.officer).get(url(999_999)).status_code == 404
    assert api_client(traced.officer).get(url(2**70)).status_code in (404, 422)


def test_the_task_list_shows_the_contacts_living_in_the_officers_communes(traced, api_client):
    mine = api_client(traced.officer).get("/api/v1/contacts").json()
    assert [item["person"] for item in mine["items"]] == [traced.near.pk]
    theirs = api_client(traced.far_officer).get("/api/v1/contacts").json()
    assert [item["person"] for item in theirs["items"]] == [traced.far.pk]
    contact_id = theirs["items"][0]["id"]

    assert (
        api_client(traced.officer)
        .patch(f"/api/v1/contacts/{contact_id}", {"status": "reached"}, content_type="application/json")
        .status_code
        == 404
    )
    changed = api_client(traced.far_officer).patch(
        f"/api/v1/contacts/{contact_id}", {"status": "reached"}, content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["status"] == "reached"
    bad = api_client(traced.far_officer).patch(
        f"/api/v1/contacts/{contact_id}", {"status": "gone"}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "status"
    assert api_client(traced.far_officer).get("/api/v1/contacts?status=to_call").json()["items"] == []


def test_an_investigator_names_a_contact_and_the_case_is_traced_again(
    traced, api_client, django_capture_on_commit_callbacks
):
    body = {"phone": "0977 111 222", "name": "Chị Hoa", "setting": "social", "date": str(traced.t0.date())}
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(traced.epi).post(
            f"/api/v1/cases/{traced.case.pk}/named-contacts", body, content_type="application/json"
        )
    assert response.status_code == 201, response.content
    assert response.json()["phone"] == "+84977111222"
    contacts = api_client(traced.epi).get(url(traced.case.pk)).json()
    named = [item for item in contacts["items"] if item["phone"] == "+84977111222"]
    assert named and named[0]["sources"] == ["named"] and named[0]["full_name"] == "Chị Hoa"


def test_named_contacts_refuse_bad_input_and_store_nothing(traced, api_client):
    client = api_client(traced.epi)
    path = f"/api/v1/cases/{traced.case.pk}/named-contacts"
    future = str(dt.date.today() + dt.timedelta(days=3))
    cases = [
        ({"setting": "social", "date": str(traced.t0.date())}, "person"),
        ({"phone": "abc", "setting": "social", "date": str(traced.t0.date())}, "phone"),
        ({"phone": "0977111222", "setting": "space", "date": str(traced.t0.date())}, "setting"),
        ({"phone": "0977111222", "setting": "social", "date": future}, "date"),
        ({"person": traced.f0.pk, "setting": "social", "date": str(traced.t0.date())}, "person"),
        ({"person": 2**40, "setting": "social", "date": str(traced.t0.date())}, "person"),
    ]
    for body, field in cases:
        response = client.post(path, body, content_type="application/json")
        assert response.status_code == 422, (body, response.content)
        assert field in {e["field"] for e in response.json()["errors"]}, (body, response.json())
    assert not NamedContact.objects.exists()
    outsider = api_client(traced.far_officer).post(
        path,
        {"phone": "0977111222", "setting": "social", "date": str(traced.t0.date())},
        content_type="application/json",
    )
    assert outsider.status_code == 404
