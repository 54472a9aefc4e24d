"""The registry of message texts: a name, a subject and a body, in Vietnamese, in Django template syntax.

Each app registers its texts when it starts (its ``notify_templates`` module, imported in ``AppConfig.ready``).
Texts are rendered as plain text (no HTML escaping) in Vietnamese, with dates in the province's time zone,
when the message is queued; the rendered text is what is stored and sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.template import Context, Engine, Template
from django.utils import timezone, translation

# Plain text: "Nguyễn Thị Đào & con" must reach the phone as typed, not as "&amp;".
ENGINE = Engine(autoescape=False)


@dataclass(frozen=True)
class MessageTemplate:
    name: str
    subject: str
    body: str
    compiled_subject: Template
    compiled_body: Template


_REGISTRY: dict[str, MessageTemplate] = {}


def register(name: str, *, subject: str, body: str) -> None:
    """Add a text. The same name again with the same text changes nothing; with another text it is an error."""
    if not name or len(name) > 60:
        raise ValueError("A template name has 1 to 60 characters.")
    existing = _REGISTRY.get(name)
    if existing is not None:
        if existing.subject == subject and existing.body == body:
            return
        raise ValueError(f"The message template {name!r} is already registered with another text.")
    # Compiled now, so a syntax error shows when the app starts rather than when a message is due.
    _REGISTRY[name] = MessageTemplate(
        name=name,
        subject=subject,
        body=body,
        compiled_subject=ENGINE.from_string(subject),
        compiled_body=ENGINE.from_string(body),
    )


def get(name: str) -> MessageTemplate:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"No message template named {name!r} is registered.") from None


def names() -> list[str]:
    return sorted(_REGISTRY)


def render(name: str, context: Mapping[str, object]) -> tuple[str, str]:
    """The subject (one line) and body of a text for this context, in Vietnamese, local time."""
    template = get(name)
    with translation.override("vi"), timezone.override(settings.TIME_ZONE):
        subject = str(template.compiled_subject.render(Context(dict(context), autoescape=False)))
        body = str(template.compiled_body.render(Context(dict(context), autoescape=False)))
    return " ".join(subject.split()), body.strip() + "\n"
