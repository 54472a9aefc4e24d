"""Unit checks of core.access; the per-model, per-role matrix is in phongdich/tests/test_permissions.py."""

import pytest
from django.contrib.auth.models import AnonymousUser

from phongdich.accounts.roles import PERMISSIONS, Role
from phongdich.core import access
from phongdich.core.errors import NotFound
from phongdich.geo.models import AdministrativeUnit
from phongdich.people.models import Person


def test_a_model_without_access_resource_cannot_be_restricted(units, province_admin):
    # Failing loudly beats silently returning every row of an unprotected model.
    with pytest.raises(TypeError, match="access_resource"):
        access.restrict(AdministrativeUnit.objects.all(), province_admin)


@pytest.mark.parametrize("user", [None, AnonymousUser()])
def test_anonymous_may_do_nothing(db, user):
    assert not access.can(user, "person", "view")
    assert access.scope(user, Person, "view") == access.NOTHING
    assert not access.unit_in_scope(user, "22/")


def test_can_follows_the_role_matrix(units, make_account):
    officer = make_account(Role.COMMUNE_OFFICER, "06649")
    assert access.can(officer, "person", "change")
    assert not access.can(officer, "person", "merge")
    assert not access.can(officer, "person", "delete")
    assert not access.can(officer, "audit", "view")
    assert not access.can(officer, "no-such-resource", "view")
    leader = make_account(Role.LEADER, "22")
    assert not any(access.can(leader, "person", action) for action in ("view", "add", "change", "delete", "merge"))


def test_every_role_missing_from_a_row_is_denied(units, make_account):
    for resource, row in PERMISSIONS.items():
        for role in Role.values:
            user = make_account(role, "22")
            assert access.can(user, resource, "view") == ("view" in row.get(role, frozenset())), (resource, role)


def test_superuser_may_do_everything(units, make_account):
    root = make_account(Role.CITIZEN)
    root.is_superuser = True
    root.save()
    assert access.can(root, "person", "delete")
    assert access.unit_in_scope(root, "22/194/06727/")


def test_unit_in_scope_is_a_path_prefix(units, make_account):
    officer = make_account(Role.DISTRICT_OFFICER, "193")
    assert access.unit_in_scope(officer, units["06649"].path)
    assert access.unit_in_scope(officer, units["193"].path)
    assert not access.unit_in_scope(officer, units["06727"].path)
    assert not access.unit_in_scope(officer, units["22"].path)


@pytest.mark.parametrize("bad_id", [2**63, 2**70, -1, 0, "abc", "99999999999999999999", None])
def test_get_or_404_turns_malformed_ids_into_not_found(units, province_admin, bad_id):
    with pytest.raises(NotFound):
        access.get_or_404(Person.objects.all(), province_admin, pk=bad_id)


def test_nested_units_collapse_to_the_outermost():
    from phongdich.core.access import outermost

    assert outermost(["22/193/06649/", "22/", "22/194/", "23/1/"]) == ["22/", "23/1/"]
    assert outermost(["22/193/06649/", "22/193/06652/"]) == ["22/193/06649/", "22/193/06652/"]
    assert outermost([]) == []
