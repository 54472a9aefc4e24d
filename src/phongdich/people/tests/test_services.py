import datetime as dt
import unicodedata

import pytest
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.audit.models import AuditEvent
from phongdich.core.errors import Conflict, InvalidInput, NotFound
from phongdich.people import services
from phongdich.people.models import Household, Person, PersonMerge
from phongdich.people.services import PersonInput

BORN = dt.date(1985, 3, 12)


def _field_names(caught):
    return {error.field for error in caught.value.errors}


def _person_input(**fields):
    base = {"full_name": "Nguyễn Văn An", "sex": "male", "date_of_birth": BORN, "home_commune": "06649"}
    base.update(fields)
    return PersonInput(**base)


def test_create_cleans_and_normalises(commune_officer, make_cccd):
    cccd = make_cccd(BORN, "male")
    decomposed = unicodedata.normalize("NFD", "  Nguyễn   Văn An ")
    person = services.create_person(
        commune_officer, _person_input(full_name=decomposed, phone="0912 345 678", citizen_id=cccd)
    )
    person.refresh_from_db()
    assert person.full_name == "Nguyễn Văn An"
    assert person.name_key == "nguyen van an"
    assert person.phone == "+84912345678"
    assert person.citizen_id == cccd
    assert person.home_commune.code == "06649"
    event = AuditEvent.objects.get(action="create", object_id=str(person.pk))
    assert event.actor == commune_officer
    assert event.object_type == "person"


def test_create_without_citizen_id_stores_null(commune_officer):
    first = services.create_person(commune_officer, _person_input(citizen_id=""))
    second = services.create_person(commune_officer, _person_input(full_name="Trần Thị Bình", sex="female"))
    assert first.citizen_id is None and second.citizen_id is None  # two unknowns do not collide


def test_duplicate_citizen_id_visible_names_the_existing_record(commune_officer, make_cccd):
    cccd = make_cccd(BORN, "male")
    existing = services.create_person(commune_officer, _person_input(citizen_id=cccd))
    before = Person.objects.count()
    with pytest.raises(Conflict) as caught:
        services.create_person(commune_officer, _person_input(full_name="Lê Văn Chiến", citizen_id=cccd))
    assert caught.value.status == 409
    assert _field_names(caught) == {"citizen_id"}
    assert caught.value.extra["existing_id"] == existing.pk
    assert Person.objects.count() == before


def test_duplicate_citizen_id_in_another_commune_does_not_leak_the_record(units, make_account, make_cccd, english):
    mong_cai = make_account(Role.COMMUNE_OFFICER, "06727")
    ha_khanh = make_account(Role.COMMUNE_OFFICER, "06649")
    cccd = make_cccd(BORN, "male")
    services.create_person(mong_cai, _person_input(home_commune="06727", citizen_id=cccd))
    with pytest.raises(Conflict) as caught:
        services.create_person(ha_khanh, _person_input(citizen_id=cccd))
    assert "existing_id" not in caught.value.extra
    assert "outside your area" in caught.value.detail
    assert _field_names(caught) == {"citizen_id"}
    assert Person.objects.filter(citizen_id=cccd).count() == 1


def test_same_name_birth_date_and_phone_is_a_duplicate(commune_officer):
    existing = services.create_person(commune_officer, _person_input(phone="0912345678"))
    with pytest.raises(Conflict) as caught:
        # Written differently, the same person: no diacritics, other spacing, other phone format.
        services.create_person(commune_officer, _person_input(full_name="nguyen  van an", phone="+84 912 345 678"))
    assert caught.value.extra["existing_id"] == existing.pk
    assert _field_names(caught) == {"full_name"}
    assert Person.objects.count() == 1


def test_same_name_and_birth_date_with_another_phone_is_not_a_duplicate(commune_officer):
    services.create_person(commune_officer, _person_input(phone="0912345678"))
    services.create_person(commune_officer, _person_input(phone="0987654321"))
    assert Person.objects.filter(name_key="nguyen van an").count() == 2


