"""The synthetic province's gateway checkpoints: two checkpoints of Hạ Long with today's shifts, the demo checkpoint
officer (``demo-chot``) assigned to both, and a morning of passes decided by the real rules.

"Cầu Bạch Đằng" stands for the Bạch Đằng bridge gateway of the autumn 2021 pilot; the demo places it in Phường
Đại Yên (the west of Hạ Long, towards Quảng Yên) so that it lies in the demo officer's district. The passes are
decided through ``services.decide`` on personal QR codes of generated residents (scan times spread over the
morning), so the log, the summaries and any destination tasks look as in real life. Idempotent: ``clear``
removes what a run wrote (checkpoints are found again by code).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from phongdich.accounts.models import User
from phongdich.accounts.roles import Role
from phongdich.synth.bulk import BulkWriter
from phongdich.synth.generator import SynthContext, register_step
from phongdich.synth.models import SynthRun

DEMO_OFFICER = "demo-chot"
CHECKPOINTS = (
    ("cau-bach-dang", "Cầu Bạch Đằng", "06706"),
    ("ql279-hoanh-bo", "Chốt QL279 Hoành Bồ", "07030"),
)
PASSES_PER_CHECKPOINT = 12


def _demo_officer() -> User | None:
    """The demo's checkpoint officer, made now as the demo makes it when the demo runs this step first."""
    officer = User.objects.filter(username=DEMO_OFFICER).first()
    if officer is not None:
        return officer
    from django.contrib.auth.hashers import make_password

    from phongdich.accounts.services import create_account
    from phongdich.core.management.commands.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
    from phongdich.geo.models import AdministrativeUnit

    # The demo makes its accounts after generating the province: make this one now, exactly as it would (the
    # demo then leaves an existing account as it is).
    account = next((a for a in DEMO_ACCOUNTS if a.username == DEMO_OFFICER), None)
    unit = AdministrativeUnit.objects.filter(code=account.unit_code).first() if account else None
    if account is None or unit is None:
        return None
    return create_account(
        account.username,
        role=account.role,
        units=[unit],
        password_hash=make_password(DEMO_PASSWORD),
        full_name=account.display_name,
    )


class CheckpointStep:
    name = "checkpoints"

    def run(self, context: SynthContext) -> None:
        from phongdich.checkins.personal_qr import personal_qr_token
        from phongdich.checkpoints import services
        from phongdich.checkpoints.models import Checkpoint, Direction, Shift
        from phongdich.geo.models import AdministrativeUnit
        from phongdich.people.models import Person

        communes = {unit.code: unit for unit in AdministrativeUnit.objects.filter(code__in=[c[2] for c in CHECKPOINTS])}
        if len(communes) < len(CHECKPOINTS):
            return  # another province: no gateway of the seed province to place
        officer = _demo_officer()
        if officer is not None and officer.role != Role.CHECKPOINT_OFFICER:
            officer = None
        rng = context.rng("checkpoints")
        local_now = timezone.localtime(context.now)
        morning = local_now.replace(hour=6, minute=0, second=0, microsecond=0)
        if morning > context.now - dt.timedelta(hours=1):
            morning = context.now - dt.timedelta(hours=4)
        people = list(
            Person.objects.filter(home_commune__path__startswith=communes[CHECKPOINTS[0][2]].path[:-1])
            .order_by("id")
            .values_list("id", flat=True)[:2000]
        )
        passes = 0
        for code, name, commune_code in CHECKPOINTS:
            checkpoint, _created = Checkpoint.objects.update_or_create(
                code=code, defaults={"name": name, "commune": communes[commune_code], "active": True}
            )
            shift = Shift.objects.create(
                checkpoint=checkpoint, starts_at=morning, ends_at=morning + dt.timedelta(hours=12)
            )
            if officer is not None:
                checkpoint.officers.add(officer)
                shift.officers.add(officer)
            for index in range(PASSES_PER_CHECKPOINT if people else 0):
                person = Person.objects.get(pk=rng.choice(people))
                at = morning + dt.timedelta(minutes=index * 15 + rng.randint(0, 10))
                if at >= context.now:
                    break
                services.decide(
                    checkpoint,
                    personal_qr_token(person),
                    direction=Direction.ENTRY if index % 3 else Direction.EXIT,
                    at=at,
                    actor=officer,
                    client_uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                    now=context.now,
                )
                passes += 1
        context.counts["checkpoint_passes"] = passes

    def clear(self, run: SynthRun, writer: BulkWriter) -> None:
        from phongdich.checkpoints.models import Pass, Shift, VehiclePass
        from phongdich.tasks.models import Task

        codes = [code for code, _name, _commune in CHECKPOINTS]
        uuids = [
            str(value)
            for value in Pass.objects.filter(checkpoint__code__in=codes).values_list("client_uuid", flat=True)
        ]
        Task.objects.filter(source_key__in=[f"checkpoints.pass:{value}" for value in uuids]).delete()
        Pass.objects.filter(checkpoint__code__in=codes).delete()
        VehiclePass.objects.filter(checkpoint__code__in=codes).delete()
        Shift.objects.filter(checkpoint__code__in=codes).delete()


def register() -> None:
    """After the synth app's own steps (people first): this app is made ready before ``synth``."""
    from phongdich.synth.checkins_step import CheckInStep
    from phongdich.synth.outbreak_step import OutbreakStep
    from phongdich.synth.vaccination_step import VaccinationStep
    from phongdich.synth.venues_step import VenueStep

    for step in (VenueStep(), CheckInStep(), OutbreakStep(), VaccinationStep()):
        register_step(step)
    register_step(CheckpointStep())
