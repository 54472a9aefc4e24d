"""The web screens' addresses. The API lives under /api/v1/, the language switch under /i18n/."""

from django.contrib.auth import views as auth_views
from django.urls import URLPattern, path

from phongdich.web import views

urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="registration/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("people/", views.person_list, name="person-list"),
    path("people/new/", views.person_create, name="person-create"),
    path("people/<int:pk>/", views.person_detail, name="person-detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person-edit"),
    path("people/<int:pk>/merge/", views.person_merge, name="person-merge"),
    path("me/", views.my_record, name="my-record"),
    path("me/edit/", views.my_record_edit, name="my-record-edit"),
    path("units/", views.unit_list, name="unit-list"),
    path("audit/", views.audit_list, name="audit-list"),
    path("tokens/", views.token_list, name="token-list"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
]
