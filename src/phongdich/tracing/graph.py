"""The transmission chains of a cluster as a graph: cases, contacts and venues, laid out on the server.

Nodes are people (a case, or an F1 or F2 contact of a case of the cluster; one node per person however many
lists they are on), visitors known by phone only, and the venues where F1s were exposed. Edges:

- ``infection``: from a case to another case of the cluster who is on its F1 list (the likely chain);
- ``contact``: from a case to an F1, from an F1 to the F2s traced through them;
- ``visit``: from a case to a venue where it exposed F1s, and from that venue to those F1s.

Only what the user may see goes in: the cluster (else 404), its cases and contacts through
``access.restrict``; a venue outside the user's scope keeps its node but not its name.

The payload is columnar so 20,000 nodes stay small: parallel arrays for the nodes, one flat array of
``source, target, kind`` triples for the edges, kinds as small integers. The layout is computed here
(deterministic, linear in the nodes): each case sits in a disc sized by what hangs from it; its F1s and
venues spiral around it, each with room for its own F2s; discs are placed on a spiral by area.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from phongdich.accounts.models import User
from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.cases.models import Case, CaseStatus, Cluster
from phongdich.core import access
from phongdich.tracing.models import Contact, ContactEvidence, Source
from phongdich.venues.models import Venue

NODE_KINDS = ("case", "f1", "f2", "venue")
EDGE_KINDS = ("infection", "contact", "visit")
CASE, F1, F2, VENUE = range(4)
INFECTION, CONTACT, VISIT = range(3)
MAX_NODES = 60_000  # beyond this the graph is cut (F2s first) and says so
GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))
SPACING = 10.0  # between neighbours, in layout units (the browser scales to fit)


@dataclass
class Node:
    key: str  # "p<person id>", "t<contact id>" (known by phone only), "v<venue id>"
    kind: int
    label: str
    ref: int  # case id (cases), person id (people), contact id (phone only), venue id
    parent: int | None = None  # index of the node it is laid out around
    children: list[int] = field(default_factory=list)
    x: float = 0.0
    y: float = 0.0
    radius: float = 0.0


class GraphBuilder:
    """Nodes by key with their kinds kept at the highest rank (a case outranks an F1, an F1 an F2)."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.index: dict[str, int] = {}
        self.edges: set[tuple[int, int, int]] = set()

    def node(self, key: str, kind: int, label: str, ref: int) -> int:
        position = self.index.get(key)
        if position is None:
            position = len(self.nodes)
            self.index[key] = position
            self.nodes.append(Node(key, kind, label, ref))
        elif kind < self.nodes[position].kind:
            node = self.nodes[position]
            node.kind, node.label, node.ref = kind, label, ref
        return position

    def edge(self, source: int, target: int, kind: int) -> None:
        if source != target:
            self.edges.add((source, target, kind))

    def adopt(self, parent: int, child: int) -> None:
        """Lay ``child`` out around ``parent``, unless it is a case or already placed."""
        node = self.nodes[child]
        if node.kind == CASE or node.parent is not None or child == parent:
            return
        node.parent = parent
        self.nodes[parent].children.append(child)


def _spiral(items: Sequence[int], nodes: list[Node], gap: float, centre: float) -> float:
    """Place ``items`` (largest first) on a golden-angle spiral around (0, 0) whose area grows with theirs,
    keeping clear of a disc of radius ``centre`` (the parent's own dot); positions are relative.
    Returns the radius of the whole."""
    used = centre * centre
    outer = centre
    for turn, position in enumerate(items):
        node = nodes[position]
        room = node.radius + gap
        used += room * room
        distance = 0.0 if centre == 0 and turn == 0 else math.sqrt(used) * 1.9
        angle = turn * GOLDEN_ANGLE
        node.x, node.y = distance * math.cos(angle), distance * math.sin(angle)
        outer = max(outer, distance + room)
    return outer


def layout(builder: GraphBuilder) -> None:
    """Discs within discs: F2s around their F1, F1s and venues around their case, cases on a spiral."""
    nodes = builder.nodes
    # Sizes bottom-up: F2s and leaves have a small radius; a parent's disc holds its children.
    order = sorted(range(len(nodes)), key=lambda i: nodes[i].kind, reverse=True)
    for position in order:
        node = nodes[position]
        if node.children:
            node.children.sort(key=lambda child: (-nodes[child].radius, nodes[child].key))
            node.radius = _spiral(node.children, nodes, SPACING / 2, SPACING / 2)
        else:
            node.radius = SPACING / 2
    roots = sorted(
        (i for i, node in enumerate(nodes) if node.parent is None), key=lambda i: (-nodes[i].radius, nodes[i].key)
    )
    _spiral(roots, nodes, SPACING, 0.0)
    # Relative positions to absolute, top-down (parents come before their children in this order).
    stack = list(roots)
    while stack:
        position = stack.pop()
        node = nodes[position]
        for child in node.children:
            nodes[child].x += node.x
            nodes[child].y += node.y
            stack.append(child)


