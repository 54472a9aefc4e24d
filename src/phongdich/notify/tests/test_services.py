"""Messages through their services: once per event, the channels, back-off, giving up, scope, templates."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pytest
from django.core import mail
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.audit.models import AuditEvent
from phongdich.core.errors import Conflict, NotFound
from phongdich.notify import channels, services, templates
from phongdich.notify.models import Message, MessageStatus
from phongdich.notify.tests.gateway import running_gateway
from phongdich.tasks.models import Task, TaskKind, TaskStatus

CONTEXT = {"person_name": "Nguyễn Thị Đào", "exposure_date": dt.date(2021, 12, 20), "commune_name": "Phường Hà Khánh"}


@pytest.fixture
def outbox(settings, tmp_path):
    settings.PHONGDICH_NOTIFY_OUTBOX = tmp_path / "outbox.log"
    return tmp_path / "outbox.log"


@pytest.fixture
def person(commune_officer, make_person):
    return make_person(commune_officer, home_commune="06649", phone="0912345678")


@pytest.fixture
def gateway(settings):
    with running_gateway() as running:
        settings.PHONGDICH_NOTIFY_WEBHOOK_URL = running.url
        settings.PHONGDICH_NOTIFY_WEBHOOK_SECRET = "s3cret"
        settings.PHONGDICH_NOTIFY_WEBHOOK_TIMEOUT = 5
        yield running


def send(person, key="tracing.f1:1", channel=None, **extra):
    return services.notify(
        event_key=key, template="f1_notice", context=CONTEXT, person=person, channel=channel, **extra
    )


def test_the_same_event_makes_one_message_and_the_console_writes_it(person, outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = send(person)
        again = send(person)
    assert first is not None and again is not None and again.pk == first.pk
    assert len(callbacks) == 1
    first.refresh_from_db()
    assert (first.status, first.attempts, first.channel, first.address) == ("sent", 1, "console", "+84912345678")
    assert first.sent_at is not None and first.commune.code == "06649"
    text = outbox.read_text(encoding="utf-8")
    assert text.count(f"--- message {first.pk} ") == 1
    assert "To: +84912345678" in text and "Kính gửi Nguyễn Thị Đào," in text
    assert "(tiếp xúc ngày 20/12/2021)" in text and "Cán bộ y tế Phường Hà Khánh sẽ gọi" in text
    # Later, the same event once more (a retried flow): still one message, nothing sent again.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert send(person).pk == first.pk
    assert callbacks == [] and outbox.read_text(encoding="utf-8") == text
    # Another event, or another channel, is another message.
    with django_capture_on_commit_callbacks(execute=True):
        other = send(person, key="tracing.f1:2")
    assert other is not None and other.pk != first.pk
    assert Message.objects.count() == 2


def test_a_message_written_at_the_same_moment_elsewhere_is_the_one_returned(person, monkeypatch):
    """Two processes past the existence check: the unique constraint keeps one, the second gets it."""
    real_render = templates.render
    competitor: list[Message] = []

    def racing_render(name, context):
        subject, body = real_render(name, context)
        if not competitor:
            competitor.append(
                Message.objects.create(
                    event_key="tracing.f1:1",
                    template="f1_notice",
                    subject=subject,
                    body=body,
                    channel="console",
                    address="0912345678",
                    person=person,
                    recipient_key=f"person:{person.pk}",
                    commune=person.home_commune,
                )
            )
        return subject, body

    monkeypatch.setattr(templates, "render", racing_render)
    message = send(person)
    assert message is not None and message.pk == competitor[0].pk
    assert Message.objects.count() == 1


def test_the_database_refuses_a_second_message_for_the_same_event(person):
    send(person)
    duplicate = Message.objects.get()
    duplicate.pk = None
    with pytest.raises(Exception) as raised:
        duplicate.save(force_insert=True)
    assert "unique" in str(raised.value).lower() or "duplicate" in str(raised.value).lower()


def test_no_address_is_recorded_not_raised(commune_officer, make_person, outbox, django_capture_on_commit_callbacks):
    no_phone = make_person(commune_officer, phone="")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert send(no_phone) is None
        assert send(no_phone) is None
    assert callbacks == []
    stored = Message.objects.get()
    assert (stored.status, stored.address, stored.attempts) == (MessageStatus.NO_ADDRESS, "", 0)
    assert not outbox.exists()


def test_a_message_about_a_person_is_audited_without_its_text(person):
    message = send(person)
    event = AuditEvent.objects.get(object_type="message", action="create")
    assert event.object_id == str(message.pk)
    assert event.detail == {"person": person.pk, "template": "f1_notice", "channel": "console"}


def test_email_goes_through_djangos_backend(units, make_account, django_capture_on_commit_callbacks):
    officer = make_account(Role.COMMUNE_OFFICER, "06649", username="officer-mail", email="officer@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        message = services.notify(
            event_key="quarantine.alert:5",
            template="officer_alert",
            context={"alert": "SpO₂ 93 %", "person_name": "Nguyễn Văn An", "place": "Khu cách ly A"},
            user=officer,
            channel="email",
        )
    assert message is not None
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.commune.code == "06649"
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["officer@example.org"]
    assert sent.subject == "Cảnh báo: SpO₂ 93 % — Nguyễn Văn An"
    assert "Người: Nguyễn Văn An, Khu cách ly A." in sent.body


def test_a_person_has_no_email_address(person):
    # The registry keeps phones, not e-mail addresses: recorded as undeliverable by e-mail.
    assert send(person, channel="email") is None
    assert Message.objects.get().status == MessageStatus.NO_ADDRESS


def test_the_webhook_posts_signed_json(person, gateway, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = send(person, channel="webhook")
    assert message is not None
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    (received,) = gateway.received
    assert received.json == {
        "to": "+84912345678",
        "subject": "Thông báo: bạn là người tiếp xúc gần (F1)",
        "body": message.body,
        "message_id": message.pk,
    }
    expected = hmac.new(b"s3cret", received.body, hashlib.sha256).hexdigest()
    assert received.headers[channels.SIGNATURE_HEADER.lower()] == f"sha256={expected}"
    assert received.headers["x-phongdich-message-id"] == str(message.pk)


def test_a_failing_gateway_is_retried_with_back_off_then_succeeds(person, gateway, django_capture_on_commit_callbacks):
    gateway.answers = [503, 500, 502]
    with django_capture_on_commit_callbacks(execute=True):
        message = send(person, channel="webhook")
    assert message is not None
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("failed", 1, "gateway answered HTTP 503")
    first_failure = message.updated_at
    assert message.next_attempt_at is not None
    assert dt.timedelta(seconds=55) < message.next_attempt_at - first_failure <= dt.timedelta(minutes=1, seconds=5)

    # Not yet due: nothing happens.
    assert services.deliver_due(now=message.next_attempt_at - dt.timedelta(seconds=1)) == 0
    waits = []
    now = message.next_attempt_at
    for expected_status in ("failed", "failed", "sent"):
        assert services.deliver_due(now=now) == 1
        message.refresh_from_db()
        assert message.status == expected_status
        if expected_status == "failed":
            waits.append(message.next_attempt_at - now)
            now = message.next_attempt_at
    assert waits == [dt.timedelta(minutes=5), dt.timedelta(minutes=30)]
    assert (message.attempts, message.last_error, message.next_attempt_at) == (4, "", None)
    assert len(gateway.received) == 4
    assert {r.json["message_id"] for r in gateway.received} == {message.pk}
    assert not Task.objects.exists()


def test_an_unreachable_gateway_is_given_up_and_put_on_the_communes_list(
    person, settings, commune_officer, django_capture_on_commit_callbacks
):
    settings.PHONGDICH_NOTIFY_WEBHOOK_URL = "http://127.0.0.1:9/nothing-listens-here"
    settings.PHONGDICH_NOTIFY_WEBHOOK_TIMEOUT = 2
    with django_capture_on_commit_callbacks(execute=True):
        message = send(person, channel="webhook")
    assert message is not None
    for _ in range(len(services.BACKOFF)):
        message.refresh_from_db()
        assert message.status == MessageStatus.FAILED and message.last_error.startswith("gateway unreachable")
        services.deliver_due(now=message.next_attempt_at)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.next_attempt_at) == ("given_up", 5, None)
    task = Task.objects.get()
    assert (task.kind, task.commune, task.person, task.status) == (
        TaskKind.FAILED_MESSAGE,
        person.home_commune,
        person,
        TaskStatus.OPEN,
    )
    assert task.source_key == f"notify.given_up:{message.pk}:1"
    # Given up is final: the sweep leaves it alone.
    assert services.deliver_due(now=timezone.now() + dt.timedelta(days=1)) == 0
    # It is on the officer's list and the messages screen's.
    from phongdich.tasks import services as tasks

    assert list(tasks.work_list(commune_officer)) == [task]
    assert list(services.search_messages(commune_officer, status="given_up")) == [message]


def test_an_officer_retries_a_given_up_message(
    person, commune_officer, gateway, settings, django_capture_on_commit_callbacks
):
    settings.PHONGDICH_NOTIFY_MAX_ATTEMPTS = 1
    gateway.answers = [500]
    with django_capture_on_commit_callbacks(execute=True):
        message = send(person, channel="webhook")
    message.refresh_from_db()
    assert message.status == MessageStatus.GIVEN_UP
    task = Task.objects.get(kind=TaskKind.FAILED_MESSAGE)
    with django_capture_on_commit_callbacks(execute=True):
        services.retry_message(commune_officer, message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.completed_by == commune_officer
    with pytest.raises(Conflict):
        services.retry_message(commune_officer, message.pk)


def test_retrying_a_message_without_address_takes_the_corrected_phone(
    commune_officer, make_person, outbox, django_capture_on_commit_callbacks
):
    from phongdich.people import services as people
    from phongdich.people.services import PersonInput

    no_phone = make_person(commune_officer, phone="")
    send(no_phone)
    message = Message.objects.get()
    with pytest.raises(Conflict) as raised:
        services.retry_message(commune_officer, message.pk)
    assert raised.value.errors[0].field == "address"
    people.update_person(commune_officer, no_phone.pk, PersonInput(phone="0987654321"))
    with django_capture_on_commit_callbacks(execute=True):
        services.retry_message(commune_officer, message.pk)
    message.refresh_from_db()
    assert (message.status, message.address) == (MessageStatus.SENT, "+84987654321")
    assert "To: +84987654321" in outbox.read_text(encoding="utf-8")


def test_a_lost_delivery_job_is_caught_up_by_the_sweep(person, outbox):
    # No on-commit here: as if the worker never got the job.
    message = send(person)
    assert message is not None
    assert services.deliver_due(now=timezone.now()) == 0  # too fresh to be called lost
    assert services.deliver_due(now=timezone.now() + services.LOST_AFTER + dt.timedelta(seconds=1)) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


def test_an_attempt_cut_off_mid_send_is_retried(person, outbox):
    message = send(person)
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENDING, attempts=1)
    later = timezone.now() + services.STUCK_AFTER + dt.timedelta(minutes=1)
    assert services.deliver_due(now=later) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)


def test_a_message_is_sent_by_one_worker_only(person, outbox):
    message = send(person)
    assert services.deliver(message.pk) == MessageStatus.SENT
    assert services.deliver(message.pk) == ""
    assert outbox.read_text(encoding="utf-8").count("--- message") == 1


def test_messages_outside_the_area_are_not_found(person, make_account, make_person, province_admin):
    mine = send(person)
    far_person = make_person(province_admin, home_commune="06727", phone="0977000111")
    theirs = send(far_person, key="tracing.f1:9")
    officer = make_account(Role.COMMUNE_OFFICER, "06649", username="officer-b")
    assert list(services.search_messages(officer)) == [mine]
    with pytest.raises(NotFound):
        services.get_message(officer, theirs.pk)
    Message.objects.filter(pk=theirs.pk).update(status=MessageStatus.FAILED)
    with pytest.raises(NotFound):
        services.retry_message(officer, theirs.pk)
    for role in (Role.LEADER, Role.VACCINATOR, Role.CITIZEN):
        account = make_account(role, "22", username=f"someone-{role}")
        with pytest.raises(NotFound):
            services.search_messages(account)
    district = make_account(Role.DISTRICT_OFFICER, "193", username="district")
    assert list(services.search_messages(district)) == [mine]


def test_templates_register_once_and_render_plain_vietnamese_text():
    templates.register("test.same", subject="Chào {{ name }}", body="A & B: {{ name }}")
    templates.register("test.same", subject="Chào {{ name }}", body="A & B: {{ name }}")
    with pytest.raises(ValueError):
        templates.register("test.same", subject="Khác", body="Khác")
    subject, body = templates.render("test.same", {"name": "Đào & <Hà>"})
    assert subject == "Chào Đào & <Hà>" and body == "A & B: Đào & <Hà>\n"
    with pytest.raises(ValueError):
        templates.render("test.unknown", {})
    shipped = {"f1_notice", "quarantine_order", "test_appointment", "health_check_reminder", "quarantine_released"}
    assert shipped | {"officer_alert"} <= set(templates.names())


def test_the_quarantine_order_text():
    subject, body = templates.render(
        "quarantine_order",
        {
            "person_name": "Trần Văn Bình",
            "order_number": "15/QĐ-UBND",
            "kind": "cách ly tại nhà",
            "start": dt.date(2021, 12, 20),
            "planned_end": dt.date(2021, 12, 26),
            "self_monitoring_end": dt.date(2022, 1, 2),
            "test_days": [dt.date(2021, 12, 20), dt.date(2021, 12, 26)],
            "commune_name": "UBND phường Hà Khánh",
        },
    )
    assert subject == "Quyết định cách ly y tế số 15/QĐ-UBND"
    assert "UBND phường Hà Khánh thông báo quyết định cách ly y tế số 15/QĐ-UBND đối với bạn." in body
    assert "Thời gian cách ly: từ ngày 20/12/2021 đến hết ngày 26/12/2021." in body
    assert "Ngày xét nghiệm: 20/12/2021, 26/12/2021." in body
    assert "tự theo dõi sức khỏe đến hết ngày 02/01/2022" in body


def test_programming_errors_are_refused(person):
    with pytest.raises(ValueError):
        services.notify(event_key="", template="f1_notice", context={}, person=person)
    with pytest.raises(ValueError):
        services.notify(event_key="k", template="f1_notice", context={})
    with pytest.raises(ValueError):
        services.notify(event_key="k", template="f1_notice", context={}, person=person, channel="pigeon")
    with pytest.raises(ValueError):
        services.notify(event_key="k", template="nope", context={}, person=person)
    assert not Message.objects.exists()


def test_the_backoff_schedule():
    assert [wait.total_seconds() / 60 for wait in services.BACKOFF] == [1, 5, 30, 120]
    assert services.max_attempts() == 5


class PigeonChannel:
    """An installation's own channel, named in the settings."""

    name = "pigeon"
    sent: list[int] = []

    def address_for_person(self, person):
        return f"loft-{person.pk}"

    def address_for_user(self, user):
        return ""

    def send(self, message):
        PigeonChannel.sent.append(message.pk)


def test_an_installation_adds_its_own_channel(person, settings):
    settings.PHONGDICH_NOTIFY_EXTRA_CHANNELS = ["phongdich.notify.tests.test_services.PigeonChannel"]
    channels.register_configured_channels()
    try:
        message = send(person, channel="pigeon")
        assert message is not None and message.address == f"loft-{person.pk}"
        assert services.deliver(message.pk) == MessageStatus.SENT
        assert PigeonChannel.sent == [message.pk]
    finally:
        channels.REGISTRY.pop("pigeon", None)
