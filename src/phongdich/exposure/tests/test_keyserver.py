"""The key server: uploads bound to a certificate, validated key by key, idempotent; nothing stored on error."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os

import pytest
from django.test import Client
from django.utils import timezone

from phongdich.exposure import services, tokens
from phongdich.exposure.client.crypto import ROLLING_PERIOD
from phongdich.exposure.client.export import DiagnosisKey, ReportType
from phongdich.exposure.models import DiagnosisKeyRecord, KeyUpload
from phongdich.exposure.tests.helpers import (
    certificate_for,
    key_json,
    open_case,
    phone_keys,
    publish_body,
    today_interval,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HMAC_KEY = bytes(range(16))


@pytest.fixture
def case(province_admin, make_person):
    return open_case(province_admin, make_person(province_admin), days_ago=2)


@pytest.fixture
def short_code(case, commune_officer):
    data = services.CodeInput("confirmed", None, case.sampled_on)
    return services.issue_code(commune_officer, case.pk, data, send=False).short_code


def _publish(client: Client, body: object) -> object:
    return client.post("/api/v1/exposure/publish", json.dumps(body), content_type="application/json")


def test_keys_bound_to_the_certificate_are_stored_with_the_certificates_report_type_and_onset(short_code, case):
    client = Client()
    keys = phone_keys(3)
    certificate = certificate_for(client, short_code, keys, HMAC_KEY)
    # The phone claims a transmission risk, but report type and onset come from the certificate only.
    answer = _publish(client, publish_body([key_json(key) for key in keys], certificate, HMAC_KEY))
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"insertedExposures": 3, "repeated": False}
    stored = {bytes(record.key_data): record for record in DiagnosisKeyRecord.objects.all()}
    assert set(stored) == {key.key_data for key in keys}
    test_day = services.day_interval(case.sampled_on) // ROLLING_PERIOD
    for key in keys:
        record = stored[key.key_data]
        assert record.report_type == ReportType.CONFIRMED_TEST
        assert record.days_since_onset == key.rolling_start_interval_number // ROLLING_PERIOD - test_day
        assert record.upload.code.case == case
    # Three consecutive days around the test day (UTC days, as the keys' intervals are).
    days = sorted(record.days_since_onset for record in stored.values())
    assert days == [days[0], days[0] + 1, days[0] + 2] and days[0] in (-2, -1)


def test_a_retried_upload_stores_nothing_more(short_code):
    client = Client()
    keys = phone_keys(2)
    certificate = certificate_for(client, short_code, keys, HMAC_KEY)
    body = publish_body([key_json(key) for key in keys], certificate, HMAC_KEY)
    assert _publish(client, body).json() == {"insertedExposures": 2, "repeated": False}
    assert _publish(client, body).json() == {"insertedExposures": 2, "repeated": True}
    assert DiagnosisKeyRecord.objects.count() == 2
    assert KeyUpload.objects.count() == 1


def test_a_likely_case_uploads_clinical_diagnosis_keys(case, commune_officer):
    onset = timezone.localdate() - dt.timedelta(days=4)
    issued = services.issue_code(commune_officer, case.pk, services.CodeInput("likely", onset, None), send=False)
    keys = phone_keys(1)
    client = Client()
    certificate = certificate_for(client, issued.short_code, keys, HMAC_KEY)
    assert _publish(client, publish_body([key_json(keys[0])], certificate, HMAC_KEY)).status_code == 200
    record = DiagnosisKeyRecord.objects.get()
    assert record.report_type == ReportType.CONFIRMED_CLINICAL_DIAGNOSIS
    # Days between the onset date and the key's day (yesterday, in UTC as the keys' intervals are).
    key_day = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    assert record.days_since_onset == (key_day - onset).days


def _refused(client, body, status, field, message_part):
    before = DiagnosisKeyRecord.objects.count(), KeyUpload.objects.count()
    answer = _publish(client, body)
    assert answer.status_code == status, answer.content
    errors = answer.json()["errors"]
    assert any(error["field"] == field and message_part in error["message"] for error in errors), errors
    assert (DiagnosisKeyRecord.objects.count(), KeyUpload.objects.count()) == before


def test_keys_other_than_the_certified_ones_are_refused(short_code):
    client = Client()
    keys = phone_keys(3)
    certificate = certificate_for(client, short_code, keys, HMAC_KEY)
    other = [key_json(key) for key in keys[:2]] + [key_json(phone_keys(1)[0])]
    _refused(client, publish_body(other, certificate, HMAC_KEY), 400, "temporaryExposureKeys", "not the ones")
    # The same keys with another HMAC key, or one key's transmission risk changed, are not bound either.
    _refused(
        client,
        publish_body([key_json(k) for k in keys], certificate, bytes(16)),
        400,
        "temporaryExposureKeys",
        "not the ones",
    )
    changed = [key_json(k) for k in keys]
    changed[0]["transmissionRisk"] = 5
    _refused(client, publish_body(changed, certificate, HMAC_KEY), 400, "temporaryExposureKeys", "not the ones")
    # The right keys still go through afterwards: nothing was spent by the refusals.
    assert _publish(client, publish_body([key_json(k) for k in keys], certificate, HMAC_KEY)).status_code == 200


def test_a_forged_or_expired_certificate_is_refused(short_code):
    client = Client()
    keys = phone_keys(1)
    certificate = certificate_for(client, short_code, keys, HMAC_KEY)
    body = publish_body([key_json(keys[0])], certificate[:-3] + "abc", HMAC_KEY)
    _refused(client, body, 401, "verificationPayload", "not valid")
    forged = tokens.encode({"exp": 2**40, "reportType": "confirmed", "symptomOnsetInterval": 0}, "other-purpose")
    _refused(client, publish_body([key_json(keys[0])], forged, HMAC_KEY), 401, "verificationPayload", "not valid")
    later = timezone.now() + dt.timedelta(minutes=16)
    data = services.PublishInput(
        [services.KeyInput(key_json(keys[0])["key"], keys[0].rolling_start_interval_number)],
        certificate,
        base64.b64encode(HMAC_KEY).decode(),
    )
    with pytest.raises(services.DomainError, match="expired"):
        services.publish_keys(data, now=later)
    assert DiagnosisKeyRecord.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"key": base64.b64encode(os.urandom(15)).decode()}, "key", "16 bytes, not 15"),
        ({"key": "not base64!"}, "key", "not valid base64"),
        ({"rollingStartNumber": "day+1"}, "rollingStartNumber", "day boundary"),
        ({"rollingPeriod": 0}, "rollingPeriod", "between 1 and 144"),
        ({"rollingPeriod": 145}, "rollingPeriod", "between 1 and 144"),
        ({"rollingStartNumber": "tomorrow"}, "rollingStartNumber", "future"),
        ({"rollingStartNumber": "15 days ago"}, "rollingStartNumber", "more than 14 days old"),
        ({"transmissionRisk": 9}, "transmissionRisk", "between 0 and 8"),
    ],
)
def test_malformed_keys_are_refused_with_the_field_named_and_nothing_published(short_code, change, field, message):
    client = Client()
    good = phone_keys(2)
    bad = key_json(good[1])
    for name, value in change.items():
        if value == "day+1":
            value = bad["rollingStartNumber"] + 1
        elif value == "tomorrow":
            value = today_interval() + ROLLING_PERIOD
        elif value == "15 days ago":
            value = today_interval() - 15 * ROLLING_PERIOD
        bad[name] = value
    # The certificate is for exactly these keys (a phone that certifies bad keys): the keys are still refused.
    listed = [key_json(good[0]), bad]
    as_keys = [
        DiagnosisKey(
            base64.b64decode(item["key"]) if name_ok(item["key"]) else b"",
            item["rollingStartNumber"],
            item["rollingPeriod"],
            item["transmissionRisk"],
        )
        for item in listed
    ]
    certificate = certificate_for(client, short_code, as_keys, HMAC_KEY)
    _refused(client, publish_body(listed, certificate, HMAC_KEY), 422, f"temporaryExposureKeys.1.{field}", message)


def name_ok(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except ValueError:
        return False
    return True


def test_more_than_30_keys_are_refused(short_code):
    client = Client()
    keys = [DiagnosisKey(os.urandom(16), today_interval() - ROLLING_PERIOD) for _ in range(31)]
    certificate = certificate_for(client, short_code, keys, HMAC_KEY)
    _refused(
        client,
        publish_body([key_json(k) for k in keys], certificate, HMAC_KEY),
        422,
        "temporaryExposureKeys",
        "At most 30",
    )


def test_an_oversized_body_is_refused_before_it_is_read(short_code):
    client = Client()
    keys = phone_keys(1)
    certificate = certificate_for(client, short_code, keys, HMAC_KEY)
    body = publish_body([key_json(keys[0])], certificate, HMAC_KEY)
    body["padding"] = "x" * (64 * 1024)
    _refused(client, body, 413, "body", "larger than 65536 bytes")


def test_bodies_that_are_not_an_upload_get_a_4xx_naming_the_field():
    client = Client()
    answer = client.post("/api/v1/exposure/publish", "{not json", content_type="application/json")
    assert answer.status_code == 422
    answer = _publish(client, [1, 2])
    assert answer.status_code == 422
    answer = _publish(client, {"temporaryExposureKeys": [{"key": 5}], "hmacKey": "", "verificationPayload": "x"})
    assert answer.status_code == 422
    assert "temporaryExposureKeys.0.key" in {error["field"] for error in answer.json()["errors"]}
    answer = _publish(client, {"temporaryExposureKeys": [], "hmacKey": "", "verificationPayload": "x.y.z"})
    assert answer.status_code == 401
    assert DiagnosisKeyRecord.objects.count() == 0
