"""The transmission-chain graph of a cluster: the page, and the JSON it draws (``tracing.graph``)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from phongdich.cases.models import Cluster
from phongdich.core import access
from phongdich.core.errors import NotFound
from phongdich.tracing.graph import cluster_graph
from phongdich.web.navigation import is_citizen
from phongdich.web.views import screen, signed_in

# Stands for the id in the address templates the page hands to its script.
_ID = 2_147_483_647


def _template(name: str) -> str:
    return reverse(name, args=[_ID]).replace(str(_ID), "{id}")


@screen
@require_GET
def cluster_graph_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    if is_citizen(user):
        raise Http404()
    cluster = access.get_or_404(Cluster.objects.select_related("commune"), user, "view", pk=pk)
    return render(
        request,
        "tracing/cluster_graph.html",
        {
            "cluster": cluster,
            "data_url": reverse("cluster-graph-data", args=[cluster.pk]),
            "case_url": _template("case-detail"),
            "person_url": _template("person-detail"),
            "venue_url": _template("venue-detail"),
        },
    )


@require_GET
@gzip_page  # 1.4 MB of JSON at 20,000 nodes is 0.37 MB compressed; nothing in it echoes the request
def cluster_graph_data(request: HttpRequest, pk: int) -> HttpResponse:
    """The graph as JSON; 404 for a cluster missing or out of scope, and for anyone not signed in."""
    user = request.user
    try:
        if not user.is_authenticated or is_citizen(user):
            raise NotFound()
        data = cluster_graph(signed_in(request), pk)
    except NotFound:
        return JsonResponse({"detail": _("Not found.")}, status=404)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})
    response["Cache-Control"] = "private, no-store"
    return response
