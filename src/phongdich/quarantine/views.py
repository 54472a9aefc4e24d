"""Quarantine screens: the facility board, a facility's rooms and beds (admit, transfer, discharge), the orders
of a commune (filters, bulk PDF), an order's page, the health-check form, the alerts list and the citizen's own
page. Thin views over quarantine.services; a record outside the account's scope answers 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from phongdich.accounts.models import User
from phongdich.core import access
from phongdich.core.errors import DomainError, NotFound
from phongdich.people.models import Person
from phongdich.quarantine import services
from phongdich.quarantine.forms import (
    AdmitForm,
    ChangeForm,
    DeliveryForm,
    EndForm,
    FacilityForm,
    HealthCheckForm,
    OrderFilterForm,
    OrderForm,
    PolicyForm,
    ResolveForm,
    RoomsForm,
    TransferForm,
)
from phongdich.quarantine.models import (
    FacilityAdmission,
    OrderReason,
    OrderStatus,
    Protection,
    ReleaseCertificate,
)
from phongdich.web import lookups
from phongdich.web.navigation import is_citizen
from phongdich.web.views import paginate, screen, show_errors, signed_in


def _staff_may(user: User, resource: str, action: str) -> bool:
    return access.can(user, resource, action) and not is_citizen(user)


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# --- Facilities -----------------------------------------------------------------------------------------------


@screen
@require_http_methods(["GET", "POST"])
def facility_board(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not _staff_may(user, "quarantine_facility", "view"):
        raise Http404()
    can_add = access.can(user, "quarantine_facility", "add")
    form = FacilityForm(request.POST or None, communes=lookups.commune_choices(user))
    if request.method == "POST":
        if not can_add:
            raise Http404()
        if form.is_valid():
            try:
                facility = services.create_facility(user, services.FacilityInput(**form.cleaned_data))
            except NotFound:
                raise
            except DomainError as error:
                show_errors(form, error)
            else:
                return redirect("quarantine-facility", pk=facility.pk)
    day = timezone.localdate()
    rows = services.facility_board(user, day)
    totals = {
        "capacity": sum(r.capacity for r in rows),
        "occupied": sum(r.occupied for r in rows),
        "free": sum(r.free for r in rows),
        "admitted_today": sum(r.admitted_today for r in rows),
        "discharged_today": sum(r.discharged_today for r in rows),
    }
    return render(
        request,
        "quarantine/facility_board.html",
        {"rows": rows, "day": day, "totals": totals, "form": form, "can_add": can_add},
    )


def _bed_choices(detail: services.FacilityDetail, free_only: bool = True) -> list[tuple[int, str]]:
    return [
        (bed.pk, f"{room.name} · {bed.label}")
        for room in detail.rooms
        for bed in room.beds.all()
        if bed.in_service and (not free_only or bed.pk not in detail.occupants)
    ]


@screen
@require_http_methods(["GET", "POST"])
def facility_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    if is_citizen(user):
        raise Http404()
    detail = services.facility_detail(user, pk)
    free_beds = _bed_choices(detail)
    can_admit = access.can(user, "quarantine_admission", "add")
    can_change = access.can(user, "quarantine_facility", "change")
    action = request.POST.get("action", "")
    admit_form = AdmitForm(request.POST if action == "admit" else None, beds=free_beds)
    transfer_form = TransferForm(request.POST if action == "transfer" else None, beds=free_beds)
    rooms_form = RoomsForm(request.POST if action == "rooms" else None)
    if request.method == "POST":
        try:
            if action == "admit" and can_admit:
                if admit_form.is_valid():
                    data = admit_form.cleaned_data
                    services.admit(
                        user,
                        services.AdmissionInput(
                            facility=detail.facility.pk,
                            bed=int(data["bed"]),
                            citizen_id=data["citizen_id"],
                            reason=data["reason"],
                        ),
                    )
                    messages.success(request, _("The person is admitted."))
                    return redirect("quarantine-facility", pk=pk)
            elif action == "transfer" and can_admit:
                if transfer_form.is_valid():
                    data = transfer_form.cleaned_data
                    services.transfer(user, data["admission"], int(data["bed"]), data["reason"])
                    messages.success(request, _("The person is moved."))
                    return redirect("quarantine-facility", pk=pk)
            elif action == "discharge" and can_admit:
                services.discharge(user, request.POST.get("admission", ""), request.POST.get("reason", ""))
                messages.success(request, _("The person is discharged."))
                return redirect("quarantine-facility", pk=pk)
            elif action == "rooms" and can_change:
                if rooms_form.is_valid():
                    data = rooms_form.cleaned_data
                    services.add_rooms(user, pk, {data["room"]: data["beds"]}, data["floor"])
                    return redirect("quarantine-facility", pk=pk)
            else:
                raise Http404()
        except NotFound:
            raise
        except DomainError as error:
            target = {"transfer": transfer_form, "rooms": rooms_form}.get(action, admit_form)
            show_errors(target, error, rename={"person": "citizen_id", "facility": "bed"})
    return render(
        request,
        "quarantine/facility_detail.html",
        {
            "detail": detail,
            "facility": detail.facility,
            "occupants": detail.occupants,
            "occupied": len(detail.occupants),
            "admit_form": admit_form,
            "transfer_form": transfer_form,
            "rooms_form": rooms_form,
            "can_admit": can_admit and bool(free_beds),
            "can_move": can_admit,
            "can_change": can_change,
            "free_beds": free_beds,
        },
    )


# --- Orders ---------------------------------------------------------------------------------------------------


def _order_criteria(user: User, request: HttpRequest) -> tuple[OrderFilterForm, services.OrderFilter]:
    form = OrderFilterForm(request.GET or None, communes=lookups.area_choices(user))
    criteria = services.OrderFilter(status=OrderStatus.ACTIVE)
    if form.is_bound and form.is_valid():
        criteria = services.OrderFilter(**form.cleaned_data)
    return form, criteria


@screen
@require_http_methods(["GET", "POST"])
def order_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not _staff_may(user, "quarantine_order", "view"):
        raise Http404()
    can_issue = access.can(user, "quarantine_order", "add")
    issue_form = OrderForm(request.POST or None, initial={"person": request.GET.get("person") or None})
    if request.method == "POST":
        if not can_issue:
            raise Http404()
        if issue_form.is_valid():
            try:
                order = services.issue_order(user, services.OrderInput(**issue_form.cleaned_data))
            except NotFound:
                raise
            except DomainError as error:
                show_errors(issue_form, error)
            else:
                messages.success(request, _("Order %(number)s is issued.") % {"number": order.number})
                return redirect("quarantine-order", pk=order.pk)
    form, criteria = _order_criteria(user, request)
    page = paginate(request, services.order_list(user, criteria))
    rows = list(page.object_list)
    services.record_list_read(user, "quarantine_order", [o.pk for o in rows], {"screen": "list"})
    return render(
        request,
        "quarantine/order_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": request.GET.urlencode(),
            "issue_form": issue_form,
            "can_issue": can_issue,
        },
    )


@screen
def orders_pdf(request: HttpRequest) -> HttpResponse:
    """Every order of the filtered list, one page each (bulk printing for a commune)."""
    user = signed_in(request)
    if not _staff_may(user, "quarantine_order", "view"):
        raise Http404()
    _form, criteria = _order_criteria(user, request)
    try:
        data = services.orders_pdf(user, criteria=criteria)
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, error.errors[0].message if error.errors else error.detail)
        return redirect("quarantine-orders")
    return _pdf(data, "quyet-dinh-cach-ly.pdf")


@screen
def order_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    if is_citizen(user):
        raise Http404()
    return _pdf(services.orders_pdf(user, [pk]), f"quyet-dinh-cach-ly-{pk}.pdf")


@screen
def release_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The release certificate: officers of the order, and the person on their own page."""
    user = signed_in(request)
    return _pdf(services.release_pdf(user, pk), f"giay-xac-nhan-hoan-thanh-cach-ly-{pk}.pdf")


