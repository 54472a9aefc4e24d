"""Every read and write of venues: registration, approval, QR keys, stay rules, safety self-assessment.

Views and API handlers call these and nothing else, so scope and audit cannot be forgotten.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from phongdich.accounts.models import User
from phongdich.accounts.roles import Role
from phongdich.accounts.services import create_account
from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.core import access
from phongdich.core.errors import Conflict, DomainError, FieldError, InvalidInput, NotFound
from phongdich.core.text import clean_text
from phongdich.geo.models import AdministrativeUnit, Level
from phongdich.venues.models import (
    RetiredQrKey,
    RiskClass,
    SafetyAssessment,
    SafetyChecklist,
    StayRule,
    Venue,
    VenueKind,
    VenueStatus,
    VenueStatusChange,
    new_qr_key,
    new_venue_code,
)

EDITABLE_FIELDS = ("name", "kind", "commune", "address", "latitude", "longitude", "capacity")
MAX_CAPACITY = 1_000_000
MAX_PLAN_BYTES = 10 * 1024 * 1024

# How long a visit lasts when nobody checks out, if the province set no rule for the kind of venue.
DEFAULT_STAY_MINUTES: dict[str, int] = {
    VenueKind.MARKET: 60,
    VenueKind.SUPERMARKET: 45,
    VenueKind.SHOP: 20,
    VenueKind.RESTAURANT: 60,
    VenueKind.OFFICE: 480,
    VenueKind.FACTORY: 480,
    VenueKind.SCHOOL: 420,
    VenueKind.CLINIC: 120,
    VenueKind.PHARMACY: 15,
    VenueKind.HOTEL: 720,
    VenueKind.TOURIST_SITE: 180,
    VenueKind.BUS: 90,
    VenueKind.FERRY: 90,
    VenueKind.STATION: 60,
    VenueKind.RELIGIOUS_SITE: 90,
    VenueKind.EVENT: 180,
}
FALLBACK_STAY_MINUTES = 60

# Which status a commune may move a venue to, from which.
TRANSITIONS: dict[str, frozenset[str]] = {
    VenueStatus.PENDING: frozenset({VenueStatus.ACTIVE, VenueStatus.CLOSED}),
    VenueStatus.ACTIVE: frozenset({VenueStatus.SUSPENDED, VenueStatus.CLOSED}),
    VenueStatus.SUSPENDED: frozenset({VenueStatus.ACTIVE, VenueStatus.CLOSED}),
    VenueStatus.CLOSED: frozenset({VenueStatus.ACTIVE}),
}


class RetiredQrCode(DomainError):
    """A poster whose QR was replaced: nothing is recorded, and the visitor is told why."""

    def __init__(self, venue_name: str = "") -> None:
        super().__init__(
            detail=_(
                "This QR poster has been replaced and is no longer valid. "
                "Ask the venue for its new QR code, or declare at the entrance."
            ),
            status=410,
            extra={"venue": venue_name} if venue_name else {},
        )


@dataclass(frozen=True)
class VenueInput:
    """What a caller sends; any field may be missing on update. ``commune`` is an official code."""

    name: str | None = None
    kind: str | None = None
    commune: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    capacity: int | None = None

    def given(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in EDITABLE_FIELDS if getattr(self, name) is not None}


@dataclass(frozen=True)
class OperatorSignUp:
    """The public sign-up: the operator's account and the first venue."""

    username: str
    password: str
    full_name: str
    email: str = ""
    venue: VenueInput = field(default_factory=VenueInput)


# --- QR keys -------------------------------------------------------------------------------------


def venue_by_qr_key(key: str) -> Venue:
    """The venue whose poster carries ``key``. Unknown: NotFound; replaced by rotation: RetiredQrCode."""
    key = str(key or "").strip()
    if not key or len(key) > 64 or "\x00" in key:
        raise NotFound(_("This QR code belongs to no venue."))
    venue = Venue.objects.select_related("commune").filter(qr_key=key).first()
    if venue is not None:
        return venue
    retired = RetiredQrKey.objects.select_related("venue").filter(key=key).first()
    if retired is not None:
        raise RetiredQrCode(retired.venue.name)
    raise NotFound(_("This QR code belongs to no venue."))


