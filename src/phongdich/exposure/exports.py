"""Publication of the uploaded keys as signed export files, signing keys, retention, risk configuration.

A publication run (:func:`publish_exports`, a Celery task and ``phongdich exposure publish``) cuts one
batch per region covering the uploads since the last batch up to the start of the current hour, taking only
keys whose rolling period has ended (a key still in use by its phone waits for a later batch: the
embargo of the exposure-notifications-server). The keys are padded with random keys, drawn like the real
ones, up to a multiple of :data:`PADDING_MULTIPLE`, shuffled, split into files of at most
``MAX_KEYS_PER_FILE`` and written with :func:`phongdich.exposure.client.export.write_export_zip`, signed by
the active signing key. The files live in the database (``ExportFile``) and are served with an index.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from phongdich.accounts.models import User
from phongdich.accounts.roles import Role
from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.certificates import keystore
from phongdich.core.errors import FieldError, InvalidInput, NotFound
from phongdich.exposure.client.crypto import ROLLING_PERIOD, TEK_LENGTH, en_interval_number
from phongdich.exposure.client.export import (
    MAX_KEYS_PER_FILE,
    DiagnosisKey,
    ExportBatch,
    SigningKey,
    generate_signing_key,
    write_export_zip,
)
from phongdich.exposure.client.risk import ConfigurationError, RiskConfiguration
from phongdich.exposure.models import DiagnosisKeyRecord, ExportFile, ExportSigningKey, KeyUpload, RiskSettings
from phongdich.exposure.services import MAX_KEY_AGE_DAYS, region

logger = logging.getLogger(__name__)

# A batch holds a multiple of this many keys (real and random): its size says nothing about how many uploaded.
PADDING_MULTIPLE = 1000
WINDOW = dt.timedelta(hours=1)
# Vietnam's mobile country code: the key id phones are configured with (as the US states use theirs).
DEFAULT_KEY_ID = "452"
EXPORT_PREFIX = "exposure/exports"


# --- Signing keys --------------------------------------------------------------------------------------


def _purpose(key_id: str, version: str) -> str:
    return f"exposure-export:{key_id}-{version}"


def rotate_signing_key(actor: User | None = None, key_id: str = DEFAULT_KEY_ID) -> ExportSigningKey:
    """A new signing key (the next version); earlier keys stay published so earlier files keep verifying."""
    with transaction.atomic():
        versions = ExportSigningKey.objects.select_for_update().filter(key_id=key_id)
        number = versions.count() + 1
        version = f"v{number}"
        fresh = generate_signing_key(key_id, version)
        der = fresh.private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        versions.filter(active=True).update(active=False)
        record = ExportSigningKey.objects.create(
            key_id=key_id,
            version=version,
            private_key_pem=keystore.encrypt_private_key(fresh.private_key, _purpose(key_id, version)),
            public_key_der_b64=base64.b64encode(der).decode("ascii"),
        )
        audit.record(actor, AuditAction.CREATE, "exposure_signing_key", record.pk, detail={"version": version})
    return record


def active_signing_key() -> SigningKey:
    record = ExportSigningKey.objects.filter(active=True).order_by("-created_at").first()
    if record is None:
        record = rotate_signing_key(None)
    private = keystore.decrypt_private_key(record.private_key_pem, _purpose(record.key_id, record.version))
    return SigningKey(record.key_id, record.version, private)


def public_keys_text() -> str:
    """Every signing key's public half, one ``<key id>-<version> <base64 SPKI>`` line each (newest last)."""
    lines = [
        "# PhongDich exposure notification export signing keys: <key id>-<version> <base64 DER public key>",
        "# Algorithm: ECDSA P-256 with SHA-256 (1.2.840.10045.4.3.2)",
    ]
    for key in ExportSigningKey.objects.filter(retired_at__isnull=True).order_by("created_at"):
        lines.append(f"{key.key_id}-{key.version} {key.public_key_der_b64}")
    return "\n".join(lines) + "\n"


# --- Publication ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishReport:
    region: str
    files: list[str]
    keys: int
    padding: int


