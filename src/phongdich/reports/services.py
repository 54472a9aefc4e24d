"""Every read and write of daily reports: pre-fill, submission and revision, completeness, aggregation.

A commune's steering committee submits one report per local day. The form is pre-filled with what the
platform's own records say for that commune and day (``platform_figures``); the officer corrects and submits,
and both values are stored. Submitting the same values again changes nothing (a device's retry); other values
revise the report and keep the replaced ones. Reports are aggregates, not personal data: districts and the
province read those of their communes, leaders the sums (``reporting_status``, ``summary``).

Directives live in ``phongdich.reports.directives``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.core import access
from phongdich.core.errors import FieldError, InvalidInput, NotFound
from phongdich.geo.models import AdministrativeUnit, Level
from phongdich.reports.models import FIGURE_NAMES, DailyReport, DailyReportRevision

if TYPE_CHECKING:
    from phongdich.accounts.models import User

DIFFICULTIES_MAX = 4000
# How far back a commune may still send or correct a report.
MAX_PAST_DAYS = 31
# The cap on a figure for a commune whose population is not loaded.
UNKNOWN_POPULATION_CAP = 1_000_000


# --- time ---------------------------------------------------------------------------------------------


def local_today(now: dt.datetime | None = None) -> dt.date:
    return timezone.localdate(now or timezone.now())


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The local day as an aware [start, end) interval."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    return start, end


def deadline_hour() -> int:
    return int(getattr(settings, "PHONGDICH_REPORT_DEADLINE_HOUR", 16))


def deadline(day: dt.date) -> dt.datetime:
    """The moment a day's reports are due (16:00 local by default)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour=deadline_hour())))


# --- the platform's own figures -----------------------------------------------------------------------


def own_figures(commune: AdministrativeUnit, day: dt.date) -> dict[str, int]:
    """What the platform's records say for this commune and local day (see ``figures_for_communes``)."""
    return figures_for_communes([commune.pk], day)[commune.pk]


def figures_for_communes(commune_ids: Sequence[int], day: dt.date) -> dict[int, dict[str, int]]:
    """What the platform's records say for these communes and a local day: one grouped count per figure.

    New cases by confirmation time (voided ones excluded, wherever detected); F1s listed that day; people in
    facility or home quarantine on that day; samples taken; positive standing results reported; doses given.
    """
    from phongdich.cases.models import Case, CaseStatus
    from phongdich.quarantine.models import OrderKind, OrderStatus, QuarantineOrder
    from phongdich.testing.models import ResultValue, Sample, TestResult
    from phongdich.tracing.models import Contact
    from phongdich.vaccination.models import Vaccination

    ids = list(commune_ids)
    figures = {pk: dict.fromkeys(FIGURE_NAMES, 0) for pk in ids}
    start, end = day_bounds(day)

    def add(name: str, rows: models.QuerySet[Any], key: str) -> None:
        for row in rows.values(key).annotate(n=models.Count("pk")).order_by():
            if row[key] in figures:
                figures[row[key]][name] = int(row["n"])

    in_quarantine = (
        QuarantineOrder.objects.filter(commune__in=ids, start__lte=day)
        .exclude(status=OrderStatus.CANCELLED)
        .filter(models.Q(ended_on__isnull=True) | models.Q(ended_on__gt=day))
    )
    add(
        "new_cases",
        Case.objects.filter(commune__in=ids, confirmed_at__gte=start, confirmed_at__lt=end).exclude(
            status=CaseStatus.VOIDED
        ),
        "commune_id",
    )
    add(
        "f1_traced",
        Contact.objects.filter(commune__in=ids, degree=1, listed_at__gte=start, listed_at__lt=end),
        "commune_id",
    )
    add("quarantined_facility", in_quarantine.filter(kind=OrderKind.FACILITY), "commune_id")
    add("quarantined_home", in_quarantine.filter(kind=OrderKind.HOME), "commune_id")
    add("tests", Sample.objects.filter(commune__in=ids, taken_at__gte=start, taken_at__lt=end), "commune_id")
    add(
        "positives",
        TestResult.objects.filter(
            sample__commune__in=ids,
            result=ResultValue.POSITIVE,
            revoked_at__isnull=True,
            reported_at__gte=start,
            reported_at__lt=end,
        ),
        "sample__commune_id",
    )
    add("vaccinations", Vaccination.objects.filter(person__home_commune__in=ids, date=day), "person__home_commune_id")
    return figures


