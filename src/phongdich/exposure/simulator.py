"""Bluetooth exposure notification on the synthetic population, end to end, and its effect against venue check-ins.

The stays are the check-ins in the database (the synthetic mobility model's, or any). The model:

- **Phones**: each person has the app with probability ``adoption`` (0.30 by default; Bluezone had 606,368
  installs in Quảng Ninh, about half the population, at its height); each owner consents to keep alerts and
  to share Bluetooth contacts with contact tracing with probability ``consent``. Phones are
  :class:`phongdich.exposure.client.phone.Phone` objects with keys drawn from the seeded generator.
- **Who is near whom**: at a venue, a visitor is near at most ``NEIGHBOURS`` of the others present at the
  same time (drawn at random); the distance to each is log-normal (median ``MEDIAN_DISTANCE_M``). Everyone
  else at the venue is far (beyond Bluetooth's useful range and no exposure).
- **Bluetooth**: two phones near each other scan each other every 10-minute interval of the overlap;
  attenuation = ``50 + 20·log10(distance)`` dB plus body and orientation noise (σ 4 dB, per scan).
- **Ground truth**: a true exposure is a pair of people together ≥ 15 minutes within 2 metres.
  Found by Bluetooth: both have the app and the phones' scans of each other score at least the
  province's daily minimum under its risk configuration. Found by venue check-ins: both visits were
  checked in (each is, with probability ``scan_share``: the share of visits people really scanned).

Then the flow runs as in production: each active case whose person has a phone gets a code, the phone
exchanges it for a token and a certificate and uploads its keys (:mod:`phongdich.exposure.services`),
the hourly job publishes the export files, and the phones download the files, verify their signatures
with the published keys, match and score (the downloaded keys are derived once for all phones with
:class:`~phongdich.exposure.client.matching.KeyIndex`, which finds what each phone's own matching finds);
alerts and Bluetooth encounters are stored for the owners who consented.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from django.db import transaction
from django.utils import timezone

from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.cases.models import Case, CaseStatus
from phongdich.checkins.models import CheckIn
from phongdich.exposure import exports, services
from phongdich.exposure.client.crypto import INTERVAL_SECONDS, en_interval_number
from phongdich.exposure.client.export import DiagnosisKey, ExportBatch, load_public_keys, read_export_zip
from phongdich.exposure.client.matching import KeyIndex, Match
from phongdich.exposure.client.phone import Phone
from phongdich.exposure.client.risk import RiskConfiguration, score
from phongdich.exposure.client.verification import tek_hmac
from phongdich.exposure.models import AppInstall, ExportFile, SimulationReport
from phongdich.people.models import Person

DEFAULT_ADOPTION = 0.30
DEFAULT_CONSENT = 0.7
DEFAULT_SCAN_SHARE = 0.7
DEFAULT_STAY_MINUTES = 60  # a check-in without a check-out
NEIGHBOURS = 6
MEDIAN_DISTANCE_M = 2.5
DISTANCE_SIGMA = 0.6
CLOSE_METRES = 2.0
CLOSE_MINUTES = 15
SCAN_NOISE_DB = 4.0


@dataclass(frozen=True)
class Stay:
    person: int
    venue: int
    start: int  # Unix seconds
    end: int
    scanned: bool


@dataclass
class Encounter:
    """Two people near each other at a venue; scans are (interval, attenuation dB, seconds)."""

    a: int
    b: int
    start: int
    end: int
    distance_m: float
    checked_in: bool
    scans: list[tuple[int, int, int]] = field(default_factory=list)

    @property
    def minutes(self) -> float:
        return (self.end - self.start) / 60

    @property
    def true_exposure(self) -> bool:
        return self.minutes >= CLOSE_MINUTES and self.distance_m <= CLOSE_METRES


@dataclass
class SimulationResult:
    figures: dict[str, Any]
    phones: dict[int, Phone]
    installs: dict[int, AppInstall]


def _stays(rng: random.Random, since: dt.datetime, scan_share: float) -> list[Stay]:
    rows = (
        CheckIn.objects.filter(person__isnull=False, checked_in_at__gte=since)
        .order_by("venue_id", "checked_in_at", "person_id")
        .values_list("person_id", "venue_id", "checked_in_at", "checked_out_at")
    )
    stays = []
    for person, venue, start, end in rows.iterator(chunk_size=5000):
        stop = end if end is not None and end > start else start + dt.timedelta(minutes=DEFAULT_STAY_MINUTES)
        stays.append(Stay(person, venue, int(start.timestamp()), int(stop.timestamp()), rng.random() < scan_share))
    return stays


def _encounters(rng: random.Random, stays: list[Stay]) -> list[Encounter]:
    found = []
    for _venue, group in groupby(stays, key=lambda stay: stay.venue):
        active: list[Stay] = []
        for stay in group:
            active = [other for other in active if other.end > stay.start]
            present = [other for other in active if other.person != stay.person]
            near = present if len(present) <= NEIGHBOURS else rng.sample(present, NEIGHBOURS)
            for other in near:
                start, end = max(stay.start, other.start), min(stay.end, other.end)
                if end <= start:
                    continue
                distance = min(30.0, max(0.3, rng.lognormvariate(math.log(MEDIAN_DISTANCE_M), DISTANCE_SIGMA)))
                a, b = sorted((stay.person, other.person))
                found.append(Encounter(a, b, start, end, distance, stay.scanned and other.scanned))
            active.append(stay)
    return found


def _scan(rng: random.Random, encounter: Encounter) -> None:
    base = 50 + 20 * math.log10(encounter.distance_m)
    moment = encounter.start
    while moment < encounter.end:
        interval = en_interval_number(moment)
        interval_end = (interval + 1) * INTERVAL_SECONDS
        seconds = min(interval_end, encounter.end) - moment
        attenuation = round(min(120.0, max(20.0, rng.gauss(base, SCAN_NOISE_DB))))
        encounter.scans.append((interval, int(attenuation), int(seconds)))
        moment = interval_end


def _bluetooth_detects(encounter: Encounter, config: RiskConfiguration) -> bool:
    """Whether the scans of one encounter alone reach the daily minimum (report type confirmed, standard)."""
    by_day: dict[int, float] = defaultdict(float)
    for interval, attenuation, seconds in encounter.scans:
        weight = config.attenuation_weights[config.attenuation_bucket(attenuation)]
        by_day[interval // 144] += weight * seconds / 60
    return any(minutes >= config.minimum_weighted_minutes_per_day for minutes in by_day.values())


def effect(
    encounters: Iterable[Encounter], phones: set[int] | dict[int, Any], config: RiskConfiguration
) -> dict[str, Any]:
    """Shares of the true exposures (pairs of people) found by Bluetooth, by venue check-ins, by both."""
    pairs: dict[tuple[int, int], list[bool]] = {}
    for encounter in encounters:
        if not encounter.true_exposure:
            continue
        by_bluetooth = encounter.a in phones and encounter.b in phones and _bluetooth_detects(encounter, config)
        seen = pairs.setdefault((encounter.a, encounter.b), [False, False])
        seen[0] = seen[0] or by_bluetooth
        seen[1] = seen[1] or encounter.checked_in
    total = len(pairs)
    bluetooth = sum(1 for found in pairs.values() if found[0])
    checkins = sum(1 for found in pairs.values() if found[1])
    both = sum(1 for found in pairs.values() if found[0] and found[1])
    either = bluetooth + checkins - both

    def share(count: int) -> float:
        return round(count / total, 4) if total else 0.0

    return {
        "true_exposures": total,
        "found_by_bluetooth": bluetooth,
        "found_by_checkins": checkins,
        "found_by_both": both,
        "found_by_either": either,
        "found_by_bluetooth_share": share(bluetooth),
        "found_by_checkins_share": share(checkins),
        "found_by_both_share": share(both),
        "found_by_either_share": share(either),
    }


def _install_phones(
    rng: random.Random, people: list[Person], adoption: float, consent: float, now: dt.datetime
) -> dict[int, AppInstall]:
    """AppInstall rows for the people drawn to have the app (one audit event for the lot).

    The phones of an earlier simulation go first: each run stands for one day's adoption level.
    """
    chosen = [person for person in people if rng.random() < adoption]
    AppInstall.objects.filter(simulated=True).delete()
    existing = {install.person_id: install for install in AppInstall.objects.filter(person__in=chosen)}
    fresh = [
        AppInstall(
            device=_uuid(rng),
            person=person,
            commune_id=person.home_commune_id,
            share_encounters=rng.random() < consent,
            keep_alerts=rng.random() < consent,
            simulated=True,
            installed_at=now,
            last_active_at=now,
        )
        for person in chosen
        if person.pk not in existing
    ]
    AppInstall.objects.bulk_create(fresh, batch_size=2000)
    installs = {**existing, **{install.person_id: install for install in AppInstall.objects.filter(person__in=chosen)}}
    if fresh:
        audit.record(
            None,
            AuditAction.GENERATE,
            "exposure_app",
            object_ids=sorted(install.pk for install in installs.values()),
            detail={"simulated": len(fresh)},
        )
    return installs


def _key_source(seed: str) -> Callable[[], bytes]:
    """A phone's daily keys from a seeded generator: the same run gives the same keys (real phones use the OS)."""
    draw = random.Random(seed)
    return lambda: draw.randbytes(16)


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _upload_for_case(case: Case, phone: Phone, now: dt.datetime) -> int:
    """The case's code → token → certificate → upload, as the phone does it; how many keys went in."""
    today = timezone.localdate(now)
    oldest = today - dt.timedelta(days=services.MAX_DATE_AGE_DAYS)

    def recent(day: dt.date | None) -> dt.date | None:
        return day if day is not None and oldest <= day <= today else None

    data = services.CodeInput("confirmed", recent(case.onset_date), recent(case.sampled_on))
    if data.symptom_onset is None and data.test_date is None:
        return 0  # a case confirmed long ago: its keys are past the 14 days anyway
    issued = services.issue_code(None, case.pk, data, send=False, now=now)
    token = services.exchange_code(issued.short_code, now=now).token
    keys = phone.upload_keys(14)
    if not keys:
        return 0
    hmac_key = random.Random(case.pk).randbytes(32)
    certificate = services.issue_certificate(token, base64.b64encode(tek_hmac(keys, hmac_key)).decode(), now=now)
    upload = [
        services.KeyInput(
            base64.b64encode(key.key_data).decode(),
            key.rolling_start_interval_number,
            key.rolling_period,
            key.transmission_risk_level,
        )
        for key in keys
    ]
    result = services.publish_keys(
        services.PublishInput(upload, certificate, base64.b64encode(hmac_key).decode(), services.region()), now=now
    )
    return result.inserted


