"""decide(): every QR the platform issues is read and decided by the entry rules; a tampered or foreign one is
turned back with the reason; passes are logged once per scan uuid; vehicles by plate; overrides are audited."""

from __future__ import annotations

import copy
import datetime as dt
import uuid

import pytest
from django.utils import timezone

from phongdich.audit.models import AuditEvent
from phongdich.certificates import services as certificates
from phongdich.certificates.benchmarks import SAMPLE
from phongdich.checkins.personal_qr import personal_qr_token
from phongdich.checkpoints import services
from phongdich.checkpoints.models import Pass, VehiclePass
from phongdich.core.errors import Conflict, InvalidInput
from phongdich.tasks.models import Task
from phongdich.testing import services as testing

from .conftest import HA_KHANH, HA_PHONG, publish_level, scan

pytestmark = pytest.mark.usefixtures("english")


def test_a_declaration_from_a_quiet_area_lets_through(checkpoint, officer, declare):
    decision = scan(checkpoint, officer, declare(from_area="31"))  # Hải Phòng, level 1 as seeded
    assert decision.decision == "let_through"
    assert decision.evidence_kind == "declaration"
    assert decision.initials == "N.V.A."
    assert decision.age == timezone.localdate().year - 1990
    row = Pass.objects.get(pk=decision.pass_id)
    assert row.decided_by == officer and row.destination.code == HA_KHANH
    assert row.evidence_ref.startswith("declaration:") and "PDD1" not in row.evidence_ref
    assert not Task.objects.exists()


def test_arriving_from_a_level_4_commune_means_a_test_on_the_spot_and_a_task_at_the_destination(
    checkpoint, officer, declare, province_admin, district_officer
):
    publish_level(province_admin, district_officer, HA_PHONG, 4)
    decision = scan(checkpoint, officer, declare(from_unit=HA_PHONG))
    assert decision.decision == "test_on_spot"
    assert decision.from_level == 4
    assert "level-3/4" in decision.reason
    task = Task.objects.get(pk=decision.task_id)
    assert task.commune.code == HA_KHANH
    assert task.source_key == f"checkpoints.pass:{decision.uuid}"
    assert "Cầu Bạch Đằng" in task.title


def test_symptoms_and_f1_contact_mean_a_test_on_the_spot(checkpoint, officer, declare):
    assert scan(checkpoint, officer, declare(from_area="31", symptoms=("fever",))).decision == "test_on_spot"
    assert scan(checkpoint, officer, declare(from_area="31", contact=True)).reason == "Contact with an F0 or F1."


def test_a_personal_qr_with_a_recent_negative_pcr_from_a_level_4_area_lets_through_and_notifies(
    checkpoint, officer, province_admin, district_officer, make_person, declare, make_cccd
):
    publish_level(province_admin, district_officer, HA_PHONG, 4)
    birth = dt.date(1990, 3, 1)
    person = make_person(
        province_admin, full_name="Nguyễn Văn An", date_of_birth=birth, citizen_id=make_cccd(birth, "male")
    )
    declare(from_unit=HA_PHONG, citizen_id=person.citizen_id)
    qr = personal_qr_token(person)
    # Without a test: a level-4 origin is tested on the spot.
    assert scan(checkpoint, officer, qr).decision == "test_on_spot"
    taken = timezone.now() - dt.timedelta(hours=30)
    testing.record_sample(
        province_admin,
        testing.SampleInput(
            person=person.pk,
            test_type="rt_pcr",
            taken_at=taken,
            result="negative",
            reported_at=taken + dt.timedelta(hours=2),
        ),
    )
    decision = scan(checkpoint, officer, qr)
    assert decision.decision == "let_through_notify"
    assert decision.evidence_kind == "personal_qr" and decision.initials == "N.V.A."
    assert Pass.objects.get(pk=decision.pass_id).person == person
    assert Task.objects.get(pk=decision.task_id).person == person


def test_a_test_older_than_72_hours_does_not_count(
    checkpoint, officer, province_admin, district_officer, make_person, declare, make_cccd
):
    publish_level(province_admin, district_officer, HA_PHONG, 3)
    birth = dt.date(1985, 1, 2)
    person = make_person(
        province_admin, full_name="Trần Văn Bình", date_of_birth=birth, citizen_id=make_cccd(birth, "male")
    )
    declare(from_unit=HA_PHONG, citizen_id=person.citizen_id, name="Trần Văn Bình", birth_year=1985)
    taken = timezone.now() - dt.timedelta(hours=80)
    testing.record_sample(
        province_admin,
        testing.SampleInput(
            person=person.pk,
            test_type="rt_pcr",
            taken_at=taken,
            result="negative",
            reported_at=taken + dt.timedelta(hours=2),
        ),
    )
    assert scan(checkpoint, officer, personal_qr_token(person)).decision == "test_on_spot"


