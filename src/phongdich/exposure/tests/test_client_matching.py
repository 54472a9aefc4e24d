"""Matching diagnosis keys against observations (no database)."""

import json
import os
import random
from pathlib import Path

from phongdich.exposure.client import crypto, matching
from phongdich.exposure.client.export import DiagnosisKey, ReportType
from phongdich.exposure.client.matching import Observation, ObservationIndex, match

VECTORS = json.loads((Path(__file__).parent / "data" / "en_crypto_test_vectors_v1.2.json").read_text())
DAY = 2_700_000 - 2_700_000 % 144


def _seen(tek: bytes, interval: int, scanned_at: int | None = None, attenuation: int = 60, seconds: int = 300):
    rpi = crypto.rolling_proximity_identifier(tek, interval)
    aem = crypto.encrypt_metadata(crypto.aem_key(tek), rpi, crypto.metadata_bytes(-7))
    return Observation(rpi, aem, interval if scanned_at is None else scanned_at, attenuation, seconds)


def _noise(count: int, seed: int = 1) -> list[Observation]:
    rng = random.Random(seed)
    return [
        Observation(rng.randbytes(16), rng.randbytes(4), DAY - rng.randrange(14 * 144), 60, 300) for _ in range(count)
    ]


def test_fast_rpi_key_equals_the_specified_one():
    assert matching._rpi_key_fast(bytes.fromhex(VECTORS["tek"])).hex() == VECTORS["rpik"]
    for _ in range(50):
        tek = os.urandom(16)
        assert matching._rpi_key_fast(tek) == crypto.rpi_key(tek)


def test_the_vectors_key_matches_its_own_advertisements():
    tek = bytes.fromhex(VECTORS["tek"])
    start = VECTORS["ctinterval_number_of_generated_key"]
    observations = [
        Observation(bytes.fromhex(entry["rpi"]), bytes.fromhex(entry["aem"]), entry["en_interval_number"], 50, 60)
        for entry in VECTORS["advertised_data"][::10]
    ]
    found = match([DiagnosisKey(tek, start)], [*_noise(500), *observations])
    assert [item.rpi_interval for item in found] == [start + i for i in range(0, 144, 10)]
    assert {item.metadata for item in found} == {bytes.fromhex(VECTORS["ble_metadata"])}


def test_planted_keys_found_among_many_and_details_carried():
    rng = random.Random(7)
    keys = [DiagnosisKey(rng.randbytes(16), DAY - 144 * rng.randrange(14)) for _ in range(5000)]
    infected = DiagnosisKey(os.urandom(16), DAY - 144 * 3, 144, 6, ReportType.SELF_REPORT, 2)
    keys.insert(2345, infected)
    observations = [*_noise(3000), _seen(infected.key_data, DAY - 144 * 3 + 100, attenuation=52, seconds=240)]
    found = match(keys, observations)
    assert len(found) == 1
    hit = found[0]
    assert hit.key == infected
    assert (hit.rpi_interval, hit.interval) == (DAY - 144 * 3 + 100, DAY - 144 * 3 + 100)
    assert (hit.attenuation_db, hit.duration_s) == (52, 240)
    assert (hit.report_type, hit.days_since_onset_of_symptoms, hit.transmission_risk_level) == (3, 2, 6)
    assert crypto.read_metadata(hit.metadata) == (0x40, -7)


def test_keys_not_observed_give_nothing():
    keys = [DiagnosisKey(os.urandom(16), DAY) for _ in range(300)]
    assert match(keys, _noise(2000)) == []
    assert match(keys, []) == []


def test_two_hour_tolerance():
    tek = os.urandom(16)
    key = DiagnosisKey(tek, DAY)
    rpi_interval = DAY + 70
    inside = [_seen(tek, rpi_interval, rpi_interval + delta) for delta in (-12, -1, 0, 5, 12)]
    outside = [_seen(tek, rpi_interval, rpi_interval + delta) for delta in (-13, 13, 144)]
    found = match([key], [*inside, *outside])
    assert sorted(item.interval - rpi_interval for item in found) == [-12, -1, 0, 5, 12]


def test_scan_just_past_the_keys_day_still_matches_its_last_identifier():
    # The last RPI of a key (interval DAY + 143) scanned an hour later, on the next day, is within tolerance.
    tek = os.urandom(16)
    found = match([DiagnosisKey(tek, DAY)], [_seen(tek, DAY + 143, DAY + 149)])
    assert [item.rpi_interval for item in found] == [DAY + 143]


