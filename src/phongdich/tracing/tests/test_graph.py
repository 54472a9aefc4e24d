"""The transmission-chain graph of a cluster: the JSON's shape, what each account may see of it, the page;
and, in a real browser, a graph of 20,000 nodes drawn without error."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.audit.models import AuditEvent
from phongdich.cases import services as cases
from phongdich.checkins import services as checkins
from phongdich.geo.models import AdministrativeUnit
from phongdich.people.models import Household
from phongdich.tracing import services as tracing
from phongdich.tracing.graph import EDGE_KINDS, NODE_KINDS
from phongdich.tracing.models import Contact
from phongdich.venues import services as venues

HA_KHANH, HA_PHONG, MONG_CAI = "06649", "06652", "06727"
CHROMIUM = Path("/usr/bin/chromium")


class Outbreak:
    """A cluster of two cases in Hà Khánh built through the services.

    F0 ``a`` (household with ``b``) is at the market with ``c`` (Hà Khánh), ``d`` (lives in Móng Cái) and
    ``e`` (lives in Hà Phòng, a case too). Later ``c`` sits 40 minutes at the café with ``f``: an F2.
    """

    def __init__(self, make_account: Any, make_person: Any) -> None:
        self.admin = make_account(Role.PROVINCE_ADMIN, "22", username="tinh")
        self.epi = make_account(Role.EPIDEMIOLOGIST, "22", username="cdc")
        self.officer = make_account(Role.COMMUNE_OFFICER, HA_KHANH, username="xa-ha-khanh")
        self.far_officer = make_account(Role.COMMUNE_OFFICER, MONG_CAI, username="xa-mong-cai")
        commune = AdministrativeUnit.objects.get(code=HA_KHANH)
        Household.objects.create(code="HK-1", commune=commune, address="Tổ 1")
        self.a = make_person(self.admin, home_commune=HA_KHANH, household="HK-1", full_name="Nguyễn Văn An")
        self.b = make_person(self.admin, home_commune=HA_KHANH, household="HK-1", full_name="Trần Thị Bình")
        self.c = make_person(self.admin, home_commune=HA_KHANH, full_name="Lê Văn Cường")
        self.d = make_person(self.admin, home_commune=MONG_CAI, full_name="Phạm Thị Dung")
        self.e = make_person(self.admin, home_commune=HA_PHONG, full_name="Hoàng Văn Em")
        self.f = make_person(self.admin, home_commune=HA_KHANH, full_name="Đỗ Thị Phương")
        self.market = self.venue("Chợ Hạ Long 1", "market")
        self.cafe = self.venue("Quán cà phê Gió", "restaurant")
        t0 = timezone.make_aware(dt.datetime.combine(timezone.localdate() - dt.timedelta(days=3), dt.time(10)))
        for person in (self.a, self.c, self.d, self.e):
            self.visit(person, self.market, t0, t0 + dt.timedelta(minutes=30))
        self.visit(self.c, self.cafe, t0 + dt.timedelta(hours=5), t0 + dt.timedelta(hours=5, minutes=40))
        self.visit(self.f, self.cafe, t0 + dt.timedelta(hours=5), t0 + dt.timedelta(hours=5, minutes=40))
        confirmed = timezone.now() - dt.timedelta(hours=1)
        sampled = timezone.localdate(t0) + dt.timedelta(days=1)
        self.case_a = cases.open_case(
            self.epi, cases.CaseInput(person=self.a.pk, sampled_on=sampled, confirmed_at=confirmed)
        )
        self.case_e = cases.open_case(
            self.epi, cases.CaseInput(person=self.e.pk, sampled_on=sampled, confirmed_at=confirmed)
        )
        for case in (self.case_a, self.case_e):
            tracing.run_tracing(case.pk)
        self.cluster = cases.create_cluster(self.epi, cases.ClusterInput(name="Ổ dịch chợ Hạ Long", commune=HA_KHANH))
        cases.link_cases(self.epi, self.cluster.pk, [self.case_a.pk, self.case_e.pk])

    def venue(self, name: str, kind: str) -> Any:
        return venues.register_venue(
            self.admin, venues.VenueInput(name=name, kind=kind, commune=HA_KHANH, address="Số 1")
        )

    def visit(self, person: Any, venue: Any, at: dt.datetime, out: dt.datetime) -> None:
        recorded = checkins.record_checkin(
            self.officer,
            venue=venue,
            visitor=checkins.Visitor(person=person),
            method="typed_id",
            checked_in_at=at,
            uuid=uuid.uuid4(),
        )
        checkins.check_out(recorded.checkin.uuid, at=out, actor=self.officer)


@pytest.fixture
def outbreak(units: Any, make_account: Any, make_person: Any) -> Outbreak:
    return Outbreak(make_account, make_person)


def graph_of(user: Any, cluster_id: int) -> tuple[int, dict[str, Any]]:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("cluster-graph-data", args=[cluster_id]))
    return response.status_code, response.json()


def decoded(payload: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], set[tuple[str, str, str]]]:
    """Nodes by key and edges as (source key, target key, kind) from the columnar payload."""
    nodes = payload["nodes"]
    count = len(nodes["key"])
    assert all(len(nodes[column]) == count for column in ("kind", "label", "ref", "x", "y"))
    by_key = {
        nodes["key"][i]: {
            "kind": payload["node_kinds"][nodes["kind"][i]],
            "label": nodes["label"][i],
            "ref": nodes["ref"][i],
            "x": nodes["x"][i],
            "y": nodes["y"][i],
        }
        for i in range(count)
    }
    assert len(by_key) == count  # one node per key
    flat = payload["edges"]
    assert len(flat) % 3 == 0
    edges = set()
    for i in range(0, len(flat), 3):
        source, target, kind = flat[i : i + 3]
        assert 0 <= source < count and 0 <= target < count and source != target
        edges.add((nodes["key"][source], nodes["key"][target], payload["edge_kinds"][kind]))
    return by_key, edges


@pytest.mark.django_db
def test_the_graph_holds_cases_contacts_and_venues_with_their_links(outbreak: Outbreak) -> None:
    status, payload = graph_of(outbreak.admin, outbreak.cluster.pk)
    assert status == 200
    assert payload["node_kinds"] == list(NODE_KINDS) and payload["edge_kinds"] == list(EDGE_KINDS)
    assert payload["cluster"] == {
        "id": outbreak.cluster.pk,
        "code": outbreak.cluster.code,
        "name": "Ổ dịch chợ Hạ Long",
    }
    nodes, edges = decoded(payload)
    a, b, c, d, e, f = (f"p{p.pk}" for p in (outbreak.a, outbreak.b, outbreak.c, outbreak.d, outbreak.e, outbreak.f))
    market, cafe = f"v{outbreak.market.pk}", f"v{outbreak.cafe.pk}"
    assert nodes[a]["kind"] == "case" and nodes[a]["ref"] == outbreak.case_a.pk
    assert nodes[a]["label"] == f"{outbreak.case_a.number} · Nguyễn Văn An"
    assert nodes[e]["kind"] == "case"  # a case and on a's list: one node
    assert {nodes[key]["kind"] for key in (b, c, d)} == {"f1"}
    assert nodes[b]["ref"] == outbreak.b.pk and nodes[b]["label"] == "Trần Thị Bình"
    assert nodes[f]["kind"] == "f2"
    assert nodes[market] == nodes[market] | {"kind": "venue", "label": "Chợ Hạ Long 1", "ref": outbreak.market.pk}
    assert cafe not in nodes  # only where F1s were exposed
    assert (a, e, "infection") in edges and (e, a, "infection") in edges
    assert (a, b, "contact") in edges and (a, c, "contact") in edges
    assert (c, f, "contact") in edges
    assert (a, market, "visit") in edges and (market, c, "visit") in edges and (market, d, "visit") in edges
    assert (a, f, "contact") not in edges
    assert payload["counts"] == {"case": 2, "f1": 3, "f2": 1, "venue": 1, "edges": len(edges)}
    assert payload["truncated"] is False
    # Laid out: distinct positions.
    assert len({(node["x"], node["y"]) for node in nodes.values()}) == len(nodes)
    # Sent compressed to browsers that accept it.
    client = Client()
    client.force_login(outbreak.admin)
    response = client.get(reverse("cluster-graph-data", args=[outbreak.cluster.pk]), HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip" and response["Cache-Control"] == "private, no-store"
    # The read is audited: the cases and the contacts shown.
    audited = AuditEvent.objects.filter(actor=outbreak.admin, action="list")
    assert {event.object_type for event in audited} == {"case", "contact"}


@pytest.mark.django_db
def test_each_account_sees_only_its_part_of_the_graph(outbreak: Outbreak, make_account: Any) -> None:
    # The commune officer of Hà Khánh: the cluster is theirs, but not the case and contacts living elsewhere.
    status, payload = graph_of(outbreak.officer, outbreak.cluster.pk)
    assert status == 200
    nodes, _edges = decoded(payload)
    assert f"p{outbreak.a.pk}" in nodes and f"p{outbreak.b.pk}" in nodes and f"p{outbreak.c.pk}" in nodes
    assert f"p{outbreak.e.pk}" not in nodes  # a case of Hà Phong, and its contact record belongs there
    assert f"p{outbreak.d.pk}" not in nodes  # lives in Móng Cái
    assert all("Hoàng Văn Em" not in node["label"] and "Phạm Thị Dung" not in node["label"] for node in nodes.values())
    # Outside the cluster's commune, for a citizen, a leader, or a cluster that does not exist: 404.
    citizen = make_account(Role.CITIZEN, username="citizen")
    citizen.person = outbreak.a
    citizen.save()
    leader = make_account(Role.LEADER, "22", username="leader")
    for user in (outbreak.far_officer, citizen, leader):
        status, body = graph_of(user, outbreak.cluster.pk)
        assert status == 404 and "nodes" not in body
    assert graph_of(outbreak.admin, outbreak.cluster.pk + 1000)[0] == 404
    assert Client().get(reverse("cluster-graph-data", args=[outbreak.cluster.pk])).status_code == 404


@pytest.mark.django_db
def test_the_page_hands_the_data_address_to_the_script(outbreak: Outbreak) -> None:
    client = Client()
    client.force_login(outbreak.officer)
    response = client.get(reverse("cluster-graph", args=[outbreak.cluster.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-url="{reverse("cluster-graph-data", args=[outbreak.cluster.pk])}"' in html
    assert 'data-case-url="/cases/{id}/"' in html and 'data-person-url="/people/{id}/"' in html
    assert "tracing/vendor/sigma-3.0.3.min.js" in html and "tracing/vendor/graphology-0.26.0.umd.min.js" in html
    far = Client()
    far.force_login(outbreak.far_officer)
    assert far.get(reverse("cluster-graph", args=[outbreak.cluster.pk])).status_code == 404
    anonymous = Client().get(reverse("cluster-graph", args=[outbreak.cluster.pk]))
    assert anonymous.status_code == 302


# --- A graph of 20,000 nodes in a real browser ------------------------------------------------------


def big_cluster(admin: Any, epi: Any, make_person: Any, *, cases_count: int = 20, f1_per_case: int = 500) -> Any:
    """A cluster of ``cases_count`` cases with ``f1_per_case`` F1s each (visitors known by phone), each F1
    with an F2: 2 × cases × F1s + cases nodes. Contacts are written in bulk (the engine is not under test)."""
    commune = AdministrativeUnit.objects.get(code=HA_KHANH)
    cluster = cases.create_cluster(epi, cases.ClusterInput(name="Ổ dịch lớn", commune=HA_KHANH))
    now = timezone.now()
    case_ids = []
    for n in range(cases_count):
        person = make_person(admin, home_commune=HA_KHANH)
        case = cases.open_case(
            epi, cases.CaseInput(person=person.pk, sampled_on=timezone.localdate(), confirmed_at=now)
        )
        case_ids.append(case.pk)
        f1s = Contact.objects.bulk_create(
            Contact(
                case=case,
                phone=f"+8490{n:03d}{i:04d}",
                name=f"Khách {n}-{i}",
                degree=1,
                close=True,
                first_exposure=now,
                last_exposure=now,
                commune=commune,
                sources="venue",
            )
            for i in range(f1_per_case)
        )
        Contact.objects.bulk_create(
            Contact(
                case=case,
                phone=f"+8491{n:03d}{i:04d}",
                name=f"Người {n}-{i}",
                degree=2,
                via=f1,
                first_exposure=now,
                last_exposure=now,
                commune=commune,
                sources="venue",
            )
            for i, f1 in enumerate(f1s)
        )
    cases.link_cases(epi, cluster.pk, case_ids)
    return cluster


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed (CI installs it)")
def test_the_browser_draws_a_graph_of_20000_nodes(
    live_server: Any, transactional_db: None, units: Any, make_account: Any, make_person: Any, monkeypatch: Any
) -> None:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on the test's thread; Django would refuse the test's queries.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    admin = make_account(Role.PROVINCE_ADMIN, "22", username="tinh")
    epi = make_account(Role.EPIDEMIOLOGIST, "22", username="cdc")
    cluster = big_cluster(admin, epi, make_person)
    expected_nodes = 20 + 2 * 20 * 500
    client = Client()
    client.force_login(admin)
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--headless", "--no-sandbox", "--enable-unsafe-swiftshader", "--use-angle=swiftshader"],
        )
        try:
            context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                        "url": live_server.url,
                    }
                ]
            )
            page = context.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on(
                "console",
                lambda message: (
                    errors.append(message.text)
                    if message.type == "error" and not message.text.startswith("Failed to load resource")
                    else None
                ),
            )
            # Every request answered, but the browser's own favicon probe.
            page.on(
                "response",
                lambda response: (
                    errors.append(f"{response.status} {response.url}")
                    if response.status >= 400 and not response.url.endswith("/favicon.ico")
                    else None
                ),
            )
            page.goto(f"{live_server.url}{reverse('cluster-graph', args=[cluster.pk])}")
            page.wait_for_selector("#chain-graph[data-state]", timeout=90_000)
            assert page.get_attribute("#chain-graph", "data-state") == "ready", page.inner_text("#chain-status")
            assert int(page.get_attribute("#chain-graph", "data-nodes") or 0) == expected_nodes
            assert page.locator("#chain-canvas canvas").count() > 0
            # Search without accents finds a contact; choosing it keeps the page working.
            page.fill("#chain-search-input", "khach 7-42")
            page.wait_for_selector("#chain-search-results button")
            assert "Khách 7-42" in page.inner_text("#chain-search-results")
            page.click("#chain-search-results button")
            page.click("#chain-zoom-reset")
            page.wait_for_timeout(500)
        finally:
            browser.close()
    assert errors == []
    connections.close_all()
