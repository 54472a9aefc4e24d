"""Testing screens: the lab entry screen (find a person, record a sample and result), a person's tests,
the list of tests in scope, pools, retest tasks, file import, and the citizen's own tests and self-test.

Thin views over testing.services; a record outside the account's scope answers 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from phongdich.accounts.models import User
from phongdich.core import access
from phongdich.core.errors import DomainError, NotFound
from phongdich.people import services as people
from phongdich.testing import imports, programs, services
from phongdich.testing.forms import (
    EnrolForm,
    FindPersonForm,
    MemberSearchForm,
    PoolForm,
    PoolMemberForm,
    PoolResultForm,
    ProgramForm,
    ResultForm,
    RevokeForm,
    SampleForm,
    TestSearchForm,
)
from phongdich.web import lookups, spreadsheets
from phongdich.web.navigation import is_citizen
from phongdich.web.views import paginate, screen, show_errors, signed_in


def _may_enter(user: User) -> bool:
    return access.can(user, "test_result", "add") and access.can(user, "sample", "add") and not is_citizen(user)


@screen
def entry(request: HttpRequest) -> HttpResponse:
    """The lab entry screen: find the person by CCCD or phone; below, the latest tests in scope."""
    user = signed_in(request)
    if is_citizen(user) or not access.can(user, "sample", "view"):
        raise Http404()
    find = FindPersonForm(request.GET if "q" in request.GET else None)
    found = None
    if find.is_bound and find.is_valid():
        found = list(people.search_persons(user, query=find.cleaned_data["q"])[:20])
        people.record_list_read(user, found, {"q": find.cleaned_data["q"]})
    search = TestSearchForm(request.GET or None, communes=lookups.commune_choices(user))
    criteria = services.TestFilter()
    if search.is_bound and search.is_valid():
        data = search.cleaned_data
        criteria = services.TestFilter(result=data["result"], test_type=data["test_type"], commune=data["commune"])
    page = paginate(request, services.filter_samples(services.search_samples(user), criteria))
    rows = list(page.object_list)
    services.record_list_read(user, "sample", rows, criteria.as_dict())
    return render(
        request,
        "testing/entry.html",
        {
            "find": find,
            "found": found,
            "search": search,
            "page": page,
            "rows": rows,
            "can_enter": _may_enter(user),
            "open_retests": services.search_retest_tasks(user).filter(status="open").count(),
        },
    )


def _sample_input(person_id: int, data: dict[str, Any], citizen: bool) -> services.SampleInput:
    if citizen:
        return services.SampleInput(
            person=person_id, test_type="self_test", taken_at=data["taken_at"], result=data["result"]
        )
    return services.SampleInput(
        person=person_id,
        test_type=data["test_type"],
        taken_at=data["taken_at"],
        commune=data["commune"] or "",
        site=data["site"],
        lab=data["lab"],
        result=data["result"] or "",
        ct_value=data["ct_value"],
        reported_at=data["reported_at"],
    )


@screen
@require_http_methods(["GET", "POST"])
def person_tests(request: HttpRequest, pk: int) -> HttpResponse:
    """A person's tests; record a sample (and result), a result for a pending sample, or revoke one."""
    user = signed_in(request)
    if is_citizen(user):
        raise Http404()
    person = people.get_person(user, pk)
    can_enter = _may_enter(user)
    can_revoke = access.can(user, "test_result", "change")
    form = SampleForm(communes=lookups.commune_choices(user))
    result_form = ResultForm()
    revoke_form = RevokeForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "sample" and can_enter:
            form = SampleForm(request.POST, communes=lookups.commune_choices(user))
            if form.is_valid() and _stored(
                request,
                form,
                lambda: services.record_sample(user, _sample_input(person.pk, form.cleaned_data, citizen=False)),
            ):
                return redirect("testing-person", pk=person.pk)
        elif action == "result" and can_enter:
            result_form = ResultForm(request.POST)
            if result_form.is_valid() and _stored(
                request,
                result_form,
                lambda: services.record_result(
                    user,
                    services.ResultInput(
                        result=result_form.cleaned_data["result"],
                        sample=_own_sample(user, person.pk, result_form.cleaned_data["sample"]),
                        ct_value=result_form.cleaned_data["ct_value"],
                        reported_at=result_form.cleaned_data["reported_at"],
                    ),
                ),
            ):
                return redirect("testing-person", pk=person.pk)
        elif action == "revoke" and can_revoke:
            revoke_form = RevokeForm(request.POST)
            if revoke_form.is_valid() and _stored(
                request,
                revoke_form,
                lambda: services.revoke_result(
                    user, revoke_form.cleaned_data["result_id"], revoke_form.cleaned_data["reason"]
                ),
            ):
                return redirect("testing-person", pk=person.pk)
        else:
            raise Http404()
    samples = list(services.search_samples(user).filter(person=person))
    services.record_list_read(user, "sample", samples, {"person": person.pk})
    return render(
        request,
        "testing/person.html",
        {
            "person": person,
            "samples": samples,
            "form": form,
            "result_form": result_form,
            "revoke_form": revoke_form,
            "can_enter": can_enter,
            "can_revoke": can_revoke,
            "active_case": person.cases.filter(status="active").first(),
            "can_open_case": access.can(user, "case", "add"),
        },
    )


