"""The work list screen: mine, unassigned and all in my area; overdue first and in red; assign, complete, cancel.

Thin views over tasks.services; a task outside the account's units answers 404. The row actions answer htmx
with the row alone, and a plain form post with a redirect back to the list.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from phongdich.accounts.models import User
from phongdich.core import access
from phongdich.core.errors import DomainError, NotFound
from phongdich.geo.models import AdministrativeUnit, Level
from phongdich.tasks import services
from phongdich.tasks.forms import TaskForm
from phongdich.tasks.models import Task, TaskKind, TaskStatus
from phongdich.web.views import is_htmx, paginate, screen, show_errors, signed_in


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() and 0 < int(text) < 2**63 else None


def _with_colleagues(user: User, rows: list[Task]) -> None:
    """Each row's possible assignees (one lookup per commune on the page)."""
    by_commune: dict[int, list[User]] = {}
    for task in rows:
        if task.commune_id not in by_commune:
            by_commune[task.commune_id] = services.colleagues(user, task.commune)
        task.colleague_choices = by_commune[task.commune_id]  # type: ignore[attr-defined]


def _row_context(user: User) -> dict[str, Any]:
    return {"now": timezone.now(), "can_change": access.can(user, Task.access_resource, "change")}


@screen
def task_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not access.can(user, Task.access_resource, "view"):
        raise Http404()
    tab = request.GET.get("tab", "")
    if tab not in services.Tab.values:
        # Generated tasks start unassigned: with nothing of one's own yet, the area's list is the useful one.
        mine = services.work_list(user, tab=services.Tab.MINE).exists()
        tab = services.Tab.MINE if mine else services.Tab.ALL
    status = request.GET.get("status", TaskStatus.OPEN)
    status = status if status in TaskStatus.values or status == "" else TaskStatus.OPEN
    kind = request.GET.get("kind", "")
    kind = kind if kind in TaskKind.values else ""
    facility_id = _int(request.GET.get("facility_id", ""))
    found = services.work_list(user, tab=tab, status=status, facility_id=facility_id, kind=kind)
    page = paginate(request, found)
    rows = list(page.object_list)
    services.record_list_read(user, rows)
    _with_colleagues(user, rows)
    return render(
        request,
        "tasks/list.html",
        {
            "page": page,
            "rows": rows,
            "tab": tab,
            "tabs": services.Tab.choices,
            "status": status,
            "statuses": TaskStatus.choices,
            "kind": kind,
            "kinds": TaskKind.choices,
            "facility_id": facility_id,
            "overdue_count": found.filter(status=TaskStatus.OPEN, due_at__lt=timezone.now()).count(),
            "can_add": access.can(user, Task.access_resource, "add"),
            **_row_context(user),
        },
    )


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("task-list")


def _row(request: HttpRequest, user: User, task_id: int, error: str = "") -> HttpResponse:
    task = services.get_task(user, task_id)
    _with_colleagues(user, [task])
    return render(request, "tasks/_row.html", {"task": task, "error": error, **_row_context(user)})


def _act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = signed_in(request)
    try:
        if action == "complete":
            services.complete_task(user, pk, request.POST.get("note", ""))
            done = _("The task is done.")
        elif action == "cancel":
            services.cancel_task(user, pk, request.POST.get("note", ""))
            done = _("The task is cancelled.")
        else:
            choice = request.POST.get("assignee", "")
            assignee = user.pk if choice == "me" else _int(choice) if choice else None
            if choice and assignee is None:
                raise DomainError(_("This account does not work in the task's commune."))
            services.assign_task(user, pk, assignee)
            done = _("The task is assigned.")
    except NotFound:
        raise
    except DomainError as error:
        message = "; ".join(item.message for item in error.errors) or error.detail
        if is_htmx(request):
            return _row(request, user, pk, error=message)
        messages.error(request, message)
        return _back(request)
    if is_htmx(request):
        return _row(request, user, pk)
    messages.success(request, done)
    return _back(request)


@screen
@require_POST
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "complete")


@screen
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "cancel")


@screen
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "assign")


def _assignees(user: User) -> list[tuple[int, str]]:
    """Accounts the new task may go to: those working in the user's own units (their colleagues)."""
    units = list(user.units.filter(level=Level.COMMUNE)) or list(user.units.all())
    seen: dict[int, str] = {}
    for unit in units:
        for colleague in services.colleagues(user, unit):
            seen[colleague.pk] = colleague.get_full_name() or colleague.username
    return sorted(seen.items(), key=lambda item: item[1])


@screen
def task_create(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not access.can(user, Task.access_resource, "add"):
        raise Http404()
    assignees = _assignees(user)
    initial: dict[str, object] = {}
    communes = [unit for unit in user.assigned_units() if unit.level == Level.COMMUNE]
    if len(communes) == 1:
        initial["commune"] = communes[0].code
    if request.GET.get("person", "").isdigit():
        initial["person"] = request.GET["person"]
    form = TaskForm(request.POST or None, initial=initial, assignees=assignees)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            task = services.create_manual_task(
                user,
                services.ManualTaskInput(
                    kind=data["kind"],
                    title=data["title"],
                    due_at=data["due_at"],
                    commune=data["commune"] or "",
                    person=data["person"],
                    facility_id=data["facility_id"],
                    assignee=data["assignee"],
                    details=data["details"] or "",
                ),
            )
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("The task is on the list."))
            return redirect(f"{redirect('task-list').url}?tab=all#task-{task.pk}")
    return render(
        request,
        "tasks/form.html",
        {"form": form, "communes": AdministrativeUnit.objects.filter(access.unit_scope(user), level=Level.COMMUNE)},
    )
