from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from phongdich.core.errors import Conflict, InvalidInput, NotFound
from phongdich.declarations import services
from phongdich.declarations.models import Declaration, DeclarationStatus, ExternalArea
from phongdich.people.models import Person
from phongdich.quarantine.models import OrderReason, QuarantineOrder
from phongdich.tasks.models import Task

from .helpers import PHONE, PHONE_E164, declare, entry, movement

pytestmark = pytest.mark.usefixtures("units")


def _fields(error: pytest.ExceptionInfo[InvalidInput]) -> set[str]:
    return {item.field for item in error.value.errors}


def test_a_traveller_declares_for_themselves_and_nothing_else_happens_from_a_level_1_area() -> None:
    [declaration] = declare(movement())
    assert declaration.kind == "movement" and declaration.phone == PHONE_E164
    assert declaration.from_area is not None and declaration.from_area.code == "31"
    assert declaration.from_level == 1 and not declaration.from_lockdown
    assert declaration.vehicle_plate == "14A-123.45"
    assert declaration.valid_until == declaration.created_at + dt.timedelta(hours=72)
    assert not declaration.at_risk and declaration.risk_matches == []
    assert declaration.person is None  # no one matched, and no action needed a record
    assert not Task.objects.exists() and not QuarantineOrder.objects.exists() and not Person.objects.exists()


def test_a_family_is_declared_in_one_submission_one_declaration_each(make_cccd) -> None:
    child_id = make_cccd(dt.date(2015, 1, 1), "female")
    people = [
        entry("Nguyễn Văn Hùng", 1985, "male", symptoms=("fever",)),
        entry("Trần Thị Lan", 1987, "female"),
        entry("Nguyễn Thị Mai", 2015, "female", citizen_id=child_id),
    ]
    stored = declare(movement(people=people))
    assert [d.full_name for d in stored] == ["Nguyễn Văn Hùng", "Trần Thị Lan", "Nguyễn Thị Mai"]
    assert len({d.submission_id for d in stored}) == 1 and [d.position for d in stored] == [0, 1, 2]
    assert stored[2].citizen_id == child_id
    # Symptoms are each person's: only the father's declaration matches the symptoms rule.
    assert [d.at_risk for d in stored] == [True, False, False]
    assert stored[0].risk_matches[0]["condition"] == "symptoms"


def test_a_periodic_declaration_needs_no_journey_and_is_valid_a_day() -> None:
    [declaration] = declare(
        services.DeclarationInput(
            submission_id=str(uuid.uuid4()), kind="periodic", people=[entry()], to_commune="06649"
        )
    )
    assert declaration.from_unit is None and declaration.from_area is None and declaration.vehicle_plate == ""
    assert declaration.valid_until - declaration.created_at == dt.timedelta(hours=24)
    assert declaration.travel_date == timezone.localdate()


def test_arriving_from_a_level_4_commune_makes_a_task_and_a_quarantine_order_in_the_destination(
    publish_level, commune_officer
) -> None:
    publish_level("06652", 4)
    [declaration] = declare(movement(from_area="", from_unit="06652"))
    assert declaration.from_level == 4 and declaration.at_risk
    conditions = {(m["condition"], m["action"]) for m in declaration.risk_matches}
    assert ("from_level", "quarantine") in conditions and ("from_level", "test") in conditions
    # Why, stored in the province's language: the place and its level.
    assert all("Hà Phong" in m["why"] and "4" in m["why"] for m in declaration.risk_matches)
    person = declaration.person
    assert person is not None and person.home_commune.code == "06649" and person.date_of_birth.year == 1985
    order = declaration.quarantine_order
    assert order is not None and order.person == person and order.commune.code == "06649"
    assert order.reason == OrderReason.ARRIVAL_FROM_LEVEL4
    tasks = Task.objects.filter(source_key__startswith="declarations.").order_by("kind")
    assert {task.kind for task in tasks} == {"call_contact", "take_sample"}
    assert {task.commune.code for task in tasks} == {"06649"} and {task.person_id for task in tasks} == {person.pk}
    # The destination commune's officer sees the declaration; its task is on their list.
    assert services.get_declaration(commune_officer, declaration.pk) == declaration