def test_a_person_under_an_active_quarantine_order_is_turned_back(checkpoint, officer, commune_officer, make_person):
    from phongdich.quarantine import services as quarantine

    person = make_person(commune_officer, date_of_birth=dt.date(1980, 5, 4))
    quarantine.issue_order(
        commune_officer,
        quarantine.OrderInput(person=person.pk, reason="f1_of_case", start=timezone.localdate() - dt.timedelta(days=2)),
    )
    decision = scan(checkpoint, officer, personal_qr_token(person))
    assert decision.decision == "turn_back"
    assert "quarantine" in decision.reason


@pytest.fixture
def signing_key(db):
    return certificates.rotate_key(None)


def _dcc(kind: str, entry: dict) -> str:
    payload = copy.deepcopy(SAMPLE)
    payload.pop("v")
    payload[kind] = [entry]
    return certificates.issue(payload, kind)


def test_eu_dcc_vaccination_test_and_recovery_are_read(checkpoint, officer, signing_key, declare):
    vaccination = certificates.issue(copy.deepcopy(SAMPLE), "v")
    decision = scan(checkpoint, officer, vaccination)
    assert (decision.decision, decision.evidence_kind, decision.initials) == (
        "let_through",
        "dcc_vaccination",
        "N.T.L.",
    )
    taken = (timezone.now() - dt.timedelta(hours=20)).replace(microsecond=0)
    test = _dcc(
        "t",
        {
            "tg": "840539006",
            "tt": "LP6464-4",
            "nm": "Roche LightCycler qPCR",
            "sc": taken.isoformat().replace("+00:00", "Z"),
            "tr": "260415000",
            "tc": "CDC Quảng Ninh",
            "co": "VN",
            "is": "Sở Y tế Quảng Ninh",
            "ci": "URN:UVCI:01:VN:QN000000002#Y",
        },
    )
    assert scan(checkpoint, officer, test).evidence_kind == "dcc_test"
    recovery = _dcc(
        "r",
        {
            "tg": "840539006",
            "fr": "2021-08-01",
            "co": "VN",
            "is": "Sở Y tế Quảng Ninh",
            "df": "2021-08-12",
            "du": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
            "ci": "URN:UVCI:01:VN:QN000000003#Z",
        },
    )
    assert scan(checkpoint, officer, recovery).evidence_kind == "dcc_recovery"
    row = Pass.objects.get(evidence_kind="dcc_test")
    assert row.evidence_ref.startswith("dcc:") and "HC1" not in row.evidence_ref


def test_a_release_certificate_is_read_from_its_verification_address(
    checkpoint, officer, province_admin, commune_officer, make_person
):
    from phongdich.quarantine import services as quarantine
    from phongdich.quarantine.release_qr import verify_link

    today = timezone.localdate()
    quarantine.save_policy(
        province_admin,
        quarantine.PolicyInput(
            name="Thử nghiệm: 7 ngày tại nhà",
            valid_from=today - dt.timedelta(days=60),
            rules=[quarantine.RuleInput(reason="other", protection="not_protected", kind="home", days=7)],
        ),
    )
    person = make_person(province_admin, full_name="Phạm Thị Minh Khuê", date_of_birth=dt.date(1988, 5, 17))
    order = quarantine.issue_order(
        commune_officer, quarantine.OrderInput(person=person.pk, reason="other", start=today - dt.timedelta(days=10))
    )
    quarantine.release_due_orders(timezone.now())
    order.refresh_from_db()
    token = order.release_certificate.token
    decision = scan(checkpoint, officer, verify_link(token))
    assert (decision.decision, decision.evidence_kind, decision.initials) == ("let_through", "release", "P.T.M.K.")
    assert scan(checkpoint, officer, token).evidence_kind == "release"
    forged = verify_link(token[:-3] + ("abc" if not token.endswith("abc") else "xyz"))
    refused = scan(checkpoint, officer, forged)
    assert refused.decision == "turn_back" and "signature does not match" in refused.reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("https://qr.example.org/c/AbCdEf0123456789", "venue's check-in code, not a traveller's"),
        ("hello world", "Not a code of this platform"),
        ("", "No code was read"),
        ("PD1:12:forgedsignature", "signature does not match"),
        ("PDD1:5.zzzz:forged", "altered or not issued by the province"),
        ("HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH", "cannot be read"),
    ],
)
def test_a_foreign_or_tampered_code_is_turned_back_with_the_reason(checkpoint, officer, text, reason):
    decision = scan(checkpoint, officer, text)
    assert decision.decision == "turn_back"
    assert reason in decision.reason
    assert Pass.objects.get(pk=decision.pass_id).person is None


