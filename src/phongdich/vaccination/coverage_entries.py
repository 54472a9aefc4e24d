"""Keeping :class:`~phongdich.vaccination.models.CoverageEntry` in step with the doses and the persons.

Signal receivers (connected in ``VaccinationConfig.ready``) recompute one person's entry whenever one of
their doses is saved or deleted, a merge moves doses to them, or the person is saved (moved, birth date
corrected) or deleted. Bulk writers below the ORM (the synthetic province) write entries themselves.
:func:`rebuild` recomputes every entry from the doses (a migration fills the table with it).
"""

from __future__ import annotations

from typing import Any

from django.db import connection, models
from django.db.models.signals import post_delete, post_save

from phongdich.people.models import Person, PersonMerge
from phongdich.vaccination.models import CoverageEntry, Vaccination


def refresh(person_id: int) -> None:
    """Recompute one person's entry from their doses (deleted when they have no first dose nor full course)."""
    flags = Vaccination.objects.filter(person_id=person_id).aggregate(
        first=models.Count("pk", filter=models.Q(dose_number=1)),
        full=models.Count("pk", filter=models.Q(completes_course=True)),
    )
    person = Person.objects.filter(pk=person_id).values("home_commune_id", "date_of_birth").first()
    if person is None or not (flags["first"] or flags["full"]):
        CoverageEntry.objects.filter(person_id=person_id).delete()
        return
    CoverageEntry.objects.update_or_create(
        person_id=person_id,
        defaults={
            "commune_id": person["home_commune_id"],
            "date_of_birth": person["date_of_birth"],
            "first_dose": bool(flags["first"]),
            "full_course": bool(flags["full"]),
        },
    )


def rebuild() -> int:
    """Every entry again from the doses and persons, in one statement; the number of entries."""
    entries = connection.ops.quote_name(CoverageEntry._meta.db_table)
    doses = connection.ops.quote_name(Vaccination._meta.db_table)
    persons = connection.ops.quote_name(Person._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {entries}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {entries} (person_id, commune_id, date_of_birth, first_dose, full_course) "  # noqa: S608
            f"SELECT p.id, p.home_commune_id, p.date_of_birth, "
            f"SUM(CASE WHEN v.dose_number = 1 THEN 1 ELSE 0 END) > 0, "
            f"SUM(CASE WHEN v.completes_course THEN 1 ELSE 0 END) > 0 "
            f"FROM {doses} v JOIN {persons} p ON p.id = v.person_id "
            f"WHERE v.dose_number = 1 OR v.completes_course GROUP BY p.id, p.home_commune_id, p.date_of_birth"
        )
    return CoverageEntry.objects.count()


def _dose_changed(sender: Any, instance: Vaccination, **kwargs: Any) -> None:
    refresh(instance.person_id)


def _person_saved(sender: Any, instance: Person, created: bool = False, raw: bool = False, **kwargs: Any) -> None:
    if created or raw:
        return  # a new person has no dose yet
    CoverageEntry.objects.filter(person_id=instance.pk).update(
        commune_id=instance.home_commune_id, date_of_birth=instance.date_of_birth
    )


def _person_deleted(sender: Any, instance: Person, **kwargs: Any) -> None:
    CoverageEntry.objects.filter(person_id=instance.pk).delete()


def _merged(sender: Any, instance: PersonMerge, created: bool = False, **kwargs: Any) -> None:
    if created:
        refresh(instance.survivor_id)


def connect() -> None:
    post_save.connect(_dose_changed, sender=Vaccination, dispatch_uid="coverage-dose-saved")
    post_delete.connect(_dose_changed, sender=Vaccination, dispatch_uid="coverage-dose-deleted")
    post_save.connect(_person_saved, sender=Person, dispatch_uid="coverage-person-saved")
    post_delete.connect(_person_deleted, sender=Person, dispatch_uid="coverage-person-deleted")
    post_save.connect(_merged, sender=PersonMerge, dispatch_uid="coverage-merge")
