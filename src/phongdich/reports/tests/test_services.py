"""Daily reports: pre-fill from the platform's records, submission, revision, bad input, completeness, sums."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.core.errors import DomainError, InvalidInput
from phongdich.geo.models import AdministrativeUnit
from phongdich.quarantine import services as quarantine
from phongdich.reports import services
from phongdich.reports.models import DailyReport, DailyReportRevision
from phongdich.testing import services as testing
from phongdich.vaccination import services as vaccination

pytestmark = pytest.mark.django_db

ZERO = dict.fromkeys(
    ("new_cases", "f1_traced", "quarantined_facility", "quarantined_home", "tests", "positives", "vaccinations"), 0
)


def report(actor, commune=None, day=None, difficulties="", **figures):
    """A report for ``commune`` (default: the account's own unit, or Hà Khánh)."""
    unit = actor.units.order_by("path").first()
    data = services.ReportInput(
        commune=commune or (unit.code if unit is not None else "06649"),
        day=day or services.local_today(),
        figures={**ZERO, **figures},
        difficulties=difficulties,
    )
    return services.submit_report(actor, data)


def positive_sample(actor, person):
    taken = timezone.now() - dt.timedelta(minutes=3)
    data = testing.SampleInput(
        person=person.pk,
        test_type="rt_pcr",
        taken_at=taken,
        result="positive",
        reported_at=taken + dt.timedelta(minutes=1),
    )
    return testing.record_sample(actor, data)


def test_the_form_is_prefilled_with_the_platforms_own_figures(
    units, province_admin, commune_officer, make_person, django_capture_on_commit_callbacks
):
    today = services.local_today()
    with django_capture_on_commit_callbacks(execute=True):
        sick = make_person(commune_officer, date_of_birth=dt.date(1970, 1, 1))
        positive_sample(province_admin, sick)
        f1 = make_person(commune_officer, date_of_birth=dt.date(1981, 2, 2))
        quarantine.issue_order(commune_officer, quarantine.OrderInput(person=f1.pk, reason="f1_of_case", start=today))
        vaccinated = make_person(commune_officer, date_of_birth=dt.date(1990, 3, 3))
        vaccination.record_vaccination(
            province_admin,
            vaccination.VaccinationInput(person=vaccinated.pk, dose_number=1, product="EU/1/21/1529", date=today),
        )
        # Another commune's records are not this commune's figures.
        elsewhere = make_person(province_admin, date_of_birth=dt.date(1975, 4, 4), home_commune="06727")
        positive_sample(province_admin, elsewhere)
    figures = services.platform_figures(units["06649"], today)
    assert figures["new_cases"] == 1
    assert figures["tests"] == 1
    assert figures["positives"] == 1
    assert figures["vaccinations"] == 1
    assert figures["quarantined_home"] + figures["quarantined_facility"] == 1
    assert services.platform_figures(units["06649"], today - dt.timedelta(days=1))["new_cases"] == 0
    assert services.platform_figures(units["06727"], today)["new_cases"] == 1
    # The report keeps both what the commune sent and what the platform said.
    stored, changed = report(commune_officer, new_cases=2, tests=1, positives=1, vaccinations=1)
    assert changed
    assert stored.new_cases == 2 and stored.platform_new_cases == 1
    assert stored.platform_vaccinations == 1


def test_a_report_is_stored_once_and_a_retry_changes_nothing(commune_officer):
    first, changed = report(commune_officer, new_cases=3, tests=40, difficulties="Thiếu test nhanh")
    again, changed_again = report(commune_officer, new_cases=3, tests=40, difficulties="Thiếu test nhanh")
    assert changed and not changed_again
    assert again.pk == first.pk and again.revision == 1
    assert DailyReport.objects.count() == 1
    assert not DailyReportRevision.objects.exists()


def test_a_resubmission_revises_and_keeps_the_previous_values(commune_officer):
    first, _ = report(commune_officer, new_cases=3, tests=40)
    revised, changed = report(commune_officer, new_cases=4, tests=41, difficulties="Bổ sung 1 ca")
    assert changed and revised.pk == first.pk
    assert revised.revision == 2 and revised.revised_at is not None
    assert (revised.new_cases, revised.tests, revised.difficulties) == (4, 41, "Bổ sung 1 ca")
    history = services.revisions(revised)
    assert len(history) == 1
    assert history[0].revision == 1
    assert history[0].figures["new_cases"] == 3 and history[0].figures["tests"] == 40


def test_a_future_day_is_refused_naming_day(commune_officer, english):
    with pytest.raises(InvalidInput) as caught:
        report(commune_officer, day=services.local_today() + dt.timedelta(days=1))
    assert [error.field for error in caught.value.errors] == ["day"]
    assert not DailyReport.objects.exists()


def test_another_communes_report_is_not_found(commune_officer, mong_cai_officer):
    with pytest.raises(DomainError) as caught:
        report(commune_officer, commune="06727")
    assert caught.value.status == 404
    assert [error.field for error in caught.value.errors] == ["commune"]
    # A district is not a commune either.
    with pytest.raises(DomainError):
        report(commune_officer, commune="193")
    assert not DailyReport.objects.exists()


def test_negative_and_absurd_figures_are_refused(units, commune_officer, english):
    population = units["06649"].population
    assert population
    with pytest.raises(InvalidInput) as caught:
        report(commune_officer, new_cases=-1, tests=population + 1, positives="many")
    assert {error.field for error in caught.value.errors} == {"new_cases", "tests", "positives"}
    with pytest.raises(InvalidInput) as caught:
        report(commune_officer, new_cases=1, unknown=3)
    assert [error.field for error in caught.value.errors] == ["unknown"]
    assert not DailyReport.objects.exists()


def test_leaders_and_district_officers_cannot_submit(units, leader, district_officer):
    for account in (leader, district_officer):
        with pytest.raises(DomainError) as caught:
            report(account, commune="06649")
        assert caught.value.status == 404
    assert not DailyReport.objects.exists()


def test_completeness_for_a_district_and_for_the_province(
    units, commune_officer, ha_phong_officer, mong_cai_officer, district_officer, province_admin, leader
):
    today = services.local_today()
    report(commune_officer, new_cases=2)
    report(ha_phong_officer, new_cases=1)
    report(mong_cai_officer, new_cases=5)
    ha_long = AdministrativeUnit.objects.communes().filter(path__startswith=units["193"].path).count()
    province = AdministrativeUnit.objects.communes().count()
    district_status = services.reporting_status(district_officer, today)
    assert district_status["expected"] == ha_long
    assert district_status["submitted"] == 2
    assert district_status["missing"] == ha_long - 2
    assert district_status["deadline"] == timezone.make_aware(dt.datetime.combine(today, dt.time(16)))
    for viewer in (province_admin, leader):
        status = services.reporting_status(viewer, today)
        assert (status["expected"], status["submitted"], status["missing"]) == (province, 3, province - 3)
    missing = services.missing_communes(district_officer, today)
    assert len(missing) == ha_long - 2
    assert {unit.code for unit in missing}.isdisjoint({"06649", "06652"})
    assert all(unit.path.startswith(units["193"].path) for unit in missing)
    assert services.reporting_status(commune_officer, today)["missing"] == 0
    # Yesterday nobody reported.
    assert services.reporting_status(province_admin, today - dt.timedelta(days=1))["submitted"] == 0


def test_a_report_after_the_deadline_counts_as_late(units, commune_officer, province_admin, settings):
    settings.PHONGDICH_REPORT_DEADLINE_HOUR = 0  # the deadline has passed whenever the test runs
    report(commune_officer)
    assert services.reporting_status(province_admin)["late"] == 1


def test_sums_by_district_and_by_commune(units, commune_officer, ha_phong_officer, mong_cai_officer, province_admin):
    today = services.local_today()
    report(commune_officer, new_cases=2, tests=30, difficulties="Thiếu nhân lực")
    report(ha_phong_officer, new_cases=1, tests=10)
    report(mong_cai_officer, new_cases=5, tests=7)
    summary = services.summary(province_admin, today)
    assert summary is not None and summary.unit.code == "22"
    assert summary.total.figures["new_cases"] == 8 and summary.total.figures["tests"] == 47
    assert summary.total.reported == 3
    rows = {row.unit.code: row for row in summary.rows}
    assert (rows["193"].figures["new_cases"], rows["193"].figures["tests"], rows["193"].reported) == (3, 40, 2)
    assert (rows["194"].figures["new_cases"], rows["194"].reported) == (5, 1)
    assert sum(row.expected for row in summary.rows) == summary.total.expected
    assert sum(row.figures["new_cases"] for row in summary.rows) == 8
    assert [(unit.code, text) for unit, text in summary.difficulties] == [("06649", "Thiếu nhân lực")]
    district = services.summary(province_admin, today, units["193"])
    assert district is not None
    by_commune = {row.unit.code: row for row in district.rows}
    assert by_commune["06649"].figures["new_cases"] == 2 and by_commune["06652"].figures["new_cases"] == 1
    assert district.total.figures["new_cases"] == 3
    assert len(district.missing) == district.total.expected - 2


def test_a_district_sees_only_its_communes(units, mong_cai_officer, district_officer):
    report(mong_cai_officer, new_cases=5)
    summary = services.summary(district_officer, services.local_today())
    assert summary is not None and summary.unit.code == "193"
    assert summary.total.figures["new_cases"] == 0 and summary.total.reported == 0
    assert not services.reports_for(district_officer).exists()
    with pytest.raises(DomainError):
        services.focus_unit(district_officer, "194")
