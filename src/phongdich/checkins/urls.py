"""Check-in addresses: the poster's page (/c/<key>), personal QR cards, the scanner, a venue's day."""

from django.urls import URLPattern, URLResolver, path

from phongdich.checkins import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("c/<str:qr_key>", views.venue_checkin, name="checkin-venue"),
    path("c/<str:qr_key>/visit/<uuid:visit>/", views.visit_detail, name="checkin-visit"),
    path("c/<str:qr_key>/visit/<uuid:visit>/out/", views.visit_checkout, name="checkin-checkout"),
    path("c/<str:qr_key>/forget/", views.forget_visitor, name="checkin-forget"),
    path("me/qr/", views.my_qr, name="my-qr"),
    path("me/qr.svg", views.my_qr_svg, name="my-qr-svg"),
    path("people/<int:pk>/qr/", views.person_qr, name="person-qr"),
    path("scan/", views.scanner, name="scan"),
    path("venues/<str:code>/today/", views.venue_today, name="venue-today"),
]
