"""/api/v1/tasks through the whole stack: the list, making a task, completing and assigning, scope, bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.audit.models import AuditEvent
from phongdich.tasks import services
from phongdich.tasks.models import Task, TaskKind, TaskStatus


@pytest.fixture
def person(commune_officer, make_person):
    return make_person(commune_officer, home_commune="06649")


def make(units, commune="06649", due=None, **extra):
    return services.create_task(
        None,
        kind=extra.pop("kind", TaskKind.CALL_CONTACT),
        commune=units[commune],
        title=extra.pop("title", "Gọi điện cho F1"),
        due_at=due or timezone.now() + dt.timedelta(hours=1),
        **extra,
    )


def fields(response):
    return {item["field"] for item in response.json()["errors"]}


def test_the_work_list(units, commune_officer, person, api_client):
    overdue = make(units, due=timezone.now() - dt.timedelta(hours=2), person=person, facility_id=4)
    later = make(units, title="Giao quyết định", kind=TaskKind.DELIVER_ORDER)
    make(units, commune="06727")
    response = api_client(commune_officer).get("/api/v1/tasks")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 2
    first, second = body["items"]
    assert (first["id"], first["overdue"], first["person"], first["commune"]) == (overdue.pk, True, person.pk, "06649")
    assert first["person_name"] == person.full_name and first["facility_id"] == 4
    assert (second["id"], second["overdue"], second["kind"]) == (later.pk, False, "deliver_order")
    read = AuditEvent.objects.get(object_type="task", action="list")
    assert read.object_ids == f" {overdue.pk} "
    only_facility = api_client(commune_officer).get("/api/v1/tasks?facility_id=4").json()
    assert [item["id"] for item in only_facility["items"]] == [overdue.pk]
    assert api_client(commune_officer).get("/api/v1/tasks?tab=mine").json()["count"] == 0
    assert api_client(commune_officer).get("/api/v1/tasks?tab=nonsense").status_code == 422


def test_making_completing_and_assigning_a_task(units, commune_officer, person, api_client):
    client = api_client(commune_officer)
    due = (timezone.now() + dt.timedelta(hours=5)).replace(microsecond=0)
    response = client.post(
        "/api/v1/tasks",
        {"kind": "other", "title": "Mang thuốc", "due_at": due.isoformat(), "person": person.pk},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["commune"] == "06649" and made["status"] == "open" and made["source_key"] == ""
    assert dt.datetime.fromisoformat(made["due_at"]) == due
    assigned = client.post(
        f"/api/v1/tasks/{made['id']}/assign", {"assignee": commune_officer.pk}, content_type="application/json"
    )
    assert assigned.status_code == 200 and assigned.json()["assignee_username"] == commune_officer.username
    done = client.post(f"/api/v1/tasks/{made['id']}/complete", {"note": "Đã mang"}, content_type="application/json")
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["completion_note"]) == ("done", "Đã mang")
    again = client.post(f"/api/v1/tasks/{made['id']}/complete", {"note": ""}, content_type="application/json")
    assert again.status_code == 409


def test_bad_input_is_a_422_naming_the_field(units, commune_officer, make_account, api_client):
    client = api_client(commune_officer)
    outsider = make_account(Role.COMMUNE_OFFICER, "06727", username="mong-cai")
    missing_due = client.post(
        "/api/v1/tasks", {"kind": "other", "title": "t", "commune": "06649"}, content_type="application/json"
    )
    assert missing_due.status_code == 422 and fields(missing_due) == {"due_at"}
    due = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    unknown_kind = client.post(
        "/api/v1/tasks",
        {"kind": "dance", "title": "t", "commune": "06649", "due_at": due, "assignee": outsider.pk},
        content_type="application/json",
    )
    assert unknown_kind.status_code == 422 and fields(unknown_kind) == {"kind", "assignee"}
    task = make(units)
    bad_assignee = client.post(
        f"/api/v1/tasks/{task.pk}/assign", {"assignee": outsider.pk}, content_type="application/json"
    )
    assert bad_assignee.status_code == 422 and fields(bad_assignee) == {"assignee"}
    assert Task.objects.count() == 1


def test_tasks_outside_the_area_answer_404(units, commune_officer, make_account, api_client):
    theirs = make(units, commune="06727")
    client = api_client(commune_officer)
    assert client.get(f"/api/v1/tasks/{theirs.pk}").status_code == 404
    assert client.post(f"/api/v1/tasks/{theirs.pk}/complete", {}, content_type="application/json").status_code == 404
    assert (
        client.post(
            f"/api/v1/tasks/{theirs.pk}/assign", {"assignee": None}, content_type="application/json"
        ).status_code
        == 404
    )
    assert client.get(f"/api/v1/tasks/{2**63}").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == TaskStatus.OPEN
    leader = make_account(Role.LEADER, "22", username="leader")
    assert api_client(leader).get("/api/v1/tasks").json()["count"] == 0
