"""The citizen portal: news and guidance (a small CMS), hotlines, self-test reports with a photo, and feedback.

Articles, categories and hotlines are public texts, not personal data. Self-test reports and feedback are
personal: they belong to a commune (``jurisdiction_lookup``) and to the person who sent them.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phongdich.core.access import RestrictedQuerySet


class Category(models.Model):
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("short name in the address"), max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class ArticleQuerySet(models.QuerySet["Article"]):
    def published(self, at: object | None = None) -> ArticleQuerySet:
        """What the public sees: published, not dated in the future; pinned first, then newest."""
        return self.filter(status=ArticleStatus.PUBLISHED, published_at__lte=at or timezone.now()).order_by(
            "-pinned", "-published_at", "-id"
        )


class Article(models.Model):
    """News or guidance. The body is plain text: paragraphs, "- " list lines and "## " headings, always escaped."""

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("short name in the address"), max_length=120, unique=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="articles", verbose_name=_("category")
    )
    summary = models.CharField(_("summary"), max_length=400, blank=True)
    body = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    pinned = models.BooleanField(_("pinned"), default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-pinned", "-published_at", "-id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [models.Index(fields=["status", "published_at"], name="portal_article_pub")]

    def __str__(self) -> str:
        return self.title


class Hotline(models.Model):
    """A number people call: the province's, a district's or a commune's."""

    name = models.CharField(_("name"), max_length=120)
    number = models.CharField(_("number"), max_length=20)
    unit = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.CASCADE, related_name="+", verbose_name=_("unit")
    )
    hours = models.CharField(_("hours"), max_length=80, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("hotline")
        verbose_name_plural = _("hotlines")

    def __str__(self) -> str:
        return f"{self.name} {self.number}"


class SelfTestResult(models.TextChoices):
    POSITIVE = "positive", _("Positive (two lines)")
    NEGATIVE = "negative", _("Negative (one line)")
    INVALID = "invalid", _("Invalid (no control line)")


class SelfTestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the commune")
    CONFIRMED = "confirmed", _("Seen by the commune")
    REJECTED = "rejected", _("Photo unreadable")


class SelfTestReport(models.Model):
    """A citizen's home rapid test with a photo (EXIF removed), for their commune to look at."""

    access_resource = "self_test_report"
    jurisdiction_lookup = "commune"
    person_lookup = "person"

    uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+", verbose_name=_("person"))
    commune = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    taken_at = models.DateTimeField(_("taken"))
    result = models.CharField(_("result"), max_length=10, choices=SelfTestResult.choices)
    photo = models.FileField(_("photo"), upload_to="portal/self-tests/%Y/%m/", max_length=255)
    # The self-test as a sample and result of the testing app (not for an invalid test).
    sample = models.ForeignKey("testing.Sample", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    task = models.ForeignKey("tasks.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=SelfTestStatus.choices, default=SelfTestStatus.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("reported"), default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("self-test report")
        verbose_name_plural = _("self-test reports")
        indexes = [models.Index(fields=["commune", "status"], name="portal_selftest_commune")]

    def __str__(self) -> str:
        return f"{self.get_result_display()} {self.taken_at:%Y-%m-%d}"


class FeedbackCategory(models.TextChoices):
    GATHERING = "gathering", _("A gathering")
    VIOLATION = "violation", _("A violation of the rules")
    HELP = "help", _("A need for help")
    OTHER = "other", _("Other")


class FeedbackStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("Being handled")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class Feedback(models.Model):
    """A report from a citizen (phản ánh) to a commune, followed until answered."""

    access_resource = "feedback"
    jurisdiction_lookup = "commune"
    person_lookup = "reporter_person"

    uuid = models.UUIDField(unique=True, editable=False)
    category = models.CharField(_("category"), max_length=12, choices=FeedbackCategory.choices)
    text = models.TextField(_("text"))
    location = models.CharField(_("place"), max_length=200, blank=True)
    commune = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    reporter_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reporter_person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The confirmed phone of a reporter without an account (normal form), to send the answer to.
    reporter_phone = models.CharField(_("phone"), max_length=16, blank=True)
    photo = models.FileField(_("photo"), upload_to="portal/feedback/%Y/%m/", blank=True, max_length=255)
    status = models.CharField(_("status"), max_length=12, choices=FeedbackStatus.choices, default=FeedbackStatus.OPEN)
    created_at = models.DateTimeField(_("sent"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        indexes = [models.Index(fields=["commune", "status"], name="portal_feedback_commune")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_category_display()}"


class FeedbackAnswer(models.Model):
    """One message of a feedback's thread: an officer's answer or the reporter's follow-up."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="answers")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_officer = models.BooleanField(default=True)
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"#{self.feedback_id}: {self.created_at:%Y-%m-%d %H:%M}"
