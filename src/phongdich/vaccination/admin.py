from django.contrib import admin

from phongdich.vaccination.models import FullCourseRule, VaccineProduct


class RuleInline(admin.StackedInline):
    model = FullCourseRule


@admin.register(VaccineProduct)
class VaccineProductAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "manufacturer_name", "vaccine_type", "active")
    inlines = [RuleInline]
