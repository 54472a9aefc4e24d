"""What the verifier needs from a document-signer certificate: its ``kid`` and its DCC key-usage OIDs."""

from __future__ import annotations

import hashlib

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

EKU_OID = "2.5.29.37"
# The certificate types a DSC may sign, by extended-key-usage OID (eHealth Network, DCC technical spec vol. 1).
DCC_EKU = {
    "1.3.6.1.4.1.1847.2021.1.1": "t",
    "1.3.6.1.4.1.1847.2021.1.2": "v",
    "1.3.6.1.4.1.1847.2021.1.3": "r",
}
# The dgc-testdata certificates spell these with an extra ".0" arc (1.3.6.1.4.1.0.1847…);
# verifiers built against that data accept both spellings, and so do we.
DCC_EKU_TESTDATA = {oid.replace(".1.4.1.1847.", ".1.4.1.0.1847."): kind for oid, kind in DCC_EKU.items()}
ALL_TYPES = frozenset({"t", "v", "r"})


def kid_of(certificate: x509.Certificate) -> bytes:
    """The DCC key identifier: the first 8 bytes of the SHA-256 of the certificate's DER."""
    return hashlib.sha256(certificate.public_bytes(Encoding.DER)).digest()[:8]


def allowed_types(certificate: x509.Certificate) -> frozenset[str]:
    """The certificate types (``v``, ``t``, ``r``) this DSC may sign.

    No EKU extension, an empty one, or one without any DCC OID means no restriction.
    """
    try:
        oids = _eku_oids_parsed(certificate)
    except ValueError:
        # cryptography rejects an empty EKU SEQUENCE (and other oddities); read the DER ourselves.
        oids = _eku_oids_from_der(certificate.public_bytes(Encoding.DER))
    if oids is None:
        return ALL_TYPES
    kinds = {DCC_EKU.get(oid) or DCC_EKU_TESTDATA.get(oid) for oid in oids} - {None}
    return frozenset(k for k in kinds if k) or ALL_TYPES


def _eku_oids_parsed(certificate: x509.Certificate) -> list[str] | None:
    try:
        eku = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return None
    return [oid.dotted_string for oid in eku]


# --- a minimal DER reader, only for the extension cryptography refuses ---------------------------


def _tlv(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of value, end of value) of the element at ``pos``."""
    if pos + 2 > len(data):
        raise ValueError("truncated DER")
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise ValueError("bad DER length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + length > len(data):
        raise ValueError("truncated DER")
    return tag, pos, pos + length


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    out = []
    while start < end:
        tag, vstart, vend = _tlv(data, start)
        out.append((tag, vstart, vend))
        start = vend
    return out


def _oid(raw: bytes) -> str:
    if not raw:
        raise ValueError("empty OID")
    parts = [raw[0] // 40, raw[0] % 40] if raw[0] < 80 else [2, raw[0] - 80]
    value = 0
    for byte in raw[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    return ".".join(str(p) for p in parts)


def _eku_oids_from_der(der: bytes) -> list[str] | None:
    _tag, start, end = _tlv(der, 0)
    _tbs_tag, tbs_start, tbs_end = _children(der, start, end)[0]
    for tag, vstart, _vend in _children(der, tbs_start, tbs_end):
        if tag != 0xA3:  # [3] EXPLICIT Extensions
            continue
        _seq, estart, eend = _tlv(der, vstart)
        for _t, xstart, xend in _children(der, estart, eend):
            fields = _children(der, xstart, xend)
            if _oid(der[fields[0][1] : fields[0][2]]) != EKU_OID:
                continue
            octets = fields[-1]
            _s, ostart, oend = _tlv(der, octets[1])
            return [_oid(der[a:b]) for _tg, a, b in _children(der, ostart, oend)]
    return None
