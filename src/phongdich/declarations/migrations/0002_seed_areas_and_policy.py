"""Neighbouring provinces at level 1 (the province raises them as the situation there changes), and the first
version of the risk rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import migrations

# Province codes of the national list (Decision 124/2004/QĐ-TTg): name, code.
AREAS = (
    ("Thành phố Hà Nội", "01"),
    ("Tỉnh Lạng Sơn", "20"),
    ("Tỉnh Bắc Giang", "24"),
    ("Tỉnh Hải Dương", "30"),
    ("Thành phố Hải Phòng", "31"),
)

# condition, min_level, action
RULES = (
    ("from_level", 4, "quarantine"),
    ("from_level", 3, "test"),
    ("from_lockdown", None, "test"),
    ("symptoms", None, "test"),
    ("contact", None, "call"),
)


def seed(apps: Any, schema_editor: Any) -> None:
    area_model = apps.get_model("declarations", "ExternalArea")
    for name, code in AREAS:
        area_model.objects.get_or_create(code=code, defaults={"name": name, "level": 1})
    policy_model = apps.get_model("declarations", "DeclarationRiskPolicy")
    rule_model = apps.get_model("declarations", "DeclarationRiskRule")
    if policy_model.objects.exists():
        return
    policy = policy_model.objects.create(
        name="Quy tắc khai báo y tế", version=1, valid_from=dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
    )
    for condition, min_level, action in RULES:
        rule_model.objects.create(policy=policy, condition=condition, min_level=min_level, action=action)


class Migration(migrations.Migration):
    dependencies = [("declarations", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
