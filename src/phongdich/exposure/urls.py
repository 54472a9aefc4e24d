"""Exposure notification screens and public files."""

from django.urls import URLPattern, URLResolver, path

from phongdich.exposure import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("exposure/keys.txt", views.signing_keys, name="exposure-signing-keys"),
    path("exposure/exports/<str:region>/index.txt", views.export_index, name="exposure-export-index"),
    path("exposure/exports/<str:region>/<str:name>", views.export_file, name="exposure-export-file"),
    path("exposure/v", views.verification_link, name="exposure-verification-link"),
    path("exposure/my-alerts/", views.my_alerts, name="exposure-my-alerts"),
    path("exposure/adoption/", views.adoption_screen, name="exposure-adoption"),
    path("exposure/cases/<int:pk>/code/", views.issue_code, name="exposure-issue-code"),
]
