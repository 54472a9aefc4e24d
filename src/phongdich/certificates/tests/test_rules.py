"""Acceptance rules (CertLogic) as data: the default Vietnamese set, importing others' rules, the verify answer."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from phongdich.accounts.roles import Role
from phongdich.certificates import rules, services
from phongdich.certificates.benchmarks import SAMPLE
from phongdich.certificates.models import BusinessRule
from phongdich.core.errors import InvalidInput

VERIFY = "/api/v1/certificates/verify"
NAME = {
    "ver": "1.3.0",
    "nam": {"fn": "Nguyễn", "fnt": "NGUYEN", "gn": "Thị Lan", "gnt": "THI<LAN"},
    "dob": "1985-03-12",
}
COMMON = {"tg": "840539006", "co": "VN", "is": "Sở Y tế tỉnh Quảng Ninh", "ci": "URN:UVCI:01:VN:QN0001"}


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def vaccination(dn: int = 2, sd: int = 2, date: str = "2021-09-10", product: str = "EU/1/21/1529") -> dict:
    entry = {**COMMON, "vp": "J07BX03", "mp": product, "ma": "ORG-100001699", "dn": dn, "sd": sd, "dt": date}
    return {**NAME, "v": [entry]}


def lab_test(tt: str = "LP6464-4", sc: str = "2021-10-01T08:00:00Z", tr: str = "260415000") -> dict:
    return {**NAME, "t": [{**COMMON, "tt": tt, "sc": sc, "tr": tr, "tc": "Trạm y tế"}]}


def recovery(fr: str = "2021-08-01") -> dict:
    first = dt.date.fromisoformat(fr)
    entry = {
        **COMMON,
        "fr": fr,
        "df": (first + dt.timedelta(days=11)).isoformat(),
        "du": (first + dt.timedelta(days=180)).isoformat(),
    }
    return {**NAME, "r": [entry]}


def failed(payload: dict, kind: str, at: dt.datetime, **options: object) -> list[str]:
    outcome = rules.acceptance(payload, kind, at=at, **options)
    assert outcome.accepted == (not outcome.failed)
    return [result.identifier for result in outcome.failed]


def test_the_default_rules_are_installed(db):
    stored = {rule.identifier: rule for rule in BusinessRule.objects.all()}
    assert set(stored) == {rule["Identifier"] for rule in rules.default_rules()}
    assert {"VR-VN-0001", "VR-VN-0002", "TR-VN-0002", "TR-VN-0003", "RR-VN-0001"} <= set(stored)
    assert all(rule.country == "VN" and rule.rule_type == "Acceptance" for rule in stored.values())


def test_full_course_at_least_14_days_ago(db):
    complete = vaccination(dn=2, sd=2, date="2021-09-10")
    assert failed(complete, "v", utc(2021, 9, 23, 23)) == ["VR-VN-0002"]
    assert failed(complete, "v", utc(2021, 9, 24)) == []
    assert failed(vaccination(dn=1, sd=2, date="2021-08-01"), "v", utc(2021, 10, 1)) == ["VR-VN-0001"]
    assert failed(vaccination(dn=3, sd=2, date="2021-12-01"), "v", utc(2021, 12, 2)) == []  # a booster at once
    assert failed(vaccination(product="CVnCoV"), "v", utc(2021, 10, 1)) == ["VR-VN-0003"]


def test_pcr_within_72_hours_and_rapid_test_within_24(db):
    sampled = utc(2021, 10, 1, 8)
    assert failed(lab_test(), "t", sampled + dt.timedelta(hours=72)) == []
    assert failed(lab_test(), "t", sampled + dt.timedelta(hours=72, seconds=1)) == ["TR-VN-0002"]
    rapid = lab_test(tt="LP217198-3")
    assert failed(rapid, "t", sampled + dt.timedelta(hours=23)) == []
    assert failed(rapid, "t", sampled + dt.timedelta(hours=25)) == ["TR-VN-0003"]
    assert failed(lab_test(tr="260373001"), "t", sampled + dt.timedelta(hours=1)) == ["TR-VN-0004"]
    assert failed(lab_test(), "t", sampled - dt.timedelta(hours=1)) == ["TR-VN-0005"]
    assert failed(lab_test(tt="LP0000-0"), "t", sampled + dt.timedelta(hours=1)) == ["TR-VN-0001"]


def test_recovery_within_its_validity(db):
    payload = recovery("2021-08-01")
    assert sorted(failed(payload, "r", utc(2021, 8, 11))) == ["RR-VN-0001", "RR-VN-0002"]
    assert failed(payload, "r", utc(2021, 8, 12)) == []
    assert failed(payload, "r", utc(2022, 1, 28, 23, 59)) == []  # du, 180 days on: its last day
    assert sorted(failed(payload, "r", utc(2022, 1, 29))) == ["RR-VN-0001", "RR-VN-0002"]


def test_results_carry_the_descriptions_in_the_readers_language(db, english):
    outcome = rules.acceptance(vaccination(dn=1), "v", at=utc(2021, 10, 1))
    (failing,) = outcome.failed
    assert failing.description.startswith("The primary course is complete")
    assert failing.affected_fields == ["v.0", "v.0.dn", "v.0.sd"]
    assert {result.identifier for result in outcome.results} == {"GR-VN-0001", "VR-VN-0001", "VR-VN-0002", "VR-VN-0003"}


def test_vietnamese_descriptions_by_default(db):
    (failing,) = rules.acceptance(vaccination(dn=1), "v", at=utc(2021, 10, 1)).failed
    assert failing.description.startswith("Đã tiêm đủ liều cơ bản")


def _rule(identifier: str, logic: object, **changes: object) -> dict:
    rule = {
        "Identifier": identifier,
        "Type": "Acceptance",
        "Country": "VN",
        "Version": "1.0.0",
        "SchemaVersion": "1.0.0",
        "Engine": "CERTLOGIC",
        "EngineVersion": "0.7.5",
        "CertificateType": "Vaccination",
        "Description": [{"lang": "en", "desc": f"Rule {identifier}"}],
        "ValidFrom": "2021-07-01T00:00:00Z",
        "ValidTo": "2030-06-01T00:00:00Z",
        "AffectedFields": ["v.0.dn"],
        "Logic": logic,
    }
    rule.update(changes)
    return rule


def test_imported_rules_apply_by_country_type_time_and_latest_version(db):
    dose_3 = {">=": [{"var": "payload.v.0.dn"}, 3]}
    created = rules.import_rules(
        None,
        [
            _rule("VR-VN-0100", dose_3),
            _rule("VR-VN-0101", True, Version="1.0.0"),
            _rule("VR-VN-0101", False, Version="1.1.0", ValidFrom="2022-01-01T00:00:00Z"),
            _rule("VR-DE-0001", False, Country="DE"),
            _rule(
                "IR-VN-0001",
                {"!==": [{"extractFromUVCI": [{"var": "payload.v.0.ci"}, 2]}, "QN0001"]},
                Type="Invalidation",
            ),
            _rule("TR-VN-0100", False, CertificateType="Test"),
        ],
        source="others.json",
    )
    assert created == 6
    at = utc(2021, 10, 1)
    assert sorted(failed(vaccination(), "v", at)) == ["IR-VN-0001", "VR-VN-0100"]
    # Version 1.1.0 of VR-VN-0101 takes over once valid; the German rule applies to arrivals in Germany.
    assert "VR-VN-0101" in failed(vaccination(dn=3, sd=2), "v", utc(2022, 2, 1))
    assert failed(vaccination(), "v", at, country="DE") == ["IR-VN-0001", "VR-DE-0001"]
    # Re-importing a version replaces it.
    assert rules.import_rules(None, [_rule("VR-VN-0100", True)]) == 0
    assert "VR-VN-0100" not in failed(vaccination(), "v", at)


def test_a_rule_that_cannot_be_evaluated_is_open_and_not_accepted(db):
    rules.import_rules(None, [_rule("VR-VN-0200", {"<": [{"var": "payload.v.0.dt"}, 3]}), _rule("VR-VN-0201", "yes")])
    outcome = rules.acceptance(vaccination(), "v", at=utc(2021, 10, 1))
    results = {result.identifier: result.result for result in outcome.results}
    assert results["VR-VN-0200"] == "open"  # a string compared with <
    assert results["VR-VN-0201"] == "open"  # not a boolean
    assert not outcome.accepted


@pytest.mark.parametrize(
    ("rules_json", "field"),
    [
        ({"Identifier": "X"}, "[0].Type"),
        ([_rule("A", True, Type="Other")], "[0].Type"),
        ([_rule("A", True, CertificateType="Passport")], "[0].CertificateType"),
        ([_rule("A", True, Country="Vietnam")], "[0].Country"),
        ([_rule("A", True, ValidFrom="soon")], "[0].ValidFrom"),
        ([_rule("A", True, ValidTo="2020-01-01T00:00:00Z")], "[0].ValidTo"),
        ([_rule("A", {"regex": ["a", "b"]})], "[0].Logic"),
        ([_rule("A", True, Engine="JSONLOGIC")], "[0].Engine"),
        ([_rule("A", True), "not a rule"], "[1]"),
    ],
)
def test_bad_rule_files_are_refused_whole(db, rules_json, field):
    before = BusinessRule.objects.count()
    with pytest.raises(InvalidInput) as raised:
        rules.import_rules(None, rules_json)
    assert field in [error.field for error in raised.value.errors]
    assert BusinessRule.objects.count() == before


def test_rules_command_imports_exports_and_restores_defaults(db, tmp_path: Path):
    listing = tmp_path / "rules.json"
    listing.write_text(json.dumps([_rule("VR-VN-0300", True)]), encoding="utf-8")
    out = io.StringIO()
    call_command("certificates_rules", "import", str(listing), stdout=out)
    assert "1 new rule" in out.getvalue()
    assert BusinessRule.objects.get(identifier="VR-VN-0300").source == "rules.json"
    exported = tmp_path / "out.json"
    call_command("certificates_rules", "export", str(exported), country="VN")
    assert "VR-VN-0300" in {rule["Identifier"] for rule in json.loads(exported.read_text(encoding="utf-8"))}
    bad = tmp_path / "bad.json"
    bad.write_text("[{", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("certificates_rules", "import", str(bad))
    bad.write_text(json.dumps([_rule("VR-VN-0301", True, Country="X")]), encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        call_command("certificates_rules", "import", str(bad))
    assert "Country" in str(raised.value)
    BusinessRule.objects.filter(identifier="VR-VN-0001").delete()
    call_command("certificates_rules", "default", stdout=io.StringIO())
    assert BusinessRule.objects.filter(identifier="VR-VN-0001").exists()


# --- The verify endpoint answers acceptance --------------------------------------------------------


@pytest.fixture
def signing_key(db):
    return services.rotate_key(None)


def test_verify_answers_acceptance_on_top_of_validity(db, api_client, commune_officer):
    services.rotate_key(None, now=utc(2021, 9, 1))
    payload = copy.deepcopy(SAMPLE)
    payload["v"][0].update({"dt": "2021-09-10", "mp": "EU/1/20/1528"})
    text = services.issue(payload, "v", now=utc(2021, 9, 11), days=365)
    client = api_client(commune_officer)
    early = client.post(VERIFY, {"payload": text, "at": "2021-09-20T00:00:00Z"}, content_type="application/json")
    body = early.json()
    assert (body["valid"], body["reason"]) == (True, None)  # valid, but not yet accepted
    acceptance = body["acceptance"]
    assert acceptance["country"] == "VN" and acceptance["accepted"] is False
    assert [rule["identifier"] for rule in acceptance["failed"]] == ["VR-VN-0002"]
    assert acceptance["failed"][0]["result"] == "failed"
    assert acceptance["failed"][0]["description"]
    later = client.post(VERIFY, {"payload": text, "at": "2021-10-01T00:00:00Z"}, content_type="application/json")
    assert later.json()["acceptance"]["accepted"] is True
    assert later.json()["acceptance"]["failed"] == []
    elsewhere = client.post(
        VERIFY, {"payload": text, "at": "2021-09-20T00:00:00Z", "country": "de"}, content_type="application/json"
    )
    assert elsewhere.json()["acceptance"] == {"country": "DE", "accepted": True, "rules": [], "failed": []}
    invalid = client.post(VERIFY, {"payload": "HC1:garbage"}, content_type="application/json").json()
    assert invalid["valid"] is False and invalid["acceptance"] is None
    bad_country = client.post(VERIFY, {"payload": text, "country": "V1"}, content_type="application/json")
    assert bad_country.status_code == 422


def test_verify_keeps_its_existing_fields(signing_key, api_client, make_account, units):
    text = services.issue(copy.deepcopy(SAMPLE), "v")
    body = (
        api_client(make_account(Role.CITIZEN, username="c"))
        .post(VERIFY, {"payload": text}, content_type="application/json")
        .json()
    )
    assert set(body) == {
        "valid",
        "reason",
        "detail",
        "kid",
        "issuer",
        "issued_at",
        "expires_at",
        "type",
        "holder",
        "payload",
        "acceptance",
    }
