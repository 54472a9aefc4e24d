"""Directives: sending them down to chosen units, reading and acknowledging them, following them up.

The province sends to any district or commune, a district to its communes; a unit outside the sender's
jurisdiction is a 422 naming ``units`` and nothing is stored. Each recipient unit gets one
``DirectiveRecipient``: the first opening by one of its officers marks it read, one acknowledgement (with a note)
closes it. The sender's side (accounts whose units cover the sending unit) sees read and acknowledged counts and
the overdue acknowledgements. The officers of each recipient unit are notified once: a retried send (same
``request_key``) returns the directive stored the first time and sends nothing again.

An attachment (PDF, DOCX, XLSX, PNG or JPEG, at most 10 MB) is checked by its content, stored under the media
folder and served by a view to the sender's side and the recipients only.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.core import access
from phongdich.core.errors import FieldError, InvalidInput, NotFound
from phongdich.core.text import clean_text
from phongdich.geo.models import AdministrativeUnit, Level
from phongdich.reports.models import Directive, DirectiveRecipient

if TYPE_CHECKING:
    from phongdich.accounts.models import User

TITLE_MAX = 200
BODY_MAX = 20_000
NOTE_MAX = 2000
DEFAULT_ACK_HOURS = 24
MAX_ACK_HOURS = 30 * 24
REQUEST_KEY_MAX = 64

# Detected type -> (content type, the file name endings it may carry).
ATTACHMENT_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "pdf": ("application/pdf", (".pdf",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
    "png": ("image/png", (".png",)),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg")),
}


def max_attachment_bytes() -> int:
    return int(getattr(settings, "PHONGDICH_DIRECTIVE_MAX_BYTES", 10 * 1024 * 1024))


def detect_type(content: bytes) -> str | None:
    """The attachment's real type from its first bytes (and, for Office files, the parts the zip holds)."""
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if content.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError):
            return None
        if "[Content_Types].xml" in names:
            if "word/document.xml" in names:
                return "docx"
            if "xl/workbook.xml" in names:
                return "xlsx"
    return None


@dataclass(frozen=True)
class Attachment:
    name: str
    content: bytes


@dataclass(frozen=True)
class DirectiveInput:
    """A directive. ``units``: official codes of districts or communes; ``all_communes_of``: district codes
    whose every commune receives it."""

    title: str
    body: str = ""
    units: Sequence[str] = field(default_factory=tuple)
    all_communes_of: Sequence[str] = field(default_factory=tuple)
    acknowledge_within_hours: int = DEFAULT_ACK_HOURS
    request_key: str = ""


def may_send(actor: User) -> bool:
    return access.can(actor, "directive", "add") and actor.role not in access.AGGREGATE_ONLY_ROLES


def sender_unit_of(actor: User) -> AdministrativeUnit | None:
    """The unit a directive is sent from: the account's outermost unit (the province for a superuser)."""
    paths = access.outermost(actor.unit_paths())
    if paths:
        return AdministrativeUnit.objects.filter(path=paths[0]).first()
    if actor.is_superuser:
        return AdministrativeUnit.objects.provinces().order_by("path").first()
    return None


