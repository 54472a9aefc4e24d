"""Every write and read of check-ins: the citizen's scan, the staff scanner, device batches, tracing reads.

Three ways in, one store. A check-in is never refused for the venue's status (tracing data is too
valuable), but it is refused for an unknown venue, a replaced poster, or an impossible time, and nothing
is stored then. Views and API handlers call these and nothing else, so scope and audit cannot be forgotten.

On PostgreSQL the table is partitioned by day (see the migration): :func:`ensure_partitions` keeps a
partition for each day of the retention window and the week ahead, and :func:`purge_expired` drops whole
days. Everywhere else those are plain deletes.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import uuid as uuidlib
from dataclasses import dataclass, field
from typing import Any, cast
from uuid import UUID

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, models, transaction
from django.db.models.functions import ExtractHour
from django.utils import timezone
from django.utils.translation import gettext as _

from phongdich.accounts.models import User
from phongdich.accounts.roles import Role
from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction, AuditEvent
from phongdich.checkins import personal_qr
from phongdich.checkins.models import CheckIn, CheckInMethod
from phongdich.core import access
from phongdich.core.clock import to_utc
from phongdich.core.db import TextValues, fetch_prepared, fetch_rows, insert_parts, text_array
from phongdich.core.errors import DomainError, FieldError, InvalidInput, NotFound
from phongdich.core.memo import Memo, Snapshot
from phongdich.core.text import clean_text
from phongdich.people import identity
from phongdich.people.models import Person
from phongdich.venues.models import RetiredQrKey, Venue, VenueKind, VenueStatus

logger = logging.getLogger(__name__)

# A device's clock may run a little fast; anything later than this is a wrong time, not a visit.
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
MAX_BATCH = 10_000
# How long after a check-in its retry (same uuid) is still recognised.
RETRY_WINDOW = dt.timedelta(days=1)
# Rows per INSERT: far below PostgreSQL's 65,535 parameters for 12 columns, few round trips.
INSERT_BATCH_SIZE = 2_000

# A scanner device records at the same few venues all day (see core.memo for the trade-off).
_VENUES_BY_CODE: Memo[Venue | None] = Memo("venues-by-code", ttl=10)
_RECORDING_RIGHTS: Memo[bool] = Memo("recording-rights", ttl=10)

TABLE = "checkins_checkin"
DEFAULT_PARTITION = f"{TABLE}_default"
_PARTITION_NAME = re.compile(rf"^{TABLE}_p(\d{{8}})$")


@dataclass(frozen=True)
class Visitor:
    """Who is checking in: a registry person, or a phone (and name) given at the door."""

    person: Person | None = None
    phone: str = ""  # raw; normalised with identity.normalise_phone
    name: str = ""
    # A registered person known by a checked CCCD/CMND, found by the insert itself (see visitor_by_citizen_id).
    citizen_id: str = ""


@dataclass(frozen=True)
class Recorded:
    checkin: CheckIn
    created: bool  # False when this uuid was already stored (a retry)
    warning: str | None  # the venue is suspended, closed or not yet approved: recorded all the same


@dataclass(frozen=True)
class ItemFate:
    """What became of one record of a batch, by its position in the batch."""

    index: int
    uuid: UUID | None
    status: str  # "created" | "duplicate" | "rejected"
    errors: list[FieldError] = field(default_factory=list)
    warning: str | None = None


@dataclass(frozen=True)
class Presence:
    """Counts for a venue's own screen: no personal data."""

    present_now: int
    visits_today: int
    by_hour: list[int]  # 24 counts, local (Asia/Ho_Chi_Minh) hours of today


# --- Rules shared by every way in ---------------------------------------------------------------


def retention_days() -> int:
    return int(str(settings.PHONGDICH["CHECKIN_RETENTION_DAYS"]))


def venue_warning(venue: Venue) -> str | None:
    return status_warning(venue.status)


def status_warning(status: str) -> str | None:
    if status == VenueStatus.SUSPENDED:
        return _("This venue is suspended: the check-in was recorded, but the venue should not be open.")
    if status == VenueStatus.CLOSED:
        return _("This venue is closed: the check-in was recorded, but the venue should not be open.")
    if status == VenueStatus.PENDING:
        return _("This venue is not approved yet: the check-in was recorded.")
    return None


def _time_errors(value: dt.datetime, now: dt.datetime, name: str) -> list[FieldError]:
    if value > now + FUTURE_TOLERANCE:
        return [FieldError(name, _("This time is in the future (more than 5 minutes ahead)."))]
    if value < now - dt.timedelta(days=retention_days()):
        return [
            FieldError(
                name,
                _("This time is older than the %(days)s days check-ins are kept.") % {"days": retention_days()},
            )
        ]
    return []


def _checkout_errors(checked_out_at: dt.datetime, checked_in_at: dt.datetime, now: dt.datetime) -> list[FieldError]:
    if checked_out_at < checked_in_at:
        return [FieldError("checked_out_at", _("The check-out is before the check-in."))]
    if checked_out_at > now + FUTURE_TOLERANCE:
        return [FieldError("checked_out_at", _("This time is in the future (more than 5 minutes ahead)."))]
    return []


# Vietnamese mobile numbers, the bulk of what devices send: 9 national digits after +84, 84 or 0.
_MOBILE = re.compile(r"^(?:\+84|84|0)([35789]\d{8})$")
_SEPARATORS = str.maketrans("", "", " .-")


@functools.lru_cache(maxsize=1024)
def _mobile_prefix_valid(prefix: str) -> bool:
    # In the numbering plan a 9-digit mobile number's validity depends on its first four digits only.
    try:
        identity.normalise_phone(f"0{prefix}00000")
    except identity.IdentityError:
        return False
    return True


