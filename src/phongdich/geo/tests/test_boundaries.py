import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from phongdich.core.errors import FileRejected
from phongdich.geo.models import AdministrativeUnit
from phongdich.geo.services import import_boundaries

SQUARE = [[[107.10, 20.98], [107.15, 20.98], [107.15, 21.02], [107.10, 21.02], [107.10, 20.98]]]


def _collection(*features):
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def _feature(code, coordinates=SQUARE, kind="Polygon", **properties):
    return {
        "type": "Feature",
        "properties": {"code": code, **properties},
        "geometry": {"type": kind, "coordinates": coordinates},
    }


def _boundaries():
    return dict(AdministrativeUnit.objects.exclude(boundary=None).values_list("code", "boundary"))


def test_a_polygon_is_attached_by_code(units):
    assert import_boundaries(_collection(_feature("06649"), _feature("193", [SQUARE], "MultiPolygon"))) == 2
    boundaries = _boundaries()
    assert boundaries["06649"] == {"type": "Polygon", "coordinates": SQUARE}
    assert boundaries["193"]["type"] == "MultiPolygon"
    assert set(boundaries) == {"06649", "193"}


def test_another_code_property(units):
    feature = {
        "type": "Feature",
        "properties": {"ma_xa": "06652"},
        "geometry": {"type": "Polygon", "coordinates": SQUARE},
    }
    assert import_boundaries(_collection(feature), code_property="ma_xa") == 1
    assert set(_boundaries()) == {"06652"}


@pytest.mark.parametrize(
    ("document", "words"),
    [
        (_collection(_feature("06649"), _feature("99999")), "code 99999"),
        (_collection(_feature("06649"), _feature("06652", [SQUARE[0][:-1]])), "closed Polygon"),
        (_collection(_feature("06649"), _feature("06652", [[[200, 20], [201, 20], [201, 21], [200, 20]]])), "closed"),
        (_collection(_feature("06649"), _feature("06652", kind="Point")), "Polygon"),
        (_collection(_feature("06649"), _feature("06649")), "twice"),
        (_collection(_feature("06649"), {"type": "Feature", "geometry": None}), "no properties"),
        ('{"type": "FeatureCollection",\n "features": [}', "line 2: not valid JSON"),
        (json.dumps({"type": "Feature"}), "not a GeoJSON FeatureCollection"),
        (json.dumps({"type": "FeatureCollection"}), "no features"),
    ],
)
def test_a_bad_file_writes_nothing(units, document, words):
    with pytest.raises(FileRejected) as caught:
        import_boundaries(document)
    assert any(words in problem for problem in caught.value.problems), caught.value.problems
    assert _boundaries() == {}


def test_command(units, tmp_path, capsys):
    good = tmp_path / "good.geojson"
    good.write_text(_collection(_feature("06649")), encoding="utf-8")
    call_command("import_boundaries", str(good))
    assert "1 units" in capsys.readouterr().out
    bad = tmp_path / "bad.geojson"
    bad.write_text(_collection(_feature("06652"), _feature("12345")), encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("import_boundaries", str(bad))
    assert "nothing was imported" in str(caught.value) and "12345" in str(caught.value)
    assert set(_boundaries()) == {"06649"}
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_boundaries", str(tmp_path / "missing.geojson"))
