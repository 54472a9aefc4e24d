"""Generating and removing a synthetic province: the entry points commands and tests call."""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.geo.models import AdministrativeUnit
from phongdich.people.identity import CCCD_PROVINCE_CODES
from phongdich.synth.bulk import BulkWriter, writer_for_connection
from phongdich.synth.generator import Step, SynthContext, SynthError, SynthOptions, current_plan
from phongdich.synth.models import SynthRun

# Printed by the command when no password is given; demo installations only (refused in production).
DEMO_STAFF_PASSWORD = "PhongDich-demo-2021"  # noqa: S105
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_SCALE = 20.0


def today_in_vietnam() -> dt.date:
    return dt.datetime.now(VIETNAM).date()


def hash_staff_password(password: str) -> str:
    """Hashed once per run: every generated account shares the hash (PBKDF2 per account is too slow)."""
    return make_password(password)


def resolve_province(code: str | None = None) -> AdministrativeUnit:
    """The province asked for ("22" or, as in a CCCD, "022"), or the only one loaded."""
    provinces = AdministrativeUnit.objects.provinces()
    if code:
        province = provinces.filter(code__in={code, code.lstrip("0")}).first()
        if province is None:
            raise SynthError(f"No province with code {code} is loaded.")
        return province
    found = list(provinces[:2])
    if not found:
        raise SynthError("No administrative units are loaded: run `phongdich load-units` first.")
    if len(found) > 1:
        raise SynthError("Several provinces are loaded: choose one with --province CODE.")
    return found[0]


def _check(options: SynthOptions, province: AdministrativeUnit) -> None:
    if not 0 < options.scale <= MAX_SCALE:
        raise SynthError(f"The scale must be above 0 and at most {MAX_SCALE:g}.")
    if options.as_of > today_in_vietnam():
        raise SynthError("The reference date is in the future: people would be born after today.")
    if not province.code.isdigit() or f"{int(province.code):03d}" not in CCCD_PROVINCE_CODES:
        raise SynthError(f"Province code {province.code} has no CCCD prefix: cannot make citizen IDs for it.")
    if not options.staff_password_hash:
        raise SynthError("A staff password hash is required.")


def clear_runs(province: AdministrativeUnit, plan: list[Step] | None = None, writer: BulkWriter | None = None) -> int:
    """Delete everything earlier runs generated for the province. Returns the number of runs cleared.

    Call inside a transaction. Records made by hand that point at generated people (a case, a
    check-in) make the delete fail at commit, and nothing is removed.
    """
    steps = plan if plan is not None else current_plan()
    writer = writer or writer_for_connection()
    runs = list(SynthRun.objects.filter(province=province).order_by("-id"))
    for run in runs:
        for step in reversed(steps):
            step.clear(run, writer)
        run.delete()
    return len(runs)


def generate(options: SynthOptions, plan: list[Step] | None = None) -> SynthRun:
    """Generate the province's synthetic population in one transaction, and audit it as one event."""
    started = time.perf_counter()
    province = resolve_province(options.province_code)
    _check(options, province)
    steps = plan if plan is not None else current_plan()
    writer = writer_for_connection()
    with transaction.atomic():
        if SynthRun.objects.filter(province=province).exists():
            if not options.replace:
                raise SynthError(
                    f"{province.name} already has a synthetic population: add --replace to delete it and "
                    "generate again."
                )
            cleared = clear_runs(province, steps, writer)
        else:
            cleared = 0
        units = AdministrativeUnit.objects.within(province)
        communes = list(units.communes().order_by("code"))
        if not communes:
            raise SynthError(f"{province.name} has no communes loaded: run `phongdich load-units` first.")
        run = SynthRun.objects.create(province=province, seed=options.seed, scale=options.scale, as_of=options.as_of)
        context = SynthContext(
            options=options,
            province=province,
            districts=list(units.districts().order_by("code")),
            communes=communes,
            run=run,
            writer=writer,
            now=timezone.now(),
        )
        context.counts["communes"] = len(communes)
        context.counts["runs_replaced"] = cleared
        for step in steps:
            step.run(context)
        run.counts = context.counts
        run.seconds = round(time.perf_counter() - started, 3)
        run.save(update_fields=["counts", "id_ranges", "seconds"])
        audit.record(
            None,
            AuditAction.GENERATE,
            "synth_run",
            run.pk,
            detail={
                "province": province.code,
                "seed": options.seed,
                "scale": options.scale,
                "as_of": options.as_of.isoformat(),
                "steps": [step.name for step in steps],
                **context.counts,
            },
        )
    return run
