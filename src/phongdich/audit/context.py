"""Where the current request comes from, for the audit trail, without passing it through every call."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None = None
    user_agent: str = ""
    channel: str = "cli"
    request_id: str = ""


_OUTSIDE_REQUESTS = RequestContext()
_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "phongdich_request_context", default=None
)


def current() -> RequestContext:
    return _current.get() or _OUTSIDE_REQUESTS


def set_current(context: RequestContext) -> contextvars.Token[RequestContext | None]:
    return _current.set(context)


def reset(token: contextvars.Token[RequestContext | None]) -> None:
    _current.reset(token)
