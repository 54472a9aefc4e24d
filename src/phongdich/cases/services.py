"""Every read and write of cases and clusters: confirmation by policy, numbering, corrections, scope, audit.

A positive result reaches :func:`consider_result` (through ``testing.signals.result_recorded``) inside the
transaction that stored it; whether it opens a case is decided by the confirmation policy in force on the
sampling day (data). Opening a case sends ``case_opened`` after commit; voiding it or changing the dates
that bound its infectious window sends ``case_corrected`` after commit (contact tracing listens to both).
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from phongdich.accounts.models import User
from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.cases.models import (
    CarePlace,
    Case,
    CaseNumberCounter,
    CaseStatus,
    ClinicalStatus,
    Cluster,
    ClusterSource,
    ConfirmationPolicy,
    DetectedIn,
    Outcome,
)
from phongdich.cases.signals import case_corrected, case_opened
from phongdich.core import access
from phongdich.core.clock import to_utc
from phongdich.core.errors import Conflict, DomainError, FieldError, InvalidInput, NotFound
from phongdich.core.text import clean_text
from phongdich.geo.models import AdministrativeUnit, Level
from phongdich.people.models import Person
from phongdich.situation import stats as situation_stats
from phongdich.testing.models import ResultValue, TestResult

# Short prefixes of case numbers, by province code; other provinces use their code ("31-000001").
PROVINCE_PREFIXES = {"22": "QNI"}

# Changing these re-draws the infectious window: tracing must run again.
TRACING_FIELDS = frozenset({"onset_date", "sampled_on", "isolated_at"})


@dataclass(frozen=True)
class CaseInput:
    """A case opened by hand (an epidemiologist), e.g. confirmed elsewhere or by clinical judgement."""

    person: int
    sampled_on: dt.date
    onset_date: dt.date | None = None
    confirmed_at: dt.datetime | None = None
    detected_in: str = DetectedIn.COMMUNITY
    clinical_status: str = ClinicalStatus.ASYMPTOMATIC
    care_place: str = CarePlace.HOME
    facility_name: str = ""
    bed: str = ""
    isolated_at: dt.datetime | None = None
    source_result: int | None = None
    cluster: int | None = None
    notes: str = ""


@dataclass(frozen=True)
class ClusterInput:
    name: str
    commune: str
    code: str = ""
    notes: str = ""
    source: str = ClusterSource.INVESTIGATOR


@dataclass
class Consideration:
    """What a positive result did: opened a case, attached to the active one, or nothing (and why)."""

    case: Case | None
    opened: bool
    reason: str


def _missing(field_name: str, message: str) -> DomainError:
    return DomainError(detail=_("Not found."), errors=[FieldError(field_name, message)], status=404)


def province_of(unit: AdministrativeUnit) -> AdministrativeUnit:
    code = unit.path.split("/")[0]
    return AdministrativeUnit.objects.get(code=code, level=Level.PROVINCE)


def next_case_number(province: AdministrativeUnit) -> tuple[int, str]:
    """The province's next sequence and case number. The counter row is locked until the transaction ends,
    so two cases opened at once never share a number."""
    try:
        with transaction.atomic():
            CaseNumberCounter.objects.get_or_create(province=province)
    except IntegrityError:
        pass  # created by a concurrent transaction a moment ago
    counter = CaseNumberCounter.objects.select_for_update().get(province=province)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    prefix = PROVINCE_PREFIXES.get(province.code, province.code)
    return counter.last_number, f"{prefix}-{counter.last_number:06d}"


def policy_in_force(on: dt.date) -> ConfirmationPolicy | None:
    return ConfirmationPolicy.in_force(on)


def consider_result(result: TestResult) -> Consideration:
    """Open a case for a positive result that confirms one under the policy in force on the sampling day.

    A person already an active F0 keeps the one case: the result is attached to nothing new (audited).
    Runs inside the caller's transaction.
    """
    sample = result.sample
    if result.result != ResultValue.POSITIVE or result.revoked_at is not None:
        return Consideration(None, False, "not_positive")
    sampled_on = timezone.localtime(sample.taken_at).date()
    policy = policy_in_force(sampled_on)
    if policy is None or not policy.confirms(sample.test_type, sampled_on):
        return Consideration(None, False, "not_confirmatory")
    actor = result.recorded_by
    with transaction.atomic():
        person = Person.objects.select_for_update(of=("self",)).select_related("home_commune").get(pk=sample.person_id)
        active = Case.objects.filter(person=person, status=CaseStatus.ACTIVE).first()
        if active is not None:
            audit.record(
                actor,
                AuditAction.UPDATE,
                "case",
                active.pk,
                detail={"positive_result_attached": result.pk, "opened": False},
            )
            return Consideration(active, False, "already_active")
        case = _create_case(
            actor,
            person,
            sampled_on=sampled_on,
            confirmed_at=result.reported_at,
            source_result=result,
            policy=policy,
        )
    return Consideration(case, True, "opened")


def _create_case(actor: User | None, person: Person, **fields: Any) -> Case:
    province = province_of(person.home_commune)
    sequence, number = next_case_number(province)
    try:
        with transaction.atomic():
            case = Case.objects.create(
                number=number,
                province=province,
                sequence=sequence,
                person=person,
                commune=person.home_commune,
                opened_by=actor if actor is not None and actor.pk else None,
                **fields,
            )
    except IntegrityError:
        raise _already_active(person) from None
    audit.record(actor, AuditAction.CREATE, "case", case.pk, detail={"person": person.pk, "number": number})
    transaction.on_commit(lambda: case_opened.send(sender=Case, case=case))
    return case


def _already_active(person: Person) -> Conflict:
    active = Case.objects.filter(person=person, status=CaseStatus.ACTIVE).first()
    number = active.number if active else ""
    return Conflict(
        _("This person is already an active case (%(number)s).") % {"number": number},
        [FieldError("person", _("Already an active case (%(number)s).") % {"number": number})],
        existing=active.pk if active else None,
    )


def _check_dates(
    policy: ConfirmationPolicy | None,
    sampled_on: dt.date | None,
    onset_date: dt.date | None,
    errors: list[FieldError],
) -> None:
    today = timezone.localdate()
    if sampled_on is not None and sampled_on > today:
        errors.append(FieldError("sampled_on", _("The sampling date is in the future.")))
    if onset_date is not None:
        if onset_date > today:
            errors.append(FieldError("onset_date", _("The onset date is in the future.")))
        elif sampled_on is not None and sampled_on <= today and policy is not None:
            allowed = policy.max_onset_after_sampling_days
            if onset_date > sampled_on + dt.timedelta(days=allowed):
                errors.append(
                    FieldError(
                        "onset_date",
                        _("Onset is more than %(days)s days after sampling; check both dates.") % {"days": allowed},
                    )
                )


def _choice(value: str, choices: type[models.TextChoices], name: str, errors: list[FieldError]) -> str:
    if value not in choices.values:
        errors.append(FieldError(name, _("Choose one of: %(values)s.") % {"values": ", ".join(choices.values)}))
    return value


def _cluster_for(actor: User, cluster_id: int | None) -> Cluster | None:
    if cluster_id is None:
        return None
    found = access.restrict(Cluster.objects.all(), actor, "view").filter(pk=cluster_id).first()
    if found is None:
        raise _missing("cluster", _("No cluster with this id in your area."))
    return found


def open_case(actor: User, data: CaseInput) -> Case:
    """Open a case by hand. Conflict when the person is already an active case."""
    if not access.can(actor, "case", "add"):
        raise NotFound()
    with transaction.atomic():
        try:
            person = access.get_or_404(
                Person.objects.select_for_update(of=("self",)).select_related("home_commune"),
                actor,
                "view",
                pk=data.person,
            )
        except NotFound:
            raise _missing("person", _("No person with this id in your area.")) from None
        errors: list[FieldError] = []
        policy = policy_in_force(data.sampled_on) if isinstance(data.sampled_on, dt.date) else None
        _check_dates(policy, data.sampled_on, data.onset_date, errors)
        if data.sampled_on < person.date_of_birth:
            errors.append(FieldError("sampled_on", _("The sampling date is before the person's birth.")))
        _choice(data.detected_in, DetectedIn, "detected_in", errors)
        _choice(data.clinical_status, ClinicalStatus, "clinical_status", errors)
        _choice(data.care_place, CarePlace, "care_place", errors)
        facility_name = clean_text(data.facility_name or "")[:200]
        bed = clean_text(data.bed or "")[:40]
        now = timezone.now()
        confirmed_at = now
        if data.confirmed_at is not None:
            confirmed_at = to_utc(data.confirmed_at, "confirmed_at")
            if confirmed_at > now + dt.timedelta(minutes=5):
                errors.append(FieldError("confirmed_at", _("The confirmation is dated in the future.")))
        isolated_at = None
        if data.isolated_at is not None:
            isolated_at = to_utc(data.isolated_at, "isolated_at")
            if isolated_at > now + dt.timedelta(minutes=5):
                errors.append(FieldError("isolated_at", _("The isolation time is in the future.")))
        source_result = None
        if data.source_result is not None:
            source_result = (
                access.restrict(TestResult.objects.select_related("sample"), actor, "view")
                .filter(pk=data.source_result, sample__person=person, revoked_at__isnull=True)
                .first()
            )
            if source_result is None:
                errors.append(FieldError("source_result", _("No standing result of this person has this id.")))
        cluster = _cluster_for(actor, data.cluster)
        if Case.objects.filter(person=person, status=CaseStatus.ACTIVE).exists():
            raise _already_active(person)
        if errors:
            raise InvalidInput(_("The case has errors."), errors)
        return _create_case(
            actor,
            person,
            sampled_on=data.sampled_on,
            onset_date=data.onset_date,
            confirmed_at=confirmed_at,
            detected_in=data.detected_in,
            clinical_status=data.clinical_status,
            care_place=data.care_place,
            facility_name=facility_name,
            bed=bed,
            isolated_at=isolated_at,
            source_result=source_result,
            policy=policy,
            cluster=cluster,
            notes=clean_text(data.notes or "")[:2000],
        )


# Fields a PATCH may change, and their kinds.
UPDATABLE: dict[str, Any] = {
    "onset_date": "date",
    "sampled_on": "date",
    "isolated_at": "datetime",
    "detected_in": DetectedIn,
    "clinical_status": ClinicalStatus,
    "care_place": CarePlace,
    "facility_name": 200,
    "bed": 40,
    "outcome": Outcome,
    "outcome_date": "date",
    "cluster": "cluster",
    "notes": 2000,
}


def update_case(actor: User, case_id: object, changes: dict[str, Any]) -> Case:
    """Change what is known of a case. An outcome (recovered, died) with its date closes the case.

    Changing onset, sampling or isolation re-draws the infectious window: ``case_corrected`` follows.
    """
    if not access.can(actor, "case", "change"):
        raise NotFound()
    with transaction.atomic():
        case = access.get_or_404(
            Case.objects.select_for_update(of=("self",)).select_related("policy"), actor, "change", pk=case_id
        )
        if case.status == CaseStatus.VOIDED:
            raise Conflict(_("This case was voided."), [FieldError("status", _("A voided case cannot change."))])
        errors: list[FieldError] = []
        unknown = sorted(set(changes) - set(UPDATABLE))
        for name in unknown:
            errors.append(FieldError(name, _("This field cannot be changed.")))
        values: dict[str, Any] = {}
        for name, value in changes.items():
            kind = UPDATABLE.get(name)
            if kind is None:
                continue
            if kind == "cluster":
                values[name] = _cluster_for(actor, value)
            elif kind == "datetime":
                values[name] = to_utc(value, name) if value is not None else None
            elif kind == "date":
                values[name] = value
            elif isinstance(kind, int):
                values[name] = clean_text(value or "")[:kind]
            else:
                values[name] = _choice(value, kind, name, errors)
        sampled_on = values.get("sampled_on", case.sampled_on)
        onset = values.get("onset_date", case.onset_date)
        if "sampled_on" in values and sampled_on is None:
            errors.append(FieldError("sampled_on", _("The sampling date is required.")))
        elif "sampled_on" in values or "onset_date" in values:
            policy = case.policy or policy_in_force(sampled_on)
            _check_dates(policy, sampled_on, onset, errors)
        isolated = values.get("isolated_at")
        if isolated is not None and isolated > timezone.now() + dt.timedelta(minutes=5):
            errors.append(FieldError("isolated_at", _("The isolation time is in the future.")))
        outcome = values.get("outcome", case.outcome)
        outcome_date = values.get("outcome_date", case.outcome_date)
        if outcome == Outcome.NONE and outcome_date is not None and "outcome_date" in values:
            errors.append(FieldError("outcome_date", _("Give the outcome with its date.")))
        if outcome in (Outcome.RECOVERED, Outcome.DIED):
            if outcome_date is None:
                errors.append(FieldError("outcome_date", _("Give the date of the outcome.")))
            elif outcome_date > timezone.localdate():
                errors.append(FieldError("outcome_date", _("The outcome date is in the future.")))
            elif outcome_date < timezone.localtime(case.confirmed_at).date() and outcome == Outcome.RECOVERED:
                errors.append(FieldError("outcome_date", _("Recovery is dated before the case was confirmed.")))
            elif sampled_on and outcome_date < sampled_on:
                errors.append(FieldError("outcome_date", _("The outcome is dated before sampling.")))
        if errors:
            raise InvalidInput(_("The case has errors."), errors)
        changed = [name for name, value in values.items() if getattr(case, name) != value]
        for name in changed:
            setattr(case, name, values[name])
        if outcome == Outcome.NONE and "outcome" in changed:
            case.outcome_date = None
            if case.status == CaseStatus.CLOSED:
                # Reopening: a wrongly entered outcome taken back. Another active case blocks it.
                if Case.objects.filter(person_id=case.person_id, status=CaseStatus.ACTIVE).exclude(pk=case.pk).exists():
                    raise Conflict(
                        _("This person has another active case."),
                        [FieldError("outcome", _("Another case of this person is active."))],
                    )
                case.status = CaseStatus.ACTIVE
                case.closed_at = None
        elif outcome in (Outcome.RECOVERED, Outcome.DIED) and case.status == CaseStatus.ACTIVE:
            case.status = CaseStatus.CLOSED
            case.closed_at = timezone.now()
        if changed:
            case.save()
            audit.record(actor, AuditAction.UPDATE, "case", case.pk, detail={"fields": sorted(changed)})
            if TRACING_FIELDS & set(changed):
                _send_corrected(case)
    return case


def _send_corrected(case: Case) -> None:
    transaction.on_commit(lambda: case_corrected.send(sender=Case, case=case))


def void_case(actor: User | None, case_id: int, reason: str, *, system: bool = False) -> Case:
    """Void a case opened in error (by hand, or because its result was revoked: ``system``)."""
    reason = clean_text(reason or "")
    if not reason or len(reason) > 300:
        raise InvalidInput(
            _("The request has errors."), [FieldError("reason", _("Give the reason, in at most 300 characters."))]
        )
    with transaction.atomic():
        if system:
            case = Case.objects.select_for_update().get(pk=case_id)
        else:
            if not access.can(actor, "case", "delete") and not access.can(actor, "case", "add"):
                raise NotFound()
            case = access.get_or_404(Case.objects.select_for_update(of=("self",)), actor, "change", pk=case_id)
        if case.status == CaseStatus.VOIDED:
            raise Conflict(_("This case was already voided."), [FieldError("status", _("Already voided."))])
        case.status = CaseStatus.VOIDED
        case.voided_at = timezone.now()
        case.void_reason = reason
        case.save(update_fields=["status", "voided_at", "void_reason", "updated_at"])
        audit.record(actor, AuditAction.UPDATE, "case", case.pk, detail={"voided": True, "system": system})
        _send_corrected(case)
    return case


def result_revoked(result: TestResult) -> list[Case]:
    """Void the cases a revoked result opened (inside the revoking transaction).

    If the person has another standing positive, taken since the voided case's sampling day, that confirms
    under the policy, they are still a case: it opens a new one (a new number, its own infectious window).
    """
    voided = []
    for case in Case.objects.filter(source_result=result).exclude(status=CaseStatus.VOIDED):
        reason = _("The confirming result was revoked: %(reason)s") % {"reason": result.revoke_reason}
        voided.append(void_case(result.revoked_by, case.pk, reason[:300], system=True))
        others = (
            TestResult.objects.filter(
                sample__person_id=case.person_id,
                result=ResultValue.POSITIVE,
                revoked_at__isnull=True,
                sample__taken_at__gte=_day_start(case.sampled_on),
            )
            .exclude(pk=result.pk)
            .select_related("sample", "recorded_by")
            .order_by("sample__taken_at", "pk")
        )
        for other in others:
            if consider_result(other).opened:
                break
    return voided


# Reads


def mark_detected_in_quarantine(case: Case) -> None:
    """The quarantine app found this case among people it holds (a positive result during quarantine): the case
    was detected in quarantine, not in the community. Runs inside the caller's transaction; audited."""
    if case.detected_in != DetectedIn.IN_QUARANTINE:
        Case.objects.filter(pk=case.pk).update(detected_in=DetectedIn.IN_QUARANTINE)
        case.detected_in = DetectedIn.IN_QUARANTINE
        audit.record(None, AuditAction.UPDATE, "case", case.pk, detail={"fields": ["detected_in"]})
        situation_stats.note_case_changed(case)  # an update() sends no post_save: the daily figures follow


