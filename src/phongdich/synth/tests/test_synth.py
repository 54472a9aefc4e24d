"""The synthetic province: sizes, determinism, valid identities, households, staff, replace and audit."""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from django.db.models import Q

from phongdich.accounts.models import User
from phongdich.accounts.roles import Role
from phongdich.audit.models import AuditEvent
from phongdich.core.text import search_key
from phongdich.geo.models import AdministrativeUnit
from phongdich.geo.services import load_bundled_province
from phongdich.people import identity
from phongdich.people.models import Household, Person
from phongdich.synth import names, services
from phongdich.synth.generator import PeopleStep, SynthContext, SynthError, SynthOptions
from phongdich.synth.models import SynthRun

AS_OF = dt.date(2021, 7, 1)
SCALE = 0.002


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def province(db):
    load_bundled_province()
    return AdministrativeUnit.objects.provinces().get()


def synth(*extra: str, scale: float = SCALE, seed: int = 7) -> str:
    out = StringIO()
    call_command("synth", "--scale", str(scale), "--seed", str(seed), "--as-of", AS_OF.isoformat(), *extra, stdout=out)
    return out.getvalue()


def snapshot() -> list[tuple[object, ...]]:
    return list(
        Person.objects.order_by("id").values_list(
            "full_name",
            "sex",
            "date_of_birth",
            "citizen_id",
            "phone",
            "address",
            "household__code",
            "home_commune__code",
        )
    )


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@pytest.mark.django_db
def test_people_per_commune_is_census_population_times_scale(province):
    synth()
    made = Counter(Person.objects.values_list("home_commune__code", flat=True))
    communes = list(AdministrativeUnit.objects.communes())
    assert len(communes) == 177
    for commune in communes:
        assert made.get(commune.code, 0) == round(commune.population * SCALE), commune.code
    run = SynthRun.objects.get()
    assert run.counts["people"] == Person.objects.count() == sum(round(c.population * SCALE) for c in communes)
    assert run.counts["households"] == Household.objects.count()


@pytest.mark.django_db
def test_same_seed_gives_the_same_people_and_another_seed_does_not(province):
    synth()
    first = snapshot()
    synth("--replace")
    again = snapshot()
    synth("--replace", seed=8)
    other = snapshot()
    assert len(first) > 2000
    assert again == first
    assert len(other) == len(first)  # sizes depend on the scale only
    assert [row[0] for row in other] != [row[0] for row in first]
    assert {row[3] for row in other} != {row[3] for row in first}
    assert [row[4] for row in other] != [row[4] for row in first]


@pytest.mark.django_db
def test_the_reference_date_moves_birth_dates_and_defaults_to_today_in_vietnam(province):
    synth()
    pinned = snapshot()
    call_command("synth", "--scale", str(SCALE), "--seed", "7", "--replace", stdout=StringIO())
    run = SynthRun.objects.get()
    assert run.as_of == services.today_in_vietnam()
    assert [row[2] for row in snapshot()] != [row[2] for row in pinned]


@pytest.mark.django_db
def test_citizen_ids_are_valid_unique_and_only_for_those_aged_14(province):
    synth()
    people = list(Person.objects.values("sex", "date_of_birth", "citizen_id"))
    with_id = [p for p in people if p["citizen_id"] is not None]
    for person in with_id:
        number = person["citizen_id"]
        assert identity.validate_citizen_id(number, sex=person["sex"], date_of_birth=person["date_of_birth"]) == number
        assert number.startswith("022")
        assert age_on(person["date_of_birth"], AS_OF) >= 14
    assert len({p["citizen_id"] for p in with_id}) == len(with_id)
    old_enough = [p for p in people if age_on(p["date_of_birth"], AS_OF) >= 14]
    assert len(with_id) / len(old_enough) > 0.95
    # Serials are scattered, not one shared number per birth year.
    assert len({p["citizen_id"][6:] for p in with_id}) > len(with_id) * 0.9


@pytest.mark.django_db
def test_citizen_ids_already_in_the_database_are_not_given_again(province):
    synth()
    taken = Person.objects.exclude(citizen_id=None).order_by("id").first()
    assert taken is not None
    number = taken.citizen_id
    taken.citizen_id = None
    taken.save(update_fields=["citizen_id"])
    # A real registration holding a number the same seed will generate again.
    real = Person.objects.create(
        full_name="Người Thật",
        name_key="nguoi that",
        sex=taken.sex,
        date_of_birth=taken.date_of_birth,
        citizen_id=number,
        home_commune=AdministrativeUnit.objects.communes().first(),
    )
    synth("--replace")
    assert Person.objects.filter(citizen_id=real.citizen_id).get() == real
    issued = SynthRun.objects.get().counts["people_with_citizen_id"]
    assert Person.objects.exclude(citizen_id=None).count() == issued + 1


