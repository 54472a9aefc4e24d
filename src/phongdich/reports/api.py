"""Daily reports and directives in the API: /api/v1/daily-reports and /api/v1/directives.

Handlers are thin; reports.services and reports.directives decide scope, validity and audit.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile

from phongdich.core.api import ERRORS, InputSchema, Page, actor, check_query_text, paginate
from phongdich.core.errors import FieldError, InvalidInput
from phongdich.reports import directives, services
from phongdich.reports.models import FIGURE_NAMES, DailyReport, DirectiveRecipient

reports_router = Router(tags=["daily reports"])
directives_router = Router(tags=["directives"])

MAX_ID = 2**63 - 1
MAX_FIGURE = 100_000_000
DirectiveId = Path(..., ge=1, le=MAX_ID, description="Directive id")


class Figures(Schema):
    new_cases: int = 0
    f1_traced: int = 0
    quarantined_facility: int = 0
    quarantined_home: int = 0
    tests: int = 0
    positives: int = 0
    vaccinations: int = 0


class PlatformFigures(Schema):
    new_cases: int | None = None
    f1_traced: int | None = None
    quarantined_facility: int | None = None
    quarantined_home: int | None = None
    tests: int | None = None
    positives: int | None = None
    vaccinations: int | None = None


class ReportOut(Schema):
    id: int
    commune: str = Field(..., description="Official code of the commune")
    commune_name: str
    day: dt.date
    figures: Figures
    platform: PlatformFigures = Field(..., description="What the platform's records said when the report was sent")
    difficulties: str
    submitted_at: dt.datetime
    revised_at: dt.datetime | None
    revision: int
    on_time: bool

    @staticmethod
    def of(report: DailyReport) -> ReportOut:
        return ReportOut(
            id=report.pk,
            commune=report.commune.code,
            commune_name=report.commune.name,
            day=report.day,
            figures=Figures(**report.figures()),
            platform=PlatformFigures(**report.platform_figures()),
            difficulties=report.difficulties,
            submitted_at=report.submitted_at,
            revised_at=report.revised_at,
            revision=report.revision,
            on_time=report.on_time(services.deadline(report.day)),
        )


class FiguresIn(InputSchema):
    new_cases: int = Field(0, ge=-MAX_FIGURE, le=MAX_FIGURE)
    f1_traced: int = Field(0, ge=-MAX_FIGURE, le=MAX_FIGURE)
    quarantined_facility: int = Field(0, ge=-MAX_FIGURE, le=MAX_FIGURE)
    quarantined_home: int = Field(0, ge=-MAX_FIGURE, le=MAX_FIGURE)
    tests: int = Field(0, ge=-MAX_FIGURE, le=MAX_FIGURE)
    positives: int = Field(0, ge=-MAX_FIGURE, le=MAX_FIGURE)
    vaccinations: int = Field(0, ge=-MAX_FIGURE, le=MAX_FIGURE)


class ReportIn(InputSchema):
    commune: str = Field(..., max_length=12, description="Official code of the commune reporting")
    day: dt.date = Field(..., description="The local day reported on (today or a past day)")
    figures: FiguresIn
    difficulties: str = Field("", max_length=services.DIFFICULTIES_MAX, description="Difficulties and proposals")


class StatusOut(Schema):
    day: dt.date
    expected: int
    submitted: int
    missing: int
    late: int
    deadline: dt.datetime
    missing_communes: list[str] = Field(..., description="Codes of the communes that have not reported")


class PrefillOut(Schema):
    commune: str
    day: dt.date
    platform: Figures
    report: ReportOut | None


@reports_router.post(
    "", url_name="daily_reports_submit", response={200: ReportOut, 201: ReportOut, **ERRORS}, summary="Send or revise"
)
def submit(request: HttpRequest, payload: ReportIn) -> Status[ReportOut]:
    """A commune's report for a day. The same values again answer 200 and change nothing; new values revise it."""
    data = services.ReportInput(
        commune=payload.commune, day=payload.day, figures=payload.figures.dict(), difficulties=payload.difficulties
    )
    try:
        report, changed = services.submit_report(actor(request), data)
    except InvalidInput as error:
        # The figures are nested in the body: name them as the body's validation does ("figures.tests").
        raise InvalidInput(
            error.detail,
            [FieldError(f"figures.{e.field}" if e.field in FIGURE_NAMES else e.field, e.message) for e in error.errors],
        ) from None
    report = services.get_report(actor(request), report.pk)
    return Status(201 if changed else 200, ReportOut.of(report))


