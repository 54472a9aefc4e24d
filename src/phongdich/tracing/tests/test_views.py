"""The commune's task list, recording follow-up, and the contacts section of the case page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from phongdich.tracing.models import Contact, FollowUp
from phongdich.tracing.tests.world import World, minutes


@pytest.fixture
def traced(units, make_account, make_person):
    world = World(make_account, make_person)
    t0 = world.t0
    world.visit(world.f0, world.market, t0, t0 + minutes(30))
    world.near = world.person()
    world.far = world.person(commune="06727")
    world.visit(world.near, world.market, t0, t0 + minutes(30))
    world.visit(world.far, world.market, t0 + minutes(20), t0 + minutes(25))
    world.case = world.open_case()
    world.trace(world.case)
    return world


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_task_list_shows_whom_to_call_and_why(traced, english):
    page = signed_in(traced.officer).get(reverse("tracing-tasks"))
    assert page.status_code == 200
    text = page.content.decode()
    assert traced.near.full_name in text and traced.far.full_name not in text
    assert traced.market.name in text and "30 min" in text
    assert traced.case.number in text
    far_page = signed_in(traced.far_officer).get(reverse("tracing-tasks")).content.decode()
    assert traced.far.full_name in far_page and traced.near.full_name not in far_page


def test_an_officer_records_the_follow_up_of_their_contacts_only(traced):
    near = Contact.objects.get(person=traced.near)
    far = Contact.objects.get(person=traced.far)
    officer = signed_in(traced.officer)
    response = officer.post(reverse("tracing-follow-up", args=[near.pk]), {"status": FollowUp.IN_FOLLOW_UP})
    assert response.status_code == 302
    near.refresh_from_db()
    assert near.status == FollowUp.IN_FOLLOW_UP and near.status_changed_by == traced.officer
    assert officer.post(reverse("tracing-follow-up", args=[far.pk]), {"status": "reached"}).status_code == 404
    far.refresh_from_db()
    assert far.status == FollowUp.TO_CALL
    listed = officer.get(reverse("tracing-tasks"), {"status": "to_call"}).content.decode()
    assert traced.near.full_name not in listed


def test_the_case_page_lists_its_contacts(traced):
    page = signed_in(traced.epi).get(reverse("case-detail", args=[traced.case.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="contacts"' in text
    assert traced.near.full_name in text and traced.far.full_name in text


def test_the_menu_offers_the_task_list_to_tracing_staff(traced, make_account):
    home = signed_in(traced.officer).get(reverse("home")).content.decode()
    assert reverse("tracing-tasks") in home
    vaccinator = make_account("vaccinator", "22")
    assert reverse("tracing-tasks") not in signed_in(vaccinator).get(reverse("home")).content.decode()
    assert signed_in(vaccinator).get(reverse("tracing-tasks")).status_code == 404
