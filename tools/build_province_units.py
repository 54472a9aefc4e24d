"""Build the shipped Quảng Ninh units file from the source files beside it.

Run from the repository root: ``python tools/build_province_units.py``. It writes
``src/phongdich/geo/data/quang-ninh/units_2021.csv`` in the loader's column layout.

Population: the 2019 census per commune, on the 2021 structure. 174 communes match by name in the
source. Three more follow from the 2019-2020 reorganisation: Trới town became Hoành Bồ ward when
Hoành Bồ district joined Hạ Long, and Đầm Hà has both a town and a commune of that name (told
apart by type). Nine census communes were merged away before 2021 and the source does not say into
which unit; their people are spread over their district's communes in proportion to population,
so district and province totals equal the census exactly.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent / "src/phongdich/geo/data/quang-ninh"

RENAMED = {("HoànhBồ", "Trới"): "07030", ("ĐầmHà", "ĐầmHà", "ThịTrấn"): "06895", ("ĐầmHà", "ĐầmHà", "Xã"): "06916"}


def main() -> None:
    units = list(csv.DictReader((HERE / "admin_units_2021.csv").open(encoding="utf-8")))
    census = list(csv.DictReader((HERE / "population_census2019_by_ward.csv").open(encoding="utf-8")))
    points = json.loads((HERE / "communes_points_2021.geojson").read_text(encoding="utf-8"))
    point_by_code = {
        f["properties"]["ward_code"]: f["geometry"]["coordinates"] for f in points["features"] if f["geometry"]
    }
    population: dict[str, int] = defaultdict(int)
    unplaced: dict[str, int] = defaultdict(int)
    for row in census:
        people = int(row["population_total_2019"])
        code = (
            row["ward_code_2021_name_match"]
            or RENAMED.get((row["district_2019"], row["ward_2019"]))
            or RENAMED.get((row["district_2019"], row["ward_2019"], row["ward_type_2019"]))
        )
        if code:
            population[code] += people
        else:
            unplaced[row["district_code_2021"]] += people
    by_district: dict[str, list[str]] = defaultdict(list)
    for unit in units:
        by_district[unit["district_code"]].append(unit["ward_code"])
    for district, extra in unplaced.items():
        codes = by_district[district]
        base = sum(population[c] for c in codes)
        shares = [extra * population[c] // base for c in codes]
        # Hand the rounding remainder to the largest communes so the district total is exact.
        remainder = extra - sum(shares)
        order = sorted(range(len(codes)), key=lambda i: -population[codes[i]])
        for i in order[:remainder]:
            shares[i] += 1
        for code, share in zip(codes, shares, strict=True):
            population[code] += share
    out = HERE / "units_2021.csv"
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            [
                "province_code",
                "province_name",
                "district_code",
                "district_name",
                "district_type",
                "ward_code",
                "ward_name",
                "ward_type",
                "population",
                "latitude",
                "longitude",
            ]
        )
        for unit in units:
            lon_lat = point_by_code.get(unit["ward_code"])
            writer.writerow(
                [
                    unit["province_code"],
                    unit["province_name"],
                    unit["district_code"],
                    unit["district_name"],
                    unit["district_type"],
                    unit["ward_code"],
                    unit["ward_name"],
                    unit["ward_type"],
                    population[unit["ward_code"]],
                    f"{lon_lat[1]:.6f}" if lon_lat else "",
                    f"{lon_lat[0]:.6f}" if lon_lat else "",
                ]
            )
    print(f"wrote {out} ({len(units)} communes, {sum(population.values())} people)")


if __name__ == "__main__":
    main()
