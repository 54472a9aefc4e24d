"""Verification codes, the code → token → certificate exchange, key uploads, app installs, consented matches.

The flow (the EN verification server's, https://github.com/google/exposure-notifications-verification-server):

1. :func:`issue_code` — a case's one-time code: an 8-digit short code (1 hour) an official reads out, and a
   long code (24 hours) sent as a link by message. Automatic when a case opens (``cases.signals``).
2. :func:`exchange_code` — the phone sends either code and gets a short-lived token; the code is spent.
3. :func:`issue_certificate` — the phone sends the token and the HMAC of the exact keys it will upload
   (``tekmac``) and gets a certificate carrying the report type, the symptom-onset interval and the tekmac;
   the token is spent.
4. :func:`publish_keys` — the key server checks the certificate and that the keys are the ones it is bound
   to, validates every key, and stores them (report type and days since onset from the certificate).
   A retried upload with the same certificate returns the first answer and stores nothing more.

Every failure raises a :class:`DomainError` naming the field; nothing is stored half-way.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import secrets
import uuid as uuid_module
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from phongdich.accounts.models import User
from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.cases.models import Case, CaseStatus
from phongdich.core import access
from phongdich.core.errors import DomainError, FieldError, InvalidInput, NotFound
from phongdich.exposure import tokens
from phongdich.exposure.client.crypto import ROLLING_PERIOD, TEK_LENGTH, en_interval_number
from phongdich.exposure.client.export import DiagnosisKey
from phongdich.exposure.client.verification import tek_hmac_matches
from phongdich.exposure.models import (
    REPORT_TYPES,
    AppInstall,
    BluetoothEncounter,
    DiagnosisKeyRecord,
    ExposureAlert,
    KeyUpload,
    TestType,
    VerificationCode,
)
from phongdich.people.models import Person

SHORT_CODE_DIGITS = 8
SHORT_CODE_LIFETIME = dt.timedelta(hours=1)
LONG_CODE_LENGTH = 20
LONG_CODE_LIFETIME = dt.timedelta(hours=24)
# Unambiguous lower-case letters and digits (no 0/o, 1/l/i) for the long code people may copy by hand.
LONG_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
TOKEN_LIFETIME = dt.timedelta(minutes=15)
CERTIFICATE_LIFETIME = dt.timedelta(minutes=15)
# A code may name an onset or test date this far back; older keys are not accepted anyway.
MAX_DATE_AGE_DAYS = 14
MAX_KEYS_PER_UPLOAD = 30
MAX_KEY_AGE_DAYS = 14
MAX_DAYS_SINCE_ONSET = 14
MAX_TRANSMISSION_RISK = 8
MAX_PUBLISH_BODY_BYTES = 64 * 1024


def region() -> str:
    """The region the province's keys are published under (export files' ``region``)."""
    return str(getattr(settings, "PHONGDICH", {}).get("EXPOSURE_REGION", "VN"))


def _now() -> dt.datetime:
    return timezone.now()


def _bad(field_name: str, message: str, *, status: int = 400, code: str = "") -> DomainError:
    extra: dict[str, object] = {"error_code": code} if code else {}
    return DomainError(detail=message, errors=[FieldError(field_name, message)], status=status, extra=extra)


def day_interval(day: dt.date) -> int:
    """The ENIntervalNumber of midnight UTC on ``day`` (a rolling period's start)."""
    midnight = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    return en_interval_number(int(midnight.timestamp()))


# --- 1. Issuing codes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedCode:
    """A code just issued: the only moment its clear text exists."""

    code: VerificationCode
    short_code: str
    long_code: str

    @property
    def link(self) -> str:
        return verification_link(self.long_code)


def verification_link(long_code: str) -> str:
    site = str(getattr(settings, "PHONGDICH", {}).get("SITE_URL", "")).rstrip("/")
    return f"{site}/exposure/v?c={long_code}"


@dataclass(frozen=True)
class CodeInput:
    test_type: str = TestType.CONFIRMED
    symptom_onset: dt.date | None = None
    test_date: dt.date | None = None


def _check_code_input(data: CodeInput, today: dt.date) -> None:
    errors = []
    if data.test_type not in TestType.values:
        errors.append(FieldError("test_type", _("Choose confirmed, likely or negative.")))
    if data.symptom_onset is None and data.test_date is None:
        errors.append(FieldError("symptom_onset", _("Give the symptom onset or the test date.")))
    for name, value in (("symptom_onset", data.symptom_onset), ("test_date", data.test_date)):
        if value is None:
            continue
        if value > today:
            errors.append(FieldError(name, _("This date is in the future.")))
        elif value < today - dt.timedelta(days=MAX_DATE_AGE_DAYS):
            errors.append(FieldError(name, _("This date is more than 14 days ago.")))
    if errors:
        raise InvalidInput(_("The request has errors."), errors)


def _new_code_record(case: Case, data: CodeInput, actor: User | None, now: dt.datetime) -> IssuedCode:
    for _attempt in range(8):
        short_code = f"{secrets.randbelow(10**SHORT_CODE_DIGITS):0{SHORT_CODE_DIGITS}d}"
        long_code = "".join(secrets.choice(LONG_CODE_ALPHABET) for _ in range(LONG_CODE_LENGTH))
        try:
            with transaction.atomic():
                code = VerificationCode.objects.create(
                    case=case,
                    test_type=data.test_type,
                    symptom_onset=data.symptom_onset,
                    test_date=data.test_date,
                    short_code_hash=tokens.secret_hash(short_code),
                    long_code_hash=tokens.secret_hash(long_code),
                    short_expires_at=now + SHORT_CODE_LIFETIME,
                    long_expires_at=now + LONG_CODE_LIFETIME,
                    issued_by=actor if actor is not None and actor.pk else None,
                    created_at=now,
                )
        except IntegrityError:
            continue  # a short code already issued (1 in 10^8 per live code): draw again
        return IssuedCode(code, short_code, long_code)
    raise RuntimeError("could not draw an unused verification code")


def issue_code(
    actor: User | None, case_id: object, data: CodeInput, *, send: bool = True, now: dt.datetime | None = None
) -> IssuedCode:
    """A one-time code for an active case. ``actor`` None: issued by the system when the case opened.

    Staff may issue one for the cases they may change. The long code goes to the case's phone by message
    (after commit) when ``send``; the short code is shown to the official who issued it, once.
    """
    now = now or _now()
    _check_code_input(data, timezone.localdate(now))
    with transaction.atomic():
        if actor is None:
            case = Case.objects.select_related("person").get(pk=int(str(case_id)))
        else:
            if not access.can(actor, "case", "change") or not access.can(actor, "exposure_code", "add"):
                raise NotFound()
            case = access.get_or_404(Case.objects.select_related("person"), actor, "change", pk=case_id)
        if case.status != CaseStatus.ACTIVE:
            raise InvalidInput(
                _("Codes are issued for active cases only."), [FieldError("case", _("This case is not active."))]
            )
        issued = _new_code_record(case, data, actor, now)
        audit.record(
            actor,
            AuditAction.CREATE,
            "exposure_code",
            issued.code.pk,
            detail={"case": case.pk, "person": case.person_id, "test_type": data.test_type, "system": actor is None},
        )
        if send:
            person = case.person
            code_uuid = issued.code.uuid
            link = issued.link
            expires = timezone.localtime(issued.code.long_expires_at)
            transaction.on_commit(lambda: _send_link(person, code_uuid, link, expires, case))
    return issued


def _send_link(person: Person, code_uuid: uuid_module.UUID, link: str, expires: dt.datetime, case: Case) -> None:
    from phongdich.notify.services import notify

    notify(
        event_key=f"exposure.verification_code:{code_uuid}",
        template="exposure.verification_link",
        context={"link": link, "expires": expires.strftime("%H:%M %d/%m/%Y")},
        person=person,
        commune=case.commune,
    )


def issue_code_for_new_case(case: Case) -> IssuedCode | None:
    """The automatic code of a case that just opened (sent by message). One per case."""
    if VerificationCode.objects.filter(case=case, issued_by__isnull=True).exists():
        return None
    today = timezone.localdate()
    onset = case.onset_date if case.onset_date and case.onset_date <= today else None
    test_date = case.sampled_on if case.sampled_on <= today else None
    oldest = today - dt.timedelta(days=MAX_DATE_AGE_DAYS)
    onset = onset if onset and onset >= oldest else None
    test_date = test_date if test_date and test_date >= oldest else None
    if onset is None and test_date is None:
        return None  # a case recorded long after the fact: its keys are too old to matter
    return issue_code(None, case.pk, CodeInput(TestType.CONFIRMED, onset, test_date))


def codes_of_case(actor: User, case_id: object) -> list[VerificationCode]:
    """The codes issued for a case the actor may see (no clear text: it is not stored)."""
    case = access.get_or_404(Case.objects.all(), actor, "view", pk=case_id)
    codes = list(access.restrict(VerificationCode.objects.filter(case=case), actor, "view"))
    audit.record(actor, AuditAction.LIST, "exposure_code", object_ids=[code.pk for code in codes])
    return codes


# --- 2. Code → token → certificate ----------------------------------------------------------------------


@dataclass(frozen=True)
class TokenResult:
    token: str
    test_type: str
    symptom_date: dt.date | None
    test_date: dt.date | None


def exchange_code(code: str, *, now: dt.datetime | None = None) -> TokenResult:
    """A short-lived token for a valid, unused, unexpired code; the code is spent."""
    now = now or _now()
    text = (code or "").strip().replace(" ", "").replace("-", "").lower()
    if not text or len(text) > 64 or not text.isascii():
        raise _bad("code", _("The verification code is not valid."), code="code_invalid")
    digest = tokens.secret_hash(text)
    with transaction.atomic():
        record = (
            VerificationCode.objects.select_for_update().filter(short_code_hash=digest).first()
            or VerificationCode.objects.select_for_update().filter(long_code_hash=digest).first()
        )
        if record is None:
            raise _bad("code", _("The verification code is not valid."), code="code_invalid")
        if record.claimed_at is not None:
            raise _bad("code", _("This verification code has already been used."), code="code_used")
        expires = record.short_expires_at if record.short_code_hash == digest else record.long_expires_at
        if expires <= now:
            raise _bad("code", _("This verification code has expired."), code="code_expired")
        token_id = secrets.token_urlsafe(18)
        token = tokens.encode(
            {"jti": token_id, "sub": str(record.uuid), "exp": int((now + TOKEN_LIFETIME).timestamp())},
            tokens.TOKEN_AUDIENCE,
        )
        record.claimed_at = now
        record.token_hash = tokens.secret_hash(token_id)
        record.save(update_fields=["claimed_at", "token_hash"])
    return TokenResult(token, record.test_type, record.symptom_onset, record.test_date)


def _decode_base64(value: str, field_name: str, length: int | None = None) -> bytes:
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _bad(field_name, _("This is not valid base64."), status=400) from None
    if length is not None and len(data) != length:
        raise _bad(field_name, _("This must be %(n)d bytes, not %(m)d.") % {"n": length, "m": len(data)})
    return data


def _subject(claims: dict[str, Any]) -> uuid_module.UUID:
    """The code a token or certificate names (the server signed it; a malformed one names no code)."""
    try:
        return uuid_module.UUID(str(claims.get("sub", "")))
    except ValueError:
        return uuid_module.UUID(int=0)


def issue_certificate(token: str, tekmac: str, *, now: dt.datetime | None = None) -> str:
    """The signed verification certificate for a token and the HMAC of the keys to upload; the token is spent."""
    now = now or _now()
    try:
        claims = tokens.decode(token, tokens.TOKEN_AUDIENCE, now=now.timestamp())
    except tokens.TokenError as exc:
        message = _("The token has expired.") if str(exc) == "expired" else _("The token is not valid.")
        raise _bad("token", message, code="token_invalid") from None
    mac = _decode_base64(tekmac, "ekeyhmac", 32)
    with transaction.atomic():
        record = VerificationCode.objects.select_for_update().filter(uuid=_subject(claims)).first()
        if record is None or record.token_hash != tokens.secret_hash(str(claims.get("jti", ""))):
            raise _bad("token", _("The token is not valid."), code="token_invalid")
        if record.token_used_at is not None:
            raise _bad("token", _("This token has already been used."), code="token_used")
        reference = record.symptom_onset or record.test_date
        body: dict[str, Any] = {
            "jti": secrets.token_urlsafe(18),
            "sub": str(record.uuid),
            "iat": int(now.timestamp()),
            "exp": int((now + CERTIFICATE_LIFETIME).timestamp()),
            "reportType": record.test_type,
            "symptomOnsetInterval": day_interval(reference) if reference else 0,
            "tekmac": base64.b64encode(mac).decode("ascii"),
            "trisk": [],
        }
        record.token_used_at = now
        record.save(update_fields=["token_used_at"])
    return tokens.encode(body, tokens.CERTIFICATE_AUDIENCE)


# --- 3. Key upload -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyInput:
    key: str
    rolling_start_number: int
    rolling_period: int = ROLLING_PERIOD
    transmission_risk: int = 0


@dataclass(frozen=True)
class PublishInput:
    keys: Sequence[KeyInput]
    verification_payload: str
    hmac_key: str
    health_authority: str = ""


@dataclass(frozen=True)
class PublishResult:
    inserted: int
    repeated: bool = False
    errors: list[str] = field(default_factory=list)


def _validate_keys(keys: Sequence[KeyInput], now: dt.datetime) -> list[DiagnosisKey]:
    errors: list[FieldError] = []
    current = en_interval_number(int(now.timestamp()))
    oldest = current - current % ROLLING_PERIOD - MAX_KEY_AGE_DAYS * ROLLING_PERIOD
    parsed: list[DiagnosisKey] = []
    seen: set[bytes] = set()
    for position, key in enumerate(keys):
        prefix = f"temporaryExposureKeys.{position}"
        try:
            data = base64.b64decode(key.key, validate=True)
        except (binascii.Error, ValueError):
            errors.append(FieldError(f"{prefix}.key", _("This is not valid base64.")))
            continue
        problems = []
        if len(data) != TEK_LENGTH:
            problems.append(FieldError(f"{prefix}.key", _("A key has 16 bytes, not %(n)d.") % {"n": len(data)}))
        elif data in seen:
            problems.append(FieldError(f"{prefix}.key", _("This key appears twice in the upload.")))
        start, period = key.rolling_start_number, key.rolling_period
        if start % ROLLING_PERIOD:
            problems.append(
                FieldError(f"{prefix}.rollingStartNumber", _("A key starts on a day boundary (a multiple of 144)."))
            )
        elif start > current:
            problems.append(FieldError(f"{prefix}.rollingStartNumber", _("This key starts in the future.")))
        elif start < oldest:
            problems.append(FieldError(f"{prefix}.rollingStartNumber", _("This key is more than 14 days old.")))
        if not 1 <= period <= ROLLING_PERIOD:
            problems.append(FieldError(f"{prefix}.rollingPeriod", _("The rolling period is between 1 and 144.")))
        if not 0 <= key.transmission_risk <= MAX_TRANSMISSION_RISK:
            problems.append(FieldError(f"{prefix}.transmissionRisk", _("The transmission risk is between 0 and 8.")))
        if problems:
            errors.extend(problems)
            continue
        seen.add(data)
        parsed.append(DiagnosisKey(data, start, period, key.transmission_risk))
    if errors:
        raise InvalidInput(_("Some keys are not valid; nothing was published."), errors)
    return parsed


def _certificate_claims(payload: str, now: dt.datetime) -> dict[str, Any]:
    try:
        claims = tokens.decode(payload, tokens.CERTIFICATE_AUDIENCE, now=now.timestamp())
    except tokens.TokenError as exc:
        message = (
            _("The verification certificate has expired.")
            if str(exc) == "expired"
            else _("The verification certificate is not valid.")
        )
        raise _bad("verificationPayload", message, status=401, code="certificate_invalid") from None
    if claims.get("reportType") not in TestType.values or not isinstance(claims.get("symptomOnsetInterval"), int):
        raise _bad("verificationPayload", _("The verification certificate is not valid."), status=401)
    return claims


def publish_keys(data: PublishInput, *, now: dt.datetime | None = None) -> PublishResult:
    """Check and store an upload of temporary exposure keys (see the module's docstring)."""
    now = now or _now()
    if data.health_authority and data.health_authority != region():
        raise _bad("healthAuthorityID", _("Unknown health authority."))
    claims = _certificate_claims(data.verification_payload, now)
    certificate_hash = hashlib.sha256(data.verification_payload.encode("ascii")).hexdigest()
    if not data.keys:
        raise _bad("temporaryExposureKeys", _("There are no keys to publish."), status=422)
    if len(data.keys) > MAX_KEYS_PER_UPLOAD:
        raise _bad(
            "temporaryExposureKeys",
            _("At most %(n)d keys may be uploaded at once, not %(m)d.")
            % {"n": MAX_KEYS_PER_UPLOAD, "m": len(data.keys)},
            status=422,
        )
    hmac_key = _decode_base64(data.hmac_key, "hmacKey")
    if not hmac_key:
        raise _bad("hmacKey", _("This field is required."))
    keys = _validate_keys(data.keys, now)
    expected = base64.b64decode(str(claims.get("tekmac", "")) or "")
    if not tek_hmac_matches(keys, hmac_key, expected):
        raise _bad(
            "temporaryExposureKeys",
            _("These keys are not the ones the verification certificate was issued for."),
            code="keys_not_bound",
        )
    previous = KeyUpload.objects.filter(certificate_hash=certificate_hash).first()
    if previous is not None:
        return PublishResult(previous.key_count, repeated=True)
    report_type = REPORT_TYPES[TestType(claims["reportType"])]
    onset_day = int(claims["symptomOnsetInterval"]) // ROLLING_PERIOD
    code = VerificationCode.objects.filter(uuid=_subject(claims)).first()
    where = region()
    with transaction.atomic():
        try:
            with transaction.atomic():
                upload = KeyUpload.objects.create(
                    certificate_hash=certificate_hash, code=code, region=where, key_count=0, created_at=now
                )
        except IntegrityError:
            # The same upload arrived twice at once: the first one's answer.
            first = KeyUpload.objects.get(certificate_hash=certificate_hash)
            return PublishResult(first.key_count, repeated=True)
        known = set(
            bytes(value)
            for value in DiagnosisKeyRecord.objects.filter(
                region=where, key_data__in=[key.key_data for key in keys]
            ).values_list("key_data", flat=True)
        )
        records = [
            DiagnosisKeyRecord(
                key_data=key.key_data,
                region=where,
                rolling_start_interval_number=key.rolling_start_interval_number,
                rolling_period=key.rolling_period,
                transmission_risk_level=key.transmission_risk_level,
                report_type=report_type,
                days_since_onset=_days_since_onset(key, onset_day) if claims["symptomOnsetInterval"] else None,
                upload=upload,
                created_at=now,
            )
            for key in keys
            if key.key_data not in known
        ]
        # A key another upload stored at the same moment is skipped, as one stored before is.
        DiagnosisKeyRecord.objects.bulk_create(records, ignore_conflicts=True)
        upload.key_count = upload.keys.count()
        upload.save(update_fields=["key_count"])
    return PublishResult(upload.key_count)


def _days_since_onset(key: DiagnosisKey, onset_day: int) -> int:
    days = key.rolling_start_interval_number // ROLLING_PERIOD - onset_day
    return max(-MAX_DAYS_SINCE_ONSET, min(MAX_DAYS_SINCE_ONSET, days))


# --- 4. Phones: installs, and what a consenting phone reports ------------------------------------------


@dataclass(frozen=True)
class InstallInput:
    device: uuid_module.UUID
    share_encounters: bool = False
    keep_alerts: bool = False


def register_install(actor: User, data: InstallInput, *, now: dt.datetime | None = None) -> AppInstall:
    """A citizen registers their phone (or updates its consent); idempotent on the device id."""
    now = now or _now()
    if not access.can(actor, "exposure_app", "add") or actor.person_id is None:
        raise NotFound()
    person = Person.objects.select_related("home_commune").get(pk=actor.person_id)
    return _save_install(actor, person, data, now)


def _save_install(actor: User | None, person: Person, data: InstallInput, now: dt.datetime) -> AppInstall:
    with transaction.atomic():
        install = AppInstall.objects.select_for_update().filter(device=data.device).first()
        if install is not None and install.person_id != person.pk:
            raise _bad("device", _("This device is registered to someone else."), status=409)
        if install is None:
            install = AppInstall.objects.create(
                device=data.device,
                person=person,
                commune=person.home_commune,
                share_encounters=data.share_encounters,
                keep_alerts=data.keep_alerts,
                installed_at=now,
                last_active_at=now,
            )
            audit.record(actor, AuditAction.CREATE, "exposure_app", install.pk, detail={"person": person.pk})
        else:
            install.share_encounters = data.share_encounters
            install.keep_alerts = data.keep_alerts
            install.last_active_at = now
            install.save(update_fields=["share_encounters", "keep_alerts", "last_active_at"])
            audit.record(actor, AuditAction.UPDATE, "exposure_app", install.pk, detail={"person": person.pk})
        if not install.keep_alerts:
            install.alerts.all().delete()
        if not install.share_encounters:
            install.encounters.all().delete()
    return install


def install_for_system(person: Person, data: InstallInput, now: dt.datetime) -> AppInstall:
    """An install registered by the system (a test, an import), audited as such."""
    return _save_install(None, person, data, now)


@dataclass(frozen=True)
class AlertReport:
    """A day the phone scored as risky."""

    day: dt.date
    minutes: int
    score: float


@dataclass(frozen=True)
class EncounterReport:
    """A matched key and what the phone measured, for the consenting owner's contact tracing."""

    key_data: bytes
    started_at: dt.datetime
    ended_at: dt.datetime
    minutes: int
    attenuation_db: int


def record_phone_findings(
    install: AppInstall,
    alerts: Sequence[AlertReport],
    encounters: Sequence[EncounterReport],
    *,
    now: dt.datetime | None = None,
) -> tuple[int, int]:
    """Store what a phone found, as far as its owner consented: (alerts kept, encounters kept).

    An encounter is attributed to the case whose upload carried the matched key (server-side only).
    """
    now = now or _now()
    kept_alerts = kept_encounters = 0
    with transaction.atomic():
        AppInstall.objects.filter(pk=install.pk).update(last_active_at=now)
        if install.keep_alerts:
            for alert in alerts:
                _, created = ExposureAlert.objects.update_or_create(
                    install=install,
                    exposure_day=alert.day,
                    defaults={"minutes": alert.minutes, "score": alert.score},
                )
                kept_alerts += 1
        if install.share_encounters and encounters:
            cases = dict(
                DiagnosisKeyRecord.objects.filter(
                    region=region(), key_data__in=[item.key_data for item in encounters], upload__code__isnull=False
                ).values_list("key_data", "upload__code__case_id")
            )
            cases = {bytes(key): case_id for key, case_id in cases.items()}
            for item in encounters:
                case_id = cases.get(item.key_data)
                if case_id is None:
                    continue
                _, created = BluetoothEncounter.objects.get_or_create(
                    install=install,
                    case_id=case_id,
                    started_at=item.started_at,
                    defaults={
                        "ended_at": item.ended_at,
                        "minutes": item.minutes,
                        "attenuation_db": item.attenuation_db,
                    },
                )
                kept_encounters += int(created)
        if kept_alerts or kept_encounters:
            audit.record(
                None,
                AuditAction.CREATE,
                "exposure_alert",
                install.pk,
                detail={"person": install.person_id, "alerts": kept_alerts, "encounters": kept_encounters},
            )
    return kept_alerts, kept_encounters


def report_findings(
    actor: User, device: uuid_module.UUID, alerts: Sequence[AlertReport], encounters: Sequence[EncounterReport]
) -> tuple[int, int]:
    """A citizen's phone reports what it found (kept as far as its owner consented; see record_phone_findings)."""
    install = access.get_or_404(AppInstall.objects.all(), actor, "change", device=device)
    today = timezone.localdate()
    errors = [
        FieldError(f"alerts.{n}.day", _("This day is not within the last 14 days."))
        for n, alert in enumerate(alerts)
        if not today - dt.timedelta(days=MAX_KEY_AGE_DAYS) <= alert.day <= today
    ]
    errors += [
        FieldError(f"encounters.{n}.ended_at", _("The end is before the start."))
        for n, item in enumerate(encounters)
        if item.ended_at < item.started_at
    ]
    if errors:
        raise InvalidInput(_("The request has errors."), errors)
    return record_phone_findings(install, alerts, encounters)


def my_alerts(actor: User) -> list[ExposureAlert]:
    """The signed-in citizen's exposure alerts (their own, by access rules)."""
    alerts = list(
        access.restrict(ExposureAlert.objects.select_related("install"), actor, "view").order_by("-exposure_day")
    )
    if alerts:
        audit.record(actor, AuditAction.LIST, "exposure_alert", object_ids=[alert.pk for alert in alerts])
    return alerts


def my_installs(actor: User) -> list[AppInstall]:
    return list(access.restrict(AppInstall.objects.all(), actor, "view").order_by("installed_at"))
