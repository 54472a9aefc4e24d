"""Certificate screens."""

from django.urls import URLPattern, URLResolver, path

from phongdich.certificates import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("me/certificate/", views.my_certificate, name="my-certificate"),
]
