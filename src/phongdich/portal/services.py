"""Every write of the portal's personal records: self-test reports and feedback (phản ánh).

Self-tests: a citizen reports a home rapid test with a photo of the cassette. It is stored as a self-test sample
and result of the testing app (so it shows in "my tests"; the cases policy decides that a self-test never
opens a case) plus the photo, cleaned of EXIF and GPS. A positive one gives the commune a task: call the person
and take a confirmatory sample.

Feedback: a citizen (signed in, or with a phone confirmed by a one-time code) reports a gathering, a violation
or a need for help to a commune (the one chosen, or the reporter's home commune); that commune's officers see
it in their list, answer it and move it on (open → in progress → answered → closed); the reporter sees the
answers and is sent a message. Submission is idempotent by the client's UUID. Scope is ``core.access`` on the
commune; another commune's feedback is a 404. Reads and writes are audited (ids only).
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from phongdich.accounts.models import User
from phongdich.accounts.roles import Role
from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.core import access
from phongdich.core.clock import to_utc
from phongdich.core.errors import Conflict, FieldError, InvalidInput, NotFound
from phongdich.core.text import clean_text
from phongdich.geo.models import AdministrativeUnit, Level
from phongdich.notify.services import notify
from phongdich.people.models import Person
from phongdich.portal.models import (
    Feedback,
    FeedbackAnswer,
    FeedbackCategory,
    FeedbackStatus,
    Hotline,
    SelfTestReport,
    SelfTestResult,
    SelfTestStatus,
)
from phongdich.portal.photos import clean_photo

FEEDBACK_TEXT_MAX = 2000
LOCATION_MAX = 200
ANSWER_MAX = 2000
CLOCK_SKEW = dt.timedelta(minutes=5)
SELF_TEST_MAX_AGE = dt.timedelta(days=7)
# Moves an officer may make; "answered" is reached by answering.
OFFICER_STATUSES = (FeedbackStatus.IN_PROGRESS, FeedbackStatus.ANSWERED, FeedbackStatus.CLOSED)


def _citizen_person(actor: User) -> Person:
    if actor.role != Role.CITIZEN or actor.person_id is None:
        raise NotFound()
    return Person.objects.select_related("home_commune").get(pk=actor.person_id)


def hotline_for(commune: AdministrativeUnit) -> str:
    """The nearest hotline: the commune's, else its district's, else the province's."""
    units = [commune.pk, commune.parent_id, *([commune.parent.parent_id] if commune.parent else [])]
    for unit_id in units:
        line = Hotline.objects.filter(unit_id=unit_id).order_by("position").first()
        if line is not None:
            return line.number
    return ""


# --- Self-tests ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SelfTestInput:
    taken_at: dt.datetime | None
    result: str
    photo: bytes
    uuid: uuid_module.UUID | None = None


def report_self_test(actor: User, data: SelfTestInput) -> SelfTestReport:
    """A citizen's own self-test. Idempotent by ``uuid``; every bad field named; nothing stored half-way."""
    if not access.can(actor, "self_test_report", "add"):
        raise NotFound()
    return record_self_test(actor, _citizen_person(actor), data)


