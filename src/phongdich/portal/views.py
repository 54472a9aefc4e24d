"""The citizen portal's screens: public pages (news, levels, sites, hotlines, campaign figures, the PWA files),
sign-in by a phone code, the citizen's own pages, self-test reports, feedback, and the editors' CMS screens.

Thin: every read of personal records and every write goes through ``portal.services`` (and ``cms``,
``signin``, ``adoption``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from phongdich.accounts.models import User
from phongdich.core import access
from phongdich.core.errors import DomainError, InvalidInput, NotFound
from phongdich.geo.models import AdministrativeUnit, Level
from phongdich.portal import adoption, cms, services, signin
from phongdich.portal.forms import (
    AnswerForm,
    ArticleForm,
    BirthDateForm,
    CategoryForm,
    CodeForm,
    FeedbackForm,
    FollowUpForm,
    HotlineForm,
    PhoneForm,
    RegisterForm,
    SelfTestForm,
)
from phongdich.portal.models import (
    Article,
    Category,
    Feedback,
    FeedbackStatus,
    Hotline,
    SelfTestReport,
    SelfTestStatus,
)
from phongdich.web.lookups import GroupedChoices
from phongdich.web.navigation import is_citizen, is_staff_user
from phongdich.web.views import screen, show_errors, signed_in, write_from_form

# The phone a visitor confirmed with a code, kept in their session this long (sign-in, anonymous feedback).
PHONE_SESSION_KEY = "portal_confirmed_phone"
CHALLENGE_SESSION_KEY = "portal_challenge"
PHONE_FRESH = dt.timedelta(minutes=30)
NEXT_STEPS = {"signin": "portal-signin", "feedback": "portal-feedback-new", "mine": "portal-feedback-mine"}


def _client_address(request: HttpRequest) -> str:
    from phongdich.audit.middleware import client_address

    return client_address(request) or ""


def _upload(form_file: UploadedFile | None, limit: int) -> bytes:
    if form_file is None:
        return b""
    # One byte over the limit is enough for the service to refuse it; the rest is never read.
    return form_file.read(limit + 1)


def all_commune_choices() -> GroupedChoices:
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, name, district in (
        AdministrativeUnit.objects.filter(level=Level.COMMUNE)
        .order_by("path")
        .values_list("code", "name", "parent__name")
    ):
        groups.setdefault(district or "", []).append((code, name))
    return list(groups.items())


def confirmed_phone(request: HttpRequest) -> str:
    """The phone this visitor confirmed with a code in the last 30 minutes, or ''."""
    held = request.session.get(PHONE_SESSION_KEY) or {}
    try:
        at = dt.datetime.fromisoformat(str(held.get("at", "")))
    except ValueError:
        return ""
    return str(held.get("phone", "")) if timezone.now() - at < PHONE_FRESH else ""


# --- Public pages ----------------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    articles = cms.published()
    province = AdministrativeUnit.objects.filter(level=Level.PROVINCE).order_by("pk").first()
    hotlines = list(Hotline.objects.filter(unit=province)[:6]) if province else []
    return render(
        request,
        "portal/home.html",
        {
            "pinned": [a for a in articles if a.pinned][:3],
            "articles": [a for a in articles if not a.pinned][:10],
            "categories": list(Category.objects.all()),
            "hotlines": hotlines,
        },
    )


@require_GET
def news(request: HttpRequest) -> HttpResponse:
    category = Category.objects.filter(slug=request.GET.get("category", "")).first()
    return render(
        request,
        "portal/news.html",
        {"articles": cms.published(category), "category": category, "categories": list(Category.objects.all())},
    )


@require_GET
def article(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        item = cms.published_article(slug)
    except NotFound:
        raise Http404() from None
    return render(request, "portal/article.html", {"article": item, "body": cms.render_body(item.body)})


@require_GET
def levels(request: HttpRequest) -> HttpResponse:
    from phongdich.levels.models import LEVEL_COLORS
    from phongdich.levels.services import current_levels

    published = current_levels()
    rows = [
        {
            "code": code,
            "name": name,
            "district": district,
            "level": published.get(pk),
            "color": LEVEL_COLORS.get(published.get(pk) or 0, ""),
        }
        for pk, code, name, district in AdministrativeUnit.objects.filter(level=Level.COMMUNE)
        .order_by("path")
        .values_list("pk", "code", "name", "parent__name")
    ]
    counts = {level: sum(1 for row in rows if row["level"] == level) for level in (1, 2, 3, 4)}
    legend = [(level, LEVEL_COLORS[level], counts[level]) for level in (1, 2, 3, 4)]
    return render(request, "portal/levels.html", {"rows": rows, "legend": legend})


@require_GET
def sites(request: HttpRequest) -> HttpResponse:
    from phongdich.vaccination.models import VaccinationSite

    vaccination_sites = list(
        VaccinationSite.objects.filter(active=True)
        .select_related("commune", "commune__parent")
        .order_by("commune__path", "name")[:500]
    )
    return render(request, "portal/sites.html", {"vaccination_sites": vaccination_sites})


@require_GET
def hotlines(request: HttpRequest) -> HttpResponse:
    rows = list(Hotline.objects.select_related("unit").order_by("unit__path", "position", "name"))
    return render(request, "portal/hotlines.html", {"hotlines": rows})


@require_GET
def adoption_page(request: HttpRequest) -> HttpResponse:
    rows = adoption.figures()
    return render(request, "portal/adoption.html", {"rows": rows, "total": adoption.total(rows), "internal": False})


@screen
def adoption_internal(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not is_staff_user(user):
        raise Http404()
    rows = adoption.figures(access.unit_scope(user))
    return render(request, "portal/adoption.html", {"rows": rows, "total": adoption.total(rows), "internal": True})


# --- PWA -------------------------------------------------------------------------------------------


@require_GET
@cache_control(max_age=3600, public=True)
def manifest(request: HttpRequest) -> HttpResponse:
    response = render(request, "portal/manifest.webmanifest", content_type="application/manifest+json")
    return response


@require_GET
@cache_control(no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    response = render(request, "portal/sw.js", content_type="application/javascript")
    # The worker lives at /portal/sw.js and controls /portal/ only.
    response["Service-Worker-Allowed"] = "/portal/"
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/offline.html")


# --- Phone confirmation and sign-in ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def phone(request: HttpRequest) -> HttpResponse:
    """Confirm a phone with a one-time code, then go on to sign-in or feedback (``?next=``)."""
    step = request.GET.get("next", "signin")
    if step not in NEXT_STEPS:
        step = "signin"
    phone_form = PhoneForm(prefix="phone")
    code_form = CodeForm(prefix="code")
    challenge = request.session.get(CHALLENGE_SESSION_KEY)
    if request.method == "POST" and request.POST.get("action") == "send":
        phone_form = PhoneForm(request.POST, prefix="phone")
        if phone_form.is_valid():
            try:
                challenge = signin.start(phone_form.cleaned_data["phone"], _client_address(request))
            except DomainError as error:
                show_errors(phone_form, error)
                challenge = None
            else:
                request.session[CHALLENGE_SESSION_KEY] = challenge
                return redirect(f"{reverse('portal-phone')}?next={step}&sent=1")
    elif request.method == "POST" and request.POST.get("action") == "confirm" and challenge:
        code_form = CodeForm(request.POST, prefix="code")
        if code_form.is_valid():
            try:
                number = signin.confirm(str(challenge), code_form.cleaned_data["code"])
            except DomainError as error:
                show_errors(code_form, error)
            else:
                request.session.pop(CHALLENGE_SESSION_KEY, None)
                request.session[PHONE_SESSION_KEY] = {"phone": number, "at": timezone.now().isoformat()}
                return redirect(NEXT_STEPS[step])
    return render(
        request,
        "portal/phone.html",
        {"phone_form": phone_form, "code_form": code_form, "challenge": bool(challenge), "next": step},
    )


def _sign_in(request: HttpRequest, user: User) -> HttpResponse:
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session.pop(PHONE_SESSION_KEY, None)
    return redirect("portal-me")


@require_http_methods(["GET", "POST"])
def signin_page(request: HttpRequest) -> HttpResponse:
    """After the phone is confirmed: sign the person in, tell family members apart, or register."""
    if request.user.is_authenticated and is_citizen(request.user):
        return redirect("portal-me")
    number = confirmed_phone(request)
    if not number:
        return redirect(f"{reverse('portal-phone')}?next=signin")
    found = signin.persons_with_phone(number)
    birth_form = BirthDateForm(prefix="birth")
    register_form = RegisterForm(prefix="register", communes=all_commune_choices())
    try:
        if len(found) == 1:
            return _sign_in(request, signin.account_for(found[0]))
        if request.method == "POST" and request.POST.get("action") == "birth" and found:
            birth_form = BirthDateForm(request.POST, prefix="birth")
            if birth_form.is_valid():
                person = signin.choose(number, birth_form.cleaned_data["date_of_birth"])
                if person is not None:
                    return _sign_in(request, signin.account_for(person))
                birth_form.add_error("date_of_birth", _("No one with this phone was born on that day."))
        elif request.method == "POST" and request.POST.get("action") == "register" and not found:
            register_form = RegisterForm(request.POST, prefix="register", communes=all_commune_choices())
            if register_form.is_valid():
                data = register_form.cleaned_data
                try:
                    user = signin.register(number, signin.Registration(**data))
                except DomainError as error:
                    show_errors(register_form, error)
                else:
                    return _sign_in(request, user)
    except InvalidInput as error:
        return render(request, "portal/signin.html", {"refused": error.detail})
    return render(
        request,
        "portal/signin.html",
        {"several": len(found) > 1, "birth_form": birth_form, "register_form": register_form},
    )


# --- The citizen's own pages -----------------------------------------------------------------------


def _citizen(request: HttpRequest) -> User:
    user = signed_in(request)
    if not is_citizen(user) or user.person_id is None:
        raise Http404()
    return user


def _link(url_name: str) -> str:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return ""


@screen
def me(request: HttpRequest) -> HttpResponse:
    from phongdich.certificates.models import IssuedCertificate
    from phongdich.testing import services as testing

    user = _citizen(request)
    samples = list(testing.search_samples(user).filter(person_id=user.person_id or 0).prefetch_related("results")[:20])
    testing.record_list_read(user, "sample", samples, {"own": True})
    certificates = list(
        IssuedCertificate.objects.restrict(user, "view")
        .filter(person_id=user.person_id or 0, revoked_at__isnull=True)
        .order_by("-issued_at")[:10]
    )
    links = [
        (label, url)
        for label, url in (
            (_("My record"), _link("my-record")),
            (_("My personal QR"), _link("my-qr")),
            (_("My declarations"), _link("my-declarations")),
            (_("My tests"), _link("testing-mine")),
            (_("My vaccination"), _link("my-vaccination")),
            (_("My certificate"), _link("my-certificate")),
            (_("My quarantine"), _link("my-quarantine")),
            (_("Exposure alerts"), _link("exposure-my-alerts")),
            (_("Report a self-test"), _link("portal-self-test")),
            (_("Send feedback"), _link("portal-feedback-new")),
            (_("My feedback"), _link("portal-feedback-mine")),
        )
        if url
    ]
    self_tests = list(services.search_self_tests(user).filter(person_id=user.person_id or 0)[:10])
    return render(
        request,
        "portal/me.html",
        {"links": links, "samples": samples, "certificates": certificates, "self_tests": self_tests},
    )


@screen
@require_http_methods(["GET", "POST"])
def self_test(request: HttpRequest) -> HttpResponse:
    user = _citizen(request)
    form = SelfTestForm(initial={"uuid": uuid.uuid4()})
    if request.method == "POST":
        form = SelfTestForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.report_self_test(
                    user,
                    services.SelfTestInput(
                        taken_at=data["taken_at"],
                        result=data["result"],
                        photo=_upload(data["photo"], services_photo_limit()),
                        uuid=data["uuid"],
                    ),
                )
            except DomainError as error:
                show_errors(form, error)
            else:
                return redirect(f"{reverse('portal-me')}?reported=1")
    return render(request, "portal/self_test.html", {"form": form})


def services_photo_limit() -> int:
    from phongdich.portal.photos import MAX_BYTES

    return MAX_BYTES


@screen
def self_test_list(request: HttpRequest) -> HttpResponse:
    """The commune's self-test reports, newest first; mark one seen or unreadable."""
    user = signed_in(request)
    if is_citizen(user) or not access.can(user, "self_test_report", "view"):
        raise Http404()
    if request.method == "POST" and access.can(user, "self_test_report", "change"):
        try:
            services.review_self_test(user, int(request.POST.get("report", "0") or 0), request.POST.get("status", ""))
        except (DomainError, ValueError, OverflowError):
            raise Http404() from None
        return redirect("portal-self-tests")
    rows = list(services.search_self_tests(user)[:100])
    from phongdich.testing import services as testing

    testing.record_list_read(user, "self_test_report", rows, {"list": True})
    return render(
        request,
        "portal/self_tests.html",
        {"rows": rows, "statuses": SelfTestStatus, "can_review": access.can(user, "self_test_report", "change")},
    )


