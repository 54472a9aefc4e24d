"""Epidemic levels: rule sets, capacity declarations, the assessment engine, publication, measures.

Every write happens here. The engine reads three grouped queries whatever the population: the units, the
cases grouped by commune, the coverage entries grouped by commune and age band (plus the newest capacity
declarations). Denominators are the census figures of geo.AdministrativeUnit (population and its age-band
fields), summed over a district's or the province's communes; ``population_scale`` multiplies them, for a
synthetic province generated at a fraction of the census (the demo).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from phongdich.accounts.models import User
from phongdich.accounts.roles import Role
from phongdich.audit import services as audit
from phongdich.cases.models import Case, CaseStatus, ClinicalStatus, DetectedIn, Outcome
from phongdich.core import access
from phongdich.core.errors import Conflict, FieldError, InvalidInput, NotFound
from phongdich.geo.models import AdministrativeUnit, Level
from phongdich.levels.models import (
    AGE_BAND_ENDS,
    AGE_BAND_STARTS,
    MAX_LEVEL,
    Assessment,
    AssessmentStatus,
    CoverageMeasure,
    LevelMeasure,
    LevelRuleSet,
    MeasureKind,
    UnitCapacity,
)
from phongdich.vaccination.models import CoverageEntry
from phongdich.venues.models import Venue, VenueKind, VenueStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

# Raising a unit's level needs this much notice to people and businesses (Resolution 128).
RAISE_NOTICE = dt.timedelta(hours=48)

# The census age bands (geo.AGE_BANDS) by their first and last age, with the unit field holding each.
CENSUS_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0_11", 0, 11),
    ("12_17", 12, 17),
    ("18_49", 18, 49),
    ("50_64", 50, 64),
    ("65_plus", 65, None),
)

# Who decides: the province's administrators approve, reject and publish.
APPROVER_ROLES = frozenset({Role.PROVINCE_ADMIN})
# Who proposes: districts for themselves and their communes; the province for any unit.
PROPOSER_ROLES = frozenset({Role.DISTRICT_OFFICER, Role.PROVINCE_ADMIN})


# --- Rule sets ------------------------------------------------------------------------------------------------


@dataclass
class RuleSetInput:
    name: str
    valid_from: dt.date
    bands: list[dict[str, Any]]
    coverage_conditions: list[dict[str, Any]]
    combination: dict[str, dict[str, int]]
    notes: str = ""
    source_note: str = ""
    window_days: int = 7
    per_population: int = 100_000
    count_severe_and_deaths: bool = False
    capacity_raises_level: bool = True
    # venue kind -> level (as a string) -> measure; None keeps the current measures (or all "open").
    measures: dict[str, dict[str, str]] | None = None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


def _check_bands(bands: Any, errors: list[FieldError]) -> list[int]:
    """The band numbers, after checking the bands cover [0, ∞) once, in order, with no gap or overlap."""
    if not isinstance(bands, list) or not bands:
        errors.append(FieldError("bands", _("Give at least one band.")))
        return []
    numbers: list[int] = []
    previous_upper: float | None = 0.0
    for index, row in enumerate(bands):
        where = f"bands[{index}]"
        if not isinstance(row, dict):
            errors.append(FieldError(where, _("Each band needs a band number, a lower and an upper bound.")))
            return []
        band, lower, upper = row.get("band"), _number(row.get("lower")), row.get("upper")
        if not isinstance(band, int) or isinstance(band, bool) or band != index + 1 or band > MAX_LEVEL:
            errors.append(FieldError(f"{where}.band", _("Bands are numbered 1, 2, 3 … in order, 4 at most.")))
        if lower is None or lower < 0:
            errors.append(FieldError(f"{where}.lower", _("The lower bound must be a number, 0 or more.")))
            return numbers
        if previous_upper is None:
            errors.append(FieldError(f"{where}.lower", _("A band follows the open-ended band.")))
        elif lower < previous_upper:
            errors.append(FieldError(f"{where}.lower", _("This band overlaps the one before it.")))
        elif lower > previous_upper:
            errors.append(FieldError(f"{where}.lower", _("There is a gap before this band.")))
        if upper is None:
            previous_upper = None
        else:
            upper_value = _number(upper)
            if upper_value is None or upper_value <= lower:
                errors.append(FieldError(f"{where}.upper", _("The upper bound must be above the lower bound.")))
                return numbers
            previous_upper = upper_value
        if isinstance(band, int):
            numbers.append(band)
    if previous_upper is not None:
        errors.append(
            FieldError(f"bands[{len(bands) - 1}].upper", _("The last band must be open-ended (no upper bound)."))
        )
    return numbers


def _check_conditions(conditions: Any, errors: list[FieldError]) -> None:
    if not isinstance(conditions, list):
        errors.append(FieldError("coverage_conditions", _("Give a list of coverage conditions.")))
        return
    for index, row in enumerate(conditions):
        where = f"coverage_conditions[{index}]"
        if not isinstance(row, dict):
            errors.append(FieldError(where, _("Each condition needs ages, a measure and a minimum share.")))
            continue
        age_from, age_to = row.get("age_from"), row.get("age_to")
        if age_from not in AGE_BAND_STARTS or isinstance(age_from, bool):
            errors.append(FieldError(f"{where}.age_from", _("The age must start a census band: 0, 12, 18, 50 or 65.")))
        if age_to is not None and (age_to not in AGE_BAND_ENDS or isinstance(age_to, bool)):
            errors.append(FieldError(f"{where}.age_to", _("The age must end a census band: 11, 17, 49, 64 or none.")))
        elif age_to is not None and isinstance(age_from, int) and age_to < age_from:
            errors.append(FieldError(f"{where}.age_to", _("The last age is below the first.")))
        if row.get("measure") not in CoverageMeasure.values:
            errors.append(FieldError(f"{where}.measure", _("The measure is first_dose or full_course.")))
        share = _number(row.get("min_share"))
        if share is None or not 0 <= share <= 1:
            errors.append(FieldError(f"{where}.min_share", _("The share must be between 0 and 1.")))


def _check_combination(combination: Any, bands: list[int], errors: list[FieldError]) -> None:
    if not isinstance(combination, dict):
        errors.append(FieldError("combination", _("Give the level for every band, coverage met and not met.")))
        return
    for band in bands:
        row = combination.get(str(band))
        for key in ("met", "not_met"):
            level = row.get(key) if isinstance(row, dict) else None
            if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= MAX_LEVEL:
                errors.append(FieldError(f"combination.{band}.{key}", _("Give a level from 1 to 4 for this band.")))
    for key in combination:
        if str(key) not in {str(band) for band in bands}:
            errors.append(FieldError(f"combination.{key}", _("There is no such band.")))


def _check_measures(measures: Any, errors: list[FieldError]) -> None:
    if measures is None:
        return
    if not isinstance(measures, dict):
        errors.append(FieldError("measures", _("Give the measures by kind of venue and level.")))
        return
    for kind, by_level in measures.items():
        if kind not in VenueKind.values:
            errors.append(FieldError(f"measures.{kind}", _("There is no such kind of venue.")))
            continue
        if not isinstance(by_level, dict):
            errors.append(FieldError(f"measures.{kind}", _("Give a measure for each level.")))
            continue
        for level, measure in by_level.items():
            if str(level) not in {"1", "2", "3", "4"}:
                errors.append(FieldError(f"measures.{kind}.{level}", _("Levels are 1 to 4.")))
            elif measure not in MeasureKind.values:
                errors.append(FieldError(f"measures.{kind}.{level}", _("The measure is open, restricted or closed.")))


def validate_rule_set(data: RuleSetInput) -> None:
    """Raise InvalidInput naming every faulty field; nothing is stored by a caller that gets it."""
    errors: list[FieldError] = []
    if not data.name.strip():
        errors.append(FieldError("name", _("This field is required.")))
    if not 1 <= data.window_days <= 28:
        errors.append(FieldError("window_days", _("Count between 1 and 28 days.")))
    if data.per_population < 1:
        errors.append(FieldError("per_population", _("The population base must be positive.")))
    bands = _check_bands(data.bands, errors)
    _check_conditions(data.coverage_conditions, errors)
    _check_combination(data.combination, bands, errors)
    _check_measures(data.measures, errors)
    if errors:
        raise InvalidInput(_("The rule set has errors; nothing was saved."), errors)


def _clean_bands(bands: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"band": int(row["band"]), "lower": row["lower"], "upper": row.get("upper")} for row in bands]


def _clean_conditions(conditions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "age_from": int(row["age_from"]),
            "age_to": None if row.get("age_to") is None else int(row["age_to"]),
            "measure": row["measure"],
            "min_share": float(row["min_share"]),
        }
        for row in conditions
    ]


def _apply(rule_set: LevelRuleSet, data: RuleSetInput) -> None:
    rule_set.name = data.name.strip()
    rule_set.valid_from = data.valid_from
    rule_set.notes = data.notes
    rule_set.source_note = data.source_note
    rule_set.window_days = data.window_days
    rule_set.per_population = data.per_population
    rule_set.count_severe_and_deaths = data.count_severe_and_deaths
    rule_set.capacity_raises_level = data.capacity_raises_level
    rule_set.bands = _clean_bands(data.bands)
    rule_set.coverage_conditions = _clean_conditions(data.coverage_conditions)
    rule_set.combination = {str(k): {"met": v["met"], "not_met": v["not_met"]} for k, v in data.combination.items()}


def _store_measures(rule_set: LevelRuleSet, measures: dict[str, dict[str, str]]) -> None:
    notes = {(m.venue_kind, m.level): m.note for m in rule_set.measures.all()}
    rule_set.measures.all().delete()
    LevelMeasure.objects.bulk_create(
        LevelMeasure(
            rule_set=rule_set,
            venue_kind=kind,
            level=int(level),
            measure=measure,
            note=notes.get((kind, int(level)), ""),
        )
        for kind, by_level in measures.items()
        for level, measure in by_level.items()
    )


def measures_of(rule_set: LevelRuleSet) -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {}
    for measure in rule_set.measures.all():
        table.setdefault(measure.venue_kind, {})[str(measure.level)] = measure.measure
    return table


def _may_edit_rules(user: User, action: str) -> None:
    if not access.can(user, "level_rule_set", action):
        raise NotFound()


def _taken(valid_from: dt.date, other_than: int | None = None) -> bool:
    taken = LevelRuleSet.objects.filter(replaced_by__isnull=True, valid_from=valid_from)
    if other_than is not None:
        taken = taken.exclude(pk=other_than)
    return taken.exists()


def _rule_set_detail(rule_set: LevelRuleSet) -> dict[str, Any]:
    # Numbers only (no personal data): the audit trail keeps what the rules were.
    return {
        "name": rule_set.name,
        "version": rule_set.version,
        "valid_from": rule_set.valid_from.isoformat(),
        "bands": rule_set.bands,
        "coverage_conditions": rule_set.coverage_conditions,
        "combination": rule_set.combination,
        "window_days": rule_set.window_days,
        "per_population": rule_set.per_population,
        "count_severe_and_deaths": rule_set.count_severe_and_deaths,
        "capacity_raises_level": rule_set.capacity_raises_level,
    }


def rule_sets(user: User | AnonymousUser) -> models.QuerySet[LevelRuleSet]:
    if not access.can(user, "level_rule_set", "view"):
        raise NotFound()
    return LevelRuleSet.objects.all()


def get_rule_set(user: User | AnonymousUser, pk: int) -> LevelRuleSet:
    try:
        return rule_sets(user).get(pk=pk)
    except (LevelRuleSet.DoesNotExist, ValueError, OverflowError):
        raise NotFound() from None


def create_rule_set(actor: User, data: RuleSetInput) -> LevelRuleSet:
    _may_edit_rules(actor, "add")
    validate_rule_set(data)
    with transaction.atomic():
        if _taken(data.valid_from):
            raise Conflict(
                _("Another rule set starts on that day."),
                [FieldError("valid_from", _("Another rule set starts on that day."))],
            )
        rule_set = LevelRuleSet(created_by=actor)
        _apply(rule_set, data)
        rule_set.save()
        _store_measures(rule_set, data.measures or {})
        audit.record(actor, "create", "level_rule_set", rule_set.pk, detail=_rule_set_detail(rule_set))
    return rule_set


def update_rule_set(actor: User, pk: int, data: RuleSetInput) -> LevelRuleSet:
    """Change a rule set. One that a published result used stays as it was, and the change is a new version
    that replaces it (``replaced_by``), so every published level keeps pointing to the rules it came from."""
    _may_edit_rules(actor, "change")
    validate_rule_set(data)
    with transaction.atomic():
        current = LevelRuleSet.objects.select_for_update().filter(pk=pk).first()
        if current is None:
            raise NotFound()
        if current.replaced_by_id is not None:
            raise Conflict(_("This version has been replaced; edit the newest one."))
        if _taken(data.valid_from, other_than=current.pk):
            raise Conflict(
                _("Another rule set starts on that day."),
                [FieldError("valid_from", _("Another rule set starts on that day."))],
            )
        measures = data.measures if data.measures is not None else measures_of(current)
        used = current.assessments.filter(status=AssessmentStatus.PUBLISHED).exists()
        if used:
            before = _rule_set_detail(current)
            rule_set = LevelRuleSet(created_by=actor, version=current.version + 1)
            _apply(rule_set, data)
            # The old version leaves the "one current set a day" constraint (pointing at itself for a moment)
            # before the new one takes its place.
            LevelRuleSet.objects.filter(pk=current.pk).update(replaced_by=current.pk)
            rule_set.save()
            LevelRuleSet.objects.filter(pk=current.pk).update(replaced_by=rule_set)
            _store_measures(rule_set, measures)
            audit.record(
                actor,
                "create",
                "level_rule_set",
                rule_set.pk,
                detail={"replaces": current.pk, "before": before, "after": _rule_set_detail(rule_set)},
            )
            return rule_set
        before = _rule_set_detail(current)
        _apply(current, data)
        current.save()
        _store_measures(current, measures)
        audit.record(
            actor, "update", "level_rule_set", current.pk, detail={"before": before, "after": _rule_set_detail(current)}
        )
    return current


# --- Capacity -------------------------------------------------------------------------------------------------


@dataclass
class CapacityInput:
    unit: str
    capacity_met: bool
    treatment_beds: int | None = None
    free_beds: int | None = None
    icu_beds: int | None = None
    home_care_capacity: int | None = None
    note: str = ""


def _declarable_unit(user: User, code: str, action: str = "add") -> AdministrativeUnit:
    """A unit the account may declare for: communes their commune, districts their district, the province
    the province (an account declares for the units it is assigned to, not for those below them)."""
    if not access.can(user, "unit_capacity", action):
        raise NotFound()
    unit = AdministrativeUnit.objects.filter(code=code).first()
    if unit is None or not access.unit_in_scope(user, unit.path):
        raise NotFound()
    if not user.is_superuser and user.role != Role.PROVINCE_ADMIN and unit.path not in user.unit_paths():
        raise NotFound()
    return unit


def declare_capacity(actor: User, data: CapacityInput, *, at: dt.datetime | None = None) -> UnitCapacity:
    unit = _declarable_unit(actor, data.unit)
    errors = [
        FieldError(name, _("Give a number, 0 or more."))
        for name in ("treatment_beds", "free_beds", "icu_beds", "home_care_capacity")
        if getattr(data, name) is not None and getattr(data, name) < 0
    ]
    if data.free_beds is not None and data.treatment_beds is not None and data.free_beds > data.treatment_beds:
        errors.append(FieldError("free_beds", _("More free beds than beds.")))
    if errors:
        raise InvalidInput(_("The declaration has errors; nothing was saved."), errors)
    with transaction.atomic():
        declaration = UnitCapacity.objects.create(
            unit=unit,
            capacity_met=data.capacity_met,
            treatment_beds=data.treatment_beds,
            free_beds=data.free_beds,
            icu_beds=data.icu_beds,
            home_care_capacity=data.home_care_capacity,
            note=data.note.strip(),
            declared_at=at or timezone.now(),
            declared_by=actor,
        )
        audit.record(actor, "create", "unit_capacity", declaration.pk, detail={"unit": unit.code})
    return declaration


def latest_capacities(at: dt.datetime | None = None) -> dict[int, UnitCapacity]:
    """Unit id -> its newest declaration made by ``at``."""
    at = at or timezone.now()
    newest: dict[int, UnitCapacity] = {}
    for declaration in UnitCapacity.objects.filter(declared_at__lte=at).order_by("unit_id", "-declared_at", "-pk"):
        newest.setdefault(declaration.unit_id, declaration)
    return newest


def capacity_history(user: User | AnonymousUser, code: str) -> list[UnitCapacity]:
    unit = unit_for(user, code)
    return list(UnitCapacity.objects.filter(unit=unit).select_related("declared_by")[:20])


# --- The engine -----------------------------------------------------------------------------------------------


@dataclass
class _Figures:
    """What a unit's level is computed from, summed over its communes."""

    cases: int = 0
    community: int = 0
    severe: int = 0
    deaths: int = 0
    population: int = 0
    population_known: bool = True
    bands: dict[str, int] = field(default_factory=lambda: {key: 0 for key, _a, _b in CENSUS_BANDS})
    bands_known: bool = True
    first_dose: dict[str, int] = field(default_factory=lambda: {key: 0 for key, _a, _b in CENSUS_BANDS})
    full_course: dict[str, int] = field(default_factory=lambda: {key: 0 for key, _a, _b in CENSUS_BANDS})

    def add(self, other: _Figures) -> None:
        self.cases += other.cases
        self.community += other.community
        self.severe += other.severe
        self.deaths += other.deaths
        self.population += other.population
        self.population_known = self.population_known and other.population_known
        self.bands_known = self.bands_known and other.bands_known
        for key in self.bands:
            self.bands[key] += other.bands[key]
            self.first_dose[key] += other.first_dose[key]
            self.full_course[key] += other.full_course[key]


