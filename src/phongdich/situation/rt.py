"""The effective reproduction number Rt by the method of Cori et al. (2013), as EpiEstim computes it.

Cori A, Ferguson NM, Fraser C, Cauchemez S. A new framework and software to estimate time-varying
reproduction numbers during epidemics. Am J Epidemiol 2013;178(9):1505-1512.

This module reproduces EpiEstim's ``estimate_R`` (methods "non_parametric_si" and "parametric_si")
row for row; the tests compare it with EpiEstim 2.2-4's own output to 1e-6. It is pure numpy/scipy
so that the dashboard, the ``phongdich rt`` command and the tests share one implementation.

Conventions (all EpiEstim's):

- Day indices are 1-based: day 1 is the first value of the series; a window covers
  ``t_start .. t_end`` inclusive. Default windows slide by one day: ``t_start = 2 .. T-window+1``.
- ``si_distr[k]`` is the probability that the serial interval is ``k`` days, from ``k = 0``;
  ``si_distr[0]`` must be 0.
- Infectivity ``Λ_t = Σ_{s≥0} w_s · (local_{t-s} + imported_{t-s})``: local and imported cases both
  infect; only local cases count as "infected" in a window.
- Cases on day 1 are all treated as imported (nothing before them could have infected them).
- Posterior of R over a window: Gamma(shape = a + Σ local, scale = 1 / (1/b + Σ Λ)) with the
  prior Gamma of mean ``mean_prior`` and sd ``std_prior`` (a = (mean/sd)², b = sd²/mean).
- A window that ends on or before the mean serial interval carries no information: EpiEstim keeps
  its row with NA; here it is kept too, with every statistic NaN (``RWindow.has_estimate`` False).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray
from scipy import stats

# Default serial interval for SARS-CoV-2: mean 4.7 days, sd 2.9 days, from 28 infector-infectee pairs
# (Nishiura H, Linton NM, Akhmetzhanov AR. Serial interval of novel coronavirus (COVID-19)
# infections. Int J Infect Dis 2020;93:284-286, doi:10.1016/j.ijid.2020.02.060). Discretised here
# with EpiEstim's offset-gamma rule (``discretise_serial_interval``).
SARS_COV_2_SI_MEAN = 4.7
SARS_COV_2_SI_SD = 2.9
SARS_COV_2_SI_SOURCE = "Nishiura, Linton & Akhmetzhanov 2020, Int J Infect Dis 93:284-286"

DEFAULT_WINDOW = 7
DEFAULT_MEAN_PRIOR = 5.0
DEFAULT_STD_PRIOR = 5.0
# EpiEstim's check_si_distr tolerance for a distribution that should sum to 1.
SI_SUM_TOLERANCE = 0.01

QUANTILES = (0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975)

FloatArray = NDArray[np.float64]
# Daily counts or probabilities: a list or a numpy array.
Series = Sequence[float] | FloatArray


@dataclass(frozen=True)
class RWindow:
    """The posterior of R over one window (days ``t_start .. t_end``, 1-based, inclusive)."""

    t_start: int
    t_end: int
    mean: float
    std: float
    q025: float
    q05: float
    q25: float
    median: float
    q75: float
    q95: float
    q975: float
    # Dates of the window's first and last day, when the series had dates.
    start_date: date | None = None
    end_date: date | None = None

    @property
    def has_estimate(self) -> bool:
        """False for a window EpiEstim reports as NA (it ends before the mean serial interval)."""
        return not math.isnan(self.mean)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready: NaN becomes None, dates ISO strings."""

        def number(value: float) -> float | None:
            return None if math.isnan(value) else value

        return {
            "t_start": self.t_start,
            "t_end": self.t_end,
            "start_date": self.start_date.isoformat() if self.start_date else None,
            "end_date": self.end_date.isoformat() if self.end_date else None,
            "mean": number(self.mean),
            "std": number(self.std),
            "q025": number(self.q025),
            "q05": number(self.q05),
            "q25": number(self.q25),
            "median": number(self.median),
            "q75": number(self.q75),
            "q95": number(self.q95),
            "q975": number(self.q975),
        }


