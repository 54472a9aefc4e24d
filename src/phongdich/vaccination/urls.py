"""Vaccination screens."""

from django.urls import URLPattern, URLResolver, path

from phongdich.vaccination import sessions_views, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("vaccinations/", views.entry, name="vaccination-entry"),
    path("vaccinations/person/<int:pk>/", views.person_doses, name="vaccination-person"),
    path("vaccinations/import/", views.import_file, name="vaccination-import"),
    path("vaccinations/import/template.csv", views.import_template, name="vaccination-import-template"),
    path("vaccinations/coverage/", views.coverage_table, name="vaccination-coverage"),
    path("vaccinations/sites/", sessions_views.site_list, name="vaccination-sites"),
    path("vaccinations/sites/<int:pk>/", sessions_views.site_detail, name="vaccination-site"),
    path("vaccinations/sessions/<int:pk>/", sessions_views.session_detail, name="vaccination-session"),
    path("vaccinations/sessions/<int:pk>/status/", sessions_views.session_status, name="vaccination-session-status"),
    path(
        "vaccinations/registrations/<int:pk>/<str:action>/",
        sessions_views.registration_action,
        name="vaccination-registration-action",
    ),
    path("vaccinations/invitations/", sessions_views.invitation_lists, name="vaccination-invitations"),
    path("vaccinations/invitations/<int:pk>/", sessions_views.invitation_list_detail, name="vaccination-invitation"),
    path("my/vaccination/", sessions_views.my_sessions, name="my-vaccination"),
]