def mark_detected_in_lockdown(case: Case) -> bool:
    """The lockdown app found this community case among the residents of a zone in force: it was detected in a
    locked-down area, not in the community. Only a community case changes (quarantine or import detection
    stays). Runs inside the caller's transaction; audited. Whether the case was changed."""
    changed = Case.objects.filter(pk=case.pk, detected_in=DetectedIn.COMMUNITY).update(
        detected_in=DetectedIn.IN_LOCKDOWN_AREA
    )
    if changed:
        case.detected_in = DetectedIn.IN_LOCKDOWN_AREA
        audit.record(None, AuditAction.UPDATE, "case", case.pk, detail={"fields": ["detected_in"]})
    return bool(changed)


def search_cases(actor: User) -> models.QuerySet[Case]:
    """Cases the actor may see (audit the page read with :func:`record_list_read`)."""
    return access.restrict(
        Case.objects.select_related("person", "commune", "cluster", "policy", "source_result"),
        actor,
        "view",
    )


# The case list's filter value for both kinds of imported case.
IMPORTED = "imported"
IMPORTED_KINDS = (DetectedIn.IMPORTED_OTHER_PROVINCE, DetectedIn.IMPORTED_ABROAD)


@dataclass(frozen=True)
class CaseFilter:
    status: str = ""
    commune: str = ""  # a commune's or a district's code
    detected_in: str = ""
    cluster: int | None = None
    person: int | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    number: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def filter_cases(cases: models.QuerySet[Case], criteria: CaseFilter) -> models.QuerySet[Case]:
    if criteria.status:
        cases = cases.filter(status=criteria.status)
    if criteria.commune:
        unit = AdministrativeUnit.objects.filter(code=criteria.commune).first()
        cases = cases.filter(commune__path__startswith=unit.path) if unit else cases.none()
    if criteria.detected_in == IMPORTED:
        cases = cases.filter(detected_in__in=IMPORTED_KINDS)
    elif criteria.detected_in:
        cases = cases.filter(detected_in=criteria.detected_in)
    if criteria.cluster is not None:
        cases = cases.filter(cluster_id=criteria.cluster)
    if criteria.person is not None:
        cases = cases.filter(person_id=criteria.person)
    if criteria.number:
        cases = cases.filter(number__iexact=criteria.number.strip())
    # Days are local (Asia/Ho_Chi_Minh); confirmed_at is stored in UTC.
    if criteria.since is not None:
        cases = cases.filter(confirmed_at__gte=_day_start(criteria.since))
    if criteria.until is not None and criteria.until < dt.date.max:
        cases = cases.filter(confirmed_at__lt=_day_start(criteria.until + dt.timedelta(days=1)))
    return cases.order_by("-confirmed_at", "-pk")


