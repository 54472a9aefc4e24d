"""The two shipped rule sets (QĐ 4800/QĐ-BYT and QĐ 218/QĐ-BYT) with their measures by level."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import migrations


def ship(apps: Any, schema_editor: Any) -> None:
    from phongdich.levels.seed import MEASURES, RULE_SETS

    rule_set_model = apps.get_model("levels", "LevelRuleSet")
    measure_model = apps.get_model("levels", "LevelMeasure")
    for data in RULE_SETS:
        fields = {key: value for key, value in data.items() if key != "valid_from"}
        valid_from = dt.date.fromisoformat(data["valid_from"])
        if rule_set_model.objects.filter(valid_from=valid_from, replaced_by__isnull=True).exists():
            continue
        rule_set = rule_set_model.objects.create(valid_from=valid_from, **fields)
        measure_model.objects.bulk_create(
            measure_model(rule_set=rule_set, venue_kind=kind, level=level, measure=measure, note=note)
            for kind, (by_level, note) in MEASURES.items()
            for level, measure in enumerate(by_level, start=1)
        )


def unship(apps: Any, schema_editor: Any) -> None:
    from phongdich.levels.seed import RULE_SETS

    rule_set_model = apps.get_model("levels", "LevelRuleSet")
    names = [data["name"] for data in RULE_SETS]
    rule_set_model.objects.filter(name__in=names, assessments__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("levels", "0001_initial")]

    operations = [migrations.RunPython(ship, unship)]
