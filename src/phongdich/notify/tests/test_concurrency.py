"""The same event from several processes at once (PostgreSQL: real concurrent transactions).

One message and one task come out, whoever wins; every caller gets that one. These tests commit, so the
database is flushed after them; pytest-django runs such tests after all the others, and nothing here needs
the migrations' data.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection
from django.utils import timezone

from phongdich.notify import services
from phongdich.notify.models import Message
from phongdich.tasks import services as tasks
from phongdich.tasks.models import Task

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers: no race to test"),
    pytest.mark.django_db(transaction=True),
]


def at_once(calls: list[Callable[[], object]]) -> tuple[list[object], list[BaseException]]:
    barrier = threading.Barrier(len(calls))
    results: list[object] = []
    errors: list[BaseException] = []

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results.append(call())
        except BaseException as exc:  # reported to the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_one_message_for_an_event_sent_from_many_processes(units, commune_officer, make_person, settings, tmp_path):
    settings.PHONGDICH_NOTIFY_OUTBOX = tmp_path / "outbox.log"
    person = make_person(commune_officer, phone="0912345678")

    def send() -> object:
        message = services.notify(
            event_key="quarantine.order_issued:1", template="f1_notice", context={"person_name": "A"}, person=person
        )
        assert message is not None
        return message.pk

    results, errors = at_once([send for _ in range(8)])
    assert errors == []
    assert len(set(results)) == 1 and Message.objects.count() == 1
    assert (tmp_path / "outbox.log").read_text(encoding="utf-8").count("--- message") == 1


def test_one_task_for_an_event_generated_by_many_processes(units):
    def make() -> object:
        return tasks.create_task(
            None,
            kind="take_sample",
            commune=units["06649"],
            title="Lấy mẫu ngày 7",
            due_at=timezone.now(),
            source_key="quarantine.test:7",
        ).pk

    results, errors = at_once([make for _ in range(8)])
    assert errors == []
    assert len(set(results)) == 1 and Task.objects.count() == 1
