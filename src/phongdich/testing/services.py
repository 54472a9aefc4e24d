"""Every read and write of samples, pools and results: validation, idempotency, scope and audit.

Views, the API and imports call these and nothing else. Each write is one transaction: a bad field,
a duplicate or an error in what a result sets off (a case) stores nothing. A device retrying an upload
sends the same ``uuid`` and gets the record it made the first time.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from phongdich.accounts.models import User
from phongdich.accounts.roles import Role
from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.core import access
from phongdich.core.clock import to_utc
from phongdich.core.errors import Conflict, DomainError, FieldError, InvalidInput, NotFound
from phongdich.core.text import clean_text
from phongdich.geo.models import AdministrativeUnit, Level
from phongdich.people.models import Person
from phongdich.testing import programs, signals
from phongdich.testing.models import (
    MAX_POOL_SIZE,
    ResultValue,
    RetestStatus,
    RetestTask,
    Sample,
    SamplePool,
    TestResult,
    TestType,
)

# Clocks of devices and labs drift: a time this far ahead of ours is still "now".
CLOCK_SKEW = dt.timedelta(minutes=5)
CT_MAX = Decimal("50")


@dataclass(frozen=True)
class SampleInput:
    """A sample, and optionally its result. ``commune`` is an official code; empty: the person's home commune."""

    person: int
    test_type: str
    taken_at: dt.datetime
    site: str = ""
    lab: str = ""
    commune: str = ""
    pool: int | None = None
    uuid: UUID | None = None
    result: str = ""
    ct_value: Decimal | None = None
    reported_at: dt.datetime | None = None
    result_uuid: UUID | None = None


@dataclass(frozen=True)
class ResultInput:
    """A result for a sample already recorded, named by id or by the uuid its device gave."""

    result: str
    sample: int | None = None
    sample_uuid: UUID | None = None
    ct_value: Decimal | None = None
    reported_at: dt.datetime | None = None
    uuid: UUID | None = None


@dataclass(frozen=True)
class PoolInput:
    commune: str
    code: str = ""
    lab: str = ""


@dataclass(frozen=True)
class PoolResultInput:
    result: str
    ct_value: Decimal | None = None
    reported_at: dt.datetime | None = None


@dataclass
class Recorded:
    sample: Sample
    result: TestResult | None
    # False when the uuid was seen before: a device's retry, nothing new stored.
    created: bool = True


@dataclass
class PoolOutcome:
    pool: SamplePool
    results: list[TestResult] = field(default_factory=list)
    retest_tasks: list[RetestTask] = field(default_factory=list)


def missing(field_name: str, message: str) -> DomainError:
    """A record the request names that does not exist, or lies outside the caller's scope: 404, field named."""
    return DomainError(detail=_("Not found."), errors=[FieldError(field_name, message)], status=404)


def _commune(code: str) -> AdministrativeUnit | None:
    return AdministrativeUnit.objects.filter(code=clean_text(code), level=Level.COMMUNE).first()


def _text(value: str, name: str, limit: int, label: str, errors: list[FieldError]) -> str:
    text = clean_text(value or "")
    if len(text) > limit:
        errors.append(FieldError(name, _("%(what)s has at most %(n)s characters.") % {"what": label, "n": limit}))
    return text


