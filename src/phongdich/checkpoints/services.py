"""Every write of the checkpoints app: checkpoints and shifts, entry rule sets, decisions (passes), overrides.

A decision is idempotent by the scanning device's uuid: a scan queued offline and sent again returns the pass
stored the first time, never a second pass or a second task.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from phongdich.accounts.models import User
from phongdich.accounts.roles import Role
from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.checkpoints import evidence, rules
from phongdich.checkpoints.models import (
    Checkpoint,
    DecisionKind,
    Direction,
    Directions,
    EntryRuleSet,
    Pass,
    Shift,
    VehiclePass,
)
from phongdich.core.access import can, get_or_404, unit_in_scope
from phongdich.core.db import insert_parts
from phongdich.core.errors import Conflict, FieldError, InvalidInput, NotFound
from phongdich.core.memo import Memo
from phongdich.core.text import clean_text
from phongdich.geo.models import AdministrativeUnit

NOTIFY_DECISIONS = frozenset({DecisionKind.LET_THROUGH_NOTIFY, DecisionKind.TEST_ON_SPOT})
VEHICLE_WINDOW = dt.timedelta(minutes=30)  # passes of one plate within this time travel in one vehicle
OVERRIDE_REASON_MAX = 300
MAX_CLOCK_SKEW = dt.timedelta(minutes=10)
MAX_QUEUE_AGE = dt.timedelta(days=7)  # a scan queued offline longer than this is refused


@dataclass(frozen=True)
class Decision:
    """What the officer's screen shows for one scan, and the pass it was stored as."""

    pass_id: int
    uuid: str
    decision: str
    decision_label: str
    reason: str
    evidence_kind: str
    evidence_label: str
    initials: str
    age: int | None
    from_level: int | None
    destination: str
    task_id: int | None
    plate: str
    overridden: bool
    replayed: bool = False

    @property
    def let_through(self) -> bool:
        return self.decision in (DecisionKind.LET_THROUGH, DecisionKind.LET_THROUGH_NOTIFY)


def _as_decision(row: Pass, *, replayed: bool = False) -> Decision:
    return Decision(
        pass_id=row.pk,
        uuid=str(row.client_uuid),
        decision=row.decision,
        decision_label=str(DecisionKind(row.decision).label),
        reason=row.override_reason or row.reason,
        evidence_kind=row.evidence_kind,
        evidence_label=str(row.get_evidence_kind_display()),
        initials=row.initials,
        age=row.age,
        from_level=row.from_level,
        destination=row.destination.name if row.destination_id and row.destination else "",
        task_id=row.task_id,
        plate=row.vehicle.plate if row.vehicle_id and row.vehicle else "",
        overridden=bool(row.overridden_at),
        replayed=replayed,
    )


# --- Scope ----------------------------------------------------------------------------------------------


def checkpoints_for(actor: User, action: str = "view") -> models.QuerySet[Checkpoint]:
    """The checkpoints an account works with: by jurisdiction; a checkpoint officer only at their own."""
    queryset = Checkpoint.objects.restrict(actor, action)
    if actor.role == Role.CHECKPOINT_OFFICER and not actor.is_superuser:
        queryset = queryset.filter(models.Q(officers=actor) | models.Q(shifts__officers=actor)).distinct()
    return queryset.select_related("commune")


def checkpoint_for(actor: User, code: str, action: str = "view") -> Checkpoint:
    return get_or_404(checkpoints_for(actor, action), actor, action, code=str(code)[:32])


# (account id, checkpoint code) -> the checkpoint it may scan at, or None: asked on every scan of a gate.
_SCANNING_AT: Memo[Checkpoint | None] = Memo("checkpoint-scanning-at", ttl=10)


def checkpoint_for_scanning(actor: User, code: str) -> Checkpoint:
    """A checkpoint the account may record passes at (its own, for a checkpoint officer); else NotFound."""
    if not actor.pk or not can(actor, "checkpoint_pass", "add"):
        raise NotFound()

    def lookup() -> Checkpoint | None:
        return checkpoints_for(actor).filter(code=str(code)[:32]).first()

    checkpoint = _SCANNING_AT.get_or_compute((actor.pk, str(code)[:32]), lookup)
    if checkpoint is None:
        raise NotFound()
    return checkpoint


def passes_for(actor: User) -> models.QuerySet[Pass]:
    queryset = Pass.objects.restrict(actor, "view")
    if actor.role == Role.CHECKPOINT_OFFICER and not actor.is_superuser:
        queryset = queryset.filter(checkpoint__in=checkpoints_for(actor).values("pk"))
    return queryset.select_related("checkpoint", "destination", "vehicle")


