"""The two national quarantine rule sets of the time, as data (see shared/reference/epidemic-levels.md).

[seen]: Dispatch 10696/BYT-MT (2021-12-16): a fully vaccinated or recovered F1 is quarantined at home 7 days,
then self-monitors 7 days, tested on days 1 and 7. From 2022-02-21: fully vaccinated F1 5 days + 5 days of
self-monitoring; not fully vaccinated F1 7 days + 3 days.
[recalled]: a not fully vaccinated F1 under the December 2021 rule: 14 days in a facility, tested on days 1, 7
and 14; testing on the last day of the February 2022 periods; the rows for arrivals and entries follow the F1
rows. The province edits these as new versions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import migrations

F1 = "f1_of_case"
REASONS = (F1, "arrival_from_level4", "entry_from_abroad", "other")

POLICIES: list[dict[str, Any]] = [
    {
        "version": 1,
        "name": "Công văn 10696/BYT-MT (16/12/2021)",
        "valid_from": dt.date(2021, 12, 16),
        "notes": "F1 đã tiêm đủ liều hoặc đã khỏi bệnh: cách ly tại nhà 7 ngày, tự theo dõi 7 ngày, xét nghiệm "
        "ngày 1 và ngày 7. F1 chưa tiêm đủ liều: cách ly tập trung 14 ngày [recalled].",
        "rules": {
            "protected": ("home", 7, 7, [1, 7]),
            "not_protected": ("facility", 14, 0, [1, 7, 14]),
        },
    },
    {
        "version": 2,
        "name": "Quy định từ 21/02/2022",
        "valid_from": dt.date(2022, 2, 21),
        "notes": "F1 đã tiêm đủ liều: cách ly tại nhà 5 ngày + 5 ngày tự theo dõi; F1 chưa tiêm đủ liều: "
        "7 ngày + 3 ngày tự theo dõi. Xét nghiệm ngày cuối cách ly [recalled].",
        "rules": {
            "protected": ("home", 5, 5, [5]),
            "not_protected": ("home", 7, 3, [7]),
        },
    },
]


def add_policies(apps: Any, schema_editor: Any) -> None:
    policy_model = apps.get_model("quarantine", "QuarantinePolicy")
    rule_model = apps.get_model("quarantine", "PolicyRule")
    for data in POLICIES:
        policy, created = policy_model.objects.get_or_create(
            version=data["version"],
            defaults={"name": data["name"], "valid_from": data["valid_from"], "notes": data["notes"]},
        )
        if not created:
            continue
        for protection, (kind, days, monitoring, tests) in data["rules"].items():
            for reason in REASONS:
                rule_model.objects.create(
                    policy=policy,
                    reason=reason,
                    protection=protection,
                    kind=kind,
                    days=days,
                    self_monitoring_days=monitoring,
                    test_days=tests,
                    test_type="rt_pcr",
                )


def remove_policies(apps: Any, schema_editor: Any) -> None:
    apps.get_model("quarantine", "QuarantinePolicy").objects.filter(version__in=[1, 2]).delete()


class Migration(migrations.Migration):
    dependencies = [("quarantine", "0001_initial")]

    operations = [migrations.RunPython(add_policies, remove_policies)]