def _check_result_fields(
    result: str,
    ct_value: Decimal | None,
    reported_at: dt.datetime | None,
    test_type: str,
    taken_at: dt.datetime | None,
    errors: list[FieldError],
    *,
    prefix: str = "",
) -> tuple[Decimal | None, dt.datetime]:
    """The result value, Ct value and report time: the clean Ct value and the report time in UTC."""
    if result not in ResultValue.values:
        errors.append(FieldError(f"{prefix}result", _("The result is positive, negative or invalid.")))
    ct: Decimal | None = None
    if ct_value is not None and ct_value != "":
        try:
            ct = Decimal(str(ct_value)).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            errors.append(FieldError(f"{prefix}ct_value", _("The Ct value is a number such as 24.5.")))
        else:
            if not Decimal(0) < ct <= CT_MAX:
                errors.append(FieldError(f"{prefix}ct_value", _("The Ct value is between 0 and 50.")))
                ct = None
            elif test_type != TestType.RT_PCR:
                errors.append(FieldError(f"{prefix}ct_value", _("Only an RT-PCR test has a Ct value.")))
                ct = None
    now = timezone.now()
    reported = now
    if reported_at is not None:
        try:
            reported = to_utc(reported_at, f"{prefix}reported_at")
        except InvalidInput as exc:
            errors.extend(exc.errors)
        else:
            if reported > now + CLOCK_SKEW:
                errors.append(FieldError(f"{prefix}reported_at", _("The result is dated in the future.")))
            elif taken_at is not None and reported < taken_at:
                errors.append(FieldError(f"{prefix}reported_at", _("The result is dated before the sample was taken.")))
    return ct, reported


def _person_for(actor: User, person_id: object) -> Person:
    try:
        return access.get_or_404(Person.objects.select_related("home_commune"), actor, "view", pk=person_id)
    except NotFound:
        raise missing("person", _("No person with this id in your area.")) from None


def record_sample(actor: User, data: SampleInput) -> Recorded:
    """Record a sample (and its result when given). Idempotent by ``uuid``.

    Citizens report their own self-tests only. Raises InvalidInput naming every bad field, a 404 naming
    ``person`` or ``pool`` when those are unknown or out of scope, Conflict for a uuid already used otherwise.
    """
    if not access.can(actor, "sample", "add"):
        raise NotFound()
    if data.result and not access.can(actor, "test_result", "add"):
        raise NotFound()
    with transaction.atomic():
        if data.uuid is not None:
            earlier = Sample.objects.filter(uuid=data.uuid).first()
            if earlier is not None:
                return _retried_sample(actor, earlier, data)
        person = _person_for(actor, data.person)
        errors: list[FieldError] = []
        citizen = actor.role == Role.CITIZEN and not actor.is_superuser
        if data.test_type not in TestType.values:
            errors.append(FieldError("test_type", _("The test type is rt_pcr, antigen or self_test.")))
        elif citizen and data.test_type != TestType.SELF_TEST:
            errors.append(FieldError("test_type", _("Citizens report self-tests only.")))
        taken_at: dt.datetime | None = None
        try:
            taken_at = to_utc(data.taken_at, "taken_at")
        except InvalidInput as exc:
            errors.extend(exc.errors)
        else:
            if taken_at > timezone.now() + CLOCK_SKEW:
                errors.append(FieldError("taken_at", _("The sample is dated in the future.")))
                taken_at = None
            elif timezone.localtime(taken_at).date() < person.date_of_birth:
                errors.append(FieldError("taken_at", _("The sample is dated before the person's birth.")))
                taken_at = None
        site = _text(data.site, "site", 200, _("A site name"), errors)
        lab = _text(data.lab, "lab", 200, _("A laboratory name"), errors)
        commune = person.home_commune
        if data.commune and not citizen:
            found = _commune(data.commune)
            if found is None:
                errors.append(
                    FieldError("commune", _("No commune has the code %(code)s.") % {"code": data.commune[:20]})
                )
            elif not access.unit_in_scope(actor, found.path):
                errors.append(FieldError("commune", _("This commune is outside your area.")))
            else:
                commune = found
        pool: SamplePool | None = None
        if data.pool is not None:
            pool = _pool_for_new_member(actor, data.pool, data.test_type, errors)
        if data.result:
            _check_result_fields(data.result, data.ct_value, data.reported_at, data.test_type, taken_at, errors)
        elif data.ct_value is not None or data.reported_at is not None:
            errors.append(FieldError("result", _("Give the result with its Ct value or report time.")))
        if errors:
            raise InvalidInput(_("The test record has errors."), errors)
        assert taken_at is not None
        sample = Sample.objects.create(
            uuid=data.uuid or uuid_module.uuid4(),
            person=person,
            test_type=data.test_type,
            taken_at=taken_at,
            site=site,
            lab=lab,
            commune=commune,
            pool=pool,
            recorded_by=actor,
        )
        audit.record(actor, AuditAction.CREATE, "sample", sample.pk, detail={"person": person.pk})
        if pool is None and data.test_type != TestType.SELF_TEST:
            _close_retest_tasks(person, sample)
        programs.note_sample(sample)
        result = None
        if data.result:
            result = _store_result(
                actor,
                sample,
                ResultInput(
                    result=data.result,
                    ct_value=data.ct_value,
                    reported_at=data.reported_at,
                    uuid=data.result_uuid,
                ),
            )
    return Recorded(sample=sample, result=result)


