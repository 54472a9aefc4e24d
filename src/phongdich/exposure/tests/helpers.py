"""Building blocks of the exposure tests: a case, a phone's keys, the verification flow through the API."""

from __future__ import annotations

import base64
import datetime as dt
import os
import time
from typing import Any

from django.test import Client
from django.utils import timezone

from phongdich.cases import services as cases
from phongdich.cases.models import Case
from phongdich.exposure.client.crypto import ROLLING_PERIOD, en_interval_number
from phongdich.exposure.client.export import DiagnosisKey
from phongdich.exposure.client.verification import tek_hmac


def open_case(actor: Any, person: Any, *, days_ago: int = 1) -> Case:
    sampled = timezone.localdate() - dt.timedelta(days=days_ago)
    return cases.open_case(actor, cases.CaseInput(person=person.pk, sampled_on=sampled))


def today_interval() -> int:
    current = en_interval_number(int(time.time()))
    return current - current % ROLLING_PERIOD


def phone_keys(days: int = 3, *, first_day_back: int = 1) -> list[DiagnosisKey]:
    """Keys of past days (rolling periods that have ended), newest first."""
    start = today_interval()
    return [
        DiagnosisKey(os.urandom(16), start - ROLLING_PERIOD * back, ROLLING_PERIOD, 0)
        for back in range(first_day_back, first_day_back + days)
    ]


def key_json(key: DiagnosisKey) -> dict[str, Any]:
    return {
        "key": base64.b64encode(key.key_data).decode(),
        "rollingStartNumber": key.rolling_start_interval_number,
        "rollingPeriod": key.rolling_period,
        "transmissionRisk": key.transmission_risk_level,
    }


def certificate_for(client: Client, code: str, keys: list[DiagnosisKey], hmac_key: bytes) -> str:
    """Code → token → certificate through the API, as a phone does."""
    answer = client.post("/api/v1/exposure/verify", {"code": code}, content_type="application/json")
    assert answer.status_code == 200, answer.content
    token = answer.json()["token"]
    mac = base64.b64encode(tek_hmac(keys, hmac_key)).decode()
    answer = client.post(
        "/api/v1/exposure/certificate", {"token": token, "ekeyhmac": mac}, content_type="application/json"
    )
    assert answer.status_code == 200, answer.content
    return str(answer.json()["certificate"])


def publish_body(keys: list[dict[str, Any]], certificate: str, hmac_key: bytes) -> dict[str, Any]:
    return {
        "temporaryExposureKeys": keys,
        "healthAuthorityID": "VN",
        "verificationPayload": certificate,
        "hmacKey": base64.b64encode(hmac_key).decode(),
    }


# --- Records for the permission matrix test (phongdich/tests/test_permissions.py) ----------------------


def code_for(root: Any, person: Any) -> Any:
    """A verification code of the person's case (their active case, or a new one)."""
    from phongdich.cases.models import CaseStatus
    from phongdich.exposure import services

    case = Case.objects.filter(person=person, status=CaseStatus.ACTIVE).first() or open_case(root, person)
    data = services.CodeInput("confirmed", None, timezone.localdate())
    return services.issue_code(root, case.pk, data, send=False).code


def install_for(person: Any) -> Any:
    from uuid import uuid4

    from phongdich.exposure import services

    return services.install_for_system(person, services.InstallInput(uuid4(), True, True), timezone.now())


def alert_for(person: Any) -> Any:
    from phongdich.exposure import services

    install = install_for(person)
    services.record_phone_findings(install, [services.AlertReport(timezone.localdate(), 30, 30.0)], [])
    return install.alerts.get()


def encounter_for(root: Any, person: Any, index_person: Any) -> Any:
    """A Bluetooth encounter of the person with ``index_person``'s case, through code, upload and report."""
    from phongdich.exposure import services

    case = open_case(root, index_person)
    issued = services.issue_code(root, case.pk, services.CodeInput("confirmed", None, case.sampled_on), send=False)
    token = services.exchange_code(issued.short_code).token
    keys = phone_keys(1)
    hmac_key = os.urandom(32)
    mac = base64.b64encode(tek_hmac(keys, hmac_key)).decode()
    certificate = services.issue_certificate(token, mac)
    upload = [services.KeyInput(key_json(keys[0])["key"], keys[0].rolling_start_interval_number)]
    services.publish_keys(services.PublishInput(upload, certificate, base64.b64encode(hmac_key).decode()))
    install = install_for(person)
    start = timezone.now() - dt.timedelta(days=1)
    report = services.EncounterReport(keys[0].key_data, start, start + dt.timedelta(minutes=30), 30, 55)
    services.record_phone_findings(install, [], [report])
    return install.encounters.get()
