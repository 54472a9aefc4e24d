"""The map pages and their GeoJSON layers, and the lockdown zone screens (list, create by picking communes and/or
drawing on the map, a zone's page with its residents and cases, edit, end). Thin views over ``map`` and
``services``; a zone outside the account's scope answers 404.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import orjson
from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from phongdich.accounts.models import User
from phongdich.core import access
from phongdich.core.errors import DomainError, NotFound
from phongdich.lockdown import map as layers
from phongdich.lockdown import services
from phongdich.lockdown.forms import EndForm, ZoneForm
from phongdich.lockdown.models import LockdownZone
from phongdich.web import lookups
from phongdich.web.views import screen, show_errors, signed_in

PUBLIC_CACHE_SECONDS = 60


# --- The map ---------------------------------------------------------------------------------------------------


def _dashboard_url() -> str:
    try:
        return reverse("dashboard")
    except NoReverseMatch:
        return "/dashboard/"


def _map_config(public: bool, user: User | None = None) -> dict[str, Any]:
    """What the page's script needs: layer addresses, labels (translated here), level colours."""
    names = layers.PUBLIC_LAYERS if public else layers.LAYERS
    url_name = "public-map-layer" if public else "map-layer"
    colors = layers.level_colors()
    labels = layers.level_labels()
    return {
        "public": public,
        "layers": {name: reverse(url_name, args=[name]) for name in names},
        "dashboard_url": "" if public else _dashboard_url(),
        "zone_url": (
            reverse("zone-list")
            if not public and user is not None and access.can(user, "lockdown_zone", "view")
            else ""
        ),
        "levels": [{"level": n, "color": colors[n], "label": labels.get(n, str(n))} for n in sorted(colors)],
        "not_assessed_color": layers.NOT_ASSESSED_COLOR,
        "text": {
            "levels": _("Epidemic levels"),
            "cases": _("Cases (7 days, active)"),
            "zones": _("Lockdown zones"),
            "facilities": _("Quarantine facilities"),
            "sites": _("Vaccination sites"),
            "venues": _("Venues with recent cases"),
            "not_assessed": _("Not assessed"),
            "level": _("Level"),
            "population": _("Population"),
            "cases_7d": _("Community cases, 7 days"),
            "new_7d": _("New cases, 7 days"),
            "active": _("Active cases"),
            "beds": _("Beds"),
            "occupied": _("Occupied"),
            "dashboard": _("Dashboard"),
            "district_dashboard": _("District dashboard"),
            "zone": _("Zone"),
            "since": _("Since"),
            "until": _("Until"),
            "ended": _("Ended"),
            "communes": _("Communes"),
            "cases_linked": _("Cases present (14 days)"),
            "legend": _("Legend"),
            "loading": _("Loading…"),
            "failed": _("The map data could not be loaded."),
        },
    }


