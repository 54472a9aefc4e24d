"""Contact tracing screens."""

from django.urls import URLPattern, URLResolver, path

from phongdich.tracing import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("tracing/tasks/", views.tasks, name="tracing-tasks"),
    path("tracing/contacts/<int:pk>/follow-up/", views.follow_up, name="tracing-follow-up"),
]
