"""``phongdich bench notify --json``: messages queued and delivered, tasks generated, a work list read.

Runs in one transaction that is rolled back at the end: the database is left as it was. Messages go to
recipients by address (no persons needed) on the console channel, written to a temporary outbox.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.accounts.services import create_account
from phongdich.geo.models import AdministrativeUnit, Level
from phongdich.geo.services import load_bundled_province
from phongdich.notify import services
from phongdich.synth.benchmarks import Benchmark, register
from phongdich.tasks import services as tasks
from phongdich.tasks.models import TaskKind


def _arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--messages", type=int, default=2000, help="messages to queue and deliver")
    parser.add_argument("--tasks", type=int, default=20000, help="tasks to generate across the province")


def run_notify(options: dict[str, Any]) -> dict[str, Any]:
    count = max(1, int(options.get("messages") or 2000))
    task_count = max(1, int(options.get("tasks") or 20000))
    figures: dict[str, Any] = {"database": connection.vendor, "messages": count, "tasks": task_count}
    with (
        tempfile.TemporaryDirectory() as folder,
        override_settings(PHONGDICH_NOTIFY_OUTBOX=Path(folder) / "o.log"),
        transaction.atomic(),
    ):
        if not AdministrativeUnit.objects.filter(level=Level.COMMUNE).exists():
            load_bundled_province()
        communes = list(AdministrativeUnit.objects.filter(level=Level.COMMUNE).order_by("path"))
        busy = communes[0]
        context = {"person_name": "Nguyễn Văn An", "exposure_date": dt.date(2021, 12, 20)}

        started = time.perf_counter()
        queued = [
            services.notify(
                event_key=f"bench.f1:{n}",
                template="f1_notice",
                context=context,
                address=f"+8491{n:07d}",
                channel="console",
                commune=communes[n % len(communes)],
            )
            for n in range(count)
        ]
        figures["messages_queued_per_second"] = round(count / (time.perf_counter() - started), 1)

        started = time.perf_counter()
        sent = sum(1 for message in queued if message is not None and services.deliver(message.pk) == "sent")
        figures["messages_delivered_per_second"] = round(sent / (time.perf_counter() - started), 1)
        figures["messages_sent"] = sent

        now = timezone.now()
        started = time.perf_counter()
        for n in range(task_count):
            # A fifth of the tasks in one commune: a busy commune's list.
            commune = busy if n % 5 == 0 else communes[n % len(communes)]
            tasks.create_task(
                None,
                kind=TaskKind.CALL_CONTACT,
                commune=commune,
                title=f"Gọi F1 số {n}",
                due_at=now + dt.timedelta(minutes=n % 600 - 120),
                source_key=f"bench.call:{n}",
            )
        figures["tasks_created_per_second"] = round(task_count / (time.perf_counter() - started), 1)

        officer = create_account("bench-notify-officer", role=Role.COMMUNE_OFFICER, units=[busy])
        started = time.perf_counter()
        page = list(tasks.work_list(officer)[:25])
        figures["work_list_ms"] = round((time.perf_counter() - started) * 1000, 2)
        figures["work_list_open_in_commune"] = tasks.work_list(officer).count()
        figures["work_list_first_page"] = len(page)
        transaction.set_rollback(True)
    return figures


register(
    Benchmark(
        name="notify",
        help="queue and deliver messages, generate tasks, read a busy commune's work list (rolled back)",
        add_arguments=_arguments,
        run=run_notify,
    )
)