def record_self_test(actor: User, person: Person, data: SelfTestInput) -> SelfTestReport:
    """The self-test of ``person``, reported by ``actor`` (the person's own account, or an unrestricted one)."""
    if not (actor.is_superuser or actor.person_id == person.pk):
        raise NotFound()
    if data.uuid is not None:
        earlier = SelfTestReport.objects.filter(uuid=data.uuid).first()
        if earlier is not None:
            if earlier.person_id != person.pk:
                raise Conflict(_("This report id is already used."))
            return earlier
    errors: list[FieldError] = []
    taken: dt.datetime | None = None
    if data.taken_at is None:
        errors.append(FieldError("taken_at", _("This field is required.")))
    else:
        try:
            taken = to_utc(data.taken_at, "taken_at")
        except InvalidInput as exc:
            errors.extend(exc.errors)
        else:
            now = timezone.now()
            if taken > now + CLOCK_SKEW:
                errors.append(FieldError("taken_at", _("The test is dated in the future.")))
            elif taken < now - SELF_TEST_MAX_AGE:
                errors.append(FieldError("taken_at", _("Report a test of the last 7 days.")))
    if data.result not in SelfTestResult.values:
        errors.append(FieldError("result", _("Choose positive, negative or invalid.")))
    photo = b""
    try:
        photo = clean_photo(data.photo)
    except InvalidInput as exc:
        errors.extend(exc.errors)
    if errors:
        raise InvalidInput(_("The self-test report has errors."), errors)
    assert taken is not None
    from phongdich.tasks import services as tasks
    from phongdich.tasks.models import TaskKind
    from phongdich.testing import services as testing

    report_uuid = data.uuid or uuid_module.uuid4()
    with transaction.atomic():
        recorded = testing.record_sample(
            actor,
            testing.SampleInput(
                person=person.pk, test_type="self_test", taken_at=taken, result=data.result, uuid=report_uuid
            ),
        )
        report = SelfTestReport(
            uuid=report_uuid,
            person=person,
            commune=person.home_commune,
            taken_at=taken,
            result=data.result,
            sample=recorded.sample,
        )
        report.photo.save(f"{report_uuid.hex}.jpg", ContentFile(photo), save=False)
        report.save(force_insert=True)
        if data.result == SelfTestResult.POSITIVE:
            report.task = tasks.create_task(
                None,
                kind=TaskKind.TAKE_SAMPLE,
                commune=person.home_commune,
                title=_("Positive self-test: call the person and take a confirmatory sample"),
                due_at=timezone.now() + dt.timedelta(hours=24),
                person=person,
                source_key=f"portal.self_test:{report.pk}",
            )
            report.save(update_fields=["task"])
            notify(
                event_key=f"portal.self_test:{report.pk}",
                template="portal_self_test_positive",
                context={"commune_name": person.home_commune.name, "hotline": hotline_for(person.home_commune)},
                person=person,
            )
        audit.record(actor, AuditAction.CREATE, "self_test_report", report.pk, detail={"person": person.pk})
    return report


def search_self_tests(actor: User) -> models.QuerySet[SelfTestReport]:
    return SelfTestReport.objects.restrict(actor, "view").select_related("person", "commune")


def get_self_test(actor: User, pk: int, action: str = "view") -> SelfTestReport:
    report = access.get_or_404(SelfTestReport.objects.select_related("person", "commune"), actor, action, pk=pk)
    audit.record(actor, AuditAction.VIEW if action == "view" else AuditAction.UPDATE, "self_test_report", report.pk)
    return report


def review_self_test(actor: User, pk: int, status: str) -> SelfTestReport:
    """The commune marks the photo seen (confirmed) or unreadable (rejected)."""
    if status not in (SelfTestStatus.CONFIRMED, SelfTestStatus.REJECTED) or actor.role == Role.CITIZEN:
        raise InvalidInput(_("Unknown status."), [FieldError("status", _("Unknown status."))])
    with transaction.atomic():
        report = access.get_or_404(SelfTestReport.objects.select_for_update(of=("self",)), actor, "change", pk=pk)
        report.status = status
        report.reviewed_by = actor
        report.reviewed_at = timezone.now()
        report.save(update_fields=["status", "reviewed_by", "reviewed_at"])
        audit.record(actor, AuditAction.UPDATE, "self_test_report", report.pk, detail={"status": status})
    return report


# --- Feedback --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackInput:
    uuid: uuid_module.UUID | None
    category: str
    text: str
    commune: str = ""  # official code; empty: the reporter's home commune
    location: str = ""
    photo: bytes = b""
    # An anonymous reporter's phone, already confirmed by a one-time code (phone_otp.confirm_challenge).
    confirmed_phone: str = ""


def _feedback_commune(code: str, person: Person | None, errors: list[FieldError]) -> AdministrativeUnit | None:
    code = clean_text(code or "")
    if code:
        commune = AdministrativeUnit.objects.filter(code=code, level=Level.COMMUNE).first()
        if commune is None:
            errors.append(FieldError("commune", _("Choose a commune of the province.")))
        return commune
    if person is not None:
        return person.home_commune
    errors.append(FieldError("commune", _("Choose the commune the feedback is about.")))
    return None