@reports_router.get("", url_name="daily_reports_list", response={200: Page[ReportOut], **ERRORS}, summary="Reports")
def list_reports(
    request: HttpRequest,
    day: dt.date | None = Query(None),
    page: int = Query(1, ge=1, le=1_000_000),
    page_size: int = Query(50, ge=1, le=200),
) -> dict[str, object]:
    rows, numbers = paginate(services.reports_for(actor(request), day=day), page, page_size)
    return {"items": [ReportOut.of(report) for report in rows], **numbers}


@reports_router.get("/status", url_name="daily_reports_status", response={200: StatusOut, **ERRORS}, summary="Status")
def status(request: HttpRequest, day: dt.date | None = Query(None)) -> StatusOut:
    """How many communes of your jurisdiction have reported for the day (default today), and which have not."""
    user = actor(request)
    day = day or services.local_today()
    figures = services.reporting_status(user, day)
    missing = [unit.code for unit in services.missing_communes(user, day)]
    return StatusOut(day=day, missing_communes=missing, **figures)


@reports_router.get(
    "/prefill", url_name="daily_reports_prefill", response={200: PrefillOut, **ERRORS}, summary="Pre-filled values"
)
def prefill(
    request: HttpRequest, commune: str = Query(..., max_length=12), day: dt.date | None = Query(None)
) -> PrefillOut:
    """What the platform's records say for the commune and day, and the report already sent, if any."""
    check_query_text(commune=commune)
    user = actor(request)
    unit = services.commune_for_report(user, commune, "view")
    day = day or services.local_today()
    if day > services.local_today():
        raise InvalidInput(_future(), [FieldError("day", _future())])
    existing = services.existing_report(unit, day)
    return PrefillOut(
        commune=unit.code,
        day=day,
        platform=Figures(**services.platform_figures(unit, day)),
        report=ReportOut.of(existing) if existing is not None else None,
    )


def _future() -> str:
    from django.utils.translation import gettext as _

    return _("A report cannot be for a day that has not come yet.")


# --- directives ------------------------------------------------------------------------------------------


class RecipientOut(Schema):
    unit: str
    unit_name: str
    read_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    note: str
    overdue: bool

    @staticmethod
    def of(row: DirectiveRecipient, now: dt.datetime) -> RecipientOut:
        return RecipientOut(
            unit=row.unit.code,
            unit_name=row.unit.name,
            read_at=row.read_at,
            acknowledged_at=row.acknowledged_at,
            note=row.note,
            overdue=row.is_overdue(now),
        )


class DirectiveOut(Schema):
    id: int
    title: str
    body: str
    sender_unit: str
    sent_at: dt.datetime
    acknowledge_by: dt.datetime
    attachment_name: str
    attachment_url: str
    recipients: list[RecipientOut]


class DirectiveSummaryOut(Schema):
    id: int
    title: str
    sender_unit: str
    sent_at: dt.datetime
    acknowledge_by: dt.datetime
    recipients: int
    read: int
    acknowledged: int
    overdue: int


class InboxOut(Schema):
    id: int
    title: str
    sender_unit: str
    unit: str
    sent_at: dt.datetime
    acknowledge_by: dt.datetime
    read_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    overdue: bool


class DirectiveIn(InputSchema):
    title: str = Field(..., max_length=directives.TITLE_MAX)
    body: str = Field("", max_length=directives.BODY_MAX)
    units: list[str] = Field(default_factory=list, max_length=5000, description="Codes of districts or communes")
    all_communes_of: list[str] = Field(
        default_factory=list, max_length=100, description="District codes: every commune of each receives it"
    )
    acknowledge_within_hours: int = Field(directives.DEFAULT_ACK_HOURS, ge=1, le=directives.MAX_ACK_HOURS)
    request_key: str = Field("", max_length=directives.REQUEST_KEY_MAX, description="Same key on a retry: sent once")


class AcknowledgeIn(InputSchema):
    note: str = Field("", max_length=directives.NOTE_MAX)