def rotate_qr(actor: User, venue_id: object) -> Venue:
    """Replace the venue's poster key: the old one is retired (scans say so), a new poster must be printed."""
    with transaction.atomic():
        venue = access.get_or_404(Venue.objects.select_for_update(of=("self",)), actor, "change", pk=venue_id)
        RetiredQrKey.objects.create(venue=venue, key=venue.qr_key)
        venue.qr_key = new_qr_key()
        venue.qr_rotated_at = timezone.now()
        venue.save(update_fields=["qr_key", "qr_rotated_at", "updated_at"])
        audit.record(actor, AuditAction.UPDATE, "venue", venue.pk, detail={"fields": ["qr_key"]})
    return venue


# --- Registry ------------------------------------------------------------------------------------


def _clean(actor: User | None, data: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise; raise InvalidInput naming every bad field. Nothing is written here."""
    errors: list[FieldError] = []
    cleaned: dict[str, Any] = {}
    if "name" in data:
        name = clean_text(str(data["name"]))
        if not name:
            errors.append(FieldError("name", _("Enter the venue's name.")))
        elif len(name) > 200:
            errors.append(FieldError("name", _("A name has at most 200 characters.")))
        else:
            cleaned["name"] = name
    if "kind" in data:
        if data["kind"] not in VenueKind.values:
            errors.append(FieldError("kind", _("Choose a venue type from the list.")))
        else:
            cleaned["kind"] = data["kind"]
    if "commune" in data:
        code = str(data["commune"]).strip()
        commune = AdministrativeUnit.objects.filter(code=code, level=Level.COMMUNE).first()
        # Staff register venues of their own territory; operators anywhere in the province.
        staff_outside = (
            actor is not None
            and actor.role != Role.VENUE_OPERATOR
            and commune is not None
            and not access.unit_in_scope(actor, commune.path)
        )
        if commune is None or staff_outside:
            errors.append(FieldError("commune", _("No commune has the code %(code)s.") % {"code": code}))
        else:
            cleaned["commune"] = commune
    if "address" in data:
        address = clean_text(str(data["address"]))
        if not address:
            errors.append(FieldError("address", _("Enter the address.")))
        elif len(address) > 255:
            errors.append(FieldError("address", _("An address has at most 255 characters.")))
        else:
            cleaned["address"] = address
    for name, low, high in (("latitude", -90.0, 90.0), ("longitude", -180.0, 180.0)):
        if name in data:
            try:
                value = float(data[name])
            except (TypeError, ValueError):
                value = float("nan")
            if not low <= value <= high:
                errors.append(FieldError(name, _("Between %(low)s and %(high)s.") % {"low": low, "high": high}))
            else:
                cleaned[name] = value
    if ("latitude" in cleaned) != ("longitude" in cleaned) and not errors:
        missing = "longitude" if "latitude" in cleaned else "latitude"
        errors.append(FieldError(missing, _("Give both latitude and longitude, or neither.")))
    if "capacity" in data:
        capacity = data["capacity"]
        if not isinstance(capacity, int) or isinstance(capacity, bool) or not 0 < capacity <= MAX_CAPACITY:
            errors.append(FieldError("capacity", _("A whole number of people between 1 and 1,000,000.")))
        else:
            cleaned["capacity"] = capacity
    if errors:
        raise InvalidInput(_("The venue has errors."), errors)
    return cleaned


def _require(given: dict[str, Any]) -> list[FieldError]:
    return [
        FieldError(name, _("This field is required."))
        for name in ("name", "kind", "commune", "address")
        if name not in given
    ]


def _create(actor: User, data: VenueInput, operator: User | None) -> Venue:
    given = data.given()
    missing = _require(given)
    try:
        cleaned = _clean(actor, given)
    except InvalidInput as invalid:
        raise InvalidInput(invalid.detail, [*invalid.errors, *missing]) from None
    if missing:
        raise InvalidInput(_("The venue has errors."), missing)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                venue = Venue(**cleaned, code=new_venue_code(), registered_by=actor)
                # Staff registering a venue vouch for it; an operator's venue waits for the commune.
                if actor.role != Role.VENUE_OPERATOR:
                    venue.status = VenueStatus.ACTIVE
                    venue.status_changed_at = timezone.now()
                    venue.status_changed_by = actor
                venue.save()
                if operator is not None:
                    venue.operators.add(operator)
                audit.record(actor, AuditAction.CREATE, "venue", venue.pk, detail={"fields": sorted(cleaned)})
            return venue
        except IntegrityError:
            # Two venues drew the same 8-character code: draw again.
            continue
    raise Conflict(_("Could not give the venue a code; try again."))


def register_venue(actor: User, data: VenueInput) -> Venue:
    """A new venue. An operator's starts pending (and is theirs); a commune's starts active."""
    if not access.can(actor, "venue", "add"):
        raise NotFound()
    operator = actor if actor.role == Role.VENUE_OPERATOR else None
    return _create(actor, data, operator)


def sign_up_operator(data: OperatorSignUp) -> tuple[User, Venue]:
    """The public sign-up page: a venue-operator account and its first venue, pending approval."""
    errors: list[FieldError] = []
    username = data.username.strip()
    if not username or len(username) > 150 or not all(ch.isalnum() or ch in "@.+-_" for ch in username):
        errors.append(FieldError("username", _("Letters, digits and @ . + - _ only, at most 150.")))
    elif User.objects.filter(username__iexact=username).exists():
        errors.append(FieldError("username", _("This username is taken.")))
    try:
        validate_password(data.password, User(username=username, first_name=data.full_name, email=data.email))
    except ValidationError as invalid:
        errors.extend(FieldError("password", str(message)) for message in invalid.messages)
    full_name = clean_text(data.full_name)
    if not full_name or len(full_name) > 150:
        errors.append(FieldError("full_name", _("Enter your full name (at most 150 characters).")))
    given = data.venue.given()
    errors.extend(_require(given))
    try:
        _clean(None, given)
    except InvalidInput as invalid:
        errors.extend(invalid.errors)
    if errors:
        raise InvalidInput(_("The registration has errors."), errors)
    with transaction.atomic():
        user = create_account(
            username,
            role=Role.VENUE_OPERATOR,
            password_hash=make_password(data.password),
            full_name=full_name,
            email=data.email.strip()[:254],
        )
        venue = _create(user, data.venue, user)
    return user, venue


def get_venue(actor: User, venue_id: object, action: str = "view") -> Venue:
    return access.get_or_404(Venue.objects.select_related("commune", "commune__parent"), actor, action, pk=venue_id)


def update_venue(actor: User, venue_id: object, data: VenueInput) -> Venue:
    with transaction.atomic():
        venue = access.get_or_404(
            Venue.objects.select_for_update(of=("self",)).select_related("commune"), actor, "change", pk=venue_id
        )
        given = data.given()
        moved = "commune" in given and str(given["commune"]).strip() != venue.commune.code
        if actor.role == Role.VENUE_OPERATOR and moved and venue.status != VenueStatus.PENDING:
            # Moving an approved venue to another commune would take it from the commune that approved it.
            raise InvalidInput(
                _("The venue has errors."),
                [FieldError("commune", _("Ask the commune to move an approved venue."))],
            )
        cleaned = _clean(actor, given)
        changed = [name for name, value in cleaned.items() if getattr(venue, name) != value]
        for name in changed:
            setattr(venue, name, cleaned[name])
        if changed:
            venue.save()
        audit.record(actor, AuditAction.UPDATE, "venue", venue.pk, detail={"fields": sorted(changed)})
    return venue


def set_status(actor: User, venue_id: object, status: str, reason: str = "") -> Venue:
    """Approve, suspend, close or reopen a venue: commune staff only, and with a reason but for approval."""
    if actor.role == Role.VENUE_OPERATOR and not actor.is_superuser:
        raise NotFound()
    if status not in VenueStatus.values or status == VenueStatus.PENDING:
        raise InvalidInput(
            _("The request has errors."), [FieldError("status", _("Choose active, suspended or closed."))]
        )
    reason = clean_text(str(reason or ""))
    if len(reason) > 255:
        raise InvalidInput(_("The request has errors."), [FieldError("reason", _("At most 255 characters."))])
    with transaction.atomic():
        venue = access.get_or_404(Venue.objects.select_for_update(of=("self",)), actor, "change", pk=venue_id)
        if status == venue.status:
            raise Conflict(
                _("The venue is already %(status)s.") % {"status": VenueStatus(status).label},
                [FieldError("status", _("Unchanged."))],
            )
        if status not in TRANSITIONS[venue.status]:
            raise Conflict(
                _("A venue that is %(old)s cannot become %(new)s.")
                % {"old": VenueStatus(venue.status).label, "new": VenueStatus(status).label},
                [FieldError("status", _("Not allowed from the current status."))],
            )
        if status in (VenueStatus.SUSPENDED, VenueStatus.CLOSED) and not reason:
            raise InvalidInput(_("The request has errors."), [FieldError("reason", _("Give the reason."))])
        previous = venue.status
        venue.status = status
        venue.status_reason = reason
        venue.status_changed_at = timezone.now()
        venue.status_changed_by = actor
        venue.save(update_fields=["status", "status_reason", "status_changed_at", "status_changed_by", "updated_at"])
        # The reason is free text, so it is kept with the venue's history, not in the audit log.
        change = VenueStatusChange.objects.create(
            venue=venue,
            from_status=previous,
            to_status=status,
            reason=reason,
            changed_by=actor,
            changed_at=venue.status_changed_at,
        )
        audit.record(
            actor,
            AuditAction.UPDATE,
            "venue",
            venue.pk,
            detail={"fields": ["status"], "from": previous, "to": status, "status_change": change.pk},
        )
    return venue


def search_venues(
    actor: User, *, query: str = "", status: str = "", kind: str = "", commune: str = ""
) -> models.QuerySet[Venue]:
    """Venues in the actor's scope matching every criterion. ``query``: part of the name, or the code."""
    venues = access.restrict(Venue.objects.select_related("commune"), actor, "view")
    text = clean_text(query)
    if text:
        venues = venues.filter(models.Q(name__icontains=text) | models.Q(code=text.upper()))
    if status.strip():
        venues = venues.filter(status=status.strip())
    if kind.strip():
        venues = venues.filter(kind=kind.strip())
    if commune.strip():
        venues = venues.filter(commune__code=commune.strip())
    return venues


def venue_by_code(code: str) -> Venue:
    """The public page: any venue but those never approved. Carries no personal data."""
    code = str(code or "").strip().upper()
    if not code or len(code) > 12:
        raise NotFound()
    venue = (
        Venue.objects.select_related("commune", "commune__parent")
        .exclude(status=VenueStatus.PENDING)
        .filter(code=code)
        .first()
    )
    if venue is None:
        raise NotFound()
    return venue


@dataclass(frozen=True)
class VenueFigures:
    by_status: dict[str, int]
    by_kind: dict[str, int]
    total: int
    checkins_today: int
    checkins_7_days: int


def figures(actor: User, commune: str = "") -> VenueFigures:
    """Counts of the actor's venues by status and type, and check-ins there: numbers only, not audited."""
    from phongdich.checkins.models import CheckIn

    venues = search_venues(actor, commune=commune).order_by()
    by_status = {row["status"]: row["n"] for row in venues.values("status").annotate(n=models.Count("pk"))}
    by_kind = {row["kind"]: row["n"] for row in venues.values("kind").annotate(n=models.Count("pk"))}
    today = timezone.localdate()
    start_today = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    start_week = start_today - dt.timedelta(days=6)
    # Counted over the same venues (a subquery), never row by row: the figures carry no personal data.
    checkins = CheckIn.objects.filter(venue__in=venues.values("pk"), checked_in_at__gte=start_week)
    counts = checkins.aggregate(
        week=models.Count("uuid"), today=models.Count("uuid", filter=models.Q(checked_in_at__gte=start_today))
    )
    return VenueFigures(
        by_status=by_status,
        by_kind=by_kind,
        total=sum(by_status.values()),
        checkins_today=counts["today"] or 0,
        checkins_7_days=counts["week"] or 0,
    )


def activity_by_venue(venue_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Check-ins today and over the last 7 days at each of these venues: counts only, one query."""
    from phongdich.checkins.models import CheckIn

    if not venue_ids:
        return {}
    start_today = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))
    rows = (
        CheckIn.objects.filter(venue_id__in=venue_ids, checked_in_at__gte=start_today - dt.timedelta(days=6))
        .order_by()
        .values("venue_id")
        .annotate(
            week=models.Count("uuid"), today=models.Count("uuid", filter=models.Q(checked_in_at__gte=start_today))
        )
    )
    counts = {row["venue_id"]: (row["today"], row["week"]) for row in rows}
    return {venue_id: counts.get(venue_id, (0, 0)) for venue_id in venue_ids}


# --- Stay rules ----------------------------------------------------------------------------------


def default_stay_minutes(kind: str) -> int:
    """How long a visit to this kind of venue lasts when nobody checks out (the province's rule)."""
    rule = StayRule.objects.filter(kind=kind).values_list("minutes", flat=True).first()
    if rule:
        return int(rule)
    return DEFAULT_STAY_MINUTES.get(kind, FALLBACK_STAY_MINUTES)


# --- Response plan -------------------------------------------------------------------------------


def attach_response_plan(actor: User, venue_id: object, content: bytes, filename: str = "") -> Venue:
    """Keep the venue's epidemic response plan (a PDF of at most 10 MB) on file, replacing any older one."""
    if len(content) > MAX_PLAN_BYTES:
        raise InvalidInput(_("The file has errors."), [FieldError("file", _("A file of at most 10 MB."))])
    if not content.startswith(b"%PDF-"):
        raise InvalidInput(_("The file has errors."), [FieldError("file", _("Upload a PDF file."))])
    with transaction.atomic():
        venue = access.get_or_404(Venue.objects.select_for_update(of=("self",)), actor, "change", pk=venue_id)
        old = venue.response_plan.name if venue.response_plan else ""
        venue.response_plan.save("plan.pdf", ContentFile(content), save=False)
        venue.response_plan_uploaded_at = timezone.now()
        venue.save(update_fields=["response_plan", "response_plan_uploaded_at", "updated_at"])
        audit.record(actor, AuditAction.UPDATE, "venue", venue.pk, detail={"fields": ["response_plan"]})
    if old:
        venue.response_plan.storage.delete(old)
    return venue


def response_plan(actor: User, venue_id: object) -> tuple[Venue, bytes]:
    """The plan's bytes, for the venue's operators and staff in scope; the read is audited."""
    venue = get_venue(actor, venue_id)
    if not venue.response_plan:
        raise NotFound(_("No response plan is on file for this venue."))
    with venue.response_plan.open("rb") as handle:
        content = handle.read()
    audit.record(actor, AuditAction.EXPORT, "venue", venue.pk, detail={"fields": ["response_plan"]})
    return venue, content


# --- COVID-safety self-assessment ----------------------------------------------------------------

CLASS_ORDER = [RiskClass.SAFE, RiskClass.LOW, RiskClass.MEDIUM, RiskClass.HIGH, RiskClass.VERY_HIGH]


def current_checklist() -> SafetyChecklist:
    checklist = SafetyChecklist.objects.filter(is_active=True).order_by("-version").first()
    if checklist is None:
        raise NotFound(_("No safety checklist is in use; ask the province."))
    return checklist


def score_answers(checklist: SafetyChecklist, answers: dict[str, bool]) -> tuple[int, str]:
    """The score (percent of the total weight answered "yes") and the class it earns."""
    criteria: list[dict[str, Any]] = list(checklist.criteria)
    total = sum(int(c.get("weight", 1)) for c in criteria) or 1
    earned = sum(int(c.get("weight", 1)) for c in criteria if answers.get(str(c["key"])) is True)
    score = round(100 * earned / total)
    thresholds: dict[str, int] = {str(k): int(v) for k, v in dict(checklist.thresholds).items()}
    risk = RiskClass.VERY_HIGH
    for candidate in CLASS_ORDER[:-1]:
        if candidate in thresholds and score >= thresholds[candidate]:
            risk = candidate
            break
    critical_missed = any(c.get("critical") and answers.get(str(c["key"])) is not True for c in criteria)
    if critical_missed and CLASS_ORDER.index(risk) < CLASS_ORDER.index(RiskClass.HIGH):
        risk = RiskClass.HIGH
    return score, str(risk)


def assess_safety(actor: User, venue_id: object, answers: dict[str, Any]) -> SafetyAssessment:
    """Record the venue's answers to the current checklist; every criterion must be answered yes or no."""
    checklist = current_checklist()
    keys = [str(c["key"]) for c in checklist.criteria]
    errors = [
        FieldError(f"answers.{key}", _("Answer yes or no.")) for key in keys if not isinstance(answers.get(key), bool)
    ]
    errors += [
        FieldError(f"answers.{key}"[:80], _("Not a criterion of the checklist.")) for key in answers if key not in keys
    ]
    if errors:
        raise InvalidInput(_("The self-assessment has errors."), errors)
    clean_answers = {key: bool(answers[key]) for key in keys}
    score, risk = score_answers(checklist, clean_answers)
    with transaction.atomic():
        venue = access.get_or_404(Venue.objects.select_for_update(of=("self",)), actor, "change", pk=venue_id)
        assessment = SafetyAssessment.objects.create(
            venue=venue, checklist=checklist, answers=clean_answers, score=score, risk_class=risk, assessed_by=actor
        )
        venue.risk_class = risk
        venue.save(update_fields=["risk_class", "updated_at"])
        audit.record(
            actor,
            AuditAction.CREATE,
            "safety_assessment",
            assessment.pk,
            detail={"venue": venue.pk, "score": score, "class": risk},
        )
    return assessment


def status_history(venue: Venue, limit: int = 20) -> list[VenueStatusChange]:
    """The venue's latest status changes (the caller already holds the venue, so scope is checked)."""
    return list(venue.status_changes.select_related("changed_by")[:limit])


def latest_assessment(venue: Venue) -> SafetyAssessment | None:
    return SafetyAssessment.objects.select_related("checklist").filter(venue=venue).first()


def commune_for_posters(actor: User, code: str) -> AdministrativeUnit:
    """A commune the actor works in (staff only), for the all-posters PDF."""
    commune = AdministrativeUnit.objects.filter(code=str(code).strip()[:12], level=Level.COMMUNE).first()
    if (
        commune is None
        or actor.role == Role.VENUE_OPERATOR
        or not access.can(actor, "venue", "view")
        or not access.unit_in_scope(actor, commune.path)
    ):
        raise NotFound()
    return commune


def active_venues_of(actor: User, commune: AdministrativeUnit) -> list[Venue]:
    return list(
        access.restrict(Venue.objects.select_related("commune", "commune__parent"), actor, "view").filter(
            commune=commune, status=VenueStatus.ACTIVE
        )
    )
