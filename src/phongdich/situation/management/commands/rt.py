"""``phongdich rt``: the effective reproduction number by the Cori method (as EpiEstim), for epidemiologists.

    phongdich rt --incidence FILE.csv (--si-distr FILE.csv | --si-mean M --si-sd S) [--window 7] [--json]

The incidence file has a header with ``date`` and ``local`` (and optionally ``imported``), one row per
consecutive day (dates YYYY-MM-DD). The serial-interval file has one probability per line from day 0
(day 0 must be 0; they must sum to 1 within EpiEstim's tolerance, 0.01); a one-word header line is
allowed. With ``--si-mean``/``--si-sd`` the serial interval is EpiEstim's discretised offset gamma
over the series' length (its "parametric_si"). ``--json`` prints one JSON object per window.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser

from phongdich.situation import rt


class Command(BaseCommand):
    help = "Estimate the effective reproduction number Rt (Cori method, as EpiEstim) from daily incidence."
    # Pure computation on files: no database, so the project's system checks are not needed.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--incidence", required=True, help="CSV with columns date,local[,imported]")
        parser.add_argument("--si-distr", help="CSV with one serial-interval probability per line, from day 0")
        parser.add_argument("--si-mean", type=float, help="Mean serial interval in days (parametric)")
        parser.add_argument("--si-sd", type=float, help="Standard deviation of the serial interval in days")
        parser.add_argument("--window", type=int, default=rt.DEFAULT_WINDOW, help="Window length in days (7)")
        parser.add_argument("--mean-prior", type=float, default=rt.DEFAULT_MEAN_PRIOR, help="Prior mean of R (5)")
        parser.add_argument("--std-prior", type=float, default=rt.DEFAULT_STD_PRIOR, help="Prior sd of R (5)")
        parser.add_argument("--json", action="store_true", help="One JSON object per window")

    def handle(self, *args: Any, **options: Any) -> None:
        parametric = options["si_mean"] is not None or options["si_sd"] is not None
        if options["si_distr"] and parametric:
            raise CommandError("Give either --si-distr or --si-mean with --si-sd, not both.")
        if not options["si_distr"] and not parametric:
            raise CommandError("Give the serial interval: --si-distr FILE or --si-mean M --si-sd S.")
        if parametric and (options["si_mean"] is None or options["si_sd"] is None):
            raise CommandError("--si-mean and --si-sd go together.")
        window = options["window"]
        if window < 1:
            raise CommandError("--window must be at least 1 day.")

        incidence_path = Path(options["incidence"])
        dates, local, imported = read_incidence(incidence_path)
        if len(dates) < window + 1:
            raise CommandError(
                f"{incidence_path}: a {window}-day window needs at least {window + 1} days of incidence; "
                f"the file has {len(dates)}."
            )
        si_distr: rt.Series
        if options["si_distr"]:
            si_distr = read_si_distr(Path(options["si_distr"]))
        else:
            try:
                si_distr = rt.discretise_serial_interval(options["si_mean"], options["si_sd"], len(dates) - 1)
            except ValueError as error:
                raise CommandError(f"--si-mean/--si-sd: {error}") from None
        try:
            windows = rt.estimate_r_for_series(
                dates,
                local,
                imported,
                si_distr,
                window=window,
                mean_prior=options["mean_prior"],
                std_prior=options["std_prior"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from None

        if rt.too_early(
            local, imported, window=window, mean_prior=options["mean_prior"], std_prior=options["std_prior"]
        ):
            self.stderr.write(
                "Note: the first window has few cases; as EpiEstim warns, R is estimated too early in the "
                "epidemic to get the desired posterior coefficient of variation (0.3)."
            )
        if options["json"]:
            for result in windows:
                self.stdout.write(json.dumps(result.as_dict()))
        else:
            self.stdout.write(format_table(windows))


def read_incidence(path: Path) -> tuple[list[dt.date], list[float], list[float] | None]:
    """Dates, local and imported counts (None without an ``imported`` column); CommandError names the line."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except OSError as error:
        raise CommandError(f"{path}: cannot read the incidence file ({error.strerror}).") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path}: not a UTF-8 text file.") from None
    if not rows:
        raise CommandError(f"{path}: the file is empty; expected a header date,local[,imported].")
    header = [name.strip().lower() for name in rows[0]]
    if "date" not in header or "local" not in header:
        raise CommandError(
            f"{path}, line 1: the header must name the columns date and local (and optionally imported)."
        )
    date_column = header.index("date")
    local_column = header.index("local")
    imported_column = header.index("imported") if "imported" in header else None
    dates: list[dt.date] = []
    local: list[float] = []
    imported: list[float] = []
    for line_number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise CommandError(f"{path}, line {line_number}: expected {len(header)} columns, found {len(row)}.")
        text = row[date_column].strip()
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise CommandError(f"{path}, line {line_number}: {text!r} is not a date (YYYY-MM-DD).") from None
        if dates and day != dates[-1] + dt.timedelta(days=1):
            raise CommandError(
                f"{path}, line {line_number}: dates must be consecutive days; {day} follows {dates[-1]}."
            )
        dates.append(day)
        local.append(_count(path, line_number, "local", row[local_column]))
        if imported_column is not None:
            imported.append(_count(path, line_number, "imported", row[imported_column]))
    if not dates:
        raise CommandError(f"{path}: no daily rows after the header.")
    return dates, local, imported if imported_column is not None else None


