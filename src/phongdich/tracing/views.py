"""Contact tracing screens: the commune's list of contacts to call, and recording their follow-up.

Thin views over tracing.services; contacts outside the account's communes answer 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from phongdich.core import access
from phongdich.core.errors import DomainError, NotFound
from phongdich.tracing import services
from phongdich.tracing.models import Contact, FollowUp
from phongdich.web.views import paginate, screen, signed_in


@screen
def tasks(request: HttpRequest) -> HttpResponse:
    """F1 and F2 living in the officer's communes, to call: evidence in one line, follow-up at hand."""
    user = signed_in(request)
    if not access.can(user, Contact.access_resource, "view"):
        raise Http404()
    status = request.GET.get("status", "")
    status = status if status in FollowUp.values else ""
    degree_text = request.GET.get("degree", "")
    degree = int(degree_text) if degree_text in ("1", "2") else None
    page = paginate(request, services.task_list(user, status=status, degree=degree))
    rows = list(page.object_list)
    services.record_list_read(user, rows, {"status": status, "degree": degree})
    return render(
        request,
        "tracing/tasks.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "degree": degree,
            "statuses": FollowUp.choices,
            "can_follow_up": access.can(user, Contact.access_resource, "change"),
        },
    )


@screen
@require_POST
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    try:
        services.set_follow_up(user, pk, request.POST.get("status", ""))
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("The follow-up is recorded."))
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("tracing-tasks")
