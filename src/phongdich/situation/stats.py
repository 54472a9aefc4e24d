"""Keeping ``CommuneDayStat`` up to date, and reading it.

One code path computes the counters: :func:`compute` runs a handful of grouped queries limited to some
communes and a range of days. The incremental update (one commune, one day, after the transaction that
changed a case, result, dose or order commits) and the full rebuild (``phongdich situation-rebuild``,
the periodic refresh of the last two days) both call it, so they cannot disagree.

Other apps call :func:`note_case_changed` after changing a case without a signal or a ``save()``
(e.g. a bulk ``update()`` of ``detected_in``), or :func:`note_changed` for any (commune, day).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models.functions import TruncDate
from django.utils import timezone

from phongdich.situation.models import CASE_COUNTERS, COUNTERS, CaseDays, CommuneDayStat, CommuneTotal

Key = tuple[int, dt.date]

# Case.detected_in -> the counter suffix it is counted under.
DETECTED_GROUP: dict[str, str] = {
    "community": "community",
    "in_quarantine": "in_quarantine",
    "in_lockdown_area": "in_lockdown",
    "imported_other_province": "imported",
    "imported_abroad": "imported",
}

_pending = threading.local()


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min)).astimezone(dt.UTC)


def _local_date(field: str) -> TruncDate:
    return TruncDate(field, tzinfo=timezone.get_default_timezone())


def _range(field: str, since: dt.date | None, until: dt.date | None, *, aware: bool) -> dict[str, Any]:
    bounds: dict[str, Any] = {}
    if since is not None:
        bounds[f"{field}__gte"] = _day_start(since) if aware else since
    if until is not None:
        bounds[f"{field}__lt" if aware else f"{field}__lte"] = (
            _day_start(until + dt.timedelta(days=1)) if aware else until
        )
    return bounds


def compute(
    commune_ids: Collection[int] | None, since: dt.date | None = None, until: dt.date | None = None
) -> dict[Key, dict[str, int]]:
    """The counters of every (commune, day) with anything to count, for the communes (None: all) and days."""
    from phongdich.cases.models import Case, CaseStatus, Outcome
    from phongdich.quarantine.models import OrderStatus, QuarantineOrder
    from phongdich.testing.models import ResultValue, TestResult
    from phongdich.vaccination.models import Vaccination

    figures: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))

    def communes(field: str) -> dict[str, Any]:
        return {} if commune_ids is None else {f"{field}__in": list(commune_ids)}

    cases = Case.objects.exclude(status=CaseStatus.VOIDED).order_by()
    confirmed = (
        cases.filter(**communes("commune_id"), **_range("confirmed_at", since, until, aware=True))
        .annotate(local_day=_local_date("confirmed_at"))
        .values("commune_id", "local_day", "detected_in")
        .annotate(n=models.Count("pk"))
    )
    for row in confirmed:
        group = DETECTED_GROUP.get(row["detected_in"], "community")
        figures[(row["commune_id"], row["local_day"])][f"cases_{group}"] += row["n"]
    onsets = (
        cases.filter(
            **communes("commune_id"), onset_date__isnull=False, **_range("onset_date", since, until, aware=False)
        )
        .values("commune_id", "onset_date", "detected_in")
        .annotate(n=models.Count("pk"))
    )
    for row in onsets:
        group = DETECTED_GROUP.get(row["detected_in"], "community")
        figures[(row["commune_id"], row["onset_date"])][f"onset_{group}"] += row["n"]
    outcomes = (
        cases.filter(
            **communes("commune_id"),
            outcome__in=[Outcome.DIED, Outcome.RECOVERED],
            outcome_date__isnull=False,
            **_range("outcome_date", since, until, aware=False),
        )
        .values("commune_id", "outcome_date", "outcome")
        .annotate(n=models.Count("pk"))
    )
    for row in outcomes:
        name = "deaths" if row["outcome"] == Outcome.DIED else "recoveries"
        figures[(row["commune_id"], row["outcome_date"])][name] += row["n"]
    tests = (
        TestResult.objects.filter(
            revoked_at__isnull=True,
            result__in=[ResultValue.POSITIVE, ResultValue.NEGATIVE],
            **communes("sample__commune_id"),
            **_range("sample__taken_at", since, until, aware=True),
        )
        .order_by()
        .annotate(local_day=_local_date("sample__taken_at"))
        .values("sample__commune_id", "local_day")
        .annotate(n=models.Count("pk"), positive=models.Count("pk", filter=models.Q(result=ResultValue.POSITIVE)))
    )
    for row in tests:
        cell = figures[(row["sample__commune_id"], row["local_day"])]
        cell["tests"] += row["n"]
        cell["positives"] += row["positive"]
    doses = (
        Vaccination.objects.filter(**communes("person__home_commune_id"), **_range("date", since, until, aware=False))
        .order_by()
        .values("person__home_commune_id", "date")
        .annotate(
            n=models.Count("pk"),
            first=models.Count("pk", filter=models.Q(dose_number=1)),
            full=models.Count("pk", filter=models.Q(completes_course=True)),
        )
    )
    for row in doses:
        if row["person__home_commune_id"] is None:
            continue
        cell = figures[(row["person__home_commune_id"], row["date"])]
        cell["doses"] += row["n"]
        cell["first_doses"] += row["first"]
        cell["full_courses"] += row["full"]
    orders = (
        QuarantineOrder.objects.exclude(status=OrderStatus.CANCELLED)
        .filter(**communes("commune_id"), **_range("start", since, until, aware=False))
        .order_by()
        .values("commune_id", "start")
        .annotate(n=models.Count("pk"))
    )
    for row in orders:
        figures[(row["commune_id"], row["start"])]["quarantine_started"] += row["n"]
    return dict(figures)


def recompute(keys: Iterable[Key]) -> None:
    """Recompute the given (commune, day) rows now (a few queries per key; idempotent), then the totals."""
    keys = sorted(set(keys))
    for commune_id, day in keys:
        counters = compute([commune_id], day, day).get((commune_id, day))
        if counters is None or not any(counters.values()):
            CommuneDayStat.objects.filter(commune_id=commune_id, day=day).delete()
            continue
        defaults: dict[str, Any] = {**counters, "updated_at": timezone.now()}
        try:
            CommuneDayStat.objects.update_or_create(commune_id=commune_id, day=day, defaults=defaults)
        except IntegrityError:
            # Another process stored the same row at the same moment; ours is as fresh, so write it over.
            CommuneDayStat.objects.filter(commune_id=commune_id, day=day).update(**defaults)
    refresh_totals({commune_id for commune_id, _day in keys})


def refresh_totals(commune_ids: Collection[int] | None = None) -> None:
    """Recompute the running totals of some communes (None: all) from their day rows."""
    rows = CommuneDayStat.objects.all()
    stale = CommuneTotal.objects.all()
    if commune_ids is not None:
        rows = rows.filter(commune_id__in=commune_ids)
        stale = stale.filter(commune_id__in=commune_ids)
    sums = (
        rows.values("commune_id")
        .annotate(
            total_deaths=models.Sum("deaths"),
            total_first=models.Sum("first_doses"),
            total_full=models.Sum("full_courses"),
            **{f"total_{name}": models.Sum(name) for name in CASE_COUNTERS},
        )
        .order_by()
    )
    now = timezone.now()
    totals = [
        CommuneTotal(
            commune_id=row["commune_id"],
            cases=sum(row[f"total_{name}"] or 0 for name in CASE_COUNTERS),
            deaths=row["total_deaths"] or 0,
            first_doses=row["total_first"] or 0,
            full_courses=row["total_full"] or 0,
            updated_at=now,
        )
        for row in sums
    ]
    with transaction.atomic():
        stale.exclude(commune_id__in=[total.commune_id for total in totals]).delete()
        CommuneTotal.objects.bulk_create(
            totals,
            update_conflicts=True,
            unique_fields=["commune"],
            update_fields=["cases", "deaths", "first_doses", "full_courses", "updated_at"],
        )


def rebuild(since: dt.date | None = None, until: dt.date | None = None) -> int:
    """Recompute every commune's rows for the days (None: all time) with grouped queries; rows stored."""
    figures = compute(None, since, until)
    rows = [
        CommuneDayStat(commune_id=commune_id, day=day, **counters)
        for (commune_id, day), counters in figures.items()
        if any(counters.values())
    ]
    stale = CommuneDayStat.objects.all()
    if since is not None:
        stale = stale.filter(day__gte=since)
    if until is not None:
        stale = stale.filter(day__lte=until)
    with transaction.atomic():
        stale.delete()
        CommuneDayStat.objects.bulk_create(rows, batch_size=2000)
        if since is None and until is None:
            _rebuild_case_days()
        refresh_totals()
    return len(rows)


