"""Every read and write of quarantine: policy, orders, deliveries, facilities and beds, health checks, the test
schedule, alerts and release.

Dates: an order's day 1 is its ``start``; ``planned_end`` is the last day of quarantine (start + days - 1);
self-monitoring runs ``self_monitoring_days`` after it. An F1 found by tracing starts on the local date of
their last exposure (the national rules count from the last contact with the F0).

Messages go through ``phongdich.notify`` and work items through ``phongdich.tasks`` (their contracts), each with
an event key, so a re-run never sends or creates twice. Time-dependent jobs take ``now`` for tests and synth.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from phongdich.accounts.models import User
from phongdich.accounts.roles import Role
from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.cases.models import CarePlace, Case, CaseStatus, Outcome
from phongdich.core import access
from phongdich.core.clock import to_utc
from phongdich.core.errors import Conflict, DomainError, FieldError, InvalidInput, NotFound
from phongdich.core.text import clean_text
from phongdich.geo.models import AdministrativeUnit
from phongdich.people.models import Person
from phongdich.quarantine.models import (
    AlertKind,
    DeliveryMethod,
    FacilityAdmission,
    FacilityBed,
    FacilityKind,
    FacilityRoom,
    FacilityStatus,
    HealthCheck,
    OrderDelivery,
    OrderEvent,
    OrderEventKind,
    OrderKind,
    OrderReason,
    OrderStatus,
    PolicyRule,
    Protection,
    QuarantineAlert,
    QuarantineFacility,
    QuarantineOrder,
    QuarantinePolicy,
    ReleaseCertificate,
    ScheduledTest,
    ScheduledTestStatus,
)
from phongdich.testing.models import ResultValue, TestResult

logger = logging.getLogger(__name__)

TEMPERATURE_RANGE = (Decimal("34.0"), Decimal("43.0"))
SPO2_RANGE = (50, 100)
DANGER_SPO2_BELOW = 96
DANGER_TEMPERATURE_FROM = Decimal("38.5")
SYMPTOMS = ("fever", "cough", "sore_throat", "fatigue", "loss_of_smell", "headache", "chest_pain", "diarrhoea")
MAX_BULK_ORDERS = 2000
# The longest an order may run (days from its start): longer is a typing error.
MAX_ORDER_DAYS = 60


def _local_day(moment: dt.datetime | None = None) -> dt.date:
    return timezone.localtime(moment).date() if moment is not None else timezone.localdate()


def _local_time(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _errors(detail: str, *errors: FieldError) -> InvalidInput:
    return InvalidInput(detail or _("The request has errors."), list(errors))


def _missing(field_name: str) -> DomainError:
    return DomainError(detail=_("Not found."), errors=[FieldError(field_name, _("Not found."))], status=404)


def _as_id(value: object, field_name: str) -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        raise _missing(field_name) from None
    if not 0 < number < 2**63:
        raise _missing(field_name)
    return number


# --- Collaborators (notify, tasks, papers) --------------------------------------------------------------------


def _notify(
    event_key: str,
    template: str,
    context: dict[str, object],
    *,
    person: Person | None = None,
    user: User | None = None,
    commune: AdministrativeUnit | None = None,
) -> None:
    """Queue one message through the notify app; a recipient without an address is not an error."""
    from phongdich.notify.services import notify

    notify(event_key=event_key, template=template, context=context, person=person, user=user, commune=commune)


def _task(
    kind: str,
    commune: AdministrativeUnit,
    title: str,
    due_at: dt.datetime,
    *,
    source_key: str,
    person: Person | None = None,
    facility_id: int | None = None,
    details: str = "",
) -> None:
    from phongdich.tasks.services import create_task

    create_task(
        None,
        kind=kind,
        commune=commune,
        title=title[:200],
        due_at=due_at,
        person=person,
        facility_id=facility_id,
        source_key=source_key,
        details=details,
    )


def _complete_tasks(source_key: str, note: str = "", actor: User | None = None) -> int:
    from phongdich.tasks.services import complete_by_source

    return complete_by_source(source_key, note=note, actor=actor)


def _officers_of(commune: AdministrativeUnit) -> list[User]:
    """The active commune officers working in ``commune`` (assigned to it directly)."""
    return list(User.objects.filter(is_active=True, role=Role.COMMUNE_OFFICER, units=commune).order_by("pk")[:20])


# --- Policy ---------------------------------------------------------------------------------------------------


def policy_in_force(on: dt.date) -> QuarantinePolicy | None:
    return QuarantinePolicy.objects.filter(valid_from__lte=on).order_by("-valid_from", "-version").first()


def protection_of(person: Person, on: dt.date) -> str:
    """Protected: a full primary vaccination course by ``on``, or recovered from a case (the platform's rules)."""
    from phongdich.vaccination.services import vaccination_status

    status = vaccination_status(person)
    if status.full_course_date is not None and status.full_course_date <= on:
        return Protection.PROTECTED
    if Case.objects.filter(person=person, outcome=Outcome.RECOVERED).exists():
        return Protection.PROTECTED
    return Protection.NOT_PROTECTED


@dataclass(frozen=True)
class Plan:
    kind: str
    start: dt.date
    planned_end: dt.date
    self_monitoring_end: dt.date | None
    test_days: list[tuple[int, dt.date]]
    test_type: str
    policy: QuarantinePolicy | None
    rule: PolicyRule | None


def plan_for(reason: str, protection: str, start: dt.date) -> Plan:
    """The kind, dates and test days the policy in force on ``start`` gives. No policy: 14 days at home."""
    policy = policy_in_force(start)
    rule = policy.rules.filter(reason=reason, protection=protection).first() if policy is not None else None
    if rule is None and policy is not None:
        rule = policy.rules.filter(reason=OrderReason.OTHER, protection=protection).first()
    if rule is None:
        return Plan(OrderKind.HOME, start, start + dt.timedelta(days=13), None, [], "rt_pcr", policy, None)
    planned_end = start + dt.timedelta(days=max(rule.days, 1) - 1)
    monitoring_end = planned_end + dt.timedelta(days=rule.self_monitoring_days) if rule.self_monitoring_days else None
    test_days = [(int(day), start + dt.timedelta(days=int(day) - 1)) for day in rule.test_days if int(day) >= 1]
    return Plan(rule.kind, start, planned_end, monitoring_end, test_days, rule.test_type, policy, rule)


@dataclass(frozen=True)
class RuleInput:
    reason: str
    protection: str
    kind: str
    days: int
    self_monitoring_days: int = 0
    test_days: list[int] = field(default_factory=list)
    test_type: str = "rt_pcr"


@dataclass(frozen=True)
class PolicyInput:
    name: str
    valid_from: dt.date
    rules: list[RuleInput]
    notes: str = ""


def _check_policy(data: PolicyInput) -> list[RuleInput]:
    errors: list[FieldError] = []
    if not clean_text(data.name):
        errors.append(FieldError("name", _("This field is required.")))
    if not data.rules:
        errors.append(FieldError("rules", _("At least one rule is required.")))
    seen: set[tuple[str, str]] = set()
    for index, rule in enumerate(data.rules):
        where = f"rules[{index}]"
        if rule.reason not in OrderReason.values:
            errors.append(FieldError(f"{where}.reason", _("Unknown reason.")))
        if rule.protection not in Protection.values:
            errors.append(FieldError(f"{where}.protection", _("Unknown vaccination status.")))
        if rule.kind not in OrderKind.values:
            errors.append(FieldError(f"{where}.kind", _("Unknown kind of quarantine.")))
        if not 1 <= rule.days <= 60:
            errors.append(FieldError(f"{where}.days", _("Between 1 and 60 days.")))
        if not 0 <= rule.self_monitoring_days <= 60:
            errors.append(FieldError(f"{where}.self_monitoring_days", _("Between 0 and 60 days.")))
        if any(not 1 <= day <= rule.days for day in rule.test_days):
            errors.append(FieldError(f"{where}.test_days", _("Testing days must fall within the quarantine.")))
        if rule.test_type not in ("rt_pcr", "antigen"):
            errors.append(FieldError(f"{where}.test_type", _("Unknown test type.")))
        if (rule.reason, rule.protection) in seen:
            errors.append(FieldError(where, _("A rule for this reason and status is already given.")))
        seen.add((rule.reason, rule.protection))
    if errors:
        raise _errors("", *errors)
    return list(data.rules)


def save_policy(actor: User, data: PolicyInput, policy_id: object = None) -> QuarantinePolicy:
    """A new policy version, or an edit of a version no order used yet; editing a used one makes a new version."""
    if not access.can(actor, "quarantine_policy", "add" if policy_id is None else "change"):
        raise NotFound()
    rules = _check_policy(data)
    with transaction.atomic():
        current: QuarantinePolicy | None = None
        if policy_id is not None:
            current = QuarantinePolicy.objects.select_for_update().filter(pk=_as_id(policy_id, "policy")).first()
            if current is None:
                raise NotFound()
            if QuarantineOrder.objects.filter(policy=current).exists():
                current = None  # used: the change becomes a new version
        if current is None:
            last = QuarantinePolicy.objects.select_for_update().order_by("-version").first()
            current = QuarantinePolicy(version=(last.version if last else 0) + 1, created_by=actor)
            action = AuditAction.CREATE
        else:
            current.rules.all().delete()
            action = AuditAction.UPDATE
        current.name = clean_text(data.name)[:200]
        current.valid_from = data.valid_from
        current.notes = (data.notes or "").strip()
        current.save()
        PolicyRule.objects.bulk_create(
            PolicyRule(
                policy=current,
                reason=rule.reason,
                protection=rule.protection,
                kind=rule.kind,
                days=rule.days,
                self_monitoring_days=rule.self_monitoring_days,
                test_days=sorted(set(rule.test_days)),
                test_type=rule.test_type,
            )
            for rule in rules
        )
        audit.record(
            actor,
            action,
            "quarantine_policy",
            current.pk,
            detail={"version": current.version, "valid_from": current.valid_from.isoformat(), "rules": len(rules)},
        )
    return current


def policies(actor: User) -> list[QuarantinePolicy]:
    """Every version, newest first (not personal data; roles without the policy row see nothing)."""
    if not access.can(actor, "quarantine_policy", "view"):
        raise NotFound()
    return list(QuarantinePolicy.objects.prefetch_related("rules"))


# --- Orders ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderInput:
    """An order issued by hand. Dates and kind default to the policy's; ``planned_end`` overrides it."""

    person: int
    reason: str = OrderReason.OTHER
    start: dt.date | None = None
    kind: str = ""
    planned_end: dt.date | None = None
    facility: int | None = None
    place: str = ""
    case: int | None = None
    note: str = ""


def _next_number(commune: AdministrativeUnit, year: int) -> str:
    prefix = f"{commune.code}/{year}/"
    count = QuarantineOrder.objects.filter(number__startswith=prefix).count()
    return f"{prefix}{count + 1:05d}"


def _event(order: QuarantineOrder, event_kind: str, actor: User | None, reason: str = "", **detail: Any) -> OrderEvent:
    return OrderEvent.objects.create(
        order=order,
        kind=event_kind,
        by=actor if actor is not None and actor.pk else None,
        reason=reason[:500],
        detail=detail,
    )


def _create_order(
    actor: User | None,
    person: Person,
    *,
    reason: str,
    plan: Plan,
    protection: str,
    facility: QuarantineFacility | None = None,
    place: str = "",
    case: Case | None = None,
    contact_id: int | None = None,
    note: str = "",
    planned_end: dt.date | None = None,
) -> QuarantineOrder:
    """Store an order with its schedule, history, tasks and messages. Runs inside the caller's transaction."""
    commune = person.home_commune
    end = planned_end or plan.planned_end
    if end < plan.start:
        raise _errors("", FieldError("planned_end", _("The end is before the start.")))
    monitoring_end = plan.self_monitoring_end
    if planned_end is not None and monitoring_end is not None:
        monitoring_end = planned_end + (monitoring_end - plan.planned_end)
    for _attempt in range(5):
        order = QuarantineOrder(
            number=_next_number(commune, plan.start.year),
            person=person,
            commune=commune,
            reason=reason,
            case=case,
            contact_id=contact_id,
            protection=protection,
            kind=plan.kind,
            facility=facility,
            place=place or (facility.name if facility is not None else person.address)[:255],
            start=plan.start,
            planned_end=end,
            self_monitoring_end=monitoring_end,
            policy=plan.policy,
            rule=plan.rule,
            note=note,
            issued_by=actor if actor is not None and actor.pk else None,
        )
        try:
            with transaction.atomic():
                order.save(force_insert=True)
            break
        except IntegrityError as exc:
            if QuarantineOrder.objects.filter(person=person, status=OrderStatus.ACTIVE).exists():
                raise _already_in_quarantine(person) from exc
            # Another order took the number a moment ago: count again.
    else:  # pragma: no cover - five collisions in a row
        raise Conflict(_("Please try again."))
    tests = [
        ScheduledTest(order=order, day_number=day_number, due_on=due_on, test_type=plan.test_type)
        for day_number, due_on in plan.test_days
        if due_on <= end
    ]
    ScheduledTest.objects.bulk_create(tests)
    _event(order, OrderEventKind.ISSUED, actor, note, start=order.start.isoformat(), planned_end=end.isoformat())
    audit.record(
        actor,
        AuditAction.CREATE,
        "quarantine_order",
        order.pk,
        detail={"person": person.pk, "reason": reason, "kind": order.kind},
    )
    transaction.on_commit(lambda: _after_issue(order.pk), robust=True)
    return order


def _after_issue(order_id: int) -> None:
    """Tasks for the commune and messages to the person, once the order is committed (idempotent keys)."""
    order = QuarantineOrder.objects.select_related("person", "commune", "case").get(pk=order_id)
    person, commune = order.person, order.commune
    now = timezone.now()
    if order.reason == OrderReason.F1_OF_CASE:
        _task(
            "call_contact",
            commune,
            _("Call the F1 about their quarantine"),
            now + dt.timedelta(hours=4),
            source_key=f"quarantine.call:{order.pk}",
            person=person,
        )
        _notify(
            f"quarantine.f1_notice:{order.pk}",
            "f1_notice",
            {"person_name": person.full_name, "commune_name": commune.name, "exposure_date": order.start},
            person=person,
            commune=commune,
        )
    _task(
        "deliver_order",
        commune,
        _("Deliver quarantine order %(number)s") % {"number": order.number},
        now + dt.timedelta(hours=24),
        source_key=f"quarantine.deliver:{order.pk}",
        person=person,
    )
    for test in order.scheduled_tests.all():
        _task(
            "take_sample",
            commune,
            _("Take the day-%(day)s sample") % {"day": test.day_number},
            _local_time(test.due_on, 17),
            source_key=f"quarantine.test:{test.pk}",
            person=person,
            facility_id=order.facility_id,
        )
    _notify(
        f"quarantine.order_issued:{order.pk}",
        "quarantine_order",
        {
            "person_name": person.full_name,
            "order_number": order.number,
            "kind": KIND_LABELS[OrderKind(order.kind)].lower(),
            "place": order.place,
            "start": order.start,
            "planned_end": order.planned_end,
            "self_monitoring_end": order.self_monitoring_end,
            "test_days": [t.due_on for t in order.scheduled_tests.all()],
            "commune_name": commune.name,
        },
        person=person,
        commune=commune,
    )


def _already_in_quarantine(person: Person) -> Conflict:
    active = QuarantineOrder.objects.filter(person=person, status=OrderStatus.ACTIVE).first()
    return Conflict(
        _("This person already has an active quarantine order."),
        [FieldError("person", _("Already in quarantine (%(number)s).") % {"number": active.number if active else ""})],
        existing=active.pk if active else None,
    )


def issue_order(actor: User, data: OrderInput) -> QuarantineOrder:
    """An order issued by an officer for a person of their area; the policy gives what the input leaves out."""
    if not access.can(actor, "quarantine_order", "add"):
        raise NotFound()
    errors: list[FieldError] = []
    if data.reason not in OrderReason.values:
        errors.append(FieldError("reason", _("Unknown reason.")))
    if data.kind and data.kind not in OrderKind.values:
        errors.append(FieldError("kind", _("Unknown kind of quarantine.")))
    start = data.start or timezone.localdate()
    if data.planned_end is not None and data.planned_end < start:
        errors.append(FieldError("planned_end", _("The end is before the start.")))
    elif data.planned_end is not None and (data.planned_end - start).days > MAX_ORDER_DAYS:
        errors.append(FieldError("planned_end", _("At most %(n)s days.") % {"n": MAX_ORDER_DAYS}))
    if abs((start - timezone.localdate()).days) > 60:
        errors.append(FieldError("start", _("The start is too far from today.")))
    if errors:
        raise _errors("", *errors)
    with transaction.atomic():
        person = access.get_or_404(
            Person.objects.select_for_update(of=("self",)).select_related("home_commune"), actor, "view", pk=data.person
        )
        if not access.unit_in_scope(actor, person.home_commune.path):
            raise NotFound()
        if QuarantineOrder.objects.filter(person=person, status=OrderStatus.ACTIVE).exists():
            raise _already_in_quarantine(person)
        facility = None
        if data.facility is not None:
            facility = QuarantineFacility.objects.filter(pk=_as_id(data.facility, "facility")).first()
            if facility is None:
                raise _missing("facility")
        case = None
        if data.case is not None:
            case = access.get_or_404(Case.objects.all(), actor, "view", pk=data.case)
        protection = protection_of(person, start)
        plan = plan_for(data.reason, protection, start)
        if data.kind:
            plan = replace(plan, kind=data.kind)
        return _create_order(
            actor,
            person,
            reason=data.reason,
            plan=plan,
            protection=protection,
            facility=facility,
            place=clean_text(data.place)[:255],
            case=case,
            note=(data.note or "").strip()[:2000],
            planned_end=data.planned_end,
        )


def place_contacts_under_quarantine(contact_ids: Iterable[int]) -> list[QuarantineOrder]:
    """Orders for the registered F1s among ``contact_ids`` (tracing's ``contacts_found``), by the system.

    One active order per person: an F1 already in quarantine (from this case or another) is left as is, so
    re-tracing never duplicates. Each order is made in its own transaction: one bad record stops no other.
    """
    from phongdich.tracing.models import Contact

    contacts = (
        Contact.objects.filter(pk__in=list(contact_ids), degree=1, person__isnull=False, case__status=CaseStatus.ACTIVE)
        .select_related("person__home_commune", "case")
        .order_by("pk")
    )
    made: list[QuarantineOrder] = []
    for contact in contacts:
        person = contact.person
        assert person is not None
        if QuarantineOrder.objects.filter(person=person, status=OrderStatus.ACTIVE).exists():
            continue
        if Case.objects.filter(person=person, status=CaseStatus.ACTIVE).exists():
            continue  # an F0 is isolated as a case, not quarantined
        start = min(_local_day(contact.last_exposure), timezone.localdate())
        try:
            with transaction.atomic():
                protection = protection_of(person, start)
                plan = plan_for(OrderReason.F1_OF_CASE, protection, start)
                made.append(
                    _create_order(
                        None,
                        person,
                        reason=OrderReason.F1_OF_CASE,
                        plan=plan,
                        protection=protection,
                        case=contact.case,
                        contact_id=contact.pk,
                    )
                )
        except Conflict:
            continue  # placed by a concurrent run a moment ago
    return made


@dataclass(frozen=True)
class ChangeInput:
    reason: str
    planned_end: dt.date | None = None
    kind: str = ""
    place: str = ""


def _order_for_change(actor: User, order_id: object) -> QuarantineOrder:
    order = access.get_or_404(
        QuarantineOrder.objects.select_for_update(of=("self",)).select_related("person", "commune"),
        actor,
        "change",
        pk=order_id,
    )
    if order.status != OrderStatus.ACTIVE:
        raise Conflict(_("This order is no longer active."), [FieldError("status", _("Not active."))])
    return order


def change_order(actor: User, order_id: object, data: ChangeInput) -> QuarantineOrder:
    """Extend, shorten or change an active order; the history keeps the old and new values and why."""
    why = clean_text(data.reason)
    errors: list[FieldError] = []
    if not why:
        errors.append(FieldError("reason", _("Say why the order changes.")))
    if data.kind and data.kind not in OrderKind.values:
        errors.append(FieldError("kind", _("Unknown kind of quarantine.")))
    if errors:
        raise _errors("", *errors)
    with transaction.atomic():
        order = _order_for_change(actor, order_id)
        changes: dict[str, Any] = {}
        kind = OrderEventKind.CHANGED
        if data.planned_end is not None and data.planned_end != order.planned_end:
            if data.planned_end < order.start:
                raise _errors("", FieldError("planned_end", _("The end is before the start.")))
            if (data.planned_end - order.start).days > MAX_ORDER_DAYS:
                raise _errors("", FieldError("planned_end", _("At most %(n)s days.") % {"n": MAX_ORDER_DAYS}))
            kind = OrderEventKind.EXTENDED if data.planned_end > order.planned_end else OrderEventKind.SHORTENED
            changes["planned_end"] = [order.planned_end.isoformat(), data.planned_end.isoformat()]
            if order.self_monitoring_end is not None:
                order.self_monitoring_end += data.planned_end - order.planned_end
            order.planned_end = data.planned_end
            ScheduledTest.objects.filter(
                order=order, status=ScheduledTestStatus.DUE, due_on__gt=data.planned_end
            ).update(status=ScheduledTestStatus.CANCELLED)
        if data.kind and data.kind != order.kind:
            changes["kind"] = [order.kind, data.kind]
            order.kind = data.kind
        place = clean_text(data.place)[:255]
        if place and place != order.place:
            changes["place"] = True
            order.place = place
        if not changes:
            return order
        order.save()
        _event(order, kind, actor, why, **changes)
        audit.record(actor, AuditAction.UPDATE, "quarantine_order", order.pk, detail={"fields": sorted(changes)})
    return order


def end_order(actor: User, order_id: object, reason: str, *, cancel: bool = False) -> QuarantineOrder:
    """End an order early (or cancel one issued by mistake), with the reason."""
    why = clean_text(reason)
    if not why:
        raise _errors("", FieldError("reason", _("Say why the order ends.")))
    with transaction.atomic():
        order = _order_for_change(actor, order_id)
        order.status = OrderStatus.CANCELLED if cancel else OrderStatus.ENDED_EARLY
        order.ended_on = timezone.localdate()
        order.save()
        _close_open_items(order, actor, why)
        _event(order, OrderEventKind.CANCELLED if cancel else OrderEventKind.ENDED_EARLY, actor, why)
        audit.record(actor, AuditAction.UPDATE, "quarantine_order", order.pk, detail={"status": order.status})
    return order


def _close_open_items(order: QuarantineOrder, actor: User | None, why: str) -> None:
    ScheduledTest.objects.filter(order=order, status=ScheduledTestStatus.DUE).update(
        status=ScheduledTestStatus.CANCELLED
    )
    FacilityAdmission.objects.filter(order=order, discharged_at__isnull=True).update(
        discharged_at=timezone.now(),
        discharged_by=actor if actor is not None and actor.pk else None,
        discharge_reason=why[:200],
    )


def record_delivery(
    actor: User, order_id: object, method: str, *, delivered_at: dt.datetime | None = None, note: str = ""
) -> OrderDelivery:
    """How the order reached the person (in person, by message, refused); completes the delivery task."""
    if method not in DeliveryMethod.values:
        raise _errors("", FieldError("method", _("Unknown way of delivery.")))
    at = to_utc(delivered_at, "delivered_at") if delivered_at is not None else timezone.now()
    if at > timezone.now() + dt.timedelta(minutes=5):
        raise _errors("", FieldError("delivered_at", _("This time is in the future.")))
    if at < timezone.now() - dt.timedelta(days=366):
        raise _errors("", FieldError("delivered_at", _("More than a year ago.")))
    with transaction.atomic():
        order = access.get_or_404(QuarantineOrder.objects.select_for_update(of=("self",)), actor, "change", pk=order_id)
        delivery = OrderDelivery.objects.create(
            order=order, method=method, delivered_at=at, by=actor, note=clean_text(note)[:500]
        )
        _event(order, OrderEventKind.DELIVERED, actor, delivery.note, method=method)
        audit.record(actor, AuditAction.CREATE, "order_delivery", delivery.pk, detail={"order": order.pk})
        _complete_tasks(f"quarantine.deliver:{order.pk}", note=str(DeliveryMethod(method).label), actor=actor)
    return delivery


@dataclass(frozen=True)
class OrderFilter:
    commune: str = ""
    status: str = ""
    kind: str = ""
    q: str = ""


def order_list(actor: User, criteria: OrderFilter | None = None) -> models.QuerySet[QuarantineOrder]:
    orders = access.restrict(QuarantineOrder.objects.all(), actor, "view").select_related("person", "commune")
    criteria = criteria or OrderFilter()
    if criteria.commune:
        # A commune's code, or a district's: everything below it.
        unit = AdministrativeUnit.objects.filter(code=criteria.commune).first()
        orders = orders.filter(commune__path__startswith=unit.path) if unit else orders.none()
    if criteria.status in OrderStatus.values:
        orders = orders.filter(status=criteria.status)
    if criteria.kind in OrderKind.values:
        orders = orders.filter(kind=criteria.kind)
    if criteria.q:
        q = clean_text(criteria.q)
        orders = orders.filter(models.Q(number__icontains=q) | models.Q(person__citizen_id=q))
    return orders.order_by("-start", "-id")


def record_list_read(actor: User, object_type: str, ids: Sequence[int], criteria: dict[str, object]) -> None:
    if ids:
        audit.record(actor, AuditAction.LIST, object_type, object_ids=ids, detail={"count": len(ids), **criteria})


@dataclass
class OrderDetail:
    order: QuarantineOrder
    events: list[OrderEvent]
    tests: list[ScheduledTest]
    deliveries: list[OrderDelivery]
    checks: list[HealthCheck]
    admissions: list[FacilityAdmission]
    certificate: ReleaseCertificate | None


def order_detail(actor: User, order_id: object) -> OrderDetail:
    order = access.get_or_404(
        QuarantineOrder.objects.select_related("person", "commune", "facility", "case", "policy"),
        actor,
        "view",
        pk=order_id,
    )
    audit.record(actor, AuditAction.VIEW, "quarantine_order", order.pk, detail={"person": order.person_id})
    return OrderDetail(
        order=order,
        events=list(order.events.select_related("by")),
        tests=list(order.scheduled_tests.all()),
        deliveries=list(order.deliveries.select_related("by")),
        checks=list(order.health_checks.order_by("-taken_at")[:60]),
        admissions=list(order.admissions.select_related("facility", "bed__room")),
        certificate=ReleaseCertificate.objects.filter(order=order).first(),
    )


def my_orders(actor: User) -> list[QuarantineOrder]:
    """A citizen's own orders, newest first (audited as a read of their own records)."""
    if actor.person_id is None:
        return []
    orders = list(
        access.restrict(QuarantineOrder.objects.filter(person_id=actor.person_id), actor, "view").select_related(
            "commune", "facility"
        )
    )
    record_list_read(actor, "quarantine_order", [o.pk for o in orders], {"own": True})
    return orders


# --- Papers ---------------------------------------------------------------------------------------------------


def _district_and_province(commune: AdministrativeUnit) -> tuple[str, str]:
    codes = commune.path.strip("/").split("/")
    names = dict(AdministrativeUnit.objects.filter(code__in=codes).values_list("code", "name"))
    district = names.get(codes[1], "") if len(codes) > 2 else ""
    return district, names.get(codes[0], "")


def _authority(commune: AdministrativeUnit) -> str:
    return f"UBND {commune.name[:1].lower()}{commune.name[1:]}" if commune.name else ""


SEX_LABELS = {"male": "Nam", "female": "Nữ"}
KIND_LABELS = {
    OrderKind.FACILITY: "Cách ly tập trung",
    OrderKind.HOME: "Cách ly tại nhà",
    OrderKind.SELF_MONITORING: "Tự theo dõi sức khỏe",
}
REASON_LABELS = {
    OrderReason.F1_OF_CASE: "Tiếp xúc gần (F1) với ca bệnh {case}",
    OrderReason.ARRIVAL_FROM_LEVEL4: "Đến từ địa bàn có cấp độ dịch 4",
    OrderReason.ENTRY_FROM_ABROAD: "Nhập cảnh từ nước ngoài",
    OrderReason.OTHER: "Theo chỉ định của cơ quan y tế",
}
TEST_LABELS = {"rt_pcr": "RT-PCR", "antigen": "Test nhanh kháng nguyên"}
RESULT_LABELS = {ScheduledTestStatus.NEGATIVE: "Âm tính", ScheduledTestStatus.POSITIVE: "Dương tính"}


def order_sheets(orders: Sequence[QuarantineOrder]) -> list[Any]:
    """The printable data of orders (selected with person, commune, case)."""
    from phongdich.quarantine.documents import OrderSheet

    places: dict[int, tuple[str, str]] = {}
    tests: dict[int, list[dt.date]] = {}
    for test in ScheduledTest.objects.filter(order__in=[o.pk for o in orders]).exclude(
        status=ScheduledTestStatus.CANCELLED
    ):
        tests.setdefault(test.order_id, []).append(test.due_on)
    sheets = []
    for order in orders:
        if order.commune_id not in places:
            places[order.commune_id] = _district_and_province(order.commune)
        district, province = places[order.commune_id]
        person = order.person
        sheets.append(
            OrderSheet(
                number=order.number,
                issued_on=_local_day(order.issued_at),
                authority=_authority(order.commune),
                commune_name=order.commune.name,
                district_name=district,
                province_name=province,
                person_name=person.full_name,
                birth_date=person.date_of_birth,
                sex=SEX_LABELS.get(person.sex, ""),
                citizen_id=person.citizen_id or "",
                address=person.address,
                phone=person.phone,
                reason=REASON_LABELS[OrderReason(order.reason)].format(case=order.case.number if order.case else ""),
                kind=KIND_LABELS[OrderKind(order.kind)],
                place=order.place,
                start=order.start,
                planned_end=order.planned_end,
                self_monitoring_end=order.self_monitoring_end,
                test_days=sorted(tests.get(order.pk, [])),
                signer_title="CHỦ TỊCH",
                signer_name="",
            )
        )
    return sheets


def orders_pdf(actor: User, order_ids: Sequence[int] | None = None, criteria: OrderFilter | None = None) -> bytes:
    """One page per order: the given ones, or every order of the list ``criteria`` selects (bulk printing)."""
    from phongdich.quarantine.documents import render_orders_pdf

    orders = order_list(actor, criteria).select_related("case")
    if order_ids is not None:
        orders = orders.filter(pk__in=list(order_ids))
    chosen = list(orders[: MAX_BULK_ORDERS + 1])
    if not chosen:
        raise NotFound()
    if len(chosen) > MAX_BULK_ORDERS:
        raise _errors("", FieldError("orders", _("At most %(n)s orders at once.") % {"n": MAX_BULK_ORDERS}))
    record_list_read(actor, "quarantine_order", [o.pk for o in chosen], {"pdf": True})
    return render_orders_pdf(order_sheets(chosen))


def person_digest(person: Person) -> str:
    """A keyed digest of who the certificate is for: the QR carries it, never the identity."""
    key = settings.SECRET_KEY.encode("utf-8")
    return hmac.new(key, f"release:{person.pk}:{person.citizen_id or ''}".encode(), hashlib.sha256).hexdigest()[:32]


def release_pdf(actor: User, order_id: object) -> bytes:
    """The release certificate of an order, as PDF, for officers of the order and for the person."""
    from phongdich.quarantine.documents import ReleaseSheet, render_release_pdf
    from phongdich.quarantine.release_qr import verify_link

    order = access.get_or_404(QuarantineOrder.objects.select_related("person", "commune"), actor, "view", pk=order_id)
    certificate = ReleaseCertificate.objects.filter(order=order).first()
    if certificate is None:
        raise NotFound()
    district, province = _district_and_province(order.commune)
    person = order.person
    tests = [
        (
            test.sampled_on or test.due_on,
            TEST_LABELS.get(test.test_type, test.test_type),
            RESULT_LABELS.get(ScheduledTestStatus(test.status), ""),
        )
        for test in order.scheduled_tests.exclude(status=ScheduledTestStatus.CANCELLED)
    ]
    sheet = ReleaseSheet(
        number=certificate.number,
        issued_on=_local_day(certificate.issued_at),
        authority=_authority(order.commune),
        commune_name=order.commune.name,
        district_name=district,
        province_name=province,
        person_name=person.full_name,
        birth_date=person.date_of_birth,
        citizen_id=person.citizen_id or "",
        address=person.address,
        kind=KIND_LABELS[OrderKind(order.kind)],
        start=order.start,
        end=order.ended_on or order.planned_end,
        tests=tests,
        signer_title="CHỦ TỊCH",
        signer_name="",
        verify_url=verify_link(certificate.token),
    )
    audit.record(actor, AuditAction.VIEW, "release_certificate", certificate.pk, detail={"order": order.pk})
    return render_release_pdf(sheet)


# --- Release --------------------------------------------------------------------------------------------------


@dataclass
class ReleaseSummary:
    released: list[int] = field(default_factory=list)
    to_review: list[int] = field(default_factory=list)


def release_due_orders(now: dt.datetime | None = None) -> ReleaseSummary:
    """Close the active orders whose planned end has come: released with a certificate when every required
    test is negative, otherwise a ``review_release`` task for the commune (once per order)."""
    now = now or timezone.now()
    today = _local_day(now)
    summary = ReleaseSummary()
    due = list(
        QuarantineOrder.objects.filter(status=OrderStatus.ACTIVE, planned_end__lte=today).values_list("pk", flat=True)
    )
    for order_id in due:
        with transaction.atomic():
            order = (
                QuarantineOrder.objects.select_for_update(of=("self",))
                .select_related("person", "commune")
                .filter(pk=order_id, status=OrderStatus.ACTIVE)
                .first()
            )
            if order is None:
                continue
            statuses = list(
                order.scheduled_tests.exclude(status=ScheduledTestStatus.CANCELLED).values_list("status", flat=True)
            )
            if any(status != ScheduledTestStatus.NEGATIVE for status in statuses):
                summary.to_review.append(order.pk)
                transaction.on_commit(lambda o=order: _review_task(o), robust=True)  # type: ignore[misc]
                continue
            _release(order, now)
            summary.released.append(order.pk)
    return summary


def _review_task(order: QuarantineOrder) -> None:
    _task(
        "review_release",
        order.commune,
        _("Review the release of order %(number)s: a required test is missing") % {"number": order.number},
        timezone.now() + dt.timedelta(hours=12),
        source_key=f"quarantine.review:{order.pk}",
        person=order.person,
        facility_id=order.facility_id,
    )


def _release(order: QuarantineOrder, now: dt.datetime) -> ReleaseCertificate:
    from phongdich.quarantine.release_qr import sign_release, verify_link

    order.status = OrderStatus.RELEASED
    order.ended_on = order.planned_end
    order.save()
    _close_open_items(order, None, "released")
    number = f"GXN-{order.number}"
    digest = person_digest(order.person)
    certificate = ReleaseCertificate.objects.create(
        order=order,
        number=number,
        issued_at=now,
        person_digest=digest,
        token=sign_release(number, digest, order.planned_end),
    )
    _event(order, OrderEventKind.RELEASED, None, "", certificate=number)
    audit.record(None, AuditAction.CREATE, "release_certificate", certificate.pk, detail={"order": order.pk})
    person, commune = order.person, order.commune
    transaction.on_commit(
        lambda: _notify(
            f"quarantine.released:{order.pk}",
            "quarantine_released",
            {
                "person_name": person.full_name,
                "end": order.planned_end,
                "certificate_number": number,
                "verify_url": verify_link(certificate.token),
            },
            person=person,
            commune=commune,
        ),
        robust=True,
    )
    return certificate


# --- Test results ---------------------------------------------------------------------------------------------


def record_scheduled_test_result(result: TestResult) -> ScheduledTest | None:
    """A result of a person with an active order (``testing.result_recorded``, inside its transaction): fills
    the scheduled test nearest its sampling day; a positive result ends the order (the cases app opens the F0
    and tracing restarts from it)."""
    if result.revoked_at is not None or result.result not in (ResultValue.NEGATIVE, ResultValue.POSITIVE):
        return None
    sample = result.sample
    order = (
        QuarantineOrder.objects.select_for_update(of=("self",))
        .filter(person_id=sample.person_id, status=OrderStatus.ACTIVE)
        .first()
    )
    if order is None:
        return None
    sampled_on = _local_day(sample.taken_at)
    if sampled_on < order.start - dt.timedelta(days=1):
        return None  # a sample from before the quarantine says nothing about it
    test = (
        ScheduledTest.objects.filter(
            order=order, status=ScheduledTestStatus.DUE, due_on__lte=sampled_on + dt.timedelta(days=1)
        )
        .order_by("-due_on")
        .first()
    )
    positive = result.result == ResultValue.POSITIVE
    if test is not None:
        test.status = ScheduledTestStatus.POSITIVE if positive else ScheduledTestStatus.NEGATIVE
        test.result = result
        test.sampled_on = sampled_on
        test.save(update_fields=["status", "result", "sampled_on"])
        key = f"quarantine.test:{test.pk}"
        transaction.on_commit(lambda: _complete_tasks(key, note=test.status), robust=True)
    if positive:
        # The cases app received the result first: a case is open when the result confirms one under the
        # confirmation policy. A positive that confirms nothing (e.g. a rapid test while only RT-PCR
        # confirms) keeps the person in quarantine, with a task to arrange a confirmatory test.
        case = Case.objects.filter(person_id=sample.person_id, status=CaseStatus.ACTIVE).first()
        if case is None:
            order_id, commune_id, person_id = order.pk, order.commune_id, order.person_id

            def confirm_task() -> None:
                _task(
                    "other",
                    AdministrativeUnit.objects.get(pk=commune_id),
                    _("Positive test that confirms no case: take a confirmatory RT-PCR sample"),
                    timezone.now() + dt.timedelta(hours=4),
                    source_key=f"quarantine.unconfirmed:{result.pk}",
                    person=Person(pk=person_id),
                    facility_id=order.facility_id,
                    details=f"order {order_id}",
                )

            transaction.on_commit(confirm_task, robust=True)
            return test
        order.status = OrderStatus.ENDED_POSITIVE
        order.ended_on = sampled_on
        order.save()
        _close_open_items(order, None, "positive")
        _event(order, OrderEventKind.ENDED_POSITIVE, None, "", result=result.pk, case=case.pk)
        audit.record(None, AuditAction.UPDATE, "quarantine_order", order.pk, detail={"status": order.status})
        if case.source_result_id == result.pk:
            from phongdich.cases.services import mark_detected_in_quarantine

            mark_detected_in_quarantine(case)
    return test


# --- Facilities -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FacilityInput:
    name: str
    commune: str
    kind: str = FacilityKind.CENTRALIZED
    address: str = ""
    price_per_day: Decimal | None = None
    status: str = FacilityStatus.OPEN


def create_facility(actor: User, data: FacilityInput) -> QuarantineFacility:
    if not access.can(actor, "quarantine_facility", "add"):
        raise NotFound()
    errors: list[FieldError] = []
    name = clean_text(data.name)[:200]
    if not name:
        errors.append(FieldError("name", _("This field is required.")))
    if data.kind not in FacilityKind.values:
        errors.append(FieldError("kind", _("Unknown kind of facility.")))
    if data.status not in FacilityStatus.values:
        errors.append(FieldError("status", _("Unknown status.")))
    if data.price_per_day is not None and data.price_per_day < 0:
        errors.append(FieldError("price_per_day", _("The price cannot be negative.")))
    if data.kind == FacilityKind.HOTEL and data.price_per_day is None:
        errors.append(FieldError("price_per_day", _("A hotel needs a price per day.")))
    commune = AdministrativeUnit.objects.filter(code=data.commune, level="commune").first()
    if commune is None:
        errors.append(FieldError("commune", _("Unknown commune.")))
    elif not access.unit_in_scope(actor, commune.path):
        errors.append(FieldError("commune", _("Outside your area.")))
    if errors:
        raise _errors("", *errors)
    assert commune is not None
    with transaction.atomic():
        facility = QuarantineFacility.objects.create(
            name=name,
            kind=data.kind,
            commune=commune,
            address=clean_text(data.address)[:255],
            status=data.status,
            price_per_day=data.price_per_day,
        )
        audit.record(actor, AuditAction.CREATE, "quarantine_facility", facility.pk, detail={"commune": commune.code})
    return facility


def add_rooms(actor: User, facility_id: object, rooms: dict[str, int], floor: str = "") -> list[FacilityBed]:
    """Rooms (by name) with their number of beds, labelled 1, 2, …; an existing room gets the beds it lacks."""
    errors = [
        FieldError(f"rooms.{name}", _("Between 1 and 50 beds."))
        for name, beds in rooms.items()
        if not 1 <= beds <= 50 or not clean_text(name)
    ]
    if not rooms:
        errors.append(FieldError("rooms", _("This field is required.")))
    elif len(rooms) > 200:
        errors.append(FieldError("rooms", _("At most %(n)s rooms at once.") % {"n": 200}))
    if any("\x00" in name or not name.isprintable() for name in rooms):
        errors.append(FieldError("rooms", _("A room name has only printable characters.")))
    if errors:
        raise _errors("", *errors)
    with transaction.atomic():
        facility = access.get_or_404(QuarantineFacility.objects.select_for_update(), actor, "change", pk=facility_id)
        made: list[FacilityBed] = []
        for name, count in rooms.items():
            room, _created = FacilityRoom.objects.get_or_create(
                facility=facility, name=clean_text(name)[:40], defaults={"floor": floor[:20]}
            )
            have = set(room.beds.values_list("label", flat=True))
            made.extend(
                FacilityBed(facility=facility, room=room, label=str(n))
                for n in range(1, count + 1)
                if str(n) not in have
            )
        FacilityBed.objects.bulk_create(made)
        audit.record(actor, AuditAction.UPDATE, "quarantine_facility", facility.pk, detail={"beds_added": len(made)})
    return made


def add_staff(actor: User, facility_id: object, user_id: int) -> None:
    with transaction.atomic():
        facility = access.get_or_404(QuarantineFacility.objects.all(), actor, "change", pk=facility_id)
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is None or user.role != Role.QUARANTINE_STAFF:
            raise _errors("", FieldError("user", _("Not a quarantine staff account.")))
        from phongdich.quarantine.models import FacilityStaff

        FacilityStaff.objects.get_or_create(facility=facility, user=user)
        audit.record(actor, AuditAction.UPDATE, "quarantine_facility", facility.pk, detail={"staff_added": user.pk})


def facilities(actor: User) -> models.QuerySet[QuarantineFacility]:
    return access.restrict(QuarantineFacility.objects.all(), actor, "view").select_related("commune")


@dataclass(frozen=True)
class BoardRow:
    facility_id: int
    name: str
    kind: str
    status: str
    commune_name: str
    capacity: int
    occupied: int
    admitted_today: int
    discharged_today: int

    @property
    def free(self) -> int:
        return max(self.capacity - self.occupied, 0)


def _count(queryset: models.QuerySet[Any]) -> models.Subquery:
    return models.Subquery(
        queryset.order_by().values("facility_id").annotate(n=models.Count("pk")).values("n"),
        output_field=models.IntegerField(),
    )


def facility_board(actor: User, day: dt.date | None = None) -> list[BoardRow]:
    """Occupancy per facility at the end of ``day`` (local), free beds, the day's admissions and discharges.

    One query: each figure is a correlated count on an indexed column, so the board costs the same for 200
    facilities as for 2 (no row per person is loaded).
    """
    day = day or timezone.localdate()
    if not 2000 <= day.year <= 2200:
        raise _errors("", FieldError("day", _("This date is out of range.")))
    day_start = _local_time(day, 0)
    day_end = day_start + dt.timedelta(days=1)
    outer = models.OuterRef("pk")
    rows = (
        facilities(actor)
        .annotate(
            capacity=Coalesce(_count(FacilityBed.objects.filter(facility=outer, in_service=True)), 0),
            occupied=Coalesce(
                _count(
                    FacilityAdmission.objects.filter(facility=outer, admitted_at__lt=day_end).filter(
                        models.Q(discharged_at__isnull=True) | models.Q(discharged_at__gte=day_end)
                    )
                ),
                0,
            ),
            admitted_today=Coalesce(
                _count(
                    FacilityAdmission.objects.filter(
                        facility=outer, admitted_at__gte=day_start, admitted_at__lt=day_end
                    )
                ),
                0,
            ),
            discharged_today=Coalesce(
                _count(
                    FacilityAdmission.objects.filter(
                        facility=outer, discharged_at__gte=day_start, discharged_at__lt=day_end
                    )
                ),
                0,
            ),
        )
        .values_list(
            "pk",
            "name",
            "kind",
            "status",
            "commune__name",
            "capacity",
            "occupied",
            "admitted_today",
            "discharged_today",
        )
        .order_by("name", "pk")
    )
    return [BoardRow(*row) for row in rows]


@dataclass
class FacilityDetail:
    facility: QuarantineFacility
    rooms: list[FacilityRoom]
    occupants: dict[int, FacilityAdmission]  # bed id -> open admission
    capacity: int


def facility_detail(actor: User, facility_id: object) -> FacilityDetail:
    facility = access.get_or_404(QuarantineFacility.objects.select_related("commune"), actor, "view", pk=facility_id)
    rooms = list(facility.rooms.prefetch_related("beds"))
    occupants: dict[int, FacilityAdmission] = {}
    if access.can(actor, "quarantine_admission", "view"):
        admissions = list(
            access.restrict(
                FacilityAdmission.objects.filter(facility=facility, discharged_at__isnull=True), actor, "view"
            ).select_related("person", "order")
        )
        occupants = {a.bed_id: a for a in admissions}
        record_list_read(actor, "quarantine_admission", [a.pk for a in admissions], {"facility": facility.pk})
    capacity = sum(1 for room in rooms for bed in room.beds.all() if bed.in_service)
    return FacilityDetail(facility, rooms, occupants, capacity)


def occupancy_by_day(actor: User, facility_id: object, start: dt.date, end: dt.date) -> list[tuple[dt.date, int]]:
    """Beds occupied at the end of each day from ``start`` to ``end`` (at most 92 days)."""
    if end < start:
        raise _errors("", FieldError("end", _("The end is before the start.")))
    if start.year < 2000 or end.year > 2200:
        raise _errors("", FieldError("start", _("This date is out of range.")))
    if (end - start).days > 92:
        raise _errors("", FieldError("end", _("At most 92 days.")))
    facility = access.get_or_404(QuarantineFacility.objects.all(), actor, "view", pk=facility_id)
    last = _local_time(end, 0) + dt.timedelta(days=1)
    stays = list(
        FacilityAdmission.objects.filter(facility=facility, admitted_at__lt=last)
        .filter(models.Q(discharged_at__isnull=True) | models.Q(discharged_at__gte=_local_time(start, 0)))
        .values_list("admitted_at", "discharged_at")
    )
    days = []
    day = start
    while day <= end:
        cut = _local_time(day, 0) + dt.timedelta(days=1)
        days.append((day, sum(1 for came, left in stays if came < cut and (left is None or left >= cut))))
        day += dt.timedelta(days=1)
    return days


@dataclass(frozen=True)
class AdmissionInput:
    """Admit to a bed: a person with an active order (by id or CCCD), or an officer's direct admission, which
    issues a facility order (reason given) for a person of their area."""

    facility: int
    bed: int
    person: int | None = None
    citizen_id: str = ""
    reason: str = OrderReason.OTHER
    admitted_at: dt.datetime | None = None


def _person_for_admission(actor: User, data: AdmissionInput) -> Person:
    if data.person is not None:
        person = Person.objects.select_related("home_commune").filter(pk=_as_id(data.person, "person")).first()
    elif data.citizen_id:
        person = Person.objects.select_related("home_commune").filter(citizen_id=clean_text(data.citizen_id)).first()
    else:
        raise _errors("", FieldError("person", _("Give the person or their citizen ID.")))
    if person is None:
        raise _missing("person" if data.person is not None else "citizen_id")
    return person


def admit(actor: User, data: AdmissionInput) -> FacilityAdmission:
    """A person into a free bed of an open facility. A person with an active order is found even from another
    commune (the order is what lets the facility receive them); without one, only an officer who may issue
    orders for the person can admit, and the admission issues a facility order."""
    if not access.can(actor, "quarantine_admission", "add"):
        raise NotFound()
    at = to_utc(data.admitted_at, "admitted_at") if data.admitted_at is not None else timezone.now()
    if at > timezone.now() + dt.timedelta(minutes=10):
        raise _errors("", FieldError("admitted_at", _("This time is in the future.")))
    if at.year < 2000:
        raise _errors("", FieldError("admitted_at", _("This date is out of range.")))
    with transaction.atomic():
        facility = access.get_or_404(
            QuarantineFacility.objects.select_for_update(), actor, "view", pk=_as_id(data.facility, "facility")
        )
        if facility.status != FacilityStatus.OPEN:
            raise Conflict(_("This facility is not admitting."), [FieldError("facility", _("Not admitting."))])
        bed = (
            FacilityBed.objects.select_for_update()
            .select_related("room")
            .filter(pk=_as_id(data.bed, "bed"), facility=facility)
            .first()
        )
        if bed is None or not bed.in_service:
            raise _missing("bed")
        capacity = FacilityBed.objects.filter(facility=facility, in_service=True).count()
        occupied = FacilityAdmission.objects.filter(facility=facility, discharged_at__isnull=True).count()
        if occupied >= capacity:
            raise Conflict(_("This facility is full."), [FieldError("facility", _("No free bed."))])
        if FacilityAdmission.objects.filter(bed=bed, discharged_at__isnull=True).exists():
            raise Conflict(_("This bed is occupied."), [FieldError("bed", _("Occupied."))])
        person = _person_for_admission(actor, data)
        Person.objects.select_for_update(of=("self",)).filter(pk=person.pk).first()
        if FacilityAdmission.objects.filter(person=person, discharged_at__isnull=True).exists():
            raise Conflict(_("This person is already admitted."), [FieldError("person", _("Already in a bed."))])
        order = (
            QuarantineOrder.objects.select_for_update(of=("self",))
            .filter(person=person, status=OrderStatus.ACTIVE)
            .first()
        )
        if order is None:
            if not (
                access.can(actor, "quarantine_order", "add")
                and access.restrict(Person.objects.filter(pk=person.pk), actor, "view").exists()
            ):
                raise _errors("", FieldError("person", _("This person has no active quarantine order.")))
            if data.reason not in OrderReason.values:
                raise _errors("", FieldError("reason", _("Unknown reason.")))
            start = _local_day(at)
            protection = protection_of(person, start)
            base = plan_for(data.reason, protection, start)
            plan = replace(base, kind=OrderKind.FACILITY)
            order = _create_order(
                actor, person, reason=data.reason, plan=plan, protection=protection, facility=facility
            )
        elif order.kind != OrderKind.FACILITY or order.facility_id != facility.pk:
            changes = {"kind": [order.kind, OrderKind.FACILITY], "facility": [order.facility_id, facility.pk]}
            order.kind, order.facility, order.place = OrderKind.FACILITY, facility, facility.name
            order.save()
            _event(order, OrderEventKind.TRANSFERRED, actor, "", **changes)
        try:
            with transaction.atomic():
                admission = FacilityAdmission.objects.create(
                    person=person, order=order, facility=facility, bed=bed, admitted_at=at, admitted_by=actor
                )
        except IntegrityError:
            raise Conflict(_("This bed or person was just taken."), [FieldError("bed", _("Occupied."))]) from None
        _event(order, OrderEventKind.ADMITTED, actor, "", facility=facility.pk, bed=bed.pk)
        audit.record(
            actor, AuditAction.CREATE, "quarantine_admission", admission.pk, detail={"person": person.pk, "bed": bed.pk}
        )
    return admission


def _open_admission(actor: User, admission_id: object) -> FacilityAdmission:
    admission = access.get_or_404(
        FacilityAdmission.objects.select_for_update(of=("self",)).select_related("order", "facility"),
        actor,
        "change",
        pk=admission_id,
    )
    if admission.discharged_at is not None:
        raise Conflict(_("This stay has ended."), [FieldError("admission", _("Already discharged."))])
    return admission


def transfer(actor: User, admission_id: object, bed_id: object, reason: str = "") -> FacilityAdmission:
    """Move a person to another bed, room or facility: the stay closes and a new one opens (history kept)."""
    why = clean_text(reason)[:200]
    with transaction.atomic():
        admission = _open_admission(actor, admission_id)
        bed = (
            FacilityBed.objects.select_for_update()
            .select_related("facility")
            .filter(pk=_as_id(bed_id, "bed"), in_service=True)
            .first()
        )
        if bed is None or not access.restrict(QuarantineFacility.objects.filter(pk=bed.facility_id), actor).exists():
            raise _missing("bed")
        if bed.facility.status != FacilityStatus.OPEN:
            raise Conflict(_("This facility is not admitting."), [FieldError("bed", _("Not admitting."))])
        if FacilityAdmission.objects.filter(bed=bed, discharged_at__isnull=True).exists():
            raise Conflict(_("This bed is occupied."), [FieldError("bed", _("Occupied."))])
        now = timezone.now()
        admission.discharged_at, admission.discharged_by = now, actor
        admission.discharge_reason = (_("Transferred") + (f": {why}" if why else ""))[:200]
        admission.save()
        moved = FacilityAdmission.objects.create(
            person_id=admission.person_id,
            order=admission.order,
            facility=bed.facility,
            bed=bed,
            admitted_at=now,
            admitted_by=actor,
        )
        order = admission.order
        if order.facility_id != bed.facility_id:
            order.facility = bed.facility
            order.place = bed.facility.name
            order.save()
        _event(order, OrderEventKind.TRANSFERRED, actor, why, from_bed=admission.bed_id, to_bed=bed.pk)
        audit.record(actor, AuditAction.UPDATE, "quarantine_admission", moved.pk, detail={"from": admission.pk})
    return moved


def discharge(actor: User, admission_id: object, reason: str = "") -> FacilityAdmission:
    with transaction.atomic():
        admission = _open_admission(actor, admission_id)
        admission.discharged_at, admission.discharged_by = timezone.now(), actor
        admission.discharge_reason = clean_text(reason)[:200]
        admission.save()
        _event(admission.order, OrderEventKind.DISCHARGED, actor, admission.discharge_reason, bed=admission.bed_id)
        audit.record(actor, AuditAction.UPDATE, "quarantine_admission", admission.pk, detail={"discharged": True})
    return admission


# --- Health checks and alerts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class HealthCheckInput:
    person: int
    taken_at: dt.datetime | None = None
    temperature: Decimal | float | str | None = None
    spo2: int | None = None
    symptoms: list[str] = field(default_factory=list)
    breathing_difficulty: bool = False
    note: str = ""
    client_id: UUID | None = None


@dataclass(frozen=True)
class Followed:
    """Why and where a person is followed day by day: their active order or their home-care case."""

    order: QuarantineOrder | None
    case: Case | None
    commune: AdministrativeUnit
    facility: QuarantineFacility | None


def followed(person_id: int) -> Followed | None:
    order = (
        QuarantineOrder.objects.select_related("commune").filter(person_id=person_id, status=OrderStatus.ACTIVE).first()
    )
    if order is not None:
        stay = (
            FacilityAdmission.objects.select_related("facility__commune")
            .filter(order=order, discharged_at__isnull=True)
            .first()
        )
        if stay is not None:
            return Followed(order, None, stay.facility.commune, stay.facility)
        return Followed(order, None, order.commune, None)
    case = (
        Case.objects.select_related("commune")
        .filter(person_id=person_id, status=CaseStatus.ACTIVE, care_place=CarePlace.HOME)
        .first()
    )
    if case is not None:
        return Followed(None, case, case.commune, None)
    return None


def danger_signs(check: HealthCheck) -> list[str]:
    signs = []
    if check.spo2 is not None and check.spo2 < DANGER_SPO2_BELOW:
        signs.append("low_spo2")
    if check.breathing_difficulty:
        signs.append("breathing_difficulty")
    if check.temperature is not None and Decimal(check.temperature) >= DANGER_TEMPERATURE_FROM:
        signs.append("high_fever")
    return signs


def _check_values(data: HealthCheckInput, taken_at: dt.datetime, now: dt.datetime) -> tuple[Decimal | None, list[str]]:
    errors: list[FieldError] = []
    temperature: Decimal | None = None
    if data.temperature not in (None, ""):
        try:
            temperature = Decimal(str(data.temperature)).quantize(Decimal("0.1"))
        except (InvalidOperation, ValueError):
            errors.append(FieldError("temperature", _("Enter a number.")))
        else:
            low, high = TEMPERATURE_RANGE
            if not low <= temperature <= high:
                errors.append(
                    FieldError("temperature", _("Between %(low)s and %(high)s °C.") % {"low": low, "high": high})
                )
    if data.spo2 is not None:
        low_spo2, high_spo2 = SPO2_RANGE
        if isinstance(data.spo2, bool) or not isinstance(data.spo2, int) or not low_spo2 <= data.spo2 <= high_spo2:
            errors.append(
                FieldError("spo2", _("Between %(low)s and %(high)s %%.") % {"low": low_spo2, "high": high_spo2})
            )
    if temperature is None and data.spo2 is None and not data.symptoms and not data.breathing_difficulty:
        errors.append(FieldError("spo2", _("Enter at least a temperature, SpO₂ or a symptom.")))
    symptoms = sorted({clean_text(s) for s in data.symptoms if clean_text(s)})
    unknown = [s for s in symptoms if s not in SYMPTOMS]
    if unknown:
        errors.append(FieldError("symptoms", _("Unknown symptom: %(name)s.") % {"name": unknown[0][:40]}))
    if taken_at > now + dt.timedelta(minutes=10):
        errors.append(FieldError("taken_at", _("This time is in the future.")))
    elif taken_at < now - dt.timedelta(days=7):
        errors.append(FieldError("taken_at", _("More than 7 days ago.")))
    if len(data.note or "") > 500:
        errors.append(FieldError("note", _("At most %(n)s characters.") % {"n": 500}))
    if errors:
        raise _errors("", *errors)
    return temperature, symptoms


def record_health_check(actor: User, data: HealthCheckInput, *, now: dt.datetime | None = None) -> HealthCheck:
    """A daily check by staff or officers of the unit following the person, or by the person themself.

    Out-of-range values → 422 naming the field; a person neither in quarantine nor an F0 at home → 422 on
    ``person``; outside the caller's area → 404. Danger signs raise an alert at once. A retried upload with
    the same ``client_id`` returns the stored check. ``now`` (synthetic data) is the moment the check is
    judged against (taken at most 7 days before, not after).
    """
    if not access.can(actor, "health_check", "add"):
        raise NotFound()
    if data.client_id is not None:
        existing = HealthCheck.objects.filter(client_id=data.client_id).first()
        if existing is not None:
            if (
                existing.person_id != data.person
                or not access.restrict(HealthCheck.objects.filter(pk=existing.pk), actor).exists()
            ):
                raise Conflict(_("This check id is already used."), [FieldError("client_id", _("Already used."))])
            return existing
    now = now or timezone.now()
    taken_at = to_utc(data.taken_at, "taken_at") if data.taken_at is not None else now
    temperature, symptoms = _check_values(data, taken_at, now)
    person_id = _as_id(data.person, "person")
    self_reported = actor.role == Role.CITIZEN and not actor.is_superuser
    if self_reported and actor.person_id != person_id:
        raise NotFound()
    with transaction.atomic():
        person = Person.objects.select_for_update(of=("self",)).filter(pk=person_id).first()
        if person is None:
            raise _missing("person")
        following = followed(person.pk)
        if following is None:
            if not self_reported and not access.restrict(Person.objects.filter(pk=person.pk), actor).exists():
                raise NotFound()
            raise _errors("", FieldError("person", _("This person is not in quarantine nor cared for at home.")))
        if not self_reported and not access.unit_in_scope(actor, following.commune.path):
            raise NotFound()
        check = HealthCheck(
            person=person,
            order=following.order,
            case=following.case,
            commune=following.commune,
            facility=following.facility,
            taken_at=taken_at,
            temperature=temperature,
            spo2=data.spo2,
            symptoms=symptoms,
            breathing_difficulty=bool(data.breathing_difficulty),
            note=clean_text(data.note or "")[:500],
            self_reported=self_reported,
            entered_by=actor,
            client_id=data.client_id,
        )
        check.danger_signs = danger_signs(check)
        try:
            with transaction.atomic():
                check.save(force_insert=True)
        except IntegrityError:
            raise Conflict(_("This check id is already used."), [FieldError("client_id", _("Already used."))]) from None
        audit.record(
            actor,
            AuditAction.CREATE,
            "health_check",
            check.pk,
            detail={"person": person.pk, "danger": len(check.danger_signs)},
        )
        day = _local_day(taken_at)
        QuarantineAlert.objects.filter(
            person=person, kind=AlertKind.MISSED_CHECK, day=day, resolved_at__isnull=True
        ).update(resolved_at=timezone.now(), resolution="check received")
        missed_key = f"quarantine.missed:{person.pk}:{day.isoformat()}"
        transaction.on_commit(lambda: _complete_tasks(missed_key, note="check received"), robust=True)
        if check.danger_signs:
            _raise_danger_alert(check, following)
    return check


def _raise_danger_alert(check: HealthCheck, following: Followed) -> QuarantineAlert:
    alert = QuarantineAlert.objects.create(
        person=check.person,
        kind=AlertKind.DANGER_SIGN,
        commune=following.commune,
        order=following.order,
        case=following.case,
        facility=following.facility,
        health_check=check,
        day=_local_day(check.taken_at),
        signs=check.danger_signs,
    )
    audit.record(None, AuditAction.CREATE, "quarantine_alert", alert.pk, detail={"person": check.person_id})
    person, commune = check.person, following.commune

    def follow_up() -> None:
        _task(
            "danger_sign",
            commune,
            _("Danger sign in a daily health check: see the person now"),
            timezone.now() + dt.timedelta(hours=1),
            source_key=f"quarantine.danger:{alert.pk}",
            person=person,
            facility_id=alert.facility_id,
        )
        for officer in _officers_of(commune):
            _notify(
                f"quarantine.danger:{alert.pk}",
                "officer_alert",
                {
                    "alert": ", ".join(SIGN_LABELS.get(s, s) for s in alert.signs),
                    "person_name": person.full_name,
                    "place": alert.facility.name if alert.facility else commune.name,
                    "at": check.taken_at,
                    "link": "/quarantine/alerts/",
                },
                user=officer,
                commune=commune,
            )

    transaction.on_commit(follow_up, robust=True)
    return alert


SIGN_LABELS = {"low_spo2": "SpO₂ dưới 96%", "breathing_difficulty": "khó thở", "high_fever": "sốt cao"}


def check_cutoff_hour() -> int:
    return int(getattr(settings, "PHONGDICH_HEALTH_CHECK_CUTOFF_HOUR", 18))


def check_missed_health_checks(now: dt.datetime | None = None) -> int:
    """After the day's cutoff (local), an alert and a ``missed_health_check`` task for each person followed
    (active order started by then, or F0 at home) with no check that day. Idempotent for the day."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    day = local.date()
    if local.hour < check_cutoff_hour():
        return 0
    day_start = _local_time(day, 0)
    checked = HealthCheck.objects.filter(taken_at__gte=day_start, taken_at__lt=day_start + dt.timedelta(days=1))
    already = QuarantineAlert.objects.filter(kind=AlertKind.MISSED_CHECK, day=day)
    orders = (
        QuarantineOrder.objects.filter(
            status=OrderStatus.ACTIVE, start__lte=day, kind__in=[OrderKind.FACILITY, OrderKind.HOME]
        )
        .exclude(person_id__in=checked.values("person_id"))
        .exclude(person_id__in=already.values("person_id"))
        .select_related("commune")
    )
    stays = dict(
        FacilityAdmission.objects.filter(discharged_at__isnull=True, order__in=orders).values_list(
            "order_id", "facility_id"
        )
    )
    facility_communes = dict(
        QuarantineFacility.objects.filter(pk__in=set(stays.values())).values_list("pk", "commune_id")
    )
    alerts: list[QuarantineAlert] = []
    for order in orders:
        facility_id = stays.get(order.pk)
        commune_id = facility_communes[facility_id] if facility_id is not None else order.commune_id
        alerts.append(
            QuarantineAlert(
                person_id=order.person_id,
                kind=AlertKind.MISSED_CHECK,
                commune_id=commune_id,
                order=order,
                facility_id=facility_id,
                day=day,
            )
        )
    home_cases = (
        Case.objects.filter(status=CaseStatus.ACTIVE, care_place=CarePlace.HOME, confirmed_at__lt=day_start)
        .exclude(person_id__in=checked.values("person_id"))
        .exclude(person_id__in=already.values("person_id"))
        .exclude(person_id__in=[a.person_id for a in alerts])
    )
    alerts.extend(
        QuarantineAlert(
            person_id=case.person_id, kind=AlertKind.MISSED_CHECK, commune_id=case.commune_id, case=case, day=day
        )
        for case in home_cases.only("pk", "person_id", "commune_id")
    )
    with transaction.atomic():
        QuarantineAlert.objects.bulk_create(alerts, batch_size=1000, ignore_conflicts=True)
    communes = AdministrativeUnit.objects.in_bulk({a.commune_id for a in alerts})
    due = now + dt.timedelta(hours=2)
    for alert in alerts:
        _task(
            "missed_health_check",
            communes[alert.commune_id],
            _("No daily health check today: call the person"),
            due,
            source_key=f"quarantine.missed:{alert.person_id}:{day.isoformat()}",
            person=Person(pk=alert.person_id),
            facility_id=alert.facility_id,
        )
    if alerts:
        audit.record(
            None, AuditAction.CREATE, "quarantine_alert", detail={"missed": len(alerts), "day": day.isoformat()}
        )
    return len(alerts)


def alert_list(actor: User, *, include_resolved: bool = False) -> models.QuerySet[QuarantineAlert]:
    """Open alerts first, danger signs before missed checks, newest first."""
    alerts = access.restrict(QuarantineAlert.objects.all(), actor, "view").select_related(
        "person", "commune", "facility", "health_check", "order"
    )
    if not include_resolved:
        alerts = alerts.filter(resolved_at__isnull=True)
    danger_first = models.Case(models.When(kind=AlertKind.DANGER_SIGN, then=models.Value(0)), default=models.Value(1))
    return alerts.order_by(models.F("resolved_at").asc(nulls_first=True), danger_first, "-raised_at", "-id")


def resolve_alert(actor: User, alert_id: object, resolution: str) -> QuarantineAlert:
    text = clean_text(resolution)[:500]
    if not text:
        raise _errors("", FieldError("resolution", _("Say what was done.")))
    with transaction.atomic():
        alert = access.get_or_404(QuarantineAlert.objects.select_for_update(), actor, "change", pk=alert_id)
        if alert.resolved_at is None:
            alert.resolved_at, alert.resolved_by, alert.resolution = timezone.now(), actor, text
            alert.save()
            audit.record(actor, AuditAction.UPDATE, "quarantine_alert", alert.pk, detail={"resolved": True})
    return alert


def health_checks_of(actor: User, person_id: object) -> list[HealthCheck]:
    checks = list(access.restrict(HealthCheck.objects.filter(person_id=_as_id(person_id, "person")), actor)[:100])
    record_list_read(actor, "health_check", [c.pk for c in checks], {"person": True})
    return checks
