"""Message screens."""

from django.urls import URLPattern, URLResolver, path

from phongdich.notify import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("messages/", views.message_list, name="message-list"),
    path("messages/<int:pk>/", views.message_detail, name="message-detail"),
    path("messages/<int:pk>/retry/", views.message_retry, name="message-retry"),
]