def test_a_tampered_personal_qr_and_certificate_are_refused(
    checkpoint, officer, make_person, province_admin, signing_key
):
    person = make_person(province_admin)
    other = make_person(province_admin)
    token = personal_qr_token(person)
    swapped = f"PD1:{other.pk}:{token.rsplit(':', 1)[1]}"
    assert "signature does not match" in scan(checkpoint, officer, swapped).reason
    text = certificates.issue(copy.deepcopy(SAMPLE), "v")
    from phongdich.certificates.dcc import base45, hcert

    raw = bytearray(hcert.decompress(base45.decode(hcert.unprefix(text))))
    raw[-5] ^= 0x01  # one bit of the signature
    import zlib

    forged = hcert.PREFIX + base45.encode(zlib.compress(bytes(raw)))
    decision = scan(checkpoint, officer, forged)
    assert decision.decision == "turn_back" and "signature does not match" in decision.reason


def test_an_expired_declaration_is_turned_back(checkpoint, officer, declare):
    qr = declare(from_area="31", at=timezone.now() - dt.timedelta(days=20))
    decision = scan(checkpoint, officer, qr)
    assert decision.decision == "turn_back" and "expired" in decision.reason


def test_the_same_scan_uuid_is_one_pass_and_one_task(checkpoint, officer, declare, province_admin, district_officer):
    publish_level(province_admin, district_officer, HA_PHONG, 4)
    qr = declare(from_unit=HA_PHONG)
    scan_id = str(uuid.uuid4())
    first = scan(checkpoint, officer, qr, client_uuid=scan_id)
    again = scan(checkpoint, officer, qr, client_uuid=scan_id)
    assert (first.replayed, again.replayed) == (False, True)
    assert first.pass_id == again.pass_id and first.task_id == again.task_id
    assert Pass.objects.count() == 1
    assert Task.objects.filter(source_key__startswith="checkpoints.pass:").count() == 1


def test_a_plain_pass_is_stored_once_with_its_audit_event(checkpoint, officer, declare):
    # The common case (no vehicle, no task): on PostgreSQL one statement writes the pass and its audit event.
    qr = declare(from_area="31")
    scan_id = str(uuid.uuid4())
    first = scan(checkpoint, officer, qr, client_uuid=scan_id)
    again = scan(checkpoint, officer, qr, client_uuid=scan_id)
    assert (first.decision, first.replayed, again.replayed) == ("let_through", False, True)
    row = Pass.objects.get()
    assert first.pass_id == again.pass_id == row.pk and str(row.client_uuid) == scan_id
    assert (row.decided_by, row.checkpoint, row.evidence_kind, row.destination.code) == (
        officer,
        checkpoint,
        "declaration",
        HA_KHANH,
    )
    event = AuditEvent.objects.get(object_type="checkpoint_pass")
    assert (event.object_id, event.actor, event.action) == (str(row.pk), officer, "create")
    assert event.detail == {"decision": "let_through", "evidence": "declaration", "person": None}


def test_a_stored_scan_sent_again_later_answers_even_when_its_time_is_no_longer_plausible(checkpoint, officer, declare):
    qr = declare(from_area="31")
    scanned = timezone.now() - dt.timedelta(days=6)
    scan_id = str(uuid.uuid4())
    first = scan(checkpoint, officer, qr, client_uuid=scan_id, at=scanned)
    later = services.decide(
        checkpoint,
        qr,
        direction="entry",
        at=scanned,
        actor=officer,
        client_uuid=scan_id,
        now=timezone.now() + dt.timedelta(days=3),
    )
    assert (later.replayed, later.pass_id) == (True, first.pass_id)
    assert Pass.objects.count() == 1 and AuditEvent.objects.filter(object_type="checkpoint_pass").count() == 1