def _directive_out(request: HttpRequest, view: directives.DirectiveView) -> DirectiveOut:
    directive = view.directive
    now = timezone.now()
    url = ""
    if directive.attachment:
        from django.urls import reverse

        url = request.build_absolute_uri(reverse("directive-attachment", args=[directive.pk]))
    return DirectiveOut(
        id=directive.pk,
        title=directive.title,
        body=directive.body,
        sender_unit=directive.sender_unit.code,
        sent_at=directive.sent_at,
        acknowledge_by=directive.acknowledge_by,
        attachment_name=directive.attachment_name,
        attachment_url=url,
        recipients=[RecipientOut.of(row, now) for row in view.recipients],
    )


@directives_router.post("", url_name="directives_send", response={200: DirectiveOut, 201: DirectiveOut, **ERRORS})
def send(
    request: HttpRequest,
    payload: Form[DirectiveIn],
    attachment: File[UploadedFile] = None,  # type: ignore[assignment]
) -> Status[DirectiveOut]:
    """Send a directive (multipart form; ``units`` repeated) with an optional attachment (≤ 10 MB)."""
    user = actor(request)
    upload = None
    if attachment is not None:
        limit = directives.max_attachment_bytes()
        content = attachment.read(limit + 1)
        upload = directives.Attachment(name=attachment.name or "", content=content)
    data = directives.DirectiveInput(**payload.dict())
    directive, created = directives.send_directive(user, data, upload)
    return Status(201 if created else 200, _directive_out(request, directives.open_directive(user, directive.pk)))


@directives_router.get("/sent", url_name="directives_sent", response={200: Page[DirectiveSummaryOut], **ERRORS})
def sent(
    request: HttpRequest, page: int = Query(1, ge=1, le=1_000_000), page_size: int = Query(50, ge=1, le=200)
) -> dict[str, object]:
    """Directives sent from your units, with read, acknowledged and overdue counts."""
    rows, numbers = paginate(directives.sent_directives(actor(request)), page, page_size)
    items = [
        DirectiveSummaryOut(
            id=row.pk,
            title=row.title,
            sender_unit=row.sender_unit.code,
            sent_at=row.sent_at,
            acknowledge_by=row.acknowledge_by,
            recipients=row.recipient_count,
            read=row.read_count,
            acknowledged=row.acknowledged_count,
            overdue=row.overdue_count,
        )
        for row in rows
    ]
    return {"items": items, **numbers}


@directives_router.get("", url_name="directives_inbox", response={200: Page[InboxOut], **ERRORS})
def inbox(
    request: HttpRequest,
    unread: bool = Query(False),
    page: int = Query(1, ge=1, le=1_000_000),
    page_size: int = Query(50, ge=1, le=200),
) -> dict[str, object]:
    """Directives sent to your units, newest first."""
    found = directives.inbox(actor(request))
    if unread:
        found = found.filter(read_at__isnull=True)
    rows, numbers = paginate(found, page, page_size)
    now = timezone.now()
    items = [
        InboxOut(
            id=row.directive_id,
            title=row.directive.title,
            sender_unit=row.directive.sender_unit.code,
            unit=row.unit.code,
            sent_at=row.directive.sent_at,
            acknowledge_by=row.directive.acknowledge_by,
            read_at=row.read_at,
            acknowledged_at=row.acknowledged_at,
            overdue=row.is_overdue(now),
        )
        for row in rows
    ]
    return {"items": items, **numbers}


@directives_router.get("/{directive_id}", url_name="directives_read", response={200: DirectiveOut, **ERRORS})
def read(request: HttpRequest, directive_id: int = DirectiveId) -> DirectiveOut:
    """One directive: opening it as a recipient marks your unit's copy read."""
    return _directive_out(request, directives.open_directive(actor(request), directive_id))


@directives_router.post(
    "/{directive_id}/acknowledge", url_name="directives_acknowledge", response={200: DirectiveOut, **ERRORS}
)
def acknowledge(request: HttpRequest, payload: AcknowledgeIn, directive_id: int = DirectiveId) -> DirectiveOut:
    """Acknowledge a directive for your unit, with a note. Already acknowledged: unchanged."""
    return _directive_out(request, directives.acknowledge(actor(request), directive_id, payload.note))