def refresh_recent(days: int = 2) -> int:
    """The periodic repair: recompute the last ``days`` local days of every commune."""
    today = timezone.localdate()
    return rebuild(since=today - dt.timedelta(days=days - 1), until=today)


# --- Incremental updates ------------------------------------------------------------------------------


def note_changed(commune_id: int, day: dt.date) -> None:
    """Recompute one (commune, day) once the current transaction commits (at once outside one)."""
    keys: set[Key] = _pending_keys()
    keys.add((commune_id, day))
    # One callback per note: a rolled-back transaction drops its callbacks, and a key still pending is
    # simply recomputed by the next flush. Robust: a failure here is logged and must not fail a request whose
    # own write has committed (the periodic refresh repairs the figures).
    transaction.on_commit(_flush, robust=True)


def _pending_keys() -> set[Key]:
    keys: set[Key] | None = getattr(_pending, "keys", None)
    if keys is None:
        keys = set()
        _pending.keys = keys
    return keys


def _flush() -> None:
    keys = _pending_keys()
    if not keys:
        return
    batch = set(keys)
    keys.clear()
    recompute(batch)


def case_days(case: Any) -> list[dt.date]:
    """The days a case is counted on: confirmation (local), onset, outcome."""
    days = {timezone.localtime(case.confirmed_at).date()}
    if case.onset_date is not None:
        days.add(case.onset_date)
    if case.outcome_date is not None:
        days.add(case.outcome_date)
    return sorted(days)