@screen
@cache_control(private=True, no_store=True)
def photo(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """A self-test's or a feedback's photo: to the person who sent it and the officers of its commune only."""
    user = signed_in(request)
    record: SelfTestReport | Feedback
    if kind == "self-test":
        record = services.get_self_test(user, pk)
    elif kind == "feedback":
        record = services.get_feedback(user, pk)
    else:
        raise Http404()
    if not record.photo:
        raise Http404()
    with record.photo.open("rb") as stored:
        # Re-encoded at upload to a JPEG of at most 1600 px: small enough to answer in one piece.
        return HttpResponse(stored.read(), content_type="image/jpeg")


# --- Feedback --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def feedback_new(request: HttpRequest) -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    citizen = user is not None and is_citizen(user)
    if user is not None and not citizen:
        # Officers answer feedback; they do not file it from the portal.
        return redirect("portal-feedback-list")
    number = "" if citizen else confirmed_phone(request)
    if not citizen and not number:
        return redirect(f"{reverse('portal-phone')}?next=feedback")
    communes = all_commune_choices()
    form = FeedbackForm(initial={"uuid": uuid.uuid4()}, communes=communes)
    if request.method == "POST":
        form = FeedbackForm(request.POST, request.FILES, communes=communes)
        if form.is_valid():
            data = form.cleaned_data
            try:
                feedback, _created = services.submit_feedback(
                    user if citizen else None,
                    services.FeedbackInput(
                        uuid=data["uuid"],
                        category=data["category"],
                        text=data["text"],
                        commune=data["commune"] or "",
                        location=data["location"],
                        photo=_upload(data.get("photo"), services_photo_limit()),
                        confirmed_phone=number,
                    ),
                )
            except DomainError as error:
                show_errors(form, error)
            else:
                if citizen:
                    return redirect("portal-feedback-detail", pk=feedback.pk)
                return redirect(f"{reverse('portal-feedback-mine')}?sent={feedback.pk}")
    return render(request, "portal/feedback_form.html", {"form": form, "citizen": citizen})


@require_GET
def feedback_mine(request: HttpRequest) -> HttpResponse:
    """A citizen's feedback; or, for a visitor without an account, what they sent from the confirmed phone."""
    user = request.user
    if user.is_authenticated and is_citizen(user):
        rows = list(services.search_feedback(signed_in(request)).prefetch_related("answers"))
        anonymous = False
    elif not user.is_authenticated and confirmed_phone(request):
        rows = list(services.feedback_by_phone(confirmed_phone(request)).prefetch_related("answers"))
        anonymous = True
    elif user.is_authenticated:
        return redirect("portal-feedback-list")
    else:
        return redirect(f"{reverse('portal-phone')}?next=mine")
    return render(request, "portal/feedback_mine.html", {"rows": rows, "anonymous": anonymous})


@screen
def feedback_list(request: HttpRequest) -> HttpResponse:
    """The feedback sent to the officer's communes, open first."""
    user = signed_in(request)
    if is_citizen(user) or not access.can(user, "feedback", "view"):
        raise Http404()
    status = request.GET.get("status", "")
    rows = list(services.search_feedback(user, status).order_by("status", "-created_at")[:200])
    from phongdich.testing import services as testing

    testing.record_list_read(user, "feedback", rows, {"status": status})
    return render(
        request,
        "portal/feedback_list.html",
        {"rows": rows, "statuses": FeedbackStatus.choices, "status": status, "open": services.open_count(user)},
    )


@screen
@require_http_methods(["GET", "POST"])
def feedback_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    feedback = services.get_feedback(user, pk)
    officer = not is_citizen(user) and access.can(user, "feedback", "change")
    statuses = [(s.value, s.label) for s in services.OFFICER_STATUSES]
    answer_form = AnswerForm(statuses=statuses, initial={"status": FeedbackStatus.ANSWERED}) if officer else None
    follow_form = FollowUpForm() if not officer else None
    if request.method == "POST":
        try:
            if officer:
                answer_form = AnswerForm(request.POST, statuses=statuses)
                if answer_form.is_valid():
                    data = answer_form.cleaned_data
                    services.answer_feedback(user, pk, data["text"], data["status"])
                    return redirect("portal-feedback-detail", pk=pk)
            else:
                follow_form = FollowUpForm(request.POST)
                if follow_form.is_valid():
                    services.follow_up(user, pk, follow_form.cleaned_data["text"])
                    return redirect("portal-feedback-detail", pk=pk)
        except DomainError as error:
            form = answer_form if officer else follow_form
            assert form is not None
            show_errors(form, error)
    return render(
        request,
        "portal/feedback_detail.html",
        {
            "feedback": feedback,
            "answers": list(feedback.answers.all()),
            "answer_form": answer_form,
            "follow_form": follow_form,
            "officer": officer,
        },
    )


# --- Editors ---------------------------------------------------------------------------------------


def _editor(request: HttpRequest) -> User:
    user = signed_in(request)
    if not cms.may_edit(user):
        raise Http404()
    return user


@screen
@require_http_methods(["GET", "POST"])
def editor_list(request: HttpRequest) -> HttpResponse:
    user = _editor(request)
    if request.method == "POST":
        try:
            cms.set_pinned(user, int(request.POST.get("article", "0") or 0), request.POST.get("pinned") == "1")
        except (ValueError, OverflowError):
            raise Http404() from None
        return redirect("portal-editor")
    rows = list(Article.objects.select_related("category").order_by("-pinned", "-updated_at")[:200])
    return render(request, "portal/editor_list.html", {"rows": rows})


@screen
@require_http_methods(["GET", "POST"])
def editor_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = _editor(request)
    categories = [(str(c.pk), c.name) for c in Category.objects.all()]
    existing = cms.access_article(user, pk) if pk is not None else None
    initial: dict[str, Any] = {}
    if existing is not None:
        initial = {
            "title": existing.title,
            "category": str(existing.category_id),
            "summary": existing.summary,
            "body": existing.body,
            "slug": existing.slug,
            "pinned": existing.pinned,
            "publish": existing.status == "published",
        }
    form = ArticleForm(initial=initial, categories=categories)
    if request.method == "POST":
        form = ArticleForm(request.POST, categories=categories)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = cms.save_article(
                    user,
                    cms.ArticleInput(
                        title=data["title"],
                        category=int(data["category"]),
                        body=data["body"],
                        summary=data["summary"],
                        slug=data["slug"],
                        pinned=data["pinned"],
                        publish=data["publish"],
                    ),
                    pk,
                )
            except DomainError as error:
                show_errors(form, error)
            else:
                return redirect("portal-editor-edit", pk=saved.pk)
    preview = cms.render_body(existing.body) if existing is not None else None
    return render(request, "portal/editor_form.html", {"form": form, "article": existing, "preview": preview})


# --- Editors: hotlines and categories ------------------------------------------------------------------------------


def _unit_choices(user: User) -> list[Any]:
    """The units of the editor's area for a <select>: the province, then each district with its communes."""
    flat: list[Any] = []
    groups: dict[str, list[tuple[str, str]]] = {}
    for unit in cms.hotline_units(user):
        if unit.level == Level.PROVINCE:
            flat.append((unit.code, unit.name))
        elif unit.level == Level.DISTRICT:
            groups.setdefault(unit.code, []).insert(0, (unit.code, unit.name))
        else:
            district_code = unit.path.strip("/").split("/")[-2] if unit.path.count("/") >= 2 else ""
            groups.setdefault(district_code, []).append((unit.code, unit.name))
    for items in groups.values():
        flat.append((items[0][1], items))
    return flat


@screen
@require_GET
def editor_hotlines(request: HttpRequest) -> HttpResponse:
    user = _editor(request)
    return render(request, "portal/editor_hotlines.html", {"rows": cms.hotlines_for(user)})


def _int_or_zero(value: int | None) -> int:
    return int(value) if value is not None else 0


@screen
@require_http_methods(["GET", "POST"])
def editor_hotline_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = _editor(request)
    existing = cms.access_hotline(user, pk) if pk is not None else None
    initial: dict[str, Any] = {"position": 0}
    if existing is not None:
        initial = {
            "name": existing.name,
            "number": existing.number,
            "unit": existing.unit.code,
            "hours": existing.hours,
            "position": existing.position,
        }
    form = HotlineForm(request.POST if request.method == "POST" else None, initial=initial, units=_unit_choices(user))
    saved = write_from_form(
        form,
        lambda data: cms.save_hotline(
            user,
            cms.HotlineInput(
                name=data["name"],
                number=data["number"],
                unit=data["unit"],
                hours=data["hours"],
                position=_int_or_zero(data["position"]),
            ),
            pk,
        ),
    )
    if saved is not None:
        messages.success(request, _("The hotline was saved."))
        return redirect("portal-editor-hotlines")
    return render(request, "portal/editor_hotline_form.html", {"form": form, "hotline": existing})


@screen
@require_POST
def editor_hotline_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _editor(request)
    cms.delete_hotline(user, pk)
    messages.success(request, _("The hotline was deleted."))
    return redirect("portal-editor-hotlines")


@screen
@require_GET
def editor_categories(request: HttpRequest) -> HttpResponse:
    user = _editor(request)
    return render(request, "portal/editor_categories.html", {"rows": cms.categories_for(user)})


@screen
@require_http_methods(["GET", "POST"])
def editor_category_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = _editor(request)
    existing = cms.access_category(user, pk) if pk is not None else None
    initial: dict[str, Any] = {"position": 0}
    if existing is not None:
        initial = {"name": existing.name, "slug": existing.slug, "position": existing.position}
    form = CategoryForm(request.POST if request.method == "POST" else None, initial=initial)
    saved = write_from_form(
        form,
        lambda data: cms.save_category(
            user,
            cms.CategoryInput(name=data["name"], slug=data["slug"], position=_int_or_zero(data["position"])),
            pk,
        ),
    )
    if saved is not None:
        messages.success(request, _("The category was saved."))
        return redirect("portal-editor-categories")
    return render(request, "portal/editor_category_form.html", {"form": form, "category": existing})


@screen
@require_POST
def editor_category_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _editor(request)
    try:
        cms.delete_category(user, pk)
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("The category was deleted."))
    return redirect("portal-editor-categories")
