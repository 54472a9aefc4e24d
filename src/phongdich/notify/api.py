"""Messages in the API: /api/v1/messages (within your units) and retrying a failed one."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from phongdich.core.api import ERRORS, Page, actor, paginate
from phongdich.notify import services
from phongdich.notify.models import Message, MessageStatus

router = Router(tags=["notifications"])


class MessageOut(Schema):
    id: int
    event_key: str
    template: str
    channel: str
    address: str
    subject: str
    body: str
    person: int | None
    user: int | None
    commune: str = Field(..., description="Code of the unit whose officers follow the message")
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str
    created_at: dt.datetime
    sent_at: dt.datetime | None

    @staticmethod
    def of(message: Message) -> MessageOut:
        return MessageOut(
            id=message.pk,
            event_key=message.event_key,
            template=message.template,
            channel=message.channel,
            address=message.address,
            subject=message.subject,
            body=message.body,
            person=message.person_id,
            user=message.user_id,
            commune=message.commune.code,
            status=message.status,
            attempts=message.attempts,
            next_attempt_at=message.next_attempt_at,
            last_error=message.last_error,
            created_at=message.created_at,
            sent_at=message.sent_at,
        )


@router.get("", url_name="messages_list", response={200: Page[MessageOut], **ERRORS}, summary="Messages in your units")
def list_messages(
    request: HttpRequest,
    status: MessageStatus | None = Query(None),
    template: str = Query("", max_length=60),
    page: int = Query(1, ge=1, le=1_000_000),
    page_size: int = Query(50, ge=1, le=200),
) -> dict[str, object]:
    user = actor(request)
    found = services.search_messages(user, status=str(status or ""), template=template)
    rows, numbers = paginate(found, page, page_size)
    services.record_list_read(user, rows)
    return {"items": [MessageOut.of(message) for message in rows], **numbers}


@router.get("/{message_id}", url_name="messages_detail", response={200: MessageOut, **ERRORS}, summary="One message")
def message_detail(request: HttpRequest, message_id: int) -> MessageOut:
    return MessageOut.of(services.get_message(actor(request), message_id))


@router.post(
    "/{message_id}/retry",
    url_name="messages_retry",
    response={200: MessageOut, **ERRORS},
    summary="Try a failed or undelivered message again now",
)
def retry(request: HttpRequest, message_id: int) -> MessageOut:
    message = services.retry_message(actor(request), message_id)
    return MessageOut.of(services.get_message(actor(request), message.pk))