def _normalised_phone(raw: str) -> str:
    """'' for no phone; InvalidInput naming "phone" for a wrong one. Same result as identity.normalise_phone,
    with a fast path for mobile numbers (parsing each one with phonenumbers costs ~0.1 ms: too slow for batches).
    """
    text = str(raw or "").strip()
    if not text:
        return ""
    mobile = _MOBILE.match(text.translate(_SEPARATORS))
    if mobile and _mobile_prefix_valid(mobile.group(1)[:4]):
        return "+84" + mobile.group(1)
    try:
        return identity.normalise_phone(text)
    except identity.IdentityError as exc:
        raise InvalidInput(_("The check-in has errors."), [FieldError("phone", str(exc))]) from None


def _clean_name(raw: str) -> str:
    name = clean_text(str(raw or ""))
    if len(name) > 150:
        raise InvalidInput(_("The check-in has errors."), [FieldError("name", _("A name has at most 150 characters."))])
    return name


def _recordable_venue_ids(actor: User | None, venue_filter: models.Q) -> models.QuerySet[Venue]:
    """The venues matching ``venue_filter`` at which ``actor`` may record check-ins for others.

    The venue-side twin of ``access.scope(actor, CheckIn, "add")``: operators at the venues they operate,
    other staff with the "add" right at venues in their units.
    """
    venues = Venue.objects.filter(venue_filter)
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return venues.none()
    if actor.is_superuser:
        return venues
    if not access.can(actor, CheckIn.access_resource, "add"):
        return venues.none()
    if actor.role == Role.VENUE_OPERATOR:
        return venues.filter(operators=actor.pk)
    paths = actor.unit_paths()
    if not paths:
        return venues.none()
    return venues.filter(access.units_within(paths, prefix="commune__"))


def may_record_at(actor: User | None, venue: Venue) -> bool:
    """Whether staff may record check-ins of others at this venue (scanner page, typed IDs, devices)."""
    if actor is None or not actor.pk:
        return False
    return _RECORDING_RIGHTS.get_or_compute(
        (actor.pk, venue.pk), lambda: _recordable_venue_ids(actor, models.Q(pk=venue.pk)).exists()
    )


def _may_record_in_commune(actor: User, venue_pk: int, commune_path: str) -> bool:
    """:func:`may_record_at` when the venue's commune path is already read: no query, but for an operator.

    The same rule as :func:`_recordable_venue_ids` (the tests compare the two for every role).
    """
    if not actor.is_authenticated or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    if not access.can(actor, CheckIn.access_resource, "add"):
        return False
    if actor.role == Role.VENUE_OPERATOR:
        return _recordable_venue_ids(actor, models.Q(pk=venue_pk)).exists()
    return any(commune_path.startswith(path) for path in actor.unit_paths())


def _columns_in_field_order(model: type[models.Model], wanted: set[str]) -> list[str]:
    """The wanted columns in the model's field order, the order ``Model.from_db`` reads values in."""
    return [field.attname for field in model._meta.concrete_fields if field.attname in wanted]


_VENUE_FIELDS = _columns_in_field_order(Venue, {"id", "code", "name", "kind", "status", "commune_id"})
_PERSON_FIELDS = _columns_in_field_order(Person, {"id", "full_name", "citizen_id"})


@functools.cache
def _venues_sql() -> str:
    """Each venue's :data:`_VENUE_FIELDS`, then its commune's path."""
    from phongdich.geo.models import AdministrativeUnit

    columns = ", ".join(f"v.{name}" for name in _VENUE_FIELDS)
    return (
        f"SELECT {columns}, u.path FROM {Venue._meta.db_table} v "  # noqa: S608
        f"JOIN {AdministrativeUnit._meta.db_table} u ON u.id = v.commune_id"
    )


@functools.cache
def _venue_by_code_sql() -> str:
    return f"{_venues_sql()} WHERE v.code = %s"


def _venue_rows_by_code() -> dict[str, tuple[Any, ...]]:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(_venues_sql())
        rows = cursor.fetchall()
    code_at = _VENUE_FIELDS.index("code")
    return {row[code_at]: row for row in rows}


# Devices together name any of the province's venues (45,000 in Quảng Ninh), so a memo by code would miss
# almost every time: each worker reads them all in one query every 10 s (9 ms of CPU for 9,200 venues, so
# about 45 ms and 12 MB for 45,000) instead of one query for nearly every check-in (+10 % check-ins a second
# in the bench). A venue registered since then is looked up on its own.
_VENUE_DIRECTORY: Snapshot[str, tuple[Any, ...]] = Snapshot("venue-directory", ttl=10, load=_venue_rows_by_code)


def venue_by_code(code: str, actor: User | None = None) -> Venue:
    """The venue a device names by its code (any status: tracing data is never refused). Unknown: NotFound.

    The venue comes with the fields a check-in needs (the others load when read). With ``actor``, whether
    they may record there is decided from the same row and kept for :func:`may_record_at`.
    """
    key = str(code or "").strip().upper()
    if not key:
        raise NotFound(_("No venue has this code."))

    def lookup() -> Venue | None:
        row = _VENUE_DIRECTORY.get(key)
        if row is None:
            # Raw and narrow (prepared on PostgreSQL): composing the ORM query with its scope subquery cost
            # several times more than running it.
            rows = fetch_prepared(_venue_by_code_sql(), [key])
            if not rows:
                return None
            row = rows[0]
        *values, commune_path = row
        found = Venue.from_db(DEFAULT_DB_ALIAS, _VENUE_FIELDS, values)
        if actor is not None and actor.pk:
            _RECORDING_RIGHTS.get_or_compute(
                (actor.pk, found.pk), lambda: _may_record_in_commune(actor, found.pk, str(commune_path))
            )
        return found

    venue = _VENUES_BY_CODE.get_or_compute(key, lookup)
    if venue is None:
        raise NotFound(_("No venue has this code."))
    return venue


