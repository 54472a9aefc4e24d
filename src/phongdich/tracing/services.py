"""Every write and read of contact tracing: runs of the engine, reconciling their results, named contacts,
follow-up, and the lists officers read.

A run recomputes a case's whole F1/F2 list (``tracing.engine``) and makes the stored list equal to it:
new contacts are added, changed ones updated, contacts no longer justified removed; the evidence rows are
replaced. What officers recorded (the follow-up status) stays with the person. Running twice gives the same
rows; runs of one case are serialised by locking the case row.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from phongdich.accounts.models import User
from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.cases.models import Case, CaseStatus
from phongdich.checkins import services as checkins
from phongdich.checkins.models import CheckIn
from phongdich.core import access
from phongdich.core.clock import to_utc
from phongdich.core.errors import FieldError, InvalidInput, NotFound
from phongdich.core.text import clean_text
from phongdich.people import identity
from phongdich.people.models import Person
from phongdich.tracing import engine
from phongdich.tracing.models import (
    Closeness,
    Contact,
    ContactEvidence,
    FollowUp,
    NamedContact,
    RunStatus,
    Setting,
    Source,
    TracingPolicy,
    TracingRun,
)
from phongdich.tracing.signals import contacts_found
from phongdich.venues.models import Venue

logger = logging.getLogger(__name__)

# How far before the infectious window an investigator may date a named contact (a typo beyond that).
NAMED_CONTACT_LOOKBACK = dt.timedelta(days=30)


class Trigger:
    OPENED = "case_opened"
    CORRECTED = "case_corrected"
    NAMED = "named_contact"
    CHECKIN_REMOVED = "checkin_removed"
    PENDING = "pending"
    MANUAL = "manual"


def current_policy(now: dt.datetime | None = None) -> TracingPolicy:
    """The policy version in force (the latest already valid). Migration 0002 stores version 1."""
    now = now or timezone.now()
    policy = TracingPolicy.objects.filter(valid_from__lte=now).order_by("-version").first()
    if policy is None:
        policy = TracingPolicy.objects.order_by("version").first()
    if policy is None:
        raise RuntimeError("No tracing policy is stored: run the migrations.")
    return policy


def index_for(case: Case, policy: TracingPolicy) -> engine.Index:
    """The F0 as the engine's index: person, phone, household, infectious window."""
    start, end = engine.infectious_window(case.infectious_reference_date, case.confirmed_at, case.isolated_at, policy)
    person = case.person
    return engine.Index(
        ref=case.pk,
        person_id=person.pk,
        phone=person.phone or "",
        start=start,
        end=end,
        case_id=case.pk,
        household_id=person.household_id,
    )


# --- Runs ------------------------------------------------------------------------------------------


def run_tracing(case_id: int, trigger: str = Trigger.MANUAL, *, now: dt.datetime | None = None) -> TracingRun | None:
    """Trace a case and store its lists; the run, with its counts. None when the case does not exist."""
    policy = current_policy(now)
    try:
        with transaction.atomic():
            case = Case.objects.select_for_update(of=("self",)).select_related("person").filter(pk=case_id).first()
            if case is None:
                return None
            run = TracingRun.objects.create(case=case, policy=policy, trigger=trigger[:20])
            if case.status == CaseStatus.VOIDED:
                result = engine.Result(window=(case.confirmed_at, case.confirmed_at), f1=[], f2=[])
            else:
                result = engine.trace(index_for(case, policy), policy, now=now)
            added, removed, touched = _store(case, result)
            run.status = RunStatus.DONE
            run.finished_at = timezone.now()
            run.f1_count, run.f2_count = len(result.f1), len(result.f2)
            run.added, run.removed = added, removed
            run.save(update_fields=["status", "finished_at", "f1_count", "f2_count", "added", "removed"])
            audit.record(
                None,
                AuditAction.UPDATE,
                "contact",
                detail={
                    "case": case.pk,
                    "trigger": run.trigger,
                    "f1": run.f1_count,
                    "f2": run.f2_count,
                    "added": added,
                    "removed": removed,
                },
            )
            if touched:
                transaction.on_commit(
                    lambda: contacts_found.send(sender=Contact, case_id=case_id, contact_ids=touched), robust=True
                )
    except Exception as exc:
        logger.exception("Tracing case %s failed.", case_id)
        if Case.objects.filter(pk=case_id).exists():
            TracingRun.objects.create(
                case_id=case_id,
                policy=policy,
                trigger=trigger[:20],
                status=RunStatus.FAILED,
                finished_at=timezone.now(),
                error=type(exc).__name__,
            )
        raise
    return run


