"""Periodic testing programs: enrolment by communes and establishments, compliance from samples, due lists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.core.errors import Conflict, DomainError, InvalidInput, NotFound
from phongdich.testing import programs, services
from phongdich.venues import services as venues


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def program(units, make_account, today):
    admin = make_account(Role.PROVINCE_ADMIN, "22", username="admin")
    return programs.create_program(
        admin,
        programs.ProgramInput(
            name="Người lao động tại cơ sở sản xuất, kinh doanh",
            interval_days=7,
            valid_from=today - dt.timedelta(days=60),
            venue_kinds=("factory", "market"),
        ),
    )


@pytest.fixture
def returning(units, make_account, today):
    cdc = make_account(Role.EPIDEMIOLOGIST, "22")
    return programs.create_program(
        cdc,
        programs.ProgramInput(
            name="Người về từ vùng dịch",
            interval_days=14,
            valid_from=today - dt.timedelta(days=60),
            test_types=("rt_pcr",),
        ),
    )


@pytest.fixture
def factory(commune_officer):
    data = venues.VenueInput(name="Nhà máy May Hà Khánh", kind="factory", commune="06649", address="KCN")
    return venues.register_venue(commune_officer, data)


@pytest.fixture
def operator(factory, units, make_account):
    account = make_account(Role.VENUE_OPERATOR, username="operator")
    factory.operators.add(account)
    return account


@pytest.fixture
def worker(commune_officer, make_person, make_cccd):
    born = dt.date(1990, 2, 3)
    return make_person(commune_officer, date_of_birth=born, citizen_id=make_cccd(born, "female"), sex="female")


def test_an_establishment_enrols_its_worker_who_is_due_at_once(operator, program, factory, worker, today):
    member = programs.enrol(
        operator,
        programs.EnrolInput(
            program=program.pk, citizen_id=worker.citizen_id, date_of_birth=worker.date_of_birth, venue=factory.code
        ),
    )
    assert (member.person, member.venue, member.commune.code) == (worker, factory, "06649")
    assert member.next_due_on == today and member.last_tested_on is None
    assert programs.compliance(member) == "due"
    assert list(programs.search_members(operator, venue=factory.code, status="due")) == [member]
    # The wrong date of birth finds nobody: operators cannot probe the registry.
    with pytest.raises(DomainError) as excinfo:
        programs.enrol(
            operator,
            programs.EnrolInput(
                program=program.pk, citizen_id=worker.citizen_id, date_of_birth=dt.date(2000, 1, 1), venue=factory.code
            ),
        )
    assert excinfo.value.status == 404
    with pytest.raises(Conflict):
        programs.enrol(
            operator,
            programs.EnrolInput(
                program=program.pk, citizen_id=worker.citizen_id, date_of_birth=worker.date_of_birth, venue=factory.code
            ),
        )


def test_a_test_moves_the_next_due_date_and_overdue_is_listed(commune_officer, program, factory, worker, today):
    enrolled = today - dt.timedelta(days=20)
    member = programs.enrol(
        commune_officer,
        programs.EnrolInput(program=program.pk, person=worker.pk, venue=factory.code, enrolled_on=enrolled),
    )
    assert programs.compliance(member) == "overdue"
    assert list(programs.search_members(commune_officer, status="overdue")) == [member]
    taken = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=2), dt.time(9)))
    services.record_sample(
        commune_officer, services.SampleInput(person=worker.pk, test_type="antigen", taken_at=taken, result="negative")
    )
    member.refresh_from_db()
    assert member.last_tested_on == today - dt.timedelta(days=2)
    assert member.next_due_on == today + dt.timedelta(days=5)
    assert programs.compliance(member) == "ok"
    assert not programs.search_members(commune_officer, status="due").exists()
    # An older sample recorded late does not move the dates back.
    older = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=5), dt.time(9)))
    services.record_sample(commune_officer, services.SampleInput(person=worker.pk, test_type="rt_pcr", taken_at=older))
    member.refresh_from_db()
    assert member.last_tested_on == today - dt.timedelta(days=2)


def test_only_the_test_types_the_program_names_count(commune_officer, returning, worker, today):
    member = programs.enrol(commune_officer, programs.EnrolInput(program=returning.pk, person=worker.pk))
    assert member.venue is None and member.commune.code == "06649"
    yesterday = today - dt.timedelta(days=1)
    taken = timezone.make_aware(dt.datetime.combine(yesterday, dt.time(7)))
    services.record_sample(commune_officer, services.SampleInput(person=worker.pk, test_type="antigen", taken_at=taken))
    member.refresh_from_db()
    assert member.last_tested_on is None  # this program counts RT-PCR only
    services.record_sample(commune_officer, services.SampleInput(person=worker.pk, test_type="rt_pcr", taken_at=taken))
    member.refresh_from_db()
    assert member.next_due_on == yesterday + dt.timedelta(days=14)


def test_a_recent_test_before_enrolment_counts(commune_officer, returning, worker, today):
    taken = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=3), dt.time(7)))
    services.record_sample(commune_officer, services.SampleInput(person=worker.pk, test_type="rt_pcr", taken_at=taken))
    member = programs.enrol(commune_officer, programs.EnrolInput(program=returning.pk, person=worker.pk))
    assert member.next_due_on == today + dt.timedelta(days=11)


def test_bad_enrolments(commune_officer, program, returning, factory, worker, operator, today, units, make_account):
    for data, field in (
        (programs.EnrolInput(program=program.pk, person=worker.pk), "venue"),  # workers' program needs the venue
        (
            programs.EnrolInput(program=returning.pk, person=worker.pk, enrolled_on=today + dt.timedelta(days=1)),
            "enrolled_on",
        ),
        (
            programs.EnrolInput(program=returning.pk, person=worker.pk, enrolled_on=today - dt.timedelta(days=365)),
            "program",
        ),
    ):
        with pytest.raises(InvalidInput) as excinfo:
            programs.enrol(commune_officer, data)
        assert field in {e.field for e in excinfo.value.errors}
    shop = venues.register_venue(
        commune_officer, venues.VenueInput(name="Quán cà phê", kind="restaurant", commune="06649", address="Tổ 3")
    )
    with pytest.raises(InvalidInput):
        programs.enrol(commune_officer, programs.EnrolInput(program=program.pk, person=worker.pk, venue=shop.code))
    with pytest.raises(DomainError) as excinfo:
        programs.enrol(commune_officer, programs.EnrolInput(program=10**9, person=worker.pk))
    assert excinfo.value.status == 404
    # Another commune's officer cannot reach the person, nor the venue.
    other = make_account(Role.COMMUNE_OFFICER, "06727")
    with pytest.raises(DomainError):
        programs.enrol(other, programs.EnrolInput(program=returning.pk, person=worker.pk))
    with pytest.raises(NotFound):
        programs.enrol(
            make_account(Role.LAB_TECHNICIAN, "22"), programs.EnrolInput(program=returning.pk, person=worker.pk)
        )
    with pytest.raises(NotFound):
        programs.create_program(commune_officer, programs.ProgramInput(name="x", interval_days=7, valid_from=today))
    with pytest.raises(InvalidInput) as excinfo:
        programs.create_program(
            make_account(Role.PROVINCE_ADMIN, "22"),
            programs.ProgramInput(
                name="", interval_days=0, valid_from=today, test_types=("blood",), venue_kinds=("moon",)
            ),
        )
    assert {e.field for e in excinfo.value.errors} == {"name", "interval_days", "test_types", "venue_kinds"}


def test_leaving_a_program(commune_officer, returning, worker, today):
    member = programs.enrol(commune_officer, programs.EnrolInput(program=returning.pk, person=worker.pk))
    programs.end_membership(commune_officer, member.pk)
    assert not programs.search_members(commune_officer).exists()
    with pytest.raises(Conflict):
        programs.end_membership(commune_officer, member.pk)
    again = programs.enrol(commune_officer, programs.EnrolInput(program=returning.pk, person=worker.pk))
    assert again.pk != member.pk


def test_the_api_and_the_screen(api_client, operator, program, factory, worker, commune_officer, english):
    client = api_client(operator)
    assert [p["id"] for p in client.get("/api/v1/tests/programs").json()] == [program.pk]
    response = client.post(
        "/api/v1/tests/programs/members",
        {
            "program": program.pk,
            "citizen_id": worker.citizen_id,
            "date_of_birth": worker.date_of_birth.isoformat(),
            "venue": factory.code,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "due"
    listed = client.get(f"/api/v1/tests/programs/members?venue={factory.code}&status=due").json()
    assert [item["person"] for item in listed["items"]] == [worker.pk]
    browser = Client()
    browser.force_login(operator)
    page = browser.get(reverse("testing-programs"), {"status": "due"})
    assert page.status_code == 200
    assert worker.full_name in page.content.decode()
    assert "Due today" in page.content.decode()
    officer = Client()
    officer.force_login(commune_officer)
    response = officer.post(
        reverse("testing-programs"), {"action": "enrol", "enrol-program": "999", "enrol-citizen_id": "1"}
    )
    assert response.status_code == 200  # not a program in force: the form says so