def discretise_serial_interval(mean: float, sd: float, t_max: int | None = None) -> FloatArray:
    """EpiEstim's ``discr_si``: P(serial interval = k days) for k = 0 .. t_max.

    The serial interval is 1 + a gamma variable of mean ``mean - 1`` and sd ``sd``, discretised so
    that day k collects the mass of (k-1, k+1) with a triangular weight (Cori et al. 2013, web
    appendix 11). Day 0 has probability 0. Without ``t_max``, the distribution is taken far
    enough that the mass left beyond it is below 1e-9. (EpiEstim's estimate_R uses
    ``t_max = T - 1`` for a series of T days; the ``rt`` command does the same.)
    """
    if not (math.isfinite(mean) and math.isfinite(sd)):
        raise ValueError("The serial interval's mean and sd must be finite numbers.")
    if sd <= 0:
        raise ValueError("The serial interval's sd must be positive.")
    if mean <= 1:
        raise ValueError("The serial interval's mean must be greater than 1 day.")
    shape = ((mean - 1) / sd) ** 2
    scale = sd**2 / (mean - 1)
    if t_max is None:
        t_max = math.ceil(stats.gamma.isf(1e-9, shape, scale=scale)) + 2
    if t_max < 0:
        raise ValueError("t_max must not be negative.")
    k = np.arange(t_max + 1, dtype=np.float64)

    def cdf(x: FloatArray, a: float) -> FloatArray:
        return np.asarray(stats.gamma.cdf(x, a, scale=scale), dtype=np.float64)

    probabilities = (
        k * cdf(k, shape)
        + (k - 2) * cdf(k - 2, shape)
        - 2 * (k - 1) * cdf(k - 1, shape)
        + shape * scale * (2 * cdf(k - 1, shape + 1) - cdf(k - 2, shape + 1) - cdf(k, shape + 1))
    )
    return np.maximum(probabilities, 0.0)


def default_serial_interval(t_max: int | None = None) -> FloatArray:
    """The SARS-CoV-2 serial interval the dashboard uses (see ``SARS_COV_2_SI_SOURCE``)."""
    return discretise_serial_interval(SARS_COV_2_SI_MEAN, SARS_COV_2_SI_SD, t_max)