def _own_sample(user: User, person_id: int, sample_id: int) -> int:
    """The sample id, if it is this person's (a form posted for one person cannot touch another's)."""
    if not services.search_samples(user).filter(pk=sample_id, person_id=person_id).exists():
        raise NotFound()
    return sample_id


def _stored(request: HttpRequest, form: Any, action: Any) -> bool:
    try:
        action()
    except NotFound:
        raise
    except DomainError as error:
        show_errors(form, error)
        return False
    messages.success(request, _("Saved."))
    return True


# --- Pools and retests ------------------------------------------------------------------------------


@screen
@require_http_methods(["GET", "POST"])
def pool_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if is_citizen(user) or not access.can(user, "sample", "view"):
        raise Http404()
    can_enter = _may_enter(user)
    form = PoolForm(request.POST or None, communes=lookups.commune_choices(user))
    if request.method == "POST":
        if not can_enter:
            raise Http404()
        if form.is_valid():
            try:
                pool = services.create_pool(user, services.PoolInput(**form.cleaned_data))
            except NotFound:
                raise
            except DomainError as error:
                show_errors(form, error)
            else:
                return redirect("testing-pool", pk=pool.pk)
    page = paginate(request, services.search_pools(user))
    return render(request, "testing/pools.html", {"form": form, "page": page, "can_enter": can_enter})


@screen
@require_http_methods(["GET", "POST"])
def pool_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    if is_citizen(user):
        raise Http404()
    pool = services.get_pool(user, pk)
    can_enter = _may_enter(user)
    member_form = PoolMemberForm()
    result_form = PoolResultForm()
    if request.method == "POST":
        if not can_enter:
            raise Http404()
        if request.POST.get("action") == "member":
            member_form = PoolMemberForm(request.POST)
            if member_form.is_valid() and _stored(
                request,
                member_form,
                lambda: services.add_pool_member(
                    user, pool.pk, member_form.cleaned_data["citizen_id"], member_form.cleaned_data["taken_at"]
                ),
            ):
                return redirect("testing-pool", pk=pool.pk)
        elif request.POST.get("action") == "result":
            result_form = PoolResultForm(request.POST)
            if result_form.is_valid() and _stored(
                request,
                result_form,
                lambda: services.record_pool_result(
                    user, pool.pk, services.PoolResultInput(**result_form.cleaned_data)
                ),
            ):
                return redirect("testing-pool", pk=pool.pk)
        else:
            raise Http404()
    members = list(services.search_samples(user).filter(pool=pool).order_by("pk"))
    services.record_list_read(user, "sample", members, {"pool": pool.pk})
    return render(
        request,
        "testing/pool.html",
        {
            "pool": pool,
            "members": members,
            "member_form": member_form,
            "result_form": result_form,
            "can_enter": can_enter and not pool.result,
            "room": services.MAX_POOL_SIZE - len(members),
        },
    )


@screen
def retest_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if is_citizen(user) or not access.can(user, "sample", "view"):
        raise Http404()
    status = request.GET.get("status", "open")
    tasks = services.search_retest_tasks(user)
    if status in ("open", "done", "cancelled"):
        tasks = tasks.filter(status=status)
    page = paginate(request, tasks)
    rows = list(page.object_list)
    services.record_list_read(user, "retest_task", rows, {"status": status})
    return render(request, "testing/retests.html", {"page": page, "rows": rows, "status": status})


# --- Import ----------------------------------------------------------------------------------------