@pytest.mark.django_db
def test_phones_are_vietnamese_mobiles_in_e164_and_young_children_have_none(province):
    synth()
    people = list(Person.objects.values("phone", "date_of_birth"))
    phones = [p["phone"] for p in people if p["phone"]]
    assert len(phones) > len(people) * 0.6
    assert len(set(phones)) == len(phones)
    prefixes = Counter()
    for phone in phones:
        assert re.fullmatch(r"\+84\d{9}", phone)
        assert identity.normalise_phone(phone) == phone
        prefixes[phone[3:5]] += 1
    assert prefixes["89"] <= sum(prefixes.values()) * 0.05
    assert set(prefixes) <= {
        "86",
        "96",
        "97",
        "98",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "38",
        "39",
        "88",
        "91",
        "94",
        "81",
        "82",
        "83",
        "84",
        "85",
        "89",
        "90",
        "93",
        "70",
        "76",
        "77",
        "78",
        "79",
        "92",
        "56",
        "58",
    }
    for person in people:
        if age_on(person["date_of_birth"], AS_OF) < 12:
            assert person["phone"] == ""


@pytest.mark.django_db
def test_names_are_nfc_three_parts_from_the_lists_with_matching_search_key(province):
    synth()
    surnames = {name for name, _share in names.SURNAMES}
    middles = {
        "male": {n for n, *_w in names.MALE_MIDDLE},
        "female": {n for n, *_w in names.FEMALE_MIDDLE},
    }
    givens = {
        "male": {n for n, *_w in names.MALE_GIVEN},
        "female": {n for n, *_w in names.FEMALE_GIVEN},
    }
    people = list(Person.objects.values("full_name", "name_key", "sex"))
    for person in people:
        full_name = person["full_name"]
        assert unicodedata.normalize("NFC", full_name) == full_name
        assert person["name_key"] == search_key(full_name)
        surname, middle, given = full_name.split(" ")
        assert surname in surnames
        assert middle in middles[person["sex"]]
        assert given in givens[person["sex"]]
    counted = Counter(p["full_name"].split(" ")[0] for p in people)
    assert 0.33 < counted["Nguyễn"] / len(people) < 0.43
    sexes = Counter(p["sex"] for p in people)
    assert 0.45 < sexes["female"] / len(people) < 0.55


@pytest.mark.django_db
def test_ages_and_household_sizes_follow_the_census_and_nobody_is_born_after_the_reference_date(province):
    # Large enough that cutting each commune's last household short hardly moves the mean size.
    synth(scale=0.01)
    mean_household = Person.objects.count() / Household.objects.count()
    assert 3.3 < mean_household < 3.7  # 3.5 in the 2019 census
    born = list(Person.objects.values_list("date_of_birth", flat=True))
    assert max(born) <= AS_OF
    ages = [age_on(day, AS_OF) for day in born]
    assert max(ages) <= 99
    under_15 = sum(1 for age in ages if age < 15) / len(ages)
    over_65 = sum(1 for age in ages if age >= 65) / len(ages)
    assert abs(under_15 - 0.243) < 0.03  # 8.1 + 8.7 + 7.5 % in the 2019 census
    assert abs(over_65 - 0.077) < 0.02  # 3.0 + 1.9 + 1.2 + 1.6 %


@pytest.mark.django_db
def test_households_are_consistent(province):
    synth()
    members: dict[int, list[dict[str, object]]] = defaultdict(list)
    for person in Person.objects.values("household_id", "home_commune_id", "address", "date_of_birth"):
        members[person["household_id"]].append(person)
    households = {h.pk: h for h in Household.objects.select_related("commune")}
    assert set(members) == set(households)  # nobody without a household, no empty household
    for household_id, people in members.items():
        household = households[household_id]
        assert 1 <= len(people) <= 7
        assert {p["home_commune_id"] for p in people} == {household.commune_id}
        assert {p["address"] for p in people} == {household.address}
        assert re.fullmatch(rf"{household.commune.code}-\d{{6}}", household.code)
        assert any(age_on(p["date_of_birth"], AS_OF) >= 18 for p in people)
        if household.commune.kind in ("phuong", "thi_tran"):
            assert re.fullmatch(r"Số \d+, Tổ \d+, Khu \d+", household.address)
        else:
            assert re.fullmatch(r"Thôn \d+", household.address)


@pytest.mark.django_db
def test_staff_accounts_one_per_commune_and_district_and_kept_on_replace(province):
    # Without an outbreak: the quarantine step adds facility staff of its own.
    output = synth("--outbreak", "0")
    communes = list(AdministrativeUnit.objects.communes())
    districts = list(AdministrativeUnit.objects.districts())
    for unit, prefix, role in [(c, "xa", Role.COMMUNE_OFFICER) for c in communes] + [
        (d, "huyen", Role.DISTRICT_OFFICER) for d in districts
    ]:
        account = User.objects.get(username=f"{prefix}-{unit.code}")
        assert account.role == role
        assert account.assigned_units() == [unit]
    # The staff of every commune and district; other steps may add accounts of their own (a checkpoint officer).
    staff = User.objects.filter(Q(username__startswith="xa-") | Q(username__startswith="huyen-"))
    assert staff.count() == len(communes) + len(districts) == 190
    account = User.objects.get(username=f"xa-{communes[0].code}")
    assert check_password(services.DEMO_STAFF_PASSWORD, account.password)
    assert services.DEMO_STAFF_PASSWORD in output
    # One hash, shared by all: hashed once per run.
    assert staff.values("password").distinct().count() == 1

    second = synth("--replace", "--outbreak", "0", "--staff-password", "another-password-2021")
    assert staff.count() == 190
    assert SynthRun.objects.get().counts["staff_accounts_created"] == 0
    assert check_password(services.DEMO_STAFF_PASSWORD, User.objects.get(pk=account.pk).password)
    assert "another-password" not in second


