import csv

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from phongdich.core.errors import FileRejected
from phongdich.geo.models import AGE_BANDS, AdministrativeUnit, Kind, Level
from phongdich.geo.services import (
    BAND_COLUMNS,
    UNIT_COLUMNS,
    age_band_shares,
    estimate_age_bands,
    load_bundled_province,
    load_units,
)

QUANG_NINH_POPULATION = 1_320_324
BAND_KEYS = [key for key, _low, _high in AGE_BANDS]


def test_bundled_province_counts(db):
    result = load_bundled_province()
    assert (result.provinces, result.districts, result.communes) == (1, 13, 177)
    assert result.created == 191 and result.updated == 0
    assert result.population == QUANG_NINH_POPULATION
    assert AdministrativeUnit.objects.provinces().count() == 1
    assert AdministrativeUnit.objects.districts().count() == 13
    assert AdministrativeUnit.objects.communes().count() == 177


def test_populations_add_up(units):
    province = units.province
    assert province.code == "22" and province.name == "Tỉnh Quảng Ninh"
    assert province.population == QUANG_NINH_POPULATION
    assert sum(AdministrativeUnit.objects.communes().values_list("population", flat=True)) == QUANG_NINH_POPULATION
    assert sum(AdministrativeUnit.objects.districts().values_list("population", flat=True)) == QUANG_NINH_POPULATION
    for district in AdministrativeUnit.objects.districts():
        assert district.population == sum(c.population for c in district.children.all()), district.code
    assert province.population_year == 2019


def test_age_bands_add_up_and_are_marked_estimated(units):
    for unit in AdministrativeUnit.objects.all():
        assert sum(unit.age_bands.values()) == unit.population, unit.code
        assert unit.age_bands_estimated, unit.code
    province = units.province
    for key in BAND_KEYS:
        from_districts = sum(getattr(d, f"population_{key}") for d in AdministrativeUnit.objects.districts())
        assert getattr(province, f"population_{key}") == from_districts


def test_reloading_changes_nothing(units):
    before = list(AdministrativeUnit.objects.values_list("pk", "path", "population"))
    result = load_bundled_province()
    assert result.created == 0 and result.updated == 0
    assert list(AdministrativeUnit.objects.values_list("pk", "path", "population")) == before


def test_tree_and_paths(units):
    ha_long, ha_khanh = units["193"], units["06649"]
    assert ha_long.name == "Thành phố Hạ Long" and ha_long.level == Level.DISTRICT and ha_long.kind == Kind.CITY
    assert ha_khanh.name == "Phường Hà Khánh" and ha_khanh.kind == Kind.WARD and ha_khanh.short_name == "Hà Khánh"
    assert ha_khanh.parent == ha_long and ha_long.parent == units.province
    assert ha_khanh.path == "22/193/06649/"
    assert [u.code for u in ha_khanh.ancestors()] == ["22", "193"]
    assert units["06727"].path == "22/194/06727/"


def test_within_a_district_is_the_district_and_its_communes(units):
    ha_long = units["193"]
    within = AdministrativeUnit.objects.within(ha_long)
    codes = set(within.values_list("code", flat=True))
    assert {"193", "06649", "06652"} <= codes
    assert "06727" not in codes and "194" not in codes and "22" not in codes
    assert codes == {"193"} | set(ha_long.children.values_list("code", flat=True))
    assert within.communes().count() == ha_long.children.count() == 33
    assert AdministrativeUnit.objects.within(units.province).count() == 191


@pytest.mark.parametrize("total", [0, 1, 2, 7, 99, 8505, 12238, 1_320_324])
def test_estimated_age_bands_sum_exactly(total):
    bands = estimate_age_bands(total)
    assert list(bands) == BAND_KEYS
    assert sum(bands.values()) == total
    assert all(value >= 0 for value in bands.values())


def test_estimated_age_bands_follow_the_national_shares():
    shares = age_band_shares()
    assert sum(shares.values()) == pytest.approx(1.0)
    bands = estimate_age_bands(100_000)
    for key, share in shares.items():
        assert abs(bands[key] - 100_000 * share) < 1
    assert max(bands, key=bands.get) == "18_49"


# Another province from a CSV file


def _write(path, rows, columns=UNIT_COLUMNS):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)
    return path


def _row(line):
    return tuple(line.split(","))


