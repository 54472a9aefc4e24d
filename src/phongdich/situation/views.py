"""The leaders' dashboard (``/dashboard/``, ``?unit=<code>`` to drill down). Thin over situation.services.

Every number links to what lies behind it, within the viewer's jurisdiction: for officials the list of
records (cases, quarantine orders …), filtered to the commune when the number is a commune's; for leaders,
who see no personal rows, the breakdown by unit (the table of units below, or the parent's table).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from phongdich.geo.models import AdministrativeUnit, Level
from phongdich.situation import charts, services
from phongdich.web.views import screen, signed_in

# Case colours on the curve: community cases stand out; cases already under control are quieter.
GROUP_COLORS = {"community": "#c62828", "in_quarantine": "#1565c0", "in_lockdown": "#6a1b9a", "imported": "#78909c"}
CASE_LIST_DETECTED = {
    "community": "community",
    "in_quarantine": "in_quarantine",
    "in_lockdown": "in_lockdown_area",
    "imported": "imported",
}


def _url(name: str, fallback: str = "") -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def level_colors() -> dict[int, str]:
    try:
        from phongdich.levels.models import LEVEL_COLORS
    except ImportError:
        return {1: "#2e7d32", 2: "#f9c80e", 3: "#ef6c00", 4: "#c62828"}
    return dict(LEVEL_COLORS)


class Links:
    """Where each number of a unit links to, for this viewer."""

    def __init__(self, user: Any, home: AdministrativeUnit, unit: AdministrativeUnit) -> None:
        self.rows = services.shows_rows(user)
        self.unit = unit
        # The lists are already limited to the viewer's units: unfiltered, they show exactly the viewer's home
        # unit; a commune or a district below it is one filter away (the lists filter by a unit and below).
        self.commune: str | None
        if unit.pk == home.pk and unit.level != Level.COMMUNE:
            self.commune = ""
        elif unit.level in (Level.COMMUNE, Level.DISTRICT):
            self.commune = unit.code
        else:
            self.commune = None
        self.breakdown = self._breakdown()

    def _breakdown(self) -> str:
        if self.unit.level != Level.COMMUNE:
            return "#units"
        parent = self.unit.path.strip("/").split("/")[-2:-1]
        return "?" + urlencode({"unit": parent[0]}) + "#units" if parent else "#units"

    def _list(self, name: str, **query: str) -> str:
        if not self.rows or self.commune is None:
            return self.breakdown
        base = _url(name)
        if not base:
            return self.breakdown
        params = {key: value for key, value in query.items()}
        if self.commune:
            params["commune"] = self.commune
        return f"{base}?{urlencode(params)}" if params else base

    def cases(self, group: str = "") -> str:
        return self._list("case-list", status="", detected_in=CASE_LIST_DETECTED.get(group, ""))

    @property
    def cases_all(self) -> str:
        return self.cases()

    @property
    def cases_community(self) -> str:
        return self.cases("community")

    @property
    def cases_quarantine(self) -> str:
        return self.cases("in_quarantine")

    @property
    def cases_lockdown(self) -> str:
        return self.cases("in_lockdown")

    @property
    def cases_imported(self) -> str:
        return self.cases("imported")

    @property
    def active(self) -> str:
        return self._list("case-list", status="active")

    @property
    def closed(self) -> str:
        return self._list("case-list", status="closed")

    @property
    def quarantine(self) -> str:
        return self._list("quarantine-orders", status="active")

    @property
    def facilities(self) -> str:
        if not self.rows or self.commune is None:
            return self.breakdown
        return _url("quarantine-board") or self.breakdown

    @property
    def tests(self) -> str:
        if not self.rows or self.commune is None:
            return self.breakdown
        return _url("testing-entry") or self.breakdown

    @property
    def coverage(self) -> str:
        # Coverage figures are aggregates: leaders may open them too.
        return _url("vaccination-coverage") or self.breakdown

    @property
    def levels(self) -> str:
        return _url("level-list", "/levels/")

    @property
    def level(self) -> str:
        """The unit's own level history (levels are published figures: leaders may open them)."""
        try:
            return reverse("level-unit", args=[self.unit.code])
        except NoReverseMatch:
            return self.levels


def _drill(unit: AdministrativeUnit) -> str:
    return "?" + urlencode({"unit": unit.code})


@screen
def dashboard(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not services.may_view(user):
        raise Http404()
    unit = services.unit_for(user, request.GET.get("unit"))
    home = services.home_unit(user)
    situation = services.situation(user, unit)
    colors = level_colors()
    curve_days = [day.day for day in situation.curve]
    labels = {
        "community": _("In the community"),
        "in_quarantine": _("Already in quarantine"),
        "in_lockdown": _("In a locked-down area"),
        "imported": _("Imported"),
    }
    series_report = [(labels[g], GROUP_COLORS[g], [d.report[g] for d in situation.curve]) for g in services.GROUPS]
    series_onset = [(labels[g], GROUP_COLORS[g], [d.onset[g] for d in situation.curve]) for g in services.GROUPS]
    projection_days = [p.day for p in situation.projection]
    rt_chart = charts.line_with_band(
        curve_days,
        [(p.day, p.mean, p.low, p.high) for p in situation.rt],
        reference=1.0,
        cap=6.0,
    )
    recent = [(d.day, float(sum(d.report.values()))) for d in situation.curve[-28:]]
    # The band's upper edge can run away (a high Rt bound compounds for 14 days): keep the cases readable.
    tallest = max([count for _day, count in recent] + [p.expected for p in situation.projection] + [1.0])
    projection_chart = charts.line_with_band(
        [day for day, _count in recent] + projection_days,
        [(day, count, count, count) for day, count in recent],
        [(p.day, p.expected, p.low, p.high) for p in situation.projection],
        cap=tallest * 2,
    )
    parts = [
        {
            "figures": part,
            "color": colors.get(part.level or 0, ""),
            "drill": _drill(part.unit),
            "links": Links(user, home, part.unit),
        }
        for part in situation.parts
    ]
    report_chart = charts.stacked_bars(curve_days, series_report)
    onset_chart = charts.stacked_bars(curve_days, series_onset)
    context = {
        "situation": situation,
        "figures": situation.figures,
        "links": Links(user, home, unit),
        "level_color": colors.get(situation.figures.level or 0, ""),
        "levels": [(level, colors[level], situation.levels_count.get(level, 0)) for level in sorted(colors)],
        "parts": parts,
        "parts_are_communes": unit.level == Level.DISTRICT,
        "legend": [(labels[g], GROUP_COLORS[g]) for g in services.GROUPS],
        "report_chart": report_chart,
        "report_svg": charts.svg(report_chart, _("New cases by report date")),
        "onset_chart": onset_chart,
        "onset_svg": charts.svg(onset_chart, _("New cases by onset date")),
        "rt_chart": rt_chart,
        "rt_svg": charts.svg(rt_chart, _("Rt over time with its 95% credible interval")),
        "projection_svg": charts.svg(projection_chart, _("Cases of the last 4 weeks and the projection")),
        "latest_rt": situation.latest_rt,
        "projected_total": round(sum(p.expected for p in situation.projection)),
        "reports_url": _url("daily-report-list"),
        "map_url": _url("map"),
        "show_rows": services.shows_rows(user),
    }
    return render(request, "situation/dashboard.html", context)
