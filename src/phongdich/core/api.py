"""What every API router shares: authentication, the one error shape, input hygiene, pagination."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from typing import Any, Generic, TypeVar, cast

import orjson
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer, SessionAuth
from pydantic import field_validator

from phongdich.accounts.models import ApiToken, User
from phongdich.core.errors import DomainError, FieldError, InvalidInput
from phongdich.core.memo import Memo

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Token use is recorded at most this often, so a busy device does not write on every request.
LAST_USED_RESOLUTION_SECONDS = 300
# Tokens seen by this worker, with their accounts (see core.memo for why and for how long).
TOKENS: Memo[ApiToken | None] = Memo("api-tokens", ttl=10)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer pd_…``: a personal or device token, looked up by its hash.

    A device sends many requests a second: each worker keeps the tokens it has seen for a few seconds
    (:data:`TOKENS`); revocation, expiry and deactivation are still checked on every request against that
    copy, and any change through this process clears it at once.
    """

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        if not token or len(token) > 200:
            return None
        key_hash = ApiToken.hash(token)
        api_token = TOKENS.get_or_compute(
            key_hash, lambda: ApiToken.objects.usable().select_related("user").filter(key_hash=key_hash).first()
        )
        if api_token is None or not api_token.is_active or not api_token.user.is_active:
            return None
        now = timezone.now()
        if (
            api_token.last_used_at is None
            or (now - api_token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS
        ):
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
            api_token.last_used_at = now
        request.user = api_token.user
        return api_token.user


class BrowserSession(SessionAuth):
    """The signed-in web session (htmx screens, the interactive docs). CSRF is checked by ninja.

    Only a request that carries the session cookie is a session request: a client with a wrong
    token and no cookie gets 401, not a CSRF complaint about a cookie it never had.
    """

    def __call__(self, request: HttpRequest) -> Any:
        if self.param_name not in request.COOKIES:
            return None
        return super().__call__(request)


AUTH = [TokenAuth(), BrowserSession()]


def actor(request: HttpRequest) -> User:
    """The authenticated account; every handler behind AUTH has one."""
    return cast(User, request.user)


def error_body(detail: str, errors: Sequence[dict[str, str]] = (), **extra: object) -> dict[str, Any]:
    return {"detail": detail, "errors": list(errors), **extra}


def _field_name(loc: Sequence[Any]) -> str:
    # ninja reports ("body", "payload", "phone"); callers know the field as "phone".
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "form", "header", "cookie")]
    if len(parts) > 1 and parts[0] in ("payload", "data", "filters"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def _readable(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return _("This field is required.")
    return str(error.get("msg", _("Invalid value.")))


def install_error_handlers(api: NinjaAPI) -> None:
    def validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [{"field": _field_name(e.get("loc", ())), "message": _readable(e)} for e in exc.errors]
        return api.create_response(request, error_body(_("The request has errors."), errors), status=422)

    def domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
        errors = [{"field": e.field, "message": e.message} for e in exc.errors]
        return api.create_response(request, error_body(exc.detail, errors, **exc.extra), status=exc.status)

    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return api.create_response(request, error_body(_("Not found.")), status=404)

    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(
            request, error_body(_("Sign in, or send a valid API token: Authorization: Bearer <token>.")), status=401
        )

    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # django-ninja turns any failure of the body parser into a 400 in English; say what was wrong.
        if isinstance(exc.__cause__, DomainError):
            return domain(request, exc.__cause__)
        if isinstance(exc.__cause__, ValueError):  # the JSON decoder's errors
            errors = [{"field": "body", "message": _("The body is not valid JSON.")}]
            return api.create_response(request, error_body(_("The request has errors."), errors), status=400)
        return api.create_response(request, error_body(str(exc)), status=exc.status_code)

    handlers: list[tuple[type[Exception], Any]] = [
        (ValidationError, validation),
        (DomainError, domain),
        (Http404, not_found),
        (AuthenticationError, unauthenticated),
        (HttpError, http_error),
    ]
    for exception, handler in handlers:
        api.add_exception_handler(exception, handler)


class FieldErrorOut(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldErrorOut] = []


ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def reject_unstorable_text(value: object) -> object:
    """Text that no database column can hold (NUL, lone surrogates) is bad input, not a server error; also
    inside lists and objects (a list of unit codes, say)."""
    if isinstance(value, list | tuple | dict) and value and _storable_as_json(value):
        return value
    if isinstance(value, list | tuple):
        for item in value:
            reject_unstorable_text(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            reject_unstorable_text(key)
            reject_unstorable_text(item)
    elif isinstance(value, str):
        if "\x00" in value:
            raise ValueError(_("Text may not contain NUL characters."))
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(_("Text is not valid Unicode.")) from None
    return value


def _storable_as_json(value: object) -> bool:
    """A quick yes for a large list or object: orjson refuses lone surrogates and writes NUL as an escape, so
    encoding the whole value once (milliseconds for a device's 10,000 records) proves it storable; anything
    else (other types, a NUL, a surrogate) is checked item by item, which names the problem."""
    try:
        encoded = orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return False
    return b"\\u0000" not in encoded


class InputSchema(Schema):
    """Base of every request body: text fields are checked to be storable."""

    @field_validator("*", mode="before")
    @classmethod
    def _storable(cls, value: object) -> object:
        return reject_unstorable_text(value)


def check_query_text(**params: str) -> None:
    """The same check for query-string parameters, naming the field."""
    errors = []
    for name, value in params.items():
        try:
            reject_unstorable_text(value)
        except ValueError as exc:
            errors.append(FieldError(name, str(exc)))
        else:
            if len(value) > 200:
                errors.append(FieldError(name, _("At most 200 characters.")))
    if errors:
        raise InvalidInput(_("The request has errors."), errors)


class Page(Schema, Generic[T]):
    items: list[T]
    count: int
    page: int
    page_size: int
    pages: int


def paginate(items: Any, page: int, page_size: int) -> tuple[list[Any], dict[str, int]]:
    """One page of a queryset, and the numbers a client needs to ask for the next."""
    count = items.count()
    pages = max(1, math.ceil(count / page_size))
    rows = list(items[(page - 1) * page_size : page * page_size])
    return rows, {"count": count, "page": page, "page_size": page_size, "pages": pages}


class FastJsonParser(Parser):
    """Request bodies parsed with orjson: a device batch of 10,000 records parses about four times faster."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        try:
            body = orjson.loads(request.body)
        except orjson.JSONDecodeError:
            # What orjson refuses but the standard library reads (a lone surrogate, NaN, a huge integer) is
            # then refused field by field, with the field named, as before.
            body = json.loads(request.body)
        if not isinstance(body, dict):
            # Every body of this API is an object; an array or a bare value would otherwise be read as an
            # object with no fields, and refused for the first required one, which misleads.
            raise InvalidInput(_("The request has errors."), [FieldError("body", _("Send a JSON object."))])
        return cast(dict[str, Any], body)