# The situation app's counters (when it is installed) that answer a report's figures.
_STATS_KEYS: dict[str, tuple[str, ...]] = {
    "new_cases": ("new_cases_community", "new_cases_quarantine", "new_cases_lockdown", "new_cases_imported"),
    "f1_traced": ("f1_traced",),
    "tests": ("tests",),
    "positives": ("positives",),
    "vaccinations": ("vaccinations",),
}


def platform_figures(commune: AdministrativeUnit, day: dt.date) -> dict[str, int]:
    """The pre-fill: the situation app's daily counters where they answer a figure, our own counts otherwise."""
    figures = own_figures(commune, day)
    try:
        from phongdich.situation.stats import daily_figures  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return figures
    counters: Mapping[str, Any] = daily_figures(commune, day)
    for name, keys in _STATS_KEYS.items():
        present = [key for key in keys if key in counters]
        if present and (name != "new_cases" or len(present) == len(keys)):
            figures[name] = sum(int(counters[key] or 0) for key in present)
    return figures


# --- submission -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportInput:
    """A commune's report. ``commune`` is an official code; figures are whole numbers ≥ 0."""

    commune: str
    day: dt.date | None
    figures: Mapping[str, object] = field(default_factory=dict)
    difficulties: str = ""


def _not_found(field_name: str, message: str) -> NotFound:
    """A 404 naming the field: screens answer "not found", the API also says which field."""
    error = NotFound()
    error.errors = [FieldError(field_name, message)]
    return error


def commune_for_report(actor: User, code: str, action: str = "add") -> AdministrativeUnit:
    """The commune an account may report for; any other (missing, out of scope, not a commune) is a 404."""
    code = (code or "").strip()
    commune = AdministrativeUnit.objects.filter(code=code, level=Level.COMMUNE).first() if code else None
    if (
        commune is None
        or not access.can(actor, "daily_report", action)
        or not access.unit_in_scope(actor, commune.path)
        or actor.role in access.AGGREGATE_ONLY_ROLES
    ):
        raise _not_found("commune", _("No commune with this code in your area."))
    return commune


def _check_day(day: dt.date | None, errors: list[FieldError]) -> None:
    today = local_today()
    if day is None:
        errors.append(FieldError("day", _("This field is required.")))
    elif day > today:
        errors.append(FieldError("day", _("A report cannot be for a day that has not come yet.")))
    elif day < today - dt.timedelta(days=MAX_PAST_DAYS):
        errors.append(
            FieldError("day", _("Reports older than %(n)s days can no longer be sent.") % {"n": MAX_PAST_DAYS})
        )


def _check_figures(commune: AdministrativeUnit, raw: Mapping[str, object], errors: list[FieldError]) -> dict[str, int]:
    cap = commune.population or UNKNOWN_POPULATION_CAP
    values: dict[str, int] = {}
    for name in raw:
        if name not in FIGURE_NAMES:
            errors.append(FieldError(name, _("Unknown figure.")))
    for name in FIGURE_NAMES:
        value = raw.get(name, 0)
        if value is None or value == "":
            value = 0
        if isinstance(value, bool):
            errors.append(FieldError(name, _("Enter a whole number.")))
            continue
        try:
            number = int(str(value).strip()) if not isinstance(value, int) else value
        except ValueError:
            errors.append(FieldError(name, _("Enter a whole number.")))
            continue
        if number < 0:
            errors.append(FieldError(name, _("A figure cannot be negative.")))
        elif number > cap:
            errors.append(
                FieldError(name, _("This is more than the commune's population (%(n)s).") % {"n": f"{cap:,}"})
            )
        else:
            values[name] = number
    return values


