from django.contrib import admin
from django.urls import include, path

from phongdich.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("phongdich.venues.urls")),
    path("", include("phongdich.checkins.urls")),
    path("", include("phongdich.vaccination.urls")),
    path("", include("phongdich.certificates.urls")),
    path("", include("phongdich.web.urls")),
]