def _person_label(name: str, fallback: str) -> str:
    return name or fallback


def cluster_graph(actor: User, cluster_id: object) -> dict[str, Any]:
    """The cluster's graph as the page draws it. NotFound for a cluster missing or outside the user's scope."""
    cluster = access.get_or_404(Cluster.objects.all(), actor, "view", pk=cluster_id)
    cases = list(
        access.restrict(Case.objects.filter(cluster=cluster).exclude(status=CaseStatus.VOIDED), actor, "view")
        .order_by("confirmed_at", "pk")
        .values_list("pk", "number", "person_id", "person__full_name")
    )
    builder = GraphBuilder()
    case_node: dict[int, int] = {}
    for case_id, number, person_id, full_name in cases:
        case_node[case_id] = builder.node(f"p{person_id}", CASE, f"{number} · {full_name}", case_id)

    visible = access.restrict(Contact.objects.filter(case_id__in=list(case_node)), actor, "view")
    rows = list(
        visible.order_by("degree", "case_id", "pk").values_list(
            "pk", "case_id", "person_id", "phone", "name", "degree", "via_id", "person__full_name"
        )
    )
    truncated = False
    if len(case_node) + len(rows) > MAX_NODES:
        rows = rows[: max(0, MAX_NODES - len(case_node))]
        truncated = True
    contact_node: dict[int, int] = {}
    for contact_id, _case, person_id, phone, name, degree, _via, full_name in rows:
        kind = F1 if degree == 1 else F2
        if person_id is not None:
            contact_node[contact_id] = builder.node(f"p{person_id}", kind, _person_label(full_name, name), person_id)
        else:
            contact_node[contact_id] = builder.node(f"t{contact_id}", kind, _person_label(name, phone), contact_id)
    for contact_id, case_id, _person, _phone, _name, degree, via_id, _full in rows:
        target = contact_node[contact_id]
        if degree == 1:
            source = case_node[case_id]
            builder.edge(source, target, INFECTION if builder.nodes[target].kind == CASE else CONTACT)
            builder.adopt(source, target)
        elif via_id in contact_node:
            source = contact_node[via_id]
            builder.edge(source, target, CONTACT)
            builder.adopt(source, target)

    # Venues where F1s were exposed: case → venue → F1.
    f1_ids = [contact_id for contact_id, *_rest, degree, _via, _full in rows if degree == 1]
    venue_links: dict[int, set[tuple[int, int]]] = defaultdict(set)  # venue -> {(case node, contact node)}
    if f1_ids:
        evidence = (
            ContactEvidence.objects.filter(source=Source.VENUE, venue__isnull=False, contact__in=visible)
            .filter(contact__degree=1)
            .values_list("venue_id", "contact_id", "contact__case_id")
            .distinct()
        )
        for venue_id, contact_id, case_id in evidence:
            if contact_id in contact_node and case_id in case_node:
                venue_links[venue_id].add((case_node[case_id], contact_node[contact_id]))
    if venue_links:
        # A venue outside the user's scope stays a place on the graph, unnamed.
        names = dict(
            access.restrict(Venue.objects.filter(pk__in=list(venue_links)), actor, "view").values_list("pk", "name")
        )
        for venue_id in sorted(venue_links):
            venue = builder.node(f"v{venue_id}", VENUE, names.get(venue_id, ""), venue_id)
            for case_position, contact_position in sorted(venue_links[venue_id]):
                builder.edge(case_position, venue, VISIT)
                builder.edge(venue, contact_position, VISIT)
                builder.adopt(case_position, venue)
    layout(builder)
    nodes = builder.nodes
    edges = sorted(builder.edges)
    audit.record(
        actor, AuditAction.LIST, "case", object_ids=list(case_node), detail={"cluster": cluster.pk, "view": "graph"}
    )
    if contact_node:
        audit.record(
            actor,
            AuditAction.LIST,
            "contact",
            object_ids=list(contact_node),
            detail={"cluster": cluster.pk, "view": "graph"},
        )
    counts = [0] * len(NODE_KINDS)
    for node in nodes:
        counts[node.kind] += 1
    return {
        "cluster": {"id": cluster.pk, "code": cluster.code, "name": cluster.name},
        "node_kinds": list(NODE_KINDS),
        "edge_kinds": list(EDGE_KINDS),
        "nodes": {
            "key": [node.key for node in nodes],
            "kind": [node.kind for node in nodes],
            "label": [node.label for node in nodes],
            "ref": [node.ref for node in nodes],
            "x": [round(node.x, 1) for node in nodes],
            "y": [round(node.y, 1) for node in nodes],
        },
        # source, target, kind; source and target are positions in the node arrays.
        "edges": [value for edge in edges for value in edge],
        "counts": {kind: counts[i] for i, kind in enumerate(NODE_KINDS)} | {"edges": len(edges)},
        "truncated": truncated,
    }
