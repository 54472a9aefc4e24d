from django.contrib import admin

from phongdich.geo.models import AdministrativeUnit


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "kind", "population", "age_bands_estimated")
    list_filter = ("level", "kind", "age_bands_estimated")
    search_fields = ("code", "name")
    readonly_fields = ("path",)
    raw_id_fields = ("parent",)