def test_a_level_3_origin_asks_for_a_sample_but_no_quarantine(publish_level) -> None:
    publish_level("06652", 3)
    [declaration] = declare(movement(from_area="", from_unit="06652"))
    assert {m["action"] for m in declaration.risk_matches} == {"test"}
    assert declaration.quarantine_order is None
    assert Task.objects.filter(source_key=f"declarations.sample:{declaration.pk}").exists()


def test_an_external_area_raised_to_level_4_by_the_province(province_admin) -> None:
    services.set_area_level(province_admin, "31", 4)
    assert ExternalArea.objects.get(code="31").level == 4
    [declaration] = declare(movement(from_area="31"))
    assert declaration.from_level == 4 and declaration.quarantine_order is not None


def test_only_the_province_sets_an_area_level(commune_officer, province_admin) -> None:
    with pytest.raises(NotFound):
        services.set_area_level(commune_officer, "31", 4)
    with pytest.raises(InvalidInput):
        services.set_area_level(province_admin, "31", 5)
    assert ExternalArea.objects.get(code="31").level == 1


def test_a_known_person_is_matched_by_citizen_id_and_their_vaccination_is_read(
    province_admin, make_person, make_cccd
) -> None:
    from phongdich.vaccination import services as vaccination

    born = dt.date(1985, 3, 12)
    person = make_person(province_admin, citizen_id=make_cccd(born, "male"), date_of_birth=born)
    vaccination.record_vaccination(
        province_admin,
        vaccination.VaccinationInput(person=person.pk, dose_number=1, product="Comirnaty", date=dt.date(2021, 8, 1)),
    )
    [declaration] = declare(
        movement(people=[entry(person.full_name, 1985, "male", citizen_id=person.citizen_id, vaccination="full")])
    )
    assert declaration.person == person
    assert declaration.vaccination == "partial" and declaration.vaccination_from_platform


def test_a_new_declaration_replaces_the_older_one_of_the_same_kind() -> None:
    [first] = declare(movement())
    [second] = declare(movement())
    first.refresh_from_db()
    assert first.status == DeclarationStatus.SUPERSEDED and second.status == DeclarationStatus.ACTIVE


