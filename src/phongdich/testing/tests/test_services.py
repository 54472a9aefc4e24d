"""Samples, results and pools through the services: validation, idempotency, pooling, scope and audit."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.audit.models import AuditEvent
from phongdich.core.errors import Conflict, DomainError, InvalidInput, NotFound
from phongdich.testing import services
from phongdich.testing.models import RetestStatus, RetestTask, Sample, SamplePool, TestResult

TAKEN = dt.datetime(2021, 11, 3, 8, 30, tzinfo=dt.UTC)


@pytest.fixture
def lab(units, make_account):
    return make_account(Role.LAB_TECHNICIAN, "193", username="lab-ha-long")


@pytest.fixture
def person(commune_officer, make_person):
    return make_person(commune_officer, date_of_birth=dt.date(1980, 5, 4))


def sample(actor, person, **fields):
    data = {"person": person.pk, "test_type": "rt_pcr", "taken_at": TAKEN, **fields}
    return services.record_sample(actor, services.SampleInput(**data))


def fields_of(excinfo):
    return {e.field for e in excinfo.value.errors}


def _nothing_stored(before):
    assert (Sample.objects.count(), TestResult.objects.count()) == before


def counts():
    return Sample.objects.count(), TestResult.objects.count()


# --- Recording -------------------------------------------------------------------------------------


def test_a_sample_with_its_result_is_stored_in_the_home_commune_by_default(lab, person):
    recorded = sample(lab, person, result="negative", ct_value=None, site="Trạm y tế Hà Khánh", lab="CDC Quảng Ninh")
    assert recorded.created
    assert recorded.sample.commune.code == "06649"
    assert recorded.sample.site == "Trạm y tế Hà Khánh"
    assert recorded.sample.taken_at == TAKEN
    assert recorded.result.result == "negative"
    assert recorded.result.sample == recorded.sample
    assert recorded.result.recorded_by == lab
    assert recorded.sample.standing_result == recorded.result
    assert AuditEvent.objects.filter(object_type="sample", action="create", object_id=str(recorded.sample.pk)).exists()
    assert AuditEvent.objects.filter(object_type="test_result", action="create").count() == 1


def test_a_sample_may_belong_to_the_commune_where_it_was_taken(lab, person):
    recorded = sample(lab, person, commune="06652")
    assert recorded.sample.commune.code == "06652"


def test_a_result_for_a_recorded_sample(lab, person):
    taken = sample(lab, person).sample
    reported = TAKEN + dt.timedelta(hours=6)
    result = services.record_result(
        lab, services.ResultInput(result="positive", sample=taken.pk, ct_value=Decimal("21.456"), reported_at=reported)
    )
    assert result.ct_value == Decimal("21.46")
    assert result.reported_at == reported
    by_uuid = services.record_result(
        lab, services.ResultInput(result="negative", sample_uuid=sample(lab, person).sample.uuid)
    )
    assert by_uuid.result == "negative"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"test_type": "blood"}, "test_type"),
        ({"taken_at": timezone.now() + dt.timedelta(days=1)}, "taken_at"),
        ({"taken_at": dt.datetime(1970, 1, 1, tzinfo=dt.UTC)}, "taken_at"),
        ({"commune": "99999"}, "commune"),
        ({"commune": "06727"}, "commune"),  # Móng Cái: outside the Hạ Long lab's area
        ({"site": "x" * 201}, "site"),
        ({"result": "maybe"}, "result"),
        ({"result": "positive", "reported_at": timezone.now() + dt.timedelta(hours=2)}, "reported_at"),
        ({"result": "positive", "reported_at": TAKEN - dt.timedelta(hours=1)}, "reported_at"),
        ({"result": "positive", "ct_value": Decimal("0")}, "ct_value"),
        ({"result": "positive", "ct_value": Decimal("55")}, "ct_value"),
        ({"test_type": "antigen", "result": "positive", "ct_value": Decimal("20")}, "ct_value"),
        ({"ct_value": Decimal("20")}, "result"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(lab, person, fields, field):
    before = counts()
    with pytest.raises(InvalidInput) as excinfo:
        sample(lab, person, **fields)
    assert field in fields_of(excinfo)
    _nothing_stored(before)


def test_an_unknown_person_is_a_404_naming_the_field(lab, person, make_person, make_account):
    before = counts()
    with pytest.raises(DomainError) as excinfo:
        services.record_sample(lab, services.SampleInput(person=10**9, test_type="rt_pcr", taken_at=TAKEN))
    assert excinfo.value.status == 404
    assert fields_of(excinfo) == {"person"}
    # A person outside the lab's area looks the same.
    admin = make_account(Role.PROVINCE_ADMIN, "22")
    far = make_person(admin, home_commune="06727")
    with pytest.raises(DomainError) as excinfo:
        sample(lab, far)
    assert excinfo.value.status == 404
    _nothing_stored(before)


def test_an_unknown_sample_is_a_404_naming_the_field(lab, person):
    for data in (
        services.ResultInput(result="negative", sample=10**9),
        services.ResultInput(result="negative", sample_uuid=uuid.uuid4()),
        services.ResultInput(result="negative", sample=2**64),
    ):
        with pytest.raises(DomainError) as excinfo:
            services.record_result(lab, data)
        assert excinfo.value.status == 404
        assert fields_of(excinfo) == {"sample"}
    assert TestResult.objects.count() == 0


def test_a_result_dated_in_the_future_is_rejected(lab, person):
    taken = sample(lab, person).sample
    later = timezone.now() + dt.timedelta(days=1)
    with pytest.raises(InvalidInput) as excinfo:
        services.record_result(lab, services.ResultInput(result="negative", sample=taken.pk, reported_at=later))
    assert fields_of(excinfo) == {"reported_at"}
    assert TestResult.objects.count() == 0


def test_a_second_result_for_a_sample_is_a_conflict_until_the_first_is_revoked(lab, person):
    taken = sample(lab, person, result="negative").sample
    with pytest.raises(Conflict) as excinfo:
        services.record_result(lab, services.ResultInput(result="positive", sample=taken.pk))
    assert fields_of(excinfo) == {"sample"}
    assert TestResult.objects.count() == 1
    first = taken.results.get()
    services.revoke_result(lab, first.pk, "Nhầm mẫu")
    first.refresh_from_db()
    assert first.revoked_at is not None and first.revoke_reason == "Nhầm mẫu" and first.revoked_by == lab
    second = services.record_result(lab, services.ResultInput(result="positive", sample=taken.pk))
    assert taken.standing_result == second
    with pytest.raises(Conflict):
        services.revoke_result(lab, first.pk, "again")
    with pytest.raises(InvalidInput):
        services.revoke_result(lab, second.pk, " ")


# --- Device retries --------------------------------------------------------------------------------


def test_a_retried_upload_returns_the_first_record(lab, person):
    key, result_key = uuid.uuid4(), uuid.uuid4()
    first = sample(lab, person, uuid=key, result="negative", result_uuid=result_key)
    again = sample(lab, person, uuid=key, result="negative", result_uuid=result_key)
    assert not again.created
    assert (again.sample, again.result) == (first.sample, first.result)
    assert counts() == (1, 1)
    # The same result uuid for a result-only upload: the first result, nothing new.
    retried = services.record_result(
        lab, services.ResultInput(result="negative", sample=first.sample.pk, uuid=result_key)
    )
    assert retried == first.result
    assert counts() == (1, 1)


def test_a_sample_uploaded_first_and_its_result_later_under_the_same_uuid(lab, person):
    key = uuid.uuid4()
    sample(lab, person, uuid=key)
    completed = sample(lab, person, uuid=key, result="positive")
    assert completed.created
    assert completed.result.result == "positive"
    assert counts() == (1, 1)


def test_a_uuid_reused_for_another_person_is_a_conflict(lab, person, make_person, commune_officer):
    key = uuid.uuid4()
    sample(lab, person, uuid=key)
    other = make_person(commune_officer)
    with pytest.raises(Conflict) as excinfo:
        sample(lab, other, uuid=key)
    assert fields_of(excinfo) == {"uuid"}
    assert counts() == (1, 0)


# --- Who may record -------------------------------------------------------------------------------


def test_a_citizen_reports_their_own_self_test_only(units, make_account, person, make_person, commune_officer):
    citizen = make_account(Role.CITIZEN, username="citizen")
    citizen.person = person
    citizen.save()
    own = sample(citizen, person, test_type="self_test", result="positive", commune="06727")
    assert own.sample.commune.code == "06649"  # always their home commune
    assert own.result.result == "positive"
    with pytest.raises(InvalidInput) as excinfo:
        sample(citizen, person, test_type="rt_pcr")
    assert fields_of(excinfo) == {"test_type"}
    stranger = make_person(commune_officer)
    with pytest.raises(DomainError) as excinfo:
        sample(citizen, stranger, test_type="self_test")
    assert excinfo.value.status == 404
    # Nor may a citizen put a result on a lab's sample of theirs.
    labs = sample(commune_officer, person, test_type="antigen").sample
    with pytest.raises(DomainError):
        services.record_result(citizen, services.ResultInput(result="negative", sample=labs.pk))


def test_roles_without_the_right_cannot_record(units, make_account, person):
    for role in (Role.LEADER, Role.VACCINATOR, Role.DISTRICT_OFFICER):
        user = make_account(role, "22")
        with pytest.raises(NotFound):
            sample(user, person)
    officer = make_account(Role.COMMUNE_OFFICER, "06649")
    taken = sample(officer, person).sample
    with pytest.raises(NotFound):
        services.revoke_result(officer, 1, "reason")
    assert taken.pk


# --- Pooled PCR ----------------------------------------------------------------------------------


@pytest.fixture
def members(commune_officer, make_person):
    return [make_person(commune_officer) for _ in range(10)]


def _pool(lab, members):
    pool = services.create_pool(lab, services.PoolInput(commune="06649", code="HK-01", lab="CDC"))
    for member in members:
        sample(lab, member, pool=pool.pk)
    return pool


def test_a_negative_pool_gives_each_member_a_negative_result(lab, members):
    pool = _pool(lab, members)
    reported = TAKEN + dt.timedelta(hours=5)
    outcome = services.record_pool_result(
        lab, pool.pk, services.PoolResultInput(result="negative", reported_at=reported)
    )
    assert len(outcome.results) == 10
    for member_sample in pool.samples.all():
        result = member_sample.results.get()
        assert (result.result, result.from_pool, result.reported_at) == ("negative", True, reported)
    assert not RetestTask.objects.exists()
    pool.refresh_from_db()
    assert pool.result == "negative"
    with pytest.raises(Conflict):
        services.record_pool_result(lab, pool.pk, services.PoolResultInput(result="positive"))


def test_a_positive_pool_creates_a_retest_task_for_each_member(lab, members):
    pool = _pool(lab, members)
    outcome = services.record_pool_result(lab, pool.pk, services.PoolResultInput(result="positive", ct_value=30))
    assert len(outcome.retest_tasks) == 10
    assert {t.person for t in RetestTask.objects.all()} == set(members)
    assert not TestResult.objects.exists()  # members are not positive: only the pool is
    assert set(services.search_retest_tasks(lab).filter(status="open")) == set(outcome.retest_tasks)
    # A sample of the member's own is the retest: the task is done.
    retest = sample(lab, members[0], taken_at=TAKEN + dt.timedelta(days=1)).sample
    task = RetestTask.objects.get(person=members[0])
    assert (task.status, task.retest_sample) == (RetestStatus.DONE, retest)
    assert RetestTask.objects.filter(status=RetestStatus.OPEN).count() == 9


def test_a_pool_holds_ten_rt_pcr_samples(lab, members, commune_officer, make_person):
    pool = _pool(lab, members)
    before = counts()
    with pytest.raises(InvalidInput) as excinfo:
        sample(lab, make_person(commune_officer), pool=pool.pk)
    assert fields_of(excinfo) == {"pool"}
    small = services.create_pool(lab, services.PoolInput(commune="06649"))
    with pytest.raises(InvalidInput) as excinfo:
        sample(lab, members[0], pool=small.pk, test_type="antigen")
    assert fields_of(excinfo) == {"pool"}
    with pytest.raises(DomainError) as excinfo:
        sample(lab, members[0], pool=10**9)
    assert excinfo.value.status == 404
    with pytest.raises(InvalidInput):
        services.record_pool_result(lab, small.pk, services.PoolResultInput(result="negative"))
    assert counts() == before
    assert SamplePool.objects.get(pk=small.pk).result == ""


def test_a_negative_pool_leaves_a_member_with_its_own_result(lab, members):
    pool = _pool(lab, members[:3])
    own = pool.samples.first()
    services.record_result(lab, services.ResultInput(result="invalid", sample=own.pk))
    outcome = services.record_pool_result(lab, pool.pk, services.PoolResultInput(result="negative"))
    assert len(outcome.results) == 2
    assert own.results.get().result == "invalid"


# --- Reads ---------------------------------------------------------------------------------------


def test_each_account_sees_the_tests_of_its_area(lab, person, units, make_account, make_person):
    admin = make_account(Role.PROVINCE_ADMIN, "22")
    far = make_person(admin, home_commune="06727")
    services.record_sample(admin, services.SampleInput(person=far.pk, test_type="rt_pcr", taken_at=TAKEN))
    near = sample(lab, person, result="negative").sample
    district = make_account(Role.DISTRICT_OFFICER, "193")
    assert list(services.search_samples(district)) == [near]
    assert services.search_samples(admin).count() == 2
    assert not services.search_samples(make_account(Role.LEADER, "22")).exists()
    with pytest.raises(NotFound):
        services.get_sample(district, Sample.objects.get(person=far).pk)
    assert services.get_sample(district, near.pk) == near
    assert AuditEvent.objects.filter(action="view", object_type="sample", actor=district).count() == 1


def test_filters(lab, person):
    negative = sample(lab, person, result="negative").sample
    positive = sample(lab, person, test_type="antigen", result="positive").sample
    pending = sample(lab, person, taken_at=TAKEN + dt.timedelta(days=2)).sample
    found = services.search_samples(lab)

    def pick(**criteria):
        return set(services.filter_samples(found, services.TestFilter(**criteria)))

    assert pick(result="positive") == {positive}
    assert pick(result="none") == {pending}
    assert pick(test_type="rt_pcr") == {negative, pending}
    assert pick(since=TAKEN + dt.timedelta(days=1)) == {pending}
    assert pick(commune="193") == {negative, positive, pending}
    assert pick(commune="06727") == set()
    assert pick(person=person.pk) == {negative, positive, pending}