def check_si_distr(si_distr: Series, *, require_sum_to_one: bool = True) -> FloatArray:
    """Validate a serial-interval distribution as EpiEstim does; raise ValueError with the reason."""
    values = np.asarray(si_distr, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError("The serial-interval distribution must be a non-empty list of numbers.")
    if not np.all(np.isfinite(values)):
        raise ValueError("The serial-interval distribution must contain only finite numbers.")
    if values[0] != 0:
        raise ValueError("The serial-interval probability at day 0 must be 0.")
    if np.any(values < 0):
        raise ValueError("Serial-interval probabilities must not be negative.")
    if require_sum_to_one and abs(float(values.sum()) - 1) > SI_SUM_TOLERANCE:
        raise ValueError(f"The serial-interval probabilities must sum to 1 (they sum to {values.sum():.6g}).")
    return values


def split_first_day(local: Series, imported: Series | None) -> tuple[FloatArray, FloatArray]:
    """EpiEstim's ``process_I``: day 1's cases all become imported; without imports, zeros."""
    local_values = np.asarray(local, dtype=np.float64).copy()
    if local_values.ndim != 1 or local_values.size == 0:
        raise ValueError("The incidence must be a non-empty list of daily counts.")
    if imported is None:
        imported_values = np.zeros_like(local_values)
    else:
        imported_values = np.asarray(imported, dtype=np.float64).copy()
        if imported_values.shape != local_values.shape:
            raise ValueError("Local and imported incidence must have the same length.")
    # EpiEstim turns missing counts into 0 before anything else.
    local_values[np.isnan(local_values)] = 0
    imported_values[np.isnan(imported_values)] = 0
    if np.any(local_values < 0) or np.any(imported_values < 0):
        raise ValueError("Daily case counts must not be negative.")
    if not (np.all(np.isfinite(local_values)) and np.all(np.isfinite(imported_values))):
        raise ValueError("Daily case counts must be finite numbers.")
    imported_values[0] += local_values[0]
    local_values[0] = 0
    return local_values, imported_values


def overall_infectivity(total: FloatArray, si_distr: FloatArray) -> FloatArray:
    """Λ_t = Σ_{s=0}^{t-1} w_s · I_{t-s} for every day (index 0 = day 1, which EpiEstim leaves NA)."""
    days = total.size
    weights = np.zeros(days, dtype=np.float64)
    used = min(days, si_distr.size)
    weights[:used] = si_distr[:used]
    infectivity = np.convolve(total, weights)[:days]
    infectivity[0] = np.nan
    return infectivity


def estimate_r(
    local: Series,
    imported: Series | None,
    si_distr: Series,
    *,
    window: int = DEFAULT_WINDOW,
    mean_prior: float = DEFAULT_MEAN_PRIOR,
    std_prior: float = DEFAULT_STD_PRIOR,
) -> list[RWindow]:
    """EpiEstim's ``estimate_R`` on sliding windows of ``window`` days (one RWindow per window).

    ``imported`` None means the series has no imported cases apart from day 1's (EpiEstim's
    treatment of a plain incidence vector). The serial interval is not required to sum to 1 here
    (a parametric one truncated at T-1 days does not); use ``check_si_distr`` on user input.
    """
    if window < 1:
        raise ValueError("The window must be at least 1 day.")
    if mean_prior <= 0 or std_prior <= 0:
        raise ValueError("The prior's mean and sd must be positive.")
    local_values, imported_values = split_first_day(local, imported)
    days = local_values.size
    if days - window + 1 < 2:
        raise ValueError(f"A {window}-day window needs at least {window + 1} days of incidence (got {days}).")
    weights = check_si_distr(si_distr, require_sum_to_one=False)
    # EpiEstim pads the distribution to T+1 days; padding with zeros leaves its mean unchanged.
    mean_si = float(np.sum(weights * np.arange(weights.size)))
    infectivity = overall_infectivity(local_values + imported_values, weights)

    prior_shape = (mean_prior / std_prior) ** 2
    prior_scale = std_prior**2 / mean_prior
    starts = np.arange(2, days - window + 2)
    ends = starts + window - 1
    # Window sums by cumulative sums (index t = sum over days 1..t); day 1's infectivity is unused.
    local_cumulative = np.concatenate(([0.0], np.cumsum(local_values)))
    infectivity_cumulative = np.concatenate(([0.0, 0.0], np.cumsum(infectivity[1:])))
    shape = prior_shape + local_cumulative[ends] - local_cumulative[starts - 1]
    scale = 1 / (1 / prior_scale + infectivity_cumulative[ends] - infectivity_cumulative[starts - 1])
    uninformative = ends <= mean_si
    shape[uninformative] = np.nan
    scale[uninformative] = np.nan

    mean = shape * scale
    std = np.sqrt(shape) * scale
    quantiles = [np.asarray(stats.gamma.ppf(p, shape, scale=scale), dtype=np.float64) for p in QUANTILES]
    return [
        RWindow(
            t_start=int(starts[i]),
            t_end=int(ends[i]),
            mean=float(mean[i]),
            std=float(std[i]),
            q025=float(quantiles[0][i]),
            q05=float(quantiles[1][i]),
            q25=float(quantiles[2][i]),
            median=float(quantiles[3][i]),
            q75=float(quantiles[4][i]),
            q95=float(quantiles[5][i]),
            q975=float(quantiles[6][i]),
        )
        for i in range(starts.size)
    ]


def too_early(
    local: Series,
    imported: Series | None,
    *,
    window: int = DEFAULT_WINDOW,
    cv_posterior: float = 0.3,
    mean_prior: float = DEFAULT_MEAN_PRIOR,
    std_prior: float = DEFAULT_STD_PRIOR,
) -> bool:
    """EpiEstim's warning "estimating R too early in the epidemic to get the desired posterior CV".

    True when the first window (days 2 .. window+1) holds fewer cases (local and imported) than
    ``ceil(1/cv_posterior² - a_prior)``; EpiEstim still returns every window, and so does ``estimate_r``.
    """
    local_values, imported_values = split_first_day(local, imported)
    prior_shape = (mean_prior / std_prior) ** 2
    needed = math.ceil(1 / cv_posterior**2 - prior_shape)
    first_window = float(np.sum(local_values[1 : window + 1]) + np.sum(imported_values[1 : window + 1]))
    return first_window < needed


def estimate_r_for_series(
    dates: Sequence[date],
    local: Series,
    imported: Series | None,
    si_distr: Series | None = None,
    window: int = DEFAULT_WINDOW,
    *,
    mean_prior: float = DEFAULT_MEAN_PRIOR,
    std_prior: float = DEFAULT_STD_PRIOR,
) -> list[RWindow]:
    """``estimate_r`` on a dated daily series; each window carries its first and last date.

    ``dates`` must be consecutive days (one per count). Without ``si_distr`` the SARS-CoV-2
    default is used, discretised over the series' length as EpiEstim's parametric method does.
    """
    if len(dates) != len(local):
        raise ValueError("There must be one date per daily count.")
    for previous, current in itertools.pairwise(dates):
        if current - previous != timedelta(days=1):
            raise ValueError(f"The dates must be consecutive days ({previous} is followed by {current}).")
    if si_distr is None:
        si_distr = default_serial_interval(t_max=max(len(dates) - 1, 1))
    windows = estimate_r(local, imported, si_distr, window=window, mean_prior=mean_prior, std_prior=std_prior)
    first = dates[0]
    return [
        replace(
            window_result,
            start_date=first + timedelta(days=window_result.t_start - 1),
            end_date=first + timedelta(days=window_result.t_end - 1),
        )
        for window_result in windows
    ]
