"""Matching downloaded diagnosis keys against the identifiers a phone has observed.

For every diagnosis key the phone derives the RPIs it broadcast during its rolling period and looks
them up among the RPIs it scanned in the last 14 days. A hit counts when it was scanned within ±2 hours
(12 intervals) of the interval the RPI belongs to: the specification's tolerance for clocks that
disagree. A hit's metadata is then decrypted with the key's AEMK.

Speed matters (a province may publish a hundred thousand keys a day, and phones are slow), so the
work per key is kept to the unavoidable: one HKDF (two SHA-256 HMACs) and one AES-ECB call over a
prebuilt 144-block buffer of padded data, shared by all keys with the same rolling start. The RPIs of
a few thousand keys are then tested together with numpy: the first 8 bytes of each RPI index a bit
table of the observed RPIs, and only the few table hits are checked exactly.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from phongdich.exposure.client import crypto
from phongdich.exposure.client.export import DiagnosisKey, ReportType

TOLERANCE_INTERVALS = 12  # ±2 hours
CHUNK_KEYS = 2048
_PERIOD = crypto.ROLLING_PERIOD
_RPI = crypto.RPI_LENGTH


@dataclass(frozen=True)
class Observation:
    """One scan of another phone's advertisement."""

    rpi: bytes
    aem: bytes
    interval: int  # ENIntervalNumber of the scan
    attenuation_db: int
    duration_s: int


@dataclass(frozen=True)
class Match:
    """An observation whose RPI a diagnosis key derives, scanned within the tolerance."""

    key: DiagnosisKey
    rpi_interval: int  # the interval the RPI was meant for
    interval: int  # when it was scanned
    attenuation_db: int
    duration_s: int
    metadata: bytes  # decrypted AEM: version byte, transmit power, two reserved bytes

    @property
    def report_type(self) -> int:
        return self.key.report_type

    @property
    def days_since_onset_of_symptoms(self) -> int | None:
        return self.key.days_since_onset_of_symptoms

    @property
    def transmission_risk_level(self) -> int:
        return self.key.transmission_risk_level


class _PaddedBlocks(dict[int, bytes]):
    """Padded data of a whole rolling period, by rolling start, made on first use."""

    def __missing__(self, rolling_start: int) -> bytes:
        block = crypto.padded_data_block(rolling_start, _PERIOD)
        self[rolling_start] = block
        return block


# HKDF-SHA256 with no salt and a 16-byte output, unrolled: the extract step's HMAC key is fixed (32 zero
# bytes), so its padded inner and outer hash states are computed once; the expand step's key (the PRK)
# changes per TEK and is padded with bytes.translate. Checked against the vectors and `cryptography`'s HKDF.
_EXTRACT_INNER = hashlib.sha256(b"\x36" * 64)
_EXTRACT_OUTER = hashlib.sha256(b"\x5c" * 64)
_XOR_INNER = bytes(value ^ 0x36 for value in range(256))
_XOR_OUTER = bytes(value ^ 0x5C for value in range(256))
_PAD_INNER = b"\x36" * 32
_PAD_OUTER = b"\x5c" * 32
_RPIK_BLOCK = b"EN-RPIK\x01"


def _rpi_key_fast(tek: bytes) -> bytes:
    inner = _EXTRACT_INNER.copy()
    inner.update(tek)
    outer = _EXTRACT_OUTER.copy()
    outer.update(inner.digest())
    prk = outer.digest()
    expand_inner = hashlib.sha256(prk.translate(_XOR_INNER) + _PAD_INNER + _RPIK_BLOCK).digest()
    return hashlib.sha256(prk.translate(_XOR_OUTER) + _PAD_OUTER + expand_inner).digest()[:16]


class ObservationIndex:
    """A phone's observations, indexed for matching many keys."""

    def __init__(self, observations: Iterable[Observation]) -> None:
        self.by_rpi: dict[bytes, list[Observation]] = {}
        for observation in observations:
            if len(observation.rpi) == _RPI:  # anything else cannot be an RPI
                self.by_rpi.setdefault(observation.rpi, []).append(observation)
        # About 256 table slots per observed RPI: one false candidate in ~256 lookups, each checked exactly.
        bits = min(26, max(12, math.ceil(math.log2(max(1, len(self.by_rpi)) * 256))))
        self.mask = np.uint64((1 << bits) - 1)
        self.table = np.zeros(1 << bits, dtype=np.bool_)
        if self.by_rpi:
            prefixes = np.frombuffer(b"".join(rpi[:8] for rpi in self.by_rpi), dtype="<u8")
            self.table[prefixes & self.mask] = True

    def __len__(self) -> int:
        return len(self.by_rpi)


def _usable(key: DiagnosisKey) -> bool:
    return (
        len(key.key_data) == crypto.TEK_LENGTH
        and 1 <= key.rolling_period <= _PERIOD
        and key.rolling_start_interval_number >= 0
        and key.report_type != ReportType.REVOKED
    )


def _derive_chunk(keys: Sequence[DiagnosisKey], padded: _PaddedBlocks) -> bytes:
    ecb = modes.ECB()  # noqa: S305 - the specification encrypts single blocks
    aes = algorithms.AES
    return b"".join(
        [
            Cipher(aes(_rpi_key_fast(key.key_data)), ecb).encryptor().update(padded[key.rolling_start_interval_number])
            for key in keys
        ]
    )


