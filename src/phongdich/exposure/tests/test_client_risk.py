"""Risk scoring with hand-computed values (no database)."""

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phongdich.exposure.client.export import DiagnosisKey, ReportType
from phongdich.exposure.client.matching import Match
from phongdich.exposure.client.risk import ConfigurationError, RiskConfiguration, exposure_windows, interval_day, score

DAY = 2_700_000 - 2_700_000 % 144  # 2021-05-03 00:00 UTC
KEY_CONFIRMED = DiagnosisKey(b"\x01" * 16, DAY, report_type=ReportType.CONFIRMED_TEST, days_since_onset_of_symptoms=0)
KEY_SELF = DiagnosisKey(b"\x02" * 16, DAY, report_type=ReportType.SELF_REPORT, days_since_onset_of_symptoms=6)


def _match(key, interval, attenuation, seconds):
    return Match(key, interval, interval, attenuation, seconds, b"\x40\xf8\x00\x00")


def test_interval_day():
    assert interval_day(DAY) == dt.date(2021, 5, 3)
    assert interval_day(DAY + 143) == dt.date(2021, 5, 3)
    assert interval_day(DAY + 144) == dt.date(2021, 5, 4)


def test_attenuation_buckets_and_infectiousness():
    config = RiskConfiguration()
    assert [config.attenuation_bucket(value) for value in (40, 55, 56, 63, 64, 73, 74)] == [
        "immediate",
        "immediate",
        "near",
        "near",
        "medium",
        "medium",
        "other",
    ]
    assert [config.infectiousness(day) for day in (-5, -4, -2, 3, 4, 9, 10, None, 20)] == [
        "none",
        "standard",
        "high",
        "high",
        "standard",
        "standard",
        "none",
        "standard",
        "none",
    ]


def test_daily_summary_hand_computed():
    config = RiskConfiguration(
        infectiousness_weights={"standard": 0.6, "high": 1.0}, minimum_weighted_minutes_per_day=15.0
    )
    matches = [
        # Confirmed test, onset day 0 (high, 1.0): 10 min immediate (×1.5) + 10 min medium (×0.5) + 20 min other (×0)
        # = 15 + 5 + 0 = 20 weighted minutes.
        _match(KEY_CONFIRMED, DAY + 60, 50, 600),
        _match(KEY_CONFIRMED, DAY + 61, 70, 600),
        _match(KEY_CONFIRMED, DAY + 62, 80, 1200),
        # Self report (0.8), onset day 6 (standard, 0.6): 10 min near (×1.0) → 10 × 0.6 × 0.8 = 4.8.
        _match(KEY_SELF, DAY + 70, 60, 600),
        # Next day: the self report only, 15 min immediate → 15 × 1.5 × 0.6 × 0.8 = 10.8, below 15.
        _match(KEY_SELF, DAY + 150, 40, 900),
    ]
    summaries = score(matches, config)
    assert [(item.day, item.weighted_minutes, item.max_score, item.window_count, item.alert) for item in summaries] == [
        (dt.date(2021, 5, 3), 24.8, 20.0, 2, True),
        (dt.date(2021, 5, 4), 10.8, 10.8, 1, False),
    ]


def test_windows_group_by_key_and_day():
    windows = exposure_windows(
        [_match(KEY_CONFIRMED, DAY + 1, 50, 60), _match(KEY_CONFIRMED, DAY + 2, 50, 60), _match(KEY_SELF, DAY, 50, 60)],
        RiskConfiguration(),
    )
    assert [(window.report_type, window.infectiousness, len(window.scan_instances)) for window in windows] == [
        ("confirmed_test", "high", 2),
        ("self_report", "standard", 1),
    ]


def test_no_infectiousness_recursive_and_minimum_window_score():
    config = RiskConfiguration(minimum_window_minutes=5.0)
    late = DiagnosisKey(b"\x03" * 16, DAY, days_since_onset_of_symptoms=12)  # none
    recursive = DiagnosisKey(b"\x04" * 16, DAY, report_type=ReportType.RECURSIVE, days_since_onset_of_symptoms=0)
    small = DiagnosisKey(b"\x05" * 16, DAY, days_since_onset_of_symptoms=0)  # 3 min immediate = 4.5 < 5
    unknown = DiagnosisKey(b"\x06" * 16, DAY, report_type=ReportType.UNKNOWN, days_since_onset_of_symptoms=None)
    summaries = score(
        [
            _match(late, DAY, 40, 3600),
            _match(recursive, DAY, 40, 3600),
            _match(small, DAY, 40, 180),
            _match(unknown, DAY, 60, 600),  # as confirmed test, standard: 10 × 1.0 × 1.0 × 1.0 = 10
        ],
        config,
    )
    assert [(item.weighted_minutes, item.window_count, item.alert) for item in summaries] == [(10.0, 1, False)]


def test_json_round_trip():
    config = RiskConfiguration(attenuation_thresholds_db=(50, 60, 70), minimum_weighted_minutes_per_day=30)
    data = json.loads(json.dumps(config.to_dict()))
    assert data["infectiousness_by_days_since_onset"]["-2"] == "high"
    assert RiskConfiguration.from_dict(data) == config


def test_partial_json_keeps_defaults():
    config = RiskConfiguration.from_dict({"attenuation_weights": {"other": 0.1}, "minimum_weighted_minutes_per_day": 5})
    assert config.attenuation_weights == {"immediate": 1.5, "near": 1.0, "medium": 0.5, "other": 0.1}
    assert config.minimum_weighted_minutes_per_day == 5
    shifted = RiskConfiguration.from_dict({"infectiousness_by_days_since_onset": {"0": "none", "12": "standard"}})
    assert [shifted.infectiousness(day) for day in (-1, 0, 12, 13)] == ["high", "none", "standard", "none"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"attenuation_thresholds_db": [70, 60, 50]}, "attenuation_thresholds_db"),
        ({"attenuation_thresholds_db": "55"}, "attenuation_thresholds_db"),
        ({"attenuation_weights": {"near": 3}}, "attenuation_weights"),
        ({"attenuation_weights": {"far": 1}}, "attenuation_weights"),
        ({"infectiousness_by_days_since_onset": {"20": "high"}}, "infectiousness_by_days_since_onset"),
        ({"infectiousness_by_days_since_onset": {"1": "very"}}, "infectiousness_by_days_since_onset"),
        ({"infectiousness_by_days_since_onset": {"x": "high"}}, "infectiousness_by_days_since_onset"),
        ({"report_type_when_missing": "rumour"}, "report_type_when_missing"),
        ({"minimum_weighted_minutes_per_day": -1}, "minimum_weighted_minutes_per_day"),
        ({"minimum_weighted_minutes_per_day": True}, "minimum_weighted_minutes_per_day"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_configuration_names_the_field(data, field):
    with pytest.raises(ConfigurationError) as raised:
        RiskConfiguration.from_dict(data)
    assert raised.value.field == field


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-300, 300) | st.floats(allow_nan=True) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4),
    max_leaves=10,
)
field_names = st.sampled_from([*RiskConfiguration.__dataclass_fields__, "other"])


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(field_names, json_values, max_size=4))
def test_any_json_gives_a_configuration_or_a_field_error(data):
    try:
        config = RiskConfiguration.from_dict(data)
    except ConfigurationError as error:
        assert error.field in {*RiskConfiguration.__dataclass_fields__, "other"}
    else:
        assert RiskConfiguration.from_dict(config.to_dict()) == config