def _count(path: Path, line_number: int, column: str, text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise CommandError(f"{path}, line {line_number}: {column} {text.strip()!r} is not a number.") from None
    if not math.isfinite(value):
        raise CommandError(f"{path}, line {line_number}: {column} must be a finite number.")
    if value < 0:
        raise CommandError(f"{path}, line {line_number}: {column} must not be negative (found {text.strip()}).")
    return value


def read_si_distr(path: Path) -> list[float]:
    """One probability per line from day 0, validated as EpiEstim does; CommandError names the line."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except OSError as error:
        raise CommandError(f"{path}: cannot read the serial-interval file ({error.strerror}).") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path}: not a UTF-8 text file.") from None
    values: list[float] = []
    first_value_line = 0
    for line_number, line in enumerate(lines, start=1):
        text = line.strip().rstrip(",").strip()
        if not text:
            continue
        try:
            value = float(text)
        except ValueError:
            # A single header word on the first line (e.g. "si_distr") is allowed.
            if line_number == 1 and text.replace("_", "").replace(" ", "").isalpha():
                continue
            raise CommandError(f"{path}, line {line_number}: {text!r} is not a probability.") from None
        if not math.isfinite(value) or value < 0:
            raise CommandError(f"{path}, line {line_number}: probabilities must be finite and not negative.")
        if not values:
            first_value_line = line_number
        values.append(value)
    if not values:
        raise CommandError(f"{path}: no probabilities found.")
    if values[0] != 0:
        raise CommandError(
            f"{path}, line {first_value_line}: the probability at day 0 must be 0 (EpiEstim requires it), "
            f"found {values[0]}."
        )
    total = float(np.sum(values))
    if abs(total - 1) > rt.SI_SUM_TOLERANCE:
        raise CommandError(
            f"{path}: the probabilities must sum to 1 (within {rt.SI_SUM_TOLERANCE}); they sum to {total:.6g}."
        )
    return values


def format_table(windows: list[rt.RWindow]) -> str:
    """A plain table: window dates, day indices, posterior mean, sd and 95 % credible interval."""

    def number(value: float) -> str:
        return "NA" if math.isnan(value) else f"{value:.3f}"

    lines = [f"{'from':<10}  {'to':<10}  {'t_start':>7}  {'t_end':>5}  {'mean':>8}  {'std':>7}  {'95% CrI':>17}"]
    for result in windows:
        interval = f"{number(result.q025)} - {number(result.q975)}" if result.has_estimate else "NA"
        lines.append(
            f"{result.start_date!s:<10}  {result.end_date!s:<10}  {result.t_start:>7}  {result.t_end:>5}  "
            f"{number(result.mean):>8}  {number(result.std):>7}  {interval:>17}"
        )
    return "\n".join(lines)
