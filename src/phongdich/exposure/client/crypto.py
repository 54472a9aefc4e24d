"""Exposure Notification cryptography (Apple/Google specification v1.2).

A phone makes a Temporary Exposure Key (TEK) every day; from it come the Rolling Proximity
Identifier Key (RPIK) and the Associated Encrypted Metadata Key (AEMK), both HKDF-SHA256 with no
salt. Every 10-minute interval the phone broadcasts RPI = AES-128(RPIK, "EN-RPI" + 6 zero bytes +
ENIntervalNumber as little-endian uint32) and its metadata encrypted with AES-128-CTR(AEMK, IV=RPI).

The HKDF here is written with the standard library's one-shot HMAC (one extract and one expand
block, as RFC 5869 gives for a 16-byte output): it is several times faster than building
`cryptography`'s HKDF object per key, which matters when a phone derives the identifiers of a
hundred thousand diagnosis keys. The tests check it against `cryptography`'s HKDF and the
specification's test vectors.
"""

from __future__ import annotations

import functools
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

TEK_LENGTH = 16
ROLLING_PERIOD = 144  # intervals of 10 minutes: a key is valid for one day
INTERVAL_SECONDS = 600
RPI_LENGTH = 16

_RPIK_INFO = b"EN-RPIK"
_AEMK_INFO = b"EN-AEMK"
_RPI_PREFIX = b"EN-RPI" + bytes(6)
_NO_SALT = bytes(32)  # HKDF with salt=None uses HashLen zero bytes


def en_interval_number(unix_seconds: int) -> int:
    """ENIntervalNumber: the number of the 10-minute window that holds this Unix time."""
    return int(unix_seconds) // INTERVAL_SECONDS


def day_start_interval(interval: int) -> int:
    """The first interval of the (UTC) day holding this interval: where a TEK's rolling period starts."""
    return interval - interval % ROLLING_PERIOD


def new_temporary_exposure_key() -> bytes:
    """A fresh TEK from the operating system's cryptographic random generator."""
    return os.urandom(TEK_LENGTH)


def _hkdf16(key: bytes, info: bytes) -> bytes:
    pseudo_random_key = hmac.digest(_NO_SALT, key, "sha256")
    return hmac.digest(pseudo_random_key, info + b"\x01", "sha256")[:16]


def _check_tek(tek: bytes) -> None:
    if len(tek) != TEK_LENGTH:
        raise ValueError(f"a temporary exposure key has {TEK_LENGTH} bytes, not {len(tek)}")


def rpi_key(tek: bytes) -> bytes:
    """RPIK = HKDF-SHA256(TEK, salt=None, info="EN-RPIK", 16 bytes)."""
    _check_tek(tek)
    return _hkdf16(tek, _RPIK_INFO)


def aem_key(tek: bytes) -> bytes:
    """AEMK = HKDF-SHA256(TEK, salt=None, info="EN-AEMK", 16 bytes)."""
    _check_tek(tek)
    return _hkdf16(tek, _AEMK_INFO)


def padded_data(interval: int) -> bytes:
    """The 16-byte block RPI encrypts for one interval."""
    return _RPI_PREFIX + struct.pack("<I", interval & 0xFFFFFFFF)


@functools.lru_cache(maxsize=64)
def padded_data_block(rolling_start: int, count: int = ROLLING_PERIOD) -> bytes:
    """The padded data of `count` consecutive intervals, one 16-byte block each, for one AES-ECB call."""
    return b"".join(padded_data(rolling_start + i) for i in range(count))


def rpi_block(rpik: bytes, padded: bytes) -> bytes:
    """The RPIs of a prebuilt padded-data block (see :func:`padded_data_block`), concatenated."""
    encryptor = Cipher(algorithms.AES(rpik), modes.ECB()).encryptor()  # noqa: S305 - the specification's construction
    return encryptor.update(padded)


def rolling_proximity_identifiers(tek: bytes, rolling_start: int, count: int = ROLLING_PERIOD) -> list[bytes]:
    """The RPIs of the intervals rolling_start … rolling_start + count - 1."""
    block = rpi_block(rpi_key(tek), padded_data_block(rolling_start, count))
    return [block[i : i + RPI_LENGTH] for i in range(0, len(block), RPI_LENGTH)]


def rolling_proximity_identifier(tek: bytes, interval: int) -> bytes:
    """The RPI broadcast during one interval."""
    return rpi_block(rpi_key(tek), padded_data(interval))


def encrypt_metadata(aemk: bytes, rpi: bytes, metadata: bytes) -> bytes:
    """AEM = AES-128-CTR(AEMK, IV=RPI, metadata)."""
    encryptor = Cipher(algorithms.AES(aemk), modes.CTR(rpi)).encryptor()
    return encryptor.update(metadata) + encryptor.finalize()


def decrypt_metadata(aemk: bytes, rpi: bytes, metadata: bytes) -> bytes:
    """The metadata back from an AEM (CTR mode: the same operation as encryption)."""
    return encrypt_metadata(aemk, rpi, metadata)


def metadata_bytes(tx_power_dbm: int, version: int = 0x40) -> bytes:
    """Bluetooth metadata a phone encrypts into its AEM: version byte (0x40 = v1.0), transmit power (signed
    dBm), two reserved bytes."""
    return struct.pack("<Bbxx", version, tx_power_dbm)


def read_metadata(metadata: bytes) -> tuple[int, int]:
    """(version byte, transmit power in dBm) from decrypted metadata."""
    if len(metadata) < 2:
        raise ValueError("metadata has fewer than 2 bytes")
    return metadata[0], struct.unpack("<b", metadata[1:2])[0]