def _retried_sample(actor: User, earlier: Sample, data: SampleInput) -> Recorded:
    """The sample a device already uploaded under this uuid (its result added if it came now)."""
    visible = access.restrict(Sample.objects.filter(pk=earlier.pk), actor, "view").exists()
    if not visible or earlier.person_id != data.person:
        raise Conflict(
            _("This uuid was already used for another sample."),
            [FieldError("uuid", _("Already used for another sample; send a new uuid."))],
        )
    result = earlier.standing_result
    if result is None and data.result:
        return Recorded(
            sample=earlier,
            result=record_result(
                actor,
                ResultInput(
                    result=data.result,
                    sample=earlier.pk,
                    ct_value=data.ct_value,
                    reported_at=data.reported_at,
                    uuid=data.result_uuid,
                ),
            ),
            created=True,
        )
    return Recorded(sample=earlier, result=result, created=False)


def _pool_for_new_member(actor: User, pool_id: int, test_type: str, errors: list[FieldError]) -> SamplePool | None:
    pool = access.restrict(SamplePool.objects.select_for_update(of=("self",)), actor, "view").filter(pk=pool_id).first()
    if pool is None:
        raise missing("pool", _("No sample pool with this id in your area."))
    if test_type != TestType.RT_PCR:
        errors.append(FieldError("pool", _("Only RT-PCR samples are pooled.")))
    elif pool.result:
        errors.append(FieldError("pool", _("This pool already has its result.")))
    elif pool.samples.count() >= MAX_POOL_SIZE:
        errors.append(FieldError("pool", _("A pool holds at most %(n)s samples.") % {"n": MAX_POOL_SIZE}))
    return pool


def _close_retest_tasks(person: Person, sample: Sample) -> None:
    """A new sample of its own for a member of a positive pool is the retest the task asked for."""
    RetestTask.objects.filter(person=person, status=RetestStatus.OPEN, sample__taken_at__lte=sample.taken_at).update(
        status=RetestStatus.DONE, retest_sample=sample, done_at=timezone.now()
    )


def _sample_for_result(actor: User, data: ResultInput) -> Sample:
    samples = access.restrict(Sample.objects.select_for_update(of=("self",)), actor, "view")
    if data.sample is not None:
        if not 0 < data.sample < 2**63:
            raise missing("sample", _("No sample with this id in your area."))
        found = samples.filter(pk=data.sample).first()
    elif data.sample_uuid is not None:
        found = samples.filter(uuid=data.sample_uuid).first()
    else:
        raise InvalidInput(_("The result has errors."), [FieldError("sample", _("Name the sample (id or uuid)."))])
    if found is None:
        raise missing("sample", _("No sample with this id in your area."))
    return found


def record_result(actor: User, data: ResultInput) -> TestResult:
    """A result for a recorded sample. Idempotent by ``uuid``; a second standing result is a Conflict."""
    if not access.can(actor, "test_result", "add"):
        raise NotFound()
    with transaction.atomic():
        if data.uuid is not None:
            earlier = TestResult.objects.filter(uuid=data.uuid).select_related("sample").first()
            if earlier is not None:
                same = data.sample in (None, earlier.sample_id) and data.sample_uuid in (None, earlier.sample.uuid)
                if same and access.restrict(TestResult.objects.filter(pk=earlier.pk), actor, "view").exists():
                    return earlier
                raise Conflict(
                    _("This uuid was already used for another result."),
                    [FieldError("uuid", _("Already used for another result; send a new uuid."))],
                )
        sample = _sample_for_result(actor, data)
        if actor.role == Role.CITIZEN and not actor.is_superuser and sample.test_type != TestType.SELF_TEST:
            raise missing("sample", _("No sample with this id in your area."))
        return _store_result(actor, sample, data)


