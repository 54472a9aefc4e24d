"""A simulated phone running Exposure Notification, for the simulator and the tests.

It keeps one TEK per UTC day (a new key at each day boundary, its rolling start on that boundary),
broadcasts the RPI and AEM of the current interval, remembers what it scans for 14 days, hands out its
keys for upload when its owner tests positive, and checks downloaded export batches against what it saw.
Time is the simulator's: every call names its interval, and the phone's "now" is the latest one seen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from phongdich.exposure.client import crypto
from phongdich.exposure.client.export import DiagnosisKey, ExportBatch, ReportType
from phongdich.exposure.client.matching import KeyIndex, Match, Observation, match
from phongdich.exposure.client.risk import DailySummary, RiskConfiguration, score

KEY_RETENTION_DAYS = 14
_PERIOD = crypto.ROLLING_PERIOD


@dataclass
class _DayKey:
    tek: bytes
    rpik: bytes = b""
    aemk: bytes = b""
    # (RPI, AEM) by interval, made on the first broadcast in the interval.
    advertisements: dict[int, tuple[bytes, bytes]] = field(default_factory=dict)

    def advertisement(self, interval: int, metadata: bytes) -> tuple[bytes, bytes]:
        cached = self.advertisements.get(interval)
        if cached is None:
            if not self.rpik:
                self.rpik, self.aemk = crypto.rpi_key(self.tek), crypto.aem_key(self.tek)
            rpi = crypto.rpi_block(self.rpik, crypto.padded_data(interval))
            cached = self.advertisements[interval] = (rpi, crypto.encrypt_metadata(self.aemk, rpi, metadata))
        return cached


class Phone:
    def __init__(
        self,
        *,
        tx_power_dbm: int = -8,
        key_source: Callable[[], bytes] = crypto.new_temporary_exposure_key,
    ) -> None:
        self.tx_power_dbm = tx_power_dbm
        self._metadata = crypto.metadata_bytes(tx_power_dbm)
        self._key_source = key_source
        self._keys: dict[int, _DayKey] = {}  # by rolling start
        self.observations: list[Observation] = []
        self.now_interval: int | None = None

    # Time

    def advance(self, interval: int) -> None:
        """Move the phone's clock on (never back), forgetting keys and scans older than 14 days."""
        if self.now_interval is not None and interval <= self.now_interval:
            return
        today = crypto.day_start_interval(interval)
        previous_day = None if self.now_interval is None else crypto.day_start_interval(self.now_interval)
        self.now_interval = interval
        if today == previous_day:
            return
        oldest_kept = today - KEY_RETENTION_DAYS * _PERIOD
        # A running phone rolls its key at every day boundary, whether or not anyone asked for an RPI.
        first_new_day = today if previous_day is None else previous_day + _PERIOD
        for rolling_start in range(max(first_new_day, oldest_kept), today + 1, _PERIOD):
            self._day_key(rolling_start)
        for rolling_start in [start for start in self._keys if start < oldest_kept]:
            del self._keys[rolling_start]
        self.observations = [item for item in self.observations if item.interval >= oldest_kept]

    def _day_key(self, interval: int) -> tuple[int, _DayKey]:
        rolling_start = crypto.day_start_interval(interval)
        day_key = self._keys.get(rolling_start)
        if day_key is None:
            day_key = _DayKey(self._key_source())
            self._keys[rolling_start] = day_key
        return rolling_start, day_key

    # Bluetooth

    def broadcast(self, interval: int) -> tuple[bytes, bytes]:
        """(RPI, AEM) advertised during an interval."""
        self.advance(interval)
        _, day_key = self._day_key(interval)
        return day_key.advertisement(interval, self._metadata)

    def observe(self, rpi: bytes, aem: bytes, interval: int, attenuation_db: int, duration_s: int) -> None:
        """Remember a scan of another phone's advertisement."""
        if len(rpi) != crypto.RPI_LENGTH:
            raise ValueError(f"an RPI has {crypto.RPI_LENGTH} bytes, not {len(rpi)}")
        self.advance(interval)
        self.observations.append(Observation(rpi, aem, interval, attenuation_db, duration_s))

    def meet(self, other: Phone, interval: int, attenuation_db: int, duration_s: int) -> None:
        """Both phones scan each other during an interval (a convenience for the simulator)."""
        rpi, aem = other.broadcast(interval)
        self.observe(rpi, aem, interval, attenuation_db, duration_s)
        rpi, aem = self.broadcast(interval)
        other.observe(rpi, aem, interval, attenuation_db, duration_s)

    # Reporting a positive test

    def upload_keys(
        self,
        days: int = KEY_RETENTION_DAYS,
        *,
        onset_interval: int | None = None,
        report_type: int = ReportType.CONFIRMED_TEST,
        transmission_risk_level: int = 0,
    ) -> list[DiagnosisKey]:
        """The keys of the last `days` completed days, oldest first.

        As the specification says, today's key is not released: it is still being broadcast, and is only
        uploaded after it rolls (a later upload). `onset_interval` (any interval of the day symptoms began)
        gives each key its days since onset.
        """
        if self.now_interval is None:
            return []
        today = crypto.day_start_interval(self.now_interval)
        first = today - max(0, min(days, KEY_RETENTION_DAYS)) * _PERIOD
        onset_day = None if onset_interval is None else crypto.day_start_interval(onset_interval)
        return [
            DiagnosisKey(
                key_data=self._keys[start].tek,
                rolling_start_interval_number=start,
                rolling_period=_PERIOD,
                transmission_risk_level=transmission_risk_level,
                report_type=report_type,
                days_since_onset_of_symptoms=None if onset_day is None else (start - onset_day) // _PERIOD,
            )
            for start in sorted(self._keys)
            if first <= start < today
        ]

    # Checking downloads

    def matches(self, export_batches: Iterable[ExportBatch] | KeyIndex) -> list[Match]:
        """Matches of the downloaded keys (see :func:`downloaded_keys`), or of a prebuilt :class:`KeyIndex`."""
        if isinstance(export_batches, KeyIndex):
            return export_batches.match(self.observations)
        return match(downloaded_keys(export_batches), self.observations)

    def check(self, export_batches: Iterable[ExportBatch] | KeyIndex, config: RiskConfiguration) -> list[DailySummary]:
        """Daily summaries of the exposures found in the downloaded batches."""
        return score(self.matches(export_batches), config)


def downloaded_keys(export_batches: Iterable[ExportBatch]) -> list[DiagnosisKey]:
    """The keys of the batches in order, a revised key replacing the earlier one (revoked ones then drop out)."""
    keys: dict[tuple[bytes, int], DiagnosisKey] = {}
    for batch in export_batches:
        for key in [*batch.keys, *batch.revised_keys]:
            keys[(key.key_data, key.rolling_start_interval_number)] = key
    return list(keys.values())


def key_index(export_batches: Iterable[ExportBatch]) -> KeyIndex:
    """The downloaded keys derived once, to check many phones with (``phone.check(index, config)``)."""
    return KeyIndex(downloaded_keys(export_batches))
