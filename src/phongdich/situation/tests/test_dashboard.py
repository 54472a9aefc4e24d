"""The dashboard and its API: figures per unit within the viewer's jurisdiction, links, drill-down."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from phongdich.accounts.roles import Role
from phongdich.cases.models import Case, DetectedIn
from phongdich.situation import charts, services
from phongdich.situation.tests.helpers import days_ago, open_case, record_result


@pytest.fixture
def lab(units, make_account):
    return make_account(Role.LAB_TECHNICIAN, "22", username="lab-dashboard")


@pytest.fixture
def leader(units, make_account):
    return make_account(Role.LEADER, "22", username="leader-dashboard")


@pytest.fixture
def outbreak(units, lab, commune_officer, make_account, make_person, django_capture_on_commit_callbacks):
    """Three cases in Hà Khánh (06649, Hạ Long), one in Hà Phong (06652, Hạ Long), two in Móng Cái (06727),
    one of them eight days ago (the week before), plus a negative test in Hà Khánh."""
    officers = {
        "06649": commune_officer,
        "06652": make_account(Role.COMMUNE_OFFICER, "06652", username="officer-hp"),
        "06727": make_account(Role.COMMUNE_OFFICER, "06727", username="officer-mc"),
    }
    plan = [("06649", 1), ("06649", 2), ("06649", 3), ("06652", 2), ("06727", 1), ("06727", 8)]
    with django_capture_on_commit_callbacks(execute=True):
        for code, ago in plan:
            person = make_person(officers[code], home_commune=code)
            open_case(lab, person, days_ago(ago))
        record_result(lab, make_person(commune_officer), "negative", days_ago(1))


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_province_sees_every_district(outbreak, province_admin, units):
    situation = services.situation(province_admin, services.unit_for(province_admin, ""))
    assert situation.unit.code == "22"
    assert situation.figures.cases_week == 5
    assert situation.figures.cases_previous_week == 1
    assert situation.figures.week["tests"] == 6
    assert situation.figures.week["positives"] == 5
    assert situation.figures.positivity == round(100 * 5 / 6, 1)
    assert situation.figures.active_total == 6
    by_code = {part.unit.code: part for part in situation.parts}
    assert len(by_code) == 13  # Quảng Ninh's districts
    assert by_code["193"].cases_week == 4
    assert by_code["194"].cases_week == 1
    assert sum(day.report["community"] for day in situation.curve) == 6
    population = units["193"].population
    assert by_code["193"].community_per_100k == round(100_000 * 4 / population, 1)


def test_a_commune_officer_counts_only_their_commune(outbreak, commune_officer):
    situation = services.situation(commune_officer, services.unit_for(commune_officer, ""))
    assert situation.unit.code == "06649"
    assert situation.figures.cases_week == 3
    assert situation.parts == []
    with pytest.raises(services.NotFound):
        services.unit_for(commune_officer, "06652")
    with pytest.raises(services.NotFound):
        services.unit_for(commune_officer, "193")


def test_the_page_drills_down_and_links_to_the_lists(outbreak, district_officer, province_admin):
    page = client_for(province_admin).get("/dashboard/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'href="?unit=193"' in html  # a district's row drills down
    assert "/cases/?" in html  # officials' numbers open the lists behind them
    district = client_for(province_admin).get("/dashboard/?unit=193")
    assert district.status_code == 200
    html = district.content.decode()
    assert 'data-unit="06649"' in html and 'data-unit="06652"' in html
    assert 'data-unit="06727"' not in html
    # In a commune's row, the numbers open the commune's own lists.
    assert "commune=06649" in html
    mine = client_for(district_officer).get("/dashboard/")
    assert mine.status_code == 200 and 'data-unit="06649"' in mine.content.decode()


def test_outside_the_jurisdiction_is_not_found(outbreak, district_officer, make_account, units):
    client = client_for(district_officer)
    assert client.get("/dashboard/?unit=194").status_code == 404
    assert client.get("/dashboard/?unit=06727").status_code == 404
    assert client.get("/dashboard/?unit=nothing").status_code == 404
    assert client.get("/dashboard/?unit=22").status_code == 404
    for role in (Role.LAB_TECHNICIAN, Role.VACCINATOR, Role.QUARANTINE_STAFF):
        other = make_account(role, "22", username=f"other-{role}")
        assert client_for(other).get("/dashboard/").status_code == 404


def test_a_leader_sees_figures_and_no_personal_links(outbreak, leader):
    page = client_for(leader).get("/dashboard/?unit=193")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/cases/" not in html
    assert "/quarantine/orders/" not in html
    assert 'href="#units"' in html
    commune = client_for(leader).get("/dashboard/?unit=06649").content.decode()
    # A commune's numbers point at its row in the district's table.
    assert "?unit=193#units" in commune


def test_the_api_answers_figures_curve_and_rt(outbreak, api_client, district_officer):
    client = api_client(district_officer)
    summary = client.get("/api/v1/situation/summary").json()
    assert summary["figures"]["unit"]["code"] == "193"
    assert summary["figures"]["new_cases_7d"] == 4
    assert summary["figures"]["last_7_days"]["cases_community"] == 4
    assert {part["unit"]["code"] for part in summary["parts"]} >= {"06649", "06652"}
    assert set(summary["communes_per_level"]) == {"1", "2", "3", "4"}
    curve = client.get("/api/v1/situation/curve?unit=06649&by=report").json()
    assert curve["by"] == "report"
    assert sum(day["community"] for day in curve["days"]) == 3
    assert set(curve["days"][0]) == {"day", "community", "in_quarantine", "in_lockdown", "imported"}
    onset = client.get("/api/v1/situation/curve?unit=06649&by=onset").json()
    assert sum(day["community"] for day in onset["days"]) == 0  # no onset dates were given
    rt = client.get("/api/v1/situation/rt?unit=193").json()
    assert rt["window_days"] == 7
    assert set(rt) == {"unit", "method", "window_days", "rt", "projection"}
    assert client.get("/api/v1/situation/curve?by=sideways").status_code in (400, 422)
    assert client.get("/api/v1/situation/summary?unit=194").status_code == 404
    assert client.get("/api/v1/situation/summary?unit=" + "9" * 50).status_code in (404, 422)


def test_rt_follows_a_growing_then_shrinking_epidemic():
    first = dt.date(2021, 7, 1)
    growing = [round(2 * 1.15**day) for day in range(30)]
    points, projection = services.compute_rt(growing, [0.0] * 30, first)
    assert points, "windows after the first serial interval have an estimate"
    assert points[-1].mean > 1.2
    assert points[-1].low < points[-1].mean < points[-1].high
    assert points[-1].day == first + dt.timedelta(days=29)
    assert len(projection) == services.PROJECTION_DAYS
    assert projection[0].low <= projection[0].expected <= projection[0].high
    assert projection[-1].expected > growing[-1]
    shrinking = list(reversed(growing))
    points, _projection = services.compute_rt(shrinking, [0.0] * 30, first)
    assert points[-1].mean < 1


def test_bars_stack_from_the_bottom_and_windows_with_few_cases_show_no_rt():
    days = [dt.date(2021, 7, 1), dt.date(2021, 7, 2)]
    chart = charts.stacked_bars(days, [("community", "#c62828", [1, 0]), ("imported", "#78909c", [1, 2])])
    assert len(chart.rects) == 3  # no empty segment
    first_day = [rect for rect in chart.rects if rect.x == chart.rects[0].x]
    bottom, top = first_day
    assert bottom.color == "#c62828" and top.color == "#78909c"
    # The tallest day (2) on an axis of four whole steps: 0, 1, 2, 3, 4; one case is a quarter of the height.
    assert [tick.label for tick in chart.y_ticks] == ["0", "1", "2", "3", "4"]
    assert bottom.height == top.height == pytest.approx((chart.bottom_y - charts.TOP) / 4)
    assert bottom.y + bottom.height == pytest.approx(chart.bottom_y)
    assert top.y + top.height == pytest.approx(bottom.y)
    # Eleven cases a week, steadily: every window holds fewer than twelve, so no Rt is shown.
    points, projection = services.compute_rt([1.0, 2.0] * 15, [0.0] * 30, dt.date(2021, 7, 1))
    assert points == [] and projection == []


def test_published_levels_color_the_units_and_count_the_communes(outbreak, province_admin, leader):
    from django.utils import timezone

    from phongdich.levels import services as levels
    from phongdich.levels.models import LEVEL_COLORS, Assessment, AssessmentStatus

    now = timezone.now()
    results = levels.assess_all(None, now)
    # Published as the synthetic province does (the workflow itself is the levels app's to test).
    Assessment.objects.filter(pk__in=[r.pk for r in results]).update(
        status=AssessmentStatus.PUBLISHED, effective_at=now
    )
    published = levels.current_levels()
    situation = services.situation(province_admin, services.unit_for(province_admin, ""))
    assert sum(situation.levels_count.values()) == 177
    ha_long = next(part for part in situation.parts if part.unit.code == "193")
    assert ha_long.level == published[ha_long.unit.pk]
    html = client_for(leader).get("/dashboard/").content.decode()
    assert f"--level: {LEVEL_COLORS[ha_long.level]}" in html
    assert 'href="/levels/193/"' in html


@pytest.mark.parametrize("unit", ["\x00", "%", "22/193", "' OR 1=1", "🦠"])
def test_odd_unit_codes_are_not_found(units, api_client, province_admin, unit):
    response = api_client(province_admin).get("/api/v1/situation/summary", {"unit": unit})
    assert 400 <= response.status_code < 500
    page = client_for(province_admin).get("/dashboard/", {"unit": unit})
    assert 400 <= page.status_code < 500


def test_a_districts_numbers_link_to_its_filtered_lists(outbreak, province_admin):
    client = client_for(province_admin)
    html = client.get("/dashboard/?unit=193").content.decode()
    community = "/cases/?status=&amp;detected_in=community&amp;commune=193"
    imported = "/cases/?status=&amp;detected_in=imported&amp;commune=193"
    assert community in html and imported in html
    # The list behind the district's community number holds its four cases, and none of Móng Cái's.
    listed = client.get(community.replace("&amp;", "&")).context["rows"]
    assert sorted(case.commune.code for case in listed) == ["06649", "06649", "06649", "06652"]
    assert client.get(imported.replace("&amp;", "&")).context["rows"] == []
    # Both kinds of imported case are behind the one "imported" filter.
    arrived = Case.objects.filter(commune__code="06652").get()
    Case.objects.filter(pk=arrived.pk).update(detected_in=DetectedIn.IMPORTED_ABROAD)
    assert [case.pk for case in client.get(imported.replace("&amp;", "&")).context["rows"]] == [arrived.pk]