# --- Checkpoints and shifts ---------------------------------------------------------------------------


@dataclass
class CheckpointInput:
    code: str
    name: str
    commune: str
    directions: str = Directions.BOTH
    officers: list[str] | None = None


def save_checkpoint(actor: User, data: CheckpointInput) -> Checkpoint:
    """Create a checkpoint, or change the one with this code; its officers are checkpoint officers."""
    errors: list[FieldError] = []
    code = clean_text(data.code or "").lower()
    name = clean_text(data.name or "")
    if not code or len(code) > 32 or not all(ch.isascii() and (ch.isalnum() or ch == "-") for ch in code):
        errors.append(FieldError("code", _("Up to 32 letters, digits and dashes.")))
    if not name or len(name) > 200:
        errors.append(FieldError("name", _("Between 1 and 200 characters.")))
    if data.directions not in Directions.values:
        errors.append(FieldError("directions", _("One of: %(values)s.") % {"values": ", ".join(Directions.values)}))
    commune = AdministrativeUnit.objects.communes().filter(code=str(data.commune or "")[:16]).first()
    if commune is None or not unit_in_scope(actor, commune.path):
        errors.append(FieldError("commune", _("No commune with this code in your area.")))
    officers: list[User] = []
    for username in data.officers or []:
        officer = User.objects.filter(
            username=str(username)[:150], role=Role.CHECKPOINT_OFFICER, is_active=True
        ).first()
        if officer is None:
            errors.append(
                FieldError("officers", _("%(name)s is not an active checkpoint officer.") % {"name": username})
            )
        else:
            officers.append(officer)
    existing = Checkpoint.objects.filter(code=code).first() if code else None
    action = "change" if existing else "add"
    if not can(actor, "checkpoint", action):
        raise NotFound()
    if existing is not None and not checkpoints_for(actor, "change").filter(pk=existing.pk).exists():
        raise NotFound()
    if errors:
        raise InvalidInput(_("The checkpoint has errors."), errors)
    assert commune is not None
    with transaction.atomic():
        checkpoint = existing or Checkpoint(code=code)
        checkpoint.name, checkpoint.commune, checkpoint.directions = name, commune, data.directions
        checkpoint.save()
        if data.officers is not None:
            checkpoint.officers.set(officers)
        audit.record(
            actor,
            AuditAction.UPDATE if existing else AuditAction.CREATE,
            "checkpoint",
            checkpoint.pk,
            detail={"officers": len(officers)},
        )
    return checkpoint


def add_shift(actor: User, code: str, starts_at: dt.datetime, ends_at: dt.datetime, officers: list[str]) -> Shift:
    checkpoint = checkpoint_for(actor, code, "change")
    errors: list[FieldError] = []
    if ends_at <= starts_at:
        errors.append(FieldError("ends_at", _("The shift must end after it starts.")))
    if ends_at - starts_at > dt.timedelta(hours=24):
        errors.append(FieldError("ends_at", _("A shift lasts at most 24 hours.")))
    members = list(User.objects.filter(username__in=officers, role=Role.CHECKPOINT_OFFICER, is_active=True))
    if len(members) != len(set(officers)):
        errors.append(FieldError("officers", _("Every officer must be an active checkpoint officer.")))
    if errors:
        raise InvalidInput(_("The shift has errors."), errors)
    with transaction.atomic():
        shift = Shift.objects.create(checkpoint=checkpoint, starts_at=starts_at, ends_at=ends_at)
        shift.officers.set(members)
        checkpoint.officers.add(*members)
        audit.record(actor, AuditAction.CREATE, "checkpoint_shift", shift.pk, detail={"officers": len(members)})
    return shift


# --- Entry rule sets ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSetInForce:
    version: int | None
    rules: list[dict[str, Any]]


# Every rule set, newest first, as this worker last read them: a gate decides hundreds of scans a minute.
RULE_SETS: Memo[list[tuple[dt.datetime, int, list[dict[str, Any]]]]] = Memo("checkpoint-rule-sets", ttl=10)


def _rule_sets() -> list[tuple[dt.datetime, int, list[dict[str, Any]]]]:
    rows = EntryRuleSet.objects.order_by("-valid_from", "-version").values_list("valid_from", "version", "rules")
    return [(valid_from, version, list(rule_list)) for valid_from, version, rule_list in rows]