def test_a_scan_id_used_at_another_checkpoint_is_a_conflict(checkpoint, officer, declare, province_admin):
    other = services.save_checkpoint(
        province_admin,
        services.CheckpointInput(
            code="cua-khau-mong-cai", name="Móng Cái", commune=checkpoint.commune.code, officers=["chot-1"]
        ),
    )
    scan_id = str(uuid.uuid4())
    scan(checkpoint, officer, declare(from_area="31"), client_uuid=scan_id)
    with pytest.raises(Conflict) as refused:
        scan(other, officer, declare(from_area="31"), client_uuid=scan_id)
    assert [e.field for e in refused.value.errors] == ["uuid"]
    assert Pass.objects.count() == 1


def test_plates_are_validated_and_group_a_vehicles_passes(checkpoint, officer, declare):
    with pytest.raises(InvalidInput) as refused:
        scan(checkpoint, officer, declare(from_area="31"), plate="ABC-123")
    assert [e.field for e in refused.value.errors] == ["plate"]
    assert not Pass.objects.exists() and not VehiclePass.objects.exists()
    driver = scan(checkpoint, officer, declare(from_area="31"), plate="14a 123.45")
    passenger = scan(checkpoint, officer, declare(from_area="31", name="Lê Thị Hoa"), plate="14A12345")
    assert driver.plate == passenger.plate == "14A-123.45"
    vehicle = VehiclePass.objects.get()
    assert [p.is_driver for p in vehicle.passes.order_by("id")] == [True, False]


def test_bad_scan_fields_name_the_field_and_store_nothing(checkpoint, officer, declare):
    qr = declare(from_area="31")
    with pytest.raises(InvalidInput) as refused:
        scan(checkpoint, officer, qr, direction="sideways", at=timezone.now() + dt.timedelta(days=1), client_uuid="x")
    assert [e.field for e in refused.value.errors] == ["uuid"]
    with pytest.raises(InvalidInput) as refused:
        scan(checkpoint, officer, qr, direction="sideways", at=timezone.now() + dt.timedelta(days=1))
    assert {e.field for e in refused.value.errors} == {"direction", "scanned_at"}
    assert not Pass.objects.exists()


def test_an_override_needs_a_reason_and_is_audited(checkpoint, officer, declare):
    decision = scan(checkpoint, officer, declare(from_area="31", symptoms=("cough",)))
    with pytest.raises(InvalidInput) as refused:
        services.override(officer, decision.pass_id, "let_through", "  ")
    assert [e.field for e in refused.value.errors] == ["reason"]
    row = services.override(officer, decision.pass_id, "let_through", "Ho do dị ứng, có giấy của bác sĩ")
    assert (row.decision, row.decided) == ("let_through", "test_on_spot")
    event = AuditEvent.objects.filter(object_type="checkpoint_pass", object_id=str(row.pk), action="update").get()
    assert event.detail == {"override": True, "from": "test_on_spot", "to": "let_through"}
    assert "dị ứng" not in str(event.detail)


def test_a_new_rule_set_version_changes_the_decisions(checkpoint, officer, declare, province_admin):
    rules = [
        {"when": {"evidence": "declaration"}, "decision": "turn_back", "reason": "Chỉ nhận mã QR cá nhân."},
        {"when": {}, "decision": "let_through", "reason": "Đủ điều kiện."},
    ]
    rule_set = services.save_rule_set(province_admin, "Thử nghiệm", timezone.now() - dt.timedelta(minutes=1), rules)
    assert rule_set.version == 2  # version 1 ships with the app
    decision = scan(checkpoint, officer, declare(from_area="31"))
    assert (decision.decision, decision.reason) == ("turn_back", "Chỉ nhận mã QR cá nhân.")
    assert Pass.objects.get().rule_set_version == 2


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ([], "rules"),
        ([{"when": {"colour": True}, "decision": "let_through", "reason": "x"}], "rules[0].when.colour"),
        ([{"when": {}, "decision": "wave", "reason": "x"}], "rules[0].decision"),
        ([{"when": {}, "decision": "let_through", "reason": ""}], "rules[0].reason"),
        (
            [{"when": {"from_level_at_least": "four"}, "decision": "let_through", "reason": "x"}],
            "rules[0].when.from_level_at_least",
        ),
        ([{"when": {"symptoms": True}, "decision": "let_through", "reason": "x"}], "rules"),
    ],
)
def test_rule_sets_are_validated(province_admin, rules, field):
    with pytest.raises(InvalidInput) as refused:
        services.save_rule_set(province_admin, "Sai", timezone.now(), rules)
    assert field in [e.field for e in refused.value.errors]
