"""The simulated phone end to end: broadcast, scan, upload, export, download, check (no database)."""

import datetime as dt

import pytest

from phongdich.exposure.client import crypto, export
from phongdich.exposure.client.export import ExportBatch, ReportType
from phongdich.exposure.client.phone import Phone, key_index
from phongdich.exposure.client.risk import RiskConfiguration

DAY = 2_700_000 - 2_700_000 % 144  # 2021-05-03 00:00 UTC


def test_one_key_per_day_on_the_day_boundary():
    phone = Phone()
    first = phone.broadcast(DAY + 5)
    assert phone.broadcast(DAY + 5) == first
    assert phone.broadcast(DAY + 6)[0] != first[0]
    phone.broadcast(DAY + 144)
    phone.advance(DAY + 150)
    keys = phone.upload_keys()
    assert [key.rolling_start_interval_number for key in keys] == [DAY]
    assert keys[0].rolling_period == 144
    # The broadcast RPI is the one the key derives for that interval.
    assert crypto.rolling_proximity_identifiers(keys[0].key_data, DAY)[5] == first[0]
    aem = first[1]
    assert crypto.decrypt_metadata(crypto.aem_key(keys[0].key_data), first[0], aem) == crypto.metadata_bytes(-8)


def test_todays_key_is_not_released_and_only_14_days_kept():
    phone = Phone()
    for day in range(20):
        phone.broadcast(DAY + 144 * day + 30)
    keys = phone.upload_keys()
    starts = [key.rolling_start_interval_number for key in keys]
    today = DAY + 144 * 19
    assert today not in starts
    assert starts == [DAY + 144 * day for day in range(5, 19)]
    assert [key.rolling_start_interval_number for key in phone.upload_keys(3)] == [
        today - 432,
        today - 288,
        today - 144,
    ]


def test_days_since_onset_and_report_type_on_upload():
    phone = Phone()
    for day in range(4):
        phone.broadcast(DAY + 144 * day)
    keys = phone.upload_keys(onset_interval=DAY + 144 + 70, report_type=ReportType.CONFIRMED_CLINICAL_DIAGNOSIS)
    assert [key.days_since_onset_of_symptoms for key in keys] == [-1, 0, 1]
    assert {key.report_type for key in keys} == {ReportType.CONFIRMED_CLINICAL_DIAGNOSIS}


def test_exposure_found_through_a_signed_export():
    infected, contact, stranger = Phone(), Phone(), Phone()
    # Day 0: contact and infected together for 30 minutes (3 intervals) at ~50 dB; the stranger 10 min far away.
    for interval in range(DAY + 60, DAY + 63):
        contact.meet(infected, interval, attenuation_db=50, duration_s=600)
    stranger.meet(infected, DAY + 80, attenuation_db=80, duration_s=600)
    # Day 2: the infected person tests positive and uploads.
    infected.advance(DAY + 2 * 144 + 10)
    keys = infected.upload_keys(onset_interval=DAY + 144)
    assert [key.days_since_onset_of_symptoms for key in keys] == [-1, 0]
    signing_key = export.generate_signing_key("452")
    batch = ExportBatch("VN-22", 1, 1, 1_620_000_000, 1_620_086_400, keys)
    data = export.write_export_zip(batch, [signing_key])
    downloaded = export.read_export_zip(data, export.load_public_keys(export.public_key_line(signing_key)))
    config = RiskConfiguration()
    summaries = contact.check([downloaded], config)
    # 3 scans × 10 min immediate (×1.5), onset −1 = high (1.0), confirmed test (1.0) → 45 weighted minutes.
    assert [(item.day, item.weighted_minutes, item.alert) for item in summaries] == [(dt.date(2021, 5, 3), 45.0, True)]
    assert stranger.check([downloaded], config) == []  # "other" bucket weighs 0
    index = key_index([downloaded])
    assert contact.check(index, config) == summaries
    assert contact.matches(index) == contact.matches([downloaded])
    assert len(stranger.matches([downloaded])) == 1
    # A revision revoking the key takes the exposure away.
    revoked = [
        export.DiagnosisKey(key.key_data, key.rolling_start_interval_number, report_type=ReportType.REVOKED)
        for key in keys
    ]
    revision = ExportBatch("VN-22", 1, 1, 1_620_086_400, 1_620_172_800, [], revoked)
    assert contact.check([downloaded, revision], config) == []


def test_old_scans_are_forgotten():
    phone, other = Phone(), Phone()
    phone.meet(other, DAY, 50, 300)
    assert len(phone.observations) == 1
    phone.advance(DAY + 15 * 144)
    assert phone.observations == []


def test_observing_something_that_is_not_an_rpi_is_refused():
    with pytest.raises(ValueError, match="16 bytes"):
        Phone().observe(b"\x01" * 15, b"\x00" * 4, DAY, 50, 60)


def test_every_broadcast_of_a_day_is_the_keys_identifier():
    phone = Phone(tx_power_dbm=-12)
    advertised = [phone.broadcast(DAY + offset) for offset in range(144)]
    phone.advance(DAY + 144)
    (key,) = phone.upload_keys()
    aemk = crypto.aem_key(key.key_data)
    assert [rpi for rpi, _ in advertised] == crypto.rolling_proximity_identifiers(key.key_data, DAY)
    assert {crypto.decrypt_metadata(aemk, rpi, aem) for rpi, aem in advertised} == {crypto.metadata_bytes(-12)}
