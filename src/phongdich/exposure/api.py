"""/api/v1/exposure: verification (code → token → certificate), key upload, phones, codes, risk configuration.

The verification and upload endpoints are anonymous by design: the code, the token and the certificate
authorise them. Field names of those follow the EN verification and key servers' APIs (camelCase).
Handlers are thin; exposure.services and exposure.exports decide.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from typing import Any

import orjson
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import ConfigDict, ValidationError

from phongdich.audit import context as request_context
from phongdich.core.api import ERRORS, ErrorOut, InputSchema, actor
from phongdich.core.clock import to_utc
from phongdich.core.errors import DomainError, FieldError, NotFound
from phongdich.exposure import adoption, exports, services
from phongdich.exposure.models import TestType

router = Router(tags=["exposure"])

MAX_ID = 2**63 - 1
PUBLIC_ERRORS: dict[int, type[Schema]] = {**ERRORS, 413: ErrorOut}


class VerifyIn(InputSchema):
    code: str = Field(..., max_length=64, description="The short (8 digits) or long verification code")


class VerifyOut(Schema):
    token: str
    testtype: str
    symptomDate: dt.date | None  # noqa: N815 - the EN verification server's field names
    testDate: dt.date | None  # noqa: N815


# Wrong codes an address may try in an hour: 8-digit codes must not be guessable by brute force.
MAX_WRONG_CODES_PER_HOUR = 20


def _wrong_codes_key() -> str:
    return f"exposure-wrong-codes:{request_context.current().ip_address or 'unknown'}"


@router.post(
    "/verify", auth=None, response={200: VerifyOut, **ERRORS, 429: ErrorOut}, summary="Exchange a code for a token"
)
def verify(request: HttpRequest, payload: VerifyIn) -> dict[str, Any]:
    key = _wrong_codes_key()
    if cache.get(key, 0) >= MAX_WRONG_CODES_PER_HOUR:
        message = _("Too many wrong codes from this address. Try again in an hour.")
        raise DomainError(detail=message, errors=[FieldError("code", message)], status=429)
    try:
        result = services.exchange_code(payload.code)
    except DomainError as error:
        if error.extra.get("error_code") == "code_invalid":
            cache.add(key, 0, timeout=3600)
            cache.incr(key)
        raise
    return {
        "token": result.token,
        "testtype": result.test_type,
        "symptomDate": result.symptom_date,
        "testDate": result.test_date,
    }


class CertificateIn(InputSchema):
    token: str = Field(..., max_length=4096)
    ekeyhmac: str = Field(..., max_length=100, description="base64 HMAC-SHA256 of the keys to upload (tekmac)")


class CertificateOut(Schema):
    certificate: str


@router.post(
    "/certificate", auth=None, response={200: CertificateOut, **ERRORS}, summary="Exchange a token for a certificate"
)
def certificate(request: HttpRequest, payload: CertificateIn) -> dict[str, Any]:
    return {"certificate": services.issue_certificate(payload.token, payload.ekeyhmac)}


class KeyIn(Schema):
    key: str = Field(..., max_length=100, description="base64 of the 16-byte temporary exposure key")
    rollingStartNumber: int = Field(..., ge=0, le=2**32 - 1)  # noqa: N815
    rollingPeriod: int = Field(144, ge=0, le=2**32 - 1)  # noqa: N815
    transmissionRisk: int = Field(0, ge=0, le=2**32 - 1)  # noqa: N815


class PublishIn(Schema):
    temporaryExposureKeys: list[KeyIn]  # noqa: N815
    healthAuthorityID: str = Field("", max_length=100)  # noqa: N815
    verificationPayload: str = Field(..., max_length=4096)  # noqa: N815
    hmacKey: str = Field(..., max_length=200)  # noqa: N815
    padding: str = Field("", max_length=services.MAX_PUBLISH_BODY_BYTES)


class PublishOut(Schema):
    insertedExposures: int  # noqa: N815
    repeated: bool


def _inline_schema(model: type[Schema]) -> dict[str, Any]:
    """The model's JSON schema with its nested definitions in place (no "$defs" for OpenAPI to resolve)."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            reference = node.get("$ref", "")
            if isinstance(reference, str) and reference.startswith("#/$defs/"):
                return resolve(definitions[reference.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return dict(resolve(schema))


def _too_large() -> DomainError:
    message = _("The request body is larger than %(n)d bytes.") % {"n": services.MAX_PUBLISH_BODY_BYTES}
    return DomainError(detail=message, errors=[FieldError("body", message)], status=413)


@router.post(
    "/publish",
    auth=None,
    response={200: PublishOut, **PUBLIC_ERRORS},
    summary="Upload temporary exposure keys with a verification certificate",
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"schema": _inline_schema(PublishIn)}},
            "required": True,
        }
    },
)
def publish(request: HttpRequest) -> dict[str, Any]:
    # The body is read here (not by ninja) so that an oversized one is refused before it is parsed.
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > services.MAX_PUBLISH_BODY_BYTES or len(request.body) > services.MAX_PUBLISH_BODY_BYTES:
        raise _too_large()
    try:
        body = orjson.loads(request.body)
    except orjson.JSONDecodeError:
        raise NinjaValidationError(
            [{"loc": ("body",), "msg": _("The body is not valid JSON."), "type": "json_invalid"}]
        ) from None
    try:
        payload = PublishIn.model_validate(body)
    except ValidationError as exc:
        raise NinjaValidationError(
            [{"loc": error["loc"], "msg": error["msg"], "type": error["type"]} for error in exc.errors()]
        ) from None
    keys = [
        services.KeyInput(key.key, key.rollingStartNumber, key.rollingPeriod, key.transmissionRisk)
        for key in payload.temporaryExposureKeys
    ]
    data = services.PublishInput(keys, payload.verificationPayload, payload.hmacKey, payload.healthAuthorityID)
    result = services.publish_keys(data)
    return {"insertedExposures": result.inserted, "repeated": result.repeated}