@pytest.mark.django_db
def test_a_second_run_is_refused_without_replace_and_replace_removes_the_first(province):
    synth()
    first_ids = set(Person.objects.values_list("id", flat=True))
    first_households = set(Household.objects.values_list("id", flat=True))
    with pytest.raises(CommandError, match="--replace"):
        synth(seed=8)
    assert set(Person.objects.values_list("id", flat=True)) == first_ids
    synth("--replace", seed=8)
    assert SynthRun.objects.count() == 1
    second_ids = set(Person.objects.values_list("id", flat=True))
    assert len(second_ids) == len(first_ids)
    assert not second_ids & first_ids  # deleted ids are not handed out again
    assert min(second_ids) > max(first_ids)
    assert not set(Household.objects.values_list("id", flat=True)) & first_households
    run = SynthRun.objects.get()
    assert run.id_range("person") == (min(second_ids), max(second_ids))


@pytest.mark.django_db
def test_replace_keeps_records_made_by_hand(province):
    commune = AdministrativeUnit.objects.communes().first()
    household = Household.objects.create(code="HAND-1", commune=commune, address="Số 1")
    real = Person.objects.create(
        full_name="Trần Văn Thật",
        name_key="tran van that",
        sex="male",
        date_of_birth=dt.date(1980, 1, 1),
        home_commune=commune,
        household=household,
    )
    synth()
    synth("--replace")
    assert Person.objects.filter(pk=real.pk, household=household).exists()
    assert Person.objects.count() == SynthRun.objects.get().counts["people"] + 1


@pytest.mark.django_db
def test_one_audit_event_per_run_with_counts_only_and_no_personal_data_in_any(province):
    # The run itself is one event with counts. Steps that write through the services (levels, reports,
    # declarations …) audit their writes as any actor's; none of those events may carry personal data either.
    output = synth("--outbreak", "0")
    event = AuditEvent.objects.get(object_type="synth_run")
    run = SynthRun.objects.get()
    assert (event.action, event.object_type, event.object_id) == ("generate", "synth_run", str(run.pk))
    assert event.detail["people"] == run.counts["people"]
    assert event.detail["households"] == run.counts["households"]
    assert event.detail["seed"] == 7
    serialised = json.dumps([row.detail for row in AuditEvent.objects.all()], ensure_ascii=False)
    some = Person.objects.exclude(citizen_id=None).exclude(phone="").first()
    assert some is not None
    for personal in (some.full_name, some.citizen_id, some.phone):
        assert personal not in serialised
        assert personal not in output
    assert "Nguyễn" not in output


class FailingStep:
    name = "failing"

    def run(self, context: SynthContext) -> None:
        raise RuntimeError("boom")

    def clear(self, run, writer) -> None:
        pass


@pytest.mark.django_db
def test_a_failing_step_leaves_nothing_behind(province):
    options = SynthOptions(seed=1, scale=SCALE, as_of=AS_OF, staff_password_hash="x")
    with pytest.raises(RuntimeError, match="boom"):
        services.generate(options, plan=[PeopleStep(), FailingStep()])
    assert Person.objects.count() == 0
    assert Household.objects.count() == 0
    assert SynthRun.objects.count() == 0
    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db
def test_bad_options_are_refused(province):
    with pytest.raises(CommandError, match="scale"):
        synth(scale=0)
    tomorrow = services.today_in_vietnam() + dt.timedelta(days=1)
    with pytest.raises(CommandError, match="future"):
        call_command("synth", "--as-of", tomorrow.isoformat(), stdout=StringIO())
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_without_units_the_command_says_to_load_them():
    with pytest.raises(SynthError, match="load-units"):
        services.resolve_province()


@pytest.mark.django_db
def test_bench_synth_prints_one_json_object_and_can_be_rerun(province):
    figures = []
    for _ in range(2):
        out = StringIO()
        call_command("bench", "synth", "--scale", str(SCALE), "--seed", "3", "--json", stdout=out)
        figures.append(json.loads(out.getvalue()))
    second = figures[1]
    expected_people = sum(round(c.population * SCALE) for c in AdministrativeUnit.objects.communes())
    for result in figures:
        assert result["people"] == expected_people
        assert result["households"] == Household.objects.count()
        assert result["scale"] == SCALE and result["seed"] == 3
        assert result["database"] in ("sqlite", "postgresql")
        assert result["seconds"] > 0
        assert result["people_per_second"] == pytest.approx(result["people"] / result["seconds"], rel=0.01)
    assert second["runs_cleared"] == 1
    assert Person.objects.count() == expected_people