# --- One check-in ---------------------------------------------------------------------------------


def _checked_citizen_id(actor: User | None, citizen_id: str) -> str:
    """The normalised number, when the actor may record check-ins at all. Malformed: InvalidInput."""
    staff = actor is not None and actor.role != Role.CITIZEN and not actor.is_superuser
    if staff and not access.can(actor, CheckIn.access_resource, "add"):
        raise NotFound()
    try:
        return identity.normalise_citizen_id(str(citizen_id or ""))
    except identity.IdentityError as exc:
        raise InvalidInput(_("The check-in has errors."), [FieldError("citizen_id", str(exc))]) from None


def visitor_by_citizen_id(actor: User | None, citizen_id: str) -> Visitor:
    """A visitor given by a typed CCCD/CMND, for :func:`record_checkin`.

    :func:`record_checkin` finds the person (on PostgreSQL within the insert statement itself, one round
    trip fewer for devices sending a thousand a second) and raises NotFound, storing nothing, when nobody
    registered has the number.
    """
    return Visitor(citizen_id=_checked_citizen_id(actor, citizen_id))


def identify_by_citizen_id(actor: User | None, citizen_id: str) -> Person:
    """The registered person with this CCCD/CMND. Malformed: InvalidInput; not registered: NotFound.

    Callers show as little of the person as they can: a venue operator is told who checked in, not more.
    """
    number = _checked_citizen_id(actor, citizen_id)
    # Raw SQL, few columns, prepared on PostgreSQL: devices look people up a thousand times a second, and
    # composing the ORM query cost more than running it. (citizen_id is unique, so LIMIT 1 needs no order.)
    columns = ", ".join(_PERSON_FIELDS)
    sql = f"SELECT {columns} FROM {Person._meta.db_table} WHERE citizen_id = %s LIMIT 1"  # noqa: S608
    rows = fetch_prepared(sql, [number])
    if not rows:
        raise NotFound(_("No registered person has this citizen ID."))
    # The other fields stay deferred: they load if read, and a save cannot overwrite them with defaults.
    return Person.from_db(DEFAULT_DB_ALIAS, _PERSON_FIELDS, rows[0])


def record_checkin(
    actor: User | None,
    *,
    venue: Venue,
    visitor: Visitor,
    method: str,
    checked_in_at: dt.datetime | None = None,
    uuid: UUID | None = None,
) -> Recorded:
    """Record one visit. A retry with the same uuid changes nothing and answers ``created=False``.

    ``venue_qr``: the visitor scanned the venue's poster, with or without an account (``actor`` may be
    None). Every other method is staff recording someone else: they must work at the venue.
    """
    if method not in CheckInMethod.values:
        raise InvalidInput(_("The check-in has errors."), [FieldError("method", _("Unknown check-in method."))])
    if method != CheckInMethod.VENUE_QR and not may_record_at(actor, venue):
        raise NotFound(_("No venue has this code."))
    now = timezone.now()
    at = now if checked_in_at is None else to_utc(checked_in_at, "checked_in_at")
    errors = _time_errors(at, now, "checked_in_at")
    phone = _normalised_phone(visitor.phone)
    name = _clean_name(visitor.name)
    by_citizen_id = visitor.person is None and bool(visitor.citizen_id)
    if visitor.person is None and not by_citizen_id and not phone:
        errors.append(FieldError("phone", _("Give a phone number, a citizen ID or a personal QR code.")))
    if errors:
        raise InvalidInput(_("The check-in has errors."), errors)
    postgres = connections[DEFAULT_DB_ALIAS].vendor == "postgresql"
    if by_citizen_id and not postgres:
        # Elsewhere the person is looked up first (the portable insert below has no statement to do it in).
        person = identify_by_citizen_id(actor, visitor.citizen_id)
        visitor = Visitor(person=person, phone=visitor.phone, name=visitor.name)
        by_citizen_id = False
    # A retry comes within the day (with the same time, or none and so a later "now"): limiting the
    # lookup to that span lets PostgreSQL read one or two daily partitions instead of all of them.
    low, high = min(at, now) - RETRY_WINDOW, max(at, now) + FUTURE_TOLERANCE
    checkin = CheckIn(
        uuid=uuid or uuidlib.uuid4(),
        checked_in_at=at,
        venue=venue,
        person=visitor.person,
        phone=phone,
        name=name,
        method=method,
        recorded_by=actor if actor is not None and actor.pk else None,
        received_at=now,
    )
    event = None
    if actor is not None and actor.pk and method != CheckInMethod.VENUE_QR:
        event = audit.build_event(actor, AuditAction.CREATE, "checkin", checkin.uuid, detail={"method": method})
    if postgres:
        created, person_id = _insert_one(checkin, event, low, high, visitor.citizen_id if by_citizen_id else "")
        if by_citizen_id:
            if person_id is None:
                raise NotFound(_("No registered person has this citizen ID."))  # and nothing was stored
            checkin.person_id = person_id
    else:
        created = _insert_one_portable(checkin, event, _received_between(low, high), uuid is not None)
    if created:
        return Recorded(checkin, created=True, warning=venue_warning(venue))
    # A retry (or the same upload arriving twice at once): the stored one answers.
    existing = _received_between(low, high).filter(uuid=checkin.uuid).first()
    if existing is None:
        raise IntegrityError("check-in neither stored nor found")
    return Recorded(existing, created=False, warning=venue_warning(venue))


def _received_between(low: dt.datetime, high: dt.datetime) -> models.QuerySet[CheckIn]:
    return CheckIn.objects.filter(checked_in_at__gte=low, checked_in_at__lte=high)


