"""Feedback (phản ánh) in the API: /api/v1/feedback. Citizens (with a token of their account) send and follow
their own; commune officers list, read and answer those of their communes. Handlers are thin: portal.services
decides scope, validity, idempotency and audit."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from phongdich.core.api import ERRORS, InputSchema, Page, actor, paginate
from phongdich.core.errors import NotFound
from phongdich.portal import services
from phongdich.portal.models import Feedback, FeedbackCategory, FeedbackStatus

router = Router(tags=["feedback"])


class AnswerOut(Schema):
    text: str
    from_officer: bool
    created_at: dt.datetime


class FeedbackOut(Schema):
    id: int
    uuid: UUID
    category: str
    text: str
    location: str
    commune: str = Field(..., description="Code of the commune the feedback was sent to")
    status: str
    has_photo: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    answers: list[AnswerOut]

    @staticmethod
    def of(feedback: Feedback) -> FeedbackOut:
        return FeedbackOut(
            id=feedback.pk,
            uuid=feedback.uuid,
            category=feedback.category,
            text=feedback.text,
            location=feedback.location,
            commune=feedback.commune.code,
            status=feedback.status,
            has_photo=bool(feedback.photo),
            created_at=feedback.created_at,
            updated_at=feedback.updated_at,
            answers=[
                AnswerOut(text=a.text, from_officer=a.from_officer, created_at=a.created_at)
                for a in feedback.answers.all()
            ],
        )


class FeedbackIn(InputSchema):
    uuid: UUID = Field(..., description="Made by the client; a retry with the same uuid stores nothing new")
    category: FeedbackCategory = Field(..., description="gathering, violation, help or other")
    # The service names an over-long text in its own 422 message; the schema only stops absurd bodies.
    text: str = Field(..., max_length=20_000, description="At most 2,000 characters")
    commune: str = Field("", max_length=12, description="Commune code; empty: the reporter's home commune")
    location: str = Field("", max_length=400)


class AnswerIn(InputSchema):
    text: str = Field("", max_length=20_000, description="At most 2,000 characters; required to answer")
    status: str = Field(FeedbackStatus.ANSWERED, max_length=12, description="in_progress, answered or closed")


@router.get("", url_name="feedback_list", response={200: Page[FeedbackOut], **ERRORS}, summary="Feedback")
def list_feedback(
    request: HttpRequest,
    status: str = Query("", max_length=12, description="open, in_progress, answered or closed; empty for all"),
    page: int = Query(1, ge=1, le=1_000_000),
    page_size: int = Query(50, ge=1, le=200),
) -> dict[str, object]:
    user = actor(request)
    rows, numbers = paginate(services.search_feedback(user, status).prefetch_related("answers"), page, page_size)
    return {"items": [FeedbackOut.of(feedback) for feedback in rows], **numbers}


@router.post(
    "", url_name="feedback_create", response={201: FeedbackOut, 200: FeedbackOut, **ERRORS}, summary="Send feedback"
)
def create_feedback(request: HttpRequest, payload: FeedbackIn) -> Status[FeedbackOut]:
    user = actor(request)
    if user.role != "citizen" or user.is_superuser:
        # Feedback comes from citizens (officers answer it); anything else is not found, as forbidden is.
        raise NotFound()
    data = services.FeedbackInput(
        uuid=payload.uuid,
        category=str(payload.category),
        text=payload.text,
        commune=payload.commune,
        location=payload.location,
    )
    feedback, created = services.submit_feedback(user, data)
    return Status(201 if created else 200, FeedbackOut.of(services.get_feedback(user, feedback.pk)))


@router.get("/{feedback_id}", url_name="feedback_detail", response={200: FeedbackOut, **ERRORS}, summary="One")
def feedback_detail(request: HttpRequest, feedback_id: int) -> FeedbackOut:
    return FeedbackOut.of(services.get_feedback(actor(request), feedback_id))


@router.post(
    "/{feedback_id}/answers", url_name="feedback_answer", response={200: FeedbackOut, **ERRORS}, summary="Answer"
)
def answer(request: HttpRequest, feedback_id: int, payload: AnswerIn) -> FeedbackOut:
    user = actor(request)
    services.answer_feedback(user, feedback_id, payload.text, payload.status)
    return FeedbackOut.of(services.get_feedback(user, feedback_id))
