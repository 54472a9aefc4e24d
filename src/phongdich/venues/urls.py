"""Venue screens, and the public venue page (/v/<code>) that the posters' footer points to."""

from django.urls import URLPattern, URLResolver, path

from phongdich.venues import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("venues/", views.venue_list, name="venue-list"),
    path("venues/new/", views.venue_create, name="venue-create"),
    path("venues/signup/", views.signup, name="venue-signup"),
    path("venues/posters/<str:code>.pdf", views.commune_posters, name="venue-commune-posters"),
    path("venues/<int:pk>/", views.venue_detail, name="venue-detail"),
    path("venues/<int:pk>/edit/", views.venue_edit, name="venue-edit"),
    path("venues/<int:pk>/status/", views.venue_status, name="venue-status"),
    path("venues/<int:pk>/rotate-qr/", views.venue_rotate, name="venue-rotate"),
    path("venues/<int:pk>/poster.pdf", views.venue_poster, name="venue-poster"),
    path("venues/<int:pk>/safety/", views.venue_safety, name="venue-safety"),
    path("venues/<int:pk>/response-plan/", views.venue_plan_upload, name="venue-plan-upload"),
    path("venues/<int:pk>/response-plan.pdf", views.venue_plan_download, name="venue-plan-download"),
    path("v/<str:code>", views.public_page, name="venue-public"),
]
