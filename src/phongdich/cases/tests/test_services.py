"""Cases through the services: confirmation by policy, one active case a person, numbering, corrections."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.audit.models import AuditEvent
from phongdich.cases import services
from phongdich.cases.models import Case, CaseStatus, ConfirmationPolicy
from phongdich.cases.signals import case_corrected, case_opened
from phongdich.core.errors import Conflict, DomainError, InvalidInput, NotFound
from phongdich.testing import services as testing

TAKEN = dt.datetime(2021, 11, 3, 1, 30, tzinfo=dt.UTC)  # 08:30 in Hạ Long


@pytest.fixture
def lab(units, make_account):
    return make_account(Role.LAB_TECHNICIAN, "22", username="lab-cdc")


@pytest.fixture
def epidemiologist(units, make_account):
    return make_account(Role.EPIDEMIOLOGIST, "22", username="cdc")


@pytest.fixture
def person(commune_officer, make_person):
    return make_person(commune_officer, date_of_birth=dt.date(1980, 5, 4))


def positive(actor, person, test_type="rt_pcr", taken_at=TAKEN, **fields):
    fields.setdefault("reported_at", taken_at + dt.timedelta(hours=6))
    data = testing.SampleInput(person=person.pk, test_type=test_type, taken_at=taken_at, result="positive", **fields)
    return testing.record_sample(actor, data)


class Heard:
    """What a signal sent, while the test runs."""

    def __init__(self, signal):
        self.cases: list[Case] = []
        self.signal = signal
        signal.connect(self.receive, dispatch_uid=f"test-{id(self)}")

    def receive(self, sender, case, **kwargs):
        self.cases.append(case)

    def close(self):
        self.signal.disconnect(dispatch_uid=f"test-{id(self)}")


@pytest.fixture
def opened():
    heard = Heard(case_opened)
    yield heard
    heard.close()


@pytest.fixture
def corrected():
    heard = Heard(case_corrected)
    yield heard
    heard.close()


def fields_of(excinfo):
    return {e.field for e in excinfo.value.errors}


# --- Confirmation by policy ----------------------------------------------------------------------


def test_the_default_policy_is_shipped_as_data(db):
    policy = ConfirmationPolicy.in_force(dt.date(2021, 11, 3))
    assert policy is not None
    assert policy.rt_pcr_confirms and not policy.self_test_confirms
    assert policy.antigen_confirms_from is None
    assert policy.max_onset_after_sampling_days == 14


def test_a_positive_pcr_opens_a_case_after_commit(lab, person, opened, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        recorded = positive(lab, person, ct_value=Decimal("22"))
        assert opened.cases == []  # not before the transaction commits
    case = Case.objects.get()
    assert opened.cases == [case]
    assert case.number == "QNI-000001"
    assert case.province.code == "22"
    assert case.person == person
    assert case.commune.code == "06649"
    assert case.status == CaseStatus.ACTIVE
    assert case.sampled_on == dt.date(2021, 11, 3)
    assert case.confirmed_at == recorded.result.reported_at
    assert case.source_result == recorded.result
    assert case.policy == ConfirmationPolicy.in_force(dt.date(2021, 11, 3))
    assert case.detected_in == "community"
    assert case.opened_by == lab
    assert AuditEvent.objects.filter(object_type="case", action="create", object_id=str(case.pk)).exists()


def test_the_sampling_day_is_the_local_day(lab, person):
    # 23:30 UTC on 2 November is 06:30 on 3 November in Hạ Long.
    positive(lab, person, taken_at=dt.datetime(2021, 11, 2, 23, 30, tzinfo=dt.UTC))
    assert Case.objects.get().sampled_on == dt.date(2021, 11, 3)


def test_negative_and_invalid_results_open_nothing(lab, person):
    for value in ("negative", "invalid"):
        testing.record_sample(
            lab, testing.SampleInput(person=person.pk, test_type="rt_pcr", taken_at=TAKEN, result=value)
        )
    assert not Case.objects.exists()


def test_antigen_confirms_from_the_date_the_province_sets(lab, person, make_person, commune_officer):
    positive(lab, person, test_type="antigen")
    assert not Case.objects.exists()
    ConfirmationPolicy.objects.create(
        name="Antigen by staff confirms", valid_from=dt.date(2021, 12, 1), antigen_confirms_from=dt.date(2021, 12, 10)
    )
    positive(lab, person, test_type="antigen", taken_at=dt.datetime(2021, 12, 5, 2, tzinfo=dt.UTC))
    assert not Case.objects.exists()
    positive(lab, person, test_type="antigen", taken_at=dt.datetime(2021, 12, 12, 2, tzinfo=dt.UTC))
    case = Case.objects.get()
    assert case.policy.valid_from == dt.date(2021, 12, 1)
    # A self-test reported by a citizen never confirms on its own.
    other = make_person(commune_officer)
    positive(lab, other, test_type="self_test", taken_at=dt.datetime(2021, 12, 12, 2, tzinfo=dt.UTC))
    assert Case.objects.count() == 1


def test_a_positive_on_an_active_case_opens_no_second_case(lab, person, opened, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = positive(lab, person)
    case = Case.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        second = positive(lab, person, taken_at=TAKEN + dt.timedelta(days=3))
    assert Case.objects.count() == 1
    assert opened.cases == [case]
    assert second.result.result == "positive"
    considered = services.consider_result(second.result)
    assert (considered.case, considered.opened, considered.reason) == (case, False, "already_active")
    attached = AuditEvent.objects.filter(object_type="case", object_id=str(case.pk), action="update")
    assert attached.filter(detail__positive_result_attached=second.result.pk).exists()
    assert first.result != second.result


def test_after_a_closed_case_a_new_positive_opens_a_new_case(lab, person, epidemiologist):
    positive(lab, person)
    case = Case.objects.get()
    services.update_case(epidemiologist, case.pk, {"outcome": "recovered", "outcome_date": dt.date(2021, 11, 20)})
    positive(lab, person, taken_at=dt.datetime(2022, 3, 1, 2, tzinfo=dt.UTC))
    assert [c.number for c in Case.objects.order_by("sequence")] == ["QNI-000001", "QNI-000002"]
    assert Case.objects.get(number="QNI-000002").status == "active"


# --- Corrections -----------------------------------------------------------------------------------


def test_revoking_the_result_voids_its_case(lab, person, corrected, django_capture_on_commit_callbacks):
    recorded = positive(lab, person)
    case = Case.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        testing.revoke_result(lab, recorded.result.pk, "Mẫu bị nhiễm")
    case.refresh_from_db()
    assert case.status == CaseStatus.VOIDED
    assert "Mẫu bị nhiễm" in case.void_reason
    assert case.voided_at is not None
    assert [c.pk for c in corrected.cases] == [case.pk]
    # The person may be confirmed again later.
    positive(lab, person, taken_at=TAKEN + dt.timedelta(days=1))
    assert Case.objects.filter(status="active").count() == 1


def test_dates_that_bound_tracing_send_a_correction(
    lab, person, commune_officer, corrected, django_capture_on_commit_callbacks
):
    positive(lab, person)
    case = Case.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.update_case(commune_officer, case.pk, {"clinical_status": "mild", "care_place": "hospital"})
    assert corrected.cases == []
    with django_capture_on_commit_callbacks(execute=True):
        services.update_case(commune_officer, case.pk, {"onset_date": dt.date(2021, 11, 1)})
    assert [c.pk for c in corrected.cases] == [case.pk]
    case.refresh_from_db()
    assert (case.clinical_status, case.care_place, case.onset_date) == ("mild", "hospital", dt.date(2021, 11, 1))
    assert case.infectious_reference_date == dt.date(2021, 11, 1)
    # The same value again changes nothing and sends nothing.
    with django_capture_on_commit_callbacks(execute=True):
        services.update_case(commune_officer, case.pk, {"onset_date": dt.date(2021, 11, 1)})
    assert len(corrected.cases) == 1


def test_an_onset_long_after_sampling_is_rejected_by_the_policy(lab, person, epidemiologist, commune_officer):
    positive(lab, person)
    case = Case.objects.get()
    with pytest.raises(InvalidInput) as excinfo:
        services.update_case(commune_officer, case.pk, {"onset_date": dt.date(2021, 11, 18)})
    assert fields_of(excinfo) == {"onset_date"}
    services.update_case(commune_officer, case.pk, {"onset_date": dt.date(2021, 11, 17)})  # 14 days: allowed
    with pytest.raises(InvalidInput) as excinfo:
        services.update_case(commune_officer, case.pk, {"sampled_on": dt.date(2021, 11, 1)})
    assert fields_of(excinfo) == {"onset_date"}
    case.refresh_from_db()
    assert case.sampled_on == dt.date(2021, 11, 3)


def test_an_outcome_with_its_date_closes_the_case(lab, person, commune_officer):
    positive(lab, person)
    case = Case.objects.get()
    with pytest.raises(InvalidInput) as excinfo:
        services.update_case(commune_officer, case.pk, {"outcome": "recovered"})
    assert fields_of(excinfo) == {"outcome_date"}
    with pytest.raises(InvalidInput) as excinfo:
        services.update_case(commune_officer, case.pk, {"outcome": "died", "outcome_date": dt.date(2021, 10, 1)})
    assert fields_of(excinfo) == {"outcome_date"}
    with pytest.raises(InvalidInput) as excinfo:
        services.update_case(commune_officer, case.pk, {"outcome": "asleep", "number": "X"})
    assert fields_of(excinfo) == {"outcome", "number"}
    services.update_case(commune_officer, case.pk, {"outcome": "recovered", "outcome_date": dt.date(2021, 11, 17)})
    case.refresh_from_db()
    assert (case.status, case.outcome, case.outcome_date) == ("closed", "recovered", dt.date(2021, 11, 17))
    assert case.closed_at is not None
    # Taking a wrong outcome back reopens the case.
    services.update_case(commune_officer, case.pk, {"outcome": "none"})
    case.refresh_from_db()
    assert (case.status, case.outcome, case.outcome_date, case.closed_at) == ("active", "none", None, None)


def test_a_voided_case_cannot_change(lab, person, epidemiologist, corrected, django_capture_on_commit_callbacks):
    positive(lab, person)
    case = Case.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.void_case(epidemiologist, case.pk, "Trùng hồ sơ")
    assert [c.pk for c in corrected.cases] == [case.pk]
    with pytest.raises(Conflict):
        services.update_case(epidemiologist, case.pk, {"clinical_status": "mild"})
    with pytest.raises(Conflict):
        services.void_case(epidemiologist, case.pk, "again")


# --- Opening by hand -------------------------------------------------------------------------------


def test_an_epidemiologist_opens_a_case_by_hand(epidemiologist, person, opened, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = services.open_case(
            epidemiologist,
            services.CaseInput(
                person=person.pk,
                sampled_on=dt.date(2021, 11, 3),
                onset_date=dt.date(2021, 11, 1),
                detected_in="imported_other_province",
                clinical_status="moderate",
                care_place="treatment_facility",
                facility_name="Bệnh viện dã chiến số 1",
                bed="B-12",
            ),
        )
    assert opened.cases == [case]
    assert case.number == "QNI-000001"
    assert (case.detected_in, case.care_place, case.bed) == ("imported_other_province", "treatment_facility", "B-12")
    with pytest.raises(Conflict) as excinfo:
        services.open_case(epidemiologist, services.CaseInput(person=person.pk, sampled_on=dt.date(2021, 11, 3)))
    assert fields_of(excinfo) == {"person"}
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"onset_date": dt.date(2021, 11, 20)}, "onset_date"),
        ({"sampled_on": timezone.localdate() + dt.timedelta(days=1)}, "sampled_on"),
        ({"sampled_on": dt.date(1970, 1, 1)}, "sampled_on"),
        ({"detected_in": "moon"}, "detected_in"),
        ({"clinical_status": "fine"}, "clinical_status"),
        ({"care_place": "hotel"}, "care_place"),
        ({"source_result": 10**9}, "source_result"),
        ({"confirmed_at": timezone.now() + dt.timedelta(days=1)}, "confirmed_at"),
        ({"isolated_at": timezone.now() + dt.timedelta(days=1)}, "isolated_at"),
    ],
)
def test_bad_input_to_a_case_names_the_field(epidemiologist, person, fields, field):
    data = {"person": person.pk, "sampled_on": dt.date(2021, 11, 3), **fields}
    with pytest.raises(InvalidInput) as excinfo:
        services.open_case(epidemiologist, services.CaseInput(**data))
    assert field in fields_of(excinfo)
    assert not Case.objects.exists()


def test_an_unknown_person_or_cluster_is_a_404_naming_the_field(epidemiologist, person):
    with pytest.raises(DomainError) as excinfo:
        services.open_case(epidemiologist, services.CaseInput(person=10**9, sampled_on=dt.date(2021, 11, 3)))
    assert (excinfo.value.status, fields_of(excinfo)) == (404, {"person"})
    with pytest.raises(DomainError) as excinfo:
        services.open_case(
            epidemiologist, services.CaseInput(person=person.pk, sampled_on=dt.date(2021, 11, 3), cluster=10**9)
        )
    assert (excinfo.value.status, fields_of(excinfo)) == (404, {"cluster"})


def test_who_may_open_and_change(person, units, make_account, lab):
    for role in (Role.COMMUNE_OFFICER, Role.LAB_TECHNICIAN, Role.LEADER, Role.CITIZEN):
        with pytest.raises(NotFound):
            services.open_case(
                make_account(role, "22"), services.CaseInput(person=person.pk, sampled_on=dt.date(2021, 11, 3))
            )
    positive(lab, person)
    case = Case.objects.get()
    with pytest.raises(NotFound):
        services.update_case(make_account(Role.COMMUNE_OFFICER, "06727"), case.pk, {"clinical_status": "mild"})
    with pytest.raises(NotFound):
        services.update_case(lab, case.pk, {"clinical_status": "mild"})


# --- Scope and reads ------------------------------------------------------------------------------


def test_each_account_sees_the_cases_of_its_area(lab, person, make_person, units, make_account, commune_officer):
    admin = make_account(Role.PROVINCE_ADMIN, "22")
    far = make_person(admin, home_commune="06727")
    positive(lab, person)
    positive(lab, far)
    near_case, far_case = Case.objects.get(person=person), Case.objects.get(person=far)
    assert list(services.search_cases(commune_officer)) == [near_case]
    assert set(services.search_cases(admin)) == {near_case, far_case}
    assert not services.search_cases(make_account(Role.LEADER, "22")).exists()
    citizen = make_account(Role.CITIZEN)
    citizen.person = far
    citizen.save()
    assert list(services.search_cases(citizen)) == [far_case]
    with pytest.raises(NotFound):
        services.get_case(commune_officer, far_case.pk)
    assert services.get_case(commune_officer, near_case.pk) == near_case
    assert AuditEvent.objects.filter(actor=commune_officer, action="view", object_type="case").count() == 1
    found = services.filter_cases(services.search_cases(admin), services.CaseFilter(commune="194"))
    assert list(found) == [far_case]
    found = services.filter_cases(
        services.search_cases(admin), services.CaseFilter(since=dt.date(2021, 11, 3), status="active")
    )
    assert set(found) == {near_case, far_case}


# --- Clusters -------------------------------------------------------------------------------------


def test_clusters_link_cases(lab, person, make_person, commune_officer, epidemiologist):
    other = make_person(commune_officer)
    positive(lab, person)
    positive(lab, other)
    cases = list(Case.objects.order_by("pk"))
    cluster = services.create_cluster(
        epidemiologist, services.ClusterInput(name="Chợ Hà Khánh", commune="06649", notes="Tiểu thương")
    )
    assert cluster.code == f"QNI-OD-{cluster.pk:05d}"
    services.link_cases(epidemiologist, cluster.pk, [c.pk for c in cases])
    found, linked = services.get_cluster(commune_officer, cluster.pk)
    assert found == cluster and linked == cases
    services.unlink_case(epidemiologist, cluster.pk, cases[0].pk)
    assert list(Case.objects.filter(cluster=cluster)) == [cases[1]]
    with pytest.raises(DomainError) as excinfo:
        services.link_cases(epidemiologist, cluster.pk, [10**9])
    assert excinfo.value.status == 404
    with pytest.raises(InvalidInput) as excinfo:
        services.create_cluster(epidemiologist, services.ClusterInput(name="", commune="99999", code=cluster.code))
    assert fields_of(excinfo) == {"name", "commune", "code"}
    with pytest.raises(NotFound):
        services.create_cluster(commune_officer, services.ClusterInput(name="X", commune="06649"))
    # Contact tracing (a system action) may make and fill clusters too.
    traced = services.create_cluster(None, services.ClusterInput(name="Truy vết", commune="06649", source="tracing"))
    services.link_cases(None, traced.pk, [cases[0].pk], system=True)
    assert Case.objects.get(pk=cases[0].pk).cluster == traced


def test_revoking_the_confirming_result_leaves_a_later_positive_to_confirm(lab, person):
    first = positive(lab, person)
    second = positive(lab, person, taken_at=TAKEN + dt.timedelta(days=2))
    assert Case.objects.count() == 1
    testing.revoke_result(lab, first.result.pk, "Nhầm mẫu")
    voided, current = Case.objects.order_by("pk")
    assert voided.status == "voided"
    assert (current.status, current.source_result, current.sampled_on) == (
        "active",
        second.result,
        dt.date(2021, 11, 5),
    )
    assert current.number == "QNI-000002"
