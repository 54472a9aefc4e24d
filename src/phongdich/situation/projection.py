"""Short-term projection of daily incidence by the renewal equation.

Expected incidence on a future day t is ``E[I_t] = R · Σ_{s≥1} w_s · I_{t-s}`` (Cori et al. 2013,
Fraser 2007), where ``w`` is the discretised serial interval and ``I`` is the observed incidence
(local and imported, since both infect) followed by the projected values themselves. R is held at
the last window's estimate; the band repeats the projection with the 95 % credible bounds. No new
imported cases are assumed. The projection is deterministic (expected values, not simulations).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from phongdich.situation.rt import FloatArray, Series, check_si_distr

DEFAULT_PROJECTION_DAYS = 14


@dataclass(frozen=True)
class Projection:
    """Expected daily incidence for the ``days`` days after the observed series."""

    r: float
    expected: tuple[float, ...]
    r_low: float | None = None
    r_high: float | None = None
    # The band: the same projection with r_low and r_high (None when not asked for).
    low: tuple[float, ...] | None = None
    high: tuple[float, ...] | None = None
    # Dates of the projected days, when the last observed date was given.
    dates: tuple[date, ...] | None = None

    @property
    def days(self) -> int:
        return len(self.expected)

    @property
    def total(self) -> float:
        """Expected cases over the whole projection."""
        return float(sum(self.expected))


def _renew(history: FloatArray, weights: FloatArray, r: float, days: int) -> tuple[float, ...]:
    series = np.concatenate((history, np.zeros(days)))
    observed = history.size
    for t in range(observed, observed + days):
        # Σ_{s=1}^{t} w_s · I_{t-s}: weights beyond the distribution's length are 0.
        span = min(t, weights.size - 1)
        if span <= 0:
            series[t] = 0.0
            continue
        series[t] = r * float(np.dot(weights[1 : span + 1], series[t - 1 :: -1][:span]))
    return tuple(float(value) for value in series[observed:])


def _check_r(name: str, value: float) -> None:
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number not below 0.")


def project(
    local: Series,
    imported: Series | None,
    si_distr: Series,
    r: float,
    days: int = DEFAULT_PROJECTION_DAYS,
    r_low: float | None = None,
    r_high: float | None = None,
    *,
    last_date: date | None = None,
) -> Projection:
    """Project ``days`` days of expected incidence after the observed ``local`` (+ ``imported``)."""
    if days < 1:
        raise ValueError("The projection must cover at least 1 day.")
    history = np.asarray(local, dtype=np.float64)
    if history.ndim != 1 or history.size == 0:
        raise ValueError("The incidence must be a non-empty list of daily counts.")
    if imported is not None:
        imported_values = np.asarray(imported, dtype=np.float64)
        if imported_values.shape != history.shape:
            raise ValueError("Local and imported incidence must have the same length.")
        history = history + imported_values
    history = np.nan_to_num(history, nan=0.0)
    if np.any(history < 0) or not np.all(np.isfinite(history)):
        raise ValueError("Daily case counts must be finite and not negative.")
    weights = check_si_distr(si_distr, require_sum_to_one=False)
    _check_r("R", r)
    if r_low is not None:
        _check_r("The lower bound of R", r_low)
    if r_high is not None:
        _check_r("The upper bound of R", r_high)
    dates = (
        tuple(last_date + timedelta(days=offset) for offset in range(1, days + 1)) if last_date is not None else None
    )
    return Projection(
        r=r,
        expected=_renew(history, weights, r, days),
        r_low=r_low,
        r_high=r_high,
        low=_renew(history, weights, r_low, days) if r_low is not None else None,
        high=_renew(history, weights, r_high, days) if r_high is not None else None,
        dates=dates,
    )
