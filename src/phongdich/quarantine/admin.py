"""Read-only views of quarantine reference data for the province administrator.

Facilities are scoped by jurisdiction (``access_resource``), so they stay out of the admin, which does not
go through the access layer; they are managed on the quarantine screens."""

from __future__ import annotations

from django.contrib import admin

from phongdich.quarantine.models import PolicyRule, QuarantinePolicy


class PolicyRuleInline(admin.TabularInline):
    model = PolicyRule
    extra = 0


@admin.register(QuarantinePolicy)
class QuarantinePolicyAdmin(admin.ModelAdmin):
    # Read here; edited through the policy API so a used version becomes a new one and every change is audited.
    list_display = ("version", "name", "valid_from")
    inlines = [PolicyRuleInline]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