FUTURE = timezone.localdate() + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"citizen_id": "02208500012"}, {"citizen_id"}),  # 11 digits
        ({"citizen_id": "022086000123"}, {"citizen_id"}),  # birth-year digits say 1986
        ({"citizen_id": "022185000123"}, {"citizen_id"}),  # sex digit says female
        ({"citizen_id": "003085000123"}, {"citizen_id"}),  # no province 003
        ({"phone": "0912"}, {"phone"}),
        ({"phone": "0912 abc 678"}, {"phone"}),
        ({"home_commune": "99999"}, {"home_commune"}),
        ({"home_commune": "193"}, {"home_commune"}),  # a district, not a commune
        ({"home_commune": "06727"}, {"home_commune"}),  # Móng Cái: outside the officer's commune
        ({"date_of_birth": FUTURE}, {"date_of_birth"}),
        ({"date_of_birth": dt.date(1850, 1, 1)}, {"date_of_birth"}),
        ({"date_of_birth": "1985-03-12"}, {"date_of_birth"}),  # services take dates, not text
        ({"sex": "x"}, {"sex"}),
        ({"full_name": "   "}, {"full_name"}),
        ({"full_name": "Nguyễn Văn 2"}, {"full_name"}),
        ({"full_name": "A" * 151}, {"full_name"}),
        ({"address": "x" * 256}, {"address"}),
        ({"household": "HK-NONE"}, {"household"}),
        ({"phone": "0912", "home_commune": "99999"}, {"phone", "home_commune"}),  # every bad field is named
    ],
)
def test_invalid_input_names_the_field_and_stores_nothing(commune_officer, fields, bad):
    with pytest.raises(InvalidInput) as caught:
        services.create_person(commune_officer, _person_input(**fields))
    assert caught.value.status == 422
    assert _field_names(caught) == bad
    assert Person.objects.count() == 0
    assert not AuditEvent.objects.filter(action="create").exists()


def test_missing_required_fields_are_all_named(commune_officer):
    with pytest.raises(InvalidInput) as caught:
        services.create_person(commune_officer, PersonInput(full_name="Nguyễn Văn An"))
    assert _field_names(caught) == {"sex", "date_of_birth", "home_commune"}
    assert Person.objects.count() == 0


def test_missing_and_invalid_fields_are_reported_together(commune_officer):
    with pytest.raises(InvalidInput) as caught:
        services.create_person(commune_officer, PersonInput(full_name="Nguyễn Văn An", phone="0912"))
    assert _field_names(caught) == {"phone", "sex", "date_of_birth", "home_commune"}


def test_roles_without_add_cannot_create(units, make_account):
    for role in (Role.LEADER, Role.QUARANTINE_STAFF, Role.CITIZEN):
        with pytest.raises(NotFound):
            services.create_person(make_account(role, "06649"), _person_input())
    assert Person.objects.count() == 0


def test_update_changes_phone_and_audits_field_names_only(commune_officer):
    person = services.create_person(commune_officer, _person_input(phone="0912345678"))
    services.update_person(commune_officer, person.pk, PersonInput(phone="0987 654 321"))
    person.refresh_from_db()
    assert person.phone == "+84987654321"
    event = AuditEvent.objects.get(action="update", object_id=str(person.pk))
    assert event.detail == {"fields": ["phone"]}
    assert "987" not in str(event.detail)


def test_update_renames_and_rekeys(commune_officer):
    person = services.create_person(commune_officer, _person_input())
    services.update_person(commune_officer, person.pk, PersonInput(full_name="Nguyễn Văn Ánh"))
    person.refresh_from_db()
    assert person.name_key == "nguyen van anh"


def test_update_rejects_a_birth_date_contradicting_the_cccd_on_file(commune_officer, make_cccd):
    person = services.create_person(commune_officer, _person_input(citizen_id=make_cccd(BORN, "male")))
    with pytest.raises(InvalidInput) as caught:
        services.update_person(commune_officer, person.pk, PersonInput(date_of_birth=dt.date(1986, 3, 12)))
    assert _field_names(caught) == {"date_of_birth"}
    with pytest.raises(InvalidInput) as caught:
        services.update_person(commune_officer, person.pk, PersonInput(sex="female"))
    assert _field_names(caught) == {"sex"}
    person.refresh_from_db()
    assert person.date_of_birth == BORN and person.sex == "male"


def test_update_clears_citizen_id_and_phone_with_empty_strings(commune_officer, make_cccd):
    person = services.create_person(
        commune_officer, _person_input(citizen_id=make_cccd(BORN, "male"), phone="0912345678")
    )
    services.update_person(commune_officer, person.pk, PersonInput(citizen_id="", phone=""))
    person.refresh_from_db()
    assert person.citizen_id is None and person.phone == ""


def test_update_to_a_citizen_id_already_used_conflicts(commune_officer, make_cccd):
    cccd = make_cccd(BORN, "male")
    first = services.create_person(commune_officer, _person_input(citizen_id=cccd))
    second = services.create_person(commune_officer, _person_input(full_name="Phạm Văn Bình"))
    with pytest.raises(Conflict) as caught:
        services.update_person(commune_officer, second.pk, PersonInput(citizen_id=cccd))
    assert caught.value.extra["existing_id"] == first.pk
    second.refresh_from_db()
    assert second.citizen_id is None