def _store_result(actor: User, sample: Sample, data: ResultInput, *, from_pool: bool = False) -> TestResult:
    errors: list[FieldError] = []
    ct, reported = _check_result_fields(
        data.result, data.ct_value, data.reported_at, sample.test_type, sample.taken_at, errors
    )
    if errors:
        raise InvalidInput(_("The result has errors."), errors)
    standing = sample.results.filter(revoked_at__isnull=True).first()
    if standing is not None:
        raise _duplicate(standing)
    try:
        with transaction.atomic():
            result = TestResult.objects.create(
                uuid=data.uuid or uuid_module.uuid4(),
                sample=sample,
                result=data.result,
                ct_value=ct,
                reported_at=reported,
                from_pool=from_pool,
                recorded_by=actor,
            )
    except IntegrityError:
        # Another request stored a result for this sample a moment ago.
        standing = sample.results.filter(revoked_at__isnull=True).first()
        if standing is None:
            raise
        raise _duplicate(standing) from None
    audit.record(
        actor,
        AuditAction.CREATE,
        "test_result",
        result.pk,
        detail={"person": sample.person_id, "sample": sample.pk, "from_pool": from_pool},
    )
    signals.result_recorded.send(sender=TestResult, result=result)
    return result


def _duplicate(standing: TestResult) -> Conflict:
    return Conflict(
        _("This sample already has a result; revoke it before entering another."),
        [FieldError("sample", _("Already has a result (%(result)s).") % {"result": standing.get_result_display()})],
        existing=standing.pk,
    )


def revoke_result(actor: User, result_id: object, reason: str) -> TestResult:
    """Withdraw a wrong result (kept on record). A case it opened is voided by the cases app."""
    if not access.can(actor, "test_result", "change"):
        raise NotFound()
    reason = clean_text(reason or "")
    if not reason or len(reason) > 300:
        raise InvalidInput(
            _("The request has errors."), [FieldError("reason", _("Give the reason, in at most 300 characters."))]
        )
    with transaction.atomic():
        result = access.get_or_404(TestResult.objects.select_for_update(of=("self",)), actor, "change", pk=result_id)
        if result.revoked_at is not None:
            raise Conflict(_("This result was already revoked."), [FieldError("result", _("Already revoked."))])
        result.revoked_at = timezone.now()
        result.revoke_reason = reason
        result.revoked_by = actor
        result.save(update_fields=["revoked_at", "revoke_reason", "revoked_by"])
        audit.record(actor, AuditAction.UPDATE, "test_result", result.pk, detail={"revoked": True})
        signals.result_revoked.send(sender=TestResult, result=result)
    return result


# Pools


def create_pool(actor: User, data: PoolInput) -> SamplePool:
    if not access.can(actor, "sample", "add"):
        raise NotFound()
    errors: list[FieldError] = []
    commune = _commune(data.commune)
    if commune is None:
        errors.append(FieldError("commune", _("No commune has the code %(code)s.") % {"code": data.commune[:20]}))
    elif not access.unit_in_scope(actor, commune.path):
        errors.append(FieldError("commune", _("This commune is outside your area.")))
    code = _text(data.code, "code", 40, _("A pool code"), errors)
    lab = _text(data.lab, "lab", 200, _("A laboratory name"), errors)
    if errors or commune is None:
        raise InvalidInput(_("The pool has errors."), errors)
    with transaction.atomic():
        pool = SamplePool.objects.create(commune=commune, code=code, lab=lab, recorded_by=actor)
        audit.record(actor, AuditAction.CREATE, "sample_pool", pool.pk)
    return pool


