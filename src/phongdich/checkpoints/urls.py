"""Checkpoint screens: the list, the officer's scan page, the automatic lane, a checkpoint's passes and day; setting
up checkpoints and their shifts; the entry rule sets."""

from django.urls import URLPattern, URLResolver, path

from phongdich.checkpoints import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("checkpoints/", views.checkpoint_list, name="checkpoint-list"),
    path("checkpoints/new/", views.checkpoint_create, name="checkpoint-create"),
    path("checkpoints/rules/", views.rule_sets, name="checkpoint-rules"),
    path("checkpoints/<slug:code>/edit/", views.checkpoint_edit, name="checkpoint-edit"),
    path("checkpoints/<slug:code>/shifts/", views.shifts, name="checkpoint-shifts"),
    path("checkpoints/<slug:code>/scan/", views.scan, name="checkpoint-scan"),
    path("checkpoints/<slug:code>/lane/", views.lane, name="checkpoint-lane"),
    path("checkpoints/<slug:code>/passes/", views.passes, name="checkpoint-passes"),
    path("checkpoints/passes/<int:pk>/override/", views.override, name="checkpoint-override"),
]
