"""The map pages and layers (internal and public) and the lockdown zone screens."""

from django.urls import URLPattern, URLResolver, path

from phongdich.lockdown import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("map/", views.map_page, name="map"),
    path("map/layers/<str:name>.geojson", views.map_layer, name="map-layer"),
    path("public/map/", views.public_map_page, name="public-map"),
    path("public/map/layers/<str:name>.geojson", views.public_map_layer, name="public-map-layer"),
    path("lockdown-zones/", views.zone_list, name="zone-list"),
    path("lockdown-zones/new/", views.zone_create, name="zone-create"),
    path("lockdown-zones/<int:pk>/", views.zone_detail, name="zone-detail"),
    path("lockdown-zones/<int:pk>/edit/", views.zone_edit, name="zone-edit"),
    path("lockdown-zones/<int:pk>/end/", views.zone_end, name="zone-end"),
]