def _insert_one(
    checkin: CheckIn, event: AuditEvent | None, low: dt.datetime, high: dt.datetime, citizen_id: str = ""
) -> tuple[bool, int | None]:
    """PostgreSQL: the check-in and its audit event in one statement, so one round trip and one commit.

    Single check-ins are bounded by per-request costs, not by the insert: this skips the separate retry
    lookup, BEGIN and COMMIT. Nothing is written when the uuid is already stored within the retry window.
    With ``citizen_id`` the statement also finds the person, and writes nothing when nobody has that number.
    Answers (stored now, the person's id when looked up).
    """
    connection = connections[DEFAULT_DB_ALIAS]
    sql = "WITH "
    params: list[Any] = []
    found_person = ""
    computed = None
    if citizen_id:
        sql += f"person AS (SELECT id FROM {Person._meta.db_table} WHERE citizen_id = %s LIMIT 1), "  # noqa: S608
        params.append(citizen_id)
        found_person = " AND EXISTS (SELECT 1 FROM person)"
        computed = {"person_id": "(SELECT id FROM person)"}
    row = insert_parts(checkin, connection, computed=computed)
    sql += (
        f"prior AS (SELECT 1 FROM {row.table} WHERE uuid = %s AND checked_in_at >= %s "  # noqa: S608
        f"AND checked_in_at <= %s LIMIT 1), "
        f"fresh AS (INSERT INTO {row.table} ({row.columns}) SELECT {row.select_list} "
        f"WHERE NOT EXISTS (SELECT 1 FROM prior){found_person} ON CONFLICT DO NOTHING RETURNING 1)"
    )
    params += [checkin.uuid, low, high, *row.params]
    if event is not None:
        audit_row = insert_parts(event, connection)
        sql += (
            f", audited AS (INSERT INTO {audit_row.table} ({audit_row.columns}) "  # noqa: S608
            f"SELECT {audit_row.select_list} FROM fresh)"
        )
        params += audit_row.params
    person_id = "(SELECT id FROM person)" if citizen_id else "NULL::bigint"
    sql += f" SELECT (SELECT count(*) FROM fresh), {person_id}"  # noqa: S608
    rows = fetch_prepared(sql, params)
    return bool(rows and rows[0][0]), rows[0][1] if rows else None


def _insert_one_portable(
    checkin: CheckIn, event: AuditEvent | None, recent: models.QuerySet[CheckIn], may_be_retry: bool
) -> bool:
    if may_be_retry and recent.filter(uuid=checkin.uuid).exists():
        return False
    try:
        # One transaction, so one commit for the row and its audit.
        with transaction.atomic():
            # force_insert: with a composite key Django would otherwise try an UPDATE first.
            checkin.save(force_insert=True)
            if event is not None:
                event.save(force_insert=True)
    except IntegrityError:
        return False
    return True


def check_out(
    checkin_uuid: UUID,
    *,
    at: dt.datetime | None = None,
    visitor_person_id: int | None = None,
    visitor_phone: str = "",
    actor: User | None = None,
) -> CheckIn:
    """End a visit: asked by the visitor's own device (same person or phone) or by staff of the venue.

    Anyone else gets NotFound, as for a uuid never stored. A second explicit check-out changes nothing;
    an explicit one replaces an inferred one.
    """
    allowed = access.NOTHING
    if visitor_person_id:
        allowed |= models.Q(person_id=visitor_person_id)
    phone = ""
    if visitor_phone:
        try:
            phone = identity.normalise_phone(visitor_phone)
        except identity.IdentityError:
            phone = ""
    if phone:
        allowed |= models.Q(phone=phone)
    if actor is not None and actor.is_authenticated:
        if actor.role == Role.CITIZEN and actor.person_id:
            allowed |= models.Q(person_id=actor.person_id)
        allowed |= access.scope(actor, CheckIn, "add")
    checkin = CheckIn.objects.filter(allowed, uuid=checkin_uuid).select_related("venue").first()
    if checkin is None:
        raise NotFound()
    if checkin.checked_out_at is not None and not checkin.checkout_inferred:
        return checkin
    now = timezone.now()
    when = now if at is None else to_utc(at, "checked_out_at")
    if at is None and when < checkin.checked_in_at:
        when = checkin.checked_in_at
    errors = _checkout_errors(when, checkin.checked_in_at, now)
    if errors:
        raise InvalidInput(_("The check-out has errors."), errors)
    CheckIn.objects.filter(uuid=checkin.uuid, checked_in_at=checkin.checked_in_at).update(
        checked_out_at=when, checkout_inferred=False
    )
    checkin.checked_out_at = when
    checkin.checkout_inferred = False
    return checkin


# --- Batches from scanner devices -------------------------------------------------------------------


def _parse_time(value: Any, name: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str) and 0 < len(value) <= 40:
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise InvalidInput("", [FieldError(name, _("Enter a date and time in ISO 8601."))]) from None
    else:
        raise InvalidInput("", [FieldError(name, _("Enter a date and time in ISO 8601."))])
    return to_utc(parsed, name)


def _text(item: dict[str, Any], name: str, limit: int) -> str:
    value = item.get(name)
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit or "\x00" in value:
        raise InvalidInput("", [FieldError(name, _("Invalid value."))])
    return value.strip()


@dataclass
class _Item:
    index: int
    uuid: UUID | None = None
    errors: list[FieldError] = field(default_factory=list)
    checked_in_at: dt.datetime | None = None
    checked_out_at: dt.datetime | None = None
    venue_code: str = ""
    qr_key: str = ""
    citizen_id: str = ""
    person_id: int | None = None  # from a personal QR
    phone: str = ""
    name: str = ""
    # How the device read the visitor: a scanned personal QR, a typed ID, or its own reader.
    method: str = CheckInMethod.DEVICE
    duplicate: bool = False


_UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_ASCII_CITIZEN_ID = re.compile(r"[0-9]{12}|[0-9]{9}")
_PLAIN_KEYS = frozenset({"uuid", "venue", "checked_in_at", "citizen_id", "method"})


def _read_plain(index: int, raw: Any, earliest: dt.datetime, latest: dt.datetime) -> _Item | None:
    """The record devices send by the thousand (a citizen ID at a venue code, with an offset time), read with
    the fewest steps; None for anything else, which :func:`_read_item` reads with every check and message.

    It accepts only what :func:`_read_item` would accept unchanged, so both give the same item.
    """
    if type(raw) is not dict or not raw.keys() <= _PLAIN_KEYS:
        return None
    raw_uuid, code, at, citizen_id = raw.get("uuid"), raw.get("venue"), raw.get("checked_in_at"), raw.get("citizen_id")
    if type(raw_uuid) is not str or type(code) is not str or type(at) is not str or type(citizen_id) is not str:
        return None
    method = raw.get("method") or CheckInMethod.DEVICE
    if (
        not 0 < len(code) <= 12
        or len(at) > 40
        or method not in BATCH_METHODS
        or not _UUID_TEXT.fullmatch(raw_uuid)
        or not _ASCII_CITIZEN_ID.fullmatch(citizen_id)
    ):
        return None
    try:
        when = dt.datetime.fromisoformat(at)
        if when.tzinfo is None:
            return None
        when = when.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        return None
    if not earliest <= when <= latest or code != code.strip():
        return None
    return _Item(
        index, uuid=UUID(raw_uuid), checked_in_at=when, venue_code=code.upper(), citizen_id=citizen_id, method=method
    )


def _read_item(index: int, raw: Any, now: dt.datetime) -> _Item:
    """Everything that can be checked without the database, each problem named by its field."""
    item = _Item(index)
    if not isinstance(raw, dict):
        item.errors.append(FieldError("item", _("Each record is an object.")))
        return item

    def attempt(name: str, read: Any) -> Any:
        try:
            return read()
        except DomainError as exc:
            item.errors.extend(exc.errors or [FieldError(name, exc.detail)])
        except (ValueError, TypeError, AttributeError):
            item.errors.append(FieldError(name, _("Invalid value.")))
        return None

    raw_uuid = raw.get("uuid")
    if raw_uuid in (None, ""):
        item.errors.append(FieldError("uuid", _("This field is required.")))
    else:
        item.uuid = attempt("uuid", lambda: raw_uuid if isinstance(raw_uuid, UUID) else UUID(str(raw_uuid)))
    if raw.get("checked_in_at") in (None, ""):
        item.errors.append(FieldError("checked_in_at", _("This field is required.")))
    else:
        item.checked_in_at = attempt("checked_in_at", lambda: _parse_time(raw["checked_in_at"], "checked_in_at"))
        if item.checked_in_at is not None:
            item.errors.extend(_time_errors(item.checked_in_at, now, "checked_in_at"))
    if raw.get("checked_out_at") not in (None, ""):
        item.checked_out_at = attempt("checked_out_at", lambda: _parse_time(raw["checked_out_at"], "checked_out_at"))
        if item.checked_out_at is not None and item.checked_in_at is not None:
            item.errors.extend(_checkout_errors(item.checked_out_at, item.checked_in_at, now))
    item.venue_code = (attempt("venue", lambda: _text(raw, "venue", 12)) or "").upper()
    item.qr_key = attempt("qr_key", lambda: _text(raw, "qr_key", 64)) or ""
    if not item.venue_code and not item.qr_key:
        item.errors.append(FieldError("venue", _("Give the venue code (or its QR key).")))
    token = attempt("personal_qr", lambda: _text(raw, "personal_qr", personal_qr.MAX_TOKEN_LENGTH)) or ""
    if token:
        item.person_id = attempt("personal_qr", lambda: personal_qr.person_id_from_qr(token))
    citizen_id = attempt("citizen_id", lambda: _text(raw, "citizen_id", 20)) or ""
    if citizen_id:
        item.citizen_id = attempt("citizen_id", lambda: identity.normalise_citizen_id(citizen_id)) or ""
    method = raw.get("method") or CheckInMethod.DEVICE
    if method in BATCH_METHODS:
        item.method = method
    else:
        item.errors.append(FieldError("method", _("A batch record's method is personal_qr, typed_id or device.")))
    item.phone = attempt("phone", lambda: _normalised_phone(_text(raw, "phone", 30))) or ""
    item.name = attempt("name", lambda: _clean_name(_text(raw, "name", 200))) or ""
    if not (token or citizen_id or item.phone) and not any(e.field in ("phone", "name") for e in item.errors):
        item.errors.append(FieldError("phone", _("Give a personal QR code, a citizen ID or a phone number.")))
    return item


@dataclass(frozen=True)
class _VenueRef:
    pk: int
    status: str


def _venues_for(actor: User, items: list[_Item]) -> tuple[dict[str, _VenueRef], dict[str, _VenueRef], set[str]]:
    """Venues by code and by QR key that the actor may record at, and retired keys: three queries at most."""
    codes = TextValues(item.venue_code for item in items if item.venue_code)
    keys = TextValues(item.qr_key for item in items if item.qr_key and not item.venue_code)
    by_code: dict[str, _VenueRef] = {}
    by_key: dict[str, _VenueRef] = {}
    retired: set[str] = set()
    if codes or keys:
        wanted = models.Q(code__any=codes) if codes else access.NOTHING
        if keys:
            wanted |= models.Q(qr_key__any=keys)
        found = fetch_rows(_recordable_venue_ids(actor, wanted).values_list("pk", "code", "qr_key", "status"))
        for pk, code, qr_key, status in found:
            ref = _VenueRef(pk, status)
            by_code[code] = ref
            by_key[qr_key] = ref
    missing_keys = keys - by_key.keys()
    if missing_keys:
        retired = set(RetiredQrKey.objects.filter(key__in=missing_keys).values_list("key", flat=True))
    return by_code, by_key, retired


