"""The whole chain on a small population: check-ins → phones → case → code → upload → export → download →
match → alerts → the alerted person's page, and Bluetooth contacts in contact tracing (with consent)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.cases import services as cases
from phongdich.checkins import services as checkins
from phongdich.exposure import simulator
from phongdich.exposure.models import AppInstall, BluetoothEncounter, ExposureAlert, SimulationReport
from phongdich.tracing import services as tracing
from phongdich.tracing.models import ContactEvidence
from phongdich.venues import services as venues

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HA_KHANH = "06649"


class Town:
    """An F0 and five others at a market for an hour two days ago; two others together at a café."""

    def __init__(self, make_account, make_person) -> None:
        self.admin = make_account(Role.PROVINCE_ADMIN, "22", username="tinh")
        self.officer = make_account(Role.COMMUNE_OFFICER, HA_KHANH, username="xa")
        self.make_person = make_person
        day = timezone.localdate() - dt.timedelta(days=2)
        self.t0 = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
        self.market = self.venue("Chợ Hà Khánh", "market")
        self.cafe = self.venue("Quán cà phê Biển", "restaurant")
        self.f0 = make_person(self.admin)
        self.visit(self.f0, self.market, self.t0, self.t0 + dt.timedelta(minutes=60))
        self.market_people = [make_person(self.admin) for _ in range(5)]
        for n, person in enumerate(self.market_people):
            start = self.t0 + dt.timedelta(minutes=5 * n)
            self.visit(person, self.market, start, start + dt.timedelta(minutes=50))
        self.cafe_people = [make_person(self.admin) for _ in range(2)]
        for person in self.cafe_people:
            self.visit(person, self.cafe, self.t0, self.t0 + dt.timedelta(minutes=90))

    def venue(self, name: str, kind: str):
        return venues.register_venue(self.admin, venues.VenueInput(name=name, kind=kind, commune=HA_KHANH, address="1"))

    def visit(self, person, venue, start, end) -> None:
        visitor = checkins.Visitor(person=person)
        recorded = checkins.record_checkin(
            self.officer, venue=venue, visitor=visitor, method="typed_id", checked_in_at=start, uuid=uuid.uuid4()
        )
        checkins.check_out(recorded.checkin.uuid, at=end, actor=self.officer)

    def confirm_f0(self):
        data = cases.CaseInput(person=self.f0.pk, sampled_on=timezone.localdate(self.t0) + dt.timedelta(days=1))
        return cases.open_case(self.admin, data)


@pytest.fixture
def town(units, make_account, make_person):
    return Town(make_account, make_person)


def test_a_confirmed_case_alerts_the_phones_that_were_near_and_only_those(town, make_account):
    case = town.confirm_f0()
    result = simulator.simulate(adoption=1.0, consent=1.0, scan_share=1.0, seed=3)
    figures = result.figures
    assert figures["phones"] == 8
    assert figures["cases_uploaded"] == 1
    assert figures["keys_uploaded"] >= 1  # the (UTC) days from the market visit to yesterday
    assert figures["keys_published_with_padding"] == 1000
    alerted = set(ExposureAlert.objects.values_list("install__person_id", flat=True))
    assert alerted == {person.pk for person in town.market_people}
    assert figures["phones_alerted"] == 5
    for alert in ExposureAlert.objects.all():
        assert alert.exposure_day == dt.datetime.fromtimestamp(town.t0.timestamp(), dt.UTC).date()
        assert alert.minutes >= 15
    # Everyone at the café met only each other: nothing for them, and the F0's phone found nothing of its own.
    assert not alerted & {person.pk for person in town.cafe_people} and town.f0.pk not in alerted

    # The alerted person sees the alert on their page; someone else sees none.
    citizen = make_account(Role.CITIZEN, username="cong-dan")
    citizen.person = town.market_people[0]
    citizen.save()
    client = Client()
    client.force_login(citizen)
    page = client.get("/exposure/my-alerts/")
    assert page.status_code == 200
    assert b'id="exposure-alerts"' in page.content
    assert town.t0.strftime("%d/%m/%Y").encode() in page.content
    other = make_account(Role.CITIZEN, username="cong-dan-2")
    other.person = town.cafe_people[0]
    other.save()
    client.force_login(other)
    assert b'id="no-alerts"' in client.get("/exposure/my-alerts/").content

    # Consenting phones shared their matches: Bluetooth evidence for the F0's contacts in tracing.
    assert set(BluetoothEncounter.objects.values_list("install__person_id", flat=True)) == alerted
    assert set(BluetoothEncounter.objects.values_list("case_id", flat=True)) == {case.pk}
    tracing.run_tracing(case.pk)
    bluetooth = ContactEvidence.objects.filter(contact__case=case, source="bluetooth")
    assert set(bluetooth.values_list("contact__person_id", flat=True)) == alerted


def test_without_consent_nothing_is_kept_and_tracing_gets_no_bluetooth_contacts(town):
    case = town.confirm_f0()
    figures = simulator.simulate(adoption=1.0, consent=0.0, scan_share=1.0, seed=3).figures
    assert figures["phones_alerted"] == 5  # the phones still warn their owners
    assert ExposureAlert.objects.count() == 0
    assert BluetoothEncounter.objects.count() == 0
    tracing.run_tracing(case.pk)
    assert not ContactEvidence.objects.filter(contact__case=case, source="bluetooth").exists()


def test_a_phone_does_not_share_after_its_owner_withdraws_consent(town, make_account, api_client):
    town.confirm_f0()
    simulator.simulate(adoption=1.0, consent=1.0, scan_share=1.0, seed=3)
    person = town.market_people[0]
    citizen = make_account(Role.CITIZEN, username="cong-dan")
    citizen.person = person
    citizen.save()
    install = AppInstall.objects.get(person=person)
    assert install.alerts.exists() and install.encounters.exists()
    answer = api_client(citizen).post(
        "/api/v1/exposure/installs",
        {"device": str(install.device), "share_encounters": False, "keep_alerts": False},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert not install.alerts.exists() and not install.encounters.exists()
    # Another person cannot take over the device.
    intruder = make_account(Role.CITIZEN, username="ke-la")
    intruder.person = town.cafe_people[0]
    intruder.save()
    taken = api_client(intruder).post(
        "/api/v1/exposure/installs", {"device": str(install.device)}, content_type="application/json"
    )
    assert taken.status_code == 409


def test_the_effect_counts_true_exposures_found_by_each_route(town):
    town.confirm_f0()
    figures = simulator.simulate(adoption=1.0, consent=1.0, scan_share=1.0, seed=3).figures
    # Everyone has the app and scanned in: every true exposure is found by both routes.
    assert figures["true_exposures"] > 0
    assert figures["found_by_both_share"] == figures["found_by_bluetooth_share"] == 1.0
    assert figures["found_by_checkins_share"] == 1.0
    nobody = simulator.simulate(adoption=0.0, consent=1.0, scan_share=0.0, seed=3).figures
    assert nobody["true_exposures"] == figures["true_exposures"]  # the same ground truth for the seed
    assert nobody["found_by_either"] == 0 and nobody["phones"] == 0
    # Each run stands for one day's adoption: the earlier run's phones are gone.
    assert AppInstall.objects.count() == 0
    assert SimulationReport.objects.count() == 2


def test_effect_shares_follow_adoption_on_a_synthetic_set_of_encounters():
    from phongdich.exposure.client.risk import RiskConfiguration

    near = [
        simulator.Encounter(
            a, a + 1000, 0, 1800, 1.0, checked_in=a % 2 == 0, scans=[(0, 50, 600), (1, 50, 600), (2, 50, 600)]
        )
        for a in range(100)
    ]
    far = [simulator.Encounter(5000, 5001, 0, 1800, 5.0, checked_in=True, scans=[(0, 80, 1800)])]
    phones = set(range(50)) | set(range(1000, 1100))
    result = simulator.effect(near + far, phones, RiskConfiguration())
    assert result["true_exposures"] == 100
    assert result["found_by_bluetooth"] == 50
    assert result["found_by_checkins"] == 50
    assert result["found_by_both"] == 25
    assert result["found_by_either_share"] == 0.75


def test_the_adoption_screen_and_api_count_installs_per_commune(town, make_account, api_client):
    simulator.simulate(adoption=1.0, consent=0.5, scan_share=1.0, seed=3)
    rows = {row["code"]: row for row in api_client(town.officer).get("/api/v1/exposure/adoption").json()}
    assert set(rows) == {HA_KHANH}
    assert rows[HA_KHANH]["installs"] == 8 and rows[HA_KHANH]["active"] == 8
    assert rows[HA_KHANH]["population"] > 0
    client = Client()
    client.force_login(make_account(Role.LEADER, "22", username="lanh-dao"))
    page = client.get("/exposure/adoption/")
    assert page.status_code == 200
    assert b'id="simulation-effect"' in page.content
    citizen = make_account(Role.CITIZEN, username="cong-dan")
    client.force_login(citizen)
    assert client.get("/exposure/adoption/").status_code == 404
    assert api_client(citizen).get("/api/v1/exposure/adoption").status_code == 404


def test_a_consenting_citizens_phone_reports_its_findings_through_the_api(town, make_account, api_client):
    from phongdich.exposure.tests.helpers import encounter_for

    case_person = town.make_person(town.admin)
    existing = encounter_for(town.admin, town.market_people[1], case_person)  # uploads the F0's key
    key = existing.case.verification_codes.get().uploads.get().keys.get()
    citizen = make_account(Role.CITIZEN, username="cong-dan")
    citizen.person = town.market_people[0]
    citizen.save()
    device = uuid.uuid4()
    client = api_client(citizen)
    answer = client.post(
        "/api/v1/exposure/installs",
        {"device": str(device), "share_encounters": True, "keep_alerts": True},
        content_type="application/json",
    )
    assert answer.status_code == 200
    start = timezone.now() - dt.timedelta(days=1)
    body = {
        "alerts": [{"day": str(timezone.localdate(start)), "minutes": 40, "score": 40.0}],
        "encounters": [
            {
                "key": base64.b64encode(bytes(key.key_data)).decode(),
                "started_at": start.isoformat(),
                "ended_at": (start + dt.timedelta(minutes=40)).isoformat(),
                "minutes": 40,
                "attenuation_db": 52,
            },
            {  # a key nobody uploaded (padding, or another province's): not attributed to anyone
                "key": base64.b64encode(bytes(16)).decode(),
                "started_at": start.isoformat(),
                "ended_at": (start + dt.timedelta(minutes=40)).isoformat(),
                "minutes": 40,
                "attenuation_db": 52,
            },
        ],
    }
    url = f"/api/v1/exposure/installs/{device}/findings"
    answer = client.post(url, body, content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"alerts_kept": 1, "encounters_kept": 1}
    encounter = BluetoothEncounter.objects.get(install__device=device)
    assert encounter.case == existing.case and encounter.minutes == 40
    # Another citizen cannot report for this phone; a bad key is refused with the field named.
    other = make_account(Role.CITIZEN, username="khac")
    other.person = town.cafe_people[0]
    other.save()
    assert api_client(other).post(url, body, content_type="application/json").status_code == 404
    body["encounters"][0]["key"] = "not base64!"
    bad = client.post(url, body, content_type="application/json")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "encounters.0.key"


def test_a_new_synthetic_population_replaces_the_simulated_phones(units, capsys):
    from django.core.management import call_command

    from phongdich.synth.generator import current_plan

    assert "exposure" in [step.name for step in current_plan()]
    call_command("synth", scale=0.001, seed=5, days=2, staff_password="Demo-password-2021")
    call_command("exposure", "simulate", "--adoption", "0.5", "--seed", "2")
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures["phones"] > 0, figures
    assert AppInstall.objects.exists()
    call_command("synth", scale=0.0005, seed=6, staff_password="Demo-password-2021", replace=True)
    assert not AppInstall.objects.exists()
