"""Screens of different apps lead to each other: a cluster to its chain graph, a person to their certificates."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from phongdich.accounts.roles import Role
from phongdich.cases import services as cases


def signed_in(account) -> Client:
    client = Client()
    client.force_login(account)
    return client


def test_a_cluster_page_links_to_its_transmission_graph(units, make_account):
    epidemiologist = make_account(Role.EPIDEMIOLOGIST, "22", username="cdc")
    cluster = cases.create_cluster(epidemiologist, cases.ClusterInput(name="Chợ Hạ Long 1", commune="06649"))
    page = signed_in(epidemiologist).get(reverse("cluster-detail", args=[cluster.pk])).content.decode()
    assert reverse("cluster-graph", args=[cluster.pk]) in page


def test_staff_who_issue_certificates_find_them_from_the_person_page(units, make_account, make_person):
    vaccinator = make_account(Role.VACCINATOR, "06649", username="tiem-ha-khanh")
    person = make_person(vaccinator)
    link = reverse("certificate-person", args=[person.pk])
    assert link in signed_in(vaccinator).get(reverse("person-detail", args=[person.pk])).content.decode()
    quarantine_staff = make_account(Role.QUARANTINE_STAFF, "06649", username="cach-ly")
    response = signed_in(quarantine_staff).get(reverse("person-detail", args=[person.pk]))
    assert response.status_code == 404 or link not in response.content.decode()
