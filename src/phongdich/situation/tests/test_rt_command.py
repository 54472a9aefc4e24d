"""``phongdich rt`` on EpiEstim's Flu2009 and MERS data, and its errors on bad files."""

from __future__ import annotations

import io
import json
import math
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from phongdich.situation.tests.test_rt import COLUMNS, DATA, load_expected

FLU_INCIDENCE = DATA / "epiestim_flu2009_non_parametric_si_incidence.csv"
FLU_SI = DATA / "epiestim_flu2009_non_parametric_si_si_distr.csv"


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("rt", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def json_windows(*args: str) -> list[dict[str, object]]:
    out, _ = run(*args, "--json")
    return [json.loads(line) for line in out.splitlines()]


def assert_same_as_epiestim(windows: list[dict[str, object]], case: str) -> None:
    expected = load_expected(case)
    assert len(windows) == len(expected)
    for window, row in zip(windows, expected, strict=True):
        assert (window["t_start"], window["t_end"]) == (row["t_start"], row["t_end"])
        for key in ("mean", "std", "q025", "q975", "median"):
            if math.isnan(row[COLUMNS[key]]):
                assert window[key] is None
            else:
                assert abs(float(window[key]) - row[COLUMNS[key]]) <= 1e-6  # type: ignore[arg-type]


def test_flu2009_with_its_serial_interval_distribution() -> None:
    windows = json_windows("--incidence", str(FLU_INCIDENCE), "--si-distr", str(FLU_SI))
    assert_same_as_epiestim(windows, "flu2009_non_parametric_si")
    assert windows[0]["start_date"] == "2009-04-28" and windows[0]["end_date"] == "2009-05-04"
    assert windows[-1]["end_date"] == "2009-05-28"


def test_flu2009_with_a_parametric_serial_interval() -> None:
    windows = json_windows("--incidence", str(FLU_INCIDENCE), "--si-mean", "2.6", "--si-sd", "1.5")
    assert_same_as_epiestim(windows, "flu2009_parametric_si")


def test_mers_with_imported_cases() -> None:
    incidence = DATA / "epiestim_mers_2014_15_parametric_si_incidence.csv"
    windows = json_windows("--incidence", str(incidence), "--si-mean", "6.8", "--si-sd", "4.1")
    assert_same_as_epiestim(windows, "mers_2014_15_parametric_si")


def test_fourteen_day_windows_and_a_table_without_json() -> None:
    windows = json_windows("--incidence", str(FLU_INCIDENCE), "--si-distr", str(FLU_SI), "--window", "14")
    assert_same_as_epiestim(windows, "flu2009_non_parametric_si_window14")
    table, _ = run("--incidence", str(FLU_INCIDENCE), "--si-distr", str(FLU_SI))
    lines = table.splitlines()
    assert "mean" in lines[0] and "95% CrI" in lines[0]
    first = load_expected("flu2009_non_parametric_si")[0]
    assert lines[1].split()[:5] == ["2009-04-28", "2009-05-04", "2", "8", f"{first['Mean(R)']:.3f}"]
    assert len(lines) == 26


def test_a_short_outbreak_gets_epiestims_too_early_note(tmp_path: Path) -> None:
    incidence = tmp_path / "incidence.csv"
    incidence.write_text("date,local\n" + "".join(f"2021-07-{day:02d},1\n" for day in range(1, 11)))
    _, err = run("--incidence", str(incidence), "--si-distr", str(FLU_SI))
    assert "too early" in err
    _, err = run("--incidence", str(FLU_INCIDENCE), "--si-distr", str(FLU_SI))
    assert err == ""


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


GOOD_SERIES = "date,local,imported\n" + "".join(f"2021-07-{day:02d},{day},0\n" for day in range(1, 11))


@pytest.mark.parametrize(
    ("incidence", "si", "message"),
    [
        ("date,local\n2021-07-01,1\n2021-07-32,1\n", None, "line 3: '2021-07-32' is not a date"),
        ("date,local\n2021-07-01,1\n2021-07-03,1\n", None, "line 3: dates must be consecutive"),
        ("date,local\n2021-07-01,1\n2021-07-02,-4\n", None, "line 3: local must not be negative"),
        ("date,local,imported\n2021-07-01,1,x\n", None, "line 2: imported 'x' is not a number"),
        ("day,cases\n2021-07-01,1\n", None, "line 1: the header must name the columns date and local"),
        ("", None, "the file is empty"),
        (GOOD_SERIES, "0\n0.5\n0.4\n", "must sum to 1"),
        (GOOD_SERIES, "0.1\n0.5\n0.4\n", "line 1: the probability at day 0 must be 0"),
        (GOOD_SERIES, "si_distr\n0\n0.5\nhalf\n", "line 4: 'half' is not a probability"),
        (GOOD_SERIES, "0\n1.2\n-0.2\n", "line 3: probabilities must be finite and not negative"),
    ],
)
def test_bad_files_name_the_file_and_line(tmp_path: Path, incidence: str, si: str | None, message: str) -> None:
    incidence_path = write(tmp_path, "incidence.csv", incidence)
    si_path = write(tmp_path, "si.csv", si) if si is not None else str(FLU_SI)
    with pytest.raises(CommandError, match=re.escape(message)) as caught:
        run("--incidence", incidence_path, "--si-distr", si_path)
    assert str(tmp_path) in str(caught.value)


def test_a_window_longer_than_the_series_is_refused(tmp_path: Path) -> None:
    incidence = write(tmp_path, "incidence.csv", GOOD_SERIES)
    with pytest.raises(CommandError, match="a 10-day window needs at least 11 days of incidence; the file has 10"):
        run("--incidence", incidence, "--si-distr", str(FLU_SI), "--window", "10")


def test_missing_files_and_serial_interval_options(tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere.csv")
    with pytest.raises(CommandError, match=r"nowhere\.csv: cannot read the incidence file"):
        run("--incidence", missing, "--si-distr", str(FLU_SI))
    with pytest.raises(CommandError, match=r"nowhere\.csv: cannot read the serial-interval file"):
        run("--incidence", str(FLU_INCIDENCE), "--si-distr", missing)
    with pytest.raises(CommandError, match="not both"):
        run("--incidence", str(FLU_INCIDENCE), "--si-distr", str(FLU_SI), "--si-mean", "2.6", "--si-sd", "1.5")
    with pytest.raises(CommandError, match="Give the serial interval"):
        run("--incidence", str(FLU_INCIDENCE))
    with pytest.raises(CommandError, match="go together"):
        run("--incidence", str(FLU_INCIDENCE), "--si-mean", "2.6")
    with pytest.raises(CommandError, match="mean must be greater than 1"):
        run("--incidence", str(FLU_INCIDENCE), "--si-mean", "0.5", "--si-sd", "1.5")
