from django.contrib import admin

from phongdich.tracing.models import TracingPolicy


@admin.register(TracingPolicy)
class TracingPolicyAdmin(admin.ModelAdmin):
    list_display = ("version", "valid_from", "tolerance_minutes", "days_before_onset", "max_f2_per_case")
    ordering = ("-version",)