@router.get("/risk-configuration", auth=None, response=dict[str, Any], summary="The province's risk configuration")
def risk_configuration(request: HttpRequest) -> dict[str, Any]:
    return exports.risk_configuration()


class RiskConfigurationIn(Schema):
    """The fields of phongdich.exposure.client.risk.RiskConfiguration; absent ones take the defaults."""

    model_config = ConfigDict(extra="forbid")

    attenuation_thresholds_db: list[int] | None = Field(None, max_length=3)
    attenuation_weights: dict[str, float] | None = None
    infectiousness_by_days_since_onset: dict[str, str] | None = None
    infectiousness_when_onset_missing: str | None = Field(None, max_length=20)
    infectiousness_weights: dict[str, float] | None = None
    report_type_weights: dict[str, float] | None = None
    report_type_when_missing: str | None = Field(None, max_length=40)
    minimum_window_minutes: float | None = None
    minimum_weighted_minutes_per_day: float | None = None


@router.put("/risk-configuration", response={200: dict[str, Any], **ERRORS}, summary="Replace the risk configuration")
def set_risk_configuration(request: HttpRequest, payload: RiskConfigurationIn) -> dict[str, Any]:
    return exports.set_risk_configuration(actor(request), payload.model_dump(exclude_none=True))


class SigningKeyOut(Schema):
    key_id: str
    version: str
    public_key: str = Field(..., description="base64 DER SubjectPublicKeyInfo (EC P-256)")


@router.get("/signing-keys", auth=None, response=list[SigningKeyOut], summary="Keys that sign the export files")
def signing_keys(request: HttpRequest) -> list[dict[str, str]]:
    from phongdich.exposure.models import ExportSigningKey

    return [
        {"key_id": key.key_id, "version": key.version, "public_key": key.public_key_der_b64}
        for key in ExportSigningKey.objects.filter(retired_at__isnull=True).order_by("created_at")
    ]


# --- Officials: codes for a case ---------------------------------------------------------------------


class CodeIn(InputSchema):
    test_type: str = Field(TestType.CONFIRMED, max_length=10, description="confirmed, likely or negative")
    symptom_onset: dt.date | None = None
    test_date: dt.date | None = None
    send: bool = Field(True, description="Send the long code to the person's phone as a link")


class IssuedCodeOut(Schema):
    id: int
    short_code: str
    long_code: str
    link: str
    short_expires_at: dt.datetime
    long_expires_at: dt.datetime


class CodeOut(Schema):
    id: int
    test_type: str
    symptom_onset: dt.date | None
    test_date: dt.date | None
    created_at: dt.datetime
    short_expires_at: dt.datetime
    long_expires_at: dt.datetime
    claimed_at: dt.datetime | None
    used: bool