def derive_all(keys: Sequence[DiagnosisKey]) -> int:
    """Derive (and drop) every key's 144 RPIs; returns how many were derived. The matching baseline."""
    padded = _PaddedBlocks()
    derived = 0
    for start in range(0, len(keys), CHUNK_KEYS):
        derived += len(_derive_chunk(keys[start : start + CHUNK_KEYS], padded)) // _RPI
    return derived


def match(
    diagnosis_keys: Sequence[DiagnosisKey], observations: Iterable[Observation] | ObservationIndex
) -> list[Match]:
    """Every observation (within ±2 hours) of an RPI derived from the diagnosis keys, in key order.

    Keys that cannot have been broadcast (wrong length, rolling period outside 1…144, revoked) are skipped.
    """
    index = observations if isinstance(observations, ObservationIndex) else ObservationIndex(observations)
    if not index.by_rpi:
        return []
    usable = [key for key in diagnosis_keys if _usable(key)]
    padded = _PaddedBlocks()
    table, mask, by_rpi = index.table, index.mask, index.by_rpi
    matches: list[Match] = []
    for start in range(0, len(usable), CHUNK_KEYS):
        chunk = usable[start : start + CHUNK_KEYS]
        block = _derive_chunk(chunk, padded)
        prefixes = np.frombuffer(block, dtype="<u8")[::2]
        for position in np.flatnonzero(table[prefixes & mask]).tolist():
            rpi = block[position * _RPI : (position + 1) * _RPI]
            seen = by_rpi.get(rpi)
            if seen is None:
                continue
            key = chunk[position // _PERIOD]
            offset = position % _PERIOD
            if offset >= key.rolling_period:
                continue
            rpi_interval = key.rolling_start_interval_number + offset
            matches.extend(_matches_for(key, rpi, rpi_interval, seen))
    return matches


def _matches_for(key: DiagnosisKey, rpi: bytes, rpi_interval: int, seen: list[Observation]) -> list[Match]:
    found = []
    aemk: bytes | None = None
    for observation in seen:
        if abs(observation.interval - rpi_interval) > TOLERANCE_INTERVALS:
            continue
        if aemk is None:
            aemk = crypto.aem_key(key.key_data)
        found.append(
            Match(
                key=key,
                rpi_interval=rpi_interval,
                interval=observation.interval,
                attenuation_db=observation.attenuation_db,
                duration_s=observation.duration_s,
                metadata=crypto.decrypt_metadata(aemk, rpi, observation.aem),
            )
        )
    return found


class KeyIndex:
    """The RPIs of a set of diagnosis keys, derived once, for matching many phones against the same download.

    A phone matches a download once, but the simulator (and a test) checks thousands of phones against
    the same keys: deriving every key once and looking each phone's few thousand observations up in the
    sorted identifiers is far cheaper than running :func:`match` per phone. `index.match(observations)`
    returns what `match(keys, observations)` returns, in the same order.
    """

    def __init__(self, diagnosis_keys: Sequence[DiagnosisKey]) -> None:
        self.keys = [key for key in diagnosis_keys if _usable(key)]
        prefixes = np.empty(len(self.keys) * _PERIOD, dtype="<u8")
        padded = _PaddedBlocks()
        for start in range(0, len(self.keys), CHUNK_KEYS):
            chunk = self.keys[start : start + CHUNK_KEYS]
            block = np.frombuffer(_derive_chunk(chunk, padded), dtype="<u8")[::2]
            prefixes[start * _PERIOD : start * _PERIOD + len(block)] = block
        self._order = np.argsort(prefixes, kind="stable")
        self._sorted = prefixes[self._order]
        self._rpi_keys: dict[int, bytes] = {}

    def __len__(self) -> int:
        return len(self.keys)

    def match(self, observations: Sequence[Observation]) -> list[Match]:
        observations = [item for item in observations if len(item.rpi) == _RPI]
        if not observations or not self.keys:
            return []
        wanted = np.frombuffer(b"".join(item.rpi[:8] for item in observations), dtype="<u8")
        lefts = np.searchsorted(self._sorted, wanted, side="left")
        rights = np.searchsorted(self._sorted, wanted, side="right")
        found: list[tuple[int, int, Match]] = []
        for number in np.flatnonzero(rights > lefts).tolist():
            observation = observations[number]
            for position in self._order[lefts[number] : rights[number]].tolist():
                key_number, offset = divmod(position, _PERIOD)
                key = self.keys[key_number]
                if offset >= key.rolling_period:
                    continue
                rpi_interval = key.rolling_start_interval_number + offset
                rpik = self._rpi_keys.get(key_number)
                if rpik is None:
                    rpik = self._rpi_keys[key_number] = crypto.rpi_key(key.key_data)
                if crypto.rpi_block(rpik, crypto.padded_data(rpi_interval)) != observation.rpi:
                    continue  # same first 8 bytes only
                for item in _matches_for(key, observation.rpi, rpi_interval, [observation]):
                    found.append((position, number, item))
        found.sort(key=lambda entry: (entry[0], entry[1]))
        return [item for _, _, item in found]
