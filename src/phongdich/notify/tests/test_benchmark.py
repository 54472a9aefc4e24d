"""``phongdich bench notify``: prints its figures as one JSON object and leaves the database as it was."""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import call_command

from phongdich.notify.models import Message
from phongdich.tasks.models import Task


def test_bench_notify_prints_its_figures_and_rolls_back(units):
    out = StringIO()
    call_command("bench", "notify", "--messages", "12", "--tasks", "30", "--json", stdout=out)
    figures = json.loads(out.getvalue())
    assert figures["database"] in ("sqlite", "postgresql")
    assert (figures["messages"], figures["messages_sent"], figures["tasks"]) == (12, 12, 30)
    # Every fifth of the 30 tasks is in the busy commune (the others go round the 177 communes).
    assert figures["work_list_open_in_commune"] == 6 and figures["work_list_first_page"] == 6
    for key in ("messages_queued_per_second", "messages_delivered_per_second", "tasks_created_per_second"):
        assert figures[key] > 0
    assert figures["work_list_ms"] >= 0
    assert not Message.objects.exists() and not Task.objects.exists()
