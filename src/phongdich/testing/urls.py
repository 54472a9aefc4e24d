"""Testing screens."""

from django.urls import URLPattern, URLResolver, path

from phongdich.testing import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("tests/", views.entry, name="testing-entry"),
    path("tests/person/<int:pk>/", views.person_tests, name="testing-person"),
    path("tests/pools/", views.pool_list, name="testing-pools"),
    path("tests/pools/<int:pk>/", views.pool_detail, name="testing-pool"),
    path("tests/retests/", views.retest_list, name="testing-retests"),
    path("tests/import/", views.import_file, name="testing-import"),
    path("tests/import/template.csv", views.import_template, name="testing-import-template"),
    path("tests/programs/", views.program_list, name="testing-programs"),
    path("my-tests/", views.my_tests, name="testing-mine"),
]
