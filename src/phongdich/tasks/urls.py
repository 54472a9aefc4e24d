"""Work list screens."""

from django.urls import URLPattern, URLResolver, path

from phongdich.tasks import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("tasks/", views.task_list, name="task-list"),
    path("tasks/new/", views.task_create, name="task-create"),
    path("tasks/<int:pk>/complete/", views.complete, name="task-complete"),
    path("tasks/<int:pk>/cancel/", views.cancel, name="task-cancel"),
    path("tasks/<int:pk>/assign/", views.assign, name="task-assign"),
]
