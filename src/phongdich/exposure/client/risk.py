"""Risk scoring of matches, in the style of Exposure Notification v2 "daily summaries".

The province publishes a :class:`RiskConfiguration` as JSON. Matches are grouped into exposure windows
(one diagnosis key seen on one UTC day), each scan instance weighted by its attenuation bucket,
the window by the key's infectiousness (from its days since symptom onset) and report type. A day's
weighted minutes are the sum over its windows; the phone alerts on a day whose weighted minutes reach
the configured minimum.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from phongdich.exposure.client.crypto import INTERVAL_SECONDS
from phongdich.exposure.client.export import ReportType
from phongdich.exposure.client.matching import Match

INFECTIOUSNESS_LEVELS = ("none", "standard", "high")
ATTENUATION_BUCKETS = ("immediate", "near", "medium", "other")
REPORT_TYPES = {
    "confirmed_test": ReportType.CONFIRMED_TEST,
    "confirmed_clinical_diagnosis": ReportType.CONFIRMED_CLINICAL_DIAGNOSIS,
    "self_report": ReportType.SELF_REPORT,
    "recursive": ReportType.RECURSIVE,
}
MAX_WEIGHT = 2.5  # GAEN caps weights at 250 %
ONSET_DAYS = range(-14, 15)


def _default_infectiousness() -> dict[int, str]:
    # Infectious from two days before symptoms to about a week after, most in the first days.
    levels = {}
    for day in ONSET_DAYS:
        if -2 <= day <= 3:
            levels[day] = "high"
        elif -4 <= day <= 9:
            levels[day] = "standard"
        else:
            levels[day] = "none"
    return levels


class ConfigurationError(ValueError):
    """A risk configuration field has a bad value; `field` names it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


