"""The default Vietnamese acceptance rules (rulesets/vn-default.json), so a new installation answers acceptance."""

import datetime as dt
import json
from pathlib import Path

from django.db import migrations

RULES = Path(__file__).resolve().parent.parent / "rulesets" / "vn-default.json"


def _time(text):
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def load(apps, schema_editor):
    BusinessRule = apps.get_model("certificates", "BusinessRule")
    for rule in json.loads(RULES.read_text(encoding="utf-8")):
        BusinessRule.objects.update_or_create(
            identifier=rule["Identifier"],
            version=rule["Version"],
            defaults={
                "rule_type": rule["Type"],
                "country": rule["Country"],
                "region": rule.get("Region", ""),
                "certificate_type": rule["CertificateType"],
                "valid_from": _time(rule["ValidFrom"]),
                "valid_to": _time(rule["ValidTo"]),
                "rule": rule,
                "source": "PhòngDịch default rules",
            },
        )


def unload(apps, schema_editor):
    BusinessRule = apps.get_model("certificates", "BusinessRule")
    BusinessRule.objects.filter(source="PhòngDịch default rules").delete()


class Migration(migrations.Migration):
    dependencies = [("certificates", "0002_businessrule_issuedcertificate")]

    operations = [migrations.RunPython(load, unload)]