_Row = tuple[UUID | None, dt.datetime | None, dt.datetime | None, int, int | None, str, str, str]
_COLUMNS = ("uuid", "checked_in_at", "checked_out_at", "venue_id", "person_id", "phone", "name", "method")
# Methods a batch may carry: the visitor's own scan of a poster (venue_qr) never comes from a device.
BATCH_METHODS = frozenset({CheckInMethod.PERSONAL_QR, CheckInMethod.TYPED_ID, CheckInMethod.DEVICE})


# Column types of the binary COPY, in the order of the rows _copy_all writes.
COPY_COLUMNS = (*_COLUMNS, "checkout_inferred", "recorded_by_id", "received_at")
_COPY_TYPES = (
    *("uuid", "timestamptz", "timestamptz", "int8", "int8", "text", "text", "text"),  # _COLUMNS
    *("bool", "int8", "timestamptz"),  # checkout_inferred, recorded_by_id, received_at
)


def _copy_all(rows: list[_Row], recorder_id: int | None, now: dt.datetime) -> bool:
    """PostgreSQL: COPY every row in, all or none; False, having stored nothing, if one was stored already.

    A device's upload is new records almost always, and COPY stores them about twice as fast as the
    INSERT … ON CONFLICT that also reports which were stored before (measured on 10,000 rows: 214 ms
    against 453 ms). Concurrent uploads of the same records: the second waits for the first, fails on the
    key, and takes the exact path.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    connection.ensure_connection()
    columns = ", ".join(COPY_COLUMNS)
    tail = (False, recorder_id, now)
    try:
        with (
            transaction.atomic(),
            connection.wrap_database_errors,
            psycopg.Cursor(connection.connection) as cursor,
            cursor.copy(f"COPY {_quote(TABLE)} ({columns}) FROM STDIN (FORMAT BINARY)") as copy,
        ):
            copy.set_types(list(_COPY_TYPES))
            for row in rows:
                copy.write_row((*row, *tail))
    except IntegrityError:
        return False
    if connection.queries_logged:
        connection.queries_log.append({"sql": f"COPY {_quote(TABLE)} … [{len(rows)} rows]", "time": "?"})
    return True


def _insert_new(rows: list[_Row], recorder_id: int | None, now: dt.datetime) -> set[UUID]:
    """Insert the rows not stored yet; the uuids actually inserted.

    A batch record always carries its time, so a retry repeats the whole key (uuid, time) and the key
    itself turns it away. PostgreSQL: COPY when none was stored before (:func:`_copy_all`); else one
    INSERT … SELECT FROM unnest(arrays) … ON CONFLICT DO NOTHING RETURNING, one parameter per column whatever
    the batch size, and concurrent uploads of the same records are reported exactly (the second waits for
    the first and inserts nothing).
    """
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor == "postgresql":
        if _copy_all(rows, recorder_id, now):
            return {row[0] for row in rows if row[0] is not None}
        # Some were stored already (a retried upload, or the same one arriving twice at once): the statement
        # below stores the others and tells which.
        columns = ", ".join(_COLUMNS)
        uuids, times, outs, venue_ids, person_ids, phones, names, methods = (
            list(column) for column in zip(*rows, strict=True)
        )
        texts = [text_array(cast(list[str], column)) for column in (phones, names, methods)]
        connection.ensure_connection()
        # Server-side binding with binary parameters: Django's client-side binding would quote all 80,000
        # values into the statement's text, which took longer than the insert.
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(
                f"INSERT INTO {_quote(TABLE)} ({columns}, checkout_inferred, recorded_by_id, received_at) "  # noqa: S608
                "SELECT u.*, false, %s, %s FROM unnest(%s::uuid[], %s::timestamptz[], %s::timestamptz[], "
                f"%s::bigint[], %s::bigint[], {', '.join(expression for expression, _value in texts)}) AS u "
                "ON CONFLICT DO NOTHING RETURNING uuid",
                [recorder_id, now, uuids, times, outs, venue_ids, person_ids, *(value for _sql, value in texts)],
                binary=True,
            )
            inserted = {row[0] for row in cursor.fetchall()}
        if connection.queries_logged:
            # Django does not see this cursor; its query log (debug pages, tests counting queries) should.
            connection.queries_log.append(
                {"sql": f"INSERT INTO {_quote(TABLE)} … FROM unnest(…) [{len(rows)} rows]", "time": "?"}
            )
        return inserted
    times = [row[1] for row in rows if row[1] is not None]
    stored = set(
        CheckIn.objects.filter(
            uuid__in=[row[0] for row in rows], checked_in_at__gte=min(times), checked_in_at__lte=max(times)
        ).values_list("uuid", flat=True)
    )
    new = [
        CheckIn(
            **dict(zip(_COLUMNS, row, strict=True)),
            recorded_by_id=recorder_id,
            received_at=now,
        )
        for row in rows
        if row[0] not in stored
    ]
    # ignore_conflicts: a concurrent upload of the same records must not fail this one.
    CheckIn.objects.bulk_create(new, batch_size=INSERT_BATCH_SIZE, ignore_conflicts=True)
    return {checkin.uuid for checkin in new}


def record_batch(actor: User, items: list[dict[str, Any]]) -> list[ItemFate]:
    """Store a device's upload: each record's fate by its position; sending it again changes nothing.

    A constant number of queries whatever the size: venues and persons are each looked up once for the
    whole batch; on PostgreSQL the rows are COPYed and inserted by one statement that skips stored uuids,
    elsewhere stored uuids are looked up once and the new rows go in multi-row INSERTs.
    Malformed records are reported with their fields and skipped; the others are stored.
    """
    if len(items) > MAX_BATCH:
        raise InvalidInput(
            _("A batch has at most %(max)s records.") % {"max": MAX_BATCH},
            [FieldError("items", _("Split the upload into batches of at most %(max)s.") % {"max": MAX_BATCH})],
        )
    now = timezone.now()
    earliest, latest = now - dt.timedelta(days=retention_days()), now + FUTURE_TOLERANCE
    parsed = [
        _read_plain(index, raw, earliest, latest) or _read_item(index, raw, now) for index, raw in enumerate(items)
    ]
    by_code, by_key, retired = _venues_for(actor, [item for item in parsed if not item.errors])
    citizen_ids = TextValues(item.citizen_id for item in parsed if item.citizen_id and not item.errors)
    persons_by_cid: dict[str, int] = {}
    if citizen_ids:
        registered = fetch_rows(Person.objects.filter(citizen_id__any=citizen_ids).values_list("citizen_id", "pk"))
        persons_by_cid = {str(cid): pk for cid, pk in registered}
    qr_ids = {item.person_id for item in parsed if item.person_id is not None and not item.errors}
    persons_by_qr = personal_qr.resolve_person_ids(qr_ids) if qr_ids else {}

    venues: dict[int, _VenueRef] = {}
    persons: dict[int, int | None] = {}
    for item in parsed:
        if item.errors:
            continue
        venue = by_code.get(item.venue_code) if item.venue_code else by_key.get(item.qr_key)
        if venue is None:
            if item.qr_key and not item.venue_code and item.qr_key in retired:
                item.errors.append(FieldError("qr_key", _("This QR poster has been replaced and is no longer valid.")))
            else:
                item.errors.append(FieldError("venue" if item.venue_code else "qr_key", _("No venue has this code.")))
        else:
            venues[item.index] = venue
        person_id: int | None = None
        if item.person_id is not None:
            person_id = persons_by_qr.get(item.person_id)
            if person_id is None:
                item.errors.append(FieldError("personal_qr", _("No registered person has this personal QR code.")))
        elif item.citizen_id:
            person_id = persons_by_cid.get(item.citizen_id)
            if person_id is None and not item.phone:
                item.errors.append(FieldError("citizen_id", _("No registered person has this citizen ID.")))
        persons[item.index] = person_id

    valid: list[_Item] = []
    seen: set[UUID] = set()
    for item in parsed:
        if not item.errors:
            assert item.uuid is not None
            if item.uuid in seen:
                # The same record twice in one upload: stored once.
                item.duplicate = True
            else:
                seen.add(item.uuid)
                valid.append(item)
    rows = [
        (
            item.uuid,
            item.checked_in_at,
            item.checked_out_at,
            venues[item.index].pk,
            persons[item.index],
            item.phone,
            item.name,
            item.method,
        )
        for item in valid
    ]
    recorder_id = actor.pk or None
    created = _insert_new(rows, recorder_id, now) if rows else set()
    fates: list[ItemFate] = []
    for item in parsed:
        if item.errors:
            fates.append(ItemFate(item.index, item.uuid, "rejected", item.errors))
            continue
        status = "created" if item.uuid in created and not item.duplicate else "duplicate"
        fates.append(ItemFate(item.index, item.uuid, status, [], status_warning(venues[item.index].status)))
    counts = {status: sum(1 for f in fates if f.status == status) for status in ("created", "duplicate", "rejected")}
    audit.record(actor, AuditAction.CREATE, "checkin", detail={"batch": len(items), **counts})
    return fates


# --- Reads ------------------------------------------------------------------------------------------


def search_checkins(
    actor: User,
    *,
    venue: str = "",
    person: int | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> models.QuerySet[CheckIn]:
    """Check-ins the actor may read, newest first: who was at venue V, where was person P, between t1 and t2."""
    checkins = access.restrict(CheckIn.objects.all(), actor, "view")
    if venue.strip():
        checkins = checkins.filter(venue__code=venue.strip().upper())
    if person is not None:
        checkins = checkins.filter(person_id=person)
    if since is not None:
        checkins = checkins.filter(checked_in_at__gte=to_utc(since, "since"))
    if until is not None:
        checkins = checkins.filter(checked_in_at__lt=to_utc(until, "until"))
    return checkins.select_related("venue").order_by("-checked_in_at", "uuid")


def record_list_read(actor: User, checkins: list[CheckIn], criteria: dict[str, object]) -> None:
    """Audit a page of check-ins: which records were shown and which kind of search (not its values)."""
    if checkins:
        audit.record(
            actor,
            AuditAction.LIST,
            "checkin",
            object_ids=[c.uuid for c in checkins],
            detail={"criteria": sorted(k for k, v in criteria.items() if v not in (None, ""))},
        )


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def venue_presence(venue: Venue, *, now: dt.datetime | None = None) -> Presence:
    """How many are at the venue now, how many came today and in which hour: counts only, three queries."""
    from phongdich.venues.services import default_stay_minutes

    now = now or timezone.now()
    stay = dt.timedelta(minutes=default_stay_minutes(venue.kind))
    start = _local_midnight(timezone.localdate(now))
    here = CheckIn.objects.filter(venue_id=venue.pk)
    present = (
        here.filter(checked_in_at__lte=now, checked_in_at__gte=now - max(stay, dt.timedelta(days=2)))
        .filter(models.Q(checked_out_at__gt=now) | models.Q(checked_out_at__isnull=True, checked_in_at__gt=now - stay))
        .count()
    )
    hours = (
        here.filter(checked_in_at__gte=start, checked_in_at__lt=start + dt.timedelta(days=1))
        .annotate(hour=ExtractHour("checked_in_at", tzinfo=timezone.get_default_timezone()))
        .values("hour")
        .annotate(n=models.Count("uuid"))
        .order_by()
    )
    by_hour = [0] * 24
    for row in hours:
        by_hour[int(row["hour"])] = int(row["n"])
    return Presence(present_now=present, visits_today=sum(by_hour), by_hour=by_hour)


# --- Maintenance (Celery beat) ------------------------------------------------------------------------


def infer_checkouts(*, now: dt.datetime | None = None) -> int:
    """Close visits nobody checked out of, at check-in + the default stay of the venue's kind (marked inferred)."""
    from phongdich.venues.services import default_stay_minutes

    now = now or timezone.now()
    oldest = now - dt.timedelta(days=retention_days() + 1)
    total = 0
    for kind in VenueKind.values:
        stay = dt.timedelta(minutes=default_stay_minutes(kind))
        total += CheckIn.objects.filter(
            checked_out_at__isnull=True,
            checked_in_at__lte=now - stay,
            checked_in_at__gte=oldest,
            venue_id__in=Venue.objects.filter(kind=kind).values("pk"),
        ).update(checked_out_at=models.F("checked_in_at") + stay, checkout_inferred=True)
    if total:
        logger.info("Inferred %s check-outs.", total)
    return total


