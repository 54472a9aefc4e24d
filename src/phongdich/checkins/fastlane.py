"""A lean lane for the request devices send a thousand times a second: ``POST /api/v1/checkins``.

Django's whole stack (thirteen middleware, the URL resolver, django-ninja's operation) cost more CPU than the
check-in it carried. This lane serves the common request, a device's bearer token with a well-formed body,
with the same parts: the API's JSON parser, the token check (:class:`TokenAuth`), the body schema
(:class:`CheckInIn`), the handler's own code (:func:`recorded_response`) and the API's JSON encoder, inside
the middleware that act on a token request (security headers, language, audit context, X-Frame-Options).

Everything else is handed untouched to the full stack, which answers it as before: another path or method,
a cookie (a browser session, with its CSRF check), a query string, a body over 8 KB, a token that does not
authenticate, a body the schema refuses, and any refusal by the services (an unknown venue, a wrong time).
Nothing has been written when a request is handed over: the services refuse before they write, and the
write itself is idempotent.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

import orjson
from django.core import signals
from django.core.exceptions import DisallowedHost
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.http import HttpRequest, HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import set_script_prefix
from ninja.responses import NinjaJSONEncoder
from pydantic import ValidationError

from phongdich.audit.middleware import RequestContextMiddleware
from phongdich.core.api import FastJsonParser, TokenAuth
from phongdich.core.errors import DomainError
from phongdich.core.middleware import VietnameseFirstLocaleMiddleware

PATH = "/api/v1/checkins"
MAX_BODY_BYTES = 8192

StartResponse = Callable[..., Any]


class _HandedOver(HttpResponse):
    """What the lane's handler answers for a request the full stack must serve."""


def _served_here(environ: dict[str, Any]) -> bool:
    if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST":
        return False
    if environ.get("QUERY_STRING") or environ.get("HTTP_COOKIE"):
        return False
    if str(environ.get("HTTP_AUTHORIZATION", ""))[:7].lower() != "bearer ":
        return False
    length = str(environ.get("CONTENT_LENGTH") or "")
    return length.isdigit() and 0 < int(length) <= MAX_BODY_BYTES


class CheckinFastLane:
    """WSGI application: the lane for device check-ins in front of Django's own handler."""

    def __init__(self, full: WSGIHandler) -> None:
        self.full = full
        self.parser = FastJsonParser()
        self.auth = TokenAuth()
        # The middleware of settings.MIDDLEWARE that act on a token request, in the same order (outermost first).
        chain: Any = convert_exception_to_response(self.record)
        for middleware in (
            RequestContextMiddleware,
            XFrameOptionsMiddleware,
            VietnameseFirstLocaleMiddleware,
            SecurityMiddleware,
        ):
            chain = convert_exception_to_response(middleware(chain))
        self.chain: Callable[[HttpRequest], HttpResponse] = chain

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if not _served_here(environ):
            return self.full(environ, start_response)
        body = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        environ["wsgi.input"] = io.BytesIO(body)
        set_script_prefix(environ.get("SCRIPT_NAME", "") or "/")
        signals.request_started.send(sender=self.__class__, environ=environ)
        request = WSGIRequest(environ)
        response = self.chain(request)
        if isinstance(response, _HandedOver):
            response.close()  # ends this attempt (request_finished); the full stack starts its own
            environ["wsgi.input"] = io.BytesIO(body)
            return self.full(environ, start_response)
        start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
        return response

    def record(self, request: HttpRequest) -> HttpResponse:
        from phongdich.api import api
        from phongdich.checkins.api import CheckInIn, recorded_response

        try:
            request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware checks it
        except DisallowedHost:
            return _HandedOver()
        token = " ".join(request.META["HTTP_AUTHORIZATION"].split(" ")[1:])
        user = self.auth.authenticate(request, token)
        if user is None:
            return _HandedOver()
        try:
            payload = CheckInIn.model_validate(self.parser.parse_body(request))
        except (ValueError, ValidationError, DomainError):
            # ValueError is also the parser's JSONDecodeError. The full stack names the field.
            return _HandedOver()
        try:
            status, body = recorded_response(user, payload)
        except DomainError:
            return _HandedOver()
        content = orjson.dumps(body.model_dump(), default=_ENCODER.default, option=orjson.OPT_PASSTHROUGH_DATETIME)
        return HttpResponse(content, status=status, content_type=api.get_content_type())


# Values as the API's renderer writes them (datetimes to the millisecond, UTC as "Z"), by orjson, which
# writes this small body several times faster than the standard library.
_ENCODER = NinjaJSONEncoder()