def note_case_changed(case: Any) -> None:
    """A case was opened, changed or voided: recompute the days it is counted on now and was before."""
    case_id, commune_id, days = case.pk, case.commune_id, case_days(case)

    def update() -> None:
        keys = {(commune_id, day) for day in days}
        previous = CaseDays.objects.filter(case_id=case_id).first()
        if previous is not None:
            keys |= {(previous.commune_id, dt.date.fromisoformat(day)) for day in previous.days}
        CaseDays.objects.update_or_create(
            case_id=case_id, defaults={"commune_id": commune_id, "days": [day.isoformat() for day in days]}
        )
        recompute(keys)

    transaction.on_commit(update, robust=True)


def _rebuild_case_days() -> None:
    from phongdich.cases.models import Case

    CaseDays.objects.all().delete()
    rows = [
        CaseDays(case_id=case.pk, commune_id=case.commune_id, days=[day.isoformat() for day in case_days(case)])
        for case in Case.objects.only("pk", "commune_id", "confirmed_at", "onset_date", "outcome_date").iterator()
    ]
    CaseDays.objects.bulk_create(rows, batch_size=2000)


# --- Reading -----------------------------------------------------------------------------------------


def daily_figures(unit: Any, day: dt.date) -> dict[str, int]:
    """A commune's, or an aggregate unit's, figures for one local day (plus F1s in quarantine now)."""
    from phongdich.quarantine.models import OrderReason, OrderStatus, QuarantineOrder

    totals = CommuneDayStat.objects.filter(commune__path__startswith=unit.path, day=day).aggregate(
        **{name: models.Sum(name) for name in COUNTERS}
    )
    counts = {name: int(value or 0) for name, value in totals.items()}
    f1 = QuarantineOrder.objects.filter(
        commune__path__startswith=unit.path, status=OrderStatus.ACTIVE, reason=OrderReason.F1_OF_CASE
    ).count()
    return {
        "new_cases": sum(
            counts[name] for name in ("cases_community", "cases_in_quarantine", "cases_in_lockdown", "cases_imported")
        ),
        "new_cases_community": counts["cases_community"],
        "new_cases_quarantine": counts["cases_in_quarantine"],
        "new_cases_lockdown": counts["cases_in_lockdown"],
        "new_cases_imported": counts["cases_imported"],
        "tests": counts["tests"],
        "positives": counts["positives"],
        "deaths": counts["deaths"],
        "recoveries": counts["recoveries"],
        "vaccinations": counts["doses"],
        "first_doses": counts["first_doses"],
        "full_courses": counts["full_courses"],
        "quarantine_started": counts["quarantine_started"],
        "f1_in_quarantine": f1,
    }