def _quote(name: str) -> str:
    assert re.fullmatch(r"[a-z0-9_]+", name), name
    return f'"{name}"'


def _bound(day: dt.date) -> str:
    return _local_midnight(day).isoformat()


def partition_days(using: str = DEFAULT_DB_ALIAS) -> dict[dt.date, str]:
    """The daily partitions that exist (PostgreSQL), by local day."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            [TABLE],
        )
        names = [row[0] for row in cursor.fetchall()]
    days = {}
    for name in names:
        match = _PARTITION_NAME.match(name)
        if match:
            days[dt.datetime.strptime(match.group(1), "%Y%m%d").date()] = name
    return days


def ensure_partitions(days_ahead: int = 7, *, now: dt.datetime | None = None, using: str = DEFAULT_DB_ALIAS) -> int:
    """Create the missing daily partitions from the retention horizon to ``days_ahead``; how many were made.

    Rows that landed in the DEFAULT partition for a day that gets its own partition are moved into it.
    A no-op on databases without partitioning.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return 0
    today = timezone.localdate(now or timezone.now())
    existing = partition_days(using)
    made = 0
    day = today - dt.timedelta(days=retention_days())
    with transaction.atomic(using=using), connection.cursor() as cursor:
        while day <= today + dt.timedelta(days=days_ahead):
            if day not in existing:
                name = f"{TABLE}_p{day:%Y%m%d}"
                low, high = _bound(day), _bound(day + dt.timedelta(days=1))
                cursor.execute(
                    f"SELECT 1 FROM {_quote(DEFAULT_PARTITION)} "  # noqa: S608 (names are ours, checked by _quote)
                    "WHERE checked_in_at >= %s AND checked_in_at < %s LIMIT 1",
                    [low, high],
                )
                strays = cursor.fetchone() is not None
                if strays:
                    cursor.execute(f"CREATE TEMPORARY TABLE checkins_strays (LIKE {_quote(TABLE)}) ON COMMIT DROP")
                    cursor.execute(
                        f"WITH moved AS (DELETE FROM {_quote(DEFAULT_PARTITION)} "  # noqa: S608
                        "WHERE checked_in_at >= %s AND checked_in_at < %s RETURNING *) "
                        "INSERT INTO checkins_strays SELECT * FROM moved",
                        [low, high],
                    )
                cursor.execute(
                    f"CREATE TABLE {_quote(name)} PARTITION OF {_quote(TABLE)} FOR VALUES FROM (%s) TO (%s)",
                    [low, high],
                )
                if strays:
                    cursor.execute(f"INSERT INTO {_quote(TABLE)} SELECT * FROM checkins_strays")  # noqa: S608
                    cursor.execute("DROP TABLE checkins_strays")
                made += 1
            day += dt.timedelta(days=1)
    if made:
        logger.info("Created %s daily check-in partitions.", made)
    return made


