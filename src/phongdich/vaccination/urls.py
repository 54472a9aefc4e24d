"""Vaccination screens."""

from django.urls import URLPattern, URLResolver, path

from phongdich.vaccination import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("vaccinations/", views.entry, name="vaccination-entry"),
    path("vaccinations/person/<int:pk>/", views.person_doses, name="vaccination-person"),
    path("vaccinations/import/", views.import_file, name="vaccination-import"),
    path("vaccinations/import/template.csv", views.import_template, name="vaccination-import-template"),
    path("vaccinations/coverage/", views.coverage_table, name="vaccination-coverage"),
]
