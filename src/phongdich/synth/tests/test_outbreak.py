"""The synthetic outbreak: truth consistent with the check-ins and households, tests and cases through the
services, determinism, replace; and contact tracing evaluated against it (recall and precision)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from phongdich.cases.models import Case, DetectedIn
from phongdich.checkins.models import CheckIn
from phongdich.geo.models import AdministrativeUnit
from phongdich.geo.services import load_bundled_province
from phongdich.people.models import Person
from phongdich.synth import services
from phongdich.synth.evaluation import evaluate
from phongdich.synth.models import SynthRun, TransmissionEvent, TransmissionSetting
from phongdich.synth.outbreak_step import lab_username
from phongdich.testing.models import Sample, TestResult
from phongdich.tracing.models import Contact, ContactEvidence
from phongdich.venues.services import default_stay_minutes

SCALE = 0.004
DAYS = 10
# Yesterday in Viet Nam: the whole window is over, whatever the time the test runs.
AS_OF = services.today_in_vietnam() - dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def province(db):
    load_bundled_province()
    return AdministrativeUnit.objects.provinces().get()


def synth(*extra: str, seed: int = 3, outbreak: int = 8, rate: float = 2.0) -> str:
    out = StringIO()
    call_command(
        "synth",
        "--scale",
        str(SCALE),
        "--seed",
        str(seed),
        "--as-of",
        AS_OF.isoformat(),
        "--days",
        str(DAYS),
        "--outbreak",
        str(outbreak),
        "--outbreak-rate",
        str(rate),
        *extra,
        stdout=out,
    )
    return out.getvalue()


def truth_snapshot() -> list[tuple[object, ...]]:
    first = SynthRun.objects.get().id_range("person")[0]
    return [
        (e.infectee_id - first, e.infector_id and e.infector_id - first, e.at, e.setting, e.venue and e.venue.code)
        for e in TransmissionEvent.objects.select_related("venue").order_by("at", "infectee_id")
    ]


def sample_snapshot() -> list[tuple[object, ...]]:
    first = SynthRun.objects.get().id_range("person")[0]
    return sorted(
        (s.person_id - first, s.test_type, s.taken_at, tuple((r.result, r.reported_at) for r in s.results.all()))
        for s in Sample.objects.prefetch_related("results")
    )


@pytest.mark.django_db
def test_the_outbreak_spreads_through_the_generated_venues_and_households(province):
    output = synth()
    run = SynthRun.objects.get()
    events = list(TransmissionEvent.objects.select_related("venue", "infectee", "infector"))
    counts = Counter(e.setting for e in events)
    assert counts[TransmissionSetting.INDEX] == run.counts["outbreak_index"] == 8
    assert counts[TransmissionSetting.VENUE] > 0 and counts[TransmissionSetting.HOUSEHOLD] > 0
    assert len(events) == run.counts["outbreak_infections"]
    assert "Outbreak: 8 index infections" in output
    infected_at = {e.infectee_id: e.at for e in events}
    first, last = run.id_range("person")
    window_start = dt.datetime.combine(AS_OF - dt.timedelta(days=DAYS - 1), dt.time(), tzinfo=services.VIETNAM)
    window_end = dt.datetime.combine(AS_OF + dt.timedelta(days=1), dt.time(), tzinfo=services.VIETNAM)
    for event in events:
        assert first <= event.infectee_id <= last
        if event.setting == TransmissionSetting.INDEX:
            assert event.infector_id is None and event.at < window_start
            continue
        # Infected by someone infected earlier, within the window.
        assert event.infector_id is not None and infected_at[event.infector_id] < event.at < window_end
        if event.setting == TransmissionSetting.HOUSEHOLD:
            assert event.infectee.household_id == event.infector.household_id is not None
            assert event.venue_id is None
            continue
        # At a venue, where both checked in and their true stays overlapped.
        infector_stay = CheckIn.objects.get(
            person_id=event.infector_id, venue_id=event.venue_id, checked_in_at=event.infector_checked_in_at
        )
        infectee_stay = CheckIn.objects.get(
            person_id=event.infectee_id, venue_id=event.venue_id, checked_in_at=event.infectee_checked_in_at
        )
        usual = dt.timedelta(minutes=default_stay_minutes(event.venue.kind))
        ends = [stay.checked_out_at or stay.checked_in_at + usual for stay in (infector_stay, infectee_stay)]
        assert max(infector_stay.checked_in_at, infectee_stay.checked_in_at) <= event.at <= min(ends)
        assert event.overlap_minutes and event.overlap_minutes >= 1
        if event.symptomatic:
            assert event.onset_at is not None and event.onset_at > event.at
        else:
            assert event.onset_at is None


@pytest.mark.django_db
def test_tests_and_results_follow_the_infections_and_open_cases(province):
    synth()
    run = SynthRun.objects.get()
    infected = {e.infectee_id: e for e in TransmissionEvent.objects.all()}
    # The outbreak's own samples (the quarantine step samples quarantined people on their test days too).
    bounds = run.id_range("outbreak_sample")
    assert bounds is not None
    first, last = bounds
    samples = list(
        Sample.objects.filter(pk__gte=first, pk__lte=last).select_related("recorded_by").prefetch_related("results")
    )
    assert len(samples) == run.counts["outbreak_samples"] > 0
    # The services took every sample and every investigation the generator made.
    assert run.counts["outbreak_samples_refused"] == 0
    assert "outbreak_investigations_refused" not in run.counts
    now = timezone.now()
    window_end = dt.datetime.combine(AS_OF + dt.timedelta(days=1), dt.time(), tzinfo=services.VIETNAM)
    results: Counter[str] = Counter()
    for sample in samples:
        assert sample.recorded_by.username == lab_username(province.code)
        assert sample.taken_at < window_end and sample.taken_at <= now
        for result in sample.results.all():
            results[result.result] += 1
            assert sample.taken_at <= result.reported_at <= window_end
            if result.result == "positive":
                # Only an infected person tests positive, and not before the virus can be found.
                infection = infected[sample.person_id]
                assert sample.taken_at - infection.at >= dt.timedelta(days=2)
                assert (result.ct_value is not None) == (sample.test_type == "rt_pcr")
    # Contacts are tested too, and most of them are negative.
    assert results["negative"] > results["positive"] > 0
    # Every confirming result opened a case (RT-PCR confirms under the default policy), once per person.
    cases = list(Case.objects.select_related("source_result__sample"))
    assert len(cases) == run.counts["outbreak_confirmed"] > 0
    assert len({case.person_id for case in cases}) == len(cases)
    for case in cases:
        assert case.source_result.result == "positive" and case.source_result.sample.test_type == "rt_pcr"
        assert case.person_id in infected
        # The investigator entered isolation (from the sample that found them) and, mostly, the onset.
        assert case.isolated_at is not None and case.isolated_at <= case.confirmed_at
    assert any(case.onset_date is not None for case in cases)
    assert {case.detected_in for case in cases} <= {DetectedIn.COMMUNITY, DetectedIn.IN_QUARANTINE}
    positives = TestResult.objects.filter(result="positive", sample__test_type="rt_pcr")
    assert set(positives.values_list("sample__person_id", flat=True)) == {case.person_id for case in cases}


@pytest.mark.django_db
def test_the_outbreak_is_deterministic_and_replace_clears_it(province):
    synth()
    truth, tests = truth_snapshot(), sample_snapshot()
    cases = Case.objects.count()
    assert truth and tests and cases
    synth("--replace")
    assert truth_snapshot() == truth
    assert sample_snapshot() == tests
    assert Case.objects.count() == cases
    assert SynthRun.objects.count() == 1
    synth("--replace", seed=4)
    assert truth_snapshot() != truth
    synth("--replace", outbreak=0)
    assert not TransmissionEvent.objects.exists()
    assert not Sample.objects.exists() and not Case.objects.exists() and not Contact.objects.exists()
    assert Person.objects.count() == SynthRun.objects.get().counts["people"]


@pytest.mark.django_db
def test_tracing_finds_every_exposure_within_the_rule_and_justifies_every_contact(province):
    synth()
    figures = evaluate()
    assert figures["cases"] == Case.objects.count() > 0
    # Not vacuous: true venue transmissions from cases fall within the rule, and many pairs are co-present.
    assert figures["truth_within_rule"] > 0
    assert figures["rule_pairs"] > figures["truth_within_rule"]
    assert figures["truth_recall"] == 1.0
    assert figures["truth_found"] == figures["truth_within_rule"]
    assert figures["rule_recall"] == 1.0
    assert figures["truth_household_recall"] == 1.0
    assert figures["f1_listed"] > 0
    assert figures["f1_precision"] == 1.0
    assert figures["f2_precision"] in (1.0, None)
    assert figures["f1_justified"] == figures["f1_listed"]
    assert figures["evidence_rows_checked"] >= figures["f1_listed"]
    # Tracing again changes nothing.
    again = evaluate()
    assert again["retrace_added"] == again["retrace_removed"] == 0
    assert again["f1_listed"] == figures["f1_listed"]


@pytest.mark.django_db
def test_the_evaluation_catches_a_missing_exposure_and_an_unjustified_contact(province):
    """The checks are not vacuous: tampering with the stored lists shows in both figures."""
    synth()
    evaluate()  # traces every case
    venue_evidence = ContactEvidence.objects.filter(source="venue", contact__degree=1).order_by("pk")
    # A stated overlap the check-ins do not support.
    wrong = venue_evidence.first()
    wrong.overlap_minutes = (wrong.overlap_minutes or 0) + 30
    wrong.save()
    # A pair of check-ins the rule makes co-present, dropped from the evidence of another F1 (one with
    # more evidence, so it stays justified).
    dropped = next(
        evidence
        for evidence in venue_evidence.exclude(contact=wrong.contact).select_related("contact")
        if evidence.contact.evidence.count() > 1
    )
    dropped.delete()
    figures = evaluate(retrace=False)
    assert figures["f1_precision"] < 1.0
    assert figures["f1_justified"] == figures["f1_listed"] - 1
    assert figures["rule_recall"] < 1.0
    assert figures["rule_pairs_found"] == figures["rule_pairs"] - 1


@pytest.mark.django_db
def test_bench_tracing_recall_prints_the_figures(province):
    out = StringIO()
    call_command(
        "bench",
        "tracing-recall",
        "--scale",
        str(SCALE),
        "--days",
        "7",
        "--outbreak",
        "6",
        "--outbreak-rate",
        "2",
        "--json",
        stdout=out,
    )
    figures = json.loads(out.getvalue())
    assert figures["benchmark"] == "tracing-recall"
    assert figures["outbreak_index"] == 6
    assert figures["truth_recall"] in (1.0, None)
    assert figures["f1_precision"] in (1.0, None)
    # The population just made, evaluated again without generating: the same lists, nothing re-listed.
    out = StringIO()
    call_command("bench", "tracing-recall", "--existing", "--json", stdout=out)
    again = json.loads(out.getvalue())
    assert again["synth_seconds"] is None and again["people"] == figures["people"]
    assert again["f1_listed"] == figures["f1_listed"] and again["retrace_added"] == again["retrace_removed"] == 0


@pytest.mark.django_db
def test_outbreak_options_are_checked(province):
    for bad in (("--outbreak", "-1"), ("--outbreak", "201"), ("--outbreak-rate", "-0.5"), ("--outbreak-rate", "nan")):
        with pytest.raises(CommandError):
            call_command("synth", "--scale", "0.001", "--as-of", AS_OF.isoformat(), *bad, stdout=StringIO())
    assert not SynthRun.objects.exists()
