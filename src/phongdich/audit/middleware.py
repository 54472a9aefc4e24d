"""Puts the request's origin where the audit service can read it."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from phongdich.audit import context


def client_address(request: HttpRequest) -> str | None:
    from django.conf import settings

    proxies = int(getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0) or 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = context.set_current(
            context.RequestContext(
                ip_address=client_address(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
                channel="api" if request.path.startswith("/api/") else "web",
                request_id=uuid.uuid4().hex,
            )
        )
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        return response