def submit_feedback(actor: User | None, data: FeedbackInput) -> tuple[Feedback, bool]:
    """A new feedback, or the one this ``uuid`` made before (False). Every bad field is named (422)."""
    citizen = actor is not None and actor.is_authenticated and actor.role == Role.CITIZEN and not actor.is_superuser
    person: Person | None = None
    if citizen:
        assert actor is not None
        if actor.person_id is None:
            raise NotFound()
        person = Person.objects.select_related("home_commune").filter(pk=actor.person_id).first()
    elif not data.confirmed_phone:
        raise InvalidInput(
            _("Confirm your phone number first."), [FieldError("phone", _("Confirm your phone number first."))]
        )
    else:
        # The confirmed phone of exactly one registered person: the feedback is theirs (they see it once
        # signed in). A phone several persons share (a family) stays anonymous.
        owners = list(Person.objects.filter(phone=data.confirmed_phone).select_related("home_commune")[:2])
        person = owners[0] if len(owners) == 1 else None
    if data.uuid is None:
        raise InvalidInput(_("The request has errors."), [FieldError("uuid", _("This field is required."))])
    earlier = Feedback.objects.filter(uuid=data.uuid).first()
    if earlier is not None:
        same = (citizen and actor is not None and earlier.reporter_user_id == actor.pk) or (
            not citizen and earlier.reporter_phone == data.confirmed_phone
        )
        if not same:
            raise Conflict(_("This feedback id is already used."))
        return earlier, False
    errors: list[FieldError] = []
    if data.category not in FeedbackCategory.values:
        errors.append(FieldError("category", _("Choose a category.")))
    text = (data.text or "").replace("\r\n", "\n").strip()
    if not text:
        errors.append(FieldError("text", _("Describe what you report.")))
    elif len(text) > FEEDBACK_TEXT_MAX:
        errors.append(FieldError("text", _("At most %(n)s characters.") % {"n": FEEDBACK_TEXT_MAX}))
    elif any(ord(ch) < 32 and ch not in "\n\t" for ch in text):
        errors.append(FieldError("text", _("The text has characters that cannot be shown.")))
    location = clean_text(data.location or "")
    if len(location) > LOCATION_MAX:
        errors.append(FieldError("location", _("At most %(n)s characters.") % {"n": LOCATION_MAX}))
    commune = _feedback_commune(data.commune, person, errors)
    photo = b""
    if data.photo:
        try:
            photo = clean_photo(data.photo)
        except InvalidInput as exc:
            errors.extend(exc.errors)
    if errors:
        raise InvalidInput(_("The feedback has errors."), errors)
    assert commune is not None
    feedback = Feedback(
        uuid=data.uuid,
        category=data.category,
        text=text,
        location=location,
        commune=commune,
        reporter_user=actor if citizen else None,
        reporter_person=person,
        reporter_phone="" if citizen else data.confirmed_phone,
    )
    try:
        with transaction.atomic():
            if photo:
                feedback.photo.save(f"{data.uuid.hex}.jpg", ContentFile(photo), save=False)
            feedback.save(force_insert=True)
            audit.record(
                actor if citizen else None,
                AuditAction.CREATE,
                "feedback",
                feedback.pk,
                detail={"commune": commune.code, "category": data.category},
            )
    except IntegrityError:
        # The same submission arrived twice at once: the first one stands.
        earlier = Feedback.objects.filter(uuid=data.uuid).first()
        if earlier is None:
            raise
        return earlier, False
    return feedback, True


def search_feedback(actor: User, status: str = "") -> models.QuerySet[Feedback]:
    """The feedback of the actor's communes (officers), or their own (citizens)."""
    rows = Feedback.objects.restrict(actor, "view").select_related("commune")
    if status in FeedbackStatus.values:
        rows = rows.filter(status=status)
    return rows


