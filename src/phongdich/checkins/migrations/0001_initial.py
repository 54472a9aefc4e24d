# The check-in table. Django's state gets the model as usual; the database gets an ordinary table on
# SQLite and, on PostgreSQL, a table partitioned by day (RANGE on checked_in_at) with the same columns,
# key, foreign keys and indexes, a DEFAULT partition so no insert can fail, and the daily partitions of
# the retention window and the week ahead (later days come from the checkins.ensure_partitions task).

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def create_table(apps, schema_editor):
    model = apps.get_model("checkins", "CheckIn")
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.create_model(model)
        return
    # What create_model does, with the partitioning clause added to the CREATE TABLE.
    sql, params = schema_editor.table_sql(model)
    schema_editor.execute(f"{sql} PARTITION BY RANGE ({schema_editor.quote_name('checked_in_at')})", params or None)
    schema_editor.deferred_sql.extend(schema_editor._model_indexes_sql(model))
    table = schema_editor.quote_name(model._meta.db_table)
    default = schema_editor.quote_name(f"{model._meta.db_table}_default")
    schema_editor.execute(f"CREATE TABLE {default} PARTITION OF {table} DEFAULT")


def create_partitions(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from phongdich.checkins.services import ensure_partitions

    ensure_partitions(using=schema_editor.connection.alias)


def drop_table(apps, schema_editor):
    schema_editor.delete_model(apps.get_model("checkins", "CheckIn"))


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("people", "0001_initial"),
        ("venues", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CheckIn",
                    fields=[
                        (
                            "pk",
                            models.CompositePrimaryKey(
                                "uuid", "checked_in_at", blank=True, editable=False, primary_key=True, serialize=False
                            ),
                        ),
                        ("uuid", models.UUIDField(default=uuid.uuid4)),
                        ("checked_in_at", models.DateTimeField(verbose_name="checked in at")),
                        ("phone", models.CharField(blank=True, max_length=16, verbose_name="phone")),
                        ("name", models.CharField(blank=True, max_length=150, verbose_name="name")),
                        ("checked_out_at", models.DateTimeField(blank=True, null=True, verbose_name="checked out at")),
                        ("checkout_inferred", models.BooleanField(default=False, verbose_name="check-out inferred")),
                        (
                            "method",
                            models.CharField(
                                choices=[
                                    ("venue_qr", "Visitor scanned the venue's QR"),
                                    ("personal_qr", "Staff scanned the visitor's personal QR"),
                                    ("typed_id", "Staff typed the visitor's citizen ID"),
                                    ("device", "Uploaded by a scanner device or system"),
                                ],
                                max_length=12,
                                verbose_name="how",
                            ),
                        ),
                        ("received_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                        (
                            "venue",
                            models.ForeignKey(
                                db_index=False,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="checkins",
                                to="venues.venue",
                            ),
                        ),
                        (
                            "person",
                            models.ForeignKey(
                                blank=True,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="checkins",
                                to="people.person",
                            ),
                        ),
                        (
                            "recorded_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "check-in",
                        "verbose_name_plural": "check-ins",
                        "indexes": [
                            models.Index(fields=["venue", "checked_in_at"], name="checkins_venue_time"),
                            models.Index(fields=["person", "checked_in_at"], name="checkins_person_time"),
                            models.Index(fields=["phone", "checked_in_at"], name="checkins_phone_time"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(create_table, drop_table),
        migrations.RunPython(create_partitions, migrations.RunPython.noop),
    ]
