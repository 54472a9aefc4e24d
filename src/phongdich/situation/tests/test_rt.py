"""Rt by the Cori method against EpiEstim's own output (tests/data, made by tools/epiestim/make_reference.R).

Agreement is checked as an absolute difference of at most 1e-6 on every window's mean, sd, median and
every quantile (EpiEstim's "every window's posterior mean and 95 % bounds agree to 1e-6").
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from phongdich.situation import rt

DATA = Path(__file__).parent / "data"
TOLERANCE = 1e-6
COLUMNS = {
    "mean": "Mean(R)",
    "std": "Std(R)",
    "q025": "Quantile.0.025(R)",
    "q05": "Quantile.0.05(R)",
    "q25": "Quantile.0.25(R)",
    "median": "Median(R)",
    "q75": "Quantile.0.75(R)",
    "q95": "Quantile.0.95(R)",
    "q975": "Quantile.0.975(R)",
}


def _number(text: str) -> float:
    return math.nan if text == "NA" else float(text)


def load_cases() -> list[dict[str, str]]:
    with (DATA / "cases.csv").open() as handle:
        return list(csv.DictReader(handle))


def load_incidence(case: str) -> tuple[list[dt.date], list[float], list[float]]:
    with (DATA / f"epiestim_{case}_incidence.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    return (
        [dt.date.fromisoformat(row["date"]) for row in rows],
        [float(row["local"]) for row in rows],
        [float(row["imported"]) for row in rows],
    )


def load_si_distr(case: str) -> list[float]:
    return [float(line) for line in (DATA / f"epiestim_{case}_si_distr.csv").read_text().split()]


def load_expected(case: str) -> list[dict[str, float]]:
    with (DATA / f"epiestim_{case}.csv").open() as handle:
        return [{key: _number(value) for key, value in row.items()} for row in csv.DictReader(handle)]


def assert_matches_epiestim(windows: list[rt.RWindow], expected: list[dict[str, float]]) -> None:
    assert len(windows) == len(expected)
    for window, row in zip(windows, expected, strict=True):
        assert (window.t_start, window.t_end) == (int(row["t_start"]), int(row["t_end"]))
        for attribute, column in COLUMNS.items():
            ours, theirs = getattr(window, attribute), row[column]
            if math.isnan(theirs):
                assert math.isnan(ours), (window.t_start, attribute)
            else:
                assert abs(ours - theirs) <= TOLERANCE, (window.t_start, attribute, ours, theirs)


CASES = load_cases()


def test_reference_data_covers_the_issue_check() -> None:
    names = {case["case"] for case in CASES}
    assert {"flu2009_non_parametric_si", "flu2009_parametric_si", "mers_2014_15_parametric_si"} <= names
    # Flu2009: 32 days, 7-day windows from t_start 2 to 26.
    expected = load_expected("flu2009_non_parametric_si")
    assert len(expected) == 25
    assert (expected[0]["t_start"], expected[-1]["t_end"]) == (2, 32)


@pytest.mark.parametrize("case", CASES, ids=[case["case"] for case in CASES])
def test_every_window_matches_epiestim(case: dict[str, str]) -> None:
    name = case["case"]
    _dates, local, imported = load_incidence(name)
    if case["method"] == "parametric_si":
        # Our discretisation, over the series' length as estimate_R does, not EpiEstim's file.
        si_distr = rt.discretise_serial_interval(float(case["mean_si"]), float(case["std_si"]), len(local) - 1)
    else:
        si_distr = np.asarray(load_si_distr(name))
    windows = rt.estimate_r(
        local,
        imported,
        si_distr,
        window=int(case["window"]),
        mean_prior=float(case["mean_prior"]),
        std_prior=float(case["std_prior"]),
    )
    assert_matches_epiestim(windows, load_expected(name))


@pytest.mark.parametrize("case", [c for c in CASES if c["method"] == "parametric_si"], ids=lambda c: c["case"])
def test_discretised_serial_interval_matches_discr_si(case: dict[str, str]) -> None:
    reference = np.asarray(load_si_distr(case["case"]))
    length = len(load_incidence(case["case"])[1])
    ours = rt.discretise_serial_interval(float(case["mean_si"]), float(case["std_si"]), length - 1)
    # EpiEstim pads the distribution with one 0 (to T + 1 values).
    assert reference.size == length + 1 and reference[-1] == 0
    np.testing.assert_allclose(ours, reference[:-1], rtol=0, atol=1e-12)


def test_discr_si_help_page_example() -> None:
    # EpiEstim's ?discr_si: the influenza serial interval, mean 2.6 and sd 1.5 days, over days 0..20.
    reference = [float(line) for line in (DATA / "epiestim_discr_si_2.6_1.5_0_20.csv").read_text().split()]
    np.testing.assert_allclose(rt.discretise_serial_interval(2.6, 1.5, 20), reference, rtol=0, atol=1e-12)


def test_overall_infectivity_help_page_example() -> None:
    # EpiEstim's ?overall_infectivity on Flu2009: Λ_t from all cases, day 1 undefined (NA).
    reference = [_number(line) for line in (DATA / "epiestim_flu2009_overall_infectivity.csv").read_text().split()]
    _dates, local, imported = load_incidence("flu2009_non_parametric_si")
    ours = rt.overall_infectivity(
        np.asarray(local) + np.asarray(imported), np.asarray(load_si_distr("flu2009_non_parametric_si"))
    )
    assert math.isnan(ours[0]) and math.isnan(reference[0])
    np.testing.assert_allclose(ours[1:], reference[1:], rtol=0, atol=1e-12)


def test_windows_before_the_mean_serial_interval_are_nan_like_epiestims_na() -> None:
    expected = load_expected("measles1861_non_parametric_si")
    windows = rt.estimate_r(
        *load_incidence("measles1861_non_parametric_si")[1:], load_si_distr("measles1861_non_parametric_si")
    )
    empty = [w for w in windows if not w.has_estimate]
    assert empty, "the measles serial interval is long: the first windows carry no information"
    assert len(empty) == sum(1 for row in expected if math.isnan(row["Mean(R)"]))
    assert all(w.as_dict()["mean"] is None and w.as_dict()["q975"] is None for w in empty)
    assert all(w.has_estimate for w in windows[len(empty) :])


def test_posterior_by_hand_with_a_one_day_serial_interval() -> None:
    # w_1 = 1: Λ_t = I_{t-1}. Ten cases a day: each window has 70 local cases and Λ sum 70.
    windows = rt.estimate_r([10] * 10, None, [0, 1])
    shape, scale = 1 + 70, 1 / (1 / 5 + 70)  # prior mean 5, sd 5: a = 1, b = 5
    assert [(w.t_start, w.t_end) for w in windows] == [(2, 8), (3, 9), (4, 10)]
    for window in windows:
        assert window.mean == pytest.approx(shape * scale, abs=1e-12)
        assert window.std == pytest.approx(math.sqrt(shape) * scale, abs=1e-12)
        assert window.q025 == pytest.approx(stats.gamma.ppf(0.025, shape, scale=scale), abs=1e-12)
        assert window.q975 == pytest.approx(stats.gamma.ppf(0.975, shape, scale=scale), abs=1e-12)


def test_imported_cases_infect_but_are_not_counted_as_infected() -> None:
    local = [0, 0, 2, 2, 2, 2, 2, 2, 2, 2]
    imported = [4, 4, 0, 0, 0, 0, 0, 0, 0, 0]
    si = [0, 0.5, 0.5]
    with_imports = rt.estimate_r(local, imported, si)
    # The same cases counted as local on day 2 add 4 "infected" cases to the first window only.
    as_local = rt.estimate_r([0, 4, 2, 2, 2, 2, 2, 2, 2, 2], [4, 0, 0, 0, 0, 0, 0, 0, 0, 0], si)
    first_infectivity = 4 * 0.5 + (4 * 0.5 + 4 * 0.5) + sum([4 * 0.5 + 2 * 0.5, 2.0, 2.0, 2.0, 2.0])
    assert with_imports[0].mean == pytest.approx((1 + 12) / (1 / 5 + first_infectivity), abs=1e-12)
    assert as_local[0].mean == pytest.approx((1 + 16) / (1 / 5 + first_infectivity), abs=1e-12)


def test_local_cases_on_day_one_count_as_imported() -> None:
    moved = rt.estimate_r([3, 1, 2, 2, 3, 1, 2, 4, 2], [0] * 9, [0, 0.6, 0.4])
    explicit = rt.estimate_r([0, 1, 2, 2, 3, 1, 2, 4, 2], [3] + [0] * 8, [0, 0.6, 0.4])
    no_imports = rt.estimate_r([3, 1, 2, 2, 3, 1, 2, 4, 2], None, [0, 0.6, 0.4])
    assert moved == explicit == no_imports


def test_default_window_follows_epiestim() -> None:
    windows = rt.estimate_r([1] * 20, None, [0, 1])
    assert (windows[0].t_start, windows[0].t_end, windows[-1].t_start, windows[-1].t_end) == (2, 8, 14, 20)
    two_weeks = rt.estimate_r([1] * 20, None, [0, 1], window=14)
    assert [(w.t_start, w.t_end) for w in two_weeks] == [(t, t + 13) for t in range(2, 8)]


@pytest.mark.parametrize(
    ("local", "imported", "si", "window", "message"),
    [
        ([1] * 10, None, [0.1, 0.9], 7, "day 0"),
        ([1] * 10, None, [0, -0.1, 1.1], 7, "negative"),
        ([1] * 7, None, [0, 1], 7, "at least 8 days"),
        ([1] * 10, [0] * 9, [0, 1], 7, "same length"),
        ([1, -1] + [1] * 8, None, [0, 1], 7, "negative"),
        ([1] * 10, None, [0, 1], 0, "at least 1 day"),
    ],
)
def test_bad_input_is_refused(local, imported, si, window, message) -> None:
    with pytest.raises(ValueError, match=message):
        rt.estimate_r(local, imported, si, window=window)


def test_check_si_distr_needs_a_sum_of_one_within_epiestims_tolerance() -> None:
    rt.check_si_distr([0, 0.5, 0.495])
    with pytest.raises(ValueError, match="sum to 1"):
        rt.check_si_distr([0, 0.5, 0.4])


def test_discretised_serial_interval_keeps_the_mean() -> None:
    si = rt.discretise_serial_interval(4.7, 2.9)
    assert si[0] == 0
    assert si.sum() == pytest.approx(1, abs=1e-8)
    # EpiEstim's triangular discretisation of 1 + Gamma preserves the mean.
    assert float(np.sum(si * np.arange(si.size))) == pytest.approx(4.7, abs=1e-6)
    with pytest.raises(ValueError, match="greater than 1"):
        rt.discretise_serial_interval(1.0, 1.0)
    with pytest.raises(ValueError, match="positive"):
        rt.discretise_serial_interval(3.0, 0)


def test_default_serial_interval_is_the_sars_cov_2_one() -> None:
    np.testing.assert_array_equal(rt.default_serial_interval(20), rt.discretise_serial_interval(4.7, 2.9, 20))
    assert "Nishiura" in rt.SARS_COV_2_SI_SOURCE


def test_series_windows_carry_their_dates() -> None:
    dates, local, imported = load_incidence("flu2009_non_parametric_si")
    si = load_si_distr("flu2009_non_parametric_si")
    windows = rt.estimate_r_for_series(dates, local, imported, si)
    assert windows[0].start_date == dt.date(2009, 4, 28) and windows[0].end_date == dt.date(2009, 5, 4)
    assert windows[-1].end_date == dates[-1]
    assert_matches_epiestim(windows, load_expected("flu2009_non_parametric_si"))
    assert windows[0].as_dict()["start_date"] == "2009-04-28"


def test_series_uses_the_default_serial_interval_and_needs_consecutive_dates() -> None:
    start = dt.date(2021, 7, 1)
    dates = [start + dt.timedelta(days=offset) for offset in range(20)]
    local = [offset + 1 for offset in range(20)]
    windows = rt.estimate_r_for_series(dates, local, None)
    assert windows == rt.estimate_r_for_series(dates, local, None, rt.default_serial_interval(19))
    with pytest.raises(ValueError, match="consecutive"):
        rt.estimate_r_for_series([*dates[:5], *dates[6:], dates[-1] + dt.timedelta(days=1)], local, None)


def test_too_early_follows_epiestims_warning_rule() -> None:
    # cv 0.3, prior shape 1: at least ceil(1/0.09 - 1) = 11 cases in days 2..8.
    assert rt.too_early([5] + [1] * 7 + [9], None)
    assert not rt.too_early([0, 2, 2, 2, 2, 2, 1, 0, 9], None)