def rule_set_in_force(at: dt.datetime) -> RuleSetInForce:
    for valid_from, version, rule_list in RULE_SETS.get_or_compute("all", _rule_sets):
        if valid_from <= at:
            return RuleSetInForce(version, rule_list)
    return RuleSetInForce(None, rules.DEFAULT_RULES)


def save_rule_set(actor: User, name: str, valid_from: dt.datetime | None, rule_list: object) -> EntryRuleSet:
    """A new version of the entry rules (rule sets are never changed in place: passes name their version)."""
    if not can(actor, "entry_rule_set", "add"):
        raise NotFound()
    errors: list[FieldError] = []
    name = clean_text(str(name or ""))
    if not name or len(name) > 200:
        errors.append(FieldError("name", _("Between 1 and 200 characters.")))
    if valid_from is None or timezone.is_naive(valid_from):
        errors.append(FieldError("valid_from", _("A date and time with its time zone.")))
    try:
        cleaned = rules.check_rules(rule_list)
    except InvalidInput as invalid:
        errors += invalid.errors
        cleaned = []
    if errors or valid_from is None:
        raise InvalidInput(_("The rule set has errors."), errors)
    with transaction.atomic():
        latest = EntryRuleSet.objects.select_for_update().order_by("-version").first()
        rule_set = EntryRuleSet.objects.create(
            version=(latest.version + 1) if latest else 1,
            name=name,
            valid_from=valid_from,
            rules=cleaned,
            created_by=actor,
        )
        audit.record(actor, AuditAction.CREATE, "entry_rule_set", rule_set.pk, detail={"rules": len(cleaned)})
    RULE_SETS.forget()
    return rule_set


# --- Decisions ----------------------------------------------------------------------------------------


def _uuid(value: object) -> uuid_module.UUID:
    if value is None or value == "":
        return uuid_module.uuid4()
    try:
        return uuid_module.UUID(str(value))
    except ValueError:
        raise InvalidInput(_("The scan has errors."), [FieldError("uuid", _("Not a valid UUID."))]) from None


def _vehicle(actor: User | None, checkpoint: Checkpoint, plate: str, direction: str, at: dt.datetime) -> VehiclePass:
    existing = (
        VehiclePass.objects.filter(
            checkpoint=checkpoint,
            plate=plate,
            direction=direction,
            at__gte=at - VEHICLE_WINDOW,
            at__lte=at + VEHICLE_WINDOW,
        )
        .order_by("-at")
        .first()
    )
    if existing is not None:
        return existing
    return VehiclePass.objects.create(checkpoint=checkpoint, plate=plate, direction=direction, at=at, recorded_by=actor)