def open_count(actor: User) -> int:
    if actor.role == Role.CITIZEN or not access.can(actor, "feedback", "change"):
        return 0
    return Feedback.objects.restrict(actor, "view").filter(status=FeedbackStatus.OPEN).count()


def get_feedback(actor: User, pk: int) -> Feedback:
    feedback = access.get_or_404(Feedback.objects.select_related("commune"), actor, "view", pk=pk)
    audit.record(actor, AuditAction.VIEW, "feedback", feedback.pk)
    return feedback


def feedback_by_phone(phone: str) -> models.QuerySet[Feedback]:
    """What an anonymous reporter sent, once they confirmed this phone again."""
    return Feedback.objects.filter(reporter_phone=phone, reporter_user__isnull=True).select_related("commune")


def answer_feedback(actor: User, pk: int, text: str, status: str = FeedbackStatus.ANSWERED) -> Feedback:
    """An officer answers (status "answered" by default) or moves the feedback on; the reporter is told."""
    if actor.role == Role.CITIZEN:
        raise NotFound()
    text = (text or "").replace("\r\n", "\n").strip()
    errors: list[FieldError] = []
    if status not in OFFICER_STATUSES:
        errors.append(FieldError("status", _("Unknown status.")))
    if len(text) > ANSWER_MAX:
        errors.append(FieldError("text", _("At most %(n)s characters.") % {"n": ANSWER_MAX}))
    elif not text and status == FeedbackStatus.ANSWERED:
        errors.append(FieldError("text", _("Write the answer.")))
    if errors:
        raise InvalidInput(_("The answer has errors."), errors)
    with transaction.atomic():
        feedback = access.get_or_404(
            Feedback.objects.select_for_update(of=("self",)).select_related("commune"), actor, "change", pk=pk
        )
        if text:
            FeedbackAnswer.objects.create(feedback=feedback, author=actor, text=text, from_officer=True)
        feedback.status = status
        feedback.updated_at = timezone.now()
        feedback.save(update_fields=["status", "updated_at"])
        audit.record(actor, AuditAction.UPDATE, "feedback", feedback.pk, detail={"status": status})
        if text:
            _tell_reporter(feedback, text)
    return feedback


def _tell_reporter(feedback: Feedback, answer: str) -> None:
    count = feedback.answers.count()
    context: dict[str, Any] = {
        "number": feedback.pk,
        "status": feedback.get_status_display(),
        "answer": answer,
        "link": f"{settings.PHONGDICH['SITE_URL'].rstrip('/')}/portal/feedback/{feedback.pk}/"
        if feedback.reporter_person_id
        else "",
    }
    key = f"portal.feedback:{feedback.pk}:{count}"
    if feedback.reporter_person is not None:
        notify(event_key=key, template="portal_feedback_answered", context=context, person=feedback.reporter_person)
    elif feedback.reporter_phone:
        notify(event_key=key, template="portal_feedback_answered", context=context, address=feedback.reporter_phone)


def follow_up(actor: User, pk: int, text: str) -> Feedback:
    """The reporter adds to their own feedback (it opens again if it was answered)."""
    text = (text or "").replace("\r\n", "\n").strip()
    if not text or len(text) > ANSWER_MAX:
        message = _("Write at most %(n)s characters.") % {"n": ANSWER_MAX}
        raise InvalidInput(message, [FieldError("text", message)])
    with transaction.atomic():
        feedback = access.get_or_404(Feedback.objects.select_for_update(of=("self",)), actor, "view", pk=pk)
        if actor.role != Role.CITIZEN or feedback.reporter_user_id != actor.pk:
            raise NotFound()
        FeedbackAnswer.objects.create(feedback=feedback, author=actor, text=text, from_officer=False)
        if feedback.status == FeedbackStatus.ANSWERED:
            feedback.status = FeedbackStatus.OPEN
        feedback.updated_at = timezone.now()
        feedback.save(update_fields=["status", "updated_at"])
        audit.record(actor, AuditAction.UPDATE, "feedback", feedback.pk, detail={"follow_up": True})
    return feedback
