"""Screens for daily reports (the commune's form, the status and sums, the situation report) and directives.

Thin views over reports.services and reports.directives; anything outside the account's jurisdiction answers
404. The daily report form is built for a phone: one number per line, the platform's figure beside it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from phongdich.accounts.models import User
from phongdich.core import access
from phongdich.core.errors import DomainError, NotFound
from phongdich.geo.models import AdministrativeUnit, Level
from phongdich.reports import directives, documents, services
from phongdich.reports.forms import AcknowledgeForm, DailyReportForm, DirectiveForm
from phongdich.reports.models import FIGURE_NAMES, FIGURES
from phongdich.web.views import paginate, screen, show_errors, signed_in


def _day(request: HttpRequest, *, clip: bool = True) -> dt.date:
    """The day asked for (?day=YYYY-MM-DD), today (local) when absent or malformed; ``clip``: never a future day."""
    text = request.GET.get("day", "") or request.POST.get("day", "")
    try:
        day = parse_date(text) if text else None
    except ValueError:
        day = None
    today = services.local_today()
    if day is None:
        return today
    return min(day, today) if clip else day


def _reporting_communes(user: User) -> list[AdministrativeUnit]:
    """The communes the account itself reports for (a commune officer's own communes)."""
    if not access.can(user, "daily_report", "add") or user.role in access.AGGREGATE_ONLY_ROLES:
        return []
    if user.role != "commune_officer" and not user.is_superuser:
        return []
    return list(AdministrativeUnit.objects.communes().filter(access.unit_scope(user)).order_by("path")[:20])


# --- daily reports ------------------------------------------------------------------------------------


@screen
def report_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not services.may_see_reports(user):
        raise Http404()
    day = _day(request)
    unit = services.focus_unit(user, request.GET.get("unit", ""))
    summary = services.summary(user, day, unit) if unit is not None else None
    own = _reporting_communes(user)
    sent = {report.commune_id: report for report in services.reports_for(user, day=day).filter(commune__in=own)}
    return render(
        request,
        "reports/daily_list.html",
        {
            "day": day,
            "previous_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1) if day < services.local_today() else None,
            "summary": summary,
            "figures": FIGURES,
            "own": [(commune, sent.get(commune.pk)) for commune in own],
            "past_deadline": timezone.now() > services.deadline(day),
            "can_download": summary is not None and summary.unit.level != Level.COMMUNE,
            "can_read_reports": access.can(user, "daily_report", "view"),
        },
    )


@screen
def report_form(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    code = request.GET.get("commune", "") or request.POST.get("commune", "")
    if not code:
        # A commune officer's own commune, so the menu's plain link opens the form.
        own = [unit for unit in user.assigned_units() if unit.level == Level.COMMUNE]
        code = own[0].code if len(own) == 1 else ""
    commune = services.commune_for_report(user, code)
    # Not clipped: a report for a future day is refused by the service, on the form, rather than moved to today.
    day = _day(request, clip=False)
    platform = services.platform_figures(commune, day)
    existing = services.existing_report(commune, day)
    if request.method == "POST":
        form = DailyReportForm(request.POST)
        if form.is_valid():
            raw = {name: form.cleaned_data.get(name) for name in FIGURE_NAMES}
            data = services.ReportInput(
                commune=commune.code, day=day, figures=raw, difficulties=form.cleaned_data["difficulties"]
            )
            try:
                report, changed = services.submit_report(user, data)
            except NotFound:
                raise
            except DomainError as error:
                show_errors(form, error)
            else:
                if changed:
                    messages.success(request, _("The report for %(commune)s is sent.") % {"commune": commune.name})
                else:
                    messages.info(request, _("Nothing changed: the report was already sent with these figures."))
                return redirect(f"{reverse('daily-report-list')}?day={report.day.isoformat()}")
    else:
        initial: dict[str, Any] = existing.figures() if existing is not None else dict(platform)
        initial["difficulties"] = existing.difficulties if existing is not None else ""
        form = DailyReportForm(initial=initial)
    rows = [(form[name], platform.get(name)) for name in FIGURE_NAMES]
    return render(
        request,
        "reports/daily_form.html",
        {
            "form": form,
            "rows": rows,
            "commune": commune,
            "day": day,
            "existing": existing,
            "deadline": services.deadline(day),
        },
    )


@screen
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    report = services.get_report(user, pk)
    platform = report.platform_figures()
    rows = [(label, getattr(report, name), platform[name]) for name, label in FIGURES]
    return render(
        request,
        "reports/daily_detail.html",
        {
            "report": report,
            "rows": rows,
            "revisions": services.revisions(report),
            "on_time": report.on_time(services.deadline(report.day)),
            "can_revise": access.can(user, "daily_report", "change") and user.role == "commune_officer",
        },
    )


def _summary_for_download(request: HttpRequest) -> tuple[User, services.Summary]:
    user = signed_in(request)
    if not services.may_see_reports(user):
        raise Http404()
    unit = services.focus_unit(user, request.GET.get("unit", ""))
    if unit is None or unit.level == Level.COMMUNE:
        raise Http404()
    summary = services.summary(user, _day(request), unit)
    if summary is None:
        raise Http404()
    return user, summary


@screen
def situation_pdf(request: HttpRequest) -> HttpResponse:
    user, summary = _summary_for_download(request)
    content = documents.render_pdf(summary)
    services.record_export(user, summary.unit, summary.day, "pdf")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{documents.file_name(summary, "pdf")}"'
    return response


@screen
def situation_xlsx(request: HttpRequest) -> HttpResponse:
    user, summary = _summary_for_download(request)
    content = documents.render_xlsx(summary)
    services.record_export(user, summary.unit, summary.day, "xlsx")
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{documents.file_name(summary, "xlsx")}"'
    return response


# --- directives -------------------------------------------------------------------------------------------


def _may_use_directives(user: User) -> bool:
    return access.can(user, "directive", "view") and user.role not in access.AGGREGATE_ONLY_ROLES


@screen
def directive_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not _may_use_directives(user):
        raise Http404()
    inbox = paginate(request, directives.inbox(user))
    sent = list(directives.sent_directives(user)[:50]) if directives.may_send(user) else []
    return render(
        request,
        "reports/directive_list.html",
        {
            "inbox": inbox,
            "sent": sent,
            "overdue": list(directives.overdue_recipients(user)[:200]) if sent else [],
            "unread": directives.unread_count(user),
            "can_send": directives.may_send(user),
            "now": timezone.now(),
        },
    )


def _unit_choices(user: User, sender: AdministrativeUnit) -> tuple[list[tuple[str, object]], list[tuple[str, str]]]:
    """Recipient choices below the sending unit: districts, then communes grouped by district."""
    below = (
        AdministrativeUnit.objects.filter(path__startswith=sender.path, level__in=[Level.DISTRICT, Level.COMMUNE])
        .exclude(pk=sender.pk)
        .filter(access.unit_scope(user))
        .order_by("path")
    )
    districts: list[tuple[str, str]] = []
    communes: dict[str, list[tuple[str, str]]] = {}
    names: dict[int, str] = {}
    for unit in below:
        if unit.level == Level.DISTRICT:
            districts.append((unit.code, unit.name))
            names[unit.pk] = unit.name
        else:
            communes.setdefault(names.get(unit.parent_id or 0, ""), []).append((unit.code, unit.name))
    choices: list[tuple[str, object]] = []
    if districts:
        choices.append((_("Districts"), districts))
    choices += [(group or _("Communes"), items) for group, items in communes.items()]
    return choices, districts


@screen
def directive_create(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    sender = directives.sender_unit_of(user) if directives.may_send(user) else None
    if sender is None:
        raise Http404()
    unit_choices, district_choices = _unit_choices(user, sender)
    if request.method == "POST":
        form = DirectiveForm(request.POST, request.FILES, unit_choices=unit_choices, district_choices=district_choices)
        if form.is_valid():
            upload = form.cleaned_data.get("attachment")
            attachment = None
            if upload is not None:
                limit = directives.max_attachment_bytes()
                attachment = directives.Attachment(name=upload.name or "", content=upload.read(limit + 1))
            data = directives.DirectiveInput(
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                units=form.cleaned_data["units"],
                all_communes_of=form.cleaned_data["all_communes_of"],
                acknowledge_within_hours=form.cleaned_data["acknowledge_within_hours"],
                request_key=form.cleaned_data["request_key"],
            )
            try:
                directive, _created = directives.send_directive(user, data, attachment)
            except NotFound:
                raise
            except DomainError as error:
                show_errors(form, error)
            else:
                messages.success(request, _("The directive is sent."))
                return redirect("directive-detail", pk=directive.pk)
    else:
        # A double-clicked or re-posted form sends once: the key is the same for both posts.
        form = DirectiveForm(
            initial={"request_key": uuid.uuid4().hex}, unit_choices=unit_choices, district_choices=district_choices
        )
    return render(request, "reports/directive_form.html", {"form": form, "sender": sender})


@screen
def directive_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    if not _may_use_directives(user):
        raise Http404()
    view = directives.open_directive(user, pk)
    return render(
        request,
        "reports/directive_detail.html",
        {"view": view, "directive": view.directive, "form": AcknowledgeForm(), "now": timezone.now()},
    )


@screen
@require_POST
def directive_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    if not _may_use_directives(user):
        raise Http404()
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(str(error) for errors in form.errors.values() for error in errors))
        return redirect("directive-detail", pk=pk)
    try:
        directives.acknowledge(user, pk, form.cleaned_data["note"])
    except NotFound:
        raise
    except (DomainError, ValidationError) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Acknowledged."))
    return redirect("directive-detail", pk=pk)


@screen
def directive_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    directive = directives.attachment_for(user, pk)
    with directive.attachment.open("rb") as stored:
        content = stored.read()
    response = HttpResponse(content, content_type=directive.attachment_type or "application/octet-stream")
    name = directive.attachment_name or directive.attachment.name.rsplit("/", 1)[-1]
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name) or "attachment"
    response["Cache-Control"] = "private, no-store"
    return response