@dataclass(frozen=True)
class RiskConfiguration:
    # Attenuation (dB) upper bounds of the immediate, near and medium buckets; above the last is "other".
    attenuation_thresholds_db: tuple[int, int, int] = (55, 63, 73)
    attenuation_weights: Mapping[str, float] = field(
        default_factory=lambda: {"immediate": 1.5, "near": 1.0, "medium": 0.5, "other": 0.0}
    )
    infectiousness_by_days_since_onset: Mapping[int, str] = field(default_factory=_default_infectiousness)
    infectiousness_when_onset_missing: str = "standard"
    infectiousness_weights: Mapping[str, float] = field(default_factory=lambda: {"standard": 1.0, "high": 1.0})
    report_type_weights: Mapping[str, float] = field(
        default_factory=lambda: {
            "confirmed_test": 1.0,
            "confirmed_clinical_diagnosis": 1.0,
            "self_report": 0.8,
            "recursive": 0.0,
        }
    )
    report_type_when_missing: str = "confirmed_test"
    minimum_window_minutes: float = 0.0  # windows scoring less are ignored
    minimum_weighted_minutes_per_day: float = 15.0  # a day at or above this alerts

    def __post_init__(self) -> None:
        thresholds = self.attenuation_thresholds_db
        if len(thresholds) != 3 or not all(isinstance(value, int) for value in thresholds):
            raise ConfigurationError("attenuation_thresholds_db", "three whole numbers of dB are needed")
        if not 0 <= thresholds[0] <= thresholds[1] <= thresholds[2] <= 255:
            raise ConfigurationError("attenuation_thresholds_db", "thresholds must rise, between 0 and 255 dB")
        _check_weights("attenuation_weights", self.attenuation_weights, ATTENUATION_BUCKETS)
        _check_weights("infectiousness_weights", self.infectiousness_weights, ("standard", "high"))
        _check_weights("report_type_weights", self.report_type_weights, tuple(REPORT_TYPES))
        for day, level in self.infectiousness_by_days_since_onset.items():
            if day not in ONSET_DAYS or level not in INFECTIOUSNESS_LEVELS:
                raise ConfigurationError(
                    "infectiousness_by_days_since_onset", "days -14…14, each none, standard or high"
                )
        if self.infectiousness_when_onset_missing not in INFECTIOUSNESS_LEVELS:
            raise ConfigurationError("infectiousness_when_onset_missing", "none, standard or high")
        if not isinstance(self.report_type_when_missing, str) or self.report_type_when_missing not in REPORT_TYPES:
            raise ConfigurationError("report_type_when_missing", "one of " + ", ".join(REPORT_TYPES))
        for name in ("minimum_window_minutes", "minimum_weighted_minutes_per_day"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 24 * 60:
                raise ConfigurationError(name, "minutes between 0 and 1440")

    def attenuation_bucket(self, attenuation_db: int) -> str:
        immediate, near, medium = self.attenuation_thresholds_db
        if attenuation_db <= immediate:
            return "immediate"
        if attenuation_db <= near:
            return "near"
        if attenuation_db <= medium:
            return "medium"
        return "other"

    def infectiousness(self, days_since_onset: int | None) -> str:
        if days_since_onset is None:
            return self.infectiousness_when_onset_missing
        return self.infectiousness_by_days_since_onset.get(days_since_onset, "none")

    def report_type_name(self, report_type: int) -> str | None:
        """The configuration's name of a key's report type (None: not scored, e.g. revoked)."""
        if report_type == ReportType.UNKNOWN:
            return self.report_type_when_missing
        for name, value in REPORT_TYPES.items():
            if value == report_type:
                return name
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "attenuation_thresholds_db": list(self.attenuation_thresholds_db),
            "attenuation_weights": dict(self.attenuation_weights),
            "infectiousness_by_days_since_onset": {
                str(day): level for day, level in sorted(self.infectiousness_by_days_since_onset.items())
            },
            "infectiousness_when_onset_missing": self.infectiousness_when_onset_missing,
            "infectiousness_weights": dict(self.infectiousness_weights),
            "report_type_weights": dict(self.report_type_weights),
            "report_type_when_missing": self.report_type_when_missing,
            "minimum_window_minutes": self.minimum_window_minutes,
            "minimum_weighted_minutes_per_day": self.minimum_weighted_minutes_per_day,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RiskConfiguration:
        """A configuration from its JSON form; absent fields take the defaults. Raises ConfigurationError."""
        if not isinstance(data, Mapping):
            raise ConfigurationError("configuration", "a JSON object is needed")
        known = {name for name in cls.__dataclass_fields__}
        for name in data:
            if name not in known:
                raise ConfigurationError(name, "unknown field")
        values: dict[str, Any] = dict(data)
        if "attenuation_thresholds_db" in values:
            thresholds = values["attenuation_thresholds_db"]
            if not isinstance(thresholds, list | tuple):
                raise ConfigurationError("attenuation_thresholds_db", "three whole numbers of dB are needed")
            values["attenuation_thresholds_db"] = tuple(thresholds)
        if "infectiousness_by_days_since_onset" in values:
            levels = values["infectiousness_by_days_since_onset"]
            if not isinstance(levels, Mapping):
                raise ConfigurationError("infectiousness_by_days_since_onset", "an object of day: level is needed")
            try:
                given = {int(day): level for day, level in levels.items()}
            except (TypeError, ValueError):
                raise ConfigurationError("infectiousness_by_days_since_onset", "days must be whole numbers") from None
            # Days not given keep their default level, like the weights below.
            values["infectiousness_by_days_since_onset"] = {**_default_infectiousness(), **given}
        for name in ("attenuation_weights", "infectiousness_weights", "report_type_weights"):
            if name in values and not isinstance(values[name], Mapping):
                raise ConfigurationError(name, "an object of name: weight is needed")
            if name in values:
                # Missing names keep their default weight.
                values[name] = {**getattr(cls(), name), **values[name]}
        return cls(**values)


def _check_weights(name: str, weights: Mapping[str, float], expected: tuple[str, ...]) -> None:
    if set(weights) != set(expected):
        raise ConfigurationError(name, "weights for exactly " + ", ".join(expected))
    for weight in weights.values():
        if not isinstance(weight, int | float) or isinstance(weight, bool) or not 0 <= weight <= MAX_WEIGHT:
            raise ConfigurationError(name, f"weights between 0 and {MAX_WEIGHT}")


@dataclass(frozen=True)
class ScanInstance:
    attenuation_db: int
    seconds: int


@dataclass(frozen=True)
class ExposureWindow:
    """One diagnosis key's scans on one day."""

    day: dt.date
    report_type: str
    infectiousness: str
    scan_instances: list[ScanInstance]


@dataclass(frozen=True)
class DailySummary:
    day: dt.date
    weighted_minutes: float  # sum of the day's window scores
    max_score: float  # the day's highest window score
    window_count: int
    alert: bool


def interval_day(interval: int) -> dt.date:
    """The UTC day of an interval."""
    return dt.datetime.fromtimestamp(interval * INTERVAL_SECONDS, tz=dt.UTC).date()


def exposure_windows(matches: Iterable[Match], config: RiskConfiguration) -> list[ExposureWindow]:
    """Matches grouped into windows: one per diagnosis key and UTC day of the scan."""
    grouped: dict[tuple[bytes, dt.date], list[Match]] = {}
    for item in matches:
        grouped.setdefault((item.key.key_data, interval_day(item.interval)), []).append(item)
    windows = []
    for (_, day), items in sorted(grouped.items(), key=lambda entry: (entry[0][1], entry[0][0])):
        key = items[0].key
        report_type = config.report_type_name(key.report_type)
        if report_type is None:
            continue
        windows.append(
            ExposureWindow(
                day=day,
                report_type=report_type,
                infectiousness=config.infectiousness(key.days_since_onset_of_symptoms),
                scan_instances=[ScanInstance(item.attenuation_db, item.duration_s) for item in items],
            )
        )
    return windows


def window_score(window: ExposureWindow, config: RiskConfiguration) -> float:
    """Weighted minutes of one window."""
    if window.infectiousness == "none":
        return 0.0
    seconds = sum(
        scan.seconds * config.attenuation_weights[config.attenuation_bucket(scan.attenuation_db)]
        for scan in window.scan_instances
    )
    weight = config.infectiousness_weights[window.infectiousness] * config.report_type_weights[window.report_type]
    return seconds * weight / 60.0


def score(matches: Iterable[Match], config: RiskConfiguration) -> list[DailySummary]:
    """Daily summaries, by day, of the days with a window scoring at least the configured minimum."""
    by_day: dict[dt.date, list[float]] = {}
    for window in exposure_windows(matches, config):
        value = window_score(window, config)
        if value <= 0 or value < config.minimum_window_minutes:
            continue
        by_day.setdefault(window.day, []).append(value)
    summaries = []
    for day in sorted(by_day):
        values = by_day[day]
        total = round(sum(values), 6)
        summaries.append(
            DailySummary(
                day=day,
                weighted_minutes=total,
                max_score=round(max(values), 6),
                window_count=len(values),
                alert=total >= config.minimum_weighted_minutes_per_day,
            )
        )
    return summaries