def _years_ago(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _band_of_birth(day: dt.date) -> models.Case:
    """The census band of a birth date, by exact age on ``day``."""
    whens = [
        models.When(date_of_birth__gt=_years_ago(day, start_next), then=models.Value(key))
        for (key, _start, _end), (_next_key, start_next, _next_end) in itertools.pairwise(CENSUS_BANDS)
    ]
    return models.Case(*whens, default=models.Value(CENSUS_BANDS[-1][0]), output_field=models.CharField())


def _window(at: dt.datetime, days: int) -> tuple[dt.date, dt.datetime]:
    """The first local day of the window ending on ``at``'s local day, and that day's start as aware time."""
    first_day = timezone.localdate(at) - dt.timedelta(days=days - 1)
    start = timezone.make_aware(dt.datetime.combine(first_day, dt.time.min))
    return first_day, start


def _commune_figures(
    communes: list[AdministrativeUnit], rule_set: LevelRuleSet, at: dt.datetime, scale: float
) -> dict[int, _Figures]:
    figures: dict[int, _Figures] = {}
    for commune in communes:
        item = _Figures()
        item.population_known = commune.population is not None
        item.population = round((commune.population or 0) * scale)
        for key, _start, _end in CENSUS_BANDS:
            value = getattr(commune, f"population_{key}")
            item.bands_known = item.bands_known and value is not None
            item.bands[key] = round((value or 0) * scale)
        figures[commune.pk] = item
    if not communes:
        return figures
    paths = access.outermost([commune.path for commune in communes])
    first_day, start = _window(at, rule_set.window_days)
    community = models.Q(detected_in=DetectedIn.COMMUNITY, confirmed_at__gte=start, confirmed_at__lte=at)
    # Deaths in the window; patients on oxygen: the platform records severe and critical clinical status,
    # as it stands now (no history of the status is kept).
    died = models.Q(outcome=Outcome.DIED, outcome_date__gte=first_day, outcome_date__lte=timezone.localdate(at))
    severe = models.Q(
        status=CaseStatus.ACTIVE,
        clinical_status__in=[ClinicalStatus.SEVERE, ClinicalStatus.CRITICAL],
        confirmed_at__lte=at,
    )
    counted = community | died | severe if rule_set.count_severe_and_deaths else community
    rows = (
        Case.objects.filter(access.units_within(paths, prefix="commune__"))
        .exclude(status=CaseStatus.VOIDED)
        .filter(counted)
        .order_by()
        .values("commune_id")
        .annotate(
            cases=models.Count("pk"),
            community=models.Count("pk", filter=community),
            severe=models.Count("pk", filter=severe),
            deaths=models.Count("pk", filter=died),
        )
    )
    for row in rows:
        counted_in = figures.get(row["commune_id"])
        if counted_in is not None:
            counted_in.cases, counted_in.community = row["cases"], row["community"]
            counted_in.severe, counted_in.deaths = row["severe"], row["deaths"]
    day = timezone.localdate(at)
    coverage = (
        CoverageEntry.objects.filter(access.units_within(paths, prefix="commune__"))
        .annotate(band=_band_of_birth(day))
        .order_by()
        .values("commune_id", "band")
        .annotate(
            first=models.Count("pk", filter=models.Q(first_dose=True)),
            full=models.Count("pk", filter=models.Q(full_course=True)),
        )
    )
    for row in coverage:
        vaccinated_in = figures.get(row["commune_id"])
        if vaccinated_in is not None:
            vaccinated_in.first_dose[row["band"]] += row["first"]
            vaccinated_in.full_course[row["band"]] += row["full"]
    return figures


def _group_label(age_from: int, age_to: int | None) -> str:
    if age_from == 0 and age_to is None:
        return "all"
    return f"{age_from}+" if age_to is None else f"{age_from}–{age_to}"


def _coverage(figures: _Figures, conditions: list[dict[str, Any]]) -> tuple[bool, list[dict[str, Any]]]:
    results: list[dict[str, Any]] = []
    for condition in conditions:
        age_from, age_to = condition["age_from"], condition.get("age_to")
        keys = [
            key
            for key, start, end in CENSUS_BANDS
            if start >= age_from and (age_to is None or (end is not None and end <= age_to))
        ]
        counts = figures.first_dose if condition["measure"] == CoverageMeasure.FIRST_DOSE else figures.full_course
        vaccinated = sum(counts[key] for key in keys)
        population = sum(figures.bands[key] for key in keys)
        share = vaccinated / population if population and figures.bands_known else None
        results.append(
            {
                "group": _group_label(age_from, age_to),
                "measure": condition["measure"],
                "min_share": condition["min_share"],
                "vaccinated": vaccinated,
                "population": population if figures.bands_known else None,
                "share": None if share is None else round(share, 4),
                # Unknown denominators never meet a condition.
                "met": share is not None and share >= float(condition["min_share"]),
            }
        )
    return all(item["met"] for item in results), results


def _decide(
    unit: AdministrativeUnit,
    figures: _Figures,
    rule_set: LevelRuleSet,
    capacity: UnitCapacity | None,
    at: dt.datetime,
    scale: float,
) -> Assessment:
    rate: float | None = None
    if figures.population_known and figures.population > 0:
        rate = figures.cases * rule_set.per_population / figures.population
    band = rule_set.band_for(rate) if rate is not None else int(rule_set.bands[0]["band"])
    coverage_met, coverage = _coverage(figures, rule_set.coverage_conditions)
    base = rule_set.base_level(band, coverage_met)
    capacity_met = capacity is None or capacity.capacity_met
    raised = not capacity_met and rule_set.capacity_raises_level and base < MAX_LEVEL
    level = min(base + 1, MAX_LEVEL) if not capacity_met and rule_set.capacity_raises_level else base
    inputs: dict[str, Any] = {
        "rule_set": rule_set.pk,
        "rule_set_name": rule_set.name,
        "window_days": rule_set.window_days,
        "per_population": rule_set.per_population,
        "cases": figures.cases,
        "community_cases": figures.community,
        "severe_and_deaths_counted": rule_set.count_severe_and_deaths,
        "severe_cases": figures.severe,
        "deaths": figures.deaths,
        "population": figures.population if figures.population_known else None,
        "population_scale": scale,
        "rate": None if rate is None else round(rate, 2),
        "band": band,
        "coverage_met": coverage_met,
        "coverage": coverage,
        "base_level": base,
        "raised": raised,
        "capacity": {
            "declared": capacity is not None,
            "met": capacity_met,
            "declared_at": capacity.declared_at.isoformat() if capacity else None,
            "treatment_beds": capacity.treatment_beds if capacity else None,
            "free_beds": capacity.free_beds if capacity else None,
            "icu_beds": capacity.icu_beds if capacity else None,
            "home_care_capacity": capacity.home_care_capacity if capacity else None,
        },
    }
    return Assessment(
        unit=unit,
        rule_set=rule_set,
        assessed_at=at,
        level=level,
        band=band,
        coverage_met=coverage_met,
        capacity_met=capacity_met,
        inputs=inputs,
    )


def _assess(
    actor: User | None, root: AdministrativeUnit | None, at: dt.datetime | None, scale: float
) -> list[Assessment]:
    now = timezone.now()
    at = at or now
    if timezone.is_naive(at):
        raise InvalidInput(
            _("Give the time with its time zone."), [FieldError("at", _("Give the time with its time zone."))]
        )
    if at > now + dt.timedelta(minutes=5):
        raise InvalidInput(
            _("Figures cannot be taken from the future."),
            [FieldError("at", _("Figures cannot be taken from the future."))],
        )
    rule_set = LevelRuleSet.in_force(timezone.localdate(at))
    if rule_set is None:
        raise Conflict(
            _("No level rule set is in force on that day."),
            [FieldError("at", _("No level rule set is in force on that day."))],
        )
    units = AdministrativeUnit.objects.all()
    if root is not None:
        units = units.filter(path__startswith=root.path)
    every = list(units.order_by("path"))
    communes = [unit for unit in every if unit.level == Level.COMMUNE]
    by_commune = _commune_figures(communes, rule_set, at, scale)
    capacities = latest_capacities(at)
    commune_paths = [(commune.path, by_commune[commune.pk]) for commune in communes]
    results: list[Assessment] = []
    for unit in every:
        if unit.level == Level.COMMUNE:
            figures = by_commune[unit.pk]
        else:
            figures = _Figures()
            for path, item in commune_paths:
                if path.startswith(unit.path):
                    figures.add(item)
        assessment = _decide(unit, figures, rule_set, capacities.get(unit.pk), at, scale)
        assessment.computed_by = actor if actor is not None and actor.pk else None
        results.append(assessment)
    with transaction.atomic():
        Assessment.objects.bulk_create(results)
        audit.record(actor, "generate", "level_assessment", detail={"units": len(results), "rule_set": rule_set.pk})
    return results


def assess_all(actor: User | None, at: dt.datetime | None = None, *, population_scale: float = 1.0) -> list[Assessment]:
    """Assess every commune, district and the province with the rule set in force; store and return the results."""
    if actor is not None and not access.can(actor, "epidemic_level", "add"):
        raise NotFound()
    return _assess(actor, None, at, population_scale)


def assess_unit(
    actor: User | None, code: str, at: dt.datetime | None = None, *, population_scale: float = 1.0
) -> Assessment:
    """Assess one unit on demand (its communes' figures summed)."""
    if actor is not None and not access.can(actor, "epidemic_level", "add"):
        raise NotFound()
    unit = unit_for(actor, code) if actor is not None else AdministrativeUnit.objects.filter(code=code).first()
    if unit is None:
        raise NotFound()
    results = _assess(actor, unit, at, population_scale)
    return next(result for result in results if result.unit_id == unit.pk)


def latest_assessments() -> dict[int, Assessment]:
    """Unit id -> the newest assessment (whatever its status)."""
    newest: dict[int, Assessment] = {}
    rows = Assessment.objects.filter(
        pk__in=models.Subquery(
            Assessment.objects.filter(unit_id=models.OuterRef("unit_id"))
            .order_by("-created_at", "-pk")
            .values("pk")[:1]
        )
    )
    for assessment in rows:
        newest[assessment.unit_id] = assessment
    return newest


def current_published(at: dt.datetime | None = None) -> dict[int, Assessment]:
    """Unit id -> the published assessment in effect at ``at``."""
    at = at or timezone.now()
    in_effect: dict[int, Assessment] = {}
    rows = Assessment.objects.filter(status=AssessmentStatus.PUBLISHED, effective_at__lte=at).order_by(
        "unit_id", "-effective_at", "-pk"
    )
    for assessment in rows:
        in_effect.setdefault(assessment.unit_id, assessment)
    return in_effect


def current_levels(at: dt.datetime | None = None) -> dict[int, int]:
    """Unit id -> the published level in effect at ``at`` (default now), for every unit that has one."""
    at = at or timezone.now()
    levels: dict[int, int] = {}
    rows = (
        Assessment.objects.filter(status=AssessmentStatus.PUBLISHED, effective_at__lte=at)
        .order_by("unit_id", "-effective_at", "-pk")
        .values_list("unit_id", "level")
    )
    for unit_id, level in rows:
        levels.setdefault(unit_id, level)
    return levels


# --- Publication ----------------------------------------------------------------------------------------------


def unit_for(user: User | AnonymousUser | None, code: str) -> AdministrativeUnit:
    """A unit within the account's units (leaders included), or NotFound."""
    if not access.can(user, "epidemic_level", "view"):
        raise NotFound()
    unit = AdministrativeUnit.objects.filter(access.unit_scope(user), code=code).first()
    if unit is None:
        raise NotFound()
    return unit


def _assessment_for(user: User, pk: int) -> Assessment:
    assessment = (
        Assessment.objects.select_for_update()
        .select_related("unit")
        .filter(access.units_within(user.unit_paths(), prefix="unit__") if not user.is_superuser else models.Q())
        .filter(pk=pk)
        .first()
        if 0 < pk < 2**63
        else None
    )
    if assessment is None:
        raise NotFound()
    return assessment


def _require_status(assessment: Assessment, *allowed: str) -> None:
    if assessment.status not in allowed:
        raise Conflict(
            _("This result is %(status)s; that step is not possible now.") % {"status": assessment.get_status_display()}
        )


def _may_propose(user: User, unit: AdministrativeUnit) -> bool:
    if user.is_superuser:
        return True
    if user.role not in PROPOSER_ROLES or not access.can(user, "epidemic_level", "change"):
        return False
    if user.role == Role.DISTRICT_OFFICER:
        return unit.level in (Level.COMMUNE, Level.DISTRICT)
    return True


def may_propose(user: User, unit: AdministrativeUnit) -> bool:
    return access.unit_in_scope(user, unit.path) and _may_propose(user, unit)


def may_decide(user: User, unit: AdministrativeUnit | None = None) -> bool:
    if user.is_superuser:
        return True
    return (
        user.role in APPROVER_ROLES
        and access.can(user, "epidemic_level", "change")
        and (unit is None or access.unit_in_scope(user, unit.path))
    )


def _audit_step(actor: User, assessment: Assessment, step: str) -> None:
    audit.record(
        actor,
        "update",
        "level_assessment",
        assessment.pk,
        detail={"step": step, "unit": assessment.unit.code, "level": assessment.level},
    )


def propose(actor: User, pk: int, *, at: dt.datetime | None = None) -> Assessment:
    with transaction.atomic():
        assessment = _assessment_for(actor, pk)
        if not _may_propose(actor, assessment.unit):
            raise NotFound()
        _require_status(assessment, AssessmentStatus.COMPUTED, AssessmentStatus.REJECTED)
        assessment.status = AssessmentStatus.PROPOSED
        assessment.proposed_by, assessment.proposed_at = actor, at or timezone.now()
        assessment.save(update_fields=["status", "proposed_by", "proposed_at"])
        _audit_step(actor, assessment, "propose")
    return assessment


def approve(actor: User, pk: int, *, at: dt.datetime | None = None) -> Assessment:
    with transaction.atomic():
        assessment = _assessment_for(actor, pk)
        if not may_decide(actor):
            raise NotFound()
        _require_status(assessment, AssessmentStatus.PROPOSED)
        assessment.status = AssessmentStatus.APPROVED
        assessment.approved_by, assessment.approved_at = actor, at or timezone.now()
        assessment.save(update_fields=["status", "approved_by", "approved_at"])
        _audit_step(actor, assessment, "approve")
    return assessment


def reject(actor: User, pk: int, reason: str, *, at: dt.datetime | None = None) -> Assessment:
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Give the reason."), [FieldError("reason", _("Give the reason."))])
    with transaction.atomic():
        assessment = _assessment_for(actor, pk)
        if not may_decide(actor):
            raise NotFound()
        _require_status(assessment, AssessmentStatus.PROPOSED, AssessmentStatus.APPROVED)
        assessment.status = AssessmentStatus.REJECTED
        assessment.rejected_by, assessment.rejected_at = actor, at or timezone.now()
        assessment.rejection_reason = reason[:500]
        assessment.save(update_fields=["status", "rejected_by", "rejected_at", "rejection_reason"])
        _audit_step(actor, assessment, "reject")
    return assessment


def publish(
    actor: User, pk: int, effective_at: dt.datetime | None = None, *, at: dt.datetime | None = None
) -> Assessment:
    """Publish an approved result from ``effective_at`` (default now). A level above the one in effect then
    needs 48 hours' notice from the approval; a lower or equal level may take effect at once. A unit's first
    publication raises nothing (no level was in effect)."""
    now = at or timezone.now()
    effective_at = effective_at or now
    if timezone.is_naive(effective_at):
        raise InvalidInput(
            _("Give the time with its time zone."), [FieldError("effective_at", _("Give the time with its time zone."))]
        )
    with transaction.atomic():
        assessment = _assessment_for(actor, pk)
        if not may_decide(actor):
            raise NotFound()
        _require_status(assessment, AssessmentStatus.APPROVED)
        if effective_at < now - dt.timedelta(minutes=5):
            raise InvalidInput(
                _("A level cannot take effect in the past."),
                [FieldError("effective_at", _("A level cannot take effect in the past."))],
            )
        in_effect = current_levels(effective_at).get(assessment.unit_id)
        approved_at = assessment.approved_at or now
        if in_effect is not None and assessment.level > in_effect and effective_at < approved_at + RAISE_NOTICE:
            earliest = timezone.localtime(approved_at + RAISE_NOTICE).strftime("%d/%m/%Y %H:%M")
            message = _("Raising the level needs 48 hours' notice: take effect at %(earliest)s or later.") % {
                "earliest": earliest
            }
            raise InvalidInput(message, [FieldError("effective_at", message)])
        assessment.status = AssessmentStatus.PUBLISHED
        assessment.published_by, assessment.published_at = actor, now
        assessment.effective_at = effective_at
        assessment.save(update_fields=["status", "published_by", "published_at", "effective_at"])
        _audit_step(actor, assessment, "publish")
    return assessment


# --- Reading --------------------------------------------------------------------------------------------------


@dataclass
class UnitRow:
    unit: AdministrativeUnit
    latest: Assessment | None
    published: Assessment | None
    may_propose: bool = False
    may_decide: bool = False

    @property
    def depth(self) -> int:
        depths: dict[str, int] = {Level.PROVINCE: 0, Level.DISTRICT: 1}
        return depths.get(self.unit.level, 2)


def unit_rows(user: User | AnonymousUser, at: dt.datetime | None = None) -> list[UnitRow]:
    """Every unit in the account's units with its newest result and its published level in effect."""
    if not access.can(user, "epidemic_level", "view"):
        raise NotFound()
    units = list(AdministrativeUnit.objects.filter(access.unit_scope(user)).order_by("path"))
    latest = latest_assessments()
    published = current_published(at)
    rows = []
    for unit in units:
        row = UnitRow(unit, latest.get(unit.pk), published.get(unit.pk))
        if isinstance(user, User):
            row.may_propose = _may_propose(user, unit)
            row.may_decide = may_decide(user)
        rows.append(row)
    return rows


def unit_history(
    user: User | AnonymousUser, code: str
) -> tuple[AdministrativeUnit, list[Assessment], list[Assessment]]:
    """A unit, its published levels (newest first) and its recent results."""
    unit = unit_for(user, code)
    published = list(
        Assessment.objects.filter(unit=unit, status=AssessmentStatus.PUBLISHED)
        .select_related("rule_set", "published_by")
        .order_by("-effective_at", "-pk")
    )
    recent = list(Assessment.objects.filter(unit=unit).select_related("rule_set").order_by("-created_at", "-pk")[:20])
    return unit, published, recent


# --- Measures and venues --------------------------------------------------------------------------------------


def venue_kind_measure(level: int, venue_kind: str, on: dt.date | None = None) -> str:
    """ "open", "restricted" or "closed": what the rule set in force says for this kind of venue at this level."""
    rule_set = LevelRuleSet.in_force(on or timezone.localdate())
    if rule_set is None:
        return MeasureKind.OPEN
    measure = (
        LevelMeasure.objects.filter(rule_set=rule_set, level=level, venue_kind=venue_kind)
        .values_list("measure", flat=True)
        .first()
    )
    return measure or MeasureKind.OPEN


class VenueLevels:
    """What the published levels mean for venues, read once for a list of them (three small queries)."""

    def __init__(self, at: dt.datetime | None = None) -> None:
        self.levels = current_levels(at)
        # Commune id -> the ids of the commune, its district and the province, most local first.
        self.chains: dict[int, list[int]] = {}
        self.measures: dict[tuple[int, str], str] = {}
        if not self.levels:
            return
        units = list(AdministrativeUnit.objects.values_list("id", "code", "path", "level"))
        ids_by_code = {code: unit_id for unit_id, code, _path, _unit_level in units}
        for unit_id, _code, path, unit_level in units:
            if unit_level == Level.COMMUNE:
                codes = [code for code in path.strip("/").split("/") if code]
                self.chains[unit_id] = [ids_by_code[code] for code in reversed(codes) if code in ids_by_code]
        rule_set = LevelRuleSet.in_force(timezone.localdate(at))
        if rule_set is not None:
            for level, kind, measure in LevelMeasure.objects.filter(rule_set=rule_set).values_list(
                "level", "venue_kind", "measure"
            ):
                self.measures[(level, kind)] = measure

    def level_of(self, commune_id: int) -> int | None:
        """The most local published level: the commune's, else its district's, else the province's."""
        for unit_id in self.chains.get(commune_id, [commune_id]):
            if unit_id in self.levels:
                return self.levels[unit_id]
        return None

    def status(self, venue: Venue) -> tuple[str, str]:
        if venue.status != VenueStatus.ACTIVE or not self.levels:
            return venue.status, ""
        level = self.level_of(venue.commune_id)
        if level is None:
            return venue.status, ""
        measure = self.measures.get((level, venue.kind), MeasureKind.OPEN)
        if measure == MeasureKind.CLOSED:
            return "suspended", _("Suspended by level %(level)d") % {"level": level}
        if measure == MeasureKind.RESTRICTED:
            return "restricted", _("Restricted by level %(level)d") % {"level": level}
        return venue.status, ""

    def reasons(self, venues: list[Venue]) -> dict[int, str]:
        """Venue id -> "Suspended by level 4" (or restricted), for the venues the levels touch."""
        found = {venue.pk: self.status(venue)[1] for venue in venues}
        return {pk: reason for pk, reason in found.items() if reason}


def venue_effective_status(venue: Venue, at: dt.datetime | None = None) -> tuple[str, str]:
    """(status, reason): "suspended" for a venue of a kind closed at its commune's published level, with the
    reason; "restricted" likewise; otherwise the venue's own status and "". The stored status never changes.

    For one venue (its page, the check-in page): a few small queries on the venue's own units only."""
    if venue.status != VenueStatus.ACTIVE:
        return venue.status, ""
    at = at or timezone.now()
    codes = [code for code in venue.commune.path.strip("/").split("/") if code]
    in_effect: dict[str, int] = {}
    rows = (
        Assessment.objects.filter(status=AssessmentStatus.PUBLISHED, effective_at__lte=at, unit__code__in=codes)
        .order_by("-effective_at", "-pk")
        .values_list("unit__code", "level")
    )
    for code, unit_level in rows:
        in_effect.setdefault(code, unit_level)
    level = next((in_effect[code] for code in reversed(codes) if code in in_effect), None)
    if level is None:
        return venue.status, ""
    measure = venue_kind_measure(level, venue.kind, timezone.localdate(at))
    if measure == MeasureKind.CLOSED:
        return "suspended", _("Suspended by level %(level)d") % {"level": level}
    if measure == MeasureKind.RESTRICTED:
        return "restricted", _("Restricted by level %(level)d") % {"level": level}
    return venue.status, ""
