"""The Django admin: province administrators keep reference data; nobody reaches person records there."""

from django.apps import apps
from django.contrib import admin
from django.test import Client

from phongdich.people.models import Household, Person, PersonMerge


def test_province_admin_edits_units_in_the_admin(province_admin):
    client = Client()
    client.force_login(province_admin)
    assert client.get("/admin/geo/administrativeunit/").status_code == 200
    assert client.get("/admin/").status_code == 200


def test_province_admin_cannot_make_anyone_superuser(province_admin, commune_officer):
    client = Client()
    client.force_login(province_admin)
    page = client.get(f"/admin/accounts/user/{commune_officer.pk}/change/")
    assert page.status_code == 200
    assert 'name="is_superuser"' not in page.content.decode()


def test_other_roles_have_no_admin(commune_officer):
    client = Client()
    client.force_login(commune_officer)
    response = client.get("/admin/geo/administrativeunit/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_person_records_are_not_in_the_admin():
    """The admin does not go through the access layer, so personal models must stay out of it."""
    personal = [m for m in apps.get_models() if getattr(m, "access_resource", None) not in (None, "audit")]
    assert {Person, Household, PersonMerge} <= set(personal)
    for model in personal:
        assert not admin.site.is_registered(model), model