def _hour_start(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def _padding(real: Sequence[DiagnosisKey], count: int) -> list[DiagnosisKey]:
    """Random keys that look like the real ones (same start days, risk and onset values)."""
    draw = secrets.SystemRandom()
    return [
        DiagnosisKey(
            key_data=secrets.token_bytes(TEK_LENGTH),
            rolling_start_interval_number=model.rolling_start_interval_number,
            rolling_period=ROLLING_PERIOD,
            transmission_risk_level=model.transmission_risk_level,
            report_type=model.report_type,
            days_since_onset_of_symptoms=model.days_since_onset_of_symptoms,
        )
        for model in (draw.choice(real) for _ in range(count))
    ]


def publish_exports(now: dt.datetime | None = None, where: str | None = None) -> PublishReport:
    """Cut and store the next batch of ``where`` (default: the province's region); see the module docstring."""
    now = now or timezone.now()
    where = where or region()
    end = _hour_start(now)
    end_interval = en_interval_number(int(end.timestamp()))
    with transaction.atomic():
        pending = list(
            DiagnosisKeyRecord.objects.select_for_update()
            .filter(region=where, batch__isnull=True, created_at__lt=end)
            .order_by("pk")
        )
        ready = [
            record for record in pending if record.rolling_start_interval_number + record.rolling_period <= end_interval
        ]
        if not ready:
            return PublishReport(where, [], 0, 0)
        last = ExportFile.objects.filter(region=where).order_by("-end_timestamp").first()
        oldest_upload = min(record.created_at for record in ready)
        start = dt.datetime.fromtimestamp(last.end_timestamp, dt.UTC) if last else _hour_start(oldest_upload)
        start = min(start, end - WINDOW)
        keys = [
            DiagnosisKey(
                key_data=bytes(record.key_data),
                rolling_start_interval_number=record.rolling_start_interval_number,
                rolling_period=record.rolling_period,
                transmission_risk_level=record.transmission_risk_level,
                report_type=record.report_type,
                days_since_onset_of_symptoms=record.days_since_onset,
            )
            for record in ready
        ]
        padded_size = -(-len(keys) // PADDING_MULTIPLE) * PADDING_MULTIPLE
        padding = _padding(keys, padded_size - len(keys))
        everything = keys + padding
        secrets.SystemRandom().shuffle(everything)
        chunks = [everything[i : i + MAX_KEYS_PER_FILE] for i in range(0, len(everything), MAX_KEYS_PER_FILE)]
        signing = [active_signing_key()]
        start_ts, end_ts = int(start.timestamp()), int(end.timestamp())
        files: list[ExportFile] = []
        real_left = len(keys)
        for number, chunk in enumerate(chunks, start=1):
            batch = ExportBatch(where, number, len(chunks), start_ts, end_ts, chunk)
            name = f"{where}/{start_ts}-{end_ts}-{number:05d}.zip"
            if ExportFile.objects.filter(name=name).exists():
                # A second run in the same hour: a new file name after the last one.
                name = f"{where}/{start_ts}-{end_ts}-{number:05d}-{secrets.token_hex(4)}.zip"
            real_here = min(real_left, len(chunk))
            real_left -= real_here
            files.append(
                ExportFile.objects.create(
                    region=where,
                    name=name,
                    batch_num=number,
                    batch_size=len(chunks),
                    start_timestamp=start_ts,
                    end_timestamp=end_ts,
                    key_count=len(chunk),
                    padding_count=len(chunk) - real_here,
                    data=write_export_zip(batch, signing),
                )
            )
        DiagnosisKeyRecord.objects.filter(pk__in=[record.pk for record in ready]).update(batch=files[0])
    logger.info("exposure export %s: %d keys, %d padding, %d files", where, len(keys), len(padding), len(files))
    return PublishReport(where, [file.name for file in files], len(keys), len(padding))


def index_text(where: str) -> str:
    """The export files of a region, oldest first, one path (from the site root) per line."""
    names = ExportFile.objects.filter(region=where).order_by("end_timestamp", "batch_num", "pk")
    return "".join(f"{EXPORT_PREFIX}/{name}\n" for name in names.values_list("name", flat=True))


def export_file(where: str, file_name: str) -> bytes | None:
    found = ExportFile.objects.filter(region=where, name=f"{where}/{file_name}").values_list("data", flat=True).first()
    return bytes(found) if found is not None else None


def purge_expired(now: dt.datetime | None = None) -> dict[str, int]:
    """Delete keys (and their export files and uploads) older than 14 days. Counts only are logged."""
    now = now or timezone.now()
    current = en_interval_number(int(now.timestamp()))
    oldest = current - current % ROLLING_PERIOD - MAX_KEY_AGE_DAYS * ROLLING_PERIOD
    cutoff = now - dt.timedelta(days=MAX_KEY_AGE_DAYS)
    with transaction.atomic():
        keys, _ = DiagnosisKeyRecord.objects.filter(rolling_start_interval_number__lt=oldest).delete()
        files, _ = ExportFile.objects.filter(end_timestamp__lt=int(cutoff.timestamp())).delete()
        uploads, _ = KeyUpload.objects.filter(created_at__lt=cutoff, keys__isnull=True).delete()
    counts = {"keys": keys, "export_files": files, "uploads": uploads}
    logger.info("exposure retention: %(keys)d keys, %(export_files)d files, %(uploads)d uploads deleted", counts)
    return counts


# --- Risk configuration --------------------------------------------------------------------------------


def risk_configuration(where: str | None = None) -> dict[str, Any]:
    """The province's configuration as published to phones (the client library's default until one is set)."""
    stored = RiskSettings.objects.filter(region=where or region()).first()
    if stored is not None:
        return dict(stored.configuration)
    return RiskConfiguration().to_dict()


def set_risk_configuration(actor: User, data: dict[str, Any]) -> dict[str, Any]:
    """Replace the configuration (province administrators); checked by the client library's own parser."""
    if not (actor.is_superuser or (actor.is_active and actor.role == Role.PROVINCE_ADMIN)):
        raise NotFound()
    try:
        configuration = RiskConfiguration.from_dict(data).to_dict()
    except ConfigurationError as exc:
        raise InvalidInput(_("The risk configuration is not valid."), [FieldError(exc.field, str(exc))]) from None
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise InvalidInput(_("The risk configuration is not valid."), [FieldError("configuration", str(exc))]) from None
    with transaction.atomic():
        RiskSettings.objects.update_or_create(
            region=region(),
            defaults={"configuration": configuration, "updated_by": actor, "updated_at": timezone.now()},
        )
        audit.record(actor, AuditAction.UPDATE, "exposure_risk_configuration", region())
    return configuration
