from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from phongdich.accounts.models import ApiToken, User


@admin.register(User)
class AccountAdmin(UserAdmin):
    list_display = ("username", "first_name", "role", "is_active", "last_login")
    list_filter = ("role", "is_active", "is_staff")
    filter_horizontal = ("units", "groups", "user_permissions")
    # The linked person is chosen by id: the admin must not list the personal registry unscoped.
    raw_id_fields = ("person",)
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("PhòngDịch", {"fields": ("role", "units", "person")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> tuple[str, ...]:
        # Province administrators manage accounts, but only a superuser grants admin powers.
        if request.user.is_superuser:
            return ()
        return ("is_superuser", "is_staff", "groups", "user_permissions", "last_login", "date_joined")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("label", "user", "kind", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at")
    list_filter = ("kind",)
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")
    raw_id_fields = ("user",)

    def has_add_permission(self, request: object) -> bool:
        # A token's secret is shown once at creation: issue tokens from the screen or create-token.
        return False
