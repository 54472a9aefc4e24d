"""The renewal-equation projection on cases that can be computed by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from phongdich.situation.projection import project
from phongdich.situation.rt import default_serial_interval, estimate_r


def test_r_one_with_a_one_day_serial_interval_keeps_incidence_flat() -> None:
    projection = project([5, 6, 7], None, [0, 1], r=1.0)
    assert projection.days == 14
    assert projection.expected == (7.0,) * 14
    assert projection.total == 98.0


def test_r_two_doubles_every_generation() -> None:
    projection = project([0, 3], None, [0, 1], r=2.0, days=4)
    assert projection.expected == (6.0, 12.0, 24.0, 48.0)


def test_two_day_generation_doubles_every_second_day() -> None:
    # All transmission two days after infection: the two interleaved chains double separately.
    projection = project([1, 10], None, [0, 0, 1], r=2.0, days=4)
    assert projection.expected == (2.0, 20.0, 4.0, 40.0)


def test_a_split_serial_interval_mixes_past_days() -> None:
    # I_t = R · (0.5 · I_{t-1} + 0.5 · I_{t-2}) with R = 1: 4, 8 -> 6, 7, 6.5.
    projection = project([4, 8], None, [0, 0.5, 0.5], r=1.0, days=3)
    assert projection.expected == pytest.approx((6.0, 7.0, 6.5), abs=1e-12)


def test_imported_cases_infect_too() -> None:
    only_local = project([0, 2], [0, 0], [0, 1], r=1.5, days=2)
    with_imports = project([0, 2], [0, 2], [0, 1], r=1.5, days=2)
    assert only_local.expected == (3.0, 4.5)
    assert with_imports.expected == (6.0, 9.0)


def test_band_from_the_credible_bounds_brackets_the_projection() -> None:
    projection = project([0, 4], None, [0, 1], r=1.0, days=3, r_low=0.5, r_high=1.5)
    assert projection.low == (2.0, 1.0, 0.5)
    assert projection.high == (6.0, 9.0, 13.5)
    assert projection.expected == (4.0, 4.0, 4.0)
    without_band = project([0, 4], None, [0, 1], r=1.0, days=3)
    assert without_band.low is None and without_band.high is None


def test_no_transmission_past_the_serial_interval() -> None:
    # Cases long before the serial interval's reach infect no one.
    projection = project([9, 0, 0, 0], None, [0, 1], r=3.0, days=2)
    assert projection.expected == (0.0, 0.0)


def test_projected_days_carry_dates() -> None:
    projection = project([1, 2], None, [0, 1], r=1.0, days=2, last_date=dt.date(2021, 8, 31))
    assert projection.dates == (dt.date(2021, 9, 1), dt.date(2021, 9, 2))


def test_projection_from_the_last_rt_window() -> None:
    local = [0, 3, 4, 6, 7, 9, 12, 14, 18, 21, 25, 30, 36, 40]
    si = default_serial_interval(len(local) - 1)
    last = estimate_r(local, None, si)[-1]
    projection = project(local, None, si, r=last.mean, r_low=last.q025, r_high=last.q975)
    assert last.mean > 1
    assert all(
        low <= mid <= high
        for low, mid, high in zip(projection.low or (), projection.expected, projection.high or (), strict=True)
    )
    # A growing epidemic with R > 1 keeps growing under the central estimate.
    assert projection.expected[-1] > projection.expected[0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"r": -1.0}, "R must be"),
        ({"r": float("nan")}, "R must be"),
        ({"r": 1.0, "days": 0}, "at least 1 day"),
        ({"r": 1.0, "r_low": -0.1}, "lower bound"),
        ({"r": 1.0, "r_high": float("inf")}, "upper bound"),
    ],
)
def test_bad_parameters_are_refused(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        project([1, 2, 3], None, [0, 1], **kwargs)


def test_bad_series_are_refused() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        project([], None, [0, 1], r=1.0)
    with pytest.raises(ValueError, match="same length"):
        project([1, 2], [1], [0, 1], r=1.0)
    with pytest.raises(ValueError, match="not negative"):
        project([1, -2], None, [0, 1], r=1.0)
    with pytest.raises(ValueError, match="day 0"):
        project([1, 2], None, [0.5, 0.5], r=1.0)