def decide(
    checkpoint: Checkpoint,
    qr_text: str,
    *,
    direction: str,
    at: dt.datetime,
    actor: User | None,
    client_uuid: object = None,
    plate: str = "",
    driver: bool | None = None,
    now: dt.datetime | None = None,
) -> Decision:
    """Read the code, apply the rule set in force at ``at`` and log the pass (idempotent by ``client_uuid``).

    The caller has checked that ``actor`` works at ``checkpoint`` (see :func:`checkpoint_for`). Bad input (a
    direction, a plate, a scan time) raises InvalidInput naming the field; a bad code is a decision
    (turn back, with the reason), not an error. A scan sent again answers the pass stored the first time.
    """
    scan_id = _uuid(client_uuid)
    errors: list[FieldError] = []
    now = now or timezone.now()
    if direction not in Direction.values:
        errors.append(FieldError("direction", _("entry or exit.")))
    elif checkpoint.directions not in (Directions.BOTH, direction):
        errors.append(FieldError("direction", _("This checkpoint does not take this direction.")))
    if at is None or timezone.is_naive(at):
        errors.append(FieldError("scanned_at", _("A date and time with its time zone.")))
    elif at > now + MAX_CLOCK_SKEW or at < now - MAX_QUEUE_AGE:
        errors.append(FieldError("scanned_at", _("The scan time is not plausible (in the future or over a week ago).")))
    normalised_plate = ""
    if plate and plate.strip():
        from phongdich.declarations.plates import normalise_plate

        try:
            normalised_plate = normalise_plate(plate)
        except InvalidInput as invalid:
            errors += invalid.errors
    if not checkpoint.active:
        errors.append(FieldError("checkpoint", _("This checkpoint is closed.")))
    if errors:
        # A scan stored before (sent again from an offline queue, perhaps days later) still answers.
        return _replayed(scan_id, checkpoint, InvalidInput(_("The scan has errors."), errors))

    reading = evidence.read_code(qr_text, at)
    rule_set = rule_set_in_force(at)
    outcome = rules.evaluate(rule_set.rules, reading.facts)
    row = Pass(
        client_uuid=scan_id,
        checkpoint=checkpoint,
        direction=direction,
        at=at,
        recorded_at=now,
        decision=outcome.decision,
        decided=outcome.decision,
        reason=outcome.reason[:300],
        rule_set_version=rule_set.version,
        rule_index=outcome.rule_index,
        evidence_kind=reading.facts.evidence_kind,
        evidence_ref=reading.evidence_ref[:80],
        person=reading.person,
        initials=reading.initials,
        age=reading.age,
        from_level=reading.facts.from_level,
        destination=reading.destination if reading.facts.valid else None,
        decided_by=actor,
    )
    follow_up = outcome.decision in NOTIFY_DECISIONS and direction == Direction.ENTRY and row.destination is not None
    if not normalised_plate and not follow_up and connection.vendor == "postgresql":
        if _insert_pass(row, actor):
            return _as_decision(row)
        return _replayed(scan_id, checkpoint, None)
    existing = Pass.objects.filter(client_uuid=scan_id).select_related("destination", "vehicle").first()
    if existing is not None:
        return _replayed(scan_id, checkpoint, None, existing)
    try:
        with transaction.atomic():
            if normalised_plate:
                row.vehicle = _vehicle(actor, checkpoint, normalised_plate, direction, at)
                row.is_driver = bool(driver) if driver is not None else not row.vehicle.passes.exists()
            row.save(force_insert=True)
            if follow_up:
                row.task_id = _notify_destination(row, checkpoint)
                row.save(update_fields=["task_id"])
            audit.record(actor, AuditAction.CREATE, "checkpoint_pass", row.pk, detail=_audit_detail(row))
    except IntegrityError:
        # The same scan sent twice at once: the other request stored it.
        return _replayed(scan_id, checkpoint, None)
    return _as_decision(row)


def _audit_detail(row: Pass) -> dict[str, Any]:
    return {"decision": row.decision, "evidence": row.evidence_kind, "person": row.person_id}


def _insert_pass(row: Pass, actor: User | None) -> bool:
    """PostgreSQL: the pass and its audit event in one statement (one round trip, one commit); False when a
    pass with this scan id is already stored (nothing written then). Sets ``row.pk``."""
    event = audit.build_event(actor, AuditAction.CREATE, "checkpoint_pass", "", detail=_audit_detail(row))
    pass_row = insert_parts(row, connection)
    audit_row = insert_parts(event, connection, computed={"object_id": "CAST(fresh.id AS varchar(40))"})
    sql = (
        f"WITH fresh AS (INSERT INTO {pass_row.table} ({pass_row.columns}) SELECT {pass_row.select_list} "  # noqa: S608
        "ON CONFLICT (client_uuid) DO NOTHING RETURNING id), "
        f"audited AS (INSERT INTO {audit_row.table} ({audit_row.columns}) SELECT {audit_row.select_list} FROM fresh) "
        "SELECT id FROM fresh"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*pass_row.params, *audit_row.params])
        found = cursor.fetchone()
    if found is None:
        return False
    row.pk = int(found[0])
    return True


def _replayed(
    scan_id: uuid_module.UUID, checkpoint: Checkpoint, otherwise: InvalidInput | None, existing: Pass | None = None
) -> Decision:
    """The pass stored earlier under this scan id (another checkpoint's: Conflict); none: raise ``otherwise``."""
    if existing is None:
        existing = Pass.objects.filter(client_uuid=scan_id).select_related("destination", "vehicle").first()
    if existing is None:
        if otherwise is not None:
            raise otherwise
        raise IntegrityError("pass neither stored nor found")
    if existing.checkpoint_id != checkpoint.pk:
        raise Conflict(_("This scan id was used at another checkpoint."), [FieldError("uuid", _("Already used."))])
    return _as_decision(existing, replayed=True)


