"""Ways a message reaches someone: a registry of channels keyed by name.

- ``console``: appends to the outbox file (``PHONGDICH_NOTIFY_OUTBOX``, default ``var/outbox.log``), the demo's
  channel; addresses are phone numbers for persons, e-mail or account names for accounts.
- ``email``: Django's e-mail backend (SMTP in production); accounts' e-mail addresses.
- ``webhook``: an HTTP POST of ``{to, subject, body, message_id}`` as JSON to ``PHONGDICH_NOTIFY_WEBHOOK_URL``
  (an SMS or Zalo gateway), signed with HMAC-SHA256 of the body under ``PHONGDICH_NOTIFY_WEBHOOK_SECRET``
  in the ``X-PhongDich-Signature`` header; a reply other than 2xx is a failure. The gateway may see the
  same ``message_id`` twice (a crash between its reply and our record of it) and should drop the repeat.

Another channel (a Zalo OA client, say) is a class with the three methods of :class:`Channel`, named in
``PHONGDICH_NOTIFY_EXTRA_CHANNELS``. A channel raises :class:`DeliveryError` with a reason that holds no
address and no text: it is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from phongdich.accounts.models import User
    from phongdich.notify.models import Message
    from phongdich.people.models import Person

SIGNATURE_HEADER = "X-PhongDich-Signature"


class DeliveryError(Exception):
    """The channel could not deliver; the reason is safe to store (no address, no text)."""


class Channel(Protocol):
    name: str

    def address_for_person(self, person: Person) -> str: ...

    def address_for_user(self, user: User) -> str: ...

    def send(self, message: Message) -> None: ...


def _setting(name: str, default: object) -> object:
    return getattr(settings, name, default)


class ConsoleChannel:
    """The demo's channel: every message is appended to a text file (and, if asked, printed)."""

    name = "console"

    def address_for_person(self, person: Person) -> str:
        return person.phone or ""

    def address_for_user(self, user: User) -> str:
        return user.email or user.username

    def send(self, message: Message) -> None:
        outbox = Path(str(_setting("PHONGDICH_NOTIFY_OUTBOX", Path(settings.BASE_DIR) / "var" / "outbox.log")))
        at = timezone.localtime(timezone.now()).isoformat(timespec="seconds")
        text = (
            f"--- message {message.pk} · {message.template} · {at}\n"
            f"To: {message.address}\n"
            f"Subject: {message.subject}\n\n"
            f"{message.body.rstrip()}\n\n"
        )
        try:
            outbox.parent.mkdir(parents=True, exist_ok=True)
            with outbox.open("a", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            raise DeliveryError(f"outbox not writable ({type(exc).__name__})") from None
        if _setting("PHONGDICH_NOTIFY_CONSOLE_ECHO", False):
            print(text, end="")


class EmailChannel:
    name = "email"

    def address_for_person(self, person: Person) -> str:
        # The registry keeps no e-mail address for persons.
        return ""

    def address_for_user(self, user: User) -> str:
        return user.email or ""

    def send(self, message: Message) -> None:
        try:
            sent = send_mail(
                message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [message.address], fail_silently=False
            )
        except Exception as exc:  # SMTP and socket errors of every kind: a failed attempt, retried later
            raise DeliveryError(f"e-mail not accepted ({type(exc).__name__})") from None
        if sent != 1:
            raise DeliveryError("e-mail not accepted")


class WebhookChannel:
    """POST to an SMS/Zalo gateway. Persons by phone; accounts have no phone here."""

    name = "webhook"

    def address_for_person(self, person: Person) -> str:
        return person.phone or ""

    def address_for_user(self, user: User) -> str:
        return ""

    def send(self, message: Message) -> None:
        url = str(_setting("PHONGDICH_NOTIFY_WEBHOOK_URL", "") or "")
        if not url.startswith(("http://", "https://")):
            raise DeliveryError("webhook address not configured")
        payload = json.dumps(
            {"to": message.address, "subject": message.subject, "body": message.body, "message_id": message.pk},
            ensure_ascii=False,
        ).encode("utf-8")
        secret = str(_setting("PHONGDICH_NOTIFY_WEBHOOK_SECRET", "") or "")
        request = urllib.request.Request(url, data=payload, method="POST")  # noqa: S310 - http(s) only, checked above
        request.add_header("Content-Type", "application/json; charset=utf-8")
        request.add_header("X-PhongDich-Message-Id", str(message.pk))
        request.add_header(SIGNATURE_HEADER, "sha256=" + sign(payload, secret))
        timeout = float(str(_setting("PHONGDICH_NOTIFY_WEBHOOK_TIMEOUT", 10)))
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) only, checked
                status = response.status
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"gateway answered HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise DeliveryError(f"gateway unreachable ({type(exc).__name__})") from None
        if not 200 <= status < 300:
            raise DeliveryError(f"gateway answered HTTP {status}")


def sign(body: bytes, secret: str) -> str:
    """HMAC-SHA256 of the request body under the shared secret, hex: what the gateway checks."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


REGISTRY: dict[str, Channel] = {}


def register_channel(channel: Channel) -> None:
    REGISTRY[channel.name] = channel


def get_channel(name: str) -> Channel:
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"No notification channel named {name!r}.") from None


def default_channel(kind: str) -> str:
    """The channel for a kind of recipient ("person", "user", "address") from the settings."""
    chosen = dict(_setting("PHONGDICH_NOTIFY_CHANNELS", {}) or {})  # type: ignore[call-overload]
    return str(chosen.get(kind) or _setting("PHONGDICH_NOTIFY_DEFAULT_CHANNEL", "console"))


def register_configured_channels() -> None:
    """Channels an installation adds (``PHONGDICH_NOTIFY_EXTRA_CHANNELS``: dotted paths of classes)."""
    for path in list(_setting("PHONGDICH_NOTIFY_EXTRA_CHANNELS", []) or []):  # type: ignore[call-overload]
        register_channel(import_string(str(path))())


for _channel in (ConsoleChannel(), EmailChannel(), WebhookChannel()):
    register_channel(_channel)