def download(where: str | None = None) -> list[ExportBatch]:
    """What a phone downloads: every file of the index, each verified against the published signing keys."""
    public_keys = load_public_keys(exports.public_keys_text())
    files = ExportFile.objects.filter(region=where or services.region()).order_by("end_timestamp", "batch_num")
    return [read_export_zip(bytes(data), public_keys) for data in files.values_list("data", flat=True)]


def downloaded_keys(batches: Iterable[ExportBatch]) -> list[DiagnosisKey]:
    """The keys a phone takes from its downloads: a revised key replaces the earlier one (as Phone.matches)."""
    keys: dict[tuple[bytes, int], DiagnosisKey] = {}
    for batch in batches:
        for key in [*batch.keys, *batch.revised_keys]:
            keys[(key.key_data, key.rolling_start_interval_number)] = key
    return list(keys.values())


def _report_findings(
    phone: Phone, install: AppInstall, index: KeyIndex, config: RiskConfiguration, now: dt.datetime
) -> tuple[bool, int, int]:
    """Match one phone's scans (as ``phone.check`` does, with the downloaded keys derived once for all phones)."""
    matches = index.match(phone.observations)
    alerting = [summary for summary in score(matches, config) if summary.alert]
    alerts = [
        services.AlertReport(summary.day, round(summary.weighted_minutes), summary.max_score) for summary in alerting
    ]
    encounters = []
    if install.share_encounters and alerting:
        by_key: dict[bytes, list[Match]] = defaultdict(list)
        for found in matches:
            by_key[found.key.key_data].append(found)
        for key_data, found_for_key in by_key.items():
            first = min(item.interval for item in found_for_key)
            last = max(item.interval for item in found_for_key)
            encounters.append(
                services.EncounterReport(
                    key_data=key_data,
                    started_at=dt.datetime.fromtimestamp(first * INTERVAL_SECONDS, dt.UTC),
                    ended_at=dt.datetime.fromtimestamp((last + 1) * INTERVAL_SECONDS, dt.UTC),
                    minutes=round(sum(item.duration_s for item in found_for_key) / 60),
                    attenuation_db=min(item.attenuation_db for item in found_for_key),
                )
            )
    kept_alerts, kept_encounters = services.record_phone_findings(install, alerts, encounters, now=now)
    return bool(alerting), kept_alerts, kept_encounters


