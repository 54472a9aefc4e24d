"""Key generation (CSCA and DSC with the DCC key-usage OIDs) and encryption of private keys at rest.

A private key is stored as PKCS#8 PEM encrypted under a password derived from ``SECRET_KEY`` with
HKDF-SHA256 (salt: the record's purpose and key id). Changing ``SECRET_KEY`` therefore makes stored
keys unreadable: rotate the signing key after changing it (older certificates keep verifying, since
verification needs only the public certificates).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import NameOID
from django.conf import settings

from phongdich.certificates.dcc.x509util import DCC_EKU

COUNTRY = "VN"
ORGANISATION = "PhongDich"


def _password(purpose: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"phongdich.certificates", info=purpose.encode())
    return hkdf.derive(settings.SECRET_KEY.encode("utf-8"))


def encrypt_private_key(key: ec.EllipticCurvePrivateKey, purpose: str) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(_password(purpose)),
    ).decode("ascii")


@lru_cache(maxsize=16)
def _load(pem: str, password: bytes) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=password)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise TypeError("signing keys are EC P-256")
    return key


def decrypt_private_key(pem: str, purpose: str) -> ec.EllipticCurvePrivateKey:
    """The key; decrypting is slow by design (a KDF), so the result is cached per process."""
    return _load(pem, _password(purpose))


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, COUNTRY),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def make_csca(now: dt.datetime, days: int) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name("PhongDich CSCA")
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def make_dsc(
    csca_key: ec.EllipticCurvePrivateKey,
    csca: x509.Certificate,
    now: dt.datetime,
    days: int,
    types: tuple[str, ...] = ("v", "t", "r"),
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A document signer certified by the CSCA, with the DCC EKU OIDs of ``types``."""
    key = ec.generate_private_key(ec.SECP256R1())
    oids = [x509.ObjectIdentifier(oid) for oid, kind in DCC_EKU.items() if kind in types]
    not_after = min(now + dt.timedelta(days=days), csca.not_valid_after_utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(f"PhongDich DSC {now:%Y%m%d%H%M%S}"))
        .issuer_name(csca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(csca_key.public_key()),
            critical=False,
        )
    )
    if oids:
        builder = builder.add_extension(x509.ExtendedKeyUsage(oids), critical=False)
    return key, builder.sign(csca_key, hashes.SHA256())