@screen
@require_http_methods(["GET", "POST"])
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    if is_citizen(user):
        raise Http404()
    detail = services.order_detail(user, pk)
    order = detail.order
    can_change = access.can(user, "quarantine_order", "change") and order.status == OrderStatus.ACTIVE
    action = request.POST.get("action", "")
    delivery_form = DeliveryForm(request.POST if action == "deliver" else None)
    change_form = ChangeForm(request.POST if action == "change" else None, initial={"planned_end": order.planned_end})
    end_form = EndForm(request.POST if action == "end" else None)
    if request.method == "POST":
        if not access.can(user, "quarantine_order", "change"):
            raise Http404()
        try:
            if action == "deliver":
                if delivery_form.is_valid():
                    services.record_delivery(
                        user, order.pk, delivery_form.cleaned_data["method"], note=delivery_form.cleaned_data["note"]
                    )
                    return redirect("quarantine-order", pk=pk)
            elif action == "change" and can_change:
                if change_form.is_valid():
                    services.change_order(user, order.pk, services.ChangeInput(**change_form.cleaned_data))
                    return redirect("quarantine-order", pk=pk)
            elif action == "end" and can_change:
                if end_form.is_valid():
                    data = end_form.cleaned_data
                    services.end_order(user, order.pk, data["reason"], cancel=data["cancel"])
                    return redirect("quarantine-order", pk=pk)
            else:
                raise Http404()
        except NotFound:
            raise
        except DomainError as error:
            show_errors({"deliver": delivery_form, "change": change_form}.get(action, end_form), error)
    return render(
        request,
        "quarantine/order_detail.html",
        {
            "detail": detail,
            "order": order,
            "can_change": can_change,
            "can_deliver": access.can(user, "quarantine_order", "change"),
            "can_check": access.can(user, "health_check", "add") and order.status == OrderStatus.ACTIVE,
            "delivery_form": delivery_form,
            "change_form": change_form,
            "end_form": end_form,
        },
    )


