"""Officers' message screens: delivery status of the messages to their units' people, and retrying a failure.

Thin views over notify.services; a message outside the account's units answers 404.
"""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from phongdich.core import access
from phongdich.core.errors import DomainError, NotFound
from phongdich.notify import services
from phongdich.notify.models import Message, MessageStatus
from phongdich.web.views import paginate, screen, signed_in


@screen
def message_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not access.can(user, Message.access_resource, "view"):
        raise Http404()
    status = request.GET.get("status", "")
    status = status if status in MessageStatus.values else ""
    page = paginate(request, services.search_messages(user, status=status))
    rows = list(page.object_list)
    services.record_list_read(user, rows)
    counts = services.counts_by_status(user)
    return render(
        request,
        "notify/list.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "statuses": [(value, text, counts.get(value, 0)) for value, text in MessageStatus.choices],
            "can_retry": access.can(user, Message.access_resource, "change"),
        },
    )


@screen
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    message = services.get_message(user, pk)
    return render(
        request,
        "notify/detail.html",
        {"message": message, "can_retry": access.can(user, Message.access_resource, "change")},
    )


@screen
@require_POST
def message_retry(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    try:
        message = services.retry_message(user, pk)
    except NotFound:
        raise
    except DomainError as error:
        flash.error(request, error.detail)
        return redirect("message-detail", pk=pk)
    message.refresh_from_db()
    if message.status == MessageStatus.SENT:
        flash.success(request, _("The message is sent."))
    else:
        flash.warning(request, _("The message is queued again: %(status)s.") % {"status": message.get_status_display()})
    return redirect("message-detail", pk=pk)
