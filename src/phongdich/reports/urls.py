"""Daily report and directive screens."""

from django.urls import URLPattern, URLResolver, path

from phongdich.reports import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("reports/daily/", views.report_list, name="daily-report-list"),
    path("reports/daily/send/", views.report_form, name="daily-report-form"),
    path("reports/daily/<int:pk>/", views.report_detail, name="daily-report-detail"),
    path("reports/daily/situation.pdf", views.situation_pdf, name="situation-report-pdf"),
    path("reports/daily/situation.xlsx", views.situation_xlsx, name="situation-report-xlsx"),
    path("directives/", views.directive_list, name="directive-list"),
    path("directives/new/", views.directive_create, name="directive-create"),
    path("directives/<int:pk>/", views.directive_detail, name="directive-detail"),
    path("directives/<int:pk>/acknowledge/", views.directive_acknowledge, name="directive-acknowledge"),
    path("directives/<int:pk>/attachment/", views.directive_attachment, name="directive-attachment"),
]
