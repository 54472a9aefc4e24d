"""The confirmation policy the platform ships with; the province adds versions in the admin.

RT-PCR positive confirms a case. From late 2021 provinces also counted a positive rapid antigen test done
by health staff (for people with symptoms or epidemiological links); the reference notes give no single
national date, so this version leaves it off and a province sets its own date in a new version.
A self-test reported by a citizen never confirms on its own.
"""

import datetime as dt

from django.db import migrations


def add_default(apps, schema_editor):
    ConfirmationPolicy = apps.get_model("cases", "ConfirmationPolicy")
    ConfirmationPolicy.objects.get_or_create(
        valid_from=dt.date(2020, 1, 1),
        defaults={
            "name": "RT-PCR confirms (default)",
            "rt_pcr_confirms": True,
            "antigen_confirms_from": None,
            "self_test_confirms": False,
            "max_onset_after_sampling_days": 14,
        },
    )


def remove_default(apps, schema_editor):
    apps.get_model("cases", "ConfirmationPolicy").objects.filter(valid_from=dt.date(2020, 1, 1)).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(add_default, remove_default)]