def purge_expired(*, now: dt.datetime | None = None, using: str = DEFAULT_DB_ALIAS) -> int:
    """Delete check-ins older than the retention period; the deletion is logged as counts only.

    On PostgreSQL whole days go by dropping their partitions; the boundary day and the DEFAULT partition
    are trimmed with a DELETE.
    """
    now = now or timezone.now()
    before = now - dt.timedelta(days=retention_days())
    connection = connections[using]
    deleted = 0
    dropped = 0
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            ensure_partitions(now=now, using=using)
            with connection.cursor() as cursor:
                # Deferred foreign-key checks of rows written earlier in this transaction would block the DROP.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for day, name in sorted(partition_days(using).items()):
                    if _local_midnight(day + dt.timedelta(days=1)) > before:
                        continue
                    cursor.execute(f"SELECT count(*) FROM {_quote(name)}")  # noqa: S608
                    deleted += int(cursor.fetchone()[0])
                    cursor.execute(f"ALTER TABLE {_quote(TABLE)} DETACH PARTITION {_quote(name)}")
                    cursor.execute(f"DROP TABLE {_quote(name)}")
                    dropped += 1
        trimmed, _by_model = CheckIn.objects.using(using).filter(checked_in_at__lt=before).delete()
        deleted += trimmed
        audit.record(
            None,
            AuditAction.DELETE,
            "checkin",
            detail={"deleted": deleted, "before": before.isoformat(), "partitions_dropped": dropped},
        )
    logger.info("Purged %s check-ins older than %s (%s day partitions dropped).", deleted, before.isoformat(), dropped)
    return deleted
