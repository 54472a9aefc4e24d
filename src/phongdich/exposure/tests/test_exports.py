"""Publication: padded, shuffled, signed export files per window, served anonymously; retention; rotation."""

from __future__ import annotations

import datetime as dt
import io
import logging
import zipfile

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from phongdich.exposure import exports, services
from phongdich.exposure.client.crypto import ROLLING_PERIOD
from phongdich.exposure.client.export import ExportError, ReportType, load_public_keys, read_export_zip
from phongdich.exposure.models import DiagnosisKeyRecord, ExportFile, ExportSigningKey
from phongdich.exposure.tests.helpers import certificate_for, key_json, open_case, phone_keys, publish_body

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HMAC_KEY = b"k" * 32


def _upload(province_admin, make_person, keys):
    case = open_case(province_admin, make_person(province_admin))
    issued = services.issue_code(
        province_admin, case.pk, services.CodeInput("confirmed", None, case.sampled_on), send=False
    )
    client = Client()
    certificate = certificate_for(client, issued.short_code, keys, HMAC_KEY)
    answer = client.post(
        "/api/v1/exposure/publish",
        publish_body([key_json(key) for key in keys], certificate, HMAC_KEY),
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content


def _public_keys(client):
    answer = client.get("/exposure/keys.txt")
    assert answer.status_code == 200
    return load_public_keys(answer.content.decode())


def test_a_batch_is_padded_shuffled_signed_and_served_with_an_index(province_admin, make_person):
    first = phone_keys(3)
    second = phone_keys(2, first_day_back=4)
    _upload(province_admin, make_person, first)
    _upload(province_admin, make_person, second)
    report = exports.publish_exports(timezone.now() + dt.timedelta(hours=1))
    assert (report.keys, report.padding) == (5, 995)
    client = Client()
    index = client.get("/exposure/exports/VN/index.txt")
    assert index.status_code == 200
    lines = index.content.decode().split()
    assert lines == [f"exposure/exports/{name}" for name in report.files]
    download = client.get("/" + lines[0])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    batch = read_export_zip(download.content, _public_keys(client))
    assert batch.region == "VN"
    assert len(batch.keys) == 1000
    real = {key.key_data: key for key in first + second}
    published = {key.key_data: key for key in batch.keys}
    assert set(real) <= set(published)
    for data, key in real.items():
        assert published[data].rolling_start_interval_number == key.rolling_start_interval_number
        assert published[data].report_type == ReportType.CONFIRMED_TEST
    # The padding looks like the real keys: the same start days, full periods, the same report type.
    starts = {key.rolling_start_interval_number for key in real.values()}
    assert {key.rolling_start_interval_number for key in batch.keys} == starts
    assert {key.report_type for key in batch.keys} == {ReportType.CONFIRMED_TEST}
    # Shuffled: the uploaded keys are not the first five in the file.
    positions = sorted(index for index, key in enumerate(batch.keys) if key.key_data in real)
    assert positions != [0, 1, 2, 3, 4]
    assert DiagnosisKeyRecord.objects.filter(batch__isnull=True).count() == 0
    # A second run has nothing new to publish.
    assert exports.publish_exports(timezone.now() + dt.timedelta(hours=1)).files == []


def test_keys_still_in_use_wait_for_a_later_batch(province_admin, make_person):
    today = phone_keys(1, first_day_back=0)  # today's key: its rolling period has not ended
    _upload(province_admin, make_person, today)
    assert exports.publish_exports(timezone.now() + dt.timedelta(hours=1)).keys == 0
    tomorrow = timezone.now() + dt.timedelta(days=1, hours=1)
    assert exports.publish_exports(tomorrow).keys == 1


def _rezip(data: bytes, change) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        content = {name: archive.read(name) for name in archive.namelist()}
    content = change(content)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, value in content.items():
            archive.writestr(name, value)
    return buffer.getvalue()


def test_a_file_with_a_changed_byte_or_from_an_unknown_key_is_rejected(province_admin, make_person):
    _upload(province_admin, make_person, phone_keys(1))
    report = exports.publish_exports(timezone.now() + dt.timedelta(hours=1))
    data = bytes(ExportFile.objects.get(name=report.files[0]).data)
    keys = _public_keys(Client())
    assert len(read_export_zip(data, keys).keys) == 1000

    def flip(content):
        body = bytearray(content["export.bin"])
        body[-1] ^= 0x01
        return {**content, "export.bin": bytes(body)}

    with pytest.raises(ExportError):
        read_export_zip(_rezip(data, flip), keys)
    exports.rotate_signing_key()
    only_new = {key: value for key, value in _public_keys(Client()).items() if key[1] == "v2"}
    with pytest.raises(ExportError):
        read_export_zip(data, only_new)


def test_rotation_keeps_earlier_keys_published_and_signs_with_the_new_one(province_admin, make_person):
    _upload(province_admin, make_person, phone_keys(1))
    old = exports.publish_exports(timezone.now() + dt.timedelta(hours=1)).files[0]
    exports.rotate_signing_key()
    _upload(province_admin, make_person, phone_keys(1, first_day_back=2))
    new = exports.publish_exports(timezone.now() + dt.timedelta(hours=2)).files[0]
    keys = _public_keys(Client())
    assert set(keys) == {("452", "v1"), ("452", "v2")}
    assert read_export_zip(bytes(ExportFile.objects.get(name=old).data), keys).signature_infos[0].key_version == "v1"
    assert read_export_zip(bytes(ExportFile.objects.get(name=new).data), keys).signature_infos[0].key_version == "v2"
    assert ExportSigningKey.objects.filter(active=True).get().version == "v2"


def test_old_keys_and_files_are_deleted_after_14_days_and_only_counts_are_logged(province_admin, make_person, caplog):
    _upload(province_admin, make_person, phone_keys(1, first_day_back=3))
    _upload(province_admin, make_person, phone_keys(1, first_day_back=13))
    exports.publish_exports(timezone.now() + dt.timedelta(hours=1))
    with caplog.at_level(logging.INFO, logger="phongdich.exposure.exports"):
        counts = exports.purge_expired(timezone.now() + dt.timedelta(days=3))
    assert counts["keys"] == 1
    remaining = DiagnosisKeyRecord.objects.get()
    assert (
        remaining.rolling_start_interval_number
        >= phone_keys(1, first_day_back=3)[0].rolling_start_interval_number - ROLLING_PERIOD
    )
    assert "1 keys" in caplog.text
    counts = exports.purge_expired(timezone.now() + dt.timedelta(days=20))
    assert counts["keys"] == 1 and counts["export_files"] == 1
    assert ExportFile.objects.count() == 0


def test_the_publish_command_runs_the_job(province_admin, make_person, capsys):
    _upload(province_admin, make_person, phone_keys(2))
    call_command("exposure", "publish", "--at", (timezone.now() + dt.timedelta(hours=1)).isoformat())
    assert '"keys": 2' in capsys.readouterr().out
    assert ExportFile.objects.count() == 1


def test_unknown_regions_and_files_are_not_found():
    client = Client()
    assert client.get("/exposure/exports/VN/index.txt").content == b""
    assert client.get("/exposure/exports/VN/1-2-00001.zip").status_code == 404
    assert client.get("/exposure/exports/VN/..%2Fsecret").status_code == 404
    assert client.get("/exposure/exports/a%20b/index.txt").status_code == 404


def test_the_province_admin_sets_the_risk_configuration_and_phones_read_it(province_admin, commune_officer, api_client):
    public = Client().get("/api/v1/exposure/risk-configuration")
    assert public.status_code == 200
    assert public.json()["minimum_weighted_minutes_per_day"] == 15.0
    answer = api_client(province_admin).put(
        "/api/v1/exposure/risk-configuration",
        {"minimum_weighted_minutes_per_day": 10, "attenuation_thresholds_db": [50, 60, 70]},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    published = Client().get("/api/v1/exposure/risk-configuration").json()
    assert published["minimum_weighted_minutes_per_day"] == 10
    assert published["attenuation_thresholds_db"] == [50, 60, 70]
    bad = api_client(province_admin).put(
        "/api/v1/exposure/risk-configuration",
        {"attenuation_thresholds_db": [70, 60, 50]},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "attenuation_thresholds_db"
    refused = api_client(commune_officer).put(
        "/api/v1/exposure/risk-configuration", {"minimum_weighted_minutes_per_day": 1}, content_type="application/json"
    )
    assert refused.status_code == 404
    assert Client().get("/api/v1/exposure/risk-configuration").json()["minimum_weighted_minutes_per_day"] == 10