def _notify_destination(row: Pass, checkpoint: Checkpoint) -> int:
    """A task for the destination commune: follow up the traveller (test, or watch for symptoms)."""
    from phongdich.tasks.models import TaskKind
    from phongdich.tasks.services import create_task

    assert row.destination is not None
    label = DecisionKind(row.decision).label
    who = " ".join(
        part for part in (row.initials, _("age %(age)s") % {"age": row.age} if row.age is not None else "") if part
    )
    task = create_task(
        None,
        kind=TaskKind.OTHER,
        commune=row.destination,
        title=_("Traveller arriving through %(checkpoint)s: %(decision)s")
        % {"checkpoint": checkpoint.name, "decision": label},
        due_at=row.at + dt.timedelta(days=1),
        person=row.person,
        source_key=f"checkpoints.pass:{row.client_uuid}",
        details=_("%(who)s entered at %(time)s. %(reason)s")
        % {
            "who": who or _("A traveller"),
            "time": timezone.localtime(row.at).strftime("%d/%m/%Y %H:%M"),
            "reason": row.reason,
        },
    )
    return int(task.pk)


@dataclass(frozen=True)
class ScanInput:
    uuid: object
    qr: str
    direction: str
    scanned_at: dt.datetime | None
    plate: str = ""
    driver: bool | None = None


def decide_batch(actor: User, checkpoint: Checkpoint, scans: list[ScanInput]) -> list[dict[str, Any]]:
    """Queued scans, each decided on its own (one bad scan does not hold back the others)."""
    fates: list[dict[str, Any]] = []
    for index, scan in enumerate(scans):
        try:
            decision = decide(
                checkpoint,
                scan.qr,
                direction=scan.direction,
                at=scan.scanned_at or timezone.now(),
                actor=actor,
                client_uuid=scan.uuid,
                plate=scan.plate,
                driver=scan.driver,
            )
        except (InvalidInput, Conflict) as error:
            fates.append(
                {
                    "index": index,
                    "uuid": str(scan.uuid or ""),
                    "status": "rejected",
                    "errors": [{"field": e.field, "message": e.message} for e in error.errors],
                }
            )
            continue
        fates.append(
            {
                "index": index,
                "uuid": decision.uuid,
                "status": "duplicate" if decision.replayed else "created",
                "decision": decision,
            }
        )
    return fates


# --- Overrides, lists, summaries -----------------------------------------------------------------------


