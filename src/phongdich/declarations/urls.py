"""Health declaration screens: the public form and result, the citizen's list, the officers' list."""

from django.urls import URLPattern, URLResolver, path

from phongdich.declarations import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("declare/", views.declare, name="declare"),
    path("declare/r/<str:token>/", views.result, name="declaration-result"),
    path("declare/r/<str:token>/<int:pk>.png", views.result_png, name="declaration-qr-png"),
    path("declare/r/<str:token>/declarations.pdf", views.result_pdf, name="declaration-pdf"),
    path("my/declarations/", views.my_declarations, name="my-declarations"),
    path("declarations/", views.declaration_list, name="declaration-list"),
    path("declarations/areas/", views.area_list, name="declaration-areas"),
    path("declarations/<int:pk>/", views.declaration_detail, name="declaration-detail"),
]