BAC_KAN = [
    _row(line)
    for line in (
        "06,Tỉnh Bắc Kạn,058,Thành phố Bắc Kạn,Thành phố,01834,Phường Nguyễn Thị Minh Khai,Phường,9000,22.15,105.83",
        "06,Tỉnh Bắc Kạn,058,Thành phố Bắc Kạn,Thành phố,01837,Phường Sông Cầu,phường,7000,,",
        "06,Tỉnh Bắc Kạn,060,Huyện Pác Nặm,Huyện,01842,Xã Bằng Thành,Xã,4000,22.6,105.7",
        "06,Tỉnh Bắc Kạn,060,Huyện Pác Nặm,Huyện,01843,Thị trấn Nặm Ngoà,Thị trấn,,,",
    )
]


def _load(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return load_units(handle)


def test_loading_another_province_from_csv(units, tmp_path):
    result = _load(_write(tmp_path / "bac-kan.csv", BAC_KAN))
    assert (result.provinces, result.districts, result.communes) == (1, 2, 4)
    assert result.created == 7 and result.population == 20_000
    bac_kan = AdministrativeUnit.objects.get(code="06")
    assert bac_kan.kind == Kind.PROVINCE and bac_kan.population == 20_000 and bac_kan.age_bands_estimated
    assert AdministrativeUnit.objects.get(code="058").population == 16_000
    assert AdministrativeUnit.objects.get(code="060").kind == Kind.RURAL_DISTRICT
    song_cau = AdministrativeUnit.objects.get(code="01837")
    assert song_cau.kind == Kind.WARD and song_cau.latitude is None
    assert song_cau.path == "06/058/01837/"
    township = AdministrativeUnit.objects.get(code="01843")
    assert township.kind == Kind.TOWNSHIP and township.population is None and township.population_0_11 is None
    xa = AdministrativeUnit.objects.get(code="01842")
    assert (xa.latitude, xa.longitude) == (22.6, 105.7)
    assert sum(xa.age_bands.values()) == 4000
    # Quảng Ninh is untouched.
    assert units.province.population == QUANG_NINH_POPULATION
    assert AdministrativeUnit.objects.provinces().count() == 2
    assert AdministrativeUnit.objects.within(bac_kan).count() == 7


def test_given_age_bands_are_kept_and_not_estimated(db, tmp_path):
    rows = [
        (*BAC_KAN[0], "1000", "1000", "5000", "1500", "500"),
        (*BAC_KAN[1], "700", "700", "4000", "1000", "600"),
    ]
    _load(_write(tmp_path / "bands.csv", rows, UNIT_COLUMNS + BAND_COLUMNS))
    ward = AdministrativeUnit.objects.get(code="01834")
    assert ward.age_bands == {"0_11": 1000, "12_17": 1000, "18_49": 5000, "50_64": 1500, "65_plus": 500}
    assert not ward.age_bands_estimated
    district = AdministrativeUnit.objects.get(code="058")
    assert district.age_bands == {"0_11": 1700, "12_17": 1700, "18_49": 9000, "50_64": 2500, "65_plus": 1100}
    assert not district.age_bands_estimated


def test_a_central_city_is_recognised(db, tmp_path):
    rows = [_row("31,Thành phố Hải Phòng,303,Quận Hồng Bàng,Quận,11296,Phường Quán Toan,Phường,1,,")]
    _load(_write(tmp_path / "hp.csv", rows))
    assert AdministrativeUnit.objects.get(code="31").kind == Kind.CENTRAL_CITY
    assert AdministrativeUnit.objects.get(code="303").kind == Kind.URBAN_DISTRICT


BAD_ROWS = [
    BAC_KAN[0],  # line 2: fine
    (*BAC_KAN[1][:7], "Làng", *BAC_KAN[1][8:]),  # line 3: unknown ward_type
    (*BAC_KAN[2][:8], "nhiều", *BAC_KAN[2][9:]),  # line 4: population not a number
    (*BAC_KAN[3][:5], "01834", *BAC_KAN[3][6:]),  # line 5: ward_code of line 2 again
    ("06", "Tỉnh Bắc Kạn", "060", "Huyện Pác Nặm", "Huyện", "01844", "Xã Nhạn Môn", "Xã", "10", "22.6", ""),  # 6
]


def test_a_bad_file_is_rejected_whole_with_every_line(units, tmp_path):
    before = AdministrativeUnit.objects.count()
    with pytest.raises(FileRejected) as caught:
        _load(_write(tmp_path / "bad.csv", BAD_ROWS))
    problems = caught.value.problems
    assert any(p.startswith("line 3:") and "ward_type" in p and "Làng" in p for p in problems)
    assert any(p.startswith("line 4:") and "population" in p for p in problems)
    assert any(p.startswith("line 5:") and "01834" in p and "twice" in p for p in problems)
    assert any(p.startswith("line 6:") and "latitude" in p for p in problems)
    assert not any(p.startswith("line 2:") for p in problems)
    assert AdministrativeUnit.objects.count() == before
    assert not AdministrativeUnit.objects.filter(code__in=["06", "058", "01834"]).exists()


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ((*BAC_KAN[0][:8], "-5", *BAC_KAN[0][9:]), "population"),
        ((*BAC_KAN[0][:9], "95", "105"), "latitude"),
        ((*BAC_KAN[0][:4], "Làng", *BAC_KAN[0][5:]), "district_type"),
        ((*BAC_KAN[0][:5], "A1834", *BAC_KAN[0][6:]), "ward_code must be digits"),
        (("", *BAC_KAN[0][1:]), "province_code is empty"),
        (("31", *BAC_KAN[0][1:5], "01999", *BAC_KAN[0][6:]), "one province"),
    ],
)
def test_each_kind_of_bad_line(db, tmp_path, row, words):
    with pytest.raises(FileRejected) as caught:
        _load(_write(tmp_path / "bad.csv", [BAC_KAN[0], row]))
    assert any(p.startswith("line 3:") and words in p for p in caught.value.problems), caught.value.problems
    assert AdministrativeUnit.objects.count() == 0


