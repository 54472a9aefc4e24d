"""Certificate screens."""

from django.urls import URLPattern, URLResolver, path

from phongdich.certificates import verify_views, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("me/certificate/", views.my_certificate, name="my-certificate"),
    path("certificates/<int:certificate_id>/pdf/", views.certificate_pdf, name="certificate-pdf"),
    path("certificates/person/<int:person_id>/", views.person_certificates, name="certificate-person"),
    path("certificates/verify/", verify_views.verify_page, name="certificate-verify"),
]
