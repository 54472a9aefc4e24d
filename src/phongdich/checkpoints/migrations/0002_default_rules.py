"""The shipped entry rules (version 1): Quảng Ninh's gateway rules of autumn 2021, as data the province edits by
adding later versions (see checkpoints.rules for their meaning).

[recalled]: from October 2021 people entering Quảng Ninh from level-3/4 areas needed a negative RT-PCR test
within 72 hours or proof of full vaccination or recovery; symptoms or contact with an F0/F1 meant a test at the
gateway; travellers from lockdown zones were tested unless they had a recent negative test.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import migrations

RULES: list[dict[str, Any]] = [{'when': {'invalid': True}, 'decision': 'turn_back', 'reason': 'The code is not valid.'},
 {'when': {'in_quarantine': True},
  'decision': 'turn_back',
  'reason': 'The traveller is under an active quarantine order.'},
 {'when': {'symptoms': True}, 'decision': 'test_on_spot', 'reason': 'Declared symptoms.'},
 {'when': {'contact_f0_f1': True}, 'decision': 'test_on_spot', 'reason': 'Contact with an F0 or F1.'},
 {'when': {'from_level_at_least': 3, 'negative_test_within_hours': 72},
  'decision': 'let_through_notify',
  'reason': 'From a level-3/4 area with a negative test within 72 hours.'},
 {'when': {'from_level_at_least': 3, 'protected': True},
  'decision': 'let_through_notify',
  'reason': 'From a level-3/4 area, fully vaccinated or recovered.'},
 {'when': {'from_level_at_least': 3},
  'decision': 'test_on_spot',
  'reason': 'From a level-3/4 area without a negative test within 72 hours.'},
 {'when': {'from_lockdown': True, 'negative_test_within_hours': 72},
  'decision': 'let_through_notify',
  'reason': 'From a lockdown zone with a negative test within 72 hours.'},
 {'when': {'from_lockdown': True},
  'decision': 'test_on_spot',
  'reason': 'From a lockdown zone without a negative test within 72 hours.'},
 {'when': {}, 'decision': 'let_through', 'reason': 'Meets the entry rules.'}]


def create(apps: Any, schema_editor: Any) -> None:
    EntryRuleSet = apps.get_model("checkpoints", "EntryRuleSet")
    EntryRuleSet.objects.get_or_create(
        version=1,
        defaults={
            "name": "Quảng Ninh: kiểm soát ra vào tỉnh (10/2021)",
            "valid_from": dt.datetime(2021, 10, 1, tzinfo=dt.UTC),
            "rules": RULES,
        },
    )


def remove(apps: Any, schema_editor: Any) -> None:
    apps.get_model("checkpoints", "EntryRuleSet").objects.filter(version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("checkpoints", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]
