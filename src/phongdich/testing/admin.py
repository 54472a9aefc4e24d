"""The province administrator's view of periodic testing programs (data, like the confirmation policy)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.testing.models import TestingProgram


@admin.register(TestingProgram)
class TestingProgramAdmin(admin.ModelAdmin):
    list_display = ("name", "interval_days", "valid_from", "valid_until")
    ordering = ("-valid_from",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        action = AuditAction.UPDATE if change else AuditAction.CREATE
        audit.record(
            request.user,  # type: ignore[arg-type]
            action,
            "testing_program",
            obj.pk,
            detail={"fields": sorted(form.changed_data)},
        )