@screen
@require_GET
def map_page(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not layers.may_use_map(user):
        raise Http404()
    return render(
        request,
        "lockdown/map.html",
        {
            "map_config": _map_config(False, user),
            "public": False,
            "perms_zone_add": access.can(user, "lockdown_zone", "add"),
        },
    )


@require_GET
def public_map_page(request: HttpRequest) -> HttpResponse:
    return render(request, "lockdown/map.html", {"map_config": _map_config(True), "public": True})


def _geojson(request: HttpRequest, body: bytes, public: bool) -> HttpResponse:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/geo+json")
    response["ETag"] = etag
    if public:
        patch_cache_control(response, public=True, max_age=PUBLIC_CACHE_SECONDS)
    else:
        patch_cache_control(response, private=True, max_age=60)
        patch_vary_headers(response, ["Cookie", "Accept-Language"])
    return response


@require_GET
def map_layer(request: HttpRequest, name: str) -> HttpResponse:
    """A layer of the internal map for the signed-in viewer's area (401 when not signed in)."""
    user = request.user
    if not user.is_authenticated:
        return JsonResponse({"detail": _("Sign in first."), "errors": []}, status=401)
    if not layers.may_use_map(user) or name not in layers.LAYERS:
        raise Http404()
    assert isinstance(user, User)
    return _geojson(request, orjson.dumps(layers.layer(name, user, public=False)), public=False)


@require_GET
def public_map_layer(request: HttpRequest, name: str) -> HttpResponse:
    """A layer of the public map: aggregates only, the same for everyone (kept a minute in the cache)."""
    if name not in layers.PUBLIC_LAYERS:
        raise Http404()
    key = f"lockdown:public-layer:{name}:{get_language()}"
    body = cache.get(key)
    if body is None:
        body = orjson.dumps(layers.layer(name, None, public=True))
        cache.set(key, body, PUBLIC_CACHE_SECONDS)
    return _geojson(request, body, public=True)


# --- Zones -----------------------------------------------------------------------------------------------------


def _zone_or_404(user: User, pk: int) -> LockdownZone:
    zone = services.visible_zones(user).filter(pk=pk).first()
    if zone is None:
        raise NotFound()
    return zone


def _may_change(user: User, zone: LockdownZone) -> bool:
    return access.restrict(LockdownZone.objects.filter(pk=zone.pk), user, "change").exists()


@screen
@require_GET
def zone_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not access.can(user, "lockdown_zone", "view"):
        raise Http404()
    now = timezone.now()
    zones = list(services.visible_zones(user).prefetch_related("covered").order_by("-starts_at")[:300])
    rows = [{"zone": zone, "active": zone.is_active(now), "communes": list(zone.covered.all())} for zone in zones]
    return render(
        request,
        "lockdown/zone_list.html",
        {"rows": rows, "can_add": access.can(user, "lockdown_zone", "add")},
    )


def _zone_form_page(request: HttpRequest, user: User, zone: LockdownZone | None) -> HttpResponse:
    communes = lookups.commune_choices(user)
    initial: dict[str, Any] = {}
    if zone is not None:
        initial = {
            "name": zone.name,
            "reason": zone.reason,
            "starts_at": timezone.localtime(zone.starts_at),
            "ends_at": timezone.localtime(zone.ends_at) if zone.ends_at else None,
            "units": [unit.code for unit in zone.units.all()],
            "area": orjson.dumps(zone.area).decode() if zone.area else "",
        }
    else:
        initial = {"starts_at": timezone.localtime().replace(second=0, microsecond=0)}
    form = ZoneForm(request.POST or None, initial=initial, communes=communes)
    if request.method == "POST" and form.is_valid():
        data = services.ZoneInput(
            name=form.cleaned_data["name"],
            reason=form.cleaned_data["reason"],
            starts_at=form.cleaned_data["starts_at"],
            ends_at=form.cleaned_data["ends_at"],
            units=form.cleaned_data["units"],
            area=form.cleaned_data["area"],
        )
        try:
            saved = services.create_zone(user, data) if zone is None else services.update_zone(user, zone.pk, data)
        except NotFound:
            raise
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("The lockdown zone was saved."))
            return redirect("zone-detail", pk=saved.pk)
    return render(
        request,
        "lockdown/zone_form.html",
        {"form": form, "zone": zone, "map_config": _map_config(False, user)},
    )


@screen
@require_http_methods(["GET", "POST"])
def zone_create(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not access.can(user, "lockdown_zone", "add") or not layers.may_use_map(user):
        raise Http404()
    return _zone_form_page(request, user, None)


@screen
@require_http_methods(["GET", "POST"])
def zone_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    zone = _zone_or_404(user, pk)
    if not _may_change(user, zone):
        raise Http404()
    return _zone_form_page(request, user, zone)


@screen
@require_GET
def zone_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    zone = _zone_or_404(user, pk)
    now = timezone.now()
    return render(
        request,
        "lockdown/zone_detail.html",
        {
            "zone": zone,
            "active": zone.is_active(now),
            "communes": list(zone.covered.all().select_related("parent")),
            "picked": {unit.pk for unit in zone.units.all()},
            "figures": services.zone_figures(zone),
            "cases": services.zone_case_list(user, zone),
            "can_change": _may_change(user, zone),
            "end_form": EndForm(),
        },
    )


@screen
@require_POST
def zone_end(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    zone = _zone_or_404(user, pk)
    form = EndForm(request.POST)
    at: dt.datetime | None = None
    if form.is_valid():
        at = form.cleaned_data["ends_at"]
    try:
        services.end_zone(user, zone.pk, at)
    except NotFound:
        raise
    except DomainError as error:
        for item in error.errors:
            messages.error(request, item.message)
    else:
        messages.success(request, _("The lockdown zone was ended."))
    return redirect("zone-detail", pk=zone.pk)
