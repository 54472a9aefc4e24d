from django.urls import URLPattern, path

from phongdich.portal import views

urlpatterns: list[URLPattern] = [
    path("portal/", views.home, name="portal-home"),
    path("portal/news/", views.news, name="portal-news"),
    path("portal/news/<slug:slug>/", views.article, name="portal-article"),
    path("portal/levels/", views.levels, name="portal-levels"),
    path("portal/sites/", views.sites, name="portal-sites"),
    path("portal/hotlines/", views.hotlines, name="portal-hotlines"),
    path("portal/adoption/", views.adoption_page, name="portal-adoption"),
    path("portal/adoption/internal/", views.adoption_internal, name="portal-adoption-internal"),
    path("portal/manifest.webmanifest", views.manifest, name="portal-manifest"),
    path("portal/sw.js", views.service_worker, name="portal-sw"),
    path("portal/offline/", views.offline, name="portal-offline"),
    path("portal/phone/", views.phone, name="portal-phone"),
    path("portal/signin/", views.signin_page, name="portal-signin"),
    path("portal/me/", views.me, name="portal-me"),
    path("portal/me/self-test/", views.self_test, name="portal-self-test"),
    path("portal/self-tests/", views.self_test_list, name="portal-self-tests"),
    path("portal/photo/<str:kind>/<int:pk>/", views.photo, name="portal-photo"),
    path("portal/feedback/", views.feedback_list, name="portal-feedback-list"),
    path("portal/feedback/new/", views.feedback_new, name="portal-feedback-new"),
    path("portal/feedback/mine/", views.feedback_mine, name="portal-feedback-mine"),
    path("portal/feedback/<int:pk>/", views.feedback_detail, name="portal-feedback-detail"),
    path("portal/editor/", views.editor_list, name="portal-editor"),
    path("portal/editor/new/", views.editor_form, name="portal-editor-new"),
    path("portal/editor/<int:pk>/", views.editor_form, name="portal-editor-edit"),
    path("portal/editor/hotlines/", views.editor_hotlines, name="portal-editor-hotlines"),
    path("portal/editor/hotlines/new/", views.editor_hotline_form, name="portal-editor-hotline-new"),
    path("portal/editor/hotlines/<int:pk>/", views.editor_hotline_form, name="portal-editor-hotline-edit"),
    path("portal/editor/hotlines/<int:pk>/delete/", views.editor_hotline_delete, name="portal-editor-hotline-delete"),
    path("portal/editor/categories/", views.editor_categories, name="portal-editor-categories"),
    path("portal/editor/categories/new/", views.editor_category_form, name="portal-editor-category-new"),
    path("portal/editor/categories/<int:pk>/", views.editor_category_form, name="portal-editor-category-edit"),
    path(
        "portal/editor/categories/<int:pk>/delete/", views.editor_category_delete, name="portal-editor-category-delete"
    ),
]