# --- Health checks and alerts ---------------------------------------------------------------------------------


def _check_input(person_id: int, data: dict[str, Any]) -> services.HealthCheckInput:
    return services.HealthCheckInput(
        person=person_id,
        temperature=data["temperature"],
        spo2=data["spo2"],
        symptoms=list(data["symptoms"]),
        breathing_difficulty=data["breathing_difficulty"],
        note=data["note"],
    )


@screen
@require_http_methods(["GET", "POST"])
def health_check(request: HttpRequest, person_id: int) -> HttpResponse:
    """Staff and officers record a person's daily check."""
    user = signed_in(request)
    if not _staff_may(user, "health_check", "add"):
        raise Http404()
    following = services.followed(person_id)
    if following is None or not access.unit_in_scope(user, following.commune.path):
        raise Http404()
    person = Person.objects.get(pk=person_id)
    form = HealthCheckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            check = services.record_health_check(user, _check_input(person_id, form.cleaned_data))
        except NotFound:
            raise
        except DomainError as error:
            show_errors(form, error)
        else:
            if check.danger_signs:
                messages.warning(request, _("Danger signs: an alert is raised for the officers."))
            else:
                messages.success(request, _("The health check is recorded."))
            if following.facility is not None:
                return redirect("quarantine-facility", pk=following.facility.pk)
            if following.order is not None:
                return redirect("quarantine-order", pk=following.order.pk)
            return redirect("quarantine-alerts")
    return render(request, "quarantine/health_check.html", {"form": form, "person": person, "following": following})


@screen
@require_http_methods(["GET", "POST"])
def alert_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not _staff_may(user, "quarantine_alert", "view"):
        raise Http404()
    form = ResolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.resolve_alert(user, form.cleaned_data["alert"], form.cleaned_data["resolution"])
        except NotFound:
            raise
        except DomainError as error:
            messages.error(request, error.errors[0].message if error.errors else error.detail)
        return redirect("quarantine-alerts")
    include_resolved = request.GET.get("resolved") == "1"
    page = paginate(request, services.alert_list(user, include_resolved=include_resolved))
    rows = list(page.object_list)
    services.record_list_read(user, "quarantine_alert", [a.pk for a in rows], {"screen": "alerts"})
    return render(
        request,
        "quarantine/alert_list.html",
        {
            "page": page,
            "rows": rows,
            "include_resolved": include_resolved,
            "can_resolve": access.can(user, "quarantine_alert", "change"),
            "sign_labels": services.SIGN_LABELS,
        },
    )


