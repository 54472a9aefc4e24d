"""Work lists in the API: /api/v1/tasks. Handlers are thin; tasks.services decides scope, validity and audit."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from phongdich.core.api import ERRORS, InputSchema, Page, actor, paginate
from phongdich.tasks import services
from phongdich.tasks.models import Task, TaskStatus

router = Router(tags=["tasks"])

MAX_ID = 2**63 - 1


class TaskOut(Schema):
    id: int
    kind: str
    title: str
    details: str
    commune: str = Field(..., description="Code of the commune whose officers do the task")
    person: int | None
    person_name: str
    facility_id: int | None
    source_key: str = Field(..., description="The event that generated the task; empty for a task made by hand")
    due_at: dt.datetime
    overdue: bool
    status: str
    assignee: int | None
    assignee_username: str
    created_at: dt.datetime
    completed_at: dt.datetime | None
    completion_note: str

    @staticmethod
    def of(task: Task, now: dt.datetime | None = None) -> TaskOut:
        return TaskOut(
            id=task.pk,
            kind=task.kind,
            title=task.title,
            details=task.details,
            commune=task.commune.code,
            person=task.person_id,
            person_name=task.person.full_name if task.person is not None else "",
            facility_id=task.facility_id,
            source_key=task.source_key,
            due_at=task.due_at,
            overdue=task.is_overdue(now),
            status=task.status,
            assignee=task.assignee_id,
            assignee_username=task.assignee.username if task.assignee is not None else "",
            created_at=task.created_at,
            completed_at=task.completed_at,
            completion_note=task.completion_note,
        )


class TaskIn(InputSchema):
    kind: str = Field(..., max_length=24, description="call_contact, deliver_order, take_sample, … or other")
    title: str = Field(..., max_length=200)
    due_at: dt.datetime = Field(..., description="When it must be done (a time without offset is local time)")
    commune: str = Field("", max_length=12, description="Commune code; empty: the person's home commune")
    person: int | None = Field(None, ge=1, le=MAX_ID)
    facility_id: int | None = Field(None, ge=1, le=MAX_ID)
    assignee: int | None = Field(None, ge=1, le=MAX_ID, description="Account id; it must work in the commune")
    details: str = Field("", max_length=2000)


class NoteIn(InputSchema):
    note: str = Field("", max_length=2000)


class AssignIn(InputSchema):
    assignee: int | None = Field(..., ge=1, le=MAX_ID, description="Account id, or null to unassign")


@router.get("", url_name="tasks_list", response={200: Page[TaskOut], **ERRORS}, summary="Your work list")
def list_tasks(
    request: HttpRequest,
    tab: services.Tab = Query(services.Tab.ALL),
    status: TaskStatus | None = Query(TaskStatus.OPEN, description="open, done or cancelled; empty for all"),
    facility_id: int | None = Query(None, ge=1, le=MAX_ID),
    kind: str = Query("", max_length=24),
    page: int = Query(1, ge=1, le=1_000_000),
    page_size: int = Query(50, ge=1, le=200),
) -> dict[str, object]:
    user = actor(request)
    found = services.work_list(user, tab=str(tab), status=str(status or ""), facility_id=facility_id, kind=kind)
    rows, numbers = paginate(found, page, page_size)
    services.record_list_read(user, rows)
    now = timezone.now()
    return {"items": [TaskOut.of(task, now) for task in rows], **numbers}


@router.post("", url_name="tasks_create", response={201: TaskOut, **ERRORS}, summary="Make a task by hand")
def create_task(request: HttpRequest, payload: TaskIn) -> Status[TaskOut]:
    data = services.ManualTaskInput(**payload.dict())
    task = services.create_manual_task(actor(request), data)
    return Status(201, TaskOut.of(services.get_task(actor(request), task.pk)))


@router.get("/{task_id}", url_name="tasks_detail", response={200: TaskOut, **ERRORS}, summary="One task")
def task_detail(request: HttpRequest, task_id: int) -> TaskOut:
    return TaskOut.of(services.get_task(actor(request), task_id))


@router.post("/{task_id}/complete", url_name="tasks_complete", response={200: TaskOut, **ERRORS}, summary="Mark done")
def complete(request: HttpRequest, task_id: int, payload: NoteIn) -> TaskOut:
    task = services.complete_task(actor(request), task_id, payload.note)
    return TaskOut.of(services.get_task(actor(request), task.pk))


@router.post("/{task_id}/cancel", url_name="tasks_cancel", response={200: TaskOut, **ERRORS}, summary="Cancel")
def cancel(request: HttpRequest, task_id: int, payload: NoteIn) -> TaskOut:
    task = services.cancel_task(actor(request), task_id, payload.note)
    return TaskOut.of(services.get_task(actor(request), task.pk))


@router.post(
    "/{task_id}/assign", url_name="tasks_assign", response={200: TaskOut, **ERRORS}, summary="Assign or unassign"
)
def assign(request: HttpRequest, task_id: int, payload: AssignIn) -> TaskOut:
    task = services.assign_task(actor(request), task_id, payload.assignee)
    return TaskOut.of(services.get_task(actor(request), task.pk))