@screen
@require_http_methods(["GET", "POST"])
def import_file(request: HttpRequest) -> HttpResponse:
    if not _may_enter(signed_in(request)):
        raise Http404()
    return spreadsheets.import_screen(
        request,
        lambda user, content, accept: imports.import_tests(user, content, accept_valid_rows=accept),
        template="testing/import.html",
        columns=imports.COLUMNS,
        template_url=reverse("testing-import-template"),
    )


@screen
def import_template(request: HttpRequest) -> HttpResponse:
    if not _may_enter(signed_in(request)):
        raise Http404()
    return spreadsheets.template_download(
        request, csv=imports.template_csv, xlsx=imports.template_xlsx, name="mau-nhap-xet-nghiem"
    )


# --- Citizens -------------------------------------------------------------------------------------


@screen
@require_http_methods(["GET", "POST"])
def my_tests(request: HttpRequest) -> HttpResponse:
    """A citizen's own tests and results, and the form to report a self-test."""
    user = signed_in(request)
    if not is_citizen(user) or user.person_id is None:
        raise Http404()
    form = SampleForm(request.POST or None, communes=[], citizen=True)
    if request.method == "POST" and form.is_valid():
        report = _sample_input(user.person_id or 0, form.cleaned_data, citizen=True)
        if _stored(request, form, lambda: services.record_sample(user, report)):
            return redirect("testing-mine")
    samples = list(services.search_samples(user).filter(person_id=user.person_id)[:50])
    services.record_list_read(user, "sample", samples, {"own": True})
    return render(request, "testing/mine.html", {"form": form, "samples": samples, "today": dt.date.today()})


# --- Periodic testing programs -----------------------------------------------------------------------


@screen
@require_http_methods(["GET", "POST"])
def program_list(request: HttpRequest) -> HttpResponse:
    """Programs in force; who is in them, due and overdue (an establishment sees its own workers)."""
    user = signed_in(request)
    if is_citizen(user) or not access.can(user, "program_member", "view"):
        raise Http404()
    choices = [(str(p.pk), str(p)) for p in programs.programs_in_force()]
    can_create = access.can(user, "testing_program", "add")
    can_enrol = access.can(user, "program_member", "add")
    program_form = ProgramForm(prefix="program")
    enrol_form = EnrolForm(programs=choices, prefix="enrol")
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "program" and can_create:
            program_form = ProgramForm(request.POST, prefix="program")
            if program_form.is_valid():
                data = program_form.cleaned_data
                data = {**data, "test_types": tuple(data["test_types"]), "venue_kinds": tuple(data["venue_kinds"])}
                if _stored(request, program_form, lambda: programs.create_program(user, programs.ProgramInput(**data))):
                    return redirect("testing-programs")
        elif action == "enrol" and can_enrol:
            enrol_form = EnrolForm(request.POST, programs=choices, prefix="enrol")
            if enrol_form.is_valid():
                data = {**enrol_form.cleaned_data, "program": int(enrol_form.cleaned_data["program"])}
                if _stored(request, enrol_form, lambda: programs.enrol(user, programs.EnrolInput(**data))):
                    return redirect("testing-programs")
        elif action == "end" and access.can(user, "program_member", "change"):
            try:
                programs.end_membership(user, int(request.POST.get("member", "0") or 0))
            except (ValueError, OverflowError):
                raise Http404() from None
            messages.success(request, _("Saved."))
            return redirect("testing-programs")
        else:
            raise Http404()
    search = MemberSearchForm(request.GET or None, programs=choices)
    criteria: dict[str, Any] = {}
    if search.is_bound and search.is_valid():
        program_id = search.cleaned_data["program"]
        criteria = {
            "venue": search.cleaned_data["venue"],
            "program": int(program_id) if program_id else None,
            "status": search.cleaned_data["status"],
        }
    page = paginate(request, programs.search_members(user, **criteria))
    rows = list(page.object_list)
    programs.record_list_read(user, rows, criteria)
    today = timezone.localdate()
    return render(
        request,
        "testing/programs.html",
        {
            "programs": programs.programs_in_force(),
            "program_form": program_form,
            "enrol_form": enrol_form,
            "search": search,
            "page": page,
            "rows": [(member, programs.compliance(member, today)) for member in rows],
            "can_create": can_create,
            "can_enrol": can_enrol,
            "can_end": access.can(user, "program_member", "change"),
        },
    )