def submit_report(actor: User, data: ReportInput) -> tuple[DailyReport, bool]:
    """Store or revise a commune's report for a day; returns (report, changed).

    The same values again (a retry) change nothing. Other values revise it, keeping the replaced ones in a
    revision. A commune outside the actor's area: 404 naming ``commune``; a future day, a negative or absurd
    figure: 422 naming the field. Nothing is stored on an error.
    """
    commune = commune_for_report(actor, data.commune)
    errors: list[FieldError] = []
    _check_day(data.day, errors)
    values = _check_figures(commune, data.figures, errors)
    difficulties = (data.difficulties or "").strip().replace("\r\n", "\n")
    if len(difficulties) > DIFFICULTIES_MAX:
        errors.append(FieldError("difficulties", _("At most %(n)s characters.") % {"n": DIFFICULTIES_MAX}))
    if errors:
        raise InvalidInput(_("The request has errors."), errors)
    assert data.day is not None
    day = data.day
    platform = platform_figures(commune, day)
    try:
        with transaction.atomic():
            return _store(actor, commune, day, values, difficulties, platform)
    except IntegrityError:
        # Two submissions of a new report raced: the other one was stored first; this one revises it.
        with transaction.atomic():
            return _store(actor, commune, day, values, difficulties, platform)


def _store(
    actor: User,
    commune: AdministrativeUnit,
    day: dt.date,
    values: dict[str, int],
    difficulties: str,
    platform: dict[str, int],
) -> tuple[DailyReport, bool]:
    now = timezone.now()
    report = DailyReport.objects.select_for_update().filter(commune=commune, day=day).first()
    if report is None:
        report = DailyReport(commune=commune, day=day, submitted_by=actor, submitted_at=now, difficulties=difficulties)
        for name in FIGURE_NAMES:
            setattr(report, name, values[name])
            setattr(report, f"platform_{name}", platform.get(name))
        report.save(force_insert=True)
        audit.record(actor, AuditAction.CREATE, "daily_report", report.pk, detail={"commune": commune.code})
        return report, True
    if report.figures() == values and report.difficulties == difficulties:
        return report, False
    DailyReportRevision.objects.create(
        report=report,
        revision=report.revision,
        figures=report.figures(),
        difficulties=report.difficulties,
        submitted_by=report.submitted_by,
        submitted_at=report.revised_at or report.submitted_at,
    )
    for name in FIGURE_NAMES:
        setattr(report, name, values[name])
        setattr(report, f"platform_{name}", platform.get(name))
    report.difficulties = difficulties
    report.submitted_by = actor
    report.revised_at = now
    report.revision += 1
    report.save()
    audit.record(
        actor,
        AuditAction.UPDATE,
        "daily_report",
        report.pk,
        detail={"commune": commune.code, "revision": report.revision},
    )
    return report, True


# --- reading -------------------------------------------------------------------------------------------


def reports_for(actor: User, *, day: dt.date | None = None) -> models.QuerySet[DailyReport]:
    """The reports the actor may read (its communes' reports), newest day first."""
    reports = access.restrict(DailyReport.objects.all(), actor, "view").select_related("commune", "commune__parent")
    if day is not None:
        reports = reports.filter(day=day)
    return reports.order_by("-day", "commune__path")


def get_report(actor: User, report_id: object) -> DailyReport:
    return access.get_or_404(DailyReport.objects.select_related("commune"), actor, "view", pk=report_id)


def revisions(report: DailyReport) -> list[DailyReportRevision]:
    return list(report.revisions.select_related("submitted_by").order_by("-revision"))


def existing_report(commune: AdministrativeUnit, day: dt.date) -> DailyReport | None:
    return DailyReport.objects.filter(commune=commune, day=day).first()


# --- completeness and aggregation --------------------------------------------------------------------


def may_see_reports(user: User | AnonymousUser | None) -> bool:
    """Who may see the sums: readers of the reports and leaders (aggregates only)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or access.can(user, "daily_report", "view") or user.role in access.AGGREGATE_ONLY_ROLES


def communes_in_scope(user: User | AnonymousUser | None) -> models.QuerySet[AdministrativeUnit]:
    if not may_see_reports(user):
        return AdministrativeUnit.objects.none()
    return AdministrativeUnit.objects.communes().filter(access.unit_scope(user))


def focus_unit(user: User | AnonymousUser | None, code: str = "") -> AdministrativeUnit | None:
    """The unit a summary is about: the one asked for (within scope), else the account's outermost unit."""
    if not may_see_reports(user):
        return None
    assert user is not None and not isinstance(user, AnonymousUser)
    if code:
        unit = AdministrativeUnit.objects.filter(code=code.strip()).first()
        if unit is None or not access.unit_in_scope(user, unit.path):
            raise NotFound()
        return unit
    paths = access.outermost(user.unit_paths())
    if paths:
        return AdministrativeUnit.objects.filter(path=paths[0]).first()
    if user.is_superuser:
        return AdministrativeUnit.objects.provinces().order_by("path").first()
    return None


