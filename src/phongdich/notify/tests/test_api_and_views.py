"""/api/v1/messages and the message screens: scope, the list, retrying a failed message."""

from __future__ import annotations

import pytest
from django.test import Client

from phongdich.accounts.roles import Role
from phongdich.audit.models import AuditEvent
from phongdich.notify import services
from phongdich.notify.models import Message, MessageStatus


@pytest.fixture(autouse=True)
def outbox(settings, tmp_path):
    settings.PHONGDICH_NOTIFY_OUTBOX = tmp_path / "outbox.log"
    return tmp_path / "outbox.log"


@pytest.fixture
def messages(commune_officer, province_admin, make_person):
    near = make_person(commune_officer, home_commune="06649", phone="0912345678")
    far = make_person(province_admin, home_commune="06727", phone="0977000111")
    mine = services.notify(event_key="e:1", template="f1_notice", context={"person_name": "A"}, person=near)
    theirs = services.notify(event_key="e:2", template="f1_notice", context={"person_name": "B"}, person=far)
    Message.objects.filter(pk=mine.pk).update(status=MessageStatus.GIVEN_UP, attempts=5, last_error="gateway down")
    return mine, theirs


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_api_lists_the_messages_of_my_area(messages, commune_officer, api_client):
    mine, _theirs = messages
    response = api_client(commune_officer).get("/api/v1/messages")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 1
    (item,) = body["items"]
    assert (item["id"], item["status"], item["address"], item["commune"]) == (
        mine.pk,
        "given_up",
        "+84912345678",
        "06649",
    )
    assert item["last_error"] == "gateway down" and item["template"] == "f1_notice"
    assert AuditEvent.objects.filter(object_type="message", action="list", object_ids=f" {mine.pk} ").exists()
    assert api_client(commune_officer).get("/api/v1/messages?status=sent").json()["count"] == 0
    assert api_client(commune_officer).get("/api/v1/messages?status=lost").status_code == 422


def test_the_api_retries_a_failed_message(messages, commune_officer, api_client, django_capture_on_commit_callbacks):
    mine, theirs = messages
    client = api_client(commune_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/messages/{mine.pk}/retry")
    assert response.status_code == 200, response.content
    mine.refresh_from_db()
    assert (mine.status, mine.attempts) == (MessageStatus.SENT, 1)
    assert client.post(f"/api/v1/messages/{mine.pk}/retry").status_code == 409
    assert client.get(f"/api/v1/messages/{theirs.pk}").status_code == 404
    Message.objects.filter(pk=theirs.pk).update(status=MessageStatus.FAILED)
    assert client.post(f"/api/v1/messages/{theirs.pk}/retry").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == MessageStatus.FAILED


def test_roles_without_messages_get_404(messages, make_account, api_client):
    leader = make_account(Role.LEADER, "22", username="leader")
    assert api_client(leader).get("/api/v1/messages").status_code == 404
    assert api_client(leader).get(f"/api/v1/messages/{messages[0].pk}").status_code == 404


def test_the_message_screens(messages, commune_officer, english, django_capture_on_commit_callbacks):
    mine, theirs = messages
    client = signed_in(commune_officer)
    page = client.get("/messages/?status=given_up")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'id="message-{mine.pk}"' in html and f'id="message-{theirs.pk}"' not in html
    assert "Given up" in html and "Retry now" in html and 'href="/messages/"' in html
    detail = client.get(f"/messages/{mine.pk}/")
    assert detail.status_code == 200 and "Kính gửi A," in detail.content.decode()
    assert client.get(f"/messages/{theirs.pk}/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        retried = client.post(f"/messages/{mine.pk}/retry/")
    assert retried.status_code == 302
    mine.refresh_from_db()
    assert mine.status == MessageStatus.SENT
    assert client.post(f"/messages/{theirs.pk}/retry/").status_code == 404