def override(actor: User, pass_id: object, decision: str, reason: str) -> Pass:
    """An officer changes a decision, with a reason (audited; the rules' decision is kept beside it)."""
    try:
        pk = int(str(pass_id))
    except ValueError:
        raise NotFound() from None
    row = get_or_404(passes_for(actor), actor, "change", pk=pk)
    errors: list[FieldError] = []
    if decision not in DecisionKind.values:
        errors.append(FieldError("decision", _("One of: %(values)s.") % {"values": ", ".join(DecisionKind.values)}))
    reason = clean_text(str(reason or ""))
    if not reason:
        errors.append(FieldError("reason", _("Say why the decision is changed.")))
    elif len(reason) > OVERRIDE_REASON_MAX:
        errors.append(FieldError("reason", _("At most 300 characters.")))
    if errors:
        raise InvalidInput(_("The override has errors."), errors)
    with transaction.atomic():
        before = row.decision
        row.decision = decision
        row.override_reason = reason
        row.overridden_by = actor
        row.overridden_at = timezone.now()
        row.save(update_fields=["decision", "override_reason", "overridden_by", "overridden_at"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            "checkpoint_pass",
            row.pk,
            detail={"override": True, "from": before, "to": decision},
        )
    return row


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    # The calendar's first and last days have no local midnight in UTC (fuzzer: 0001-01-01 was a 500).
    if not dt.date(2000, 1, 1) <= day <= dt.date(9999, 12, 30):
        raise InvalidInput(_("The request has errors."), [FieldError("day", _("Give a day from 2000 to 9999."))])
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def pass_list(actor: User, code: str | None = None, day: dt.date | None = None) -> models.QuerySet[Pass]:
    queryset = passes_for(actor)
    if code:
        queryset = queryset.filter(checkpoint=checkpoint_for(actor, code))
    if day is not None:
        start, end = day_bounds(day)
        queryset = queryset.filter(at__gte=start, at__lt=end)
    return queryset


def record_list_read(actor: User, rows: list[Pass]) -> None:
    if rows:
        audit.record(actor, AuditAction.LIST, "checkpoint_pass", object_ids=[row.pk for row in rows])


@dataclass(frozen=True)
class DaySummary:
    checkpoint: Checkpoint
    day: dt.date
    total: int
    by_decision: dict[str, int]
    by_direction: dict[str, int]
    vehicles: int
    overridden: int


def day_summary(actor: User, code: str, day: dt.date) -> DaySummary:
    """A checkpoint's day in figures (no personal rows)."""
    checkpoint = checkpoint_for(actor, code)
    start, end = day_bounds(day)
    rows = Pass.objects.filter(checkpoint=checkpoint, at__gte=start, at__lt=end)
    by_decision = {kind: 0 for kind in DecisionKind.values}
    for kind, count in rows.values_list("decision").annotate(n=models.Count("id")).values_list("decision", "n"):
        by_decision[kind] = count
    by_direction = {kind: 0 for kind in Direction.values}
    for kind, count in rows.values_list("direction").annotate(n=models.Count("id")).values_list("direction", "n"):
        by_direction[kind] = count
    return DaySummary(
        checkpoint=checkpoint,
        day=day,
        total=sum(by_decision.values()),
        by_decision=by_decision,
        by_direction=by_direction,
        vehicles=VehiclePass.objects.filter(checkpoint=checkpoint, at__gte=start, at__lt=end).count(),
        overridden=rows.exclude(overridden_at=None).count(),
    )


# --- Screens: open or close a checkpoint, the checkpoint form, shifts, officers, rule set versions ---------------


def set_checkpoint_active(actor: User, code: str, active: bool) -> Checkpoint:
    """Open (active) or close a checkpoint; a closed checkpoint takes no scans. Audited when it changes."""
    if not can(actor, "checkpoint", "change"):
        raise NotFound()
    checkpoint = checkpoint_for(actor, code, "change")
    if checkpoint.active != bool(active):
        with transaction.atomic():
            checkpoint.active = bool(active)
            checkpoint.save(update_fields=["active"])
            audit.record(actor, AuditAction.UPDATE, "checkpoint", checkpoint.pk, detail={"active": checkpoint.active})
    return checkpoint


def save_checkpoint_form(actor: User, data: CheckpointInput, *, active: bool, new: bool) -> Checkpoint:
    """The checkpoint form: a new checkpoint (its code must be free) or a change, and whether it is open.

    Both writes happen together or not at all."""
    code = clean_text(data.code or "").lower()
    if new and code and Checkpoint.objects.filter(code=code).exists():
        if not can(actor, "checkpoint", "add"):
            raise NotFound()
        raise InvalidInput(
            _("The checkpoint has errors."), [FieldError("code", _("Another checkpoint has this code."))]
        )
    with transaction.atomic():
        checkpoint = save_checkpoint(actor, data)
        return set_checkpoint_active(actor, checkpoint.code, active)


def officer_choices(actor: User, checkpoint: Checkpoint | None = None) -> list[tuple[str, str]]:
    """Active checkpoint officers the account may put on a checkpoint or shift: those working in its area (and
    those already on the checkpoint), as (username, "Full name (username)")."""
    from phongdich.core.access import unit_scope

    in_area = models.Q(units__in=AdministrativeUnit.objects.filter(unit_scope(actor)).values("pk"))
    if checkpoint is not None:
        in_area |= models.Q(checkpoints=checkpoint)
    officers = (
        User.objects.filter(in_area, role=Role.CHECKPOINT_OFFICER, is_active=True).distinct().order_by("username")
    )
    return [
        (
            officer.username,
            f"{officer.get_full_name()} ({officer.username})" if officer.get_full_name() else officer.username,
        )
        for officer in officers
    ]


@dataclass(frozen=True)
class ShiftLists:
    upcoming: list[Shift]
    recent: list[Shift]


RECENT_SHIFTS = dt.timedelta(days=7)


def shift_lists(actor: User, code: str, now: dt.datetime | None = None) -> ShiftLists:
    """A checkpoint's shifts not yet ended (soonest first) and those ended in the last week (latest first)."""
    checkpoint = checkpoint_for(actor, code)
    now = now or timezone.now()
    shifts = Shift.objects.filter(checkpoint=checkpoint).prefetch_related("officers")
    return ShiftLists(
        upcoming=list(shifts.filter(ends_at__gt=now).order_by("starts_at", "id")[:100]),
        recent=list(
            shifts.filter(ends_at__lte=now, ends_at__gt=now - RECENT_SHIFTS).order_by("-starts_at", "-id")[:100]
        ),
    )


def rule_set_versions(actor: User) -> list[EntryRuleSet]:
    """Every version of the entry rules, newest first (the province's rules: the same for every account)."""
    if not can(actor, "entry_rule_set", "view"):
        raise NotFound()
    return list(EntryRuleSet.objects.select_related("created_by").order_by("-valid_from", "-version"))