@router.post("/cases/{case_id}/codes", response={201: IssuedCodeOut, **ERRORS}, summary="Issue a verification code")
def issue_code(request: HttpRequest, case_id: int, payload: CodeIn) -> Status:
    if not 0 < case_id <= MAX_ID:
        raise NotFound()
    data = services.CodeInput(payload.test_type, payload.symptom_onset, payload.test_date)
    issued = services.issue_code(actor(request), case_id, data, send=payload.send)
    return Status(
        201,
        {
            "id": issued.code.pk,
            "short_code": issued.short_code,
            "long_code": issued.long_code,
            "link": issued.link,
            "short_expires_at": issued.code.short_expires_at,
            "long_expires_at": issued.code.long_expires_at,
        },
    )


@router.get("/cases/{case_id}/codes", response={200: list[CodeOut], **ERRORS}, summary="Codes issued for a case")
def case_codes(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    if not 0 < case_id <= MAX_ID:
        raise NotFound()
    return [
        {
            "id": code.pk,
            "test_type": code.test_type,
            "symptom_onset": code.symptom_onset,
            "test_date": code.test_date,
            "created_at": code.created_at,
            "short_expires_at": code.short_expires_at,
            "long_expires_at": code.long_expires_at,
            "claimed_at": code.claimed_at,
            "used": code.token_used_at is not None,
        }
        for code in services.codes_of_case(actor(request), case_id)
    ]


# --- Citizens' phones ----------------------------------------------------------------------------------


class InstallIn(InputSchema):
    device: uuid.UUID
    share_encounters: bool = False
    keep_alerts: bool = False


class InstallOut(Schema):
    device: uuid.UUID
    share_encounters: bool
    keep_alerts: bool
    installed_at: dt.datetime


@router.post("/installs", response={200: InstallOut, **ERRORS}, summary="Register my phone and my consent")
def register_install(request: HttpRequest, payload: InstallIn) -> Any:
    data = services.InstallInput(payload.device, payload.share_encounters, payload.keep_alerts)
    return services.register_install(actor(request), data)


class AlertIn(Schema):
    day: dt.date
    minutes: int = Field(..., ge=0, le=24 * 60)
    score: float = Field(..., ge=0, le=10_000)


class EncounterIn(Schema):
    key: str = Field(..., max_length=100, description="base64 of the matched diagnosis key")
    started_at: dt.datetime
    ended_at: dt.datetime
    minutes: int = Field(..., ge=0, le=24 * 60)
    attenuation_db: int = Field(..., ge=0, le=255)


class FindingsIn(InputSchema):
    alerts: list[AlertIn] = Field(default_factory=list, max_length=14)
    encounters: list[EncounterIn] = Field(default_factory=list, max_length=500)


class FindingsOut(Schema):
    alerts_kept: int
    encounters_kept: int


@router.post(
    "/installs/{device}/findings",
    response={200: FindingsOut, **ERRORS},
    summary="My phone's exposures, kept as far as I consented",
)
def report_findings(request: HttpRequest, device: uuid.UUID, payload: FindingsIn) -> dict[str, int]:
    encounters = []
    for number, item in enumerate(payload.encounters):
        try:
            key_data = base64.b64decode(item.key, validate=True)
        except (binascii.Error, ValueError):
            raise DomainError(
                detail=_("The request has errors."),
                errors=[FieldError(f"encounters.{number}.key", _("This is not valid base64."))],
                status=422,
            ) from None
        started = to_utc(item.started_at, f"encounters.{number}.started_at")
        ended = to_utc(item.ended_at, f"encounters.{number}.ended_at")
        encounters.append(services.EncounterReport(key_data, started, ended, item.minutes, item.attenuation_db))
    alerts = [services.AlertReport(item.day, item.minutes, item.score) for item in payload.alerts]
    kept_alerts, kept_encounters = services.report_findings(actor(request), device, alerts, encounters)
    return {"alerts_kept": kept_alerts, "encounters_kept": kept_encounters}


class AlertOut(Schema):
    exposure_day: dt.date
    minutes: int
    score: float


@router.get("/alerts", response={200: list[AlertOut], **ERRORS}, summary="My exposure alerts")
def alerts(request: HttpRequest) -> Any:
    return services.my_alerts(actor(request))


# --- Adoption -----------------------------------------------------------------------------------------


class AdoptionRowOut(Schema):
    code: str
    name: str
    population: int
    installs: int
    active: int
    install_share: float
    active_share: float


@router.get("/adoption", response={200: list[AdoptionRowOut], **ERRORS}, summary="Installs per commune")
def adoption_rows(request: HttpRequest) -> Any:
    return [row.as_dict() for row in adoption.adoption_by_commune(actor(request))]