def test_update_outside_the_area_is_not_found(units, make_account, commune_officer):
    other = make_account(Role.COMMUNE_OFFICER, "06727")
    person = services.create_person(other, _person_input(home_commune="06727", phone="0912345678"))
    with pytest.raises(NotFound):
        services.update_person(commune_officer, person.pk, PersonInput(phone="0987654321"))
    person.refresh_from_db()
    assert person.phone == "+84912345678"


def test_citizen_updates_contact_details_only(commune_officer, make_account):
    person = services.create_person(commune_officer, _person_input(phone="0912345678"))
    citizen = make_account(Role.CITIZEN)
    citizen.person = person
    citizen.save()
    services.update_person(citizen, person.pk, PersonInput(phone="0987654321", full_name="Someone Else"))
    person.refresh_from_db()
    assert person.phone == "+84987654321"
    assert person.full_name == "Nguyễn Văn An"


def test_a_superuser_with_the_default_role_changes_every_field(commune_officer, make_account):
    # createsuperuser leaves role at its default, citizen; the superuser flag must still win.
    root = make_account(Role.CITIZEN, username="root")
    root.is_superuser = True
    root.save()
    person = services.create_person(root, _person_input(home_commune="06727"))
    services.update_person(root, person.pk, PersonInput(full_name="Lê Văn Chiến", home_commune="06652"))
    person.refresh_from_db()
    assert (person.full_name, person.home_commune.code) == ("Lê Văn Chiến", "06652")


@pytest.fixture
def registry(commune_officer, make_cccd):
    people = {
        "an": services.create_person(
            commune_officer, _person_input(phone="0912345678", citizen_id=make_cccd(BORN, "male", serial=1))
        ),
        "binh": services.create_person(
            commune_officer,
            _person_input(full_name="Nguyễn Văn Bình", phone="0987654321", date_of_birth=dt.date(1990, 1, 1)),
        ),
        "dao": services.create_person(
            commune_officer, _person_input(full_name="Trần Thị Đào", sex="female", phone="0203 3825 123")
        ),
    }
    return people


def test_search_by_name_ignores_diacritics_and_case(commune_officer, registry):
    found = set(services.search_persons(commune_officer, query="nguyen van"))
    assert found == {registry["an"], registry["binh"]}
    assert list(services.search_persons(commune_officer, query="TRAN THI DAO")) == [registry["dao"]]
    assert list(services.search_persons(commune_officer, query="Đào")) == [registry["dao"]]
    assert list(services.search_persons(commune_officer, query="Lê")) == []


def test_search_by_citizen_id(commune_officer, registry):
    cccd = registry["an"].citizen_id
    assert list(services.search_persons(commune_officer, query=cccd)) == [registry["an"]]
    spaced = f"{cccd[:3]} {cccd[3:6]} {cccd[6:]}"
    assert list(services.search_persons(commune_officer, query=spaced)) == [registry["an"]]
    assert list(services.search_persons(commune_officer, citizen_id=cccd)) == [registry["an"]]


@pytest.mark.parametrize("written", ["0912 345 678", "+84 912 345 678", "84912345678", "0912345678"])
def test_search_by_phone_in_any_format(commune_officer, registry, written):
    assert list(services.search_persons(commune_officer, query=written)) == [registry["an"]]
    assert list(services.search_persons(commune_officer, phone=written)) == [registry["an"]]


def test_search_with_a_bad_phone_finds_nothing(commune_officer, registry):
    assert list(services.search_persons(commune_officer, phone="0912")) == []


def test_search_stays_in_scope(units, make_account, commune_officer, registry):
    other = make_account(Role.COMMUNE_OFFICER, "06727")
    services.create_person(other, _person_input(home_commune="06727", full_name="Nguyễn Văn Cường"))
    assert registry["an"] not in services.search_persons(other, query="nguyen van")
    assert {p.full_name for p in services.search_persons(other, query="nguyen van")} == {"Nguyễn Văn Cường"}
    assert services.search_persons(commune_officer, commune="06727").count() == 0


def test_duplicates_of_finds_same_name_and_birth_date_in_scope(units, district_officer, make_account):
    no_phone = services.create_person(district_officer, _person_input(phone=""))
    with_phone = services.create_person(district_officer, _person_input(home_commune="06652", phone="0912345678"))
    services.create_person(district_officer, _person_input(phone="", date_of_birth=dt.date(1986, 3, 12)))
    mong_cai = make_account(Role.COMMUNE_OFFICER, "06727")
    services.create_person(mong_cai, _person_input(home_commune="06727", phone=""))
    # Without a phone, name and birth date decide; the Móng Cái namesake is outside the district.
    assert list(services.duplicates_of(district_officer, no_phone)) == [with_phone]
    # With a phone, the phone must agree too.
    assert list(services.duplicates_of(district_officer, with_phone)) == []