def _communes(drafts: list[engine.Draft], case: Case) -> dict[engine.Key, int]:
    """Each contact's commune: their home commune, else the venue's where they were exposed, else the case's."""
    person_ids = [d.person_id for d in drafts if d.person_id is not None]
    homes = dict(Person.objects.filter(pk__in=person_ids).values_list("pk", "home_commune_id"))
    venue_ids = {e.venue_id for d in drafts for e in d.exposures if e.venue_id is not None}
    venue_communes = dict(Venue.objects.filter(pk__in=venue_ids).values_list("pk", "commune_id"))
    found: dict[engine.Key, int] = {}
    for draft in drafts:
        commune = homes.get(draft.person_id) if draft.person_id is not None else None
        if commune is None:
            venue = next((e.venue_id for e in draft.exposures if e.venue_id is not None), None)
            commune = venue_communes.get(venue) if venue is not None else None
        found[draft.key] = commune or case.commune_id
    return found


def _key(contact: Contact) -> engine.Key:
    return ("p", contact.person_id) if contact.person_id is not None else ("t", contact.phone)


_SYNCED = ("degree", "via_id", "close", "first_exposure", "last_exposure", "commune_id", "sources", "name")


def _store(case: Case, result: engine.Result) -> tuple[int, int, list[int]]:
    """Make the stored list of ``case`` equal to ``result``: (contacts added, contacts removed, ids of the
    contacts added or updated)."""
    stored = {_key(contact): contact for contact in Contact.objects.filter(case=case)}
    drafts = result.f1 + result.f2
    communes = _communes(drafts, case)
    wanted = {draft.key for draft in drafts}
    gone = [contact.pk for key, contact in stored.items() if key not in wanted]
    if gone:
        Contact.objects.filter(pk__in=gone).delete()
    ContactEvidence.objects.filter(contact__case=case).delete()
    by_key: dict[engine.Key, Contact] = {}
    added = 0
    touched: list[int] = []
    for degree_drafts in (result.f1, result.f2):
        new: list[Contact] = []
        changed: list[Contact] = []
        for draft in degree_drafts:
            values: dict[str, Any] = {
                "degree": draft.degree,
                "via_id": by_key[draft.via].pk if draft.via is not None and draft.via in by_key else None,
                "close": draft.close,
                "first_exposure": draft.first_exposure,
                "last_exposure": draft.last_exposure,
                "commune_id": communes[draft.key],
                "sources": ",".join(draft.sources),
                "name": clean_text(draft.name)[:150],
            }
            contact = stored.get(draft.key)
            if contact is None:
                contact = Contact(case=case, person_id=draft.person_id, phone=draft.phone, **values)
                new.append(contact)
            elif any(getattr(contact, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(contact, name, value)
                changed.append(contact)
            by_key[draft.key] = contact
        Contact.objects.bulk_create(new, batch_size=1000)
        if changed:
            Contact.objects.bulk_update(changed, list(_SYNCED), batch_size=1000)
        added += len(new)
        touched.extend(contact.pk for contact in new + changed)
    evidence = [
        ContactEvidence(
            contact=by_key[draft.key],
            source=exposure.source,
            venue_id=exposure.venue_id,
            started_at=exposure.started_at,
            ended_at=exposure.ended_at,
            overlap_minutes=exposure.overlap_minutes,
            checkin_uuid=exposure.checkin_uuid,
            checkin_at=exposure.checkin_at,
            index_checkin_uuid=exposure.index_checkin_uuid,
            index_checkin_at=exposure.index_checkin_at,
            named_contact_id=exposure.named_contact_id,
        )
        for draft in drafts
        for exposure in draft.exposures
    ]
    ContactEvidence.objects.bulk_create(evidence, batch_size=2000)
    return added, len(gone), touched


def schedule(case_id: int, trigger: str) -> None:
    """Trace the case in the background once the current transaction commits (at once without a broker)."""
    # robust: a failed run (or a broker down) is logged and retried by trace_pending, never turned into
    # an error for the request that opened the case, whose own work is committed.
    transaction.on_commit(lambda: _enqueue(case_id, trigger), robust=True)


def _enqueue(case_id: int, trigger: str) -> None:
    from phongdich.tracing.tasks import trace_case

    if trace_case.app.conf.task_always_eager:
        # No broker: run here. (delay() would work too, but first looks for a broker and logs a warning.)
        trace_case.apply(args=(case_id, trigger), throw=True)
    else:
        trace_case.delay(case_id, trigger)


def trace_pending() -> list[int]:
    """Trace the active cases whose latest run did not finish (never queued, broker down, or failed)."""
    latest = TracingRun.objects.filter(case=models.OuterRef("pk")).order_by("-started_at", "-pk")
    pending = (
        Case.objects.filter(status=CaseStatus.ACTIVE)
        .annotate(last_status=models.Subquery(latest.values("status")[:1]))
        .filter(models.Q(last_status__isnull=True) | models.Q(last_status=RunStatus.FAILED))
        .values_list("pk", flat=True)
    )
    traced = []
    for case_id in list(pending[:1000]):
        try:
            run_tracing(case_id, Trigger.PENDING)
        except Exception:  # the next case still gets its turn
            logger.warning("Case %s is still untraced; the next sweep tries again.", case_id)
        else:
            traced.append(case_id)
    return traced


# --- Corrections from check-ins -------------------------------------------------------------------


def _cases_citing(evidence: models.QuerySet[ContactEvidence]) -> list[int]:
    return sorted(
        set(
            evidence.filter(contact__case__status=CaseStatus.ACTIVE)
            .values_list("contact__case_id", flat=True)
            .distinct()
        )
    )


def checkins_removed(keys: list[tuple[UUID, dt.datetime]]) -> list[int]:
    """Re-trace the cases whose lists cite any of these check-ins (by key), e.g. after a deletion."""
    if not keys:
        return []
    cited = models.Q(pk__in=[])
    for uuid, at in keys:
        cited |= models.Q(checkin_uuid=uuid, checkin_at=at) | models.Q(index_checkin_uuid=uuid, index_checkin_at=at)
    cases = _cases_citing(ContactEvidence.objects.filter(cited))
    for case_id in cases:
        run_tracing(case_id, Trigger.CHECKIN_REMOVED)
    return cases


def reconcile_removed_checkins(*, now: dt.datetime | None = None) -> list[int]:
    """Find evidence whose check-in no longer exists (deleted by any path) and re-trace those cases.

    Looks within the retention period only: older check-ins are purged on schedule, and the lists of
    cases that old are history, not work.
    """
    now = now or timezone.now()
    horizon = now - dt.timedelta(days=checkins.retention_days())
    exists_own = CheckIn.objects.filter(
        uuid=models.OuterRef("checkin_uuid"), checked_in_at=models.OuterRef("checkin_at")
    )
    exists_index = CheckIn.objects.filter(
        uuid=models.OuterRef("index_checkin_uuid"), checked_in_at=models.OuterRef("index_checkin_at")
    )
    venue_evidence = ContactEvidence.objects.filter(source=Source.VENUE, checkin_at__gte=horizon)
    missing = venue_evidence.filter(~models.Exists(exists_own) | ~models.Exists(exists_index))
    cases = _cases_citing(missing)
    for case_id in cases:
        run_tracing(case_id, Trigger.CHECKIN_REMOVED)
    return cases


# --- Named contacts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NamedContactInput:
    setting: str
    date: dt.date
    person: int | None = None
    phone: str = ""
    name: str = ""
    closeness: str = Closeness.CLOSE
    notes: str = ""


def _visible_case(actor: User, case_id: object, action: str = "view") -> Case:
    if not access.can(actor, Contact.access_resource, "view"):
        raise NotFound()
    return access.get_or_404(Case.objects.select_related("person"), actor, action, pk=case_id)


def add_named_contact(actor: User, case_id: object, data: NamedContactInput) -> NamedContact:
    """Record a contact the investigator learnt of; the case is traced again (in the background)."""
    if not access.can(actor, Contact.access_resource, "add"):
        raise NotFound()
    errors: list[FieldError] = []
    with transaction.atomic():
        case = _visible_case(actor, case_id)
        if case.status == CaseStatus.VOIDED:
            raise InvalidInput(_("This case was voided."), [FieldError("case", _("This case was voided."))])
        person = None
        if data.person is not None:
            person = access.restrict(Person.objects.all(), actor, "view").filter(pk=data.person).first()
            if person is None:
                errors.append(FieldError("person", _("No person with this id in your area.")))
            elif person.pk == case.person_id:
                errors.append(FieldError("person", _("This is the case's own person.")))
        phone = ""
        if data.phone:
            try:
                phone = identity.normalise_phone(data.phone)
            except identity.IdentityError as exc:
                errors.append(FieldError("phone", str(exc)))
        if data.person is None and not data.phone:
            errors.append(FieldError("person", _("Give the person's id or a phone number.")))
        if data.setting not in Setting.values:
            errors.append(FieldError("setting", _("Unknown setting.")))
        if data.closeness not in Closeness.values:
            errors.append(FieldError("closeness", _("Unknown closeness.")))
        today = timezone.localdate()
        earliest = case.infectious_reference_date - NAMED_CONTACT_LOOKBACK
        if data.date > today:
            errors.append(FieldError("date", _("This date is in the future.")))
        elif data.date < earliest:
            errors.append(FieldError("date", _("This date is long before the case's infectious period.")))
        name = clean_text(data.name or "")
        if len(name) > 150:
            errors.append(FieldError("name", _("A name has at most 150 characters.")))
        notes = clean_text(data.notes or "")
        if len(notes) > 500:
            errors.append(FieldError("notes", _("At most 500 characters.")))
        if errors:
            raise InvalidInput(_("The contact has errors."), errors)
        named = NamedContact.objects.create(
            case=case,
            person=person,
            phone="" if person is not None else phone,
            name=name,
            setting=data.setting,
            date=data.date,
            closeness=data.closeness,
            notes=notes,
            added_by=actor,
        )
        audit.record(actor, AuditAction.CREATE, "named_contact", named.pk, detail={"case": case.pk})
        schedule(case.pk, Trigger.NAMED)
    return named


# --- Follow-up ---------------------------------------------------------------------------------------


def set_follow_up(actor: User, contact_id: object, status: str) -> Contact:
    """The commune's officer reached the contact, or put them in follow-up (or could not reach them)."""
    if status not in FollowUp.values:
        raise InvalidInput(_("The request has errors."), [FieldError("status", _("Unknown follow-up status."))])
    with transaction.atomic():
        contact = access.get_or_404(Contact.objects.select_for_update(of=("self",)), actor, "change", pk=contact_id)
        if contact.status != status:
            contact.status = status
            contact.status_changed_at = timezone.now()
            contact.status_changed_by = actor
            contact.save(update_fields=["status", "status_changed_at", "status_changed_by"])
            audit.record(actor, AuditAction.UPDATE, "contact", contact.pk, detail={"fields": ["status"]})
    return contact


# --- Reads ----------------------------------------------------------------------------------------


def _with_evidence(contacts: models.QuerySet[Contact]) -> models.QuerySet[Contact]:
    return contacts.select_related("person", "commune", "via", "via__person", "case").prefetch_related(
        models.Prefetch("evidence", ContactEvidence.objects.select_related("venue").order_by("started_at", "pk"))
    )


def case_contacts(actor: User, case_id: object) -> tuple[Case, list[Contact]]:
    """A case's F1 and F2, with evidence: for whoever may see the case (404 otherwise). Audited."""
    case = _visible_case(actor, case_id)
    contacts = list(_with_evidence(Contact.objects.filter(case=case)).order_by("degree", "first_exposure", "pk"))
    record_list_read(actor, contacts, {"case": case.pk})
    return case, contacts


def last_run(case: Case) -> TracingRun | None:
    return TracingRun.objects.filter(case=case).order_by("-started_at", "-pk").first()


def task_list(
    actor: User, *, status: str = "", degree: int | None = None, since: dt.datetime | None = None
) -> models.QuerySet[Contact]:
    """The contacts living in the actor's communes, to call: those of active cases, newest exposure first."""
    contacts = access.restrict(Contact.objects.all(), actor, "view").filter(case__status=CaseStatus.ACTIVE)
    if status in FollowUp.values:
        contacts = contacts.filter(status=status)
    if degree in (1, 2):
        contacts = contacts.filter(degree=degree)
    if since is not None:
        contacts = contacts.filter(last_exposure__gte=to_utc(since, "since"))
    return _with_evidence(contacts).order_by("status", "-first_exposure", "pk")


def record_list_read(actor: User, contacts: list[Contact], criteria: dict[str, object]) -> None:
    if contacts:
        audit.record(
            actor,
            AuditAction.LIST,
            "contact",
            object_ids=[c.pk for c in contacts],
            detail={"criteria": sorted(k for k, v in criteria.items() if v not in (None, ""))},
        )


def evidence_summary(contact: Contact) -> str:
    """One line for a list: where and how long, or the household, or the investigator."""
    parts: list[str] = []
    for item in contact.evidence.all():
        if item.source == Source.VENUE and item.venue is not None:
            local = timezone.localtime(item.started_at)
            parts.append(
                _("%(venue)s, %(day)s %(time)s, %(minutes)s min")
                % {
                    "venue": item.venue.name,
                    "day": f"{local:%d/%m}",
                    "time": f"{local:%H:%M}",
                    "minutes": item.overlap_minutes,
                }
            )
        elif item.source == Source.HOUSEHOLD:
            parts.append(_("same household"))
        elif item.source == Source.NAMED:
            parts.append(_("named by the investigator"))
    unique = list(dict.fromkeys(parts))
    if len(unique) > 3:
        return "; ".join(unique[:3]) + " " + _("and %(n)s more") % {"n": len(unique) - 3}
    return "; ".join(unique)


def contact_for_output(contact_id: int) -> Contact:
    """A contact the caller was already allowed to act on, with what its output shows."""
    return _with_evidence(Contact.objects.filter(pk=contact_id)).get()
