"""Diagnosis-key export files, as phones download them: a zip of `export.bin` and `export.sig`.

`export.bin` is the 16-byte header "EK Export v1" (space-padded) followed by a
`TemporaryExposureKeyExport` protocol buffer; `export.sig` is a `TEKSignatureList` whose signatures
are ECDSA P-256 over SHA-256 of the whole `export.bin`, ASN.1 DER encoded. The messages follow
Google's published `export.proto` (field numbers checked against a real export from Google's
reference app, kept in the tests' data). They are declared here at run time with the `protobuf`
library's descriptor API, so no generated code or `protoc` is needed.
"""

from __future__ import annotations

import base64
import binascii
import io
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError

from phongdich.exposure.client.crypto import ROLLING_PERIOD, TEK_LENGTH

EXPORT_HEADER = b"EK Export v1".ljust(16, b" ")
EXPORT_BIN = "export.bin"
EXPORT_SIG = "export.sig"
SIGNATURE_ALGORITHM = "1.2.840.10045.4.3.2"  # ecdsa-with-SHA256
# Keys per export file: a phone reads whole files, so a day's keys are split into files of at most this
# many (the exposure-notifications-server's default cap for one file).
MAX_KEYS_PER_FILE = 30_000
# A file of that many keys is about 1 MB; refuse to inflate members far beyond it (a zip bomb).
MAX_MEMBER_BYTES = 64 * 1024 * 1024


class ReportType:
    """`TemporaryExposureKey.ReportType` values."""

    UNKNOWN = 0
    CONFIRMED_TEST = 1
    CONFIRMED_CLINICAL_DIAGNOSIS = 2
    SELF_REPORT = 3
    RECURSIVE = 4
    REVOKED = 5