def simulate(
    *,
    adoption: float = DEFAULT_ADOPTION,
    consent: float = DEFAULT_CONSENT,
    scan_share: float = DEFAULT_SCAN_SHARE,
    seed: int = 1,
    days: int = 14,
    now: dt.datetime | None = None,
) -> SimulationResult:
    """Run the model and the flow on the stored check-ins of the last ``days`` days (see the module docstring)."""
    if not 0 <= adoption <= 1 or not 0 <= consent <= 1 or not 0 <= scan_share <= 1:
        raise ValueError("adoption, consent and scan share are shares between 0 and 1")
    started = time.perf_counter()
    now = now or timezone.now()
    rng = random.Random(f"exposure-simulation:{seed}")
    config = RiskConfiguration.from_dict(exports.risk_configuration())
    stays = _stays(rng, now - dt.timedelta(days=days), scan_share)
    people_ids = sorted({stay.person for stay in stays})
    people = list(Person.objects.filter(pk__in=people_ids).order_by("pk").only("pk", "home_commune_id"))
    with transaction.atomic():
        installs = _install_phones(rng, people, adoption, consent, now)
    phones = {person: Phone(key_source=_key_source(f"{seed}:{person}")) for person in installs}
    encounters = _encounters(rng, stays)
    meetings: list[tuple[int, int, int, int, int]] = []
    for encounter in encounters:
        _scan(rng, encounter)
        if encounter.a in phones and encounter.b in phones:
            meetings.extend((interval, encounter.a, encounter.b, att, secs) for interval, att, secs in encounter.scans)
    meetings.sort()
    for interval, a, b, attenuation, seconds in meetings:
        phones[a].meet(phones[b], interval, attenuation, seconds)
    current = en_interval_number(int(now.timestamp()))
    for phone in phones.values():
        phone.advance(current)
    cases = Case.objects.filter(status=CaseStatus.ACTIVE, person_id__in=list(phones)).order_by("pk")
    uploaded_cases = uploaded_keys = 0
    for case in cases:
        inserted = _upload_for_case(case, phones[case.person_id], now)
        uploaded_cases += int(inserted > 0)
        uploaded_keys += inserted
    published = exports.publish_exports(now + exports.WINDOW)
    index = KeyIndex(downloaded_keys(download()))
    alerted = kept_alerts = kept_encounters = 0
    observers = [person for person, phone in phones.items() if phone.observations]
    for person in observers:
        was_alerted, alerts, found = _report_findings(phones[person], installs[person], index, config, now)
        alerted += int(was_alerted)
        kept_alerts += alerts
        kept_encounters += found
    figures = {
        "adoption": adoption,
        "consent": consent,
        "scan_share": scan_share,
        "people": len(people),
        "phones": len(phones),
        "stays": len(stays),
        "encounters": len(encounters),
        "phone_meetings": len(meetings),
        **effect(encounters, phones, config),
        "cases_uploaded": uploaded_cases,
        "keys_uploaded": uploaded_keys,
        "export_files": len(published.files),
        "keys_published_with_padding": published.keys + published.padding,
        "phones_checked": len(observers),
        "phones_alerted": alerted,
        "alerts_kept": kept_alerts,
        "encounters_kept": kept_encounters,
        "seconds": round(time.perf_counter() - started, 2),
    }
    SimulationReport.objects.create(adoption=adoption, figures=figures)
    return SimulationResult(figures, phones, installs)
