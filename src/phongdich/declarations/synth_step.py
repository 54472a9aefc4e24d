"""The synthetic province's health declarations: a few hundred over the last three days.

Runs after the levels and lockdown steps (so the risk rules see their levels and zones), in the generator's
transaction, through ``services.store_confirmed`` (what a submission stores once the phone code is confirmed):
the declarants are the run's own people, declaring with their phone, name and birth year (so each matches their
registry record), going home from another province (an ``ExternalArea``) or from a commune of this province;
a few declare symptoms or a contact with an F0/F1. Declarations that match the risk rules raise their tasks and
orders as in real life (those belong to the run's people and are cleared with them by the quarantine step).
Deterministic for the seed and reference date.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from phongdich.declarations.models import Declaration, ExternalArea, VehicleKind
from phongdich.people.models import Person
from phongdich.synth.bulk import BulkWriter
from phongdich.synth.generator import SynthContext, register_step
from phongdich.synth.models import SynthRun

MAX_DECLARATIONS = 300
MIN_DECLARATIONS = 20
PER_PEOPLE = 40  # one declaration per this many generated people, within the bounds above
DAYS = 3
SYMPTOM_SHARE = 0.04
CONTACT_SHARE = 0.03
EXTERNAL_SHARE = 0.6
PLATES = ("14A", "14B", "29A", "30F", "15A", "34A", "12A", "98A")


class DeclarationStep:
    name = "declarations"

    def run(self, context: SynthContext) -> None:
        from phongdich.declarations import services

        context.counts["declarations"] = 0
        context.counts["declarations_at_risk"] = 0
        people = context.run.id_range("person")
        if not people or not context.communes:
            return
        rng = context.rng("declarations")
        total = people[1] - people[0] + 1
        wanted = max(MIN_DECLARATIONS, min(MAX_DECLARATIONS, total // PER_PEOPLE))
        candidates = list(
            Person.objects.filter(pk__gte=people[0], pk__lte=people[1])
            .exclude(phone="")
            .order_by("pk")
            .values_list("pk", flat=True)[: wanted * 20]
        )
        if not candidates:
            return
        chosen = sorted(rng.sample(candidates, min(wanted, len(candidates))))
        areas = list(ExternalArea.objects.order_by("code"))
        made: list[int] = []
        for person in Person.objects.filter(pk__in=chosen).select_related("home_commune").order_by("pk"):
            at = context.now - dt.timedelta(minutes=rng.randrange(DAYS * 24 * 60))
            external = bool(areas) and rng.random() < EXTERNAL_SHARE
            origin = rng.choice(context.communes)
            vehicle = rng.choice([VehicleKind.CAR, VehicleKind.MOTORBIKE, VehicleKind.BUS, VehicleKind.NONE])
            plate = f"{rng.choice(PLATES)}{rng.randrange(10000, 99999)}" if vehicle != VehicleKind.NONE else ""
            symptoms = ("fever", "cough") if rng.random() < SYMPTOM_SHARE else ()
            data = services.DeclarationInput(
                submission_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                kind="entry" if external else "movement",
                people=[
                    services.PersonEntry(
                        full_name=person.full_name,
                        birth_year=person.date_of_birth.year,
                        sex=person.sex,
                        citizen_id=person.citizen_id or "",
                        symptoms=symptoms,
                    )
                ],
                to_commune=person.home_commune.code,
                from_area=rng.choice(areas).code if external else "",
                from_unit="" if external else origin.code,
                to_address=person.address,
                travel_date=timezone.localtime(at).date(),
                vehicle_kind=vehicle,
                vehicle_plate=plate,
                purpose="Về nhà",
                contact_f0_f1=rng.random() < CONTACT_SHARE,
            )
            try:
                stored = services.store_confirmed(data, person.phone, at=at)
            except services.InvalidInput:
                continue  # a generated record the form would refuse (e.g. an unusual phone): skipped
            made.extend(declaration.pk for declaration in stored)
            context.counts["declarations_at_risk"] += sum(1 for declaration in stored if declaration.at_risk)
        if made:
            context.run.id_ranges["declaration"] = [min(made), max(made)]
        context.counts["declarations"] = len(made)

    def clear(self, run: SynthRun, writer: BulkWriter) -> None:
        """The run's declarations and the tasks they raised (their quarantine orders are the run's people's, which
        the quarantine step clears)."""
        from phongdich.tasks.models import Task

        ours = run.id_range("declaration")
        if ours:
            rows = Declaration.objects.filter(pk__gte=ours[0], pk__lte=ours[1])
            ids = list(rows.values_list("pk", flat=True))
            keys = [f"declarations.{kind}:{pk}" for pk in ids for kind in ("call", "sample")]
            for start in range(0, len(keys), 500):
                Task.objects.filter(source_key__in=keys[start : start + 500]).delete()
            rows.delete()


def register() -> None:
    """Add the step at the end of the plan as it stands: the levels, lockdown and quarantine apps are made ready
    before this one, so their steps (and the outbreak they build on) are already in it."""
    register_step(DeclarationStep())