def _day_start(day: dt.date) -> dt.datetime:
    """Local midnight of a day, in UTC; the first and last days of the calendar are clamped, so a query
    with such a date is answered rather than failing on an overflow."""
    if day <= dt.date(1, 1, 2):
        return dt.datetime(1, 1, 2, tzinfo=dt.UTC)
    if day >= dt.date(9999, 12, 30):
        return dt.datetime(9999, 12, 30, tzinfo=dt.UTC)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min)).astimezone(dt.UTC)


def get_case(actor: User, case_id: object) -> Case:
    case = access.get_or_404(search_cases(actor), actor, "view", pk=case_id)
    audit.record(actor, AuditAction.VIEW, "case", case.pk, detail={"person": case.person_id})
    return case


def case_by_number(actor: User, number: str) -> Case:
    found = search_cases(actor).filter(number__iexact=clean_text(number or "")).first()
    if found is None:
        raise _missing("number", _("No case with this number in your area."))
    return found


def record_list_read(actor: User, object_type: str, rows: list[Any], criteria: dict[str, Any]) -> None:
    if rows:
        audit.record(
            actor,
            AuditAction.LIST,
            object_type,
            object_ids=[row.pk for row in rows],
            detail={"criteria": sorted(k for k, v in criteria.items() if v)},
        )


