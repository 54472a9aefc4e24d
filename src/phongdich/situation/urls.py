"""Dashboard screens."""

from django.urls import URLPattern, URLResolver, path

from phongdich.situation import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("dashboard/", views.dashboard, name="dashboard"),
]