# Merge


@pytest.fixture
def pair(units, district_officer, make_cccd, make_account):
    """A survivor without a CCCD in a household, and a duplicate with one and a linked citizen account."""
    household = Household.objects.create(code="HK-0001", commune=units["06649"])
    survivor = services.create_person(district_officer, _person_input(household="HK-0001"))
    duplicate = services.create_person(
        district_officer,
        _person_input(home_commune="06652", citizen_id=make_cccd(BORN, "male"), phone="0912345678", address="Tổ 5"),
    )
    account = make_account(Role.CITIZEN, username="citizen-an")
    account.person = duplicate
    account.save()
    return survivor, duplicate, account, household


def test_merge_moves_linked_records_and_keeps_history(district_officer, pair):
    survivor, duplicate, account, household = pair
    cccd, duplicate_pk = duplicate.citizen_id, duplicate.pk
    merge = services.merge_persons(district_officer, survivor.pk, duplicate.pk)

    assert not Person.objects.filter(pk=duplicate_pk).exists()
    account.refresh_from_db()
    assert account.person_id == survivor.pk
    survivor.refresh_from_db()
    assert survivor.citizen_id == cccd  # filled: the survivor had none
    assert survivor.phone == "+84912345678"
    assert survivor.address == "Tổ 5"
    assert survivor.household == household  # kept
    assert survivor.home_commune.code == "06649"  # the survivor's own fields win

    assert merge.survivor == survivor
    assert merge.merged_person_id == duplicate_pk
    assert merge.merged_by == district_officer
    assert merge.moved == {"accounts.user": 1}
    assert merge.merged_record["citizen_id"] == cccd
    assert merge.merged_record["home_commune"] == "06652"
    assert merge.merged_record["date_of_birth"] == "1985-03-12"
    assert PersonMerge.objects.get() == merge

    event = AuditEvent.objects.get(action="merge")
    assert event.object_id == str(survivor.pk)
    assert f" {duplicate_pk} " in event.object_ids
    assert event.detail["merged"] == duplicate_pk
    assert sorted(event.detail["filled"]) == ["address", "citizen_id", "phone"]


def test_merge_keeps_the_survivors_values(district_officer, make_cccd):
    survivor = services.create_person(district_officer, _person_input(phone="0912345678"))
    duplicate = services.create_person(district_officer, _person_input(phone="0987654321"))
    services.merge_persons(district_officer, survivor.pk, duplicate.pk)
    survivor.refresh_from_db()
    assert survivor.phone == "+84912345678"


def test_merge_with_itself_is_invalid(district_officer):
    person = services.create_person(district_officer, _person_input())
    with pytest.raises(InvalidInput) as caught:
        services.merge_persons(district_officer, person.pk, str(person.pk))
    assert _field_names(caught) == {"duplicate_id"}
    assert Person.objects.filter(pk=person.pk).exists()


def test_merge_across_jurisdictions_is_not_found(units, district_officer, make_account):
    mong_cai = make_account(Role.DISTRICT_OFFICER, "194")
    mine = services.create_person(district_officer, _person_input())
    theirs = services.create_person(mong_cai, _person_input(home_commune="06727", full_name="Lê Văn Chiến"))
    with pytest.raises(NotFound):
        services.merge_persons(district_officer, mine.pk, theirs.pk)
    with pytest.raises(NotFound):
        services.merge_persons(district_officer, theirs.pk, mine.pk)
    assert Person.objects.count() == 2
    assert not PersonMerge.objects.exists()


def test_commune_officers_may_not_merge(commune_officer):
    first = services.create_person(commune_officer, _person_input())
    second = services.create_person(commune_officer, _person_input(full_name="Lê Văn Chiến"))
    with pytest.raises(NotFound):
        services.merge_persons(commune_officer, first.pk, second.pk)
    assert Person.objects.count() == 2


def test_merge_refuses_when_both_have_an_account(district_officer, pair, make_account):
    survivor, duplicate, _account, _household = pair
    other = make_account(Role.CITIZEN, username="citizen-an-2")
    other.person = survivor
    other.save()
    with pytest.raises(Conflict):
        services.merge_persons(district_officer, survivor.pk, duplicate.pk)
    assert Person.objects.filter(pk=duplicate.pk).exists()
    assert not PersonMerge.objects.exists()


def test_get_person_outside_scope_is_not_found(units, commune_officer, make_account):
    other = make_account(Role.COMMUNE_OFFICER, "06727")
    person = services.create_person(other, _person_input(home_commune="06727"))
    with pytest.raises(NotFound):
        services.get_person(commune_officer, person.pk)
    assert services.get_person(other, person.pk) == person