class ExportError(ValueError):
    """An export file that must not be used; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class DiagnosisKey:
    key_data: bytes
    rolling_start_interval_number: int
    rolling_period: int = ROLLING_PERIOD
    transmission_risk_level: int = 0
    report_type: int = ReportType.CONFIRMED_TEST
    days_since_onset_of_symptoms: int | None = None


@dataclass(frozen=True)
class SignatureInfo:
    key_id: str
    key_version: str
    algorithm: str = SIGNATURE_ALGORITHM


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    key_version: str
    private_key: ec.EllipticCurvePrivateKey

    @property
    def info(self) -> SignatureInfo:
        return SignatureInfo(self.key_id, self.key_version)


@dataclass(frozen=True)
class ExportBatch:
    region: str
    batch_num: int
    batch_size: int
    start_timestamp: int  # Unix seconds, inclusive
    end_timestamp: int  # Unix seconds, exclusive
    keys: list[DiagnosisKey]
    revised_keys: list[DiagnosisKey] = field(default_factory=list)
    # Filled from the signing keys when written; what the file declares when read.
    signature_infos: list[SignatureInfo] = field(default_factory=list)


def _field(
    name: str, number: int, kind: int, *, repeated: bool = False, type_name: str = "", default: str = ""
) -> descriptor_pb2.FieldDescriptorProto:
    proto = descriptor_pb2.FieldDescriptorProto(
        name=name,
        number=number,
        type=kind,
        label=(
            descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED
            if repeated
            else descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL
        ),
    )
    if type_name:
        proto.type_name = type_name
    if default:
        proto.default_value = default
    return proto


def _build_messages() -> dict[str, Any]:
    fd = descriptor_pb2.FieldDescriptorProto
    file_proto = descriptor_pb2.FileDescriptorProto(
        name="phongdich_exposure_export.proto", package="phongdich.gaen", syntax="proto2"
    )
    file_proto.message_type.add(
        name="TemporaryExposureKeyExport",
        field=[
            _field("start_timestamp", 1, fd.TYPE_FIXED64),
            _field("end_timestamp", 2, fd.TYPE_FIXED64),
            _field("region", 3, fd.TYPE_STRING),
            _field("batch_num", 4, fd.TYPE_INT32),
            _field("batch_size", 5, fd.TYPE_INT32),
            _field("signature_infos", 6, fd.TYPE_MESSAGE, repeated=True, type_name=".phongdich.gaen.SignatureInfo"),
            _field("keys", 7, fd.TYPE_MESSAGE, repeated=True, type_name=".phongdich.gaen.TemporaryExposureKey"),
            _field("revised_keys", 8, fd.TYPE_MESSAGE, repeated=True, type_name=".phongdich.gaen.TemporaryExposureKey"),
        ],
    )
    # Fields 1 and 2 (app_bundle_id, android_package) were removed from the standard; old files may carry them.
    file_proto.message_type.add(
        name="SignatureInfo",
        field=[
            _field("verification_key_version", 3, fd.TYPE_STRING),
            _field("verification_key_id", 4, fd.TYPE_STRING),
            _field("signature_algorithm", 5, fd.TYPE_STRING),
        ],
    )
    key_message = file_proto.message_type.add(
        name="TemporaryExposureKey",
        field=[
            _field("key_data", 1, fd.TYPE_BYTES),
            _field("transmission_risk_level", 2, fd.TYPE_INT32),
            _field("rolling_start_interval_number", 3, fd.TYPE_INT32),
            _field("rolling_period", 4, fd.TYPE_INT32, default=str(ROLLING_PERIOD)),
            _field("report_type", 5, fd.TYPE_ENUM, type_name=".phongdich.gaen.TemporaryExposureKey.ReportType"),
            _field("days_since_onset_of_symptoms", 6, fd.TYPE_SINT32),
        ],
    )
    report_type = key_message.enum_type.add(name="ReportType")
    for name in ("UNKNOWN", "CONFIRMED_TEST", "CONFIRMED_CLINICAL_DIAGNOSIS", "SELF_REPORT", "RECURSIVE", "REVOKED"):
        report_type.value.add(name=name, number=getattr(ReportType, name))
    file_proto.message_type.add(
        name="TEKSignatureList",
        field=[_field("signatures", 1, fd.TYPE_MESSAGE, repeated=True, type_name=".phongdich.gaen.TEKSignature")],
    )
    file_proto.message_type.add(
        name="TEKSignature",
        field=[
            _field("signature_info", 1, fd.TYPE_MESSAGE, type_name=".phongdich.gaen.SignatureInfo"),
            _field("batch_num", 2, fd.TYPE_INT32),
            _field("batch_size", 3, fd.TYPE_INT32),
            _field("signature", 4, fd.TYPE_BYTES),
        ],
    )
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file_proto)
    return {
        name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"phongdich.gaen.{name}"))
        for name in ("TemporaryExposureKeyExport", "SignatureInfo", "TemporaryExposureKey", "TEKSignatureList")
    }


_MESSAGES = _build_messages()
TemporaryExposureKeyExport: Any = _MESSAGES["TemporaryExposureKeyExport"]
TEKSignatureList: Any = _MESSAGES["TEKSignatureList"]


def _fill_keys(container: Any, keys: Iterable[DiagnosisKey]) -> None:
    add = container.add
    for key in keys:
        if len(key.key_data) != TEK_LENGTH:
            raise ValueError(f"a diagnosis key has {TEK_LENGTH} bytes, not {len(key.key_data)}")
        message = add(
            key_data=key.key_data,
            transmission_risk_level=key.transmission_risk_level,
            rolling_start_interval_number=key.rolling_start_interval_number,
            rolling_period=key.rolling_period,
            report_type=key.report_type,
        )
        if key.days_since_onset_of_symptoms is not None:
            message.days_since_onset_of_symptoms = key.days_since_onset_of_symptoms


def export_bin(batch: ExportBatch, signature_infos: Sequence[SignatureInfo]) -> bytes:
    """The bytes of `export.bin` for a batch."""
    message = TemporaryExposureKeyExport(
        start_timestamp=batch.start_timestamp,
        end_timestamp=batch.end_timestamp,
        region=batch.region,
        batch_num=batch.batch_num,
        batch_size=batch.batch_size,
    )
    for info in signature_infos:
        message.signature_infos.add(
            verification_key_version=info.key_version,
            verification_key_id=info.key_id,
            signature_algorithm=info.algorithm,
        )
    _fill_keys(message.keys, batch.keys)
    _fill_keys(message.revised_keys, batch.revised_keys)
    return EXPORT_HEADER + message.SerializeToString()


def sign_export_bin(content: bytes, batch: ExportBatch, signing_keys: Sequence[SigningKey]) -> bytes:
    """The bytes of `export.sig`: one signature of the whole `export.bin` per signing key."""
    signatures = TEKSignatureList()
    for key in signing_keys:
        signatures.signatures.add(
            signature_info={
                "verification_key_version": key.key_version,
                "verification_key_id": key.key_id,
                "signature_algorithm": SIGNATURE_ALGORITHM,
            },
            batch_num=batch.batch_num,
            batch_size=batch.batch_size,
            signature=key.private_key.sign(content, ec.ECDSA(hashes.SHA256())),
        )
    return bytes(signatures.SerializeToString())


def write_export_zip(batch: ExportBatch, signing_keys: Sequence[SigningKey]) -> bytes:
    """The export zip (export.bin + export.sig) of a batch, signed by every key given."""
    if not signing_keys:
        raise ValueError("an export file needs at least one signing key")
    content = export_bin(batch, [key.info for key in signing_keys])
    signature = sign_export_bin(content, batch, signing_keys)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(EXPORT_BIN, content)
        archive.writestr(EXPORT_SIG, signature)
    return buffer.getvalue()


def _read_keys(messages: Iterable[Any]) -> list[DiagnosisKey]:
    return [
        DiagnosisKey(
            key_data=message.key_data,
            rolling_start_interval_number=message.rolling_start_interval_number,
            rolling_period=message.rolling_period,
            transmission_risk_level=message.transmission_risk_level,
            report_type=message.report_type,
            days_since_onset_of_symptoms=(
                message.days_since_onset_of_symptoms if message.HasField("days_since_onset_of_symptoms") else None
            ),
        )
        for message in messages
    ]


def _text(value: str | bytes, field_name: str) -> str:
    # proto2 strings are not checked on parsing: invalid UTF-8 comes back as bytes.
    if isinstance(value, bytes):
        raise ExportError(f"{field_name} is not UTF-8 text")
    return value


def parse_export_bin(content: bytes) -> ExportBatch:
    """The batch in an `export.bin` (no signature check: see :func:`read_export_zip`)."""
    if content[:16] != EXPORT_HEADER:
        raise ExportError("export.bin does not start with the header 'EK Export v1'")
    message = TemporaryExposureKeyExport()
    try:
        message.ParseFromString(content[16:])
    except DecodeError:
        raise ExportError("export.bin is not a valid TemporaryExposureKeyExport") from None
    return ExportBatch(
        region=_text(message.region, "region"),
        batch_num=message.batch_num,
        batch_size=message.batch_size,
        start_timestamp=message.start_timestamp,
        end_timestamp=message.end_timestamp,
        keys=_read_keys(message.keys),
        revised_keys=_read_keys(message.revised_keys),
        signature_infos=[
            SignatureInfo(
                _text(info.verification_key_id, "verification_key_id"),
                _text(info.verification_key_version, "verification_key_version"),
                _text(info.signature_algorithm, "signature_algorithm"),
            )
            for info in message.signature_infos
        ],
    )


def verify_export_signature(
    content: bytes, signature_list: bytes, public_keys: Mapping[tuple[str, str], ec.EllipticCurvePublicKey]
) -> SignatureInfo:
    """Check `export.sig` against `export.bin`; returns the signature info that verified.

    Every signature made with a key we know must verify; signatures by keys we don't know are skipped
    (a file may be signed for several countries' apps), but at least one known one is required.
    """
    signatures = TEKSignatureList()
    try:
        signatures.ParseFromString(signature_list)
    except DecodeError:
        raise ExportError("export.sig is not a valid TEKSignatureList") from None
    verified: SignatureInfo | None = None
    for entry in signatures.signatures:
        info = entry.signature_info
        public_key = public_keys.get((info.verification_key_id, info.verification_key_version))
        if public_key is None:
            continue
        if info.signature_algorithm != SIGNATURE_ALGORITHM:
            raise ExportError(f"unsupported signature algorithm {info.signature_algorithm!r}")
        try:
            public_key.verify(entry.signature, content, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise ExportError(
                f"signature by key {info.verification_key_id}-{info.verification_key_version} does not match"
            ) from None
        verified = SignatureInfo(info.verification_key_id, info.verification_key_version, info.signature_algorithm)
    if verified is None:
        raise ExportError("export.sig has no signature by a known key")
    return verified


def read_export_zip(data: bytes, public_keys: Mapping[tuple[str, str], ec.EllipticCurvePublicKey]) -> ExportBatch:
    """Open an export zip, verify its signature with the key named by (key id, key version), parse it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            for name in (EXPORT_BIN, EXPORT_SIG):
                if name not in names:
                    raise ExportError(f"the export zip has no {name}")
                if archive.getinfo(name).file_size > MAX_MEMBER_BYTES:
                    raise ExportError(f"{name} is larger than {MAX_MEMBER_BYTES} bytes")
            content = archive.read(EXPORT_BIN)
            signature_list = archive.read(EXPORT_SIG)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as error:
        if isinstance(error, ExportError):
            raise
        # A damaged member fails its CRC (BadZipFile) or its inflation (zlib.error); an unknown compression
        # method raises NotImplementedError: all are a file the phone cannot use.
        raise ExportError("not a readable export zip") from None
    return verify_export(content, signature_list, public_keys)


def verify_export(
    content: bytes, signature_list: bytes, public_keys: Mapping[tuple[str, str], ec.EllipticCurvePublicKey]
) -> ExportBatch:
    """The batch of an `export.bin` whose `export.sig` verifies (see :func:`read_export_zip`)."""
    if content[:16] != EXPORT_HEADER:
        raise ExportError("export.bin does not start with the header 'EK Export v1'")
    verify_export_signature(content, signature_list, public_keys)
    batch = parse_export_bin(content)
    signatures = TEKSignatureList()
    signatures.ParseFromString(signature_list)
    for entry in signatures.signatures:
        if (entry.HasField("batch_num") and entry.batch_num != batch.batch_num) or (
            entry.HasField("batch_size") and entry.batch_size != batch.batch_size
        ):
            raise ExportError("export.sig names another batch than export.bin")
    return batch


def load_public_keys(text: str) -> dict[tuple[str, str], ec.EllipticCurvePublicKey]:
    """Public keys from a listing of lines "<key id>-<version> <base64 DER SubjectPublicKeyInfo>".

    Blank lines and lines starting with "#" are skipped. The version is what follows the last "-".
    """
    keys: dict[tuple[str, str], ec.EllipticCurvePublicKey] = {}
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2 or "-" not in parts[0]:
            raise ValueError(f"line {number}: expected '<key id>-<version> <base64 public key>'")
        key_id, _, version = parts[0].rpartition("-")
        try:
            public_key = serialization.load_der_public_key(base64.b64decode(parts[1], validate=True))
        except (ValueError, binascii.Error):
            raise ValueError(f"line {number}: not a base64 DER public key") from None
        if not isinstance(public_key, ec.EllipticCurvePublicKey) or public_key.curve.name != "secp256r1":
            raise ValueError(f"line {number}: not an EC P-256 public key")
        keys[(key_id, version)] = public_key
    return keys


def public_key_line(key: SigningKey) -> str:
    """The listing line (see :func:`load_public_keys`) of a signing key's public half."""
    der = key.private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return f"{key.key_id}-{key.key_version} {base64.b64encode(der).decode('ascii')}"


def generate_signing_key(key_id: str, key_version: str = "v1") -> SigningKey:
    """A new P-256 signing key."""
    return SigningKey(key_id, key_version, ec.generate_private_key(ec.SECP256R1()))