# Clusters


def create_cluster(actor: User | None, data: ClusterInput) -> Cluster:
    """A new cluster. ``actor`` None: made by contact tracing (a system action, not scoped)."""
    if actor is not None and not access.can(actor, "cluster", "add"):
        raise NotFound()
    errors: list[FieldError] = []
    name = clean_text(data.name or "")
    if not name or len(name) > 200:
        errors.append(FieldError("name", _("Give the cluster a name of at most 200 characters.")))
    commune = AdministrativeUnit.objects.filter(code=clean_text(data.commune or ""), level=Level.COMMUNE).first()
    if commune is None:
        errors.append(FieldError("commune", _("No commune has this code.")))
    elif actor is not None and not access.unit_in_scope(actor, commune.path):
        errors.append(FieldError("commune", _("This commune is outside your area.")))
    code = clean_text(data.code or "")
    if len(code) > 40:
        errors.append(FieldError("code", _("A code has at most 40 characters.")))
    elif code and Cluster.objects.filter(code=code).exists():
        errors.append(FieldError("code", _("Another cluster has this code.")))
    _choice(data.source, ClusterSource, "source", errors)
    if errors:
        raise InvalidInput(_("The cluster has errors."), errors)
    assert commune is not None
    with transaction.atomic():
        cluster = Cluster.objects.create(
            code=code or f"tmp-{uuid_module.uuid4().hex}",
            name=name,
            commune=commune,
            source=data.source,
            notes=clean_text(data.notes or "")[:2000],
            created_by=actor,
        )
        if not code:
            prefix = PROVINCE_PREFIXES.get(commune.path.split("/")[0], commune.path.split("/")[0])
            cluster.code = f"{prefix}-OD-{cluster.pk:05d}"
            cluster.save(update_fields=["code"])
        audit.record(actor, AuditAction.CREATE, "cluster", cluster.pk)
    return cluster


