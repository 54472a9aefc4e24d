"""Quarantine screens."""

from django.urls import URLPattern, URLResolver, path

from phongdich.quarantine import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("quarantine/", views.facility_board, name="quarantine-board"),
    path("quarantine/facilities/<int:pk>/", views.facility_detail, name="quarantine-facility"),
    path("quarantine/orders/", views.order_list, name="quarantine-orders"),
    path("quarantine/orders/pdf/", views.orders_pdf, name="quarantine-orders-pdf"),
    path("quarantine/orders/<int:pk>/", views.order_detail, name="quarantine-order"),
    path("quarantine/orders/<int:pk>/pdf/", views.order_pdf, name="quarantine-order-pdf"),
    path("quarantine/orders/<int:pk>/release.pdf", views.release_pdf, name="quarantine-release-pdf"),
    path("quarantine/checks/<int:person_id>/", views.health_check, name="quarantine-check"),
    path("quarantine/alerts/", views.alert_list, name="quarantine-alerts"),
    path("quarantine/policies/", views.policy_list, name="quarantine-policies"),
    path("my/quarantine/", views.my_quarantine, name="my-quarantine"),
]
