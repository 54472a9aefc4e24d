# The first tracing policy (version 1). Later versions are added as data (admin), never by editing this one.

from django.db import migrations

NOTES = (
    "Infectious period from 2 days before onset (or sampling) to isolation (or confirmation): Ministry of "
    "Health guidance of 2021. A scan without check-out stands for ±60 minutes around it: PC-Covid's rule. "
    "Stays are cut at 12 hours where people stay long (offices, factories, schools, hotels, clinics, markets, tourist sites, events) and at 4 hours elsewhere. F2 bounds (this platform's): only close F1s (household, named as close, or "
    "at least 15 minutes together) have their contacts traced, the 20 closest per case, for 72 hours after "
    "their first exposure; each F2 must have been close to the F1; at most 25 F2s per F1 and 500 per case, "
    "closest first, so an outbreak in a market gives lists a commune can call."
)


def create(apps, schema_editor):
    policy = apps.get_model("tracing", "TracingPolicy")
    policy.objects.get_or_create(
        version=1,
        defaults={
            "valid_from": "2021-01-01T00:00:00+07:00",
            "days_before_onset": 2,
            "tolerance_minutes": 60,
            "max_stay_minutes": 12 * 60,
            "include_household": True,
            "close_minutes": 15,
            "f2_window_hours": 72,
            "max_f1_for_f2": 20,
            "max_f2_per_f1": 25,
            "max_f2_per_case": 500,
            "notes": NOTES,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("tracing", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