def link_cases(actor: User | None, cluster_id: int, case_ids: list[int], *, system: bool = False) -> Cluster:
    """Put cases in a cluster (moving them from another). ``system``: done by contact tracing."""
    cases: models.QuerySet[Case]
    with transaction.atomic():
        if system:
            cluster = Cluster.objects.get(pk=cluster_id)
            cases = Case.objects.filter(pk__in=case_ids)
        else:
            if not access.can(actor, "cluster", "change"):
                raise NotFound()
            cluster = access.get_or_404(Cluster.objects.all(), actor, "change", pk=cluster_id)
            cases = access.restrict(Case.objects.filter(pk__in=case_ids), actor, "view")
        found = set(cases.values_list("pk", flat=True))
        unknown = [pk for pk in case_ids if pk not in found]
        if unknown:
            raise _missing("cases", _("No case with id %(ids)s in your area.") % {"ids": unknown[0]})
        Case.objects.filter(pk__in=found).update(cluster=cluster, updated_at=timezone.now())
        audit.record(actor, AuditAction.UPDATE, "cluster", cluster.pk, detail={"linked": sorted(found)})
    return cluster


def unlink_case(actor: User, cluster_id: object, case_id: int) -> Cluster:
    if not access.can(actor, "cluster", "change"):
        raise NotFound()
    with transaction.atomic():
        cluster = access.get_or_404(Cluster.objects.all(), actor, "change", pk=cluster_id)
        updated = access.restrict(Case.objects.filter(pk=case_id, cluster=cluster), actor, "view").update(
            cluster=None, updated_at=timezone.now()
        )
        if not updated:
            raise _missing("case", _("This case is not in the cluster."))
        audit.record(actor, AuditAction.UPDATE, "cluster", cluster.pk, detail={"unlinked": [case_id]})
    return cluster


def search_clusters(actor: User) -> models.QuerySet[Cluster]:
    return access.restrict(
        Cluster.objects.select_related("commune").annotate(case_count=models.Count("cases")), actor, "view"
    )


def get_cluster(actor: User, cluster_id: object) -> tuple[Cluster, list[Case]]:
    cluster = access.get_or_404(search_clusters(actor), actor, "view", pk=cluster_id)
    cases = list(search_cases(actor).filter(cluster=cluster).order_by("confirmed_at", "pk"))
    audit.record(actor, AuditAction.VIEW, "cluster", cluster.pk, detail={"cases": [case.pk for case in cases]})
    return cluster, cases
