"""The province administrator edits the confirmation policy here: a new version, never code."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.cases.models import ConfirmationPolicy


@admin.register(ConfirmationPolicy)
class ConfirmationPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "valid_from",
        "rt_pcr_confirms",
        "antigen_confirms_from",
        "self_test_confirms",
        "max_onset_after_sampling_days",
    )
    ordering = ("-valid_from",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        # Every change of policy is audited, like the rule sets of epidemic levels.
        action = AuditAction.UPDATE if change else AuditAction.CREATE
        audit.record(
            request.user,  # type: ignore[arg-type]
            action,
            "confirmation_policy",
            obj.pk,
            detail={"fields": sorted(form.changed_data)},
        )