def test_a_retried_submission_stores_nothing_twice() -> None:
    data = movement()
    challenge = services.start_phone_check(PHONE)
    from phongdich.accounts import phone_otp

    code = phone_otp.last_code_for_tests(PHONE)
    first = services.submit_declaration(data, challenge_id=challenge, code=code)
    again = services.submit_declaration(data, challenge_id=challenge, code=code)
    assert [d.pk for d in again] == [d.pk for d in first] and Declaration.objects.count() == 1
    # The same form id sent with another code is someone else's form: refused.
    other = services.start_phone_check("0987654321")
    with pytest.raises(Conflict):
        services.submit_declaration(data, challenge_id=other, code=phone_otp.last_code_for_tests("0987654321"))


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"vehicle_plate": "14-ABC"}, "vehicle_plate"),
        ({"vehicle_plate": ""}, "vehicle_plate"),
        ({"travel_date": timezone.localdate() + dt.timedelta(days=30)}, "travel_date"),
        ({"travel_date": timezone.localdate() - dt.timedelta(days=30)}, "travel_date"),
        ({"to_commune": "193"}, "to_commune"),
        ({"from_area": "99"}, "from_area"),
        ({"from_area": ""}, "from_unit"),
        ({"kind": "holiday"}, "kind"),
        ({"people": []}, "people"),
        ({"people": [entry("<script>alert(1)</script>")]}, "people.0.full_name"),
        ({"people": [entry(year=1850)]}, "people.0.birth_year"),
        ({"people": [entry(citizen_id="12345")]}, "people.0.citizen_id"),
        ({"people": [entry(sex="x")]}, "people.0.sex"),
        ({"people": [entry(symptoms=("headache-ish",))]}, "people.0.symptoms"),
        ({"purpose": "x" * 300}, "purpose"),
        ({"submission_id": "not-a-uuid"}, "submission_id"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(fields, bad, english) -> None:
    challenge = services.start_phone_check(PHONE)
    from phongdich.accounts import phone_otp

    code = phone_otp.last_code_for_tests(PHONE)
    with pytest.raises(InvalidInput) as refused:
        services.submit_declaration(movement(**fields), challenge_id=challenge, code=code)
    assert bad in _fields(refused)
    assert not Declaration.objects.exists() and not Person.objects.exists() and not Task.objects.exists()
    # The form was checked before the code: the code is still good for the corrected form.
    assert services.submit_declaration(movement(), challenge_id=challenge, code=code)


def test_no_declaration_without_a_confirmed_phone() -> None:
    with pytest.raises(InvalidInput) as missing:
        services.submit_declaration(movement())
    assert _fields(missing) == {"code"}
    challenge = services.start_phone_check(PHONE)
    with pytest.raises(InvalidInput) as wrong:
        services.submit_declaration(movement(), challenge_id=challenge, code="000000")
    assert _fields(wrong) == {"code"}
    assert not Declaration.objects.exists()


def test_officers_see_only_declarations_arriving_in_their_area(make_account, commune_officer, district_officer) -> None:
    here = declare(movement(to="06649"))[0]
    elsewhere = declare(movement(to="06727"), phone="0987654321")[0]
    assert list(services.search_declarations(commune_officer)) == [here]
    assert list(services.search_declarations(district_officer)) == [here]
    with pytest.raises(NotFound):
        services.get_declaration(commune_officer, elsewhere.pk)
    leader = make_account("leader", "22")
    with pytest.raises(NotFound):
        services.search_declarations(leader)
    with pytest.raises(NotFound):
        services.get_declaration(leader, here.pk)


def test_filters_by_risk_kind_and_day(commune_officer) -> None:
    plain = declare(movement())[0]
    risky = declare(movement(people=[entry("Lê Thị Hoa", 1990, "female", symptoms=("cough",))]))[0]
    assert list(services.search_declarations(commune_officer, services.DeclarationFilter(risk="yes"))) == [risky]
    assert list(services.search_declarations(commune_officer, services.DeclarationFilter(risk="no"))) == [plain]
    assert not services.search_declarations(commune_officer, services.DeclarationFilter(kind="entry")).exists()
    yesterday = services.DeclarationFilter(day=timezone.localdate() - dt.timedelta(days=1))
    assert not services.search_declarations(commune_officer, yesterday).exists()
    today = services.DeclarationFilter(day=timezone.localdate())
    assert services.search_declarations(commune_officer, today).count() == 2


def test_the_detail_read_is_audited(commune_officer) -> None:
    from phongdich.audit.models import AuditEvent

    declaration = declare(movement())[0]
    services.get_declaration(commune_officer, declaration.pk)
    assert AuditEvent.objects.filter(actor=commune_officer, object_type="declaration", action="view").exists()


def test_coming_from_a_lockdown_zone_asks_for_a_sample(district_officer) -> None:
    from phongdich.lockdown import services as lockdown

    lockdown.create_zone(
        district_officer,
        lockdown.ZoneInput(
            name="Phong tỏa Hà Phong", starts_at=timezone.now() - dt.timedelta(hours=1), units=["06652"]
        ),
    )
    [from_zone] = declare(movement(from_area="", from_unit="06652"))
    assert from_zone.from_lockdown and {m["condition"] for m in from_zone.risk_matches} == {"from_lockdown"}
    assert Task.objects.filter(source_key=f"declarations.sample:{from_zone.pk}").exists()
    # From the district that holds the zone: in lockdown too; from another district: not.
    [from_district] = declare(movement(from_area="", from_unit="193"), phone="0987654321")
    assert from_district.from_lockdown
    [from_elsewhere] = declare(movement(from_area="", from_unit="06727"), phone="0977654321")
    assert not from_elsewhere.from_lockdown and not from_elsewhere.at_risk
