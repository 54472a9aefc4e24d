from django.contrib import admin
from django.http import HttpRequest

from phongdich.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_username", "actor_role", "action", "object_type", "object_id", "ip_address")
    list_filter = ("action", "object_type", "channel")
    search_fields = ("actor_username", "object_id")
    date_hierarchy = "at"

    # The trail is append-only.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
