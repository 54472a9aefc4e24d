from django.contrib import admin
from django.urls import include, path

from phongdich.api import api
from phongdich.tracing import graph_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("phongdich.venues.urls")),
    path("", include("phongdich.checkins.urls")),
    path("", include("phongdich.vaccination.urls")),
    path("", include("phongdich.testing.urls")),
    path("", include("phongdich.cases.urls")),
    path("", include("phongdich.tracing.urls")),
    path("clusters/<int:pk>/graph/", graph_views.cluster_graph_page, name="cluster-graph"),
    path("clusters/<int:pk>/graph.json", graph_views.cluster_graph_data, name="cluster-graph-data"),
    path("", include("phongdich.certificates.urls")),
    path("", include("phongdich.exposure.urls")),
    path("", include("phongdich.quarantine.verify_urls")),
    path("", include("phongdich.quarantine.urls")),
    path("", include("phongdich.situation.urls")),
    path("", include("phongdich.tasks.urls")),
    path("", include("phongdich.notify.urls")),
    path("", include("phongdich.reports.urls")),
    path("", include("phongdich.declarations.urls")),
    path("", include("phongdich.checkpoints.urls")),
    path("", include("phongdich.portal.urls")),
    path("", include("phongdich.lockdown.urls")),
    path("", include("phongdich.levels.urls")),
    path("", include("phongdich.web.urls")),
]
