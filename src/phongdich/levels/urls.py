"""Levels screens."""

from django.urls import URLPattern, URLResolver, path

from phongdich.levels import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("levels/", views.level_list, name="level-list"),
    path("levels/rules/", views.rule_list, name="level-rules"),
    path("levels/rules/<int:pk>/", views.rule_detail, name="level-rule-set"),
    path("levels/capacity/", views.capacity, name="level-capacity"),
    path("levels/<str:code>/", views.level_unit, name="level-unit"),
]