def test_a_file_missing_a_column_is_rejected(db, tmp_path):
    columns = tuple(c for c in UNIT_COLUMNS if c != "population")
    rows = [row[:8] + row[9:] for row in BAC_KAN]
    with pytest.raises(FileRejected) as caught:
        _load(_write(tmp_path / "cols.csv", rows, columns))
    assert caught.value.problems == ["line 1: missing columns: population"]
    assert AdministrativeUnit.objects.count() == 0


def test_an_empty_file_is_rejected(db, tmp_path):
    with pytest.raises(FileRejected):
        _load(_write(tmp_path / "empty.csv", []))


def test_band_columns_that_do_not_add_up_are_rejected(db, tmp_path):
    rows = [(*BAC_KAN[0], "1", "1", "1", "1", "1")]
    with pytest.raises(FileRejected) as caught:
        _load(_write(tmp_path / "bands.csv", rows, UNIT_COLUMNS + BAND_COLUMNS))
    assert caught.value.problems == ["line 2: age bands add up to 5, not 9000"]


# The management command


def test_command_loads_a_file(db, tmp_path, capsys):
    call_command("load_units", str(_write(tmp_path / "bac-kan.csv", BAC_KAN)))
    output = capsys.readouterr().out
    assert "1 province, 2 districts, 4 communes (7 created, 0 updated)" in output
    assert AdministrativeUnit.objects.count() == 7


def test_command_without_a_file_loads_quang_ninh(db, capsys):
    call_command("load_units")
    assert "13 districts, 177 communes" in capsys.readouterr().out
    assert AdministrativeUnit.objects.communes().count() == 177


def test_command_reports_every_bad_line_and_loads_nothing(units, tmp_path):
    before = AdministrativeUnit.objects.count()
    with pytest.raises(CommandError) as caught:
        call_command("load_units", str(_write(tmp_path / "bad.csv", BAD_ROWS)))
    message = str(caught.value)
    assert "nothing was loaded" in message
    for line in ("line 3:", "line 4:", "line 5:", "line 6:"):
        assert line in message
    assert AdministrativeUnit.objects.count() == before


def test_command_reads_a_byte_order_mark(db, tmp_path):
    path = _write(tmp_path / "bom.csv", BAC_KAN)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    call_command("load_units", str(path))
    assert AdministrativeUnit.objects.count() == 7


def test_command_rejects_a_missing_or_non_utf8_file(db, tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("load_units", str(tmp_path / "nope.csv"))
    latin = tmp_path / "latin.csv"
    latin.write_bytes(",".join(UNIT_COLUMNS).encode() + b"\n06,T\xe9nh\n")
    with pytest.raises(CommandError, match="UTF-8"):
        call_command("load_units", str(latin))
    assert AdministrativeUnit.objects.count() == 0