def test_only_intervals_within_the_rolling_period_count():
    tek = os.urandom(16)
    observations = [_seen(tek, DAY + 10), _seen(tek, DAY + 100)]
    short = DiagnosisKey(tek, DAY, rolling_period=50)
    assert [item.rpi_interval for item in match([short], observations)] == [DAY + 10]
    assert len(match([DiagnosisKey(tek, DAY)], observations)) == 2


def test_revoked_and_malformed_keys_are_skipped():
    tek = os.urandom(16)
    observations = [_seen(tek, DAY + 10)]
    assert match([DiagnosisKey(tek, DAY, report_type=ReportType.REVOKED)], observations) == []
    assert match([DiagnosisKey(tek, DAY, rolling_period=0)], observations) == []
    assert match([DiagnosisKey(tek, DAY, rolling_period=145)], observations) == []
    assert match([DiagnosisKey(tek[:15], DAY)], observations) == []


def test_repeated_scans_each_match_and_index_is_reusable():
    tek = os.urandom(16)
    observations = [_seen(tek, DAY + 10, seconds=60), _seen(tek, DAY + 10, seconds=120), *_noise(100)]
    index = ObservationIndex(observations)
    assert len(index) == 101
    keys = [DiagnosisKey(tek, DAY), *(DiagnosisKey(os.urandom(16), DAY) for _ in range(3000))]
    assert sorted(item.duration_s for item in match(keys, index)) == [60, 120]
    assert sorted(item.duration_s for item in match(keys[:1], index)) == [60, 120]


def test_keys_across_chunk_boundaries_and_mixed_starts():
    rng = random.Random(3)
    keys = [DiagnosisKey(rng.randbytes(16), DAY - 144 * (n % 14)) for n in range(matching.CHUNK_KEYS * 2 + 5)]
    planted = [keys[0], keys[matching.CHUNK_KEYS - 1], keys[matching.CHUNK_KEYS], keys[-1]]
    observations = [_seen(key.key_data, key.rolling_start_interval_number + 143) for key in planted]
    found = match(keys, observations)
    assert [item.key for item in found] == planted


def test_derive_all_counts_identifiers():
    keys = [DiagnosisKey(os.urandom(16), DAY) for _ in range(10)]
    assert matching.derive_all(keys) == 1440


def test_key_index_finds_exactly_what_match_finds():
    rng = random.Random(11)
    keys = [DiagnosisKey(rng.randbytes(16), DAY - 144 * rng.randrange(14)) for _ in range(3000)]
    planted = [keys[5], keys[1500], keys[2999]]
    short = DiagnosisKey(os.urandom(16), DAY, rolling_period=40)
    revoked = DiagnosisKey(os.urandom(16), DAY, report_type=ReportType.REVOKED)
    keys += [short, revoked]
    observations = [
        *_noise(2000, seed=5),
        *(_seen(key.key_data, key.rolling_start_interval_number + 7, seconds=60) for key in planted),
        _seen(planted[0].key_data, planted[0].rolling_start_interval_number + 7, seconds=120),  # scanned twice
        _seen(
            planted[1].key_data,
            planted[1].rolling_start_interval_number + 20,
            planted[1].rolling_start_interval_number + 40,
        ),  # too late
        _seen(short.key_data, DAY + 39),
        _seen(short.key_data, DAY + 41),  # past its rolling period
        _seen(revoked.key_data, DAY + 3),
    ]
    expected = match(keys, observations)
    assert [(item.key, item.duration_s) for item in expected] == [
        (planted[0], 60),
        (planted[0], 120),
        (planted[1], 60),
        (planted[2], 60),
        (short, 300),
    ]
    index = matching.KeyIndex(keys)
    assert len(index) == len(keys) - 1  # the revoked key is left out
    assert index.match(observations) == expected
    assert index.match(_noise(500, seed=9)) == []
    assert index.match([]) == []


def test_observations_that_are_not_rpis_are_ignored():
    tek = os.urandom(16)
    odd = [Observation(b"\x01" * 15, b"", DAY, 50, 60), Observation(b"", b"", DAY, 50, 60)]
    observations = [*odd, _seen(tek, DAY + 1)]
    keys = [DiagnosisKey(tek, DAY)]
    assert len(match(keys, observations)) == 1
    assert len(matching.KeyIndex(keys).match(observations)) == 1