def record_pool_result(actor: User, pool_id: object, data: PoolResultInput) -> PoolOutcome:
    """The pool's own result. Negative: each member without a result gets a negative one. Positive or
    invalid: each member gets a retest task (a sample of their own, tested alone)."""
    if not access.can(actor, "test_result", "add"):
        raise NotFound()
    with transaction.atomic():
        pool = access.get_or_404(SamplePool.objects.select_for_update(of=("self",)), actor, "view", pk=pool_id)
        if pool.result:
            raise Conflict(_("This pool already has its result."), [FieldError("pool", _("Already has a result."))])
        members = list(pool.samples.select_related("person").order_by("pk"))
        errors: list[FieldError] = []
        if not members:
            errors.append(FieldError("pool", _("The pool has no samples.")))
        latest_taken = max((m.taken_at for m in members), default=None)
        ct, reported = _check_result_fields(
            data.result, data.ct_value, data.reported_at, TestType.RT_PCR, latest_taken, errors
        )
        if errors:
            raise InvalidInput(_("The pool result has errors."), errors)
        pool.result = data.result
        pool.ct_value = ct
        pool.reported_at = reported
        pool.save(update_fields=["result", "ct_value", "reported_at"])
        outcome = PoolOutcome(pool=pool)
        for member in members:
            if data.result == ResultValue.NEGATIVE:
                if not member.results.filter(revoked_at__isnull=True).exists():
                    result_data = ResultInput(result=ResultValue.NEGATIVE, reported_at=reported)
                    outcome.results.append(_store_result(actor, member, result_data, from_pool=True))
            else:
                task, _created = RetestTask.objects.get_or_create(
                    sample=member, defaults={"pool": pool, "person": member.person, "commune": member.commune}
                )
                outcome.retest_tasks.append(task)
        audit.record(
            actor,
            AuditAction.UPDATE,
            "sample_pool",
            pool.pk,
            detail={
                "result": data.result,
                "member_results": len(outcome.results),
                "retest_tasks": len(outcome.retest_tasks),
            },
        )
    return outcome


def add_pool_member(actor: User, pool_id: int, citizen_id: str, taken_at: dt.datetime) -> Recorded:
    """A registered person's sample into a pool, the person found by CCCD/CMND within the actor's area."""
    key = "".join((citizen_id or "").split())
    person = access.restrict(Person.objects.filter(citizen_id=key), actor, "view").first() if key else None
    if person is None:
        raise missing("citizen_id", _("No person with this citizen ID in your area."))
    pool = access.get_or_404(SamplePool.objects.all(), actor, "view", pk=pool_id)
    data = SampleInput(
        person=person.pk,
        test_type=TestType.RT_PCR,
        taken_at=taken_at,
        lab=pool.lab,
        commune=pool.commune.code,
        pool=pool.pk,
    )
    return record_sample(actor, data)


def search_pools(actor: User) -> models.QuerySet[SamplePool]:
    return access.restrict(
        SamplePool.objects.select_related("commune").annotate(size=models.Count("samples")).order_by("-created_at"),
        actor,
        "view",
    )


# Reads


def search_samples(actor: User) -> models.QuerySet[Sample]:
    """Samples the actor may see, with their results (audit the page read with :func:`record_list_read`)."""
    results = access.restrict(TestResult.objects.order_by("-reported_at"), actor, "view")
    return access.restrict(
        Sample.objects.select_related("person", "commune", "pool")
        .prefetch_related(models.Prefetch("results", queryset=results))
        .order_by("-taken_at", "-pk"),
        actor,
        "view",
    )


@dataclass(frozen=True)
class TestFilter:
    __test__ = False  # not a pytest test class

    person: int | None = None
    result: str = ""  # positive, negative, invalid, or "none" (no standing result)
    test_type: str = ""
    commune: str = ""  # a commune's or district's code
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "result": self.result,
            "test_type": self.test_type,
            "commune": self.commune,
            "since": self.since,
            "until": self.until,
        }


