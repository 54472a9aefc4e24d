"""Tasks through their services: idempotent generation, by hand, assignment, completion, scope, order."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.audit.models import AuditEvent
from phongdich.core.errors import Conflict, DomainError, InvalidInput, NotFound
from phongdich.tasks import services
from phongdich.tasks.models import Task, TaskKind, TaskStatus
from phongdich.tasks.services import ManualTaskInput

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def person(commune_officer, make_person):
    return make_person(commune_officer, home_commune="06649")


def generated(units, key="", *, commune="06649", due=None, **extra):
    return services.create_task(
        None,
        kind=extra.pop("kind", TaskKind.CALL_CONTACT),
        commune=units[commune],
        title=extra.pop("title", "Gọi điện cho F1"),
        due_at=due or timezone.now() + HOUR,
        source_key=key,
        **extra,
    )


def field_names(error: DomainError) -> set[str]:
    return {item.field for item in error.errors}


def test_a_source_key_makes_one_task_however_often_the_event_comes(units, person):
    first = generated(units, "quarantine.deliver_order:7", person=person, kind=TaskKind.DELIVER_ORDER)
    again = generated(units, "quarantine.deliver_order:7", person=person, kind=TaskKind.DELIVER_ORDER)
    assert again.pk == first.pk
    assert Task.objects.filter(source_key="quarantine.deliver_order:7").count() == 1
    # Done tasks too: the event does not reopen work already finished.
    assert services.complete_by_source("quarantine.deliver_order:7", note="Đã giao") == 1
    third = generated(units, "quarantine.deliver_order:7", person=person)
    assert third.pk == first.pk and third.status == TaskStatus.DONE
    # Without a key, each call is a task of its own.
    assert generated(units).pk != generated(units).pk


def test_a_task_made_at_the_same_moment_elsewhere_is_the_one_returned(units, person, monkeypatch):
    """Two processes past the existence check: the unique constraint keeps one, and both get it."""
    real_to_utc = services.to_utc
    competitor: list[Task] = []

    def racing_to_utc(value, field):
        if not competitor:
            competitor.append(
                Task.objects.create(
                    kind=TaskKind.TAKE_SAMPLE,
                    title="Lấy mẫu",
                    commune=units["06649"],
                    due_at=timezone.now(),
                    source_key="quarantine.test:3",
                )
            )
        return real_to_utc(value, field)

    monkeypatch.setattr(services, "to_utc", racing_to_utc)
    task = generated(units, "quarantine.test:3", kind=TaskKind.TAKE_SAMPLE, person=person)
    assert task.pk == competitor[0].pk
    assert Task.objects.filter(source_key="quarantine.test:3").count() == 1


def test_a_generated_task_about_a_person_is_audited(units, person):
    task = generated(units, "x:1", person=person)
    event = AuditEvent.objects.get(object_type="task", object_id=str(task.pk), action="create")
    assert event.actor is None and event.detail["person"] == person.pk


def test_complete_by_source_closes_only_open_tasks_with_that_key(units, commune_officer):
    generated(units, "quarantine.missed_check:1:2021-12-20", kind=TaskKind.MISSED_HEALTH_CHECK)
    other = generated(units, "quarantine.missed_check:2:2021-12-20", kind=TaskKind.MISSED_HEALTH_CHECK)
    count = services.complete_by_source("quarantine.missed_check:1:2021-12-20", note="Đã khai báo", actor=None)
    assert count == 1
    assert services.complete_by_source("quarantine.missed_check:1:2021-12-20") == 0
    assert services.complete_by_source("") == 0
    done = Task.objects.get(source_key="quarantine.missed_check:1:2021-12-20")
    assert (done.status, done.completion_note, done.completed_by) == (TaskStatus.DONE, "Đã khai báo", None)
    assert done.completed_at is not None
    other.refresh_from_db()
    assert other.status == TaskStatus.OPEN


def test_completing_a_task_records_who_when_and_the_note(units, commune_officer):
    task = generated(units)
    done = services.complete_task(commune_officer, task.pk, "  Đã gọi, F1 ở nhà  ")
    assert done.status == TaskStatus.DONE
    assert done.completed_by == commune_officer and done.completion_note == "Đã gọi, F1 ở nhà"
    with pytest.raises(Conflict):
        services.complete_task(commune_officer, task.pk, "again")
    with pytest.raises(Conflict):
        services.cancel_task(commune_officer, task.pk)


def test_cancelling_closes_the_task(units, commune_officer):
    task = services.cancel_task(commune_officer, generated(units).pk, "Nhầm")
    assert (task.status, task.completion_note) == (TaskStatus.CANCELLED, "Nhầm")


def test_assignment_within_the_commune_only(units, commune_officer, district_officer, make_account):
    task = generated(units)
    colleague = make_account(Role.COMMUNE_OFFICER, "06649", username="colleague")
    assert services.assign_task(commune_officer, task.pk, commune_officer.pk).assignee == commune_officer
    assert services.assign_task(commune_officer, task.pk, colleague.pk).assignee == colleague
    # The district officer works in every commune of the district.
    assert services.assign_task(commune_officer, task.pk, district_officer.pk).assignee == district_officer
    outsider = make_account(Role.COMMUNE_OFFICER, "06727", username="mong-cai")
    leader = make_account(Role.LEADER, "22", username="leader")
    for bad in (outsider.pk, leader.pk, 10**9):
        with pytest.raises(InvalidInput) as raised:
            services.assign_task(commune_officer, task.pk, bad)
        assert field_names(raised.value) == {"assignee"}
    task.refresh_from_db()
    assert task.assignee == district_officer
    assert services.assign_task(commune_officer, task.pk, None).assignee is None


def test_colleagues_are_those_working_in_the_commune(units, commune_officer, district_officer, make_account):
    make_account(Role.COMMUNE_OFFICER, "06727", username="mong-cai")
    make_account(Role.LEADER, "22", username="leader")
    vaccinator = make_account(Role.VACCINATOR, "06649", username="vaccinator")
    names = {user.username for user in services.colleagues(commune_officer, units["06649"])}
    assert names == {commune_officer.username, district_officer.username}
    assert vaccinator.username not in names


def test_the_work_list_puts_overdue_first_and_follows_the_tabs(units, commune_officer, make_account):
    now = timezone.now()
    later = generated(units, title="later", due=now + 5 * HOUR)
    overdue = generated(units, title="overdue", due=now - 2 * HOUR)
    soon = generated(units, title="soon", due=now + HOUR, facility_id=12)
    generated(units, title="elsewhere", commune="06727", due=now - 9 * HOUR)
    closed = generated(units, title="closed", due=now - 3 * HOUR)
    services.complete_task(commune_officer, closed.pk, "")
    services.assign_task(commune_officer, soon.pk, commune_officer.pk)

    everything = list(services.work_list(commune_officer))
    assert [task.title for task in everything] == ["overdue", "soon", "later"]
    assert everything[0].is_overdue() and not everything[1].is_overdue()
    assert [t.pk for t in services.work_list(commune_officer, tab=services.Tab.MINE)] == [soon.pk]
    assert [t.pk for t in services.work_list(commune_officer, tab=services.Tab.UNASSIGNED)] == [overdue.pk, later.pk]
    assert [t.pk for t in services.work_list(commune_officer, facility_id=12)] == [soon.pk]
    assert [t.pk for t in services.work_list(commune_officer, status=TaskStatus.DONE)] == [closed.pk]
    assert len(services.work_list(commune_officer, status="")) == 4


def test_a_commune_officer_sees_only_their_communes_tasks(units, commune_officer, make_account):
    mine = generated(units)
    theirs = generated(units, commune="06727")
    other_officer = make_account(Role.COMMUNE_OFFICER, "06727", username="mong-cai")
    assert list(services.work_list(commune_officer)) == [mine]
    assert list(services.work_list(other_officer)) == [theirs]
    for action in (
        lambda: services.get_task(commune_officer, theirs.pk),
        lambda: services.complete_task(commune_officer, theirs.pk, ""),
        lambda: services.assign_task(commune_officer, theirs.pk, commune_officer.pk),
        lambda: services.cancel_task(commune_officer, theirs.pk),
        lambda: services.get_task(commune_officer, 2**70),
    ):
        with pytest.raises(NotFound):
            action()
    citizen = make_account(Role.CITIZEN, username="citizen")
    leader = make_account(Role.LEADER, "22", username="leader")
    assert not services.work_list(citizen).exists() and not services.work_list(leader).exists()
    theirs.refresh_from_db()
    assert theirs.status == TaskStatus.OPEN


def test_a_task_made_by_hand(units, commune_officer, person):
    due = timezone.now() + 3 * HOUR
    task = services.create_manual_task(
        commune_officer,
        ManualTaskInput(kind=TaskKind.OTHER, title=" Mang thuốc ", due_at=due, person=person.pk, details="Tầng 2"),
    )
    assert (task.kind, task.title, task.commune, task.person) == (TaskKind.OTHER, "Mang thuốc", units["06649"], person)
    assert task.due_at == due and task.created_by == commune_officer and task.source_key == ""
    # A naive time is local time (Asia/Ho_Chi_Minh), stored in UTC.
    naive = services.create_manual_task(
        commune_officer,
        ManualTaskInput(kind="other", title="t", due_at=timezone.localtime(due).replace(tzinfo=None), commune="06649"),
    )
    assert naive.due_at == due


def test_bad_input_names_each_field_and_stores_nothing(units, commune_officer, make_account):
    outsider = make_account(Role.COMMUNE_OFFICER, "06727", username="mong-cai")
    with pytest.raises(InvalidInput) as raised:
        services.create_manual_task(
            commune_officer,
            ManualTaskInput(kind="dance", title="x", due_at=None, commune="06649", assignee=outsider.pk),
        )
    assert field_names(raised.value) == {"kind", "due_at", "assignee"}
    assert raised.value.status == 422
    with pytest.raises(InvalidInput) as raised:
        services.create_manual_task(commune_officer, ManualTaskInput(kind="other", title="", due_at=timezone.now()))
    assert field_names(raised.value) == {"commune"}
    with pytest.raises(InvalidInput) as raised:
        services.create_manual_task(
            commune_officer, ManualTaskInput(kind="other", title="", due_at=timezone.now(), commune="06649")
        )
    assert field_names(raised.value) == {"title"}
    with pytest.raises(InvalidInput) as raised:
        services.create_manual_task(
            commune_officer,
            ManualTaskInput(kind="other", title="t", due_at=timezone.now() + dt.timedelta(days=900), commune="06649"),
        )
    assert field_names(raised.value) == {"due_at"}
    # A commune outside the officer's units is named as such.
    with pytest.raises(InvalidInput) as raised:
        services.create_manual_task(
            commune_officer, ManualTaskInput(kind="other", title="t", due_at=timezone.now(), commune="06727")
        )
    assert field_names(raised.value) == {"commune"}
    assert not Task.objects.exists()


def test_a_person_outside_the_area_is_not_found(units, commune_officer, make_person, province_admin):
    far = make_person(province_admin, home_commune="06727")
    with pytest.raises(DomainError) as raised:
        services.create_manual_task(
            commune_officer, ManualTaskInput(kind="other", title="t", due_at=timezone.now(), person=far.pk)
        )
    assert raised.value.status == 404 and field_names(raised.value) == {"person"}
    assert not Task.objects.exists()


def test_roles_without_the_right_cannot_make_tasks(units, make_account):
    vaccinator = make_account(Role.VACCINATOR, "06649", username="vaccinator")
    with pytest.raises(NotFound):
        services.create_manual_task(
            vaccinator, ManualTaskInput(kind="other", title="t", due_at=timezone.now(), commune="06649")
        )


def test_a_generated_task_needs_its_commune_and_a_due_time(units):
    with pytest.raises(InvalidInput) as raised:
        services.create_task(None, kind="call_contact", commune=None, title="x", due_at=None)  # type: ignore[arg-type]
    assert field_names(raised.value) == {"commune", "due_at"}
    assert not Task.objects.exists()
