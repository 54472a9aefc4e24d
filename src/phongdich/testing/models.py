"""Samples, pooled samples, test results and retest tasks.

A sample belongs to the commune where it was taken (or the person's home commune when the place is not
a commune of the province): that commune's officers see it. A sample has at most one standing result;
a revoked result stays on record and a new one may then be entered.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phongdich.core.access import RestrictedQuerySet

MAX_POOL_SIZE = 10


class TestType(models.TextChoices):
    RT_PCR = "rt_pcr", _("RT-PCR")
    ANTIGEN = "antigen", _("Rapid antigen test (by staff)")
    SELF_TEST = "self_test", _("Self-test (reported by the citizen)")


class ResultValue(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEGATIVE = "negative", _("Negative")
    INVALID = "invalid", _("Invalid")


class SamplePool(models.Model):
    """Up to ten RT-PCR samples tested together ("gộp mẫu"). The pool's result decides what follows for
    its members: negative → each member negative; positive → a retest task for each member."""

    access_resource = "sample"
    jurisdiction_lookup = "commune"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True)
    code = models.CharField(_("pool code"), max_length=40, blank=True)
    lab = models.CharField(_("laboratory"), max_length=200, blank=True)
    commune = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="sample_pools", verbose_name=_("commune")
    )
    result = models.CharField(_("result"), max_length=10, choices=ResultValue.choices, blank=True)
    ct_value = models.DecimalField(_("Ct value"), max_digits=5, decimal_places=2, null=True, blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("sample pool")
        verbose_name_plural = _("sample pools")

    def __str__(self) -> str:
        return self.code or f"pool {self.pk}"


class Sample(models.Model):
    access_resource = "sample"
    jurisdiction_lookup = "commune"
    person_lookup = "person"

    # Given by the device or form that recorded it, so a retried upload is recognised.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True)
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="samples", verbose_name=_("person")
    )
    test_type = models.CharField(_("test type"), max_length=10, choices=TestType.choices)
    taken_at = models.DateTimeField(_("taken at"))
    site = models.CharField(_("sampling site"), max_length=200, blank=True)
    lab = models.CharField(_("laboratory"), max_length=200, blank=True)
    commune = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="samples", verbose_name=_("commune")
    )
    pool = models.ForeignKey(
        SamplePool,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="samples",
        verbose_name=_("pool"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-taken_at", "-id"]
        verbose_name = _("sample")
        verbose_name_plural = _("samples")
        indexes = [
            models.Index(fields=["person", "taken_at"], name="testing_sample_person_time"),
            models.Index(fields=["commune", "taken_at"], name="testing_sample_commune_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_test_type_display()} {self.pk}"

    @property
    def standing_result(self) -> TestResult | None:
        """The result not revoked, if any."""
        for result in self.results.all():
            if result.revoked_at is None:
                return result
        return None


class TestResult(models.Model):
    __test__ = False  # not a pytest test class
    access_resource = "test_result"
    jurisdiction_lookup = "sample__commune"
    person_lookup = "sample__person"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True)
    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="results", verbose_name=_("sample"))
    result = models.CharField(_("result"), max_length=10, choices=ResultValue.choices)
    ct_value = models.DecimalField(_("Ct value"), max_digits=5, decimal_places=2, null=True, blank=True)
    reported_at = models.DateTimeField(_("reported at"))
    # Set when the result came from its pool's negative result rather than a test of its own.
    from_pool = models.BooleanField(_("from the pool's result"), default=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.CharField(_("reason for revoking"), max_length=300, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("test result")
        verbose_name_plural = _("test results")
        constraints = [
            # One standing result per sample: a second one is a duplicate unless the first was revoked.
            models.UniqueConstraint(
                fields=["sample"], condition=models.Q(revoked_at__isnull=True), name="testing_one_standing_result"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sample_id}: {self.result}"


class RetestStatus(models.TextChoices):
    OPEN = "open", _("To do")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class RetestTask(models.Model):
    """A member of a positive pool, to be sampled and tested on their own."""

    access_resource = "sample"
    jurisdiction_lookup = "commune"
    person_lookup = "person"

    pool = models.ForeignKey(SamplePool, on_delete=models.CASCADE, related_name="retest_tasks")
    sample = models.OneToOneField(Sample, on_delete=models.CASCADE, related_name="retest_task")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="retest_tasks")
    commune = models.ForeignKey("geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=RetestStatus.choices, default=RetestStatus.OPEN)
    retest_sample = models.ForeignKey(
        Sample, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("retest sample")
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    done_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("retest task")
        verbose_name_plural = _("retest tasks")

    def __str__(self) -> str:
        return f"retest {self.person_id} (pool {self.pool_id})"


def _default_program_test_types() -> list[str]:
    return [TestType.RT_PCR, TestType.ANTIGEN]


class TestingProgram(models.Model):
    """Periodic testing the province orders for a group: "workers of production and business establishments
    every 7 days", "people returning from outbreak areas every 14 days". Data, set by the province."""

    __test__ = False  # not a pytest test class

    name = models.CharField(_("name"), max_length=200)
    interval_days = models.PositiveSmallIntegerField(_("test every (days)"))
    # Which tests count (a self-test usually does not).
    test_types = models.JSONField(_("tests that count"), default=_default_program_test_types)
    # The venue types whose workers it covers; empty: people enrolled one by one, without a venue.
    venue_kinds = models.JSONField(_("venue types"), default=list, blank=True)
    valid_from = models.DateField(_("from"))
    valid_until = models.DateField(_("until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-valid_from", "name"]
        verbose_name = _("periodic testing program")
        verbose_name_plural = _("periodic testing programs")
        constraints = [
            models.CheckConstraint(condition=models.Q(interval_days__gte=1), name="testing_program_interval_positive")
        ]

    def __str__(self) -> str:
        return self.name


class ProgramMember(models.Model):
    """A person in a program, at an establishment (its operators see them) or on their own. The dates are
    kept up to date as their samples are recorded: who is due and who is overdue is one indexed query."""

    access_resource = "program_member"
    jurisdiction_lookup = "commune"
    person_lookup = "person"
    operator_lookup = "venue__operators"

    program = models.ForeignKey(TestingProgram, on_delete=models.PROTECT, related_name="members")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="program_memberships")
    venue = models.ForeignKey(
        "venues.Venue", null=True, blank=True, on_delete=models.CASCADE, related_name="program_members"
    )
    # The venue's commune, or the person's home commune when there is no venue.
    commune = models.ForeignKey("geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+")
    enrolled_on = models.DateField(_("in the program from"))
    ended_on = models.DateField(_("left the program on"), null=True, blank=True)
    last_tested_on = models.DateField(_("last tested on"), null=True, blank=True)
    next_due_on = models.DateField(_("next test due on"))
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["next_due_on", "id"]
        verbose_name = _("program member")
        verbose_name_plural = _("program members")
        constraints = [
            # Once in a program at a time (at the same venue or none).
            models.UniqueConstraint(
                fields=["program", "person"],
                condition=models.Q(ended_on__isnull=True),
                name="testing_program_member_once",
            )
        ]
        indexes = [models.Index(fields=["commune", "next_due_on"], name="testing_member_commune_due")]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.program_id}"