def filter_samples(samples: models.QuerySet[Sample], criteria: TestFilter) -> models.QuerySet[Sample]:
    if criteria.person is not None:
        samples = samples.filter(person_id=criteria.person)
    if criteria.test_type:
        samples = samples.filter(test_type=criteria.test_type)
    if criteria.result == "none":
        standing = TestResult.objects.filter(sample=models.OuterRef("pk"), revoked_at__isnull=True)
        samples = samples.exclude(models.Exists(standing))
    elif criteria.result:
        samples = samples.filter(results__result=criteria.result, results__revoked_at__isnull=True)
    if criteria.commune:
        unit = AdministrativeUnit.objects.filter(code=criteria.commune).first()
        samples = samples.filter(commune__path__startswith=unit.path) if unit else samples.none()
    if criteria.since is not None:
        samples = samples.filter(taken_at__gte=to_utc(criteria.since, "since"))
    if criteria.until is not None:
        samples = samples.filter(taken_at__lt=to_utc(criteria.until, "until"))
    return samples


def get_pool(actor: User, pool_id: object) -> SamplePool:
    pool = access.get_or_404(SamplePool.objects.select_related("commune"), actor, "view", pk=pool_id)
    audit.record(actor, AuditAction.VIEW, "sample_pool", pool.pk)
    return pool


def search_retest_tasks(actor: User) -> models.QuerySet[RetestTask]:
    return access.restrict(
        RetestTask.objects.select_related("person", "pool", "sample", "commune").order_by("created_at", "pk"),
        actor,
        "view",
    )


def get_sample(actor: User, sample_id: object) -> Sample:
    sample = access.get_or_404(search_samples(actor), actor, "view", pk=sample_id)
    audit.record(actor, AuditAction.VIEW, "sample", sample.pk, detail={"person": sample.person_id})
    return sample


def record_list_read(actor: User, object_type: str, rows: list[Any], criteria: dict[str, Any]) -> None:
    if rows:
        audit.record(
            actor,
            AuditAction.LIST,
            object_type,
            object_ids=[row.pk for row in rows],
            detail={"criteria": sorted(k for k, v in criteria.items() if v)},
        )


# One entry point for the API, batches and imports: a new sample (with or without its result), or a
# result for a sample already recorded.

TestInput = SampleInput | ResultInput

MAX_BATCH = 500


@dataclass
class Fate:
    """What became of one item of a batch."""

    index: int
    status: str  # created, duplicate, rejected
    sample: Sample | None = None
    result: TestResult | None = None
    errors: list[FieldError] = field(default_factory=list)
    detail: str = ""


def record_test(actor: User, data: TestInput) -> Recorded:
    if isinstance(data, ResultInput):
        known = data.uuid is not None and TestResult.objects.filter(uuid=data.uuid).exists()
        result = record_result(actor, data)
        return Recorded(sample=result.sample, result=result, created=not known)
    return record_sample(actor, data)


def record_batch(actor: User, items: list[TestInput | DomainError]) -> list[Fate]:
    """Each item in its own transaction: a bad item is reported and skipped, the others are stored.
    Items already given as errors (malformed before reaching here) are reported as rejected."""
    fates = []
    for index, item in enumerate(items):
        if isinstance(item, DomainError):
            fates.append(Fate(index, "rejected", errors=list(item.errors), detail=item.detail))
            continue
        try:
            recorded = record_test(actor, item)
        except DomainError as error:
            fates.append(Fate(index, "rejected", errors=list(error.errors), detail=error.detail))
            continue
        status = "created" if recorded.created else "duplicate"
        fates.append(Fate(index, status, sample=recorded.sample, result=recorded.result))
    if fates:
        audit.record(
            actor,
            AuditAction.CREATE,
            "test_batch",
            detail={
                status: sum(1 for f in fates if f.status == status) for status in ("created", "duplicate", "rejected")
            },
        )
    return fates