# --- The citizen's own page -----------------------------------------------------------------------------------


@screen
@require_http_methods(["GET", "POST"])
def my_quarantine(request: HttpRequest) -> HttpResponse:
    """A citizen's orders, release certificates, and their own daily health check."""
    user = signed_in(request)
    if not is_citizen(user) or user.person_id is None:
        raise Http404()
    following = services.followed(user.person_id)
    form = HealthCheckForm(request.POST or None)
    if request.method == "POST":
        if following is None:
            raise Http404()
        if form.is_valid():
            try:
                check = services.record_health_check(user, _check_input(user.person_id, form.cleaned_data))
            except NotFound:
                raise
            except DomainError as error:
                show_errors(form, error)
            else:
                if check.danger_signs:
                    messages.warning(request, _("Your answers show danger signs: the health station is told now."))
                else:
                    messages.success(request, _("Thank you: today's health check is recorded."))
                return redirect("my-quarantine")
    orders = services.my_orders(user)
    certificates = {c.order_id: c for c in ReleaseCertificate.objects.filter(order__in=[o.pk for o in orders])}
    checks = services.health_checks_of(user, user.person_id)[:14]
    stay = (
        FacilityAdmission.objects.filter(person_id=user.person_id, discharged_at__isnull=True)
        .select_related("facility", "bed__room")
        .first()
    )
    return render(
        request,
        "quarantine/my_quarantine.html",
        {
            "orders": [(o, certificates.get(o.pk)) for o in orders],
            "following": following,
            "form": form,
            "checks": checks,
            "stay": stay,
            "active": next((o for o in orders if o.status == OrderStatus.ACTIVE), None),
        },
    )


# --- Policy ---------------------------------------------------------------------------------------------------


@screen
@require_http_methods(["GET", "POST"])
def policy_list(request: HttpRequest) -> HttpResponse:
    """The policy versions; the province adds one (prefilled from the newest) as data, never code."""
    user = signed_in(request)
    if not _staff_may(user, "quarantine_policy", "view"):
        raise Http404()
    versions = services.policies(user)
    can_add = access.can(user, "quarantine_policy", "add")
    rows = [(reason, protection) for reason in OrderReason.values for protection in Protection.values]
    initial: dict[str, Any] = {}
    if versions:
        newest = versions[0]
        initial = {"name": newest.name, "valid_from": timezone.localdate(), "notes": newest.notes}
        for rule in newest.rules.all():
            prefix = f"{rule.reason}__{rule.protection}"
            initial.update(
                {
                    f"{prefix}__kind": rule.kind,
                    f"{prefix}__days": rule.days,
                    f"{prefix}__self_monitoring_days": rule.self_monitoring_days,
                    f"{prefix}__test_days": ", ".join(str(day) for day in rule.test_days),
                }
            )
    form = PolicyForm(request.POST or None, rows=rows, initial=initial)
    if request.method == "POST":
        if not can_add:
            raise Http404()
        if form.is_valid():
            data = form.cleaned_data
            rules = [
                services.RuleInput(
                    reason=reason,
                    protection=protection,
                    kind=data[f"{reason}__{protection}__kind"],
                    days=data[f"{reason}__{protection}__days"],
                    self_monitoring_days=data[f"{reason}__{protection}__self_monitoring_days"],
                    test_days=data[f"{reason}__{protection}__test_days"],
                )
                for reason, protection in rows
            ]
            try:
                policy = services.save_policy(
                    user,
                    services.PolicyInput(
                        name=data["name"], valid_from=data["valid_from"], notes=data["notes"], rules=rules
                    ),
                )
            except NotFound:
                raise
            except DomainError as error:
                show_errors(form, error)
            else:
                messages.success(request, _("Version %(version)s is saved.") % {"version": policy.version})
                return redirect("quarantine-policies")
    return render(
        request,
        "quarantine/policy_list.html",
        {
            "versions": versions,
            "form": form,
            "can_add": can_add,
            "reasons": dict(OrderReason.choices),
            "protections": dict(Protection.choices),
        },
    )
