"""Case and cluster screens."""

from django.urls import URLPattern, URLResolver, path

from phongdich.cases import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/", views.case_list, name="case-list"),
    path("cases/<int:pk>/", views.case_detail, name="case-detail"),
    path("cases/open/<int:person_id>/", views.case_open, name="case-open"),
    path("clusters/", views.cluster_list, name="cluster-list"),
    path("clusters/<int:pk>/", views.cluster_detail, name="cluster-detail"),
]
