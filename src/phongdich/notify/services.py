"""Queueing, delivering, retrying and reading messages.

``notify`` writes the message in the caller's transaction (the outbox row) and delivers it after commit in a
background job (at once without a broker). The same (event, recipient, channel) is stored once, enforced by a
unique constraint, so a retried flow or two processes racing never send twice. A failed attempt is retried
after 1, 5 and 30 minutes and 2 hours (``notify.deliver_due`` runs every minute); after the last, the message
is given up and a ``failed_message`` task goes on the work list of the recipient's commune.

Logs name messages by id only: never an address or a text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from phongdich.accounts.models import User
from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.core import access
from phongdich.core.errors import Conflict, FieldError, NotFound
from phongdich.geo.models import AdministrativeUnit, Level
from phongdich.notify import channels, templates
from phongdich.notify.models import Message, MessageStatus
from phongdich.people.models import Person

logger = logging.getLogger(__name__)

# Waits after the 1st, 2nd, 3rd and 4th failed attempt; the 5th failure gives up.
BACKOFF: tuple[dt.timedelta, ...] = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
)
# A message queued this long without its delivery job having run (lost job, broker down) is picked up.
LOST_AFTER = dt.timedelta(minutes=2)
# A delivery "sending" this long was interrupted (worker killed): counted as a failed attempt.
STUCK_AFTER = dt.timedelta(minutes=10)
# How long an officer has to deal with a message that could not be delivered.
FAILED_TASK_DUE = dt.timedelta(hours=4)
GIVEN_UP_PREFIX = "notify.given_up:"


def max_attempts() -> int:
    return int(getattr(settings, "PHONGDICH_NOTIFY_MAX_ATTEMPTS", len(BACKOFF) + 1))


def _recipient_key(person: Person | None, user: User | None, address: str | None) -> str:
    if person is not None:
        return f"person:{person.pk}"
    if user is not None:
        return f"user:{user.pk}"
    # A bare address (a gateway's test number): keyed by a digest, so the key itself holds no phone.
    return "address:" + hashlib.sha256((address or "").encode("utf-8")).hexdigest()[:40]


def _unit_for(person: Person | None, user: User | None, commune: AdministrativeUnit | None) -> AdministrativeUnit:
    """Whose officers follow the message: the one named, the person's commune, the account's unit, the province."""
    if commune is not None:
        return commune
    if person is not None:
        return person.home_commune
    if user is not None:
        unit = user.units.order_by("-path").first()
        if unit is not None:
            return unit
    province = AdministrativeUnit.objects.filter(level=Level.PROVINCE).order_by("path").first()
    if province is None:
        raise ValueError("No administrative unit is loaded: a message needs one.")
    return province


def _address(channel: channels.Channel, person: Person | None, user: User | None) -> str:
    if person is not None:
        return channel.address_for_person(person)
    if user is not None:
        return channel.address_for_user(user)
    return ""


def notify(
    *,
    event_key: str,
    template: str,
    context: dict[str, object],
    person: Person | None = None,
    user: User | None = None,
    channel: str | None = None,
    address: str | None = None,
    commune: AdministrativeUnit | None = None,
) -> Message | None:
    """Queue one message for one recipient, once per (event, recipient, channel); delivered after commit.

    Returns the message (the one stored before, for an event seen again), or None when the recipient has no
    address on that channel: the message is then stored with status ``no_address`` for officers to see.
    Programming errors (no recipient, an unknown template or channel) raise ValueError.
    """
    event_key = (event_key or "").strip()
    if not event_key or len(event_key) > 200:
        raise ValueError("event_key has 1 to 200 characters.")
    if person is None and user is None and not address:
        raise ValueError("A message needs a person, an account or an address.")
    kind = "person" if person is not None else "user" if user is not None else "address"
    channel_name = channel or channels.default_channel(kind)
    chosen = channels.get_channel(channel_name)
    templates.get(template)
    recipient_key = _recipient_key(person, user, address)
    existing = Message.objects.filter(event_key=event_key, recipient_key=recipient_key, channel=channel_name).first()
    if existing is not None:
        return None if existing.status == MessageStatus.NO_ADDRESS else existing
    subject, body = templates.render(template, context)
    to = (address or _address(chosen, person, user)).strip()[:255]
    message = Message(
        event_key=event_key,
        template=template,
        subject=subject[:255],
        body=body,
        channel=channel_name,
        address=to,
        person=person,
        user=user,
        recipient_key=recipient_key,
        commune=_unit_for(person, user, commune),
        status=MessageStatus.QUEUED if to else MessageStatus.NO_ADDRESS,
        next_attempt_at=None,
    )
    try:
        with transaction.atomic():
            message.save(force_insert=True)
            if person is not None:
                audit.record(
                    None,
                    AuditAction.CREATE,
                    "message",
                    message.pk,
                    detail={"person": person.pk, "template": template, "channel": channel_name},
                )
    except IntegrityError:
        # The same event reached this recipient through another process at the same moment: one message.
        existing = Message.objects.filter(
            event_key=event_key, recipient_key=recipient_key, channel=channel_name
        ).first()
        if existing is None:
            raise
        return None if existing.status == MessageStatus.NO_ADDRESS else existing
    if not to:
        logger.info("Message %s has no address on channel %s.", message.pk, channel_name)
        return None
    schedule_delivery(message.pk)
    return message


def schedule_delivery(message_id: int) -> None:
    """Deliver once the current transaction commits: in a worker, or here when there is no broker."""
    # robust: a broker that is down must not fail the request whose work is committed; deliver_due catches up.
    transaction.on_commit(lambda: _enqueue(message_id), robust=True)


def _enqueue(message_id: int) -> None:
    from phongdich.notify.tasks import deliver_message

    if deliver_message.app.conf.task_always_eager:
        deliver_message.apply(args=(message_id,), throw=True)
    else:
        deliver_message.delay(message_id)


def deliver(message_id: int, *, now: dt.datetime | None = None) -> str:
    """One delivery attempt of a message that is due; the status it ends in ("" when not due or not found).

    The attempt is claimed by a conditional update, so two workers never send the same message at once.
    """
    now = now or timezone.now()
    due = models.Q(next_attempt_at__isnull=True) | models.Q(next_attempt_at__lte=now)
    claimed = (
        Message.objects.filter(pk=message_id, status__in=[MessageStatus.QUEUED, MessageStatus.FAILED])
        .filter(due)
        .update(status=MessageStatus.SENDING, attempts=models.F("attempts") + 1, updated_at=now)
    )
    if not claimed:
        return ""
    message = Message.objects.get(pk=message_id)
    try:
        channels.get_channel(message.channel).send(message)
    except channels.DeliveryError as exc:
        return _failed(message, str(exc), now)
    except Exception as exc:  # a channel's bug must not leave the message "sending" for ever
        logger.exception("Channel %s failed on message %s.", message.channel, message.pk)
        return _failed(message, f"channel error ({type(exc).__name__})", now)
    # No task to close here: a message leaves "given up" only through retry_message, which closes them.
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.SENT, sent_at=timezone.now(), next_attempt_at=None, last_error=""
    )
    logger.info("Message %s sent on %s (attempt %s).", message.pk, message.channel, message.attempts)
    return MessageStatus.SENT


def _failed(message: Message, reason: str, now: dt.datetime) -> str:
    reason = reason[:255]
    if message.attempts >= max_attempts():
        with transaction.atomic():
            Message.objects.filter(pk=message.pk).update(
                status=MessageStatus.GIVEN_UP, next_attempt_at=None, last_error=reason
            )
            message.status = MessageStatus.GIVEN_UP
            message.last_error = reason
            _surface(message, now)
        logger.warning("Message %s given up after %s attempts: %s", message.pk, message.attempts, reason)
        return MessageStatus.GIVEN_UP
    wait = BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.FAILED, next_attempt_at=now + wait, last_error=reason
    )
    logger.info("Message %s attempt %s failed (%s); next in %s.", message.pk, message.attempts, reason, wait)
    return MessageStatus.FAILED


def _surface(message: Message, now: dt.datetime) -> None:
    """Put a given-up message on the work list of the officers of its unit."""
    from phongdich.tasks import services as tasks
    from phongdich.tasks.models import Task, TaskKind

    prefix = f"{GIVEN_UP_PREFIX}{message.pk}:"
    # One task per give-up: a message retried by hand and given up again makes a new one.
    number = Task.objects.filter(source_key__startswith=prefix).count() + 1
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Message not delivered: %(template)s (message %(id)s)") % {
            "template": message.template,
            "id": message.pk,
        }
        details = _("Reach the recipient another way, or correct the address and retry the message.")
    tasks.create_task(
        None,
        kind=TaskKind.FAILED_MESSAGE,
        commune=message.commune,
        title=title,
        due_at=now + FAILED_TASK_DUE,
        person=message.person,
        source_key=f"{prefix}{number}",
        details=details,
    )


def _close_given_up_tasks(message: Message, note: str, actor: User | None = None) -> None:
    from phongdich.tasks import services as tasks
    from phongdich.tasks.models import Task, TaskStatus

    keys = Task.objects.filter(
        source_key__startswith=f"{GIVEN_UP_PREFIX}{message.pk}:", status=TaskStatus.OPEN
    ).values_list("source_key", flat=True)
    for key in list(keys):
        tasks.complete_by_source(key, note=note, actor=actor)


def deliver_due(now: dt.datetime | None = None, *, limit: int = 500) -> int:
    """Attempt every message whose retry is due, whose job was lost, or whose attempt was cut off; how many."""
    now = now or timezone.now()
    # An attempt cut off (worker killed mid-send) counts as failed; it is retried like any other.
    Message.objects.filter(status=MessageStatus.SENDING, updated_at__lt=now - STUCK_AFTER).update(
        status=MessageStatus.FAILED, next_attempt_at=now, last_error="attempt interrupted"
    )
    due = Message.objects.filter(
        models.Q(status=MessageStatus.FAILED, next_attempt_at__lte=now)
        | models.Q(status=MessageStatus.QUEUED, next_attempt_at__lte=now)
        | models.Q(status=MessageStatus.QUEUED, next_attempt_at__isnull=True, created_at__lte=now - LOST_AFTER)
    ).order_by("next_attempt_at", "id")
    done = 0
    for message_id in list(due.values_list("pk", flat=True)[:limit]):
        if deliver(message_id, now=now):
            done += 1
    return done


# --- Officers' screens and API -------------------------------------------------------------------------


def search_messages(actor: User, *, status: str = "", template: str = "") -> models.QuerySet[Message]:
    """The messages the actor may see (their units' recipients), newest first."""
    if not access.can(actor, "message", "view"):
        raise NotFound()
    messages = access.restrict(Message.objects.all(), actor, "view")
    if status:
        messages = messages.filter(status=status)
    if template:
        messages = messages.filter(template=template)
    return messages.select_related("commune", "person", "user").order_by("-created_at", "-id")


def get_message(actor: User, message_id: object) -> Message:
    message = access.get_or_404(
        Message.objects.select_related("commune", "person", "user"), actor, "view", pk=message_id
    )
    audit.record(actor, AuditAction.VIEW, "message", message.pk, detail={"person": message.person_id})
    return message


def record_list_read(actor: User, messages: Sequence[Message]) -> None:
    if messages:
        audit.record(actor, AuditAction.LIST, "message", object_ids=[message.pk for message in messages])


def retry_message(actor: User, message_id: object) -> Message:
    """Try a failed, given-up or address-less message again now (an officer's decision), with a fresh back-off.

    A message without an address takes the recipient's current one (the phone may have been corrected).
    """
    with transaction.atomic():
        message = access.get_or_404(
            Message.objects.select_for_update(of=("self",)).select_related("person", "user"),
            actor,
            "change",
            pk=message_id,
        )
        if message.status not in (MessageStatus.FAILED, MessageStatus.GIVEN_UP, MessageStatus.NO_ADDRESS):
            raise Conflict(
                _("Only a failed or undelivered message can be retried."),
                [FieldError("status", _("Only a failed or undelivered message can be retried."))],
            )
        if not message.address:
            fresh = _address(channels.get_channel(message.channel), message.person, message.user).strip()[:255]
            if not fresh:
                raise Conflict(
                    _("The recipient still has no address for this channel."),
                    [FieldError("address", _("The recipient still has no address for this channel."))],
                )
            message.address = fresh
        message.status = MessageStatus.QUEUED
        message.attempts = 0
        message.next_attempt_at = None
        message.save(update_fields=["address", "status", "attempts", "next_attempt_at", "updated_at"])
        _close_given_up_tasks(message, _("Retried by an officer."), actor)
        audit.record(actor, AuditAction.UPDATE, "message", message.pk, detail={"retried": True})
        schedule_delivery(message.pk)
    return message


def counts_by_status(actor: User) -> dict[str, Any]:
    """How many messages of each status the actor's area has (the screen's filter)."""
    rows = access.restrict(Message.objects.all(), actor, "view").values("status").annotate(n=models.Count("id"))
    return {row["status"]: row["n"] for row in rows}