def reporting_status(user: User | AnonymousUser | None, day: dt.date | None = None) -> dict[str, Any]:
    """How many communes of the user's jurisdiction have reported for ``day`` (default: today, local).

    {"expected", "submitted", "missing", "late", "deadline"}: ``late`` counts reports sent after the deadline,
    ``deadline`` is the aware moment reports were due. For the dashboard; a viewer without reports sees zeros.
    """
    day = day or local_today()
    communes = communes_in_scope(user)
    expected = communes.count()
    reports = DailyReport.objects.filter(day=day, commune__in=communes)
    submitted = reports.count()
    due = deadline(day)
    late = reports.filter(submitted_at__gt=due).count()
    return {
        "expected": expected,
        "submitted": submitted,
        "missing": expected - submitted,
        "late": late,
        "deadline": due,
    }


def missing_communes(
    user: User | AnonymousUser | None, day: dt.date, within: AdministrativeUnit | None = None
) -> list[AdministrativeUnit]:
    communes = communes_in_scope(user)
    if within is not None:
        communes = communes.filter(path__startswith=within.path)
    reported = DailyReport.objects.filter(day=day).values("commune_id")
    return list(communes.exclude(pk__in=reported).select_related("parent").order_by("path"))


@dataclass
class Row:
    """A unit's line in a summary: the sums of its communes' reports and how many reported."""

    unit: AdministrativeUnit
    expected: int = 0
    reported: int = 0
    figures: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIGURE_NAMES, 0))
    platform: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIGURE_NAMES, 0))

    @property
    def missing(self) -> int:
        return self.expected - self.reported

    def add(self, report: DailyReport) -> None:
        self.reported += 1
        for name in FIGURE_NAMES:
            self.figures[name] += int(getattr(report, name))
            self.platform[name] += int(getattr(report, f"platform_{name}") or 0)


@dataclass
class Summary:
    """One day's reports for a unit (the province, a district, a commune), with its parts."""

    unit: AdministrativeUnit
    day: dt.date
    deadline: dt.datetime
    total: Row
    rows: list[Row]  # by district for the province, by commune for a district
    communes: list[tuple[Row, DailyReport | None]]
    missing: list[AdministrativeUnit]
    difficulties: list[tuple[AdministrativeUnit, str]]
    late: int = 0


def summary(user: User | AnonymousUser | None, day: dt.date, unit: AdministrativeUnit | None = None) -> Summary | None:
    """The sums of ``day``'s reports for ``unit`` (default: the user's outermost unit), within the user's scope."""
    unit = unit or focus_unit(user)
    if unit is None:
        return None
    communes = list(
        communes_in_scope(user).filter(path__startswith=unit.path).select_related("parent").order_by("path")
    )
    reports = {
        report.commune_id: report
        for report in DailyReport.objects.filter(day=day, commune__in=[c.pk for c in communes])
    }
    total = Row(unit=unit, expected=len(communes))
    children: dict[int, Row] = {}
    commune_rows: list[tuple[Row, DailyReport | None]] = []
    due = deadline(day)
    late = 0
    for commune in communes:
        # The province is summed by district; a district (or a commune) by commune.
        part = commune.parent if unit.level == Level.PROVINCE and commune.parent is not None else commune
        row = children.setdefault(part.pk, Row(unit=part))
        row.expected += 1
        commune_row = Row(unit=commune, expected=1)
        report = reports.get(commune.pk)
        if report is not None:
            row.add(report)
            total.add(report)
            commune_row.add(report)
            late += report.submitted_at > due
        commune_rows.append((commune_row, report))
    difficulties = [(c, reports[c.pk].difficulties) for c in communes if c.pk in reports and reports[c.pk].difficulties]
    return Summary(
        unit=unit,
        day=day,
        deadline=due,
        total=total,
        rows=sorted(children.values(), key=lambda row: row.unit.path),
        communes=commune_rows,
        missing=[commune for commune in communes if commune.pk not in reports],
        difficulties=difficulties,
        late=late,
    )


def record_export(actor: User, unit: AdministrativeUnit, day: dt.date, kind: str) -> None:
    audit.record(
        actor,
        AuditAction.EXPORT,
        "daily_report",
        "",
        detail={"unit": unit.code, "day": day.isoformat(), "format": kind},
    )