def _recipient_units(
    actor: User, sender_unit: AdministrativeUnit, data: DirectiveInput, errors: list[FieldError]
) -> list[AdministrativeUnit]:
    codes = [clean_text(str(code)) for code in data.units if clean_text(str(code))]
    district_codes = [clean_text(str(code)) for code in data.all_communes_of if clean_text(str(code))]
    chosen: dict[int, AdministrativeUnit] = {}
    found = {unit.code: unit for unit in AdministrativeUnit.objects.filter(code__in=codes + district_codes)}

    def allowed(unit: AdministrativeUnit | None) -> bool:
        # Strictly below the sending unit, and within the sender's scope.
        return (
            unit is not None
            and unit.level in (Level.DISTRICT, Level.COMMUNE)
            and unit.path != sender_unit.path
            and unit.path.startswith(sender_unit.path)
            and access.unit_in_scope(actor, unit.path)
        )

    outside = [code for code in codes if not allowed(found.get(code))]
    if outside:
        errors.append(
            FieldError(
                "units",
                _("These units are not in your jurisdiction or do not exist: %(codes)s")
                % {"codes": ", ".join(outside)},
            )
        )
    for code in codes:
        unit = found.get(code)
        if unit is not None and allowed(unit):
            chosen[unit.pk] = unit
    for code in district_codes:
        district = found.get(code)
        # A district may send to all its own communes: the shortcut's district may be the sending unit itself.
        own_or_below = district is not None and district.path.startswith(sender_unit.path)
        if district is None or district.level != Level.DISTRICT or not own_or_below:
            errors.append(
                FieldError(
                    "all_communes_of", _("No district with code %(code)s in your jurisdiction.") % {"code": code}
                )
            )
            continue
        for commune in AdministrativeUnit.objects.communes().filter(path__startswith=district.path):
            chosen[commune.pk] = commune
    if not chosen and not errors:
        errors.append(FieldError("units", _("Choose at least one recipient unit.")))
    return sorted(chosen.values(), key=lambda unit: unit.path)


def _check_attachment(attachment: Attachment | None, errors: list[FieldError]) -> tuple[str, str] | None:
    if attachment is None:
        return None
    if len(attachment.content) > max_attachment_bytes():
        errors.append(
            FieldError("attachment", _("The file is larger than %(n)s MB.") % {"n": max_attachment_bytes() // 2**20})
        )
        return None
    kind = detect_type(attachment.content)
    suffix = PurePath(attachment.name or "").suffix.lower()
    if kind is None or suffix not in ATTACHMENT_TYPES[kind][1]:
        errors.append(FieldError("attachment", _("Attach a PDF, Word (DOCX), Excel (XLSX), PNG or JPEG file.")))
        return None
    return kind, ATTACHMENT_TYPES[kind][0]


def send_directive(actor: User, data: DirectiveInput, attachment: Attachment | None = None) -> tuple[Directive, bool]:
    """Send a directive; returns (directive, created). A retry with the same ``request_key`` returns the first."""
    if not may_send(actor):
        raise NotFound()
    request_key = clean_text(data.request_key or "")
    if request_key:
        existing = Directive.objects.filter(sender=actor, request_key=request_key).first()
        if existing is not None:
            return existing, False
    errors: list[FieldError] = []
    sender_unit = sender_unit_of(actor)
    if sender_unit is None:
        raise NotFound()
    title = clean_text(data.title or "")
    if not title:
        errors.append(FieldError("title", _("This field is required.")))
    elif len(title) > TITLE_MAX:
        errors.append(FieldError("title", _("At most %(n)s characters.") % {"n": TITLE_MAX}))
    body = (data.body or "").strip().replace("\r\n", "\n")
    if len(body) > BODY_MAX:
        errors.append(FieldError("body", _("At most %(n)s characters.") % {"n": BODY_MAX}))
    hours = data.acknowledge_within_hours
    if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= MAX_ACK_HOURS:
        errors.append(FieldError("acknowledge_within_hours", _("Between 1 and %(n)s hours.") % {"n": MAX_ACK_HOURS}))
    if len(request_key) > REQUEST_KEY_MAX:
        errors.append(FieldError("request_key", _("At most %(n)s characters.") % {"n": REQUEST_KEY_MAX}))
    units = _recipient_units(actor, sender_unit, data, errors)
    kind = _check_attachment(attachment, errors)
    if errors:
        raise InvalidInput(_("The request has errors."), errors)
    now = timezone.now()
    directive = Directive(
        title=title,
        body=body,
        sender=actor if actor.pk else None,
        sender_unit=sender_unit,
        sent_at=now,
        acknowledge_by=now + dt.timedelta(hours=hours),
        request_key=request_key,
    )
    try:
        with transaction.atomic():
            if attachment is not None and kind is not None:
                directive.attachment_name = clean_text(PurePath(attachment.name).name)[:200]
                directive.attachment_type = kind[1]
                directive.attachment.save(
                    f"{kind[0]}-{now:%Y%m%d%H%M%S}.{kind[0]}", ContentFile(attachment.content), save=False
                )
            directive.save(force_insert=True)
            DirectiveRecipient.objects.bulk_create(DirectiveRecipient(directive=directive, unit=unit) for unit in units)
            audit.record(
                actor,
                AuditAction.CREATE,
                "directive",
                directive.pk,
                detail={"units": len(units), "attachment": bool(kind)},
            )
            _notify(directive, units)
    except IntegrityError:
        if directive.attachment:
            directive.attachment.delete(save=False)
        existing = Directive.objects.filter(sender=actor, request_key=request_key).first() if request_key else None
        if existing is None:
            raise
        return existing, False
    return directive, True


def unit_officers(unit: AdministrativeUnit) -> list[User]:
    """The active accounts assigned to exactly this unit that read and acknowledge directives."""
    from phongdich.accounts.models import User

    candidates = User.objects.filter(is_active=True, units=unit).distinct().order_by("pk")
    return [user for user in candidates if access.can(user, "directive", "change") and user.role != "citizen"]


def _notify(directive: Directive, units: Sequence[AdministrativeUnit]) -> None:
    from phongdich.notify import services as notify

    link = reverse("directive-detail", args=[directive.pk])
    for unit in units:
        for officer in unit_officers(unit):
            notify.notify(
                event_key=f"directive:{directive.pk}:unit:{unit.pk}",
                template="directive_received",
                context={
                    "title": directive.title,
                    "sender_unit": directive.sender_unit.name,
                    "acknowledge_by": directive.acknowledge_by,
                    "link": link,
                },
                user=officer,
                commune=unit,
            )


# --- the sender's side -----------------------------------------------------------------------------------


def sent_directives(actor: User) -> models.QuerySet[Directive]:
    """Directives sent from units within the actor's scope, with read, acknowledged and overdue counts."""
    if not access.can(actor, "directive", "view") or actor.role in access.AGGREGATE_ONLY_ROLES:
        return Directive.objects.none()
    now = timezone.now()
    unacknowledged = models.Q(recipients__acknowledged_at__isnull=True)
    return (
        Directive.objects.filter(
            access.units_within(actor.unit_paths(), prefix="sender_unit__") if not actor.is_superuser else models.Q()
        )
        .select_related("sender_unit", "sender")
        .annotate(
            recipient_count=models.Count("recipients", distinct=True),
            read_count=models.Count("recipients", filter=models.Q(recipients__read_at__isnull=False), distinct=True),
            acknowledged_count=models.Count(
                "recipients", filter=models.Q(recipients__acknowledged_at__isnull=False), distinct=True
            ),
            overdue_count=models.Count(
                "recipients", filter=unacknowledged & models.Q(acknowledge_by__lt=now), distinct=True
            ),
        )
        .order_by("-sent_at", "-id")
    )


def overdue_recipients(actor: User) -> models.QuerySet[DirectiveRecipient]:
    """Recipient units of the actor's sent directives that have not acknowledged by the due time."""
    sent = sent_directives(actor).values("pk")
    return (
        DirectiveRecipient.objects.filter(
            directive__in=sent, acknowledged_at__isnull=True, directive__acknowledge_by__lt=timezone.now()
        )
        .select_related("directive", "unit")
        .order_by("directive__acknowledge_by", "unit__path")
    )


def _is_sender_side(actor: User, directive: Directive) -> bool:
    return (
        access.can(actor, "directive", "view")
        and actor.role not in access.AGGREGATE_ONLY_ROLES
        and access.unit_in_scope(actor, directive.sender_unit.path)
    )


# --- the recipients' side ----------------------------------------------------------------------------------


def inbox(actor: User) -> models.QuerySet[DirectiveRecipient]:
    """The directives sent to the actor's own units, newest first."""
    if not access.can(actor, "directive", "view") or actor.role in access.AGGREGATE_ONLY_ROLES:
        return DirectiveRecipient.objects.none()
    return (
        DirectiveRecipient.objects.filter(unit__in=actor.units.all())
        .select_related("directive", "directive__sender_unit", "unit")
        .order_by("-directive__sent_at", "-directive_id", "unit__path")
    )


def unread_count(actor: User) -> int:
    return inbox(actor).filter(read_at__isnull=True).count()


@dataclass
class DirectiveView:
    """A directive as one account sees it: its recipient rows (its own units' when a recipient)."""

    directive: Directive
    own: list[DirectiveRecipient]
    recipients: list[DirectiveRecipient]
    sender_side: bool

    @property
    def acknowledged(self) -> bool:
        return bool(self.own) and all(row.acknowledged_at is not None for row in self.own)


def open_directive(actor: User, directive_id: object) -> DirectiveView:
    """A directive for a recipient (the first opening marks their unit's row read) or for the sender's side.

    Anyone else: 404, exactly as a missing directive.
    """
    directive = _find(directive_id)
    own_rows = list(inbox(actor).filter(directive=directive))
    sender_side = _is_sender_side(actor, directive)
    if not own_rows and not sender_side:
        raise NotFound()
    unread = [row.pk for row in own_rows if row.read_at is None]
    if unread:
        now = timezone.now()
        with transaction.atomic():
            # Only the first opening counts: a row another officer marked meanwhile keeps their time.
            DirectiveRecipient.objects.filter(pk__in=unread, read_at__isnull=True).update(read_at=now, read_by=actor)
            audit.record(actor, AuditAction.UPDATE, "directive", directive.pk, detail={"read": len(unread)})
        own_rows = list(inbox(actor).filter(directive=directive))
    recipients = (
        list(directive.recipients.select_related("unit", "read_by", "acknowledged_by").order_by("unit__path"))
        if sender_side
        else own_rows
    )
    return DirectiveView(directive=directive, own=own_rows, recipients=recipients, sender_side=sender_side)


def _find(directive_id: object) -> Directive:
    if isinstance(directive_id, int) and not 0 < directive_id < 2**63:
        raise NotFound()
    try:
        return Directive.objects.select_related("sender_unit", "sender").get(pk=directive_id)  # type: ignore[misc]
    except (Directive.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound() from None


def acknowledge(actor: User, directive_id: object, note: str = "") -> DirectiveView:
    """Acknowledge a directive for the actor's recipient units. Already acknowledged: unchanged (a retry)."""
    text = (note or "").strip()
    if len(text) > NOTE_MAX:
        raise InvalidInput(
            _("The request has errors."), [FieldError("note", _("At most %(n)s characters.") % {"n": NOTE_MAX})]
        )
    directive = _find(directive_id)
    if not access.can(actor, "directive", "change"):
        raise NotFound()
    rows = list(inbox(actor).filter(directive=directive))
    if not rows:
        raise NotFound()
    pending = [row.pk for row in rows if row.acknowledged_at is None]
    if pending:
        now = timezone.now()
        with transaction.atomic():
            DirectiveRecipient.objects.filter(pk__in=pending, read_at__isnull=True).update(read_at=now, read_by=actor)
            DirectiveRecipient.objects.filter(pk__in=pending, acknowledged_at__isnull=True).update(
                acknowledged_at=now, acknowledged_by=actor, note=text
            )
            audit.record(actor, AuditAction.UPDATE, "directive", directive.pk, detail={"acknowledged": len(pending)})
    return open_directive(actor, directive.pk)


def attachment_for(actor: User, directive_id: object) -> Directive:
    """The directive whose attachment the actor may download (its sender's side or a recipient), else 404."""
    directive = _find(directive_id)
    if not directive.attachment:
        raise NotFound()
    if not _is_sender_side(actor, directive) and not inbox(actor).filter(directive=directive).exists():
        raise NotFound()
    audit.record(actor, AuditAction.VIEW, "directive_attachment", directive.pk)
    return directive
